"""The lifecycle and reorganization forms: apply, refuse, preview, confirm, scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from html import unescape
from typing import Any

import pytest
from django.urls import reverse

from coso.audit.models import AuditEntry
from coso.core.dates import parse_date
from coso.core.models import Decision
from coso.members import operations as mops
from coso.members.models import (
    ExternalRole,
    Member,
    MemberEvent,
    MemberSpan,
    MemberStatus,
    Participation,
    Position,
)
from coso.units.models import Unit, UnitEvent, UnitSpan
from tests.web.matrix_forms import MEMBER_OPS

D = dt.date


def _member(member_id: str) -> Member:
    return Member.objects.get(member_id=member_id)


def _recognized(cast: Any) -> None:
    mops.recognize_member(_member("CAST-B1"), decided_on=D(2022, 3, 2))


def _with_position(cast: Any) -> None:
    _recognized(cast)
    mops.assign_position(_member("CAST-B1"), cast.B, "secretary", on=D(2022, 6, 1))


def _with_participation(cast: Any) -> None:
    mops.add_participation(_member("CAST-B1"), cast.B2, "activity", on=D(2022, 7, 1))


def _with_role(cast: Any) -> None:
    mops.add_external_role(_member("CAST-B1"), title="Trưởng thôn", on=D(2022, 8, 1))


def _temporary(cast: Any) -> None:
    mops.start_temporary_transfer(_member("CAST-B1"), on=D(2023, 10, 1), host_unit=cast.BC2)


def _exempted(cast: Any) -> None:
    _recognized(cast)
    mops.exempt_member(_member("CAST-B1"), on=D(2024, 5, 1), reason="illness")


def _in_transit(cast: Any) -> None:
    mops.transfer_out(_member("CAST-B1"), on=D(2024, 7, 1), to_unit=cast.B2)


def _struck_off(cast: Any) -> None:
    mops.strike_off(_member("CAST-B1"), on=D(2021, 6, 1), reason="bỏ sinh hoạt")


def _item(model: type[Any]) -> Callable[[Any], dict[str, str]]:
    return lambda cast: {"item": str(model.objects.get(member__member_id="CAST-B1").pk)}


def _nothing(cast: Any) -> dict[str, str]:
    return {}


# op -> (prepare, form data, extra data from the prepared state, check on CAST-B1 afterwards)
CASES: dict[str, tuple[Callable[[Any], None] | None, dict[str, str], Callable[..., Any], Any]] = {
    "recognize": (None, {"on": "02/03/2022"}, _nothing, lambda m: m.status == "official"),
    "reject_recognition": (
        None,
        {"on": "2022-03-02"},
        _nothing,
        lambda m: m.status == MemberStatus.NOT_RECOGNIZED,
    ),
    "transfer_out": (None, {"on": "01/07/2024", "to_unit": "QB"}, _nothing, lambda m: m.in_transit),
    "receive": (
        _in_transit,
        {"on": "15/07/2024", "branch": "B2"},
        _nothing,
        lambda m: m.home_unit.code == "B2" and not m.in_transit,
    ),
    "transfer_out_of_system": (
        None,
        {"on": "01/01/2025"},
        _nothing,
        lambda m: m.status == MemberStatus.TRANSFERRED_OUT,
    ),
    "temporary_start": (
        None,
        {"on": "01/10/2023", "host_unit": "QB"},
        _nothing,
        lambda m: Participation.objects.filter(member=m, kind="temporary").exists(),
    ),
    "temporary_end": (
        _temporary,
        {"on": "01/04/2024"},
        _nothing,
        lambda m: Participation.objects.get(member=m, kind="temporary").valid_to == D(2024, 4, 1),
    ),
    "exempt": (
        _recognized,
        {"on": "01/05/2024", "reason": "illness", "illness_months": "6"},
        _nothing,
        lambda m: m.exempt,
    ),
    "return": (_exempted, {"on": "01/06/2024"}, _nothing, lambda m: not m.exempt),
    "strike_off": (
        None,
        {"on": "01/01/2025", "reason": "Bỏ sinh hoạt 3 tháng"},
        _nothing,
        lambda m: m.status == MemberStatus.STRUCK_OFF,
    ),
    "expel": (_recognized, {"on": "01/01/2025"}, _nothing, lambda m: m.status == "expelled"),
    "leave": (None, {"on": "01/01/2025"}, _nothing, lambda m: m.status == MemberStatus.LEFT),
    "death": (None, {"on": "01/01/2025"}, _nothing, lambda m: m.status == MemberStatus.DECEASED),
    "readmit": (
        _struck_off,
        {"on": "10/01/2025", "branch": "B"},
        _nothing,
        lambda m: m.status == MemberStatus.PROBATIONARY and m.readmissions == 1,
    ),
    "change_group": (
        None,
        {"on": "01/09/2023", "group": "G"},
        _nothing,
        lambda m: MemberSpan.objects.get(member=m, valid_from=D(2023, 9, 1)).group.code == "G",
    ),
    "assign_position": (
        _recognized,
        {"on": "01/06/2022", "unit": "B", "role": "secretary"},
        _nothing,
        lambda m: Position.objects.filter(member=m, unit__code="B", role="secretary").exists(),
    ),
    "end_position": (
        _with_position,
        {"on": "01/06/2023"},
        _item(Position),
        lambda m: Position.objects.get(member=m).valid_to == D(2023, 6, 1),
    ),
    "add_participation": (
        None,
        {"on": "01/07/2022", "unit": "B2", "kind": "activity"},
        _nothing,
        lambda m: Participation.objects.filter(member=m, unit__code="B2").exists(),
    ),
    "end_participation": (
        _with_participation,
        {"on": "01/07/2023"},
        _item(Participation),
        lambda m: Participation.objects.get(member=m).valid_to == D(2023, 7, 1),
    ),
    "add_external_role": (
        None,
        {"on": "01/08/2022", "title": "Trưởng thôn", "body": "Thôn Đông"},
        _nothing,
        lambda m: ExternalRole.objects.filter(member=m, title="Trưởng thôn").exists(),
    ),
    "end_external_role": (
        _with_role,
        {"on": "01/08/2023"},
        _item(ExternalRole),
        lambda m: ExternalRole.objects.get(member=m).valid_to == D(2023, 8, 1),
    ),
}


def test_every_lifecycle_operation_has_a_case() -> None:
    assert set(CASES) == set(MEMBER_OPS)


@pytest.mark.parametrize("op", sorted(CASES))
def test_each_lifecycle_form_applies_and_is_audited(cast: Any, op: str) -> None:
    prepare, data, extra, check = CASES[op]
    if prepare is not None:
        prepare(cast)
    client = cast.client("officer")
    url = reverse(f"web:member_{op}", args=["CAST-B1"])
    assert client.get(url).status_code == 200
    posted = {**data, **extra(cast), "decision_number": f"QĐ-{op}", "confirm": "1"}
    response = client.post(url, posted)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == reverse("web:member", args=["CAST-B1"])
    assert check(_member("CAST-B1"))
    entry = AuditEntry.objects.get(action=op)
    assert entry.target_id == "CAST-B1" and entry.username == "cast.officer"
    assert entry.before is not None and entry.after is not None
    assert entry.after["on"] == parse_date(data["on"]).isoformat()
    assert entry.before["status"] != entry.after["status"] or entry.before != entry.after
    undecided = {"death", "end_position", "end_participation", "add_participation"}
    if op not in undecided | {"add_external_role", "end_external_role"}:
        assert Decision.objects.filter(number=f"QĐ-{op}").exists()


def test_refusal_is_shown_and_nothing_is_written(cast: Any) -> None:
    client = cast.client("committee")  # the commune committee decides recognition
    events = MemberEvent.objects.count()
    # Probation of CAST-B1 (from 01/03/2021) has not ended on 01/06/2021.
    response = client.post(
        reverse("web:member_recognize", args=["CAST-B1"]),
        {"on": "01/06/2021", "decision_number": "QĐ-SỚM"},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="refusal"' in body and "CAST-B1" in body
    assert "Không có thay đổi nào được ghi." in body
    assert MemberEvent.objects.count() == events
    assert not Decision.objects.filter(number="QĐ-SỚM").exists()  # rolled back with the refusal
    assert not AuditEntry.objects.filter(action="recognize").exists()
    assert _member("CAST-B1").status == MemberStatus.PROBATIONARY


def test_bad_date_and_out_of_scope_unit_are_form_errors(cast: Any) -> None:
    client = cast.client("secretary")
    url = reverse("web:member_receive", args=["CAST-B1"])
    response = client.post(url, {"on": "31/02/2024", "branch": "QB"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "ngày không hợp lệ" in body
    assert "Không có đơn vị mã «QB» trong phạm vi được giao." in body


def test_admit_on_a_branch_page(cast: Any) -> None:
    client = cast.client("officer")
    url = reverse("web:unit_admit", args=["B"])
    response = client.post(
        url,
        {
            "member_id": "NEW-1",
            "full_name": "Võ Thị Hoa",
            "gender": "female",
            "birth_date": "02/09/1998",
            "on": "10/05/2024",
            "group": "G",
            "national_id": "044198000123",
            "decision_number": "15-QĐ/ĐU",
            "decision_date": "10/05/2024",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    member = _member("NEW-1")
    assert member.status == MemberStatus.PROBATIONARY and member.home_unit == cast.B
    assert member.national_id == "044198000123"
    entry = AuditEntry.objects.get(action="admit")
    assert entry.before is None and entry.after["home_unit"] == "B"
    assert entry.unit == cast.B
    # A commune is not a branch: no admission form there.
    assert client.get(reverse("web:unit_admit", args=["C"])).status_code == 404
    assert cast.client("officer").get(reverse("web:unit_admit", args=["C"])).status_code == 404


def test_outsider_gets_404_and_writes_nothing(cast: Any) -> None:
    client = cast.client("outsider")
    for op in ("recognize", "death"):
        response = client.post(reverse(f"web:member_{op}", args=["CAST-B1"]), {"on": "02/03/2022"})
        assert response.status_code == 404
    for op in ("rename", "dissolve"):
        url = reverse(f"web:unit_{op}", args=["B"])
        assert (
            client.post(url, {"on": "01/01/2025", "name": "X", "confirm": "1"}).status_code == 404
        )
    assert _member("CAST-B1").status == MemberStatus.PROBATIONARY
    assert UnitSpan.objects.filter(unit=cast.B).count() == 1
    assert not AuditEntry.objects.exists()


def _merge_data(**extra: str) -> dict[str, str]:
    return {"on": "01/07/2025", "into": "B2", "decision_number": "1234-QĐ/TU", **extra}


def test_merge_preview_writes_nothing_then_confirm_applies(cast: Any) -> None:
    client = cast.client("officer")
    url = reverse("web:unit_merge", args=["B"])
    counts = (UnitSpan.objects.count(), MemberSpan.objects.count(), UnitEvent.objects.count())
    response = client.post(url, _merge_data())
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="consequences"' in body and 'id="confirm"' in body
    c = response.context["consequences"]
    assert c.ended_count == 1 and c.ended == [("B", "Đơn vị B")]
    assert c.member_count == 2  # CAST-B1 and CAST-B2 are re-homed to B2
    assert {m[0] for m in c.members} == {"CAST-B1", "CAST-B2"}
    assert all(m[2:] == ("B", "B2") for m in c.members)
    assert ("G", "Đơn vị G", "chuyển từ B sang B2") in c.units
    assert (UnitSpan.objects.count(), MemberSpan.objects.count(), UnitEvent.objects.count()) == (
        counts
    )
    assert not Decision.objects.filter(number="1234-QĐ/TU").exists()
    assert not AuditEntry.objects.exists()

    response = client.post(url, _merge_data(confirm="1"))
    assert response.status_code == 302
    assert Unit.objects.get(code="B").valid_to == D(2025, 7, 1)
    assert _member("CAST-B1").home_unit.code == "B2"
    entry = AuditEntry.objects.get(action="merge")
    assert entry.target_id == "B" and entry.before["name"] == "Đơn vị B"
    assert entry.after["ended_on"] == "2025-07-01"
    assert entry.after["details"]["members_rehomed"] == 2


def test_reorganization_refusal_in_preview(cast: Any) -> None:
    client = cast.client("officer")
    response = client.post(
        reverse("web:unit_dissolve", args=["B"]), {"on": "01/07/2025", "decision_number": "9-QĐ"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Không thể giải thể «B» ngày 01/07/2025" in body
    assert Unit.objects.get(code="B").valid_to > D(2025, 7, 1)


@pytest.mark.parametrize(
    ("op", "data", "check"),
    [
        (
            "create",
            {"code": "G9", "name": "Tổ đảng mới", "kind": "group", "tags": ["village"]},
            lambda: UnitSpan.objects.get(unit__code="G9").parent.code == "B",
        ),
        ("rename", {"name": "Chi bộ Đông"}, lambda: _span("B").name == "Chi bộ Đông"),
        ("retype", {"kind": "grassroots_branch"}, lambda: _span("B").kind == "grassroots_branch"),
        (
            "retag",
            {"tags": ["village", "border"]},
            lambda: _span("B").tag_list == ["border", "village"],
        ),
        ("move", {"parent": "C2"}, lambda: _span("B").parent.code == "C2"),
        ("dissolve", {}, lambda: Unit.objects.get(code="B2").valid_to == D(2025, 7, 1)),
    ],
)
def test_each_reorganization_previews_then_applies(
    cast: Any, op: str, data: dict[str, Any], check: Callable[[], bool]
) -> None:
    code = "B2" if op == "dissolve" else "B"
    if op == "dissolve":
        mops.transfer_out_of_system(_member("CAST-B2X"), on=D(2024, 1, 1))
    client = cast.client("officer")
    url = reverse(f"web:unit_{op}", args=[code])
    post = {"on": "01/07/2025", "decision_number": f"QĐ-{op}", **data}
    spans = UnitSpan.objects.count()
    preview = client.post(url, post)
    assert preview.status_code == 200, preview.content.decode()[-2000:]
    assert preview.context["preview"] and UnitSpan.objects.count() == spans
    # Confirm posts back exactly the hidden copy of the previewed form.
    response = client.post(url, _hidden_fields(preview.content.decode()))
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert check()
    assert AuditEntry.objects.filter(action=op).count() == 1


def _hidden_fields(html: str) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for tag in re.findall(r"<input [^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="hidden"' in tag and name and name.group(1) != "csrfmiddlewaretoken":
            fields.setdefault(name.group(1), []).append(unescape(value.group(1) if value else ""))
    return fields


def _span(code: str) -> UnitSpan:
    return UnitSpan.objects.get(
        unit__code=code, valid_from__lte=D(2025, 7, 1), valid_to__gt=D(2025, 7, 1)
    )


def test_action_buttons_on_unit_and_member_pages(cast: Any) -> None:
    body = cast.client("officer").get(reverse("web:unit", args=["B"])).content.decode()
    assert reverse("web:unit_merge", args=["B"]) in body
    assert reverse("web:unit_admit", args=["B"]) in body
    body = cast.client("secretary").get(reverse("web:unit", args=["B"])).content.decode()
    assert reverse("web:unit_admit", args=["B"]) in body
    assert reverse("web:unit_merge", args=["B"]) not in body
    # The commune committee decides B's reorganizations (the committee directly above B).
    body = cast.client("committee").get(reverse("web:unit", args=["B"])).content.decode()
    assert reverse("web:unit_merge", args=["B"]) in body
    body = cast.client("committee").get(reverse("web:unit", args=["C"])).content.decode()
    assert reverse("web:unit_merge", args=["C"]) not in body  # decided by the province
    body = cast.client("secretary").get(reverse("web:member", args=["CAST-B1"])).content.decode()
    assert reverse("web:member_strike_off", args=["CAST-B1"]) in body
    assert reverse("web:member_recognize", args=["CAST-B1"]) in body  # probationary
    assert reverse("web:member_readmit", args=["CAST-B1"]) not in body  # still in the Party
    assert reverse("web:member_return", args=["CAST-B1"]) not in body  # not exempt
    assert reverse("web:imports") in cast.client("secretary").get("/units/B/").content.decode()
    body = cast.client("member").get(reverse("web:member", args=["CAST-B1"])).content.decode()
    assert 'id="member-actions"' not in body


def test_a_root_units_page_opens_and_only_administrators_reorganize_it(cast: Any) -> None:
    # No committee stands above province P: its officer sees its page (no 500) without the
    # reorganizations the level above would decide; an administrator records them.
    response = cast.client("officer").get(reverse("web:unit", args=["P"]))
    assert response.status_code == 200
    assert reverse("web:unit_rename", args=["P"]) not in response.content.decode()
    assert reverse("web:unit_create", args=["P"]) in response.content.decode()
    assert cast.client("officer").get(reverse("web:unit_rename", args=["P"])).status_code == 404
    admin = cast.client("admin").get(reverse("web:unit", args=["P"])).content.decode()
    assert reverse("web:unit_rename", args=["P"]) in admin
    assert cast.client("admin").get(reverse("web:unit_rename", args=["P"])).status_code == 200
