"""The one scoping mechanism: which units and members a user may see or act on.

A role sits on a unit and covers the unit's subtree as the tree stands today, so scopes follow
moves and merges without being rewritten. A unit that has ended (merged, dissolved) is judged by
its path on its last day against the scope unit's path on that same day. A member is in scope
when their home (the snapshot on Member, which keeps the last home of ended members) is.

Every page, form, export and API endpoint asks here; nothing else decides visibility.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext_lazy
from django_otp import user_has_device

from coso.accounts.models import Account, Role, RoleKind
from coso.accounts.otp import officers_need_totp
from coso.audit.models import AuditEntry
from coso.core.dates import today
from coso.core.errors import RowError
from coso.core.tabular import Table
from coso.members.models import Member, MemberSpan, Position
from coso.members.operations import fold
from coso.units.models import Unit, UnitEvent, UnitEventKind, UnitSpan
from coso.units.queries import spans_outside, subtree_range


class Action(StrEnum):
    VIEW = "view"  # read units/members/activities in scope
    MANAGE_MEMBERS = "manage_members"  # lifecycle operations, member imports
    MANAGE_UNITS = "manage_units"  # reorganizations, unit imports
    MANAGE_ACTIVITIES = "manage_activities"  # meetings, assessments (issue 4)
    # Register documents from a higher level and cascade them to a subtree (coso.followup).
    MANAGE_DIRECTIVES = "manage_directives"
    VIEW_AUDIT = "view_audit"
    # Open and keep violation cases, inspection plans, appeals (coso.oversight); a case file is
    # read only by roles over its handling unit (VIEW by role), never by the branch's members.
    MANAGE_CASES = "manage_cases"
    VIEW_SENSITIVE = "view_sensitive"  # national ID, ethnicity, religion, health
    # Acts the authority rule set governs: a body proposes (its resolution), the competent
    # committee decides (coso.authority.rules). DECIDE on unit U: acting for U's committee or
    # one above it; a branch secretary decides only what the branch itself decides.
    PROPOSE = "propose"
    DECIDE = "decide"
    # Issue 13: correct a member's profile (name, birth date, residence, ...): organization
    # officers over the member's subtree, the secretary of the member's own branch.
    CORRECT_MEMBER_RECORD = "correct_member_record"
    # Issue 13: give an account in the subtree a temporary password (organization officers).
    RESET_PASSWORD = "reset_password"


GRANTS: dict[str, frozenset[Action]] = {
    RoleKind.ADMIN: frozenset(Action),
    RoleKind.ORG_OFFICER: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_MEMBERS,
            Action.MANAGE_UNITS,
            Action.MANAGE_DIRECTIVES,
            Action.MANAGE_CASES,
            Action.VIEW_AUDIT,
            Action.VIEW_SENSITIVE,
            Action.PROPOSE,
            Action.DECIDE,
            Action.CORRECT_MEMBER_RECORD,  # issue 13
            Action.RESET_PASSWORD,  # issue 13
        }
    ),
    RoleKind.COMMITTEE_MEMBER: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_ACTIVITIES,
            Action.MANAGE_CASES,
            Action.PROPOSE,
            Action.DECIDE,
        }
    ),
    RoleKind.BRANCH_SECRETARY: frozenset(
        {
            Action.VIEW,
            Action.MANAGE_MEMBERS,
            Action.MANAGE_ACTIVITIES,
            Action.MANAGE_CASES,
            Action.VIEW_SENSITIVE,
            Action.PROPOSE,
            Action.DECIDE,
            Action.CORRECT_MEMBER_RECORD,  # issue 13: the members of their own branch
        }
    ),
    RoleKind.MEMBER: frozenset(),  # only their own record and home branch, handled apart
}

# Which role gives the home page its unit when a user holds several.
_HOME_ORDER = [
    RoleKind.ORG_OFFICER,
    RoleKind.COMMITTEE_MEMBER,
    RoleKind.BRANCH_SECRETARY,
]

_CACHE_ATTR = "_coso_scope"


@dataclasses.dataclass(frozen=True)
class _Reach:
    """One subtree a role covers: the scope unit's path over one period."""

    kind: str
    path: str
    valid_from: dt.date
    valid_to: dt.date


def _follow_merges(unit_ids: set[int]) -> dict[int, list[int]]:
    """For each unit, itself and the units it was merged into, in order (a role follows a merge)."""
    chains = {uid: [uid] for uid in unit_ids}
    merges: dict[int, int] = {}
    frontier = set(unit_ids)
    asked: set[int] = set()
    # One query per merge generation, asked only about the units at hand (usually no rows).
    while frontier:
        found = dict(
            UnitEvent.objects.filter(
                kind=UnitEventKind.MERGE, unit_id__in=frontier, other__isnull=False
            ).values_list("unit_id", "other_id")
        )
        asked |= frontier
        merges.update({k: v for k, v in found.items() if v is not None})
        frontier = set(merges.values()) - asked
    for chain in chains.values():
        while chain[-1] in merges and merges[chain[-1]] not in chain:
            chain.append(merges[chain[-1]])
    return chains


class Scope:
    """What one user may reach; built once per request (see scope_of)."""

    def __init__(self, user: Any) -> None:
        self.day = today()
        self.user = user
        self.is_admin = False
        self.reaches: list[_Reach] = []
        self.role_units: dict[str, list[Unit]] = {}
        self.own_member: Member | None = None
        self._covers: dict[Action, bool] = {}
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return
        roles = list(Role.objects.filter(user=user).select_related("unit"))
        self.is_admin = bool(user.is_superuser) or any(r.kind == RoleKind.ADMIN for r in roles)
        account = Account.objects.filter(user=user).select_related("member").first()
        self.own_member = account.member if account is not None else None
        unit_roles = [r for r in roles if r.unit_id is not None and r.kind in _HOME_ORDER]
        chains = _follow_merges({r.unit_id for r in unit_roles if r.unit_id is not None})
        spans = UnitSpan.objects.filter(
            unit_id__in={u for chain in chains.values() for u in chain}
        ).values_list("unit_id", "path", "valid_from", "valid_to")
        spans_by_unit: dict[int, list[tuple[str, dt.date, dt.date]]] = {}
        for unit_id, path, start, end in spans:
            spans_by_unit.setdefault(unit_id, []).append((path, start, end))
        for role in unit_roles:
            assert role.unit_id is not None and role.unit is not None
            self.role_units.setdefault(role.kind, []).append(role.unit)
            for unit_id in chains[role.unit_id]:
                for path, start, end in spans_by_unit.get(unit_id, []):
                    self.reaches.append(_Reach(role.kind, path, start, end))

    # -- units ---------------------------------------------------------------------------------

    def holds(self, action: Action) -> bool:
        """Whether some role of the user grants `action` (on any unit)."""
        return self.is_admin or any(action in GRANTS[r.kind] for r in self.reaches)

    @property
    def manages_units(self) -> bool:
        """Whether the user holds a role on a unit (trees and lists are for them, not members)."""
        return self.is_admin or bool(self.reaches)

    def can_on_span(self, action: Action, span: UnitSpan) -> bool:
        """`can` for a unit alive today whose current span is at hand (no query)."""
        day = self.day
        return self.is_admin or any(
            action in GRANTS[r.kind]
            and r.valid_from <= day < r.valid_to
            and span.path.startswith(r.path)
            for r in self.reaches
        )

    def _reaches_for(self, action: Action) -> list[_Reach]:
        return [r for r in self.reaches if action in GRANTS[r.kind]]

    def _span_condition(self, action: Action, *, probe_units: bool = False) -> Q | None:
        """Condition on UnitSpan rows that marks units in scope (alive today or ended).

        With `probe_units`, the same condition without a join on the spans' units (for
        PostgreSQL, see `members`): today's spans pass on their own columns, and any other
        span asks its unit's end (or start) by one probe of the unit's primary key, after the
        tests on its own dates."""
        cond: Q | None = None
        day = self.day
        unit = Unit.objects.filter(pk=OuterRef("unit_id")).order_by()
        for reach in self._reaches_for(action):
            lo, hi = subtree_range(reach.path)
            alive = reach.valid_from <= day < reach.valid_to
            # An ended unit's last span (valid_to = the unit's end) ends within this reach period.
            period = Q(valid_to__gt=reach.valid_from, valid_to__lte=reach.valid_to)
            if probe_units:
                # A scalar subquery, which PostgreSQL runs per span that reaches it, in the
                # order written: a correlated EXISTS would be hashed over every unit instead.
                ended = Q(valid_to__lte=day) & period
                ended &= Q(valid_to=Subquery(unit.values("valid_to")[:1]))
                when = ended
                if alive:
                    when = Q(valid_from__lte=day, valid_to__gt=day) | ended
                    # Units created with a future date: where they will first stand.
                    when |= Q(valid_from__gt=day) & Q(
                        valid_from=Subquery(unit.values("valid_from")[:1])
                    )
            else:
                when = Q(valid_to=F("unit__valid_to"), valid_to__lte=day) & period
                if alive:
                    when |= Q(valid_from__lte=day, valid_to__gt=day)
                    # Units created with a future date: where they will first stand.
                    when |= Q(valid_from__gt=day, valid_from=F("unit__valid_from"))
            part = Q(path__gte=lo, path__lt=hi) & when
            cond = part if cond is None else cond | part
        return cond

    def units(self, action: Action = Action.VIEW) -> QuerySet[Unit]:
        """Every unit (including ended ones) the user may act on."""
        if self.is_admin or self.covers_everything(action):
            # A role over the only root and all its history: every unit, with no semi-join
            # over the country's 600,000 spans.
            return Unit.objects.all()
        cond = self._scope_condition(action)
        if cond is None:
            return Unit.objects.none()
        return Unit.objects.filter(pk__in=UnitSpan.objects.filter(cond).values("unit_id"))

    def _scope_condition(self, action: Action, *, probe_units: bool = False) -> Q | None:
        """`_span_condition` and, for VIEW, the spans of the user's own branch: inside the span
        condition (the unit index serves it), not OR-ed with the semi-join, which PostgreSQL
        would test against every row of units_unit."""
        cond = self._span_condition(action, probe_units=probe_units)
        if action == Action.VIEW and self.own_member is not None:
            home = self._own_home_id()
            if home is not None:
                cond = Q(unit_id=home) if cond is None else cond | Q(unit_id=home)
        return cond

    def unit_filter(self, field: str, action: Action = Action.VIEW) -> Q:
        """A condition on rows pointing at a unit (`field`: "decider", "proposer", ...): true
        when that unit is in `units(action)`. Asked row by row (a correlated EXISTS on the
        unit's spans, served by their unit index), so it suits tables with few rows, such as
        proposals: `field__in=units(action)` builds the whole scope first (386,000 units at
        the centre of the national dataset, seconds), and PostgreSQL cannot turn an OR of two
        such semi-joins into joins."""
        if self.is_admin:
            return Q()
        cond = self._scope_condition(action)
        if cond is None:
            return Q(pk__in=[])
        return Q(Exists(UnitSpan.objects.filter(cond, unit_id=OuterRef(field))))

    def covers_all_alive(self, action: Action = Action.VIEW) -> bool:
        """Whether `units(action)` holds every unit that exists today: an administrator, or
        roles valid today on every root of today's tree (the organization officer at the
        centre)."""
        if self.is_admin:
            return True
        day = self.day
        paths = [r.path for r in self._reaches_for(action) if r.valid_from <= day < r.valid_to]
        if not paths:
            return False
        roots = (
            UnitSpan.objects.filter(parent__isnull=True, valid_from__lte=day, valid_to__gt=day)
            .order_by()
            .values_list("path", flat=True)
        )
        return all(any(root.startswith(p) for p in paths) for root in roots)

    def units_alive(self, action: Action = Action.VIEW) -> QuerySet[Unit] | None:
        """The units of `units(action)` that exist today, by a plainer query (spans valid today
        in the path ranges of the roles valid today, and the user's own branch); None when
        that is every unit existing today (`covers_all_alive`): no condition is needed then.
        For reads about today only (the home page's warnings), where ended and future units
        cannot appear."""
        cond = self.spans_today(action)
        if cond is None:
            return None
        day = self.day
        alive = UnitSpan.objects.filter(cond, valid_from__lte=day, valid_to__gt=day)
        return Unit.objects.filter(pk__in=alive.values("unit_id"))

    def visible_on(self, day: dt.date, action: Action = Action.VIEW) -> QuerySet[Unit] | None:
        """For a read of the units that exist on `day` (the tree, a unit's children): the units
        of `units(action)` to keep, None when no condition is needed (an administrator; today,
        a scope holding every unit that exists). Today this is `units_alive` (a plainer
        query); another day the whole scope, which includes units ended since."""
        if self.is_admin:
            return None
        if day == self.day:
            return self.units_alive(action)
        return self.units(action)

    def spans_today(self, action: Action = Action.VIEW) -> Q | None:
        """A condition on `UnitSpan` rows valid today that keeps those of `units(action)`: the
        path ranges of the roles valid today and the user's own branch; None when every unit
        existing today is in scope (`covers_all_alive`). A list of today's units filters its
        spans with it directly (path index, in path order) instead of by a semi-join."""
        if self.covers_all_alive(action):
            return None
        day = self.day
        cond: Q | None = None
        for reach in self._reaches_for(action):
            if reach.valid_from <= day < reach.valid_to:
                lo, hi = subtree_range(reach.path)
                part = Q(path__gte=lo, path__lt=hi)
                cond = part if cond is None else cond | part
        if action == Action.VIEW and self.own_member is not None:
            home = self._own_home_id()
            if home is not None:
                cond = Q(unit_id=home) if cond is None else cond | Q(unit_id=home)
        return Q(pk__in=[]) if cond is None else cond

    def unit_by_code(self, code: str, action: Action = Action.VIEW) -> Unit | None:
        """The unit with this code if the user may act on it (as `units(action)` decides), in
        one query by the code index (the unit and its few spans), not a semi-join over the
        subtrees of the user's roles."""
        if self.is_admin:
            return Unit.objects.filter(code=code).first()
        spans = list(
            UnitSpan.objects.filter(unit__code=code).select_related("unit").order_by("valid_from")
        )
        if not spans:  # a unit without spans is only ever the user's own branch
            unit = Unit.objects.filter(code=code).first() if self.own_member else None
            ok = unit is not None and self._allowed(action, unit, None, self.day, by_role=False)
            return unit if ok else None
        unit = spans[0].unit
        day = self.day
        if unit.valid_to <= day:
            found = [s for s in spans if s.valid_to == unit.valid_to]
            where = (found[0].path if found else None), unit.valid_to - dt.timedelta(days=1)
        elif unit.valid_from > day:
            where = spans[0].path, day
        else:
            alive = [s for s in spans if s.valid_from <= day < s.valid_to]
            where = (alive[0].path if alive else None), day
        return unit if self._allowed(action, unit, *where, by_role=False) else None

    def span_filter(self, action: Action = Action.VIEW) -> Q | None:
        """Condition on UnitSpan rows (or any rows with a `unit_id`) whose unit is in
        `units(action)`, None for an administrator: a correlated probe of each row's unit's
        spans, for short lists (the children of a unit) where the semi-join of `units` would
        read the whole subtree of the user's role."""
        if self.is_admin:
            return None
        cond = self._span_condition(action)
        found = Q(
            Exists(UnitSpan.objects.filter(cond, unit_id=OuterRef("unit_id")))
            if cond is not None
            else Q(pk__in=[])
        )
        if action == Action.VIEW and self.own_member is not None:
            home = self._own_home_id()
            if home is not None:
                found |= Q(unit_id=home)
        return found

    def _own_home_id(self) -> int | None:
        if self.own_member is None:
            return None
        if self.own_member.home_unit_id is not None:
            return self.own_member.home_unit_id
        last = MemberSpan.objects.filter(member=self.own_member).order_by("-valid_from").first()
        return last.unit_id if last is not None else None

    def can(self, action: Action, unit: Unit, *, by_role: bool = False) -> bool:
        """Whether `unit` lies in a subtree where one of the user's roles grants `action`
        (or, unless `by_role`, is the user's own branch, which a member may view)."""
        if self.is_admin:
            return True
        if (
            not by_role
            and action == Action.VIEW
            and self.own_member is not None
            and self._own_home_id() == unit.pk
        ):
            return True
        if not self._reaches_for(action):
            return False
        day = self.day
        spans = UnitSpan.objects.filter(unit=unit)
        if unit.valid_to <= day:  # ended: its last day, against the reach of that day
            path = spans.filter(valid_to=unit.valid_to).values_list("path", flat=True).first()
            on = unit.valid_to - dt.timedelta(days=1)
        elif unit.valid_from > day:  # not yet in existence: where it will first stand
            path = spans.order_by("valid_from").values_list("path", flat=True).first()
            on = day
        elif hasattr(unit, "path_today"):  # loaded by _with_path_today: no query
            path = unit.path_today
            on = day
        else:
            path = (
                spans.filter(valid_from__lte=day, valid_to__gt=day)
                .values_list("path", flat=True)
                .first()
            )
            on = day
        return self._allowed(action, unit, path, on, by_role=True)

    def _allowed(
        self, action: Action, unit: Unit, path: str | None, on: dt.date, *, by_role: bool
    ) -> bool:
        """`can` once the unit's place is known: its span's `path` for the day `on` (its last
        day if ended, today otherwise)."""
        if self.is_admin:
            return True
        if (
            not by_role
            and action == Action.VIEW
            and self.own_member is not None
            and self._own_home_id() == unit.pk
        ):
            return True
        if path is None:
            return False
        return any(
            r.valid_from <= on < r.valid_to and path.startswith(r.path)
            for r in self._reaches_for(action)
        )

    # -- citizens' petitions (coso.outreach) ---------------------------------------------------

    def sees_petition(
        self,
        handling_unit: Unit,
        place_unit: Unit | None = None,
        *,
        handler_id: int | None = None,
    ) -> bool:
        """Whether the user may see a petition at all: a role over its handling unit or over
        the place it concerns, or the member handling it."""
        own = self.own_member
        if own is not None and handler_id is not None and own.pk == handler_id:
            return True
        if self.can(Action.VIEW, handling_unit, by_role=True):
            return True
        return place_unit is not None and self.can(Action.VIEW, place_unit, by_role=True)

    def sees_petitioner(
        self,
        handling_unit: Unit,
        *,
        handling_path: str | None = None,
        handler_id: int | None = None,
        subject_id: int | None = None,
    ) -> bool:
        """Whether the user may read who filed a petition (name, contact): only the handling
        line — a role over the handling unit (on it or above it) and the member handling it —
        and never the member the petition is about, whatever their roles.

        `handling_path`, the handling unit's path today when the caller has it (a list
        annotates it), spares the query; an ended handling unit is judged by `can`."""
        own = self.own_member
        if own is not None and subject_id is not None and own.pk == subject_id:
            return False
        if self.is_admin:
            return True
        if own is not None and handler_id is not None and own.pk == handler_id:
            return True
        day = self.day
        if handling_path is not None and handling_unit.valid_from <= day < handling_unit.valid_to:
            return any(
                r.valid_from <= day < r.valid_to and handling_path.startswith(r.path)
                for r in self._reaches_for(Action.VIEW)
            )
        return self.can(Action.VIEW, handling_unit, by_role=True)

    def manages_petition(self, handling_unit: Unit, *, subject_id: int | None = None) -> bool:
        """Whether the user may record steps of a petition, escalate or resolve it:
        MANAGE_ACTIVITIES over its handling unit, and not the member it is about."""
        own = self.own_member
        if own is not None and subject_id is not None and own.pk == subject_id:
            return False
        return self.can(Action.MANAGE_ACTIVITIES, handling_unit, by_role=True)

    # -- members -------------------------------------------------------------------------------

    def covers_everything(self, action: Action = Action.VIEW) -> bool:
        """Whether a role granting `action` covers every unit there is, ended ones included (an
        officer at the only root): then its scope is the whole registry, and the lists need no
        semi-join over the tree's units (386,729 nationally).

        Only a reach on a root path valid today can; it covers everything when no unit span lies
        outside its path range and none ended before the reach began (one query, asked once
        per scope and action, and only for such a reach).
        """
        if self.is_admin:
            return True
        if action not in self._covers:
            day = self.day
            covers = False
            for reach in self._reaches_for(action):
                if reach.path.count("/") != 2 or not reach.valid_from <= day < reach.valid_to:
                    continue  # not a root's path (roots are "/<id>/"), or not today's
                if not spans_outside(reach.path, ended_by=reach.valid_from):
                    covers = True
                    break
            self._covers[action] = covers
        return self._covers[action]

    def members(self, action: Action = Action.VIEW) -> QuerySet[Member]:
        if self.is_admin:
            return Member.objects.all()
        if self.covers_everything(action):
            # Every unit is in scope, so every member with a home is; the reader's own record
            # has one too unless they left without one.
            query = Member.objects.filter(home_unit__isnull=False)
            own = self.own_member
            if action == Action.VIEW and own is not None and own.home_unit_id is None:
                query = query | Member.objects.filter(pk=own.pk)
            return query
        query = Member.objects.none()
        own = self.own_member
        if self._reaches_for(action):
            # The snapshot keeps the last home of members who left (sync_snapshot), so the home
            # alone decides, and the index on home_unit serves the semi-join.
            ids = self.unit_ids(action)
            assert ids is not None  # a scope covering everything has returned above
            query = Member.objects.filter(home_unit__in=ids)
            home = own.home_unit if own is not None and own.home_unit_id is not None else None
            if action == Action.VIEW and home is not None and self.can(action, home, by_role=True):
                # The reader's own record is already in (a secretary of their own branch): an
                # "OR this member" would make SQLite read every member by status instead.
                return query
        if action == Action.VIEW and own is not None:
            query = query | Member.objects.filter(pk=own.pk)
        return query

    def unit_ids(self, action: Action = Action.VIEW) -> QuerySet[Any] | None:
        """The ids of `units(action)` as a subquery, for a semi-join of rows by their unit
        (`unit_id__in=…`); None when the scope covers every unit, so no condition is needed.

        On PostgreSQL the ids of the spans in scope, the units probed only for the spans not
        valid today (`_span_condition(probe_units=True)`): joined to their units, the spans
        were hashed against every row of units_unit, twice with the outer units (a parallel
        hash join, about 100 ms for a province nationally, where its spans alone are read by
        the path index in a few ms). SQLite keeps the plain semi-join of `units`."""
        if self.covers_everything(action):
            return None
        if connection.vendor != "postgresql":
            return self.units(action).values("pk")
        cond = self._scope_condition(action, probe_units=True)
        if cond is None:
            return UnitSpan.objects.none().values("unit_id")
        return UnitSpan.objects.filter(cond).order_by().values("unit_id")

    def reaches_any(self, rows: QuerySet[Any], action: Action = Action.VIEW) -> bool:
        """Whether some row of `rows` (rows with a `unit_id`) lies at a unit of `units(action)`.

        Asked from the scope's spans, read by the path index, each probing its unit's rows and
        stopping at the first found: `rows.filter(unit_id__in=unit_ids())` hashed the scope and
        then read every row (a directive's 77,000 records for a province, 67 ms; this: 2 ms)."""
        if self.covers_everything(action):
            return rows.exists()
        cond = self._scope_condition(action, probe_units=connection.vendor == "postgresql")
        if cond is None:
            return False
        found = Exists(rows.filter(unit_id=OuterRef("unit_id")))
        return UnitSpan.objects.filter(cond).filter(found).exists()

    def can_member(self, action: Action, member: Member) -> bool:
        """`member in members(action)`, decided from the member's home unit (a few index
        probes) rather than by a semi-join over the subtree, which a role at the root makes the
        whole country."""
        if self.is_admin:
            return True
        own = self.own_member
        if action == Action.VIEW and own is not None and own.pk == member.pk:
            return True
        if not self._reaches_for(action) or member.home_unit_id is None:
            return False
        home = _with_path_today(Unit.objects.filter(pk=member.home_unit_id), self.day).first()
        return home is not None and self.can(action, home)

    # -- home ----------------------------------------------------------------------------------

    def home_unit(self) -> Unit | None:
        """The unit of the user's main role (for the home page)."""
        for kind in _HOME_ORDER:
            units = self.role_units.get(kind)
            if units:
                return _alive_successor(units[0])
        if self.own_member is not None:
            home = self._own_home_id()
            return Unit.objects.filter(pk=home).first() if home is not None else None
        if self.is_admin:
            roots = UnitSpan.objects.filter(
                parent__isnull=True, valid_from__lte=self.day, valid_to__gt=self.day
            ).order_by("unit__code")
            span = roots.select_related("unit").first()
            return span.unit if span is not None else None
        return None

    @property
    def role_kinds(self) -> list[str]:
        kinds = list(self.role_units)
        if self.is_admin:
            kinds.insert(0, RoleKind.ADMIN)
        if self.own_member is not None:
            kinds.append(RoleKind.MEMBER)
        return kinds


def _alive_successor(unit: Unit) -> Unit:
    """The unit itself, or the unit it was merged into (followed), if it has ended."""
    chain = _follow_merges({unit.pk})[unit.pk]
    if len(chain) == 1:
        return unit
    return Unit.objects.get(pk=chain[-1])


def scope_of(user: Any) -> Scope:
    """The user's scope, cached on the user object (so once per request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope(None)
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None or cached.day != today():
        cached = Scope(user)
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_scope(user: Any) -> None:
    """Drop the cached scope (after roles change within the same request or test)."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _key(text: str | None) -> str:
    """A code or registry number from a URL; NUL (which PostgreSQL refuses in text) matches none."""
    return (text or "").strip().replace("\x00", "\ufffd")


# The loaders find the one object by its key, then ask `can` / `can_member` about it: the same
# answer as filtering `units(action)` / `members(action)`, without the semi-join over every unit
# of the scope (386,000 at the centre of the national dataset: seconds per page).


def _with_path_today(units: QuerySet[Unit], day: dt.date) -> QuerySet[Unit]:
    """The units with `path_today`, the path of their span valid on `day` (None if none), which
    `Scope.can` reads instead of asking for it: a loader costs one query."""
    today_span = UnitSpan.objects.filter(
        unit_id=OuterRef("pk"), valid_from__lte=day, valid_to__gt=day
    )
    return units.annotate(path_today=Subquery(today_span.order_by().values("path")[:1]))


def get_unit_for_user(user: Any, code: str, action: Action = Action.VIEW) -> Unit:
    found = scope_of(user)
    unit = _with_path_today(Unit.objects.filter(code=_key(code)), found.day).first()
    if unit is None or not found.can(action, unit):
        raise Http404("Không tìm thấy đơn vị.")
    return unit


def get_member_for_user(user: Any, member_id: str, action: Action = Action.VIEW) -> Member:
    member = Member.objects.filter(member_id=_key(member_id)).first()
    if member is None or not scope_of(user).can_member(action, member):
        raise Http404("Không tìm thấy đảng viên.")
    return member


# -- files, guests, receiving --------------------------------------------------------------------


class FileKind(StrEnum):
    UNITS = "units"  # code,name,kind,parent,...: parents must be in MANAGE_UNITS scope
    MEMBERS = "members"  # ...,branch,group,...: in MANAGE_MEMBERS scope
    PLAN = "plan"  # op,unit,into,...: in MANAGE_UNITS scope


# Translated when a file is checked (issue 13 point 14: refusals in the reader's language).
OUT_OF_SCOPE = gettext_lazy("không có đơn vị mã «%(code)s» trong phạm vi được giao")
ROOT_FOR_ADMINS = gettext_lazy("chỉ quản trị hệ thống được tạo đơn vị gốc")


def file_scope_errors(user: Any, table: Table, kind: FileKind) -> list[RowError]:
    """Rows of an uploaded file naming units the user may not act on, as row errors.

    The one check for pages, API and background imports. A unit outside the scope is reported
    exactly like a unit that does not exist, so the answer does not tell whether it exists;
    a unit the file itself creates may be named by later rows; only administrators create roots.
    """
    scope = scope_of(user)
    if scope.is_admin:
        return []
    action = Action.MANAGE_MEMBERS if kind == FileKind.MEMBERS else Action.MANAGE_UNITS
    cited: list[tuple[int, str, str]] = []  # line, column, code
    created: set[str] = set()
    roots: list[tuple[int, str]] = []
    for row in table.rows:
        values = {k: (v or "").strip() for k, v in row.values.items()}
        if kind == FileKind.UNITS:
            created.add(values.get("code", ""))
            if values.get("parent"):
                cited.append((row.line, "parent", values["parent"]))
            else:
                roots.append((row.line, "parent"))
        elif kind == FileKind.MEMBERS:
            cited += [(row.line, c, values[c]) for c in ("branch", "group") if values.get(c)]
        else:
            if values.get("op", "").lower() == "create":
                created.add(values.get("unit", ""))
                if not values.get("into"):
                    roots.append((row.line, "into"))
            elif values.get("unit"):
                cited.append((row.line, "unit", values["unit"]))
            if values.get("into"):
                cited.append((row.line, "into", values["into"]))
    codes = {code for _l, _c, code in cited} - created
    allowed = set(scope.units(action).filter(code__in=codes).values_list("code", flat=True))
    errors = [RowError(table.name, line, column, str(ROOT_FOR_ADMINS)) for line, column in roots]
    errors += [
        RowError(table.name, line, column, OUT_OF_SCOPE % {"code": code})
        for line, column, code in cited
        if code in codes and code not in allowed
    ]
    return sorted(errors, key=lambda e: (e.row, e.column))


def invitable_guests(unit: Unit, on: dt.date) -> QuerySet[Member]:
    """Who a unit may invite to its meeting as guests: the committee of the unit above on `on`."""
    above = UnitSpan.objects.filter(unit=unit, valid_from__lte=on, valid_to__gt=on).values(
        "parent_id"
    )
    committee = Position.objects.filter(
        unit_id__in=above, valid_from__lte=on, valid_to__gt=on
    ).values("member_id")
    return Member.objects.filter(pk__in=committee)


def member_to_receive(user: Any, member_id: str, branch_code: str | None) -> Member:
    """The member a receiving branch takes in: one the user manages, or a member in transit
    from anywhere (another province too) when the receiving branch is one the user manages.
    Anyone else is 404, as for any member out of scope."""
    try:
        return get_member_for_user(user, member_id, Action.MANAGE_MEMBERS)
    except Http404:
        member = Member.objects.filter(member_id=_key(member_id), in_transit=True).first()
        branch = Unit.objects.filter(code=_key(branch_code)).first() if branch_code else None
        if member is None or branch is None:
            raise
        if not scope_of(user).can(Action.MANAGE_MEMBERS, branch):
            raise
        return member


def audit_entries_for(user: Any) -> QuerySet[AuditEntry]:
    """Entries the user may read: everything for admins, their VIEW_AUDIT subtree otherwise."""
    scope = scope_of(user)
    if scope.is_admin:
        return AuditEntry.objects.all()
    if not scope.reaches:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(unit__in=scope.units(Action.VIEW_AUDIT).values("pk"))


# -- second factor --------------------------------------------------------------------------------

_NO_DEVICE = "coso_otp_no_device"


def totp_required(user: Any, session: Any = None) -> bool:
    """A user with a confirmed device always verifies it; officers must have one if so set.

    "No device" is remembered in the session: devices are enrolled through the setup page,
    which verifies the session at once, so the answer cannot go stale in a harmful way.
    """
    if user is None or not user.is_authenticated:
        return False
    if session is None or not session.get(_NO_DEVICE):
        if user_has_device(user, confirmed=True):
            return True
        if session is not None:
            session[_NO_DEVICE] = True
    # The scope is cached on the user for the request, and the pages need it anyway.
    return RoleKind.ORG_OFFICER in scope_of(user).role_units and officers_need_totp()


def users_acting_for(unit: Unit, *actions: Action) -> list[Any]:
    """Who acts for `unit` in `actions` (whom to tell that something awaits it): the active users
    whose roles on the unit itself grant them all, else those of the nearest unit above that has
    any.

    Each is checked with `can`, so a role that no longer reaches the unit (merged away) does not
    count. Administrators are left out: they see every inbox but answer for none of them.
    """
    kinds = [kind for kind in _HOME_ORDER if set(actions) <= GRANTS[kind]]
    spans = UnitSpan.objects.filter(unit=unit)
    day = today()
    span = spans.filter(valid_from__lte=day, valid_to__gt=day).first()
    if span is None:  # ended or not yet started: where it stood last (or will first)
        span = spans.order_by("-valid_from").first()
    if span is None:
        return []
    chain = [int(part) for part in reversed(span.path.strip("/").split("/")) if part]
    roles = (
        Role.objects.filter(unit_id__in=chain, kind__in=kinds, user__is_active=True)
        .select_related("user")
        .order_by("user_id")
    )
    by_unit: dict[int, list[Any]] = {}
    for role in roles:
        assert role.unit_id is not None
        users = by_unit.setdefault(role.unit_id, [])
        if all(u.pk != role.user_id for u in users):
            users.append(role.user)
    for unit_id in chain:
        found = [
            u
            for u in by_unit.get(unit_id, [])
            if all(scope_of(u).can(action, unit, by_role=True) for action in actions)
        ]
        if found:
            return found
    return []


# -- a forgotten password (issue 13) --------------------------------------------------------------


def may_reset_password(user: Any, target: Any) -> bool:
    """Whether `user` may give `target` a temporary password: RESET_PASSWORD over everything the
    target's account reaches (the member it is linked to, the units of its roles), never an
    administrator's account nor one's own; administrators may reset any other account."""
    scope = scope_of(user)
    if (
        target is None
        or target.pk == getattr(user, "pk", None)
        or not scope.holds(Action.RESET_PASSWORD)
    ):
        return False
    if scope.is_admin:
        return True
    if target.is_superuser or target.is_staff:
        return False
    roles = list(Role.objects.filter(user=target).select_related("unit"))
    if any(r.kind == RoleKind.ADMIN for r in roles):
        return False
    reached = False
    for role in roles:
        if role.unit is not None:
            if not scope.can(Action.RESET_PASSWORD, role.unit, by_role=True):
                return False
            reached = True
    account = Account.objects.filter(user=target).select_related("member").first()
    if account is not None and account.member is not None:
        if not scope.can_member(Action.RESET_PASSWORD, account.member):
            return False
        reached = True
    return reached


def accounts_to_reset(user: Any, text: str, limit: int = 25) -> list[Any]:
    """Accounts matching `text` (login, member's name without diacritics, or member id) whose
    password `user` may reset, at most `limit`, by login. The text filters first, then each
    candidate is checked with `may_reset_password` (a page's worth of probes)."""
    scope = scope_of(user)
    text = (text or "").strip().replace("\x00", "")
    if not text or not scope.holds(Action.RESET_PASSWORD):
        return []
    by_name = Q()
    for word in fold(text).split():
        by_name &= Q(account__member__search_name__contains=word)
    found = (
        get_user_model()
        .objects.filter(
            Q(username__icontains=text) | Q(account__member__member_id=text) | by_name,
            is_active=True,
        )
        .select_related("account__member")
        .order_by("username")[: limit * 2]
    )
    return [u for u in found if may_reset_password(user, u)][:limit]


def account_unit(target: Any) -> Unit | None:
    """Where writes about an account are filed in the audit trail: the home of the member it is
    linked to, else the unit of its first role."""
    account = Account.objects.filter(user=target).select_related("member__home_unit").first()
    if account is not None and account.member is not None and account.member.home_unit:
        return account.member.home_unit
    role = Role.objects.filter(user=target).exclude(unit=None).select_related("unit").first()
    return role.unit if role is not None else None


def get_account_for_reset(user: Any, target_id: int) -> Any:
    """The loader of an account whose password `user` may reset; 404 for any other."""
    target = get_user_model().objects.filter(pk=target_id, is_active=True).first()
    if not may_reset_password(user, target):
        raise Http404("Không tìm thấy tài khoản.")
    return target
