"""A meeting's minutes, resolutions and attendance sheet as PDF, in the Party layout of
coso.units.printing. Each is a bounded number of queries for one meeting (its invitations with
their members, its resolutions, the header's two unit reads, the signer), whatever the tree.

Absence reasons are never printed (free text that may hold health details): the sheets show
whether someone came, not why they did not.
"""

from __future__ import annotations

import dataclasses

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from coso.core.dates import fmt
from coso.meetings.models import AttendanceStatus, Invitation, Meeting, Resolution
from coso.members.queries import head_of
from coso.units.printing import Issuer, Sheet, Signature, issuer_of, on_behalf_of, render_pdf


@dataclasses.dataclass(frozen=True)
class Attendance:
    counted: list[Invitation]
    exempt: list[Invitation]
    others: list[Invitation]

    @property
    def present(self) -> list[Invitation]:
        return [i for i in self.counted if i.status == AttendanceStatus.PRESENT]

    @property
    def absent_excused(self) -> list[Invitation]:
        return [i for i in self.counted if i.status == AttendanceStatus.ABSENT_EXCUSED]

    @property
    def absent_unexcused(self) -> list[Invitation]:
        return [i for i in self.counted if i.status == AttendanceStatus.ABSENT_UNEXCUSED]

    @property
    def guests_present(self) -> list[Invitation]:
        return [i for i in self.others if i.status == AttendanceStatus.PRESENT]


def meeting_label(meeting: Meeting) -> str:
    return _("%(kind)s ngày %(day)s") % {"kind": meeting.get_kind_display(), "day": fmt(meeting.on)}


def attendance_of(meeting: Meeting) -> Attendance:
    """The invitations with their members (one query), in Vietnamese name order."""
    rows = list(
        meeting.invitations.select_related("member").order_by(
            "member__sort_key", "member__member_id"
        )
    )
    return Attendance(
        counted=[i for i in rows if i.counted],
        exempt=[i for i in rows if not i.counted and i.exempt],
        others=[i for i in rows if not i.counted and not i.exempt],
    )


def _head(meeting: Meeting, issuer: Issuer) -> Signature:
    head = head_of(meeting.unit, meeting.on)
    post = head.get_role_display() if head else _("Bí thư")
    name = head.member.full_name if head else ""
    return Signature(post=post.upper(), name=name, on_behalf=on_behalf_of(issuer))


def minutes_pdf(meeting: Meeting) -> bytes:
    issuer = issuer_of(meeting.unit, meeting.on)
    attendance = attendance_of(meeting)
    resolutions = list(meeting.resolutions.order_by("number"))
    sheet = Sheet(
        issuer=issuer,
        day=meeting.on,
        title=_("Biên bản"),
        subtitle=meeting.title or meeting_label(meeting),
        signatures=[Signature(post=_("THƯ KÝ")), _head(meeting, issuer)],
        data={
            "meeting": meeting,
            "label": meeting_label(meeting),
            "attendance": attendance,
            "resolutions": resolutions,
            "dues": (
                f"{meeting.dues_collected_vnd:,}".replace(",", get_format("THOUSAND_SEPARATOR"))
                if meeting.dues_collected_vnd is not None
                else None
            ),
        },
    )
    return render_pdf("meetings/pdf/minutes.html", [sheet])


def resolutions_pdf(meeting: Meeting) -> bytes:
    """Every resolution of the meeting, one document each (a page break between them)."""
    issuer = issuer_of(meeting.unit, meeting.on)
    head = _head(meeting, issuer)
    resolutions: list[Resolution] = list(meeting.resolutions.order_by("number"))
    sheets = [
        Sheet(
            issuer=issuer,
            day=r.adopted_on,
            title=_("Nghị quyết"),
            number=r.label,
            subtitle=r.title,
            signatures=[head],
            data={"resolution": r, "meeting": meeting, "label": meeting_label(meeting)},
        )
        for r in resolutions
    ]
    if not sheets:  # an empty book page says so rather than failing
        sheets = [
            Sheet(
                issuer=issuer,
                day=meeting.on,
                title=_("Nghị quyết"),
                subtitle=meeting_label(meeting),
                data={"resolution": None, "meeting": meeting, "label": meeting_label(meeting)},
            )
        ]
    return render_pdf("meetings/pdf/resolution.html", sheets)


def attendance_pdf(meeting: Meeting) -> bytes:
    """The sheet the members sign at the meeting: names, how each is called, a signature column."""
    issuer = issuer_of(meeting.unit, meeting.on)
    attendance = attendance_of(meeting)
    rows = attendance.counted + attendance.exempt + attendance.others
    sheet = Sheet(
        issuer=issuer,
        day=meeting.on,
        title=_("Danh sách đảng viên dự sinh hoạt"),
        subtitle=meeting.title or meeting_label(meeting),
        signatures=[_head(meeting, issuer)],
        data={"meeting": meeting, "label": meeting_label(meeting), "rows": rows},
    )
    return render_pdf("meetings/pdf/attendance.html", [sheet])
