"""The pages end to end: an officer registers and cascades (preview first), a secretary reports,
the tracking page drills down, the home page reminds, a resolution's targets are followed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coso.core.dates import fmt, today
from coso.core.spreadsheet import read_xlsx
from coso.followup import operations as ops
from coso.followup.models import Directive, Implementation, LocalTarget
from coso.meetings.models import Invitation, Meeting, Resolution
from tests.followup.helpers import cascade_day, cascaded, register, step_of


def test_an_officer_registers_then_cascades_after_a_preview(cast):
    client = cast.client("officer")
    answer = client.post(
        reverse("followup:new"),
        {
            "owner": "P",
            "kind": "directive",
            "number": "50-CT/TW",
            "issued_on": "23/07/2025",
            "issuer": "Ban Bí thư",
            "title": "Về đổi mới, nâng cao chất lượng sinh hoạt chi bộ",
            "file": SimpleUploadedFile("50-CT-TW.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    directive = Directive.objects.get(number="50-CT/TW")
    assert answer.status_code == 302 and answer.url == reverse(
        "followup:detail", args=[directive.pk]
    )
    assert directive.attachments.count() == 1
    detail = client.get(answer.url).content.decode()
    assert "50-CT-TW.pdf" in detail

    form = {
        "root": "P",
        "kinds": ["branch"],
        "on": fmt(today()),
        "study_days": 30,
        "plan_days": 45,
        "report_every_months": 6,
        "reports": 2,
    }
    url = reverse("followup:cascade", args=[directive.pk])
    preview = client.post(url, form)
    assert preview.status_code == 200
    page = preview.content.decode()
    assert 'id="preview"' in page and "Chi bộ trực thuộc: <strong>3</strong>" in page
    assert Implementation.objects.count() == 0  # nothing until confirmed
    done = client.post(url, {**form, "confirm": "1"})
    assert done.status_code == 302
    assert done.url == reverse("followup:tracking", args=[directive.pk, "P"])
    assert Implementation.objects.filter(directive=directive).count() == 3
    # The same again is refused on the form with the reason, nothing written (422).
    again = client.post(url, {**form, "confirm": "1"})
    assert again.status_code == 422 and "mỗi đơn vị chỉ nhận một lần" in again.content.decode()
    assert Implementation.objects.count() == 3


def test_the_officer_cannot_register_or_cascade_outside_their_scope(cast):
    client = cast.client("outsider")
    answer = client.post(
        reverse("followup:new"),
        {
            "owner": "P",
            "kind": "directive",
            "number": "1-CT/TU",
            "issued_on": "01/01/2025",
            "issuer": "Tỉnh ủy",
            "title": "Chỉ thị",
        },
    )
    assert answer.status_code == 422 and "trong phạm vi được giao" in answer.content.decode()
    assert not Directive.objects.exists()
    directive = cascaded(cast)
    assert client.post(reverse("followup:cascade", args=[directive.pk]), {}).status_code == 404
    listed = client.get(reverse("followup:list")).content.decode()
    assert directive.number not in listed


def test_a_secretary_reports_the_study_session_at_a_meeting_and_sees_attendance(cast):
    directive = cascaded(cast)
    meeting = Meeting.objects.create(
        unit=cast.B,
        kind="thematic",
        form="in_person",
        on=cascade_day() + dt.timedelta(days=3),
        status="closed",
        expected_count=2,
        present_count=2,
    )
    step = step_of(directive, "B", "study")
    client = cast.client("secretary")
    url = reverse("followup:step", args=[step.pk])
    form = client.get(url).content.decode()
    assert f'value="{meeting.pk}"' in form
    answer = client.post(url, {"meeting": meeting.pk, "note": "Toàn chi bộ dự"})
    assert answer.status_code == 302
    step.refresh_from_db()
    assert step.done_on == meeting.on and step.meeting_id == meeting.pk
    tracking = client.get(reverse("followup:tracking", args=[directive.pk, "B"])).content.decode()
    assert "Hoàn thành đúng hạn" in tracking and "2/2 có mặt" in tracking
    # A date before the cascade is refused with the reason.
    bad = client.post(
        reverse("followup:step", args=[step_of(directive, "B", "plan").pk]),
        {"done_on": fmt(cascade_day() - dt.timedelta(days=1))},
    )
    assert bad.status_code == 422 and "trước ngày triển khai" in bad.content.decode()
    # The officer of P reads but does not report for B.
    assert cast.client("officer").get(url).status_code == 404


def test_a_held_meetings_attendance_comes_from_its_invitations(cast):
    directive = cascaded(cast)
    meeting = Meeting.objects.create(
        unit=cast.B, kind="thematic", form="in_person", on=cascade_day(), status="held"
    )
    Invitation.objects.bulk_create(
        [
            Invitation(meeting=meeting, member=cast.members["b1"], role="member", status="present"),
            Invitation(
                meeting=meeting, member=cast.members["b2"], role="member", status="absent_excused"
            ),
        ]
    )
    ops.report_step(step_of(directive, "B", "study"), done_on=None, meeting=meeting)
    page = cast.client("committee").get(reverse("followup:unit", args=["B"])).content.decode()
    assert "1/2 có mặt" in page


def test_tracking_page_puts_overdue_units_first_and_drills_down(cast):
    directive = cascaded(cast)
    on = cascade_day()
    for code in ("B", "B2"):
        ops.report_step(step_of(directive, code, "study"), done_on=on)
        ops.report_step(step_of(directive, code, "plan"), done_on=on)
    page = cast.client("officer").get(reverse("followup:tracking", args=[directive.pk, "P"]))
    text = page.content.decode()
    assert text.index('data-row="C2"') < text.index('data-row="C"')
    assert reverse("followup:tracking", args=[directive.pk, "C"]) in text
    xlsx = cast.client("officer").get(reverse("followup:tracking_xlsx", args=[directive.pk, "P"]))
    rows = read_xlsx(xlsx.content)["Theo dõi thực hiện"]
    assert [r[0] for r in rows[3:]] == ["C2", "C", "P"]


def test_home_page_reminds_of_overdue_and_coming_steps(cast):
    cascaded(cast)
    home = cast.client("secretary").get(reverse("web:home")).content.decode()
    assert 'id="directive-reminders"' in home and "2 bước quá hạn" in home
    officer = cast.client("officer").get(reverse("web:home")).content.decode()
    assert "6 bước quá hạn" in officer
    outsider = cast.client("outsider").get(reverse("web:home")).content.decode()
    assert "Không có bước nào quá hạn" in outsider


def test_a_resolution_carries_targets_whose_actuals_are_followed(cast):
    meeting = Meeting.objects.create(
        unit=cast.B, kind="regular", form="in_person", on=today(), status="held"
    )
    resolution = Resolution.objects.create(
        meeting=meeting,
        unit=cast.B,
        year=today().year,
        number=1,
        title="Nghị quyết năm 2026",
        votes_for=2,
        adopted_on=meeting.on,
    )
    client = cast.client("secretary")
    url = reverse("followup:targets", args=[resolution.pk])
    added = client.post(
        url,
        {
            "action": "add",
            "new-indicator": "Kết nạp đảng viên mới",
            "new-measure": "người",
            "new-target": "3",
        },
    )
    assert added.status_code == 302
    target = LocalTarget.objects.get()
    again = client.post(
        url, {"action": "add", "new-indicator": "Kết nạp đảng viên mới", "new-target": "4"}
    )
    assert again.status_code == 422 and "đã có chỉ tiêu" in again.content.decode()
    client.post(url, {"action": "actuals", "on": fmt(today()), f"actual_{target.pk}": "2"})
    target.refresh_from_db()
    assert target.actual == Decimal("2") and target.actual_on == today()
    unit_page = cast.client("officer").get(reverse("followup:unit", args=["B"])).content.decode()
    assert "Kết nạp đảng viên mới: 2 / 3 người" in unit_page
    # The officer reads but does not edit; nothing changes.
    refused = cast.client("officer").post(
        url, {"action": "actuals", "on": fmt(today()), f"actual_{target.pk}": "9"}
    )
    assert refused.status_code == 404
    target.refresh_from_db()
    assert target.actual == Decimal("2")


def test_pages_read_in_english(cast):
    directive = cascaded(cast)
    client = cast.client("officer")
    client.cookies["django_language"] = "en"
    page = client.get(
        reverse("followup:tracking", args=[directive.pk, "P"]), HTTP_ACCEPT_LANGUAGE="en"
    )
    text = page.content.decode()
    assert "Implementation tracking" in text and "Overdue" in text
    home = client.get(reverse("web:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Directives from above" in home


def test_pages_read_in_a_bounded_number_of_queries(cast, django_assert_max_num_queries):
    from coso.units.operations import create_unit

    directive = cascaded(cast)
    for n in range(8):
        commune = create_unit(
            code=f"X{n}", name=f"Xã {n}", kind="commune", parent=cast.P, on=cascade_day()
        )
        for m in range(3):
            create_unit(
                code=f"X{n}-{m}",
                name=f"Chi bộ {m}",
                kind="branch",
                parent=commune,
                on=cascade_day(),
            )
    ops.cascade_directive(
        directive, cast.P, ["branch"], cascade_day(), ops.Terms(30, 45, 6, 2), skip_existing=True
    )
    officer = cast.client("officer")
    officer.get(reverse("web:home"))  # the session and scope warm up
    with django_assert_max_num_queries(19):
        page = officer.get(reverse("followup:tracking", args=[directive.pk, "P"]))
    assert page.status_code == 200 and page.content.decode().count("data-row=") == 11
    with django_assert_max_num_queries(18):
        assert (
            officer.get(reverse("followup:tracking_xlsx", args=[directive.pk, "P"])).status_code
            == 200
        )
    with django_assert_max_num_queries(12):
        assert officer.get(reverse("followup:list")).status_code == 200
    secretary = cast.client("secretary")
    secretary.get(reverse("web:home"))
    with django_assert_max_num_queries(14):
        assert secretary.get(reverse("followup:unit", args=["B"])).status_code == 200


def test_the_directive_list_asks_the_scope_once_as_a_set(cast):
    """Registered at a unit in scope or cascaded to one: both read as semi-joins on the scope's
    unit ids, never directive by directive (a correlated EXISTS walked every record of a
    directive cascaded to the whole country); a scope covering every unit asks nothing."""
    by_cascade = cascaded(cast, "1-NQ/TW")  # registered at P, cascaded to its branches
    owned = register(cast, "2-CT/HU", owner=cast.C)
    hidden = register(cast, "3-CT/TU")  # at P, above the committee, never cascaded
    expected = {"committee": {by_cascade, owned}, "admin": {by_cascade, owned, hidden}}
    for who, directives in expected.items():
        client = cast.client(who)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("followup:list")).content.decode()
        # Read before the next request: Django empties the query log when a request starts.
        sql = " ".join(
            q["sql"] for q in queries.captured_queries if "followup_directive" in q["sql"]
        )
        assert "followup_directive" in sql and "EXISTS" not in sql.upper(), who
        assert ("followup_implementation" in sql) == (who != "admin"), who
        for d in (by_cascade, owned, hidden):
            assert (d.number in page) == (d in directives), (who, d.number)
        listed = client.get("/api/v1/directives").json()["items"]
        assert {d["number"] for d in listed} == {d.number for d in directives}, who
        for d in (by_cascade, owned, hidden):  # each opens exactly when it is listed
            status = client.get(reverse("followup:detail", args=[d.pk])).status_code
            assert status == (200 if d in directives else 404), (who, d.number)
