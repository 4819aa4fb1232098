import datetime as dt

from django.core.management import call_command

from coso.members.models import Member, MemberStatus
from coso.members.operations import admit_member, recognize_member
from coso.units.operations import create_unit


def test_a_decision_dated_ahead_reaches_the_snapshot_when_its_day_comes(monkeypatch):
    import coso.members.management.commands.sync_snapshots as command
    import coso.members.operations as operations

    province = create_unit(
        code="P", name="Tỉnh", kind="province", parent=None, on=dt.date(2000, 1, 1)
    )
    committee = create_unit(
        code="C",
        name="Đảng bộ xã",
        kind="grassroots_committee",
        parent=province,
        on=dt.date(2000, 1, 1),
    )
    branch = create_unit(
        code="B", name="Chi bộ", kind="branch", parent=committee, on=dt.date(2000, 1, 1)
    )
    member = admit_member(
        member_id="M1",
        full_name="Phạm Đình Dũng",
        gender="male",
        birth_date=dt.date(1990, 5, 1),
        branch=branch,
        admitted_on=dt.date(2025, 1, 10),
    )
    # Recorded on 2026-01-05 for a recognition effective on 2026-01-10.
    monkeypatch.setattr(operations, "today", lambda: dt.date(2026, 1, 5))
    recognize_member(member, decided_on=dt.date(2026, 1, 10))
    assert Member.objects.get(pk=member.pk).status == MemberStatus.PROBATIONARY

    monkeypatch.setattr(command, "today", lambda: dt.date(2026, 1, 12))
    monkeypatch.setattr(operations, "today", lambda: dt.date(2026, 1, 12))
    call_command("sync_snapshots")
    assert Member.objects.get(pk=member.pk).status == MemberStatus.OFFICIAL
