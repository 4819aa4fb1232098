"""Reminders of proposals' deadlines (coso.authority.reminders.send_reminders, a daily job).

The cast (tests/cast.py): the secretary of branch B proposes striking CAST-B2 off; commune C
decides (the committee member acts for it), province P above it (the officer). The job is run
for explicit days: the proposal's deadline is set to a known Friday, 18/01/2030.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone, translation

from coso.accounts.models import Notice, Role
from coso.accounts.notices import notice_text
from coso.authority.models import Proposal, ProposalStatus
from coso.authority.proposals import decide_proposal, refile_proposal
from coso.authority.reminders import (
    KIND_DUE,
    KIND_OVERDUE,
    KIND_RETURNED,
    reminder_leads,
    send_reminders,
)
from coso.core.models import RuleSet
from coso.core.rules import clear_cache, ruleset
from tests.authority.filing import file_strike_off
from tests.cast import Cast

DUE = dt.date(2030, 1, 18)  # a Friday
FIVE_BEFORE = dt.date(2030, 1, 11)  # the Friday before: five working days earlier
FIRST_OVERDUE = dt.date(2030, 1, 19)


def _pending(cast: Cast, due: dt.date = DUE) -> Proposal:
    proposal = file_strike_off(cast)
    Proposal.objects.filter(pk=proposal.pk).update(due_on=due)
    proposal.refresh_from_db()
    return proposal


def _notices(**filters: Any) -> list[tuple[str, str, dt.date]]:
    rows = Notice.objects.filter(**filters).order_by("on", "pk")
    return [(n.recipient.username, n.kind, n.on) for n in rows.select_related("recipient")]


def test_the_deciders_are_reminded_five_working_days_before_the_deadline_once(
    cast: Cast,
) -> None:
    proposal = _pending(cast)
    assert "0 thông báo mới" in send_reminders(FIVE_BEFORE - dt.timedelta(days=1))
    assert _notices() == []

    summary = send_reminders(FIVE_BEFORE)
    assert "1 thông báo mới (1 sắp đến hạn, 0 quá hạn, 0 bị trả lại)" in summary
    # The committee member acts for commune C, the deciding unit; nobody else is told: not
    # the officer of the province above, not the proposing secretary, not the outsider.
    assert _notices() == [("cast.committee", KIND_DUE, FIVE_BEFORE)]
    notice = Notice.objects.get()
    assert (notice.about_type, notice.about_id) == ("authority.proposal", proposal.pk)
    assert notice.link == f"/proposals/{proposal.pk}/"
    assert notice_text(notice) == (
        f"Đề nghị số {proposal.pk} «Xóa tên» về «Nguyễn Thị Lan "
        "(CAST-B2)» của «B» cần được quyết định trước ngày 18/01/2030."
    )

    # Rerunning the day, and the days up to the deadline, posts nothing more.
    again = send_reminders(FIVE_BEFORE)
    assert "0 thông báo mới" in again and "1 đã gửi trước đó" in again
    for offset in range(1, 8):
        send_reminders(FIVE_BEFORE + dt.timedelta(days=offset))
    assert _notices() == [("cast.committee", KIND_DUE, FIVE_BEFORE)]


def test_catch_up_after_missed_days_sends_the_overdue_reminder_once(cast: Cast) -> None:
    _pending(cast)
    # The scheduler was down from the deadline's eve: the five-day reminder went out, then
    # nothing ran on 19, 20 and 21/01; the run for the 22nd posts the first overdue day's.
    send_reminders(FIVE_BEFORE)
    send_reminders(FIRST_OVERDUE + dt.timedelta(days=3))
    expected = [
        ("cast.committee", KIND_DUE, FIVE_BEFORE),
        ("cast.committee", KIND_OVERDUE, FIRST_OVERDUE),
    ]
    assert _notices() == expected
    # Missed days run afterwards (in any order), reruns and later days add nothing.
    for day in (FIRST_OVERDUE, FIRST_OVERDUE + dt.timedelta(days=1), dt.date(2030, 3, 1)):
        send_reminders(day)
    assert _notices() == expected
    overdue = Notice.objects.get(kind=KIND_OVERDUE)
    assert "đã quá hạn quyết định (hạn ngày 18/01/2030)" in notice_text(overdue)


def test_a_first_run_after_the_deadline_sends_no_stale_due_reminder(cast: Cast) -> None:
    _pending(cast)
    send_reminders(DUE + dt.timedelta(days=10))
    assert _notices() == [("cast.committee", KIND_OVERDUE, FIRST_OVERDUE)]


def test_catch_up_before_the_deadline_sends_the_missed_due_reminder(cast: Cast) -> None:
    _pending(cast)
    send_reminders(DUE)  # missed 11/01 to 17/01; still before the deadline passes
    assert _notices() == [("cast.committee", KIND_DUE, FIVE_BEFORE)]


def test_a_decided_proposal_is_not_reminded(cast: Cast) -> None:
    proposal = _pending(cast)
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.REJECTED)
    send_reminders(FIVE_BEFORE)
    send_reminders(FIRST_OVERDUE)
    assert _notices() == []


def test_without_a_role_on_the_deciding_unit_the_nearest_unit_above_is_told(cast: Cast) -> None:
    _pending(cast)
    Role.objects.filter(user=cast.committee).delete()
    send_reminders(FIVE_BEFORE)
    assert _notices() == [("cast.officer", KIND_DUE, FIVE_BEFORE)]


def test_an_inactive_user_is_not_told(cast: Cast) -> None:
    _pending(cast)
    get_user_model().objects.filter(pk=cast.committee.pk).update(is_active=False)
    send_reminders(FIVE_BEFORE)
    # Nobody active acts for C: the province's officer answers for it.
    assert _notices() == [("cast.officer", KIND_DUE, FIVE_BEFORE)]


def test_a_returned_proposal_tells_its_filer_and_a_refiled_one_is_reminded_anew(
    cast: Cast,
) -> None:
    proposal = _pending(cast)
    send_reminders(FIVE_BEFORE)
    decide_proposal(
        proposal,
        outcome="returned",
        decision_number="",
        on=dt.date(2030, 1, 14),
        reason="Thiếu biên bản họp chi bộ.",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    proposal.refresh_from_db()
    # The day in Vietnam (the reminders' day), not in UTC: between 17:00 and 24:00 UTC they
    # differ, and the test failed every evening.
    returned_on = timezone.localdate(proposal.decided_at) if proposal.decided_at else None
    assert returned_on is not None
    send_reminders(returned_on - dt.timedelta(days=1))  # a run for a day before the return
    assert not Notice.objects.filter(kind=KIND_RETURNED).exists()
    send_reminders(returned_on)
    send_reminders(returned_on)
    assert _notices(kind=KIND_RETURNED) == [("cast.secretary", KIND_RETURNED, returned_on)]
    text = notice_text(Notice.objects.get(kind=KIND_RETURNED))
    assert "đã bị «C» trả lại: Thiếu biên bản họp chi bộ." in text
    # Returned, it is no longer due: no overdue reminder for the old deadline.
    send_reminders(FIRST_OVERDUE)
    assert not Notice.objects.filter(kind=KIND_OVERDUE).exists()

    refiled = refile_proposal(
        proposal, note="Đã bổ sung.", user=cast.secretary, actor=cast.secretary, channel="web"
    )
    new_due = dt.date(2030, 2, 15)  # a Friday; the reminder day is 08/02
    Proposal.objects.filter(pk=refiled.pk).update(due_on=new_due)
    send_reminders(dt.date(2030, 2, 8))
    assert _notices(kind=KIND_DUE) == [
        ("cast.committee", KIND_DUE, FIVE_BEFORE),
        ("cast.committee", KIND_DUE, dt.date(2030, 2, 8)),
    ]


def test_lead_times_are_rule_data(cast: Cast) -> None:
    values, _ = ruleset("authority", DUE)
    assert values["reminder_working_days_before"] == [5]
    assert reminder_leads(DUE) == [5]
    # A province that wants two reminders adds a newer version of the rule set.
    RuleSet.objects.create(
        code="authority",
        effective_from=dt.date(2029, 1, 1),
        source="Quyết định của tỉnh ủy (thử)",
        confidence="unsure",
        values={**values, "reminder_working_days_before": [10, 2]},
    )
    clear_cache()
    assert reminder_leads(DUE) == [2, 10]
    _pending(cast)
    send_reminders(dt.date(2030, 1, 4))  # ten working days before
    send_reminders(dt.date(2030, 1, 16))  # two
    assert [n[2] for n in _notices()] == [dt.date(2030, 1, 4), dt.date(2030, 1, 16)]


def test_a_rule_set_from_before_reminders_falls_back_to_five_days(cast: Cast) -> None:
    values, _ = ruleset("authority", DUE)
    older = {k: v for k, v in values.items() if k != "reminder_working_days_before"}
    RuleSet.objects.filter(code="authority").update(values=older)
    clear_cache()
    assert reminder_leads(DUE) == [5]


def test_the_message_is_shown_in_the_readers_language(cast: Cast) -> None:
    proposal = _pending(cast)
    send_reminders(FIVE_BEFORE)
    notice = Notice.objects.get()
    with translation.override("en"):
        text = notice_text(notice)
    assert text == (
        f"Proposal no. {proposal.pk} “Strike off” on “Nguyễn Thị Lan (CAST-B2)” "
        "from “B” must be decided before 18/01/2030."
    )


def test_no_email_unless_configured(cast: Cast, django_capture_on_commit_callbacks: Any) -> None:
    _pending(cast)
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(FIVE_BEFORE)
    assert mail.outbox == []
    assert Notice.objects.get().emailed_at is None


def test_an_email_copy_goes_to_recipients_with_an_address(
    cast: Cast, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.COSO_NOTICE_EMAIL = True
    settings.COSO_SITE_URL = "https://coso.example.vn"
    proposal = _pending(cast)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send_reminders(FIVE_BEFORE)
    assert len(callbacks) == 1  # sent after the notices are committed, not before
    assert [m.to for m in mail.outbox] == [["committee@cast.test"]]
    assert f"https://coso.example.vn/proposals/{proposal.pk}/" in mail.outbox[0].body
    assert "cần được quyết định trước ngày 18/01/2030" in mail.outbox[0].subject
    assert Notice.objects.get().emailed_at is not None
    # A rerun sends nothing again; a recipient without an address gets the notice only.
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(FIVE_BEFORE)
    assert len(mail.outbox) == 1
    get_user_model().objects.filter(pk=cast.committee.pk).update(email="")
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(FIRST_OVERDUE)
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(kind=KIND_OVERDUE, emailed_at__isnull=True).count() == 1


@pytest.mark.parametrize("failure", [OSError("connection refused")])
def test_a_failed_email_leaves_the_notice(
    cast: Cast,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
) -> None:
    settings.COSO_NOTICE_EMAIL = True

    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise failure

    monkeypatch.setattr("coso.accounts.notices.send_mail", refuse)
    _pending(cast)
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(FIVE_BEFORE)
    notice = Notice.objects.get()
    assert notice.emailed_at is None and notice.read_at is None


def test_when_the_filer_may_no_longer_propose_those_who_may_are_told_of_the_return(
    cast: Cast,
) -> None:
    proposal = _pending(cast)
    decide_proposal(
        proposal,
        outcome="returned",
        decision_number="",
        on=dt.date(2030, 1, 14),
        reason="Thiếu biên bản.",
        user=cast.committee,
        actor=cast.committee,
        channel="web",
    )
    Role.objects.filter(user=cast.secretary).delete()
    send_reminders(dt.date(2099, 1, 1))
    # Nobody is left on B; the committee member of C may propose but not manage B's members
    # (what a strike-off needs), so the province's officer is the one who can send it again.
    assert [n[:2] for n in _notices(kind=KIND_RETURNED)] == [("cast.officer", KIND_RETURNED)]
