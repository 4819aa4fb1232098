"""The member lifecycle under the Charter (domain brief, section 2).

Every operation is one transaction: it checks the transition against the member's state at the
end of its recorded history, writes the spans (splitting the open one on the effective day, or
correcting it in place when it starts that very day), records a `MemberEvent` with the decision
and what was checked, rewrites the `Member` snapshot from the spans and refreshes the daily
figures for the days it touched.

The state machine is judged on the end of history rather than on the snapshot because the
snapshot shows *today*, and decisions are often recorded with dates after or before today.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coso.accounts.names import person_name
from coso.audit.log import Actor, AuditAction, record_write
from coso.core.dates import (
    FAR_FUTURE,
    add_months,
    add_working_days,
    fmt,
    parse_date,
    today,
    working_days_between,
)
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.core.names import collation_key, fold, vietnamese_sort_key
from coso.core.rules import rule
from coso.members.models import (
    GROUP_ROLES,
    IN_PARTY,
    SENSITIVE_CORRECTIONS,
    SINGLE_HOLDER_ROLES,
    CorrectableField,
    ExternalRole,
    Gender,
    Member,
    MemberCorrection,
    MemberEvent,
    MemberEventKind,
    MemberSpan,
    MemberStatus,
    Participation,
    ParticipationKind,
    Position,
    PositionRole,
)
from coso.members.names import write_name_words
from coso.stats.tally import refresh_days, refresh_derived, refresh_side_rows
from coso.units.models import Unit, UnitKind, UnitSpan
from coso.units.queries import span_on

PROFILE_FIELDS = (
    "card_no",
    "national_id",
    "ethnicity",
    "religion",
    "hometown",
    "residence",
    "education",
    "occupation",
)

# The event that ends a membership decides the status the member is left with.
ENDING_KINDS: dict[str, str] = {
    MemberEventKind.NOT_RECOGNIZE: MemberStatus.NOT_RECOGNIZED,
    MemberEventKind.TRANSFER_OUT_OF_SYSTEM: MemberStatus.TRANSFERRED_OUT,
    MemberEventKind.STRIKE_OFF: MemberStatus.STRUCK_OFF,
    MemberEventKind.EXPEL: MemberStatus.EXPELLED,
    MemberEventKind.LEAVE: MemberStatus.LEFT,
    MemberEventKind.DEATH: MemberStatus.DECEASED,
}

# Regulation 294-QĐ/TW (2025) and its predecessors, point 3.5: readmission is possible after
# these endings; a member who left voluntarily only for special family hardship (3.5.2).
READMITTABLE = (
    MemberStatus.STRUCK_OFF,
    MemberStatus.NOT_RECOGNIZED,
    MemberStatus.EXPELLED,
    MemberStatus.LEFT,
)

# Lazy labels: the exemption form shows them in the reader's language; the event record keeps
# the Vietnamese text (see exempt_member).
EXEMPTION_REASONS = {
    "age": _("tuổi cao, sức khỏe yếu"),
    "health": _("tuổi cao, sức khỏe yếu"),
    "illness": _("ốm đau phải điều trị dài ngày"),
}


# --------------------------------------------------------------------------------------------
# Names


def name_keys(full_name: str) -> tuple[str, str]:
    """(sort_key, search_name): Vietnamese lists sort by the given name (the last word) first,
    in Vietnamese alphabet order; the search form is folded to ASCII."""
    words = unicodedata.normalize("NFC", full_name).split()
    return vietnamese_sort_key(full_name), " ".join(fold(w) for w in words)


# --------------------------------------------------------------------------------------------
# State of a member


def label(status: str) -> str:
    # In the language of the refusal it goes into (the reader's).
    try:
        return str(MemberStatus(status).label)
    except ValueError:
        return status


@dataclass
class MemberState:
    """The member at the end of the recorded history."""

    status: str
    span: MemberSpan | None  # the open span (valid_to = FAR_FUTURE), if in the Party
    last_day: dt.date | None  # nothing may be recorded before this day
    since: dt.date | None  # when the current status began (for messages)


def member_state(member: Member) -> MemberState:
    spans = list(MemberSpan.objects.filter(member=member).order_by("valid_from"))
    events = list(MemberEvent.objects.filter(member=member).order_by("effective_on", "id"))
    days = [s.valid_from for s in spans]
    for e in events:
        days.append(e.effective_on)
        if e.decided_on:
            days.append(e.decided_on)
    last_day = max(days) if days else None
    open_span = spans[-1] if spans and spans[-1].valid_to == FAR_FUTURE else None
    if open_span is not None:
        since = open_span.valid_from
        for earlier in reversed(spans[:-1]):
            if earlier.valid_to != since or earlier.status != open_span.status:
                break
            since = earlier.valid_from
        return MemberState(open_span.status, open_span, last_day, since)
    endings = [e for e in events if e.kind in ENDING_KINDS]
    if endings:
        last = endings[-1]
        return MemberState(ENDING_KINDS[last.kind], None, last_day, last.effective_on)
    if spans:  # ended by an import that carried the status but wrote no event
        status = member.status if member.status not in IN_PARTY else MemberStatus.STRUCK_OFF
        return MemberState(status, None, last_day, spans[-1].valid_to)
    return MemberState(member.status or MemberStatus.CANDIDATE, None, last_day, None)


def status_on(member: Member, day: dt.date) -> str:
    """The member's status on `day`, from the spans and the ending events."""
    span = MemberSpan.objects.filter(member=member, valid_from__lte=day, valid_to__gt=day).first()
    if span is not None:
        return span.status
    ending = (
        MemberEvent.objects.filter(
            member=member, kind__in=list(ENDING_KINDS), effective_on__lte=day
        )
        .order_by("-effective_on", "-id")
        .first()
    )
    readmitted_after = (
        ending is not None
        and MemberSpan.objects.filter(
            member=member, valid_from__gt=ending.effective_on, valid_from__lte=day
        ).exists()
    )
    if ending is not None and not readmitted_after:
        return ENDING_KINDS[ending.kind]
    if MemberSpan.objects.filter(member=member, valid_from__lte=day).exists():
        return member.status if member.status not in IN_PARTY else MemberStatus.STRUCK_OFF
    return MemberStatus.CANDIDATE


def sync_snapshot(member: Member) -> Member:
    """Rewrite the snapshot (status, home, flags) from the span valid today."""
    day = today()
    span = MemberSpan.objects.filter(member=member, valid_from__lte=day, valid_to__gt=day).first()
    if span is not None:
        member.status = span.status
        member.home_unit_id = span.unit_id
        member.exempt = span.exempt
        member.in_transit = span.in_transit
    else:
        member.status = status_on(member, day)
        last = MemberSpan.objects.filter(member=member, valid_from__lte=day).last()
        if last is not None:  # keep the last home so lists can say where the member was
            member.home_unit_id = last.unit_id
        member.exempt = False
        member.in_transit = False
    member.save()
    return member


def _lock(member: Member) -> None:
    """Serialize operations on one member, and work on its stored values."""
    Member.objects.select_for_update().filter(pk=member.pk).values_list("pk").first()
    member.refresh_from_db()


def _refuse(member: Member, state: MemberState, action: str, on: dt.date, why: str = "") -> None:
    since = gettext(" từ ngày %(day)s") % {"day": fmt(state.since)} if state.since else ""
    tail = f" {why}" if why else ""
    raise CosoError(
        gettext(
            "Không thể %(action)s ngày %(on)s cho đảng viên «%(member_id)s» (%(full_name)s): trạng thái hiện tại là «%(status)s»%(since)s.%(tail)s"
        )
        % {
            "action": action,
            "on": fmt(on),
            "member_id": member.member_id,
            "full_name": member.full_name,
            "status": label(state.status),
            "since": since,
            "tail": tail,
        }
    )


def _begin(
    member: Member,
    on: dt.date,
    action: str,
    allowed: Sequence[str],
    *,
    in_transit: bool | None = None,
    exempt: bool | None = None,
) -> MemberState:
    """Lock the member, then refuse out-of-order dates and wrong transitions."""
    _lock(member)
    state = member_state(member)
    if state.last_day is not None and on < state.last_day:
        raise CosoError(
            gettext(
                "Không thể %(action)s ngày %(on)s cho đảng viên «%(member_id)s»: lịch sử đã ghi đến ngày %(last_day)s, thay đổi phải được ghi theo thứ tự ngày."
            )
            % {
                "action": action,
                "on": fmt(on),
                "member_id": member.member_id,
                "last_day": fmt(state.last_day),
            }
        )
    if state.status not in allowed:
        _refuse(member, state, action, on)
    span = state.span
    if span is not None and in_transit is not None and span.in_transit != in_transit:
        why = (
            gettext("Đảng viên đang chuyển sinh hoạt (chưa được nơi đến tiếp nhận).")
            if span.in_transit
            else gettext("Đảng viên không ở trạng thái đang chuyển sinh hoạt.")
        )
        _refuse(member, state, action, on, why)
    if span is not None and exempt is not None and span.exempt != exempt:
        why = (
            gettext("Đảng viên đang được miễn công tác và sinh hoạt.")
            if span.exempt
            else gettext("Đảng viên không được miễn công tác và sinh hoạt.")
        )
        _refuse(member, state, action, on, why)
    return state


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _span_facts(span: MemberSpan | None) -> dict[str, Any] | None:
    if span is None:
        return None
    return {
        "unit": span.unit.code,
        "group": span.group.code if span.group_id and span.group else None,
        "status": span.status,
        "exempt": span.exempt,
        "in_transit": span.in_transit,
        "valid_from": _iso(span.valid_from),
    }


def _event(
    member: Member,
    kind: str,
    *,
    on: dt.date,
    decision: Decision | None,
    decided_on: dt.date | None = None,
    unit: Unit | None = None,
    other_unit: Unit | None = None,
    details: dict[str, Any] | None = None,
) -> MemberEvent:
    if decided_on is None and decision is not None:
        decided_on = decision.signed_on
    return MemberEvent.objects.create(
        kind=kind,
        member=member,
        effective_on=on,
        decided_on=decided_on,
        decision=decision,
        unit=unit,
        other_unit=other_unit,
        details=details or {},
    )


# --------------------------------------------------------------------------------------------
# Spans


def _change(span: MemberSpan, on: dt.date, **changes: Any) -> list[dt.date]:
    """From `on` to the span's end, the member carries `changes`; a span starting that very
    day is corrected in place. Returns the days whose figures changed."""
    if span.valid_from == on:
        for name, value in changes.items():
            setattr(span, name, value)
        span.save()
        return [on, span.valid_to]
    end = span.valid_to
    span.valid_to = on
    span.save(update_fields=["valid_to"])
    values = {
        "member_id": span.member_id,
        "unit_id": span.unit_id,
        "group_id": span.group_id,
        "status": span.status,
        "exempt": span.exempt,
        "in_transit": span.in_transit,
    }
    values.update(changes)
    MemberSpan.objects.create(valid_from=on, valid_to=end, **values)
    return [on, end]


def _close(span: MemberSpan, on: dt.date) -> list[dt.date]:
    """End the membership on `on`. A span opened that same day never took effect: drop it."""
    if span.valid_from == on:
        span.delete()
    else:
        span.valid_to = on
        span.save(update_fields=["valid_to"])
    return [on]


def _end_attachments(member: Member, on: dt.date, action: str) -> dict[str, list[Any]]:
    """A member who leaves the Party holds no post and takes part nowhere from that day."""
    positions = Position.objects.filter(member=member, valid_to__gt=on)
    participations = Participation.objects.filter(member=member, valid_to__gt=on)
    late = [p for p in positions if p.valid_from >= on] + [
        p for p in participations if p.valid_from >= on
    ]
    if late:
        raise CosoError(
            gettext(
                "Không thể %(action)s ngày %(on)s cho đảng viên «%(member_id)s»: có chức vụ hoặc nơi tham gia sinh hoạt bắt đầu từ ngày %(valid_from)s; hãy kết thúc chúng trước."
            )
            % {
                "action": action,
                "on": fmt(on),
                "member_id": member.member_id,
                "valid_from": fmt(late[0].valid_from),
            }
        )
    ended_positions = [
        {"unit": p.unit.code, "role": p.role, "from": _iso(p.valid_from)} for p in positions
    ]
    ended_participations = [
        {"unit": p.unit.code, "kind": p.kind, "from": _iso(p.valid_from)} for p in participations
    ]
    positions.update(valid_to=on)
    participations.update(valid_to=on)
    return {"positions_ended": ended_positions, "participations_ended": ended_participations}


# --------------------------------------------------------------------------------------------
# Checks on units and people


def _home_span(unit: Unit, on: dt.date, member_id: str) -> UnitSpan:
    span = span_on(unit, on)
    home_kinds = rule("unit_kinds.home_kinds", on)
    if span.kind not in home_kinds:
        raise CosoError(
            gettext(
                "Đảng viên «%(member_id)s»: đơn vị «%(code)s» (%(name)s) là loại «%(kind)s» vào ngày %(on)s, không phải chi bộ (chỉ: %(home_kinds)s)."
            )
            % {
                "member_id": member_id,
                "code": unit.code,
                "name": span.name,
                "kind": span.kind,
                "on": fmt(on),
                "home_kinds": ", ".join(home_kinds),
            }
        )
    return span


def _check_group(group: Unit | None, branch: Unit, on: dt.date, member_id: str) -> None:
    if group is None:
        return
    span = span_on(group, on)
    if span.kind != UnitKind.GROUP or span.parent_id != branch.pk:
        raise CosoError(
            gettext(
                "Đảng viên «%(member_id)s»: «%(code)s» không phải tổ đảng thuộc chi bộ «%(code2)s» vào ngày %(on)s."
            )
            % {"member_id": member_id, "code": group.code, "code2": branch.code, "on": fmt(on)}
        )


def age_months(birth_date: dt.date, on: dt.date) -> int:
    """Completed months of age on `on` (the Party counts age by months)."""
    months = (on.year - birth_date.year) * 12 + (on.month - birth_date.month)
    if add_months(birth_date, months) > on:
        months -= 1
    return months


def _check_admission_age(
    member_id: str,
    birth_date: dt.date,
    on: dt.date,
    allow_over_age_decision: Decision | None,
) -> dict[str, Any]:
    """HD 01-HD/TW 2021 / QĐ 24 point 1: from full 18 to full 60 years of age, counted in months;
    over 60 only by decision of a committee directly under the Central Committee."""
    min_age = rule("charter.admission_min_age", on)
    max_age = rule("charter.admission_max_age", on)
    months = age_months(birth_date, on)
    years, rest = divmod(months, 12)
    if months < min_age * 12:
        raise CosoError(
            gettext(
                "Không thể kết nạp «%(member_id)s» ngày %(on)s: %(years)s tuổi %(rest)s tháng, chưa đủ %(min_age)s tuổi."
            )
            % {
                "member_id": member_id,
                "on": fmt(on),
                "years": years,
                "rest": rest,
                "min_age": min_age,
            }
        )
    if months > max_age * 12:
        if allow_over_age_decision is None:
            raise CosoError(
                gettext(
                    "Không thể kết nạp «%(member_id)s» ngày %(on)s: %(years)s tuổi %(rest)s tháng, quá %(max_age)s tuổi; cần quyết định của cấp ủy trực thuộc Trung ương (allow_over_age_decision)."
                )
                % {
                    "member_id": member_id,
                    "on": fmt(on),
                    "years": years,
                    "rest": rest,
                    "max_age": max_age,
                }
            )
        return {"over_age": True, "over_age_decision": str(allow_over_age_decision)}
    return {}


def _check_introducers(
    member_id: str,
    introducers: Sequence[Member],
    on: dt.date,
    introduced_by_youth_union: bool,
) -> dict[str, Any]:
    if not introducers:
        return {}
    # Charter art. 4: two official members, or the Youth Union committee and one official member.
    wanted = 1 if introduced_by_youth_union else 2
    ids = {m.pk for m in introducers}
    if len(introducers) != wanted or len(ids) != wanted:
        raise CosoError(
            gettext(
                "Không thể kết nạp «%(member_id)s» ngày %(on)s: cần đúng %(wanted)s đảng viên chính thức khác nhau giới thiệu, đã cho %(n_introducers)s."
            )
            % {
                "member_id": member_id,
                "on": fmt(on),
                "wanted": wanted,
                "n_introducers": len(introducers),
            }
        )
    official = set(
        MemberSpan.objects.filter(
            member_id__in=ids,
            status=MemberStatus.OFFICIAL,
            valid_from__lte=on,
            valid_to__gt=on,
        ).values_list("member_id", flat=True)
    )
    for intro in introducers:
        if intro.pk not in official or intro.member_id == member_id:
            raise CosoError(
                gettext(
                    "Không thể kết nạp «%(member_id)s» ngày %(on)s: người giới thiệu «%(member_id2)s» (%(full_name)s) không phải đảng viên chính thức vào ngày đó."
                )
                % {
                    "member_id": member_id,
                    "on": fmt(on),
                    "member_id2": intro.member_id,
                    "full_name": intro.full_name,
                }
            )
    return {
        "introducers": [m.member_id for m in introducers],
        "introduced_by_youth_union": introduced_by_youth_union,
        # The 12 months of working or living together are attested on paper, not recorded here.
        "introducers_12_months_checked": False,
    }


def _check_ceremony(member_id: str, admitted_on: dt.date, ceremony_on: dt.date) -> dict[str, Any]:
    limit_days = rule("charter.admission_ceremony_working_days", admitted_on)
    limit = add_working_days(admitted_on, limit_days)
    if ceremony_on < admitted_on or ceremony_on > limit:
        raise CosoError(
            gettext(
                "Không thể kết nạp «%(member_id)s»: lễ kết nạp ngày %(ceremony_on)s phải từ ngày quyết định %(admitted_on)s đến hạn %(limit)s (%(limit_days)s ngày làm việc)."
            )
            % {
                "member_id": member_id,
                "ceremony_on": fmt(ceremony_on),
                "admitted_on": fmt(admitted_on),
                "limit": fmt(limit),
                "limit_days": limit_days,
            }
        )
    return {"ceremony_on": _iso(ceremony_on), "ceremony_deadline": _iso(limit)}


def _check_decision_date(member_id: str, decision: Decision | None, admitted_on: dt.date) -> None:
    if decision is not None and decision.signed_on and decision.signed_on != admitted_on:
        raise CosoError(
            gettext(
                "Không thể kết nạp «%(member_id)s»: quyết định %(number)s ký ngày %(signed_on)s nhưng ngày kết nạp ghi %(admitted_on)s."
            )
            % {
                "member_id": member_id,
                "number": decision.number,
                "signed_on": fmt(decision.signed_on),
                "admitted_on": fmt(admitted_on),
            }
        )


def _apply_profile(member: Member, profile: dict[str, Any]) -> None:
    unknown = set(profile) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown member fields: {', '.join(sorted(unknown))}")
    for name, value in profile.items():
        value = (value or "").strip() if isinstance(value, str) or value is None else value
        if name == "card_no":
            value = value or None
        setattr(member, name, value)


def _identity(
    member: Member, member_id: str, full_name: str, gender: str, birth_date: dt.date
) -> None:
    if gender not in Gender.values:
        raise CosoError(
            gettext(
                "Đảng viên «%(member_id)s»: giới tính «%(gender)s» không hợp lệ (male hoặc female)."
            )
            % {"member_id": member_id, "gender": gender}
        )
    full_name = unicodedata.normalize("NFC", " ".join(full_name.split()))
    if not full_name:
        raise CosoError(
            gettext("Đảng viên «%(member_id)s»: họ tên trống.") % {"member_id": member_id}
        )
    member.full_name = full_name
    member.sort_key, member.search_name = name_keys(full_name)
    member.gender = gender
    member.birth_date = birth_date


# --------------------------------------------------------------------------------------------
# Admission


@transaction.atomic
def create_candidate(
    *,
    member_id: str,
    full_name: str,
    gender: str,
    birth_date: dt.date,
    branch: Unit | None = None,
    **profile: Any,
) -> Member:
    """A person the branch is considering for admission (đối tượng kết nạp); no span."""
    member_id = member_id.strip()
    if not member_id:
        raise CosoError(gettext("Số lý lịch (member_id) trống."))
    if Member.objects.filter(member_id=member_id).exists():
        # The same words whether the id is in the caller's branch or elsewhere in the country.
        raise CosoError(member_id_unusable(member_id))
    member = Member(member_id=member_id, status=MemberStatus.CANDIDATE, home_unit=branch)
    _identity(member, member_id, full_name, gender, birth_date)
    _apply_profile(member, profile)
    member.save()
    write_name_words([member])
    return member


def member_id_unusable(member_id: str) -> str:
    return gettext(
        "Số lý lịch «%(member_id)s» không dùng được để kết nạp mới "
        "(người đã từng vào Đảng thì dùng kết nạp lại)."
    ) % {"member_id": member_id}


def _check_card_free(member: Member) -> None:
    """A card number is the person's for life: refuse one already given, before the insert
    (the unique constraint stays as the last guard)."""
    card_no = member.card_no
    if card_no and Member.objects.filter(card_no=card_no).exclude(pk=member.pk).exists():
        raise CosoError(
            gettext(
                "Đảng viên «%(member_id)s»: số thẻ đảng viên «%(card_no)s» đã được cấp cho người khác."
            )
            % {"member_id": member.member_id, "card_no": card_no}
        )


@transaction.atomic
def admit_member(
    *,
    member_id: str,
    full_name: str,
    gender: str,
    birth_date: dt.date,
    branch: Unit,
    admitted_on: dt.date,
    ceremony_on: dt.date | None = None,
    decision: Decision | None = None,
    group: Unit | None = None,
    introducers: Sequence[Member] = (),
    introduced_by_youth_union: bool = False,
    allow_over_age_decision: Decision | None = None,
    **profile: Any,
) -> Member:
    """Admit a member on probation from the ceremony (default: the decision day).

    `admitted_on` is the date of the admission decision; Party age counts from it.
    """
    member_id = member_id.strip()
    if not member_id:
        raise CosoError(gettext("Số lý lịch (member_id) trống."))
    ceremony_on = ceremony_on or admitted_on
    member = Member.objects.filter(member_id=member_id).first()
    if member is not None:
        _lock(member)
        # One answer whoever the id belongs to, so that a branch does not learn from it who is
        # on the register elsewhere: only a candidate of this branch (or of none) is admitted.
        if (
            member.status != MemberStatus.CANDIDATE
            or member.home_unit_id not in (None, branch.pk)
            or MemberSpan.objects.filter(member=member).exists()
        ):
            raise CosoError(member_id_unusable(member_id))
        _begin(member, ceremony_on, gettext("kết nạp"), [MemberStatus.CANDIDATE])
    else:
        member = Member(member_id=member_id, status=MemberStatus.CANDIDATE)
    _identity(member, member_id, full_name, gender, birth_date)
    _apply_profile(member, profile)
    _check_card_free(member)
    _check_decision_date(member_id, decision, admitted_on)
    details = _check_admission_age(member_id, birth_date, admitted_on, allow_over_age_decision)
    _home_span(branch, admitted_on, member_id)
    _home_span(branch, ceremony_on, member_id)
    _check_group(group, branch, ceremony_on, member_id)
    details |= _check_ceremony(member_id, admitted_on, ceremony_on)
    details |= _check_introducers(member_id, introducers, admitted_on, introduced_by_youth_union)
    member.first_admitted_on = admitted_on
    member.admitted_on = admitted_on
    member.probation_from = ceremony_on
    member.official_on = None
    member.ended_on = None
    member.home_unit = branch
    member.save()
    write_name_words([member])
    MemberSpan.objects.create(
        member=member,
        unit=branch,
        group=group,
        status=MemberStatus.PROBATIONARY,
        valid_from=ceremony_on,
    )
    _event(
        member,
        MemberEventKind.ADMIT,
        on=ceremony_on,
        decision=decision,
        decided_on=admitted_on,
        unit=branch,
        other_unit=group,
        details=details,
    )
    refresh_days([ceremony_on], units=[branch.pk])
    return sync_snapshot(member)


@transaction.atomic
def readmit_member(
    member: Member,
    *,
    admitted_on: dt.date,
    branch: Unit,
    ceremony_on: dt.date | None = None,
    decision: Decision | None = None,
    group: Unit | None = None,
    family_hardship: bool = False,
    allow_over_age_decision: Decision | None = None,
) -> Member:
    """Readmit a former member, once, on probation again (QĐ 294-QĐ/TW point 3.5)."""
    ceremony_on = ceremony_on or admitted_on
    state = _begin(member, admitted_on, gettext("kết nạp lại"), READMITTABLE)
    allowed = rule("charter.readmissions_allowed", admitted_on)
    if member.readmissions >= allowed:
        _refuse(
            member,
            state,
            gettext("kết nạp lại"),
            admitted_on,
            gettext("Chỉ được kết nạp lại %(allowed)s lần và đã kết nạp lại %(readmissions)s lần.")
            % {"allowed": allowed, "readmissions": member.readmissions},
        )
    if state.status == MemberStatus.LEFT and not family_hardship:
        _refuse(
            member,
            state,
            gettext("kết nạp lại"),
            admitted_on,
            gettext(
                "Người xin ra khỏi Đảng không được xem xét kết nạp lại, trừ trường hợp vì lý do gia đình đặc biệt khó khăn (family_hardship)."
            ),
        )
    min_months = rule("readmission.min_months_out", admitted_on)
    left_on = state.since or admitted_on
    if admitted_on < add_months(left_on, min_months):
        _refuse(
            member,
            state,
            gettext("kết nạp lại"),
            admitted_on,
            gettext("Phải ra khỏi Đảng ít nhất %(min_months)s tháng (sớm nhất ngày %(value)s).")
            % {"min_months": min_months, "value": fmt(add_months(left_on, min_months))},
        )
    _check_decision_date(member.member_id, decision, admitted_on)
    details = _check_admission_age(
        member.member_id, member.birth_date, admitted_on, allow_over_age_decision
    )
    _home_span(branch, admitted_on, member.member_id)
    _home_span(branch, ceremony_on, member.member_id)
    _check_group(group, branch, ceremony_on, member.member_id)
    details |= _check_ceremony(member.member_id, admitted_on, ceremony_on)
    details |= {
        "previous_status": state.status,
        "out_of_party_since": _iso(state.since),
        "family_hardship": family_hardship,
    }
    MemberSpan.objects.create(
        member=member,
        unit=branch,
        group=group,
        status=MemberStatus.PROBATIONARY,
        valid_from=ceremony_on,
    )
    _event(
        member,
        MemberEventKind.READMIT,
        on=ceremony_on,
        decision=decision,
        decided_on=admitted_on,
        unit=branch,
        other_unit=group,
        details=details,
    )
    member.admitted_on = admitted_on
    member.probation_from = ceremony_on
    member.official_on = None
    member.ended_on = None
    member.readmissions += 1
    member.home_unit = branch
    refresh_days([ceremony_on], units=[branch.pk])
    return sync_snapshot(member)


# --------------------------------------------------------------------------------------------
# Probation


def probation_start(member: Member, state: MemberState) -> dt.date:
    """The ceremony day of the current admission (imports may not have recorded it)."""
    if member.probation_from and (state.since is None or member.probation_from >= state.since):
        return member.probation_from
    assert state.since is not None
    return state.since


def probation_end(member: Member) -> dt.date:
    """The day the member becomes official if recognized: 12 months after the ceremony."""
    state = member_state(member)
    start = probation_start(member, state)
    return add_months(start, rule("charter.probation_months", start))


def _check_probation_over(
    member: Member, state: MemberState, decided_on: dt.date, action: str
) -> tuple[dt.date, dt.date]:
    start = probation_start(member, state)
    months = rule("charter.probation_months", start)
    end = add_months(start, months)
    if decided_on < end:
        _refuse(
            member,
            state,
            action,
            decided_on,
            gettext(
                "Thời gian dự bị %(months)s tháng tính từ ngày %(start)s chưa hết (hết vào ngày %(end)s)."
            )
            % {"months": months, "start": fmt(start), "end": fmt(end)},
        )
    return start, end


@transaction.atomic
def recognize_member(
    member: Member, *, decided_on: dt.date, decision: Decision | None = None
) -> Member:
    """Official from the day the probation ends, even when the vote comes later (Charter art. 5)."""
    state = _begin(
        member, decided_on, gettext("công nhận đảng viên chính thức"), [MemberStatus.PROBATIONARY]
    )
    start, end = _check_probation_over(
        member, state, decided_on, gettext("công nhận đảng viên chính thức")
    )
    window = rule("charter.recognition_window_working_days", end)
    late_by = working_days_between(end, decided_on)
    touched: list[dt.date] = []
    changed: set[int] = set()
    # The vote is retroactive: every span of this probation from `end` on becomes official.
    for span in MemberSpan.objects.filter(member=member, valid_to__gt=end).order_by("valid_from"):
        changed.add(span.unit_id)
        if span.valid_from < end:
            touched += _change(span, end, status=MemberStatus.OFFICIAL)
        else:
            span.status = MemberStatus.OFFICIAL
            span.save(update_fields=["status"])
            touched += [span.valid_from, span.valid_to]
    home = MemberSpan.objects.filter(member=member, valid_to=FAR_FUTURE).first()
    _event(
        member,
        MemberEventKind.RECOGNIZE,
        on=end,
        decision=decision,
        decided_on=decided_on,
        unit=home.unit if home else None,
        details={
            "probation_from": _iso(start),
            "official_from": _iso(end),
            "working_days_after_probation": late_by,
            "window_working_days": window,
            "late": late_by > window,
        },
    )
    member.official_on = end
    refresh_days(touched, units=changed)
    return sync_snapshot(member)


@transaction.atomic
def reject_recognition(
    member: Member, *, decided_on: dt.date, decision: Decision | None = None
) -> Member:
    """Not recognized at the end of probation: struck from the probationary list."""
    action = gettext("xóa tên khỏi danh sách đảng viên dự bị")
    state = _begin(member, decided_on, action, [MemberStatus.PROBATIONARY])
    start, end = _check_probation_over(member, state, decided_on, action)
    assert state.span is not None
    unit = state.span.unit
    details: dict[str, Any] = {"probation_from": _iso(start), "probation_end": _iso(end)}
    details |= _end_attachments(member, decided_on, action)
    touched = _close(state.span, decided_on)
    _event(
        member,
        MemberEventKind.NOT_RECOGNIZE,
        on=decided_on,
        decision=decision,
        decided_on=decided_on,
        unit=unit,
        details=details,
    )
    member.ended_on = decided_on
    refresh_days(touched, units=[unit.pk])
    return sync_snapshot(member)


# --------------------------------------------------------------------------------------------
# Transfers


def _open_temporary(member: Member) -> Participation | None:
    return Participation.objects.filter(
        member=member, kind=ParticipationKind.TEMPORARY, valid_to=FAR_FUTURE
    ).first()


@transaction.atomic
def transfer_out(
    member: Member,
    *,
    on: dt.date,
    to_unit: Unit | None = None,
    decision: Decision | None = None,
) -> Member:
    """Official transfer sent: in transit, still counted by the sending branch until received."""
    action = gettext("chuyển sinh hoạt đảng chính thức")
    state = _begin(member, on, action, IN_PARTY, in_transit=False)
    if _open_temporary(member) is not None:
        _refuse(
            member, state, action, on, gettext("Đảng viên đang sinh hoạt tạm thời: kết thúc trước.")
        )
    assert state.span is not None
    sender = state.span.unit
    deadline_days = rule("transfer.present_letter_working_days", on)
    before = _span_facts(state.span)
    touched = _change(state.span, on, in_transit=True, group_id=None)
    _event(
        member,
        MemberEventKind.TRANSFER_OUT,
        on=on,
        decision=decision,
        unit=sender,
        other_unit=to_unit,
        details={
            "before": before,
            "present_letter_by": _iso(add_working_days(on, deadline_days)),
            "present_letter_working_days": deadline_days,
        },
    )
    refresh_days(touched, units=[sender.pk])
    return sync_snapshot(member)


@transaction.atomic
def receive_member(
    member: Member,
    *,
    on: dt.date,
    branch: Unit,
    decision: Decision | None = None,
    group: Unit | None = None,
) -> Member:
    """The receiving branch takes the member in; a late letter is recorded, not refused."""
    action = gettext("tiếp nhận sinh hoạt đảng")
    state = _begin(member, on, action, IN_PARTY, in_transit=True)
    assert state.span is not None
    _home_span(branch, on, member.member_id)
    _check_group(group, branch, on, member.member_id)
    sent = (
        MemberEvent.objects.filter(member=member, kind=MemberEventKind.TRANSFER_OUT)
        .order_by("-effective_on", "-id")
        .first()
    )
    sent_on = sent.effective_on if sent else state.span.valid_from
    limit = rule("transfer.present_letter_working_days", sent_on)
    taken = working_days_between(sent_on, on)
    details: dict[str, Any] = {
        "sent_on": _iso(sent_on),
        "working_days_in_transit": taken,
        "present_letter_working_days": limit,
        "late": taken > limit,
    }
    if sent is not None and sent.other_unit_id and sent.other_unit_id != branch.pk:
        details["announced_destination"] = sent.other_unit.code if sent.other_unit else None
    sender = state.span.unit
    details["before"] = _span_facts(state.span)
    # Taking part in the new home branch is now plain membership there.
    ended = Participation.objects.filter(member=member, unit=branch, valid_to__gt=on)
    details["participations_ended"] = [p.kind for p in ended]
    ended.filter(valid_from__lt=on).update(valid_to=on)
    ended.filter(valid_from__gte=on).delete()
    touched = _change(
        state.span, on, unit_id=branch.pk, group_id=group.pk if group else None, in_transit=False
    )
    _event(
        member,
        MemberEventKind.RECEIVE,
        on=on,
        decision=decision,
        unit=branch,
        other_unit=sender,
        details=details,
    )
    member.home_unit = branch
    refresh_days(touched, units=[sender.pk, branch.pk])
    return sync_snapshot(member)


@transaction.atomic
def start_temporary_transfer(
    member: Member, *, on: dt.date, host_unit: Unit, decision: Decision | None = None
) -> Participation:
    """Temporary transfer: the home branch keeps and counts the member; the host manages them."""
    action = gettext("chuyển sinh hoạt tạm thời")
    state = _begin(member, on, action, IN_PARTY, in_transit=False)
    assert state.span is not None
    if _open_temporary(member) is not None:
        _refuse(
            member, state, action, on, gettext("Đảng viên đã đang sinh hoạt tạm thời ở nơi khác.")
        )
    _home_span(host_unit, on, member.member_id)
    if host_unit.pk == state.span.unit_id:
        _refuse(
            member,
            state,
            action,
            on,
            gettext("«%(code)s» là chi bộ nơi sinh hoạt chính thức.") % {"code": host_unit.code},
        )
    participation = Participation.objects.create(
        member=member, unit=host_unit, kind=ParticipationKind.TEMPORARY, valid_from=on
    )
    _event(
        member,
        MemberEventKind.TEMPORARY_TRANSFER,
        on=on,
        decision=decision,
        unit=state.span.unit,
        other_unit=host_unit,
        details={"participation": participation.pk},
    )
    refresh_side_rows([member.pk])
    sync_snapshot(member)
    return participation


@transaction.atomic
def end_temporary_transfer(
    member: Member, *, on: dt.date, decision: Decision | None = None
) -> Member:
    action = gettext("kết thúc sinh hoạt tạm thời")
    state = _begin(member, on, action, IN_PARTY)
    temporary = _open_temporary(member)
    if temporary is None:
        _refuse(member, state, action, on, gettext("Đảng viên không sinh hoạt tạm thời ở đâu."))
    assert temporary is not None
    if on <= temporary.valid_from:
        _refuse(
            member,
            state,
            action,
            on,
            gettext("Sinh hoạt tạm thời bắt đầu ngày %(valid_from)s.")
            % {"valid_from": fmt(temporary.valid_from)},
        )
    temporary.valid_to = on
    temporary.save(update_fields=["valid_to"])
    _event(
        member,
        MemberEventKind.TEMPORARY_RETURN,
        on=on,
        decision=decision,
        unit=state.span.unit if state.span else None,
        other_unit=temporary.unit,
        details={"participation": temporary.pk, "from": _iso(temporary.valid_from)},
    )
    refresh_side_rows([member.pk])
    return sync_snapshot(member)


# --------------------------------------------------------------------------------------------
# Exemption


@transaction.atomic
def exempt_member(
    member: Member,
    *,
    on: dt.date,
    reason: str,
    decision: Decision | None = None,
    illness_months: int | None = None,
) -> Member:
    """Exempt from work and activities (HD 12-HD/BTCTW 2022; QĐ 294-QĐ/TW 2025).

    `age`/`health`: men from 60, women from 55, in weak health (the health is the branch's
    judgement); `illness`: treatment of at least 3 months (`illness_months` when known).
    """
    action = gettext("miễn công tác và sinh hoạt đảng")
    state = _begin(member, on, action, IN_PARTY, in_transit=False, exempt=False)
    assert state.span is not None
    if reason not in EXEMPTION_REASONS:
        raise CosoError(
            gettext(
                "Đảng viên «%(member_id)s»: lý do miễn «%(reason)s» không hợp lệ (dùng: %(exemption_reasons)s)."
            )
            % {
                "member_id": member.member_id,
                "reason": reason,
                "exemption_reasons": ", ".join(EXEMPTION_REASONS),
            }
        )
    with translation.override("vi"):
        reason_text = str(EXEMPTION_REASONS[reason])
    details: dict[str, Any] = {"reason": reason, "reason_text": reason_text}
    if reason in ("age", "health"):
        key = "men_min_age" if member.gender == Gender.MALE else "women_min_age"
        min_age = rule(f"exemption.{key}", on)
        years = age_months(member.birth_date, on) // 12
        if years < min_age:
            _refuse(
                member,
                state,
                action,
                on,
                gettext(
                    "Miễn vì tuổi cao, sức khỏe yếu cần từ %(min_age)s tuổi (%(value)s); đảng viên mới %(years)s tuổi."
                )
                % {
                    "min_age": min_age,
                    "value": gettext("nam") if member.gender == Gender.MALE else gettext("nữ"),
                    "years": years,
                },
            )
        details["age"] = years
    else:
        min_months = rule("exemption.illness_min_months", on)
        if illness_months is not None and illness_months < min_months:
            _refuse(
                member,
                state,
                action,
                on,
                gettext(
                    "Miễn vì ốm đau cần thời gian điều trị từ %(min_months)s tháng (ghi %(illness_months)s)."
                )
                % {"min_months": min_months, "illness_months": illness_months},
            )
        details["illness_months"] = illness_months
    details["before"] = _span_facts(state.span)
    touched = _change(state.span, on, exempt=True)
    _event(
        member,
        MemberEventKind.EXEMPT,
        on=on,
        decision=decision,
        unit=state.span.unit,
        details=details,
    )
    refresh_days(touched, units=[state.span.unit_id])
    return sync_snapshot(member)


@transaction.atomic
def return_from_exemption(
    member: Member, *, on: dt.date, decision: Decision | None = None
) -> Member:
    action = gettext("trở lại công tác và sinh hoạt đảng")
    state = _begin(member, on, action, IN_PARTY, in_transit=False, exempt=True)
    assert state.span is not None
    before = _span_facts(state.span)
    touched = _change(state.span, on, exempt=False)
    _event(
        member,
        MemberEventKind.RETURN_FROM_EXEMPTION,
        on=on,
        decision=decision,
        unit=state.span.unit,
        details={"before": before},
    )
    refresh_days(touched, units=[state.span.unit_id])
    return sync_snapshot(member)


# --------------------------------------------------------------------------------------------
# Endings


def _end_membership(
    member: Member,
    *,
    on: dt.date,
    kind: str,
    action: str,
    allowed: Sequence[str],
    decision: Decision | None,
    details: dict[str, Any],
    why_refused: str = "",
) -> Member:
    state = _begin(member, on, action, IN_PARTY)
    if state.status not in allowed:
        _refuse(member, state, action, on, why_refused)
    assert state.span is not None
    unit = state.span.unit
    details = details | {"status_before": state.status}
    details |= _end_attachments(member, on, action)
    touched = _close(state.span, on)
    _event(member, kind, on=on, decision=decision, unit=unit, details=details)
    member.ended_on = on
    refresh_days(touched, units=[state.span.unit_id])
    return sync_snapshot(member)


@transaction.atomic
def strike_off(
    member: Member, *, on: dt.date, reason: str, decision: Decision | None = None
) -> Member:
    """Xóa tên (Charter art. 8), for official and probationary members alike."""
    if not reason.strip():
        raise CosoError(
            gettext("Đảng viên «%(member_id)s»: cần ghi lý do xóa tên.")
            % {"member_id": member.member_id}
        )
    return _end_membership(
        member,
        on=on,
        kind=MemberEventKind.STRIKE_OFF,
        action=gettext("xóa tên"),
        allowed=IN_PARTY,
        decision=decision,
        details={"reason": reason.strip()},
    )


@transaction.atomic
def expel_member(member: Member, *, on: dt.date, decision: Decision | None = None) -> Member:
    """Khai trừ: a discipline for official members only (Charter art. 35)."""
    return _end_membership(
        member,
        on=on,
        kind=MemberEventKind.EXPEL,
        action=gettext("khai trừ"),
        allowed=[MemberStatus.OFFICIAL],
        decision=decision,
        details={},
        why_refused=gettext(
            "Đảng viên dự bị chỉ bị kỷ luật khiển trách hoặc cảnh cáo (Điều lệ Đảng, điều 35); "
            "nếu không đủ tư cách thì xóa tên khỏi danh sách đảng viên dự bị."
        ),
    )


@transaction.atomic
def record_leaving(member: Member, *, on: dt.date, decision: Decision | None = None) -> Member:
    return _end_membership(
        member,
        on=on,
        kind=MemberEventKind.LEAVE,
        action=gettext("ghi nhận xin ra khỏi Đảng"),
        allowed=IN_PARTY,
        decision=decision,
        details={},
    )


@transaction.atomic
def record_death(member: Member, *, on: dt.date) -> Member:
    return _end_membership(
        member,
        on=on,
        kind=MemberEventKind.DEATH,
        action=gettext("ghi nhận từ trần"),
        allowed=IN_PARTY,
        decision=None,
        details={},
    )


@transaction.atomic
def transfer_out_of_system(
    member: Member, *, on: dt.date, decision: Decision | None = None
) -> Member:
    """The member goes to a Party organization this registry does not hold."""
    return _end_membership(
        member,
        on=on,
        kind=MemberEventKind.TRANSFER_OUT_OF_SYSTEM,
        action=gettext("chuyển ra ngoài hệ thống"),
        allowed=IN_PARTY,
        decision=decision,
        details={},
    )


# --------------------------------------------------------------------------------------------
# Groups, positions, external roles, participation


@transaction.atomic
def change_group(
    member: Member, *, on: dt.date, group: Unit | None, decision: Decision | None = None
) -> Member:
    action = gettext("chuyển tổ đảng")
    state = _begin(member, on, action, IN_PARTY, in_transit=False)
    assert state.span is not None
    branch = state.span.unit
    _check_group(group, branch, on, member.member_id)
    before = state.span.group.code if state.span.group else None
    touched = _change(state.span, on, group_id=group.pk if group else None)
    _event(
        member,
        MemberEventKind.CHANGE_GROUP,
        on=on,
        decision=decision,
        unit=branch,
        other_unit=group,
        details={"group_before": before, "group_after": group.code if group else None},
    )
    refresh_days(touched, units=[state.span.unit_id])
    return sync_snapshot(member)


def _member_span_on(member: Member, on: dt.date) -> MemberSpan | None:
    return MemberSpan.objects.filter(member=member, valid_from__lte=on, valid_to__gt=on).first()


def _require_still_member(member: Member, on: dt.date, what: str) -> MemberSpan:
    """An open-ended post or participation must not outlive the membership."""
    span = _member_span_on(member, on)
    still = MemberSpan.objects.filter(member=member, valid_to=FAR_FUTURE).exists()
    if span is None or not still:
        state = member_state(member)
        _refuse(member, state, what, on, gettext("Chỉ đảng viên đang trong Đảng mới được ghi."))
    assert span is not None
    return span


@transaction.atomic
def assign_position(
    member: Member,
    unit: Unit,
    role: str,
    *,
    on: dt.date,
    decision: Decision | None = None,
) -> Position:
    """A post in a unit's committee; the unit need not be the member's home (border guards)."""
    _lock(member)
    if role not in PositionRole.values:
        raise CosoError(
            gettext("Chức vụ «%(role)s» không hợp lệ (các chức vụ: %(values)s).")
            % {"role": role, "values": ", ".join(PositionRole.values)}
        )
    role_label = str(PositionRole(role).label)
    what = gettext("giao chức vụ «%(role)s» ở «%(code)s»") % {"role": role_label, "code": unit.code}
    span = _require_still_member(member, on, what)
    if span.status != MemberStatus.OFFICIAL:
        # Charter art. 5: probationary members may not stand for Party leadership bodies.
        _refuse(
            member, member_state(member), what, on, gettext("Đảng viên dự bị không được ứng cử.")
        )
    unit_span = span_on(unit, on)
    if (unit_span.kind == UnitKind.GROUP) != (role in GROUP_ROLES):
        raise CosoError(
            gettext(
                "Không thể giao chức vụ «%(role_label)s» ở «%(code)s» (%(kind)s) ngày %(on)s cho «%(member_id)s»: chức vụ tổ đảng chỉ có ở tổ đảng."
            )
            % {
                "role_label": role_label,
                "code": unit.code,
                "kind": unit_span.kind,
                "on": fmt(on),
                "member_id": member.member_id,
            }
        )
    current = Position.objects.filter(unit=unit, role=role, valid_to__gt=on)
    if current.filter(member=member).exists():
        raise CosoError(
            gettext(
                "Đảng viên «%(member_id)s» đã giữ chức vụ «%(role_label)s» ở «%(code)s» vào ngày %(on)s."
            )
            % {
                "member_id": member.member_id,
                "role_label": role_label,
                "code": unit.code,
                "on": fmt(on),
            }
        )
    if role in SINGLE_HOLDER_ROLES:
        holder = current.filter(valid_from__lte=on).select_related("member").first()
        if holder is not None:
            raise CosoError(
                gettext(
                    "Không thể giao chức vụ «%(role_label)s» ở «%(code)s» ngày %(on)s cho «%(member_id)s»: «%(member_id2)s» đang giữ chức vụ này; kết thúc chức vụ đó trước."
                )
                % {
                    "role_label": role_label,
                    "code": unit.code,
                    "on": fmt(on),
                    "member_id": member.member_id,
                    "member_id2": holder.member.member_id,
                }
            )
    position = Position.objects.create(
        member=member, unit=unit, role=role, valid_from=on, decision=decision
    )
    refresh_derived([on])  # the home page's "no secretary"
    refresh_side_rows([member.pk])
    return position


@transaction.atomic
def end_position(position: Position, *, on: dt.date) -> Position:
    _check_end(
        position.valid_from,
        position.valid_to,
        on,
        gettext("chức vụ ở «%(code)s»") % {"code": position.unit.code},
    )
    position.valid_to = on
    position.save(update_fields=["valid_to"])
    refresh_derived([on])
    refresh_side_rows([position.member_id])
    return position


def _check_end(valid_from: dt.date, valid_to: dt.date, on: dt.date, what: str) -> None:
    if valid_to != FAR_FUTURE:
        raise CosoError(
            gettext("Không thể kết thúc %(what)s ngày %(on)s: đã kết thúc ngày %(valid_to)s.")
            % {"what": what, "on": fmt(on), "valid_to": fmt(valid_to)}
        )
    if on <= valid_from:
        raise CosoError(
            gettext("Không thể kết thúc %(what)s ngày %(on)s: bắt đầu ngày %(valid_from)s.")
            % {"what": what, "on": fmt(on), "valid_from": fmt(valid_from)}
        )


@transaction.atomic
def add_external_role(
    member: Member,
    *,
    title: str,
    body: str = "",
    unit: Unit | None = None,
    on: dt.date,
) -> ExternalRole:
    """A role outside the Party (e.g. People's Council delegate); never a membership."""
    if not title.strip():
        raise CosoError(
            gettext("Đảng viên «%(member_id)s»: tên vai trò trống.")
            % {"member_id": member.member_id}
        )
    if unit is not None:
        span_on(unit, on)
    role = ExternalRole.objects.create(
        member=member, title=title.strip(), body=body.strip(), unit=unit, valid_from=on
    )
    refresh_side_rows([member.pk])
    return role


@transaction.atomic
def end_external_role(role: ExternalRole, *, on: dt.date) -> ExternalRole:
    _check_end(
        role.valid_from, role.valid_to, on, gettext("vai trò «%(title)s»") % {"title": role.title}
    )
    role.valid_to = on
    role.save(update_fields=["valid_to"])
    refresh_side_rows([role.member_id])
    return role


@transaction.atomic
def add_participation(
    member: Member, unit: Unit, kind: str, *, on: dt.date, note: str = ""
) -> Participation:
    """Taking part in a unit other than the home branch; never counted as membership there."""
    _lock(member)
    if kind not in ParticipationKind.values:
        raise CosoError(
            gettext("Hình thức tham gia «%(kind)s» không hợp lệ (dùng: %(values)s).")
            % {"kind": kind, "values": ", ".join(ParticipationKind.values)}
        )
    what = gettext("ghi tham gia sinh hoạt ở «%(code)s»") % {"code": unit.code}
    if kind == ParticipationKind.TEMPORARY:
        raise CosoError(
            gettext(
                "Không thể %(what)s cho «%(member_id)s»: sinh hoạt tạm thời được ghi bằng thao tác chuyển sinh hoạt tạm thời."
            )
            % {"what": what, "member_id": member.member_id}
        )
    span = _require_still_member(member, on, what)
    unit_span = span_on(unit, on)
    if unit.pk == span.unit_id or unit_span.parent_id == span.unit_id:
        raise CosoError(
            gettext(
                "Không thể %(what)s ngày %(on)s cho «%(member_id)s»: đó là chi bộ (hoặc tổ đảng) nơi đảng viên sinh hoạt chính thức."
            )
            % {"what": what, "on": fmt(on), "member_id": member.member_id}
        )
    if Participation.objects.filter(member=member, unit=unit, kind=kind, valid_to__gt=on).exists():
        raise CosoError(
            gettext("Đảng viên «%(member_id)s» đã tham gia sinh hoạt ở «%(code)s» vào ngày %(on)s.")
            % {"member_id": member.member_id, "code": unit.code, "on": fmt(on)}
        )
    participation = Participation.objects.create(
        member=member, unit=unit, kind=kind, valid_from=on, note=note.strip()
    )
    refresh_side_rows([member.pk])
    return participation


@transaction.atomic
def end_participation(participation: Participation, *, on: dt.date) -> Participation:
    if participation.kind == ParticipationKind.TEMPORARY:
        raise CosoError(
            gettext(
                "Sinh hoạt tạm thời của «%(member_id)s» được kết thúc bằng thao tác kết thúc sinh hoạt tạm thời."
            )
            % {"member_id": participation.member.member_id}
        )
    _check_end(
        participation.valid_from,
        participation.valid_to,
        on,
        gettext("tham gia sinh hoạt ở «%(code)s»") % {"code": participation.unit.code},
    )
    participation.valid_to = on
    participation.save(update_fields=["valid_to"])
    refresh_side_rows([participation.member_id])
    return participation


__all__ = [
    "MemberState",
    "add_external_role",
    "add_participation",
    "admit_member",
    "age_months",
    "assign_position",
    "change_group",
    "collation_key",
    "create_candidate",
    "end_external_role",
    "end_participation",
    "end_position",
    "end_temporary_transfer",
    "exempt_member",
    "expel_member",
    "fold",
    "member_state",
    "name_keys",
    "probation_end",
    "readmit_member",
    "receive_member",
    "recognize_member",
    "record_death",
    "record_leaving",
    "reject_recognition",
    "return_from_exemption",
    "start_temporary_transfer",
    "status_on",
    "strike_off",
    "sync_snapshot",
    "transfer_out",
    "transfer_out_of_system",
]


# --------------------------------------------------------------------------------------------
# Corrections of the record (issue 13, point 1)


@dataclass(frozen=True)
class FieldChange:
    """One field a correction changes: values as stored in `MemberCorrection` (text)."""

    field: str
    old: str
    new: str

    @property
    def sensitive(self) -> bool:
        return self.field in SENSITIVE_CORRECTIONS


def field_text(field: str, value: Any) -> str:
    """A profile value as a correction row keeps it: a date as yyyy-mm-dd, None as ""."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def shown_value(field: str, text: str) -> str:
    """A stored value as a reader sees it: dates dd/mm/yyyy, a gender in words, "—" if empty."""
    if not text:
        return "—"
    if field == CorrectableField.BIRTH_DATE:
        try:
            return fmt(dt.date.fromisoformat(text))
        except ValueError:
            return text
    if field == CorrectableField.GENDER:
        try:
            return str(Gender(text).label)
        except ValueError:
            return text
    return text


def _field_label(field: str) -> str:
    with translation.override("vi"):
        return str(CorrectableField(field).label)


def _normalized(member: Member, field: str, value: Any) -> Any:
    """The new value of `field`, cleaned, or CosoError naming the member and the field."""
    who = f"Đảng viên «{member.member_id}»"
    if field not in CorrectableField.values:
        raise CosoError(f"{who}: không đính chính được trường «{field}».")
    name = _field_label(field)
    if field == CorrectableField.BIRTH_DATE:
        if isinstance(value, str):
            try:
                value = parse_date(value)
            except ValueError as exc:
                raise CosoError(f"{who}: {name.lower()} không hợp lệ ({exc}).") from exc
        if not isinstance(value, dt.date):
            raise CosoError(f"{who}: {name.lower()} không hợp lệ.")
        if value > today():
            raise CosoError(f"{who}: ngày sinh {fmt(value)} ở sau hôm nay.")
        admitted = member.first_admitted_on or member.admitted_on
        if admitted and value >= admitted:
            raise CosoError(
                f"{who}: ngày sinh {fmt(value)} không ở trước ngày vào Đảng {fmt(admitted)}."
            )
        return value
    text = unicodedata.normalize("NFC", " ".join(str(value or "").split()))
    if "\x00" in text:
        raise CosoError(f"{who}: {name.lower()} chứa ký tự không hợp lệ.")
    limit = getattr(Member._meta.get_field(field), "max_length", None) or 300
    if len(text) > limit:
        raise CosoError(f"{who}: {name.lower()} dài quá {limit} ký tự.")
    if field == CorrectableField.FULL_NAME and not text:
        raise CosoError(f"{who}: họ và tên không được để trống.")
    if field == CorrectableField.GENDER and text not in Gender.values:
        raise CosoError(f"{who}: giới tính «{text}» không hợp lệ (nam hoặc nữ).")
    if (
        field == CorrectableField.NATIONAL_ID
        and text
        and not (text.isdigit() and len(text) in (9, 12))
    ):
        raise CosoError(f"{who}: số định danh cá nhân phải gồm 12 chữ số (CMND cũ: 9 chữ số).")
    if field == CorrectableField.CARD_NO:
        if not text:
            return None
        if Member.objects.filter(card_no=text).exclude(pk=member.pk).exists():
            raise CosoError(f"{who}: số thẻ đảng viên «{text}» đã được cấp cho người khác.")
    return text


def correction_changes(member: Member, changes: dict[str, Any]) -> list[FieldChange]:
    """What a correction would change (old → new), fields in the form's order; refused when a
    value is invalid or nothing differs. Writes nothing (the preview and the operation)."""
    found = []
    for field in CorrectableField.values:
        if field not in changes:
            continue
        new = _normalized(member, field, changes[field])
        old_text = field_text(field, getattr(member, field))
        new_text = field_text(field, new)
        if old_text != new_text:
            found.append(FieldChange(field, old_text, new_text))
    unknown = sorted(set(changes) - set(CorrectableField.values))
    if unknown:
        raise CosoError(
            f"Đảng viên «{member.member_id}»: không đính chính được trường «{unknown[0]}»."
        )
    if not found:
        raise CosoError(
            f"Đảng viên «{member.member_id}»: không có thông tin nào khác với lý lịch hiện tại."
        )
    return found


@transaction.atomic
def correct_member_record(
    member: Member,
    *,
    changes: dict[str, Any],
    effective_on: dt.date,
    reason: str,
    actor: Any,
) -> list[MemberCorrection]:
    """Correct profile fields of a member (name, birth date, residence, …): one
    `MemberCorrection` row per changed field with the old and new value, the effective date,
    the reason and who; the member's record rewritten; one audit entry (a sensitive write when
    a sensitive field is among them). Status and home have their own operations."""
    _lock(member)
    who = f"Đảng viên «{member.member_id}»"
    reason = " ".join((reason or "").replace("\x00", " ").split())
    if not reason:
        raise CosoError(f"{who}: cần ghi lý do đính chính.")
    if len(reason) > 500:
        raise CosoError(f"{who}: lý do đính chính dài quá 500 ký tự.")
    if effective_on > today():
        raise CosoError(f"{who}: ngày hiệu lực {fmt(effective_on)} ở sau hôm nay.")
    if effective_on < member.birth_date:
        raise CosoError(f"{who}: ngày hiệu lực {fmt(effective_on)} ở trước ngày sinh.")
    found = correction_changes(member, changes)
    acting = Actor.of(actor)
    user = acting.user if acting.authenticated else None
    batch = uuid.uuid4()
    rows = [
        MemberCorrection(
            member=member,
            field=c.field,
            old_value=c.old,
            new_value=c.new,
            effective_on=effective_on,
            reason=reason,
            sensitive=c.sensitive,
            batch=batch,
            recorded_by=user,
            recorded_by_name=person_name(user) if user is not None else acting.username,
        )
        for c in found
    ]
    MemberCorrection.objects.bulk_create(rows)
    for c in found:
        if c.field == CorrectableField.BIRTH_DATE:
            member.birth_date = dt.date.fromisoformat(c.new)
        elif c.field == CorrectableField.CARD_NO:
            member.card_no = c.new or None
        else:
            setattr(member, c.field, c.new)
    renamed = any(c.field == CorrectableField.FULL_NAME for c in found)
    if renamed:
        member.sort_key, member.search_name = name_keys(member.full_name)
    member.save()
    if renamed:
        write_name_words([member])
    sensitive = [c.field for c in found if c.sensitive]
    record_write(
        acting,
        AuditAction.CORRECT_MEMBER_SENSITIVE if sensitive else AuditAction.CORRECT_MEMBER_RECORD,
        member,
        {"fields": {c.field: c.old for c in found}},
        {
            "fields": {c.field: c.new for c in found},
            "effective_on": effective_on,
            "reason": reason,
            "sensitive": sensitive,
        },
    )
    return rows
