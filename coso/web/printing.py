"""A member's record (lý lịch and Party history) as PDF, in the Party layout of
coso.units.printing: what the member page shows, cut to what the reader may see (the page's
read, coso.members.queries.read_member: sensitive fields only with VIEW_SENSITIVE, logged).
A bounded number of queries for one member (events, spans, posts, participations, roles, unit
names, the header, the signer, the Party age)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from coso.members.models import Member, MemberSpan
from coso.members.party_age import party_age
from coso.members.queries import MemberRecord, head_of
from coso.units.models import Unit
from coso.units.printing import Issuer, Sheet, Signature, issuer_of, on_behalf_of, render_pdf
from coso.web import timeline


def _record_unit(member: Member) -> Unit | None:
    """The unit that keeps the record: the home branch, else the last one the member was in."""
    if member.home_unit_id:
        return member.home_unit
    last = MemberSpan.objects.filter(member=member).order_by("-valid_from").first()
    return last.unit if last is not None else None


def member_record_pdf(record: MemberRecord, day: dt.date) -> bytes:
    member = record.member
    periods = timeline.member_periods(member)
    unit = _record_unit(member)
    official = member.official_on is not None and member.official_on <= day
    data = {
        "member": member,
        "sensitive": record.sensitive,
        "events": timeline.member_timeline(record.history),
        "party_age": party_age(member, day) if official else None,
        **periods,
    }
    if unit is None:  # a candidate never admitted anywhere: no issuing unit to name
        issuer = Issuer(superior="", name="", place="", committee=False)
        signatures: list[Signature] = []
    else:
        issuer = issuer_of(unit, day)
        head = head_of(unit, day)
        post = head.get_role_display() if head else _("Bí thư")
        signatures = [
            Signature(
                post=post.upper(),
                name=head.member.full_name if head else "",
                on_behalf=on_behalf_of(issuer),
            )
        ]
    sheet = Sheet(
        issuer=issuer,
        day=day,
        title=_("Tóm tắt lý lịch đảng viên"),
        subtitle=member.full_name,
        number=member.member_id,
        number_label=_("Số lý lịch"),
        signatures=signatures,
        data=data,
    )
    return render_pdf("web/pdf/member_record.html", [sheet])
