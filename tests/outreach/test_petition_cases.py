"""A petition links to the violation cases it led to; each reader sees the cases their role
may see (the others only counted), the link is refused off the petition's line."""

from __future__ import annotations

import datetime as dt

from coso.audit.models import AuditEntry
from coso.members.models import Member
from coso.outreach.models import PetitionCase
from coso.outreach.operations import receive_petition
from coso.oversight import operations as case_ops
from tests.cast import Cast

DAY = dt.date(2024, 5, 10)


def _petition(cast: Cast, unit):
    return receive_petition(
        kind="complaint",
        category="conduct",
        received_on=DAY,
        petitioner_name="Nguyễn Văn Gửi",
        summary="Đảng viên lấn chiếm đất",
        place="Thôn 1",
        handling_unit=unit,
    )


def _case(unit, member_id="CAST-B1"):
    return case_ops.open_case(
        subject=Member.objects.get(member_id=member_id),
        handling_unit=unit,
        source="petition",
        title="Lấn chiếm đất công",
        facts="Theo đơn của công dân",
        violated_on=DAY,
        opened_on=DAY,
    )


def test_an_officer_links_a_case_and_each_role_sees_what_it_may(cast: Cast) -> None:
    petition = _petition(cast, cast.C)
    case = _case(cast.C)
    url = f"/petitions/{petition.pk}/"
    officer = cast.client("committee")  # manages the activities of C, its petitions
    page = officer.post(url, {"action": "link", "link-case": str(case.pk)})
    assert page.status_code == 302
    assert PetitionCase.objects.filter(petition=petition, case=case).count() == 1
    entry = AuditEntry.objects.filter(action="petition_link_case").get()
    assert entry.after["case"] == case.pk and "Nguyễn Văn Gửi" not in str(entry.after)
    shown = officer.get(url).content.decode()
    assert f"/cases/{case.pk}/" in shown and "Lấn chiếm đất công" in shown
    above = cast.client("officer").get(url).content.decode()  # the province's officer
    assert f"/cases/{case.pk}/" in above
    # A second link of the same case is refused with the reason, nothing written.
    again = officer.post(url, {"action": "link", "link-case": str(case.pk)})
    assert "đã được liên kết" in again.content.decode()
    assert PetitionCase.objects.count() == 1


def test_a_reader_below_the_case_sees_only_that_a_case_exists(cast: Cast) -> None:
    petition = _petition(cast, cast.B)  # handled by branch B: its secretary sees the petition
    case = _case(cast.C)  # the case is the commune's: restricted to C and above
    cast.client("committee").post(
        f"/petitions/{petition.pk}/", {"action": "link", "link-case": str(case.pk)}
    )
    assert PetitionCase.objects.count() == 1
    page = cast.client("secretary").get(f"/petitions/{petition.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert f"/cases/{case.pk}/" not in body and "Lấn chiếm đất công" not in body
    assert 'id="restricted-cases"' in body


def test_links_off_the_line_or_out_of_reach_are_refused(cast: Cast) -> None:
    petition = _petition(cast, cast.B)
    case = _case(cast.B2, member_id="CAST-B2X")  # B and B2 are siblings: not one line
    body = (
        cast.client("committee")
        .post(f"/petitions/{petition.pk}/", {"action": "link", "link-case": str(case.pk)})
        .content.decode()
    )
    assert "không cùng tuyến" in body
    other = _case(cast.QC, member_id="CAST-Q")  # the other province's: out of reach
    body = (
        cast.client("committee")
        .post(f"/petitions/{petition.pk}/", {"action": "link", "link-case": str(other.pk)})
        .content.decode()
    )
    assert f"không có vụ việc số {other.pk} trong phạm vi" in body
    assert not PetitionCase.objects.exists()


def _api(cast: Cast, role: str):
    from django.test import Client

    return Client(headers={"Authorization": f"Bearer {cast.token(role)}"})


def test_the_api_links_and_lists_with_the_pages_rules(cast: Cast) -> None:
    petition = _petition(cast, cast.B)
    case = _case(cast.C)  # the commune's case: the branch's secretary may not see it
    url = f"/api/v1/petitions/{petition.pk}/cases"
    committee = _api(cast, "committee")
    linked = committee.post(url, {"case": case.pk}, content_type="application/json")
    assert linked.status_code == 201, linked.content
    assert [c["id"] for c in linked.json()["cases"]] == [case.pk]
    assert PetitionCase.objects.filter(petition=petition, case=case).count() == 1
    assert AuditEntry.objects.get(action="petition_link_case").channel == "api"
    # The secretary of B sees the petition, and only that one restricted case exists.
    seen = _api(cast, "secretary").get(url).json()
    assert seen == {"petition": petition.pk, "cases": [], "restricted": 1}
    assert _api(cast, "outsider").get(url).status_code == 404
    # Again, off the line, out of reach: refused with the reason, nothing more written.
    again = committee.post(url, {"case": case.pk}, content_type="application/json")
    assert again.status_code == 409 and "đã được liên kết" in again.json()["message"]
    sibling = _case(cast.B2, member_id="CAST-B2X")
    off = committee.post(url, {"case": sibling.pk}, content_type="application/json")
    assert off.status_code == 409 and "không cùng tuyến" in off.json()["message"]
    other = _case(cast.QC, member_id="CAST-Q")
    far = committee.post(url, {"case": other.pk}, content_type="application/json")
    assert far.status_code == 422 and str(other.pk) in str(far.json())
    assert PetitionCase.objects.count() == 1
