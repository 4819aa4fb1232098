"""The garbage collector kept to the young objects while a document is built (coso/core/memory.py),
and the document downloads built that way: a province's xlsx had p50 ≈ 150 ms and p95 ≈ 310 ms,
the difference being whole-heap collections set off by the workbook's promoted cells."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from coso.core.memory import young_collections_only
from coso.followup import views as followup_views
from coso.meetings import views_reports
from coso.quality import views as quality_views
from tests.cast import Cast


@pytest.fixture
def collector() -> Iterator[list[tuple[str, int]]]:
    """The collections made while the test runs: (phase, generation), default thresholds."""
    seen: list[tuple[str, int]] = []

    def note(phase: str, info: dict[str, Any]) -> None:
        seen.append((phase, info["generation"]))

    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    gc.set_threshold(700, 10, 10)
    gc.enable()
    gc.collect()
    gc.callbacks.append(note)
    try:
        yield seen
    finally:
        gc.callbacks.remove(note)
        gc.set_threshold(*thresholds)
        if not enabled:
            gc.disable()


class Cell:
    """Like openpyxl's: each cell points back to its sheet, so a sheet is one big cycle."""

    def __init__(self, sheet: list[Cell], value: int) -> None:
        self.sheet, self.value = sheet, [value]


def _build_and_drop(rows: int) -> None:
    sheet: list[Cell] = []
    for i in range(rows):
        sheet.append(Cell(sheet, i))


def test_a_built_document_never_reaches_the_old_generation(
    collector: list[tuple[str, int]],
) -> None:
    before = len(gc.get_objects(generation=2))
    _build_and_drop(30_000)  # the collector running: the live cells are promoted
    promoted = len(gc.get_objects(generation=2)) - before
    gc.collect()
    before = len(gc.get_objects(generation=2))
    collector.clear()
    with young_collections_only():
        _build_and_drop(30_000)
    kept = len(gc.get_objects(generation=2)) - before
    assert promoted > 20_000  # the cause: garbage left for a whole-heap collection
    assert kept < 1_000  # freed by the young collection after the block
    assert collector == [("start", 1), ("stop", 1)]  # none inside, one young one after
    assert gc.isenabled()


def test_it_nests_and_leaves_a_paused_collector_paused(collector: list[tuple[str, int]]) -> None:
    with young_collections_only():
        with young_collections_only():
            _build_and_drop(5_000)
        assert not gc.isenabled()  # the inner block leaves the collection to the outer one
    assert gc.isenabled() and collector == [("start", 1), ("stop", 1)]
    gc.disable()
    try:
        with young_collections_only():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _watch(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[bool]:
    """Record whether the collector runs while `module.name` builds its document."""
    states: list[bool] = []
    build = getattr(module, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        states.append(gc.isenabled())
        return build(*args, **kwargs)

    monkeypatch.setattr(module, name, watched)
    return states


def test_the_document_downloads_build_with_the_collector_paused(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.followup.helpers import cascaded

    directive = cascaded(cast)
    watched = {
        "quality summary xlsx": (
            _watch(monkeypatch, quality_views, "export_summary_xlsx"),
            "committee",
            "/units/C/quality/summary.xlsx?year=2024",
        ),
        "quality summary pdf": (
            _watch(monkeypatch, quality_views, "export_summary_pdf"),
            "committee",
            "/units/C/quality/summary.pdf?year=2024",
        ),
        "activity report xlsx": (
            _watch(monkeypatch, views_reports, "export_report_xlsx"),
            "officer",
            reverse("meetings:report_xlsx", args=["P"]),
        ),
        "tracking xlsx": (
            _watch(monkeypatch, followup_views, "export_tracking_xlsx"),
            "officer",
            reverse("followup:tracking_xlsx", args=[directive.pk, "P"]),
        ),
    }
    for what, (states, who, url) in watched.items():
        response = cast.client(who).get(url)
        assert response.status_code == 200, what
        assert states == [False], what
        assert gc.isenabled(), what
