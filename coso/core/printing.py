"""HTML to PDF with WeasyPrint and the fonts shipped with Coso (no system font needed).

Be Vietnam Pro (SIL OFL 1.1), the Latin and Vietnamese subsets of coso/web/static/vendor merged
into one font per weight: with two subset fonts of one family, the PDF's text cannot be read
back (copy, search, screen readers) because glyphs of the two collide. Templates declare them
with `font_faces()` (the @font-face rules) and `FONT_FAMILY`.

One font configuration (Fontconfig + Pango font map, with the two fonts loaded) and the parsed
stylesheets are kept for the life of the process and shared by every render: building them
again for each PDF cost a fifth of its time, and Pango's caches of glyphs and metrics stay warm.
Renders take a lock, as Pango's font map is not safe to use from two threads at once (gunicorn's
workers are single-threaded; the development server is not). `warm_up()` pays the first
render's costs (loading WeasyPrint and Pango, Fontconfig's cache, the fonts) ahead of the first
request; `coso serve` calls it in each worker before it takes requests. The last PDFs rendered
are kept (COSO_PDF_CACHE_BYTES per process, keyed on their HTML and stylesheet): the same
document asked again — a meeting's sheet by each of its members, a year's summary — is sent
without a new layout.
"""

from __future__ import annotations

import atexit
import hashlib
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings

from coso.core.memory import young_collections_only

if TYPE_CHECKING:  # WeasyPrint is imported on use: it loads Pango
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = '"Be Vietnam Pro", "DejaVu Sans", sans-serif'

_lock = threading.RLock()
_config: FontConfiguration | None = None
_sheets: dict[str, CSS] = {}  # stylesheet text → parsed; a handful, one per document kind
_MAX_SHEETS = 16
_rendered: OrderedDict[bytes, bytes] = OrderedDict()  # digest of HTML and CSS → PDF
_rendered_bytes = 0


def font_faces() -> str:
    """The @font-face rules of the shipped fonts, for a PDF template's stylesheet."""
    base = FONT_DIR.as_uri()
    return "".join(
        f'@font-face {{ font-family: "Be Vietnam Pro"; font-weight: {weight}; '
        f'src: url("{base}/BeVietnamPro-{name}.ttf"); }}\n'
        for weight, name in ((400, "Regular"), (700, "Bold"))
    )


def font_config() -> FontConfiguration:
    """The process's font configuration, with the shipped fonts loaded."""
    global _config
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    with _lock:
        if _config is None:
            config = FontConfiguration()
            CSS(string=font_faces(), base_url=str(FONT_DIR), font_config=config)
            _config = config
            atexit.register(_release)
        return _config


def _release() -> None:
    """Drop the font configuration while the interpreter can still run its finalizer (which
    removes its temporary folder of fonts); at shutdown it would fail."""
    global _config
    global _rendered_bytes
    with _lock:
        _sheets.clear()
        _rendered.clear()
        _rendered_bytes = 0
        _config = None


def stylesheet(css: str) -> CSS:
    """`css` parsed once (with its @font-face rules loaded into `font_config()`)."""
    from weasyprint import CSS

    with _lock:
        sheet = _sheets.get(css)
        if sheet is None:
            if len(_sheets) >= _MAX_SHEETS:  # a stylesheet built per request: do not grow
                _sheets.clear()
            sheet = _sheets[css] = CSS(
                string=css, base_url=str(FONT_DIR), font_config=font_config()
            )
        return sheet


def html_to_pdf(html: str, css: str = "") -> bytes:
    """The PDF of `html` styled by `css` (a stylesheet whose font URLs point into FONT_DIR;
    `html` may also carry its own <style>).

    The fonts are embedded as subsets of the glyphs used. With WeasyPrint 70 and a shared font
    configuration this is faster than embedding them whole (writing the attendance sheet: 30 ms
    instead of 44; a one-page minutes: 7 ms instead of 22) and the file is a fifth of the size
    (23 KB instead of 112 KB). Embedding them whole had been chosen when subsetting was half of
    a one-page document's time.
    """
    from weasyprint import HTML

    key = hashlib.sha256(f"{len(css)}\n{css}{html}".encode()).digest()
    with _lock:
        pdf = _rendered.get(key)
        if pdf is not None:
            _rendered.move_to_end(key)
            return pdf
        with young_collections_only():  # coso/core/memory.py
            sheets = [stylesheet(css)] if css else []
            document = HTML(string=html, base_url=str(FONT_DIR))
            pdf = bytes(document.write_pdf(stylesheets=sheets, font_config=font_config()))
        _keep(key, pdf)
        return pdf


def _keep(key: bytes, pdf: bytes) -> None:
    """Keep `pdf` among the last rendered, within COSO_PDF_CACHE_BYTES (oldest used out first).

    Keyed on the whole HTML and stylesheet, so a PDF is only ever given back for the very same
    document: whoever asks it again has been shown the same content (same data, same rights,
    same language); any change to the data makes another HTML, hence a render."""
    global _rendered_bytes
    limit = int(getattr(settings, "COSO_PDF_CACHE_BYTES", 0))
    if len(pdf) > limit // 4:
        return
    _rendered[key] = pdf
    _rendered_bytes += len(pdf)
    while _rendered_bytes > limit:
        _, dropped = _rendered.popitem(last=False)
        _rendered_bytes -= len(dropped)


def warm_up(*stylesheets: str) -> None:
    """Render a small page with both weights of the fonts, once with each of `stylesheets`, so
    that the first PDF a user asks for does not pay for loading WeasyPrint, Pango and the fonts
    (about a second) nor for parsing its stylesheet."""
    html = (  # the elements and classes of the documents, in both weights and in italics
        '<table class="party-header grid levels"><tr><td class="issuer">'
        '<div class="unit-name">CHI BỘ THÔN TÂN LẬP</div></td><td class="party">'
        '<div class="party-name">ĐẢNG CỘNG SẢN VIỆT NAM</div>'
        '<div class="date-line">Hoàn Lão, ngày 05 tháng 12 năm 2026</div></td></tr></table>'
        "<h1>Biên bản</h1><h2>Nghị quyết</h2><p>Đồng chí Nguyễn Văn Bình, Đặng Xuân Dũng, "
        "Trần Thị Hoa, Lê Thị Mai: 1.234 đảng viên (98,7%).</p>"
        '<table class="grid units"><thead><tr><th>STT</th><th>Họ và tên</th></tr></thead>'
        '<tbody><tr><td class="n">1</td><td>Huỳnh Thị Ngọc Ánh</td></tr></tbody></table>'
    )
    for css in stylesheets or (font_faces(),):
        html_to_pdf(html, css)
