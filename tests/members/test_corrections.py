"""Correcting a member's record (issue 13, point 1): the operation, its history, its audit entry,
the reads, and who may do it (pages and API alike)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.authority.scope import Action, scope_of
from coso.core.errors import CosoError
from coso.members.models import Member, MemberCorrection
from coso.members.operations import correct_member_record, correction_changes
from coso.members.queries import CORRECTION, member_corrections, member_history, search_members
from tests.cast import Cast

DAY = dt.date(2024, 5, 2)


def _b1(cast: Cast) -> Member:
    return Member.objects.get(member_id="CAST-B1")


def test_a_correction_appends_one_row_per_field_rewrites_the_record_and_is_audited(
    cast: Cast,
) -> None:
    member = _b1(cast)
    rows = correct_member_record(
        member,
        changes={"full_name": "Phạm  Đình Dũngg ", "residence": "Thôn 3, xã Hoàn Lão"},
        effective_on=DAY,
        reason="Sai chính tả khi nhập",
        actor=cast.secretary,
    )
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("full_name", "Phạm Đình Dũng", "Phạm Đình Dũngg"),
        ("residence", "", "Thôn 3, xã Hoàn Lão"),
    ]
    member.refresh_from_db()
    assert member.full_name == "Phạm Đình Dũngg" and member.residence == "Thôn 3, xã Hoàn Lão"
    # The name keys follow the name: the search finds the new spelling.
    assert search_members(Member.objects.all(), text="dungg").get() == member
    assert {r.recorded_by_id for r in rows} == {cast.secretary.pk}
    assert {r.effective_on for r in rows} == {DAY} and len({r.batch for r in rows}) == 1
    entry = AuditEntry.objects.get(action="correct_member_record")
    assert entry.target_id == "CAST-B1" and entry.unit == cast.B
    assert entry.before == {"fields": {"full_name": "Phạm Đình Dũng", "residence": ""}}
    assert entry.after["reason"] == "Sai chính tả khi nhập" and entry.after["sensitive"] == []

    # A second correction is appended: the first stays as it was.
    correct_member_record(
        member,
        changes={"full_name": "Phạm Đình Dũng"},
        effective_on=DAY,
        reason="Đính chính lại",
        actor=cast.officer,
    )
    assert list(
        MemberCorrection.objects.order_by("id").values_list("field", "old_value", "new_value")
    ) == [
        ("full_name", "Phạm Đình Dũng", "Phạm Đình Dũngg"),
        ("residence", "", "Thôn 3, xã Hoàn Lão"),
        ("full_name", "Phạm Đình Dũngg", "Phạm Đình Dũng"),
    ]
    with pytest.raises(ValueError):
        first = MemberCorrection.objects.order_by("id").first()
        assert first is not None
        first.save()


def test_sensitive_fields_are_a_sensitive_write_and_hidden_from_readers_without_the_right(
    cast: Cast,
) -> None:
    member = _b1(cast)
    correct_member_record(
        member,
        changes={"birth_date": "13/04/1990", "ethnicity": "Kinh", "occupation": "Nông dân"},
        effective_on=DAY,
        reason="Theo căn cước công dân",
        actor=cast.officer,
    )
    member.refresh_from_db()
    assert member.birth_date == dt.date(1990, 4, 13)
    entry = AuditEntry.objects.get(action="correct_member_sensitive")
    assert entry.after["sensitive"] == ["birth_date", "ethnicity"]
    shown = {c.field: (c.old, c.new) for c in member_corrections(member, sensitive=True)}
    assert shown["birth_date"] == ("12/04/1990", "13/04/1990")
    hidden = {c.field: c for c in member_corrections(member, sensitive=False)}
    assert hidden["birth_date"].hidden and hidden["birth_date"].old == ""
    assert (hidden["occupation"].old, hidden["occupation"].new) == ("—", "Nông dân")
    history = [e for e in member_history(member, sensitive=False) if e.kind == CORRECTION]
    assert {e.details["field"] for e in history} == {"birth_date", "ethnicity", "occupation"}
    assert all("old" not in e.details for e in history if e.details["sensitive"])


@pytest.mark.parametrize(
    ("changes", "reason", "on", "words"),
    [
        ({"residence": "Thôn 2"}, "  ", DAY, "lý do"),
        ({"residence": "Thôn 2"}, "x", dt.date(2999, 1, 1), "sau hôm nay"),
        ({"full_name": "Phạm Đình Dũng"}, "x", DAY, "không có thông tin nào khác"),
        ({"full_name": " "}, "x", DAY, "họ và tên không được để trống"),
        ({"gender": "x"}, "x", DAY, "giới tính"),
        ({"birth_date": "31/02/1990"}, "x", DAY, "ngày sinh không hợp lệ"),
        ({"birth_date": "02/03/2021"}, "x", DAY, "trước ngày vào Đảng"),
        ({"national_id": "12ab"}, "x", DAY, "12 chữ số"),
        ({"status": "official"}, "x", DAY, "«status»"),
        ({"card_no": "T-1"}, "x", DAY, "đã được cấp cho người khác"),
    ],
)
def test_bad_corrections_are_refused_naming_the_field_and_nothing_is_written(
    cast: Cast, changes: dict[str, Any], reason: str, on: dt.date, words: str
) -> None:
    other = Member.objects.get(member_id="CAST-B2")
    Member.objects.filter(pk=other.pk).update(card_no="T-1")
    with pytest.raises(CosoError) as refused:
        correct_member_record(
            _b1(cast), changes=changes, effective_on=on, reason=reason, actor=cast.officer
        )
    assert words in str(refused.value) and "CAST-B1" in str(refused.value)
    assert not MemberCorrection.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="correct_").exists()


def test_the_preview_lists_what_changes_and_writes_nothing(cast: Cast) -> None:
    changes = correction_changes(_b1(cast), {"full_name": "Phạm Đình Dũng", "education": "12/12"})
    assert [(c.field, c.old, c.new) for c in changes] == [("education", "", "12/12")]
    assert not MemberCorrection.objects.exists()


def test_who_may_correct(cast: Cast) -> None:
    b1, b2x, q = (Member.objects.get(member_id=i) for i in ("CAST-B1", "CAST-B2X", "CAST-Q"))
    can = {
        name: [
            scope_of(cast.user(name)).can_member(Action.CORRECT_MEMBER_RECORD, m)
            for m in (b1, b2x, q)
        ]
        for name in ("admin", "officer", "committee", "secretary", "member", "outsider")
    }
    assert can == {
        "admin": [True, True, True],
        "officer": [True, True, False],  # their province's subtree
        "committee": [False, False, False],  # committee members do not keep records
        "secretary": [True, False, False],  # the members of their own branch only
        "member": [False, False, False],  # not even their own record
        "outsider": [False, False, True],
    }


# --- the page ---------------------------------------------------------------------------------


def _form(**extra: str) -> dict[str, str]:
    data = {
        "full_name": "Phạm Đình Dũng",
        "gender": "male",
        "birth_date": "12/04/1990",
        "card_no": "",
        "national_id": "044090000001",
        "ethnicity": "",
        "religion": "",
        "hometown": "",
        "residence": "",
        "education": "",
        "occupation": "",
        "effective_on": "02/05/2024",
        "reason": "Chuyển nơi ở",
    }
    data.update(extra)
    return data


def test_the_page_previews_old_and_new_then_records_on_confirmation(cast: Cast) -> None:
    client = cast.client("secretary")
    url = reverse("web:member_correct", args=["CAST-B1"])
    page = client.get(url)
    assert page.status_code == 200 and 'value="Phạm Đình Dũng"' in page.content.decode()
    member_page = client.get(reverse("web:member", args=["CAST-B1"])).content.decode()
    assert url in member_page  # reached from the member's actions

    preview = client.post(url, _form(residence="Thôn Thống Nhất"))
    body = preview.content.decode()
    assert preview.status_code == 200 and 'id="correction-preview"' in body
    assert "Nơi cư trú" in body and "Thôn Thống Nhất" in body
    assert not MemberCorrection.objects.exists()

    done = client.post(url, _form(residence="Thôn Thống Nhất", confirm="1"))
    assert done.status_code == 302
    row = MemberCorrection.objects.get()
    assert (row.field, row.new_value, row.reason) == (
        "residence",
        "Thôn Thống Nhất",
        "Chuyển nơi ở",
    )
    timeline = client.get(reverse("web:member", args=["CAST-B1"])).content.decode()
    assert "Đính chính lý lịch" in timeline and "«—» → «Thôn Thống Nhất»" in timeline


def test_the_page_refuses_without_a_reason_or_a_change(cast: Cast) -> None:
    client = cast.client("officer")
    url = reverse("web:member_correct", args=["CAST-B1"])
    assert client.post(url, _form(reason="")).status_code == 422
    unchanged = client.post(url, _form())
    assert unchanged.status_code == 422
    assert "không có thông tin nào khác" in unchanged.content.decode()
    assert not MemberCorrection.objects.exists()


@pytest.mark.parametrize("name", ["committee", "member", "outsider", "anonymous"])
def test_the_page_is_hidden_from_those_who_may_not(cast: Cast, name: str) -> None:
    url = reverse("web:member_correct", args=["CAST-B1"])
    answer = cast.client(name).post(url, _form(residence="X", confirm="1"))
    assert answer.status_code == (302 if name == "anonymous" else 404)
    assert not MemberCorrection.objects.exists()


# --- the API ----------------------------------------------------------------------------------


def _api(cast: Cast, name: str, method: str, body: Any = None) -> Any:
    from django.test import Client

    headers = {"Authorization": f"Bearer {cast.token(name)}"}
    url = "/api/v1/members/CAST-B1/corrections"
    if method == "GET":
        return Client().get(url, headers=headers)
    return Client().post(url, json.dumps(body), content_type="application/json", headers=headers)


def test_the_api_corrects_and_lists_with_the_same_scope(cast: Cast) -> None:
    body = {
        "effective_on": "2024-05-02",
        "reason": "Theo CCCD",
        "religion": "Không",
        "education": "12/12",
    }
    answer = _api(cast, "secretary", "POST", body)
    assert answer.status_code == 201, answer.content
    assert {r["field"] for r in answer.json()} == {"religion", "education"}
    assert AuditEntry.objects.get().action == "correct_member_sensitive"
    # The committee member reads the list, without the sensitive values.
    listed = {r["field"]: r for r in _api(cast, "committee", "GET").json()}
    assert listed["religion"]["old"] is None and listed["education"]["new"] == "12/12"
    assert listed["education"]["recorded_by"]  # a name, never empty
    for name in ("committee", "member", "outsider"):
        assert _api(cast, name, "POST", body).status_code == 404
    assert _api(cast, "outsider", "GET").status_code == 404
    refused = _api(cast, "officer", "POST", body)  # nothing differs any more
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert MemberCorrection.objects.count() == 2
