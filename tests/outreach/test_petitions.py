"""Petitions: deadlines from the rule set, steps appended, escalation up the tree with its history,
resolution; the overdue roll-up per child (exact counts, overdue first, a fixed number of
queries); the pages' forms refuse with the field named and write nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from coso.audit.models import AuditEntry
from coso.core.errors import CosoError
from coso.outreach.models import Petition, PetitionStep
from coso.outreach.operations import (
    escalate_petition,
    receive_petition,
    record_petition_step,
    resolve_petition,
)
from coso.outreach.queries import overdue_view
from tests.cast import Cast

R = dt.date(2024, 3, 4)


def _receive(cast: Cast, unit: Any, received: dt.date = R, **kw: Any) -> Petition:
    return receive_petition(
        kind=kw.pop("kind", "complaint"),
        category=kw.pop("category", "land"),
        received_on=received,
        petitioner_name="Người gửi",
        summary="Đất",
        place="Thôn",
        handling_unit=unit,
        **kw,
    )


def test_life_of_a_petition_keeps_its_history(cast: Cast) -> None:
    p = _receive(cast, cast.C, handler=cast.members["b2x"])
    assert p.due_on == R + dt.timedelta(days=30)  # petitions.complaint_days
    record_petition_step(p, on=dt.date(2024, 3, 10), text="Xác minh")
    with pytest.raises(CosoError, match="Cấp trên nhận đơn: «B» không phải cấp trên của «C»"):
        escalate_petition(p, to=cast.B, on=dt.date(2024, 3, 12), reason="x")
    with pytest.raises(CosoError, match="Ngày: 05/03/2024 trước bước xử lý gần nhất"):
        escalate_petition(p, to=cast.P, on=dt.date(2024, 3, 5), reason="x")
    p = escalate_petition(p, to=cast.P, on=dt.date(2024, 3, 20), reason="Vượt thẩm quyền")
    assert p.handling_unit == cast.P and p.handler is None and p.escalations == 1
    assert p.due_on == dt.date(2024, 3, 20) + dt.timedelta(days=45)  # escalated_days
    p = resolve_petition(p, on=dt.date(2024, 4, 15), resolution="Đã trả lời", satisfaction="partly")
    assert p.status == "resolved" and p.resolved_on == dt.date(2024, 4, 15)
    steps = list(PetitionStep.objects.filter(petition=p).values_list("kind", "unit__code"))
    assert steps == [("intake", "C"), ("action", "C"), ("escalation", "P"), ("resolution", "P")]
    assert PetitionStep.objects.get(petition=p, kind="escalation").from_unit == cast.C
    with pytest.raises(CosoError, match="đã giải quyết xong ngày 15/04/2024"):
        record_petition_step(p, on=dt.date(2024, 4, 16), text="Lại")
    actions = list(AuditEntry.objects.values_list("action", flat=True).order_by("id"))
    assert actions == [
        "petition_receive",
        "petition_step",
        "petition_escalate",
        "petition_resolve",
    ]


def test_handler_is_never_the_member_complained_about(cast: Cast) -> None:
    with pytest.raises(CosoError, match="Người giải quyết: không được là người bị phản ánh"):
        _receive(cast, cast.C, handler=cast.members["b2"], subject_member=cast.members["b2"])


def test_overdue_rolls_up_per_child_overdue_first(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    day = dt.date(2024, 6, 1)
    # C: 2 in B (1 overdue), 1 at C itself (overdue); C2: 3 in BC2 (2 overdue); 1 resolved.
    _receive(cast, cast.B, dt.date(2024, 1, 5))  # due 04/02: overdue
    _receive(cast, cast.B, dt.date(2024, 5, 20))  # due 19/06: open
    _receive(cast, cast.C, dt.date(2024, 2, 1))  # overdue, the commune's own
    for received in (dt.date(2024, 1, 10), dt.date(2024, 2, 10), dt.date(2024, 5, 25)):
        _receive(cast, cast.BC2, received)
    done = _receive(cast, cast.BC2, dt.date(2024, 1, 2))
    resolve_petition(done, on=dt.date(2024, 1, 20), resolution="Xong")
    _receive(cast, cast.QB, dt.date(2024, 1, 2))  # another province: never counted under P
    with django_assert_max_num_queries(4):  # the span, the children, only root?, the counts
        view = overdue_view(cast.P, day)
    assert [(r.code, r.open, r.overdue) for r in view.rows] == [("C", 3, 2), ("C2", 3, 2)]
    assert (view.total.open, view.total.overdue) == (6, 4)
    view = overdue_view(cast.C, day)
    assert [(r.code, r.own, r.open, r.overdue) for r in view.rows] == [
        ("C", True, 1, 1),
        ("B", False, 2, 1),
    ]
    # On 5 January two were open (one resolved since), none overdue yet.
    early = overdue_view(cast.P, dt.date(2024, 1, 5))
    assert [(r.code, r.open, r.overdue) for r in early.rows] == [("C", 1, 0), ("C2", 1, 0)]


def test_intake_form_names_the_field_and_writes_nothing(cast: Cast) -> None:
    client = cast.client("committee")
    response = client.post(
        "/units/C/petitions/new/",
        {"kind": "complaint", "category": "land", "received_on": "31/02/2024", "summary": "x"},
    )
    assert response.status_code == 422
    text = response.content.decode()
    assert "Người gửi đơn: " in text and "Ngày nhận đơn: " in text
    assert not Petition.objects.exists()
    response = client.post(
        "/units/C/petitions/new/",
        {
            "kind": "complaint",
            "category": "land",
            "received_on": "04/03/2024",
            "petitioner_name": "Người gửi",
            "summary": "Đất",
            "place": "Thôn B",
            "subject_member": "KHONG-CO",
        },
    )
    assert response.status_code == 422
    assert "Số lý lịch đảng viên bị phản ánh (nếu có): không tìm thấy" in response.content.decode()
    assert not Petition.objects.exists()
