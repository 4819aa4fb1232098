"""Admission refusals through both doors (issue 9): a card number already given is a 409 (API)
and the same refusal on the page, not a 500; an id already on the register gets one answer
whether it belongs to the caller's branch or to a province far away."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from coso.core.errors import CosoError
from coso.members.models import Member
from coso.members.operations import admit_member, create_candidate
from tests.cast import Cast


def _api(cast: Cast, who: str, **fields: Any) -> Any:
    body = {
        "member_id": "NEW-API-1",
        "full_name": "Võ Thị Hoa",
        "gender": "female",
        "birth_date": "1998-09-02",
        "branch": "B",
        "admitted_on": "2024-05-10",
        "decision_number": "15-QĐ/ĐU",
        **fields,
    }
    return cast.client("anonymous").post(
        "/api/v1/members",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {cast.token(who)}",
    )


def _page(cast: Cast, who: str, **fields: str) -> Any:
    data = {
        "member_id": "NEW-WEB-1",
        "full_name": "Võ Thị Hoa",
        "gender": "female",
        "birth_date": "02/09/1998",
        "on": "10/05/2024",
        "decision_number": "15-QĐ/ĐU",
        "decision_date": "10/05/2024",
        **fields,
    }
    return cast.client(who).post(reverse("web:unit_admit", args=["B"]), data)


def test_a_card_number_already_given_is_refused_on_both_doors(cast: Cast) -> None:
    Member.objects.filter(member_id="CAST-Q").update(card_no="93.000123")
    response = _api(cast, "officer", card_no="93.000123")
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "refused"
    assert "«93.000123»" in body["message"] and "số thẻ" in body["message"]
    assert "CAST-Q" not in body["message"] and "Hoàng Văn Quang" not in body["message"]
    assert not Member.objects.filter(member_id="NEW-API-1").exists()

    page = _page(cast, "officer", member_id="NEW-API-1", card_no="93.000123")
    assert page.status_code == 422
    assert body["message"] in page.content.decode()
    assert not Member.objects.filter(member_id="NEW-API-1").exists()
    # A free card number goes through.
    assert _api(cast, "officer", card_no="93.000124").status_code == 201
    assert Member.objects.get(member_id="NEW-API-1").card_no == "93.000124"


def test_the_domain_refuses_a_given_card_before_the_insert(cast: Cast) -> None:
    Member.objects.filter(member_id="CAST-B2").update(card_no="93.000555")
    with pytest.raises(CosoError, match=r"«93\.000555»"):
        admit_member(
            member_id="NEW-D-1",
            full_name="Lê Thị Nga",
            gender="female",
            birth_date=dt.date(1995, 1, 1),
            branch=cast.B,
            admitted_on=dt.date(2024, 5, 10),
            card_no="93.000555",
        )


def test_an_id_on_the_register_gets_one_answer_wherever_it_is(cast: Cast) -> None:
    """CAST-Q is in province Q (outside the officer's scope), CAST-B2 in branch B (inside):
    the refusal is word for word the same but for the id, and names no person or unit."""
    elsewhere = _api(cast, "officer", member_id="CAST-Q")
    mine = _api(cast, "officer", member_id="CAST-B2")
    assert elsewhere.status_code == mine.status_code == 409
    assert elsewhere.json()["message"].replace("CAST-Q", "X") == mine.json()["message"].replace(
        "CAST-B2", "X"
    )
    assert "không dùng được" in elsewhere.json()["message"]
    for secret in ("Hoàng Văn Quang", "QB", "dự bị", "chính thức"):
        assert secret not in elsewhere.json()["message"]
    # A candidate of another branch is not the caller's either: the same answer, untouched.
    create_candidate(
        member_id="CAND-QB",
        full_name="Đỗ Văn Tâm",
        gender="male",
        birth_date=dt.date(1999, 1, 1),
        branch=cast.QB,
    )
    other = _api(cast, "officer", member_id="CAND-QB")
    assert other.status_code == 409
    assert other.json()["message"].replace("CAND-QB", "X") == mine.json()["message"].replace(
        "CAST-B2", "X"
    )
    assert Member.objects.get(member_id="CAND-QB").full_name == "Đỗ Văn Tâm"
    # The page says the same.
    page = _page(cast, "officer", member_id="CAST-Q")
    assert elsewhere.json()["message"] in page.content.decode()
    assert "Hoàng Văn Quang" not in page.content.decode()


def test_a_candidate_of_the_branch_is_admitted(cast: Cast) -> None:
    create_candidate(
        member_id="CAND-B",
        full_name="Đỗ Văn Tâm",
        gender="male",
        birth_date=dt.date(1999, 1, 1),
        branch=cast.B,
    )
    response = _api(cast, "officer", member_id="CAND-B", full_name="Đỗ Văn Tâm")
    assert response.status_code == 201, response.content
    assert Member.objects.get(member_id="CAND-B").home_unit == cast.B


def test_an_import_gets_one_answer_for_ids_and_cards_wherever_they_are(cast: Cast) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    Member.objects.filter(member_id="CAST-Q").update(card_no="93.000777")
    Member.objects.filter(member_id="CAST-B2").update(card_no="93.000778")
    header = "member_id,card_no,full_name,gender,birth_date,branch,admitted_on,official_on\n"
    rows = [
        "CAST-Q,,Lê Văn Tám,male,1990-01-01,B,2020-01-01,\n",  # an id in province Q
        "CAST-B2,,Lê Văn Tám,male,1990-01-01,B,2020-01-01,\n",  # an id in the caller's branch
        "NEW-I-1,93.000777,Lê Văn Tám,male,1990-01-01,B,2020-01-01,\n",  # a card in Q
        "NEW-I-2,93.000778,Lê Văn Tám,male,1990-01-01,B,2020-01-01,\n",  # a card in B
    ]
    upload = SimpleUploadedFile("dang-vien.csv", (header + "".join(rows)).encode())
    response = cast.client("anonymous").post(
        "/api/v1/imports/members",
        {"file": upload},
        HTTP_AUTHORIZATION=f"Bearer {cast.token('secretary')}",
    )
    assert response.status_code == 400, response.content
    reasons = {(d["row"], d["column"]): d["reason"] for d in response.json()["details"]}
    assert reasons[(2, "member_id")] == "«CAST-Q» không dùng được"
    assert reasons[(3, "member_id")] == "«CAST-B2» không dùng được"
    assert reasons[(4, "card_no")] == "«93.000777» không dùng được"
    assert reasons[(5, "card_no")] == "«93.000778» không dùng được"
    assert not Member.objects.filter(member_id__startswith="NEW-I-").exists()
