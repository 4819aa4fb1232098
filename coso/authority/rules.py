"""Which body proposes and which body decides an act: the `authority` rule set, read as of a date.

The rule set is data (coso/core/default_rules.py, versioned, adjustable per province); this
module only reads it against the tree on the act's date. An act the rule set does not name is
recorded directly by whoever may manage the subject (positions, participations, a death).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from coso.core.errors import CosoError
from coso.core.rules import ruleset
from coso.members.models import Member, MemberSpan
from coso.units.models import Unit, UnitSpan


@dataclass(frozen=True)
class Authority:
    act: str
    proposer: Unit  # the body whose resolution proposes
    decider: Unit  # the committee whose decision makes the act take effect
    source: str
    # No committee stands above the unit (a root): only administrators may record the act.
    above_root: bool = False

    @property
    def decided_by_proposer(self) -> bool:
        return self.proposer.pk == self.decider.pk


def decision_working_days(on: dt.date) -> int:
    values, _source = ruleset("authority", on)
    return int(values.get("decision_working_days", 30))


def _span(unit: Unit, on: dt.date) -> UnitSpan | None:
    spans = UnitSpan.objects.filter(unit=unit)
    found = spans.filter(valid_from__lte=on, valid_to__gt=on).select_related("parent").first()
    if found is None:  # not yet created (or already ended) on that day: where it stands nearest
        found = spans.order_by("-valid_from").select_related("parent").first()
    return found


def _ancestors(span: UnitSpan, on: dt.date) -> list[UnitSpan]:
    """The spans above `span` on `on`, nearest first (one query: the path lists their ids)."""
    ids = [int(part) for part in span.path.strip("/").split("/")[:-1]]
    day = on if span.valid_from <= on < span.valid_to else span.valid_from
    rows = {
        s.unit_id: s
        for s in UnitSpan.objects.filter(
            unit_id__in=ids, valid_from__lte=day, valid_to__gt=day
        ).select_related("unit")
    }
    return [rows[i] for i in reversed(ids) if i in rows]


def subject_unit(subject: Member | Unit, on: dt.date) -> Unit | None:
    """The unit an act on `subject` concerns: the member's branch on `on`, or the unit itself."""
    if isinstance(subject, Unit):
        return subject
    span = (
        MemberSpan.objects.filter(member=subject, valid_from__lte=on, valid_to__gt=on)
        .select_related("unit")
        .first()
    )
    if span is not None:
        return span.unit
    return subject.home_unit


def authority_for(act: str, subject: Member | Unit, on: dt.date) -> Authority | None:
    """Who proposes and who decides `act` on `subject` on `on`; None when the act is not governed."""
    return authorities_for([act], subject, on)[act]


def authorities_for(
    acts: list[str], subject: Member | Unit, on: dt.date
) -> dict[str, Authority | None]:
    """`authority_for` of several acts on one subject, reading the tree once (a page's buttons)."""
    values, source = ruleset("authority", on)
    rules = {act: values.get("acts", {}).get(act) for act in acts}
    found: dict[str, Authority | None] = dict.fromkeys(acts)
    if not any(rules.values()):
        return found
    unit = subject_unit(subject, on)
    if unit is None:
        raise CosoError(f"Không xác định được chi bộ của «{subject}» vào ngày {on:%d/%m/%Y}.")
    span = _span(unit, on)
    if span is None:
        raise CosoError(f"Đơn vị «{unit.code}» không có trong cây tổ chức.")
    above: list[UnitSpan] | None = None
    for act, rule in rules.items():
        if rule is None:
            continue
        decider_rule = rule["decider"]
        if decider_rule == "self":
            decider = unit
        elif decider_rule == "parent":
            if span.parent is None:
                found[act] = Authority(act, unit, unit, source, above_root=True)
                continue
            decider = span.parent
        elif isinstance(decider_rule, dict) and span.kind in decider_rule["at_or_above"]:
            # {"at_or_above": kinds}: the unit itself when its kind is listed, else as a list.
            decider = unit
        else:
            kinds = decider_rule["at_or_above"] if isinstance(decider_rule, dict) else decider_rule
            above = _ancestors(span, on) if above is None else above
            listed = [s for s in above if s.kind in kinds]
            # No listed committee above (a province's own branches): the province decides.
            fallback = [s for s in above if s.kind != "central"]
            chosen = listed[0] if listed else (fallback[-1] if fallback else None)
            if chosen is None:
                found[act] = Authority(act, unit, unit, source, above_root=True)
                continue
            decider = chosen.unit
        found[act] = Authority(act=act, proposer=unit, decider=decider, source=source)
    return found
