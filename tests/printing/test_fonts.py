"""The renderer shared across PDFs (coso.core.printing): one font configuration and parsed
stylesheets for the process, the shipped fonts embedded as subsets, the last PDFs kept, the
warm-up of a server's worker. What could break: a later render falling back to another font,
glyphs that no longer read back, a kept PDF given for another document, the garbage collector
left off."""

from __future__ import annotations

import gc
import io
import threading
from typing import Any

import pytest
from django.test import override_settings
from pypdf import PdfReader

from coso.core import printing
from coso.meetings.printing import attendance_pdf, minutes_pdf
from coso.units.printing import stylesheet
from coso.web.management.commands.serve import warm_up_worker
from tests.printing.conftest import Branch, pdf_text


def embedded_fonts(data: bytes) -> dict[str, int]:
    """Each font of the PDF (its base name, without the subset tag) → size of its font file."""
    fonts: dict[str, int] = {}
    for page in PdfReader(io.BytesIO(data)).pages:
        resources: Any = page["/Resources"]
        for ref in resources["/Font"].values():
            font = ref.get_object()
            name = str(font["/BaseFont"]).split("+", 1)[-1]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            stream = descriptor.get_object()["/FontFile2"].get_object()
            fonts[name] = len(stream.get_data())
    return fonts


@override_settings(COSO_PDF_CACHE_BYTES=0)  # every PDF rendered, none kept
def test_every_render_embeds_the_shipped_fonts_as_subsets(tan_lap: Branch) -> None:
    whole = min(p.stat().st_size for p in printing.FONT_DIR.glob("*.ttf"))
    for data in (minutes_pdf(tan_lap.meeting), attendance_pdf(tan_lap.meeting)) * 2:
        fonts = embedded_fonts(data)
        # Both weights of Be Vietnam Pro and nothing else (no fallback to a system font).
        # (the italic date line is Regular slanted: "Be-Vietnam-Pro-Oblique").
        assert {"Be-Vietnam-Pro", "Be-Vietnam-Pro-Bold"} <= set(fonts), fonts
        assert all(name.startswith("Be-Vietnam-Pro") for name in fonts), fonts
        assert all(size < whole / 2 for size in fonts.values()), fonts  # subsets
        text = pdf_text(data)
        assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "Hoàn Lão" in text
        assert "Nguyễn Văn Bình" in text and "(ký tên)" in text


def test_stylesheets_and_fonts_are_loaded_once() -> None:
    css = stylesheet()
    assert printing.stylesheet(css) is printing.stylesheet(css)
    assert printing.font_config() is printing.font_config()


def test_a_pdf_is_kept_for_the_very_same_document_only(tan_lap: Branch) -> None:
    first = minutes_pdf(tan_lap.meeting)
    assert minutes_pdf(tan_lap.meeting) is first  # kept: not laid out again
    tan_lap.meeting.place = "Hội trường xã"
    tan_lap.meeting.save()
    changed = minutes_pdf(tan_lap.meeting)
    assert changed != first and "Hội trường xã" in pdf_text(changed)
    css = printing.font_faces()
    with override_settings(COSO_PDF_CACHE_BYTES=0):
        html = "<p>Không giữ lại</p>"
        assert printing.html_to_pdf(html, css) is not printing.html_to_pdf(html, css)


def test_kept_pdfs_stay_within_their_budget() -> None:
    css = printing.font_faces()
    size = len(printing.html_to_pdf("<p>Chi bộ số 100</p>", css))
    with override_settings(COSO_PDF_CACHE_BYTES=6 * size):
        for i in range(12):
            printing.html_to_pdf(f"<p>Chi bộ số {i + 10}</p>", css)
        assert printing._rendered_bytes <= 6 * size
        assert printing._rendered_bytes == sum(len(p) for p in printing._rendered.values())
        assert 3 <= len(printing._rendered) <= 6  # the oldest went out


def test_a_render_leaves_the_garbage_collector_as_it_found_it() -> None:
    html = "<p>Chi bộ thôn Tân Lập</p>"
    assert gc.isenabled()
    printing.html_to_pdf(html, printing.font_faces())
    assert gc.isenabled()
    gc.disable()
    try:
        printing.html_to_pdf(html, printing.font_faces())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_renders_from_two_threads_both_read_back() -> None:
    results: dict[int, bytes] = {}

    def render(i: int) -> None:
        results[i] = printing.html_to_pdf(f"<p>Đảng bộ xã Hoàn Lão {i}</p>", stylesheet())

    threads = [threading.Thread(target=render, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in range(2):
        assert f"Đảng bộ xã Hoàn Lão {i}" in pdf_text(results[i])


def test_a_worker_warms_up_and_a_failed_warm_up_does_not_stop_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    warm_up_worker(None)  # renders with the real stylesheets

    def broken(*stylesheets: Any) -> None:
        raise OSError("no Pango")

    monkeypatch.setattr(printing, "warm_up", broken)
    warm_up_worker(None)
    assert "PDF warm-up failed" in caplog.text
