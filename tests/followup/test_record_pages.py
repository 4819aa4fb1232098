"""The records of a subtree, paged directive by directive (coso.followup.queries.RecordPages):
every slice is the one the plain sorted list gives, at the only root (counted without joining
the records to their units) and below it, with a unit gone since the cascade."""

from __future__ import annotations

import datetime as dt

from coso.core.dates import today
from coso.followup import operations as ops
from coso.followup.models import Implementation
from coso.followup.queries import RecordPages
from coso.units.models import Unit
from coso.units.operations import create_unit, dissolve_unit
from tests.followup.helpers import TERMS

START = dt.date(2020, 1, 6)


def _tree() -> tuple[Unit, Unit]:
    root = create_unit(code="44", name="Đảng bộ tỉnh", kind="province", parent=None, on=START)
    communes = [
        create_unit(code=f"C{c}", name=f"Đảng bộ xã {c}", kind="commune", parent=root, on=START)
        for c in (1, 2)
    ]
    for commune in communes:
        for n in range(1, 5):
            create_unit(
                code=f"{commune.code}-CB{n}",
                name=f"Chi bộ {n}",
                kind="branch",
                parent=commune,
                on=START,
            )
    return root, communes[0]


def _expected(subtree: list[str], day: dt.date, directive: int | None) -> list[int]:
    rows = Implementation.objects.filter(
        unit__code__in=subtree, unit__valid_from__lte=day, unit__valid_to__gt=day
    )
    if directive is not None:
        rows = rows.filter(directive_id=directive)
    ordered = rows.order_by("-directive__issued_on", "directive_id", "unit_id")
    return list(ordered.values_list("pk", flat=True))


def test_every_slice_is_the_sorted_list_at_the_root_and_below() -> None:
    root, commune = _tree()
    documents = []
    for n, issued in ((1, dt.date(2024, 3, 1)), (2, dt.date(2025, 5, 1)), (3, dt.date(2024, 9, 1))):
        directive = ops.register_directive(
            owner=root,
            kind="directive",
            number=f"{n}-CT/TU",
            issued_on=issued,
            issuer="Tỉnh ủy",
            title=f"Chỉ thị {n}",
        )
        kinds = ("branch",) if n != 3 else ("branch", "commune")
        ops.cascade_directive(directive, root, kinds, dt.date(2025, 6, 1), TERMS)
        documents.append(directive)
    dissolve_unit(Unit.objects.get(code="C2-CB4"), on=dt.date(2025, 8, 1))  # its records stay
    day = today()
    everything = [u.code for u in Unit.objects.all()]
    below = ["C1", *[f"C1-CB{n}" for n in range(1, 5)]]
    for unit, codes in ((root, everything), (commune, below)):
        for directive in (None, documents[2].pk):
            expected = _expected(codes, day, directive)
            pages = RecordPages(unit, day, directive)
            assert pages.root == (unit == root)
            assert pages.count() == len(expected)
            for size in (1, 3, 4, 7, 50):
                got = [
                    r.pk
                    for start in range(0, len(expected), size)
                    for r in pages[start : start + size]
                ]
                assert got == expected, (unit.code, directive, size)
    # The newest document (issued 2025) first; the dissolved branch's records are not counted.
    first = RecordPages(root, day)[0:1][0]
    assert first.directive.number == "2-CT/TU"
    assert RecordPages(root, day).count() == 3 * 8 + 2 - 3
