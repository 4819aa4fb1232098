"""The unit page's member list walked in name order, or read from the subtree and sorted,
equals the sorted list, page for page."""

from __future__ import annotations

import pytest

from coso.units.models import UnitSpan
from coso.web import timeline
from tests.stats.helpers import D, home, unit


@pytest.mark.django_db
def test_walking_the_names_gives_the_sorted_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    root = unit("TW", "central", None)
    province = unit("01", "province", root)
    inside = unit("01-B", "branch", unit("01-C", "commune", province))
    outside = unit("02-B", "grassroots_branch", unit("02", "province", root))
    names = ["Trần Văn B", "Nguyễn Thị A", "Lê Văn C", "Nguyễn Thị A", "Phạm D", "Đỗ E", "Vũ G"]
    for i, name in enumerate(names):
        for u in (inside, outside):
            m = home(u, end=D(2024, 1, 1) if i == 3 else D(9999, 12, 31))
            m.full_name, m.sort_key = name, name.split()[-1] + " " + name
            m.save(update_fields=["full_name", "sort_key"])
    day = D(2025, 1, 1)
    for u in (root, province):
        span = UnitSpan.objects.get(unit=u)
        expected = list(timeline.subtree_member_spans(span, day))
        monkeypatch.setattr(timeline, "WALK_FROM", 0)
        # Which way each page was read: walked along the names, or read from the subtree.
        ways: set[str] = set()
        spans = timeline.SubtreeMembers._spans

        def spy(self, sql, params, *, reverse, ways=ways, spans=spans):  # type: ignore[no-untyped-def]
            ways.add("walk" if sql.startswith("SELECT ms.id FROM members_member") else "read")
            return spans(self, sql, params, reverse=reverse)

        monkeypatch.setattr(timeline.SubtreeMembers, "_spans", spy)
        walked = timeline.SubtreeMembers(span, day)
        assert walked.count() == len(expected) == (12 if u == root else 6)
        for start in range(len(expected) + 1):
            for size in (1, 2, 5):
                assert walked[start : start + size] == expected[start : start + size]
        # The root walks (its walk passes only its own members); the province, with half the
        # registry, walks to its first and last members and reads its subtree for the rest.
        assert ways == ({"walk"} if u == root else {"walk", "read"}), u.code
        monkeypatch.undo()
