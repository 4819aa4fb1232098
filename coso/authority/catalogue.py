"""The operation catalogue: every act on a member or a unit, once, for pages, API and CLI.

An act is a slug, a title, the form that validates its input (the same form for a page's POST
and the API's JSON), the ONE domain function it calls, and the scope action that lets a user
record it. Whether the user records it directly or files a proposal for the competent committee
is decided here from the authority rule set (coso.authority.rules) and the one scope
(coso.authority.scope): `perform` is the room both doors (pages, API) open onto.

An act governed by the authority rule set takes effect only when the competent body decides:
a user who acts for that body (or one above it) records it directly, with the decision number
required; a user who may only propose files a proposal, and nothing about the subject changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.forms import MultipleChoiceField
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coso.audit.log import AuditAction, record_write
from coso.authority import forms as f
from coso.authority.rules import Authority, authorities_for
from coso.authority.scope import Action, scope_of
from coso.core.dates import FAR_FUTURE, today
from coso.members import operations as mops
from coso.members.models import IN_PARTY, Member, MemberSpan, MemberStatus, Position, PositionRole
from coso.units import operations as uops
from coso.units.models import HOME_KINDS, Unit, UnitEvent, UnitEventKind, UnitSpan
from coso.units.posts import PostFate, role_rank_expression

PREVIEW_LIMIT = 200  # rows listed in a preview; the counts are always complete

Runner = Callable[[Any, Any], Any]  # (form, subject) -> what the domain function returned


class Subject(StrEnum):
    MEMBER = "member"
    UNIT = "unit"


@dataclass(frozen=True)
class Act:
    slug: str
    title: Any  # lazy translation
    form: type[f.OperationForm]
    run: Runner  # calls exactly one domain function
    action: Action  # what lets a user record it where no committee above must decide
    preview: bool = False
    danger: bool = False
    # The unit the scope checks is the one named in the form (the receiving branch: a member in
    # transit arrives from anywhere), not the member's home; the form resolves it in scope.
    to_named_unit: bool = False
    # A feature app's act (see `register`): what it is done on; None for the catalogue's own.
    on: Subject | None = None

    @property
    def subject(self) -> Subject:
        if self.on is not None:
            return self.on
        return Subject.MEMBER if self.slug in MEMBER_ACTS else Subject.UNIT


def _d(form: f.OperationForm) -> dict[str, Any]:
    return form.cleaned_data


MEMBER_OPERATIONS: list[Act] = [
    Act(
        "recognize",
        gettext_lazy("Công nhận đảng viên chính thức"),
        f.RecognizeForm,
        lambda fm, m: mops.recognize_member(m, decided_on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "reject_recognition",
        gettext_lazy("Không công nhận chính thức (xóa tên khỏi danh sách dự bị)"),
        f.RecognizeForm,
        lambda fm, m: mops.reject_recognition(m, decided_on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Act(
        "transfer_out",
        gettext_lazy("Chuyển sinh hoạt đi"),
        f.TransferOutForm,
        lambda fm, m: mops.transfer_out(
            m, on=fm.day(), to_unit=_d(fm)["to_unit"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "receive",
        gettext_lazy("Tiếp nhận sinh hoạt"),
        f.ReceiveForm,
        lambda fm, m: mops.receive_member(
            m,
            on=fm.day(),
            branch=_d(fm)["branch"],
            group=_d(fm)["group"],
            decision=fm.decision(),
        ),
        Action.MANAGE_MEMBERS,
        to_named_unit=True,
    ),
    Act(
        "transfer_out_of_system",
        gettext_lazy("Chuyển ra ngoài hệ thống"),
        f.SimpleMemberForm,
        lambda fm, m: mops.transfer_out_of_system(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "temporary_start",
        gettext_lazy("Chuyển sinh hoạt tạm thời"),
        f.TemporaryStartForm,
        lambda fm, m: mops.start_temporary_transfer(
            m, on=fm.day(), host_unit=_d(fm)["host_unit"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "temporary_end",
        gettext_lazy("Kết thúc sinh hoạt tạm thời"),
        f.SimpleMemberForm,
        lambda fm, m: mops.end_temporary_transfer(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "exempt",
        gettext_lazy("Miễn công tác và sinh hoạt"),
        f.ExemptForm,
        lambda fm, m: mops.exempt_member(
            m,
            on=fm.day(),
            reason=_d(fm)["reason"],
            illness_months=_d(fm)["illness_months"],
            decision=fm.decision(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "return",
        gettext_lazy("Trở lại sinh hoạt"),
        f.SimpleMemberForm,
        lambda fm, m: mops.return_from_exemption(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "strike_off",
        gettext_lazy("Xóa tên"),
        f.StrikeOffForm,
        lambda fm, m: mops.strike_off(
            m, on=fm.day(), reason=_d(fm)["reason"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Act(
        "expel",
        gettext_lazy("Khai trừ"),
        f.SimpleMemberForm,
        lambda fm, m: mops.expel_member(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Act(
        "leave",
        gettext_lazy("Xin ra khỏi Đảng"),
        f.SimpleMemberForm,
        lambda fm, m: mops.record_leaving(m, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Act(
        "death",
        gettext_lazy("Từ trần"),
        f.DeathForm,
        lambda fm, m: mops.record_death(m, on=fm.day()),
        Action.MANAGE_MEMBERS,
        danger=True,
    ),
    Act(
        "readmit",
        gettext_lazy("Kết nạp lại"),
        f.ReadmitForm,
        lambda fm, m: mops.readmit_member(
            m,
            admitted_on=fm.day(),
            branch=_d(fm)["branch"],
            ceremony_on=_d(fm)["ceremony_on"],
            group=_d(fm)["group"],
            family_hardship=_d(fm)["family_hardship"],
            decision=fm.decision(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "change_group",
        gettext_lazy("Chuyển tổ đảng"),
        f.ChangeGroupForm,
        lambda fm, m: mops.change_group(
            m, on=fm.day(), group=_d(fm)["group"], decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "assign_position",
        gettext_lazy("Giao chức vụ"),
        f.AssignPositionForm,
        lambda fm, m: mops.assign_position(
            m, _d(fm)["unit"], _d(fm)["role"], on=fm.day(), decision=fm.decision()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "end_position",
        gettext_lazy("Thôi giữ chức vụ"),
        f.EndPositionForm,
        lambda fm, m: mops.end_position(_d(fm)["item"], on=fm.day()),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "add_participation",
        gettext_lazy("Ghi tham gia sinh hoạt nơi khác"),
        f.ParticipationForm,
        lambda fm, m: mops.add_participation(
            m, _d(fm)["unit"], _d(fm)["kind"], on=fm.day(), note=_d(fm)["note"]
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "end_participation",
        gettext_lazy("Kết thúc tham gia sinh hoạt nơi khác"),
        f.EndParticipationForm,
        lambda fm, m: mops.end_participation(_d(fm)["item"], on=fm.day()),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "add_external_role",
        gettext_lazy("Ghi vai trò ngoài Đảng"),
        f.ExternalRoleForm,
        lambda fm, m: mops.add_external_role(
            m, title=_d(fm)["title"], body=_d(fm)["body"], unit=_d(fm)["unit"], on=fm.day()
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "end_external_role",
        gettext_lazy("Kết thúc vai trò ngoài Đảng"),
        f.EndExternalRoleForm,
        lambda fm, m: mops.end_external_role(_d(fm)["item"], on=fm.day()),
        Action.MANAGE_MEMBERS,
    ),
]

UNIT_OPERATIONS: list[Act] = [
    Act(
        "admit",
        gettext_lazy("Kết nạp đảng viên"),
        f.AdmitForm,
        lambda fm, u: mops.admit_member(
            member_id=_d(fm)["member_id"],
            full_name=_d(fm)["full_name"],
            gender=_d(fm)["gender"],
            birth_date=_d(fm)["birth_date"],
            branch=u,
            admitted_on=fm.day(),
            ceremony_on=_d(fm)["ceremony_on"],
            group=_d(fm)["group"],
            introducers=_d(fm)["introducers"],
            introduced_by_youth_union=_d(fm)["introduced_by_youth_union"],
            decision=fm.decision(),
            **fm.profile(),
        ),
        Action.MANAGE_MEMBERS,
    ),
    Act(
        "create",
        gettext_lazy("Thành lập đơn vị trực thuộc"),
        f.CreateUnitForm,
        lambda fm, u: uops.create_unit(
            code=_d(fm)["code"],
            name=_d(fm)["name"],
            kind=_d(fm)["kind"],
            parent=u,
            on=fm.day(),
            tags=_d(fm)["tags"],
            decision=fm.decision(),
        ),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Act(
        "rename",
        gettext_lazy("Đổi tên"),
        f.RenameUnitForm,
        lambda fm, u: uops.rename_unit(u, name=_d(fm)["name"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Act(
        "retype",
        gettext_lazy("Đổi loại hình"),
        f.RetypeUnitForm,
        lambda fm, u: uops.retype_unit(u, kind=_d(fm)["kind"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Act(
        "retag",
        gettext_lazy("Đổi phân loại"),
        f.RetagUnitForm,
        lambda fm, u: uops.retag_unit(u, tags=_d(fm)["tags"], on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Act(
        "move",
        gettext_lazy("Chuyển trực thuộc"),
        f.MoveUnitForm,
        lambda fm, u: uops.move_unit(
            u, parent=_d(fm)["parent"], on=fm.day(), decision=fm.decision()
        ),
        Action.MANAGE_UNITS,
        preview=True,
    ),
    Act(
        "merge",
        gettext_lazy("Sáp nhập vào đơn vị khác"),
        f.MergeUnitForm,
        lambda fm, u: uops.merge_units(
            u,
            into=_d(fm)["into"],
            on=fm.day(),
            decision=fm.decision(),
            posts=fm.chosen_posts() if isinstance(fm, f.MergeUnitForm) else None,
        ),
        Action.MANAGE_UNITS,
        preview=True,
        danger=True,
    ),
    Act(
        "dissolve",
        gettext_lazy("Giải thể"),
        f.DissolveUnitForm,
        lambda fm, u: uops.dissolve_unit(u, on=fm.day(), decision=fm.decision()),
        Action.MANAGE_UNITS,
        preview=True,
        danger=True,
    ),
]

MEMBER_ACTS = {act.slug: act for act in MEMBER_OPERATIONS}
UNIT_ACTS = {act.slug: act for act in UNIT_OPERATIONS}


def member_facts(member: Member) -> dict[str, Any]:
    member.refresh_from_db()
    return {
        "status": member.status,
        "home_unit": member.home_unit.code if member.home_unit else None,
        "in_transit": member.in_transit,
        "exempt": member.exempt,
        "ended_on": member.ended_on,
    }


def unit_facts(unit: Unit, on: dt.date) -> dict[str, Any]:
    span = (
        UnitSpan.objects.filter(unit=unit, valid_from__lte=on, valid_to__gt=on)
        .select_related("parent")
        .first()
    )
    if span is None:
        unit.refresh_from_db()
        return {"ended_on": unit.valid_to if unit.valid_to < FAR_FUTURE else None}
    return {
        "name": span.name,
        "kind": span.kind,
        "parent": span.parent.code if span.parent else None,
        "tags": span.tag_list,
    }


def _result_facts(result: Any) -> dict[str, Any]:
    """What the domain function returned, when it is not the subject itself."""
    if isinstance(result, Member | Unit) or result is None:
        return {}
    facts: dict[str, Any] = {"record": f"{result._meta.label_lower}:{result.pk}"}
    for name in ("kind", "role", "title", "valid_from", "valid_to", "details"):
        if hasattr(result, name):
            facts[name] = getattr(result, name)
    return facts


# --------------------------------------------------------------------------------------------
# Preview of consequences


@dataclass
class Consequences:
    units: list[tuple[str, str, str]] = field(default_factory=list)  # code, name, change
    ended: list[tuple[str, str]] = field(default_factory=list)  # code, name
    members: list[tuple[str, str, str, str]] = field(default_factory=list)  # id, name, from, to
    unit_count: int = 0
    ended_count: int = 0
    member_count: int = 0
    # The subject member's standing before and after (status, home, exempt, in transit, end).
    member_change: list[tuple[str, Any, Any]] = field(default_factory=list)
    # Issue 13, point 2: what becomes of each post of a unit merged or dissolved, and the
    # committee of the absorbing unit afterwards (secretary first).
    posts: list[PostOutcome] = field(default_factory=list)
    committees: list[CommitteeAfter] = field(default_factory=list)


@dataclass
class PostOutcome:
    unit: str  # the code of the unit the post was in
    role: str
    role_label: str
    member_pk: int
    member_id: str
    full_name: str
    fate: str
    fate_label: str
    role_after_label: str  # "" when the post ends
    field: Any = None  # the form's `post_<id>` field, where the officer may change the fate


@dataclass
class CommitteeAfter:
    code: str
    name: str
    # (role label, full name, member id, whether the post comes from the merge)
    posts: list[tuple[str, str, str, bool]]


def _describe_change(old: UnitSpan | None, new: UnitSpan) -> str:
    if old is None:
        parent = new.parent.code if new.parent else _("gốc")
        return _("thành lập, trực thuộc %(parent)s") % {"parent": parent}
    changes = []
    if old.name != new.name:
        changes.append(_("đổi tên từ «%(old)s»") % {"old": old.name})
    if old.kind != new.kind:
        changes.append(_("đổi loại từ %(old)s sang %(new)s") % {"old": old.kind, "new": new.kind})
    if old.parent_id != new.parent_id:
        changes.append(
            _("chuyển từ %(old)s sang %(new)s")
            % {
                "old": old.parent.code if old.parent else _("gốc"),
                "new": new.parent.code if new.parent else _("gốc"),
            }
        )
    elif old.path != new.path:
        changes.append(_("chuyển theo đơn vị cấp trên"))
    if old.tags != new.tags:
        changes.append(_("đổi phân loại"))
    return "; ".join(changes) or _("cập nhật")


def _posts_preview(result: Consequences, top_event: int, on: dt.date) -> None:
    """The posts the reorganization's events (after `top_event`) say it carried, turned into
    deputies or ended, and the absorbing units' committees after it (inside the preview)."""
    events = list(
        UnitEvent.objects.filter(
            pk__gt=top_event, kind__in=[UnitEventKind.MERGE, UnitEventKind.DISSOLVE]
        )
        .select_related("unit", "other")
        .order_by("pk")
    )
    if not events:
        return
    targets = [e.other for e in events if e.kind == UnitEventKind.MERGE and e.other is not None]
    after = list(
        Position.objects.filter(unit__in=targets, valid_from__lte=on, valid_to__gt=on)
        .select_related("member")
        .order_by("unit_id", role_rank_expression(), "member__sort_key")
    )
    pks = {p["member"] for e in events for p in e.details.get("posts", [])}
    people = {m.pk: m for m in Member.objects.filter(pk__in=pks).only("member_id", "full_name")}
    roles, fates = dict(PositionRole.choices), dict(PostFate.choices)
    for event in events:
        for p in event.details.get("posts", []):
            member = people.get(p["member"])
            result.posts.append(
                PostOutcome(
                    unit=event.unit.code,
                    role=p["role"],
                    role_label=str(roles.get(p["role"], p["role"])),
                    member_pk=p["member"],
                    member_id=member.member_id if member else "",
                    full_name=member.full_name if member else "",
                    fate=p["fate"],
                    fate_label=str(fates.get(p["fate"], p["fate"])),
                    role_after_label=str(roles.get(p["role_after"], "")) if p["role_after"] else "",
                )
            )
    carried = {
        (e.other_id, p["member"], p["role_after"])
        for e in events
        if e.kind == UnitEventKind.MERGE
        for p in e.details.get("posts", [])
    }
    for target in targets:
        span = UnitSpan.objects.filter(unit=target, valid_from__lte=on, valid_to__gt=on).first()
        result.committees.append(
            CommitteeAfter(
                code=target.code,
                name=span.name if span else "",
                posts=[
                    (
                        str(roles.get(p.role, p.role)),
                        p.member.full_name,
                        p.member.member_id,
                        (target.pk, p.member_id, p.role) in carried,
                    )
                    for p in after
                    if p.unit_id == target.pk
                ],
            )
        )


def preview_consequences(apply: Callable[[], Any], on: dt.date) -> Consequences:
    """Apply, read what changed on `on`, roll back. CosoError propagates (nothing written)."""
    top_event = UnitEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    top_unit_span = UnitSpan.objects.aggregate(top=Max("pk"))["top"] or 0
    top_member_span = MemberSpan.objects.aggregate(top=Max("pk"))["top"] or 0
    ended_before = set(Unit.objects.filter(valid_to=on).values_list("pk", flat=True))
    result = Consequences()
    with transaction.atomic():
        try:
            apply()
            new_spans = list(
                UnitSpan.objects.filter(pk__gt=top_unit_span)
                .select_related("unit", "parent")
                .order_by("path")
            )
            old_spans = {
                s.unit_id: s
                for s in UnitSpan.objects.filter(
                    unit_id__in=[s.unit_id for s in new_spans], valid_to=on
                ).select_related("parent")
            }
            result.unit_count = len(new_spans)
            result.units = [
                (s.unit.code, s.name, _describe_change(old_spans.get(s.unit_id), s))
                for s in new_spans[:PREVIEW_LIMIT]
            ]
            ended = Unit.objects.filter(valid_to=on).exclude(pk__in=ended_before)
            result.ended_count = ended.count()
            for unit in ended.order_by("code")[:PREVIEW_LIMIT]:
                last = unit.spans.order_by("-valid_from").first()
                result.ended.append((unit.code, last.name if last else ""))
            new_member_spans = list(
                MemberSpan.objects.filter(pk__gt=top_member_span, valid_from=on).values_list(
                    "member_id", "unit_id"
                )
            )
            before = dict(
                MemberSpan.objects.filter(
                    member_id__in=[m for m, _u in new_member_spans], valid_to=on
                ).values_list("member_id", "unit_id")
            )
            moved = [
                (m, before[m], u) for m, u in new_member_spans if m in before and before[m] != u
            ]
            result.member_count = len(moved)
            shown = moved[:PREVIEW_LIMIT]
            names = dict(
                Member.objects.filter(pk__in=[m for m, _a, _b in shown]).values_list(
                    "pk", "member_id"
                )
            )
            full = dict(
                Member.objects.filter(pk__in=[m for m, _a, _b in shown]).values_list(
                    "pk", "full_name"
                )
            )
            codes = dict(
                Unit.objects.filter(
                    pk__in={a for _m, a, _b in shown} | {b for _m, _a, b in shown}
                ).values_list("pk", "code")
            )
            result.members = [(names[m], full[m], codes[a], codes[b]) for m, a, b in shown]
            _posts_preview(result, top_event, on)
        finally:
            transaction.set_rollback(True)
    return result


ACTS: dict[str, Act] = {**MEMBER_ACTS, **UNIT_ACTS}
# Acts of feature apps above this layer (a quality rating): governed by the authority rule set
# and decided through proposals like the catalogue's own, but done on the app's own pages, so
# they have no generic act page and no button on the member's or unit's page.
FEATURE_ACTS: dict[str, Act] = {}


def register(act: Act) -> None:
    """Add a feature app's act (called from its AppConfig.ready); its slug is an AuditAction."""
    if act.on is None:
        raise ValueError(f"{act.slug}: a feature act names its subject (Act.on)")
    if act.slug in MEMBER_ACTS or act.slug in UNIT_ACTS:
        raise ValueError(f"{act.slug}: already an act of the catalogue")
    FEATURE_ACTS[act.slug] = act
    ACTS[act.slug] = act


# --------------------------------------------------------------------------------------------
# Who may record an act, and how


class Route(StrEnum):
    DIRECT = "direct"  # the user records it (with the decision, where a committee decides)
    PROPOSE = "propose"  # the user's body proposes; the competent committee decides


def _concerned_unit(subject: Member | Unit) -> Unit | None:
    if isinstance(subject, Unit):
        return subject
    return subject.home_unit


def routes_for(
    user: Any, acts: list[Act], subject: Member | Unit
) -> dict[str, tuple[Route, Authority | None] | None]:
    """How `user` may do each act on `subject` today (None: not at all), reading the tree and
    the scope once for all of them (a page's buttons)."""
    scope = scope_of(user)
    unit = _concerned_unit(subject)
    if unit is None:
        return {act.slug: None for act in acts}
    authorities = authorities_for([a.slug for a in acts], subject, today())
    memo: dict[tuple[Action, int], bool] = {}

    def can(action: Action, target: Unit) -> bool:
        key = (action, target.pk)
        if key not in memo:
            memo[key] = scope.can(action, target)
        return memo[key]

    routes: dict[str, tuple[Route, Authority | None] | None] = {}
    for act in acts:
        authority = authorities[act.slug]
        if authority is None and act.to_named_unit:
            routes[act.slug] = (Route.DIRECT, None) if scope.holds(act.action) else None
        elif authority is None:
            routes[act.slug] = (Route.DIRECT, None) if can(act.action, unit) else None
        elif authority.above_root:
            routes[act.slug] = (Route.DIRECT, None) if scope.is_admin else None
        elif can(Action.DECIDE, authority.decider) and can(Action.VIEW, unit):
            routes[act.slug] = (Route.DIRECT, authority)
        elif can(Action.PROPOSE, authority.proposer) and can(act.action, unit):
            routes[act.slug] = (Route.PROPOSE, authority)
        else:
            routes[act.slug] = None
    return routes


def route_for(user: Any, act: Act, subject: Member | Unit) -> tuple[Route, Authority | None] | None:
    """How `user` may do `act` on `subject` today; None when they may not at all."""
    return routes_for(user, [act], subject)[act.slug]


def relevant(act: Act, member: Member) -> bool:
    """Whether the button makes sense for the member as they stand today (the forms still
    accept any act: the domain decides, on the date typed)."""
    if act.slug == "readmit":
        return member.status in mops.READMITTABLE
    if member.status not in IN_PARTY:
        return False
    if act.slug in ("recognize", "reject_recognition"):
        return member.status == MemberStatus.PROBATIONARY
    if act.slug in ("receive", "transfer_out"):
        return member.in_transit == (act.slug == "receive")
    if act.slug in ("return", "exempt"):
        return member.exempt == (act.slug == "return")
    return True


def member_acts_for(user: Any, member: Member) -> list[tuple[Act, Route]]:
    """The acts the member page offers `user`, each with how it would be done."""
    scope = scope_of(user)
    if not (scope.holds(Action.PROPOSE) or scope.holds(Action.MANAGE_MEMBERS)):
        return []
    acts = [act for act in MEMBER_OPERATIONS if relevant(act, member)]
    routes = routes_for(user, acts, member)
    return [(act, route[0]) for act in acts if (route := routes[act.slug]) is not None]


def unit_acts_for(user: Any, unit: Unit, span: UnitSpan | None = None) -> list[tuple[Act, Route]]:
    """The acts a unit's page offers (`span`: the one the page shows, saves a query)."""
    day = today()
    if unit.valid_to <= day:
        return []
    scope = scope_of(user)
    if not (scope.holds(Action.PROPOSE) or scope.holds(Action.MANAGE_UNITS)):
        return []
    if span is None or not (span.unit_id == unit.pk and span.valid_from <= day < span.valid_to):
        span = UnitSpan.objects.filter(unit=unit, valid_from__lte=day, valid_to__gt=day).first()
    if span is None:
        return []
    acts = [a for a in UNIT_OPERATIONS if a.slug != "admit" or span.kind in HOME_KINDS]
    routes = routes_for(user, acts, unit)
    return [(act, route[0]) for act in acts if (route := routes[act.slug]) is not None]


# --------------------------------------------------------------------------------------------
# Doing it


class ActInvalid(Exception):
    """The input does not validate; `form.errors` names each field."""

    def __init__(self, form: f.OperationForm) -> None:
        super().__init__("invalid input")
        self.form = form


@dataclass
class Outcome:
    act: Act
    route: Route
    subject: Member | Unit
    result: Any = None  # what the domain function returned (direct)
    proposal: Any = None  # the proposal filed (propose)
    on: dt.date | None = None

    @property
    def proposed(self) -> bool:
        return self.route == Route.PROPOSE


def bind(
    act: Act, data: Mapping[str, Any] | None, *, user: Any, subject: Member | Unit, route: Route
) -> f.OperationForm:
    """The act's form bound to `data` (a page's POST or the API's JSON) for `user`."""
    return act.form(data, user=user, subject=subject, proposing=route == Route.PROPOSE)


def params_of(form: f.OperationForm) -> dict[str, Any]:
    """What was typed for the act itself (not the decision or the resolution), as JSON."""
    params: dict[str, Any] = {}
    for name in form.act_field_names():
        many = isinstance(form.fields[name], MultipleChoiceField)
        value = form.data.getlist(name) if many and hasattr(form.data, "getlist") else None
        if value is None:
            value = form.data.get(name)
        if value not in (None, "", []):
            params[name] = value
    return params


def _validated(
    act: Act, data: Mapping[str, Any] | None, user: Any, subject: Member | Unit
) -> tuple[f.OperationForm, Route, Authority | None]:
    found = route_for(user, act, subject)
    if found is None:
        raise PermissionError(act.slug)
    route, authority = found
    form = bind(act, data, user=user, subject=subject, route=route)
    if not form.is_valid():
        raise ActInvalid(form)
    if (
        route == Route.DIRECT
        and authority is not None
        and not authority.decided_by_proposer
        and act.form.with_decision
        and not (form.cleaned_data.get("decision_number") or "").strip()
    ):
        form.add_error(
            "decision_number",
            _("Cần số quyết định của %(body)s.") % {"body": authority.decider},
        )
        raise ActInvalid(form)
    return form, route, authority


def execute(act: Act, form: f.OperationForm, subject: Member | Unit, *, actor: Any) -> Any:
    """Run the act's domain function and write its audit entry, in one transaction.

    `actor` is the request (page, API: who and from where) or the user (CLI, a decision)."""
    on = form.day()
    with transaction.atomic():
        if isinstance(subject, Member):
            before: dict[str, Any] | None = member_facts(subject)
            result = act.run(form, subject)
            target: Any = subject
            after = member_facts(subject) | _result_facts(result)
            unit = subject.home_unit
        elif act.slug == "admit":
            before = None
            result = act.run(form, subject)
            target, after, unit = result, member_facts(result), subject
        elif act.slug == "create":
            before = None
            result = act.run(form, subject)
            target, after, unit = result, unit_facts(result, on), result
        else:
            before = unit_facts(subject, on)
            result = act.run(form, subject)
            target, unit = subject, subject
            after = unit_facts(subject, on) | _result_facts(result)
        if form.cleaned_data.get("decision_number"):
            after["decision"] = form.cleaned_data["decision_number"]
        after["on"] = on
        record_write(actor, AuditAction(act.slug), target, before, after, unit)
    return result


def perform(
    act: Act,
    subject: Member | Unit,
    data: Mapping[str, Any] | None,
    *,
    user: Any,
    actor: Any = None,
    channel: str = "web",
) -> Outcome:
    """Validate `data` as `user` and do the act: directly, or as a proposal where the user's
    body may only propose. Raises PermissionError (not theirs to do: 404), ActInvalid (field
    errors) or CosoError (refused by the rules); nothing is written then."""
    form, route, authority = _validated(act, data, user, subject)
    if route == Route.DIRECT:
        result = execute(act, form, subject, actor=actor or user)
        return Outcome(act, route, subject, result=result, on=form.day())
    from coso.authority.proposals import file_proposal  # proposals run acts through execute

    assert authority is not None
    proposal = file_proposal(
        act.slug,
        subject,
        params_of(form),
        authority=authority,
        resolution=form.resolution(),
        user=user,
        actor=actor or user,
        channel=channel,
    )
    return Outcome(act, route, subject, proposal=proposal, on=form.day())


def preview(
    act: Act, subject: Member | Unit, data: Mapping[str, Any] | None, *, user: Any
) -> tuple[f.OperationForm, Route, Consequences]:
    """What doing the act would change, applied and rolled back (errors as in `perform`)."""
    form, route, _authority = _validated(act, data, user, subject)
    facts: dict[str, dict[str, Any]] = {}

    def apply() -> None:
        if isinstance(subject, Member):
            facts["before"] = member_facts(subject)
        act.run(form, subject)
        if isinstance(subject, Member):
            facts["after"] = member_facts(subject)

    consequences = preview_consequences(apply, form.day())
    if isinstance(form, f.MergeUnitForm) and form.post_fields:
        # The fates the preview applied, defaults included, become the form's values: the
        # officer sees them selected, may change them, and confirming does exactly that.
        data = form.data.copy() if hasattr(form.data, "copy") else dict(form.data)
        for post in consequences.posts:
            name = form.post_fields.get((post.member_pk, post.role))
            if name is not None:
                data[name] = post.fate
        form = bind(act, data, user=user, subject=subject, route=route)
        assert isinstance(form, f.MergeUnitForm)
        form.is_valid()
        for post in consequences.posts:
            name = form.post_fields.get((post.member_pk, post.role))
            post.field = form[name] if name is not None else None
    if facts:
        consequences.member_change = [
            (name, facts["before"][name], facts["after"][name])
            for name in facts["before"]
            if facts["before"][name] != facts["after"][name]
        ]
        # The domain function changed the object in memory; the database was rolled back.
        subject.refresh_from_db()
    return form, route, consequences
