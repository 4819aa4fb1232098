"""The proposal pages: the inbox, a proposal, deciding with a confirmation, the home panel."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from django.urls import reverse

from coso.authority.models import Proposal, ProposalStatus
from coso.core.dates import fmt, today
from coso.members.models import Member, MemberStatus
from tests.authority.filing import file_strike_off
from tests.cast import Cast


def _text(response: object) -> str:
    content = getattr(response, "content", b"").decode()
    return unescape(re.sub(r"<[^>]+>", " ", content))


def _status(cast: Cast, member: str = "b2") -> str:
    return Member.objects.get(pk=cast.members[member].pk).status


def test_inbox_lists_overdue_first_and_marks_it(cast: Cast) -> None:
    later = file_strike_off(cast, "b2")
    late = file_strike_off(cast, "b1")
    Proposal.objects.filter(pk=late.pk).update(due_on=today() - dt.timedelta(days=3))
    response = cast.client("committee").get(reverse("authority:proposals"))
    assert response.status_code == 200
    html = response.content.decode()
    section = html[html.index('id="to-decide"') : html.index('id="all-proposals"')]
    order = re.findall(r'data-proposal="(\d+)"', section)
    assert order == [str(late.pk), str(later.pk)]
    assert section.count("data-overdue") == 1
    # The secretary has nothing to decide, but sees what B filed.
    mine = cast.client("secretary").get(reverse("authority:proposals")).content.decode()
    to_decide, filed = mine.split('id="all-proposals"')
    assert "data-proposal" not in to_decide
    assert f'data-proposal="{later.pk}"' in filed
    # Filters: status and a unit of the scope; a unit out of scope lists nothing.
    client = cast.client("committee")
    assert (
        "data-proposal"
        not in client.get(reverse("authority:proposals"), {"status": "approved"})
        .content.decode()
        .split('id="all-proposals"')[1]
    )
    found = client.get(reverse("authority:proposals"), {"unit": "QB"}).content.decode()
    assert "data-proposal" not in found.split('id="all-proposals"')[1]
    assert "QB" in found
    # A member and the outsider never see them.
    assert cast.client("member").get(reverse("authority:proposals")).status_code == 404
    outsider = cast.client("outsider").get(reverse("authority:proposals")).content.decode()
    assert "data-proposal" not in outsider


def test_committee_previews_then_confirms_and_the_member_is_struck_off(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    client = cast.client("committee")
    page = client.get(reverse("authority:proposal", args=[proposal.pk]))
    text = _text(page)
    assert page.status_code == 200 and 'id="decide"' in page.content.decode()
    assert "7 tán thành, 1 không tán thành, 0 không biểu quyết" in " ".join(text.split())
    assert "Bỏ sinh hoạt 3 tháng liền" in text and fmt(proposal.due_on) in text
    data = {"outcome": "approved", "decision_number": "45-QĐ/ĐU", "on": fmt(today())}
    url = reverse("authority:decide", args=[proposal.pk])
    preview = client.post(url, data)
    assert preview.status_code == 200
    html = preview.content.decode()
    assert 'id="consequences"' in html and 'id="confirm"' in html
    assert 'id="member-change"' in html  # official/probationary → struck off, shown first
    assert _status(cast) == MemberStatus.PROBATIONARY  # nothing written by the preview
    assert Proposal.objects.get().status == ProposalStatus.PENDING
    done = client.post(url, {**data, "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == reverse(
        "authority:proposal", args=[proposal.pk]
    )
    assert _status(cast) == MemberStatus.STRUCK_OFF
    after = _text(client.get(done["Location"]))
    assert "45-QĐ/ĐU" in after and "Quyết định" in after


def test_a_refused_approval_is_shown_and_nothing_is_written(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    url = reverse("authority:decide", args=[proposal.pk])
    data = {
        "outcome": "approved",
        "decision_number": "45-QĐ/ĐU",
        "on": "01/03/2020",
        "confirm": "1",
    }
    response = cast.client("committee").post(url, data)
    assert response.status_code == 422 and 'id="refusal"' in response.content.decode()
    assert Proposal.objects.get().status == ProposalStatus.PENDING
    assert _status(cast) == MemberStatus.PROBATIONARY
    # Rejecting needs a reason (a form error), then leaves the member as they were.
    client = cast.client("committee")
    missing = client.post(url, {"outcome": "rejected", "on": fmt(today())})
    assert missing.status_code == 422
    rejected = client.post(url, {"outcome": "rejected", "on": fmt(today()), "reason": "Chưa đủ"})
    assert rejected.status_code == 302
    assert Proposal.objects.get().status == ProposalStatus.REJECTED
    assert _status(cast) == MemberStatus.PROBATIONARY


def test_secretary_sees_but_cannot_decide_and_outsiders_get_404(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    page = reverse("authority:proposal", args=[proposal.pk])
    decide = reverse("authority:decide", args=[proposal.pk])
    data = {"outcome": "approved", "decision_number": "1", "on": fmt(today()), "confirm": "1"}
    secretary = cast.client("secretary")
    assert secretary.get(page).status_code == 200
    assert 'id="decide"' not in secretary.get(page).content.decode()
    assert secretary.post(decide, data).status_code == 404
    for name in ("outsider", "member"):
        client = cast.client(name)
        assert client.get(page).status_code == 404
        assert client.post(decide, data).status_code == 404
    assert _status(cast) == MemberStatus.PROBATIONARY


def test_returned_then_refiled_from_the_page(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    committee = cast.client("committee")
    committee.post(
        reverse("authority:decide", args=[proposal.pk]),
        {"outcome": "returned", "on": fmt(today()), "reason": "Thiếu biên bản"},
    )
    page = cast.client("secretary").get(reverse("authority:proposal", args=[proposal.pk]))
    assert 'id="refile"' in page.content.decode() and "Thiếu biên bản" in _text(page)
    response = cast.client("secretary").post(
        reverse("authority:refile", args=[proposal.pk]), {"note": "Đã bổ sung biên bản"}
    )
    assert response.status_code == 302
    history = _text(committee.get(reverse("authority:proposal", args=[proposal.pk])))
    assert "Gửi lại" in history and "Đã bổ sung biên bản" in history
    assert Proposal.objects.get().status == ProposalStatus.PENDING


def test_home_shows_pending_and_overdue_proposals_to_the_committee(cast: Cast) -> None:
    file_strike_off(cast, "b2")
    late = file_strike_off(cast, "b1")
    Proposal.objects.filter(pk=late.pk).update(due_on=today() - dt.timedelta(days=1))
    home = cast.client("committee").get(reverse("web:home")).content.decode()
    panel = home[home.index('id="proposals-panel"') :][:1200]
    assert ">2<" in panel and "1 quá hạn" in panel and reverse("authority:proposals") in panel
    assert (
        'id="proposals-panel"'
        not in cast.client("secretary").get(reverse("web:home")).content.decode()
    )


def test_the_branch_files_from_the_member_page_and_the_commune_decides(cast: Cast) -> None:
    """The issue's walk-through: B's secretary strikes CAST-B2 off from the member's page; that
    files a proposal (the figures stay); the committee of C approves it from its inbox."""
    from coso.stats.queries import stats_as_of

    before = stats_as_of(cast.B, today())["members"]
    url = reverse("web:member_strike_off", args=["CAST-B2"])
    data = {
        "on": fmt(today()),
        "reason": "Bỏ sinh hoạt 3 tháng liền",
        "resolution_date": fmt(today()),
        "votes_for": "6",
        "votes_against": "0",
        "votes_abstain": "1",
        "confirm": "1",
    }
    filed = cast.client("secretary").post(url, data)
    assert filed.status_code == 302, filed.content[:2000]
    proposal = Proposal.objects.get()
    assert filed["Location"] == reverse("authority:proposal", args=[proposal.pk])
    assert _status(cast) == MemberStatus.PROBATIONARY
    assert stats_as_of(cast.B, today())["members"] == before
    committee = cast.client("committee")
    inbox = committee.get(reverse("authority:proposals")).content.decode()
    assert f'data-proposal="{proposal.pk}"' in inbox.split('id="all-proposals"')[0]
    decided = committee.post(
        reverse("authority:decide", args=[proposal.pk]),
        {"outcome": "approved", "decision_number": "12-QĐ/ĐU", "on": fmt(today()), "confirm": "1"},
    )
    assert decided.status_code == 302
    assert _status(cast) == MemberStatus.STRUCK_OFF
    assert stats_as_of(cast.B, today())["members"]["total"] == before["total"] - 1


def test_the_proposal_page_reads_in_english(cast: Cast) -> None:
    proposal = file_strike_off(cast)
    client = cast.client("committee")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    text = _text(client.get(reverse("authority:proposal", args=[proposal.pk])))
    assert f"Proposal no. {proposal.pk}" in text
    assert "7 in favour, 1 against, 0 abstaining" in " ".join(text.split())
    assert "Decide the proposal" in text and "Awaiting decision" in text


def test_a_pending_proposal_shows_on_the_members_page_to_both_sides(cast: Cast) -> None:
    proposal = file_strike_off(cast, "b1")
    url = reverse("web:member", args=["CAST-B1"])
    link = reverse("authority:proposal", args=[proposal.pk])
    for role in ("secretary", "committee", "officer"):
        body = cast.client(role).get(url).content.decode()
        assert 'id="about-proposals"' in body and link in body, role
    # The member reads their own record, not the committee's files about it.
    body = cast.client("member").get(url).content.decode()
    assert 'id="about-proposals"' not in body


def test_the_branch_attaches_its_resolution_and_the_committee_downloads_it(cast: Cast) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from coso.audit.models import AuditEntry
    from tests.documents import pdf_bytes

    proposal = file_strike_off(cast, "b1")
    url = reverse("authority:attach", args=[proposal.pk])
    data = pdf_bytes(3)
    upload = SimpleUploadedFile("nghi-quyet-05.pdf", data, content_type="application/pdf")
    response = cast.client("secretary").post(url, {"file": upload})
    assert response.status_code == 302, response.content.decode()[-500:]
    document = proposal.documents.get()
    assert document.name == "nghi-quyet-05.pdf" and document.size == len(data)
    assert AuditEntry.objects.filter(action="proposal_document").count() == 1
    link = reverse("authority:document", args=[proposal.pk, document.pk])
    page = cast.client("committee").get(reverse("authority:proposal", args=[proposal.pk]))
    assert link in page.content.decode()
    download = cast.client("committee").get(link)
    assert download.status_code == 200 and b"".join(download.streaming_content) == data
    # The deciding committee reads it but does not add to the branch's file; outsiders: 404.
    page_body = page.content.decode()
    assert 'name="file"' not in page_body
    assert cast.client("outsider").get(link).status_code == 404
    # A page in disguise is refused, and nothing is stored.
    fake = SimpleUploadedFile("bien-ban.pdf", b"%PDF-1.4\n<html><script>x</script>", "text/html")
    refused = cast.client("secretary").post(url, {"file": fake})
    assert refused.status_code == 422 and proposal.documents.count() == 1
