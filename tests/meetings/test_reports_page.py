"""The activity report page: figures, drill-down from province to branch, breadcrumb, period,
xlsx export read back, and a bounded number of queries whatever the number of branches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.core.dates import today
from coso.core.spreadsheet import read_xlsx
from coso.meetings.models import Meeting
from coso.meetings.operations import plan_meeting, record_attendance
from coso.meetings.reports import headers
from coso.meetings.warnings import WarningKind
from coso.members.operations import admit_member
from coso.units.operations import create_unit
from tests.cast import START, Cast
from tests.meetings.activity_history import H1, P, U
from tests.meetings.activity_history import held as _held


def _get(cast: Cast, who: str, code: str, query: dict[str, str] | None = None) -> Any:
    return cast.client(who).get(
        reverse("meetings:report", args=[code]), H1 if query is None else query
    )


def _figures(context: Any) -> dict[str, tuple[int, ...]]:
    return {
        r["row"].code: (
            r["row"].branches,
            r["row"].regular_held,
            r["row"].regular_required,
            r["row"].thematic_held,
            r["row"].thematic_required,
            r["held"],
            r["row"].present,
            r["row"].expected,
            r["row"].branches_with_warnings,
        )
        for r in context["rows"]
    }


def test_officer_drills_down_from_province_to_branch(history: Cast) -> None:
    response = _get(history, "officer", "P")
    assert response.status_code == 200
    # Rows per commune, then the total (the province itself).
    assert _figures(response.context) == {
        "C": (2, 5, 12, 1, 4, 6, 11, 12, 2),
        "C2": (1, 6, 6, 0, 2, 6, 6, 6, 1),
        "P": (3, 11, 18, 1, 6, 12, 17, 18, 3),
    }
    body = response.content.decode()
    query = "?from=01/01/2024&amp;to=30/06/2024"
    assert f'href="/units/C/activity-report/{query}"' in body
    assert "5/12" in body and "Từ 01/01/2024 đến 30/06/2024" in body
    assert [b["code"] for b in response.context["warned"]] == ["B2", "B", "BC2"]
    assert response.context["warned_total"] == 3

    commune = _get(history, "officer", "C")
    assert [r["row"].code for r in commune.context["rows"]] == ["B", "B2", "C"]
    assert [c["code"] for c in commune.context["crumbs"]] == ["P"]
    assert f'href="/units/B/activity-report/{query}"' in commune.content.decode()

    branch = _get(history, "officer", "B")
    assert branch.context["is_branch"]
    assert _figures(branch.context) == {"B": (1, 5, 6, 1, 2, 6, 11, 12, 1)}
    assert [c["code"] for c in branch.context["crumbs"]] == ["P", "C"]
    listed = [(m["meeting"].on, m["present"], m["expected"]) for m in branch.context["meetings"]]
    assert listed[-1] == (dt.date(2024, 1, 10), 1, 2) and len(listed) == 6
    kinds = sorted((w.kind, w.period) for w in branch.context["branch_warnings"])
    assert kinds == [
        (WarningKind.LOW_ATTENDANCE, "10/01/2024"),
        (WarningKind.NO_REGULAR, "04/2024"),
        (WarningKind.NO_THEMATIC, "Q2/2024"),
    ]
    html = branch.content.decode()
    # Each meeting links to its own page.
    meeting = Meeting.objects.get(unit=history.B, on=dt.date(2024, 1, 10))
    target = reverse("meetings:detail", args=[meeting.pk])
    assert f'href="{target}"' in html
    assert "Hệ thống chỉ đề xuất; chi bộ xem xét và quyết định." in html


def test_breadcrumb_starts_at_the_users_own_unit(history: Cast) -> None:
    assert _get(history, "secretary", "B").context["crumbs"] == []
    assert _get(history, "committee", "C").context["crumbs"] == []
    assert [c["code"] for c in _get(history, "committee", "B").context["crumbs"]] == ["C"]
    # Above or beside one's own unit: not found.
    assert _get(history, "secretary", "C").status_code == 404
    assert _get(history, "secretary", "B2").status_code == 404
    assert _get(history, "committee", "P").status_code == 404
    assert _get(history, "committee", "BC2").status_code == 404
    # A member of B (no role): not even their own branch's report.
    assert _get(history, "member", "B").status_code == 404
    assert _get(history, "outsider", "B").status_code == 404


def test_period_defaults_quick_choices_and_errors(history: Cast) -> None:
    day = today()
    default = _get(history, "officer", "P", {})
    assert (default.context["period"].start, default.context["period"].last) == (
        dt.date(day.year, 1, 1),
        day,
    )
    assert not default.context["error"]
    labels = [label for label, _ in default.context["quick"]]
    assert labels == ["Tháng này", "Quý này", "Năm nay", "Năm trước"]
    last_year = dict(default.context["quick"])["Năm trước"]
    assert last_year.query() == f"?from=01/01/{day.year - 1}&to=31/12/{day.year - 1}"
    this_year = f"?from=01/01/{day.year}&amp;to={day:%d/%m/%Y}"
    assert f'aria-current="true" href="/units/P/activity-report/{this_year}"' in (
        default.content.decode()
    )

    bad = _get(history, "officer", "P", {"from": "31/02/2024", "to": "30/06/2024"})
    assert bad.status_code == 200
    assert "ngày không hợp lệ «31/02/2024»" in bad.context["error"]
    assert bad.context["period"].start == dt.date(day.year, 1, 1)
    backwards = _get(history, "officer", "P", {"from": "30/06/2024", "to": "01/01/2024"})
    assert "ngày cuối 01/01/2024 trước ngày đầu 30/06/2024" in backwards.context["error"]
    too_long = _get(history, "officer", "P", {"from": "01/01/2015", "to": "30/06/2024"})
    assert "dài quá 5 năm" in too_long.context["error"]
    # One quarter only: Q1 figures.
    q1 = _get(history, "officer", "P", {"from": "01/01/2024", "to": "31/03/2024"})
    assert _figures(q1.context)["C"][:5] == (2, 3, 6, 1, 2)


def test_xlsx_export_equals_the_page(history: Cast) -> None:
    client = history.client("officer")
    response = client.get(reverse("meetings:report_xlsx", args=["C"]), H1)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="sinh-hoat-C-20240101-20240630.xlsx"' in response["Content-Disposition"]
    sheets = read_xlsx(response.content)
    summary = sheets["Tổng hợp"]
    assert "01/01/2024 – 30/06/2024" in str(summary[0][0])
    by_code = {row[0]: dict(zip(headers(), row, strict=True)) for row in summary[2:]}
    page = _get(history, "officer", "C")
    for shown in page.context["rows"]:
        row, sheet = shown["row"], by_code[shown["row"].code]
        assert sheet["Số chi bộ"] == row.branches
        assert sheet["Sinh hoạt thường kỳ: đã họp"] == row.regular_held
        assert sheet["Sinh hoạt thường kỳ: phải họp"] == row.regular_required
        assert sheet["Chuyên đề: đã họp"] == row.thematic_held
        assert sheet["Chuyên đề: phải họp"] == row.thematic_required
        assert sheet["Lượt có mặt"] == row.present
        assert sheet["Lượt phải dự"] == row.expected
        assert sheet["Chi bộ có cảnh báo"] == row.branches_with_warnings
        assert sheet["Loại: Sinh hoạt thường kỳ"] == shown["kinds"][0]
        assert sheet["Hình thức: Trực tiếp"] == shown["forms"][0]
        rate = sheet["Tỉ lệ dự họp"]
        assert (rate is None) == (shown["rate"] is None)
        if rate is not None:
            assert round(float(str(rate)) * 100) == shown["rate"]
    assert set(by_code) == {"B", "B2", "C"}
    assert by_code["B"]["Sinh hoạt thường kỳ: đã họp"] == 5
    assert len(sheets["Cảnh báo"]) - 1 == len(page.context["report"].warnings)
    # The secretary of B exports B, not the commune.
    secretary = history.client("secretary")
    assert secretary.get(reverse("meetings:report_xlsx", args=["C"]), H1).status_code == 404
    assert secretary.get(reverse("meetings:report_xlsx", args=["B"]), H1).status_code == 200


def _more_branches(cast: Cast, count: int) -> None:
    """`count` more branches under C2, each with a member and two meetings."""
    for i in range(count):
        code = f"XB{i}"
        unit = create_unit(
            code=code, name=f"Chi bộ {code}", kind="branch", parent=cast.C2, on=START
        )
        admit_member(
            member_id=f"X-{i}",
            full_name=f"Đảng viên {i}",
            gender="male",
            birth_date=dt.date(1990, 1, 1),
            branch=unit,
            admitted_on=dt.date(2021, 3, 1),
        )
        _held(unit, "regular", dt.date(2024, 1, 15), {f"X-{i}": P})
        _held(unit, "thematic", dt.date(2024, 2, 15), {f"X-{i}": U})


def _queries(client: Any, url: str, query: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured)


MAX_REPORT_QUERIES = 20
MAX_HOME_QUERIES = 40  # notices and directives' reminders included


def test_queries_do_not_grow_with_the_branches(history: Cast) -> None:
    client = history.client("officer")
    report, home = reverse("meetings:report", args=["P"]), reverse("web:home")
    # Warm once: the rule sets are read on first use in a process, then cached.
    client.get(report, H1)
    before = (_queries(client, report, H1), _queries(client, home, {}))
    _more_branches(history, 8)
    after = (_queries(client, report, H1), _queries(client, home, {}))
    assert before == after
    assert after[0] <= MAX_REPORT_QUERIES and after[1] <= MAX_HOME_QUERIES
    # The drill-down page of the commune with the many branches, and a branch page.
    assert _queries(client, reverse("meetings:report", args=["C2"]), H1) <= MAX_REPORT_QUERIES
    assert _queries(client, reverse("meetings:report", args=["XB3"]), H1) <= MAX_REPORT_QUERIES


def test_report_query_count_for_an_officer(
    history: Cast, django_assert_max_num_queries: Any
) -> None:
    _more_branches(history, 3)
    client = history.client("officer")
    client.get(reverse("meetings:report", args=["P"]), H1)  # rule sets read once, then cached
    with django_assert_max_num_queries(MAX_REPORT_QUERIES):
        client.get(reverse("meetings:report", args=["P"]), H1)
    with django_assert_max_num_queries(MAX_HOME_QUERIES):
        client.get(reverse("web:home"))


def test_period_before_the_unit_existed_is_explained(history: Cast) -> None:
    before = {"from": "01/01/2019", "to": "31/12/2019"}
    response = _get(history, "officer", "C", before)
    assert response.status_code == 200
    assert response.context["note"] == (
        "Đơn vị «C» được thành lập ngày 06/01/2020, sau kỳ báo cáo."
    )
    assert response.context["report"].total.regular_required == 0
    assert not _get(history, "officer", "C").context["note"]


def test_open_meeting_is_counted_from_its_invitations(history: Cast) -> None:
    july = plan_meeting(history.B, kind="regular", on=dt.date(2024, 7, 8), place="Hội trường")
    record_attendance(july, {"CAST-B1": P, "CAST-B2": U})  # held, not closed
    planned = plan_meeting(history.B, kind="thematic", on=dt.date(2024, 7, 22), place="x")
    response = _get(history, "officer", "B", {"from": "01/07/2024", "to": "31/07/2024"})
    listed = {m["meeting"].pk: (m["present"], m["expected"]) for m in response.context["meetings"]}
    assert listed == {july.pk: (1, 2), planned.pk: (None, None)}
    assert "1/2 có mặt" in response.content.decode()
