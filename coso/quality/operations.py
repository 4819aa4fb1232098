"""Writes of the quality app: criteria versions, self-assessments, reviews, the decisions
(run by the authority catalogue's acts `assessment`, `classify_unit`, `classify_member`), and
the member's self-review. Each is one transaction with its audit entry; the decisions' entries
are written by `catalogue.execute`, which calls them.

The classification rules of the year (Regulation 124-QĐ/TW, 366-QĐ/TW: the `classification`
rule set in force on 31/12 of the year) are enforced here, at decision time, so a proposal is
refused at filing (its rehearsal) and a decision at deciding, with the same message.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from coso.audit.log import AuditAction, record_write
from coso.authority.rules import authority_for
from coso.core.dates import fmt
from coso.core.errors import CosoError
from coso.core.models import Decision
from coso.core.rules import ruleset
from coso.members.models import Member, MemberSpan, Participation, ParticipationKind
from coso.oversight.queries import disciplined_in_year
from coso.quality.criteria import check_content
from coso.quality.evidence import prefill
from coso.quality.models import (
    LEVELS,
    Assessment,
    Classification,
    CriteriaSet,
    Level,
    MemberReview,
    rank,
)
from coso.quality.tally import refresh_branch, unit_rated
from coso.units.models import Unit, UnitSpan


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def year_rules(year: int) -> tuple[dict[str, Any], str]:
    """The classification rules of `year` (the version in force on 31/12) and their source."""
    return ruleset("classification", year_end(year))


def level_label(level: str) -> str:
    return str(Level(level).label)


def _authenticated(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


# --------------------------------------------------------------------------------------------
# Criteria sets


def save_criteria_set(
    *,
    family: str,
    name: str,
    unit_kinds: list[str],
    categories: list[str],
    effective_from: dt.date,
    source: str,
    content: Any,
    template: bool = False,
    note: str = "",
    owner: Unit | None = None,
    user: Any = None,
    actor: Any = None,
) -> CriteriaSet:
    """A new version of `family` (the first when it is new). Never changes an earlier version:
    assessments made with it keep it."""
    family = (family or "").strip()
    if not family:
        raise CosoError("Cần mã bộ tiêu chí.")
    if not (name or "").strip():
        raise CosoError(f"Bộ tiêu chí «{family}»: cần tên.")
    kinds = [k for k in unit_kinds if k]
    if not kinds:
        raise CosoError(f"Bộ tiêu chí «{family}»: cần ít nhất một loại đơn vị áp dụng.")
    clean = check_content(content)
    with transaction.atomic():
        latest = (
            CriteriaSet.objects.select_for_update().filter(family=family).order_by("-version")
        ).first()
        if latest is not None and effective_from < latest.effective_from:
            raise CosoError(
                f"Bộ tiêu chí «{family}»: phiên bản mới áp dụng từ {fmt(effective_from)}, trước "
                f"phiên bản {latest.version} (từ {fmt(latest.effective_from)})."
            )
        version = (
            CriteriaSet.objects.filter(family=family).aggregate(v=Max("version"))["v"] or 0
        ) + 1
        created = CriteriaSet.objects.create(
            family=family,
            version=version,
            name=name.strip(),
            unit_kinds=kinds,
            categories=[c for c in categories if c],
            effective_from=effective_from,
            source=(source or "").strip()[:300],
            template=template,
            note=note,
            owner=owner,
            content=clean,
            previous=latest,
            created_by=_authenticated(user),
        )
        record_write(
            actor or user,
            AuditAction.CRITERIA_SAVE,
            f"quality.criteriaset:{family}",
            None if latest is None else {"version": latest.version},
            {
                "version": version,
                "name": created.name,
                "effective_from": effective_from,
                "unit_kinds": kinds,
                "content": clean,
            },
            owner,
        )
    return created


# --------------------------------------------------------------------------------------------
# Assessments


def _span_in(unit: Unit, start: dt.date, end: dt.date) -> UnitSpan:
    """The unit's span at the period's end (or its last one inside the period)."""
    span = (
        UnitSpan.objects.filter(unit=unit, valid_from__lt=end, valid_to__gt=start)
        .order_by("-valid_from")
        .first()
    )
    if span is None:
        raise CosoError(
            f"Đơn vị «{unit.code}» không tồn tại trong kỳ {fmt(start)} – "
            f"{fmt(end - dt.timedelta(days=1))}."
        )
    return span


def applies(criteria: CriteriaSet, span: UnitSpan) -> bool:
    if span.kind not in criteria.unit_kinds:
        return False
    return not criteria.categories or bool(set(criteria.categories) & set(span.tag_list))


def start_assessment(
    unit: Unit,
    criteria: CriteriaSet,
    *,
    start: dt.date,
    end: dt.date,
    label: str = "",
    user: Any = None,
    actor: Any = None,
) -> Assessment:
    """Open the unit's self-assessment for [start, end) against `criteria`, with the evidence
    prefilled from the data (frozen on the assessment, each figure with its source)."""
    if end <= start:
        raise CosoError(f"Kỳ đánh giá: ngày cuối {fmt(end)} không sau ngày đầu {fmt(start)}.")
    span = _span_in(unit, start, end)
    if not applies(criteria, span):
        raise CosoError(
            f"Bộ tiêu chí «{criteria.name}» không áp dụng cho «{unit.code}» ({span.kind})."
        )
    newest = (
        CriteriaSet.objects.filter(family=criteria.family, effective_from__lt=end)
        .order_by("-version")
        .first()
    )
    if newest is None or newest.pk != criteria.pk:
        raise CosoError(
            f"Bộ tiêu chí «{criteria.name}» phiên bản {criteria.version} không phải phiên bản "
            f"áp dụng cho kỳ đến {fmt(end - dt.timedelta(days=1))}."
        )
    if Assessment.objects.filter(
        unit=unit, criteria_set__family=criteria.family, period_start=start
    ).exists():
        raise CosoError(
            f"«{unit.code}» đã có bản đánh giá kỳ từ {fmt(start)} theo bộ tiêu chí này."
        )
    with transaction.atomic():
        assessment = Assessment.objects.create(
            unit=unit,
            criteria_set=criteria,
            period_start=start,
            period_end=end,
            label=(label or str(start.year))[:40],
            evidence=[f.as_json() for f in prefill(unit, start, end)],
            evidence_at=timezone.now(),
            created_by=_authenticated(user),
        )
        record_write(
            actor or user,
            AuditAction.ASSESSMENT_SAVE,
            assessment,
            None,
            {
                "criteria": str(criteria),
                "start": start,
                "end": end,
                "evidence": assessment.evidence,
            },
            unit,
        )
    return assessment


def _checked_scores(
    criteria: CriteriaSet, scores: dict[str, Any], breaches: list[str], who: str
) -> tuple[dict[str, int], list[str], int]:
    allowed = {s["code"]: int(s["points"]) for c in criteria.good for s in c["sub"]}
    clean: dict[str, int] = {}
    for code, value in scores.items():
        if code not in allowed:
            raise CosoError(f"{who}: không có tiêu chí con «{code}» trong bộ tiêu chí.")
        try:
            points = int(value)
        except (TypeError, ValueError):
            raise CosoError(f"{who}: điểm của «{code}» phải là số nguyên.") from None
        if not 0 <= points <= allowed[code]:
            raise CosoError(
                f"{who}: điểm của «{code}» từ 0 đến {allowed[code]}, không phải {points}."
            )
        clean[code] = points
    no_codes = {c["code"] for c in criteria.no}
    unknown = [b for b in breaches if b not in no_codes]
    if unknown:
        raise CosoError(f"{who}: không có tiêu chí «không» «{unknown[0]}» trong bộ tiêu chí.")
    return clean, sorted(set(breaches)), sum(clean.values())


def save_self_assessment(
    assessment: Assessment,
    *,
    scores: dict[str, Any],
    breaches: list[str],
    note: str = "",
    refresh_evidence: bool = False,
    user: Any = None,
    actor: Any = None,
) -> Assessment:
    """The unit's own scores and the "no" criteria it broke, while it has not been proposed."""
    if not assessment.editable:
        raise CosoError(
            f"Bản đánh giá {assessment} đã gửi đề nghị hoặc đã có quyết định: không sửa được."
        )
    clean, broke, total = _checked_scores(
        assessment.criteria_set, scores, breaches, f"Tự đánh giá của {assessment.unit.code}"
    )
    with transaction.atomic():
        before = {"scores": assessment.scores, "breaches": assessment.breaches}
        assessment.scores, assessment.breaches, assessment.self_total = clean, broke, total
        assessment.self_note = note
        # A vetting was of the scores it saw: new scores wait for a new one.
        assessment.review_total = assessment.review_breaches = None
        assessment.review_note, assessment.reviewed_by, assessment.reviewed_at = "", None, None
        if refresh_evidence:
            assessment.evidence = [
                f.as_json()
                for f in prefill(assessment.unit, assessment.period_start, assessment.period_end)
            ]
            assessment.evidence_at = timezone.now()
        assessment.save()
        record_write(
            actor or user,
            AuditAction.ASSESSMENT_SAVE,
            assessment,
            before,
            {"scores": clean, "breaches": broke, "total": total},
            assessment.unit,
        )
    return assessment


def review_assessment(
    assessment: Assessment,
    *,
    total: int,
    breaches: list[str],
    note: str,
    user: Any = None,
    actor: Any = None,
) -> Assessment:
    """The superior's advisory body vets the self-assessment and proposes its total."""
    if assessment.status != "pending":
        raise CosoError(
            f"Bản đánh giá {assessment} không chờ thẩm định (chưa gửi hoặc đã quyết định)."
        )
    criteria = assessment.criteria_set
    if not 0 <= total <= criteria.max_points:
        raise CosoError(f"Điểm thẩm định từ 0 đến {criteria.max_points}, không phải {total}.")
    _c, broke, _t = _checked_scores(criteria, {}, breaches, "Thẩm định")
    with transaction.atomic():
        assessment.review_total, assessment.review_breaches = total, broke
        assessment.review_note = note
        assessment.reviewed_by = _authenticated(user)
        assessment.reviewed_at = timezone.now()
        assessment.save()
        record_write(
            actor or user,
            AuditAction.ASSESSMENT_REVIEW,
            assessment,
            None,
            {"total": total, "breaches": broke, "note": note},
            assessment.unit,
        )
    return assessment


def decide_assessment(
    assessment: Assessment,
    *,
    total: int,
    breaches: list[str],
    decision: Decision | None,
    on: dt.date,
) -> Assessment:
    """The competent committee's decision (or a re-rating of a decided one): the total and the
    "no" criteria broken; the model title is earned at the pass mark with no "no" broken.
    Called by the catalogue's act `assessment` (which writes the audit entry)."""
    criteria = assessment.criteria_set
    if not 0 <= total <= criteria.max_points:
        raise CosoError(
            f"Bản đánh giá {assessment}: tổng điểm từ 0 đến {criteria.max_points}, không phải {total}."
        )
    if on < assessment.period_start:
        raise CosoError(f"Quyết định ngày {fmt(on)} trước kỳ đánh giá {assessment.label}.")
    _c, broke, _t = _checked_scores(criteria, {}, breaches, f"Quyết định về {assessment}")
    decider = authority_for("assessment", assessment.unit, on)
    assessment.decided_total = total
    assessment.decided_breaches = broke
    assessment.passed = total >= criteria.pass_points and not broke
    assessment.decision = decision
    assessment.decided_on = on
    assessment.decider = decider.decider if decider is not None else None
    assessment.save()
    return assessment


# --------------------------------------------------------------------------------------------
# Classification


def _refuse_level(level: str) -> None:
    if level not in LEVELS:
        raise CosoError(f"Mức xếp loại «{level}» không hợp lệ ({', '.join(LEVELS)}).")


def _check_band(rules: dict[str, Any], who: str, level: str, score: int | None) -> None:
    bands = rules.get("bands")
    regulation = rules["regulation"]
    if not bands:
        return
    if score is None:
        raise CosoError(f"{who}: Quy định {regulation} chấm theo thang 100 điểm, cần nhập điểm.")
    if not 0 <= score <= 100:
        raise CosoError(f"{who}: điểm từ 0 đến 100, không phải {score}.")
    band = next(lvl for low, lvl in bands if score >= low)
    if band != level:
        raise CosoError(
            f"{who}: {score} điểm thuộc mức «{level_label(band)}» theo Quy định {regulation}, "
            f"không xếp «{level_label(level)}» được."
        )


def _check_cap(
    rules: dict[str, Any], key: str, who: str, year: int, level: str, decision_number: str
) -> None:
    cap = rules.get(key)
    if cap and rank(level) < rank(cap):
        raise CosoError(
            f"{who} bị kỷ luật trong năm {year} (quyết định số {decision_number}): theo Quy định "
            f"{rules['regulation']} không được xếp loại cao hơn «{level_label(cap)}»."
        )


def _check_quota(
    rules: dict[str, Any], who: str, year: int, level: str, group_key: str, exclude: dict[str, Any]
) -> None:
    quota = rules.get("excellent_quota")
    if level != Level.EXCELLENT or not quota:
        return
    num, den = quota["ratio"]
    counted = quota["of"]
    rows = (
        Classification.objects.filter(year=year, current=True, group_key=group_key)
        .exclude(**exclude)
        .values_list("level", flat=True)
    )
    levels = [*rows, Level.EXCELLENT]
    excellent = sum(1 for v in levels if v == Level.EXCELLENT)
    base = sum(1 for v in levels if v in counted)
    if excellent * den > base * num:
        allowed = base * num // den
        raise CosoError(
            f"{who}: vượt hạn mức «{level_label(Level.EXCELLENT)}» — không quá {num * 100 // den}% "
            f"số được xếp «{level_label(Level.GOOD)}» trở lên trong nhóm tương đồng (Quy định "
            f"{rules['regulation']}): nhóm có {base} tổ chức, đảng viên được xếp từ mức tốt trở "
            f"lên kể cả trường hợp này, tối đa {allowed} xuất sắc, đã có {excellent - 1}."
        )


def _decider(act: str, subject: Unit | Member, on: dt.date) -> Unit:
    """The committee the authority rule set names to decide `act`; refused when the rule set
    does not govern it (a rating is never recorded without its competent body)."""
    authority = authority_for(act, subject, on)
    if authority is None:
        raise CosoError(
            f"Bộ quy định thẩm quyền (authority) ngày {fmt(on)} chưa quy định cấp quyết định việc "
            f"«{act}»: quản trị hệ thống bổ sung trước khi xếp loại."
        )
    return authority.decider


def _supersede(current: Classification | None) -> None:
    if current is not None:
        current.current = False
        current.save(update_fields=["current"])


def rated_unit_span(unit: Unit, year: int) -> UnitSpan:
    """The unit's span at the end of `year` (its last one in the year if it ended before)."""
    return _span_in(unit, dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


def classify_unit(
    unit: Unit,
    *,
    year: int,
    level: str,
    score: int | None = None,
    disciplined: bool = False,
    discipline_decision: str = "",
    self_detected: bool = False,
    note: str = "",
    decision: Decision | None,
    on: dt.date,
    user: Any = None,
) -> Classification:
    """Decide the unit's quality level for `year` (a re-rating supersedes the current one).

    Refused with the rule's message: a kind not rated; a level against the score's band (366);
    a disciplined unit (not self-detected) above the cap; units directly under it not yet rated
    (lower levels first); the excellent quota within its comparable group."""
    rules, _source = year_rules(year)
    regulation = rules["regulation"]
    _refuse_level(level)
    who = f"Đơn vị «{unit.code}»"
    span = rated_unit_span(unit, year)
    if span.kind not in rules["rated_unit_kinds"]:
        raise CosoError(f"{who} ({span.kind}) không thuộc loại tổ chức được xếp loại năm {year}.")
    if on < dt.date(year, 1, 1):
        raise CosoError(f"{who}: quyết định ngày {fmt(on)} trước năm xếp loại {year}.")
    _check_band(rules, who, level, score)
    discipline_decision = (discipline_decision or "").strip()
    if disciplined and not discipline_decision:
        raise CosoError(f"{who}: ghi số quyết định kỷ luật trong năm {year}.")
    if disciplined and not self_detected:
        _check_cap(rules, "unit_disciplined_max", who, year, level, discipline_decision)
    # The decisions recorded in Coso (coso.oversight) apply by themselves; the flag stays for
    # discipline recorded elsewhere. One the organization found itself does not cap it.
    recorded = disciplined_in_year(unit, year)
    found_by_others = [d.number for d in recorded if not d.self_detected]
    if found_by_others:
        _check_cap(rules, "unit_disciplined_max", who, year, level, ", ".join(found_by_others))
    if recorded:
        self_detected = not found_by_others and (self_detected or not disciplined)
        disciplined = True
        discipline_decision = discipline_decision or ", ".join(d.number for d in recorded)
    day = min(year_end(year), span.valid_to - dt.timedelta(days=1))
    children = UnitSpan.objects.filter(
        parent=unit, valid_from__lte=day, valid_to__gt=day, kind__in=rules["rated_unit_kinds"]
    )
    rated = Classification.objects.filter(unit=OuterRef("unit"), year=year, current=True)
    missing = list(children.exclude(Exists(rated)).values_list("unit__code", flat=True)[:5])
    if missing:
        raise CosoError(
            f"{who}: cấp dưới xếp loại trước, cấp trên sau — các đơn vị trực thuộc "
            f"{', '.join(missing)} chưa được xếp loại năm {year}."
        )
    decider = _decider("classify_unit", unit, on)
    tags = span.tag_list
    group_key = f"u|{span.kind}|{tags[0] if tags else ''}|{decider.pk}"
    _check_quota(rules, who, year, level, group_key, {"unit": unit})
    current = Classification.objects.filter(unit=unit, year=year, current=True).first()
    _supersede(current)
    unit_rated(year, unit.pk, current.level if current else None, level)
    return Classification.objects.create(
        year=year,
        unit=unit,
        level=level,
        score=score,
        regulation=regulation,
        group_key=group_key,
        decider=decider,
        disciplined=disciplined,
        discipline_decision=discipline_decision,
        discipline_self_detected=disciplined and self_detected,
        decision=decision,
        decided_on=on,
        note=note,
        created_by=_authenticated(user),
    )


def member_span_in(member: Member, year: int) -> MemberSpan | None:
    """The member's span at the end of `year`, or the last one in the year."""
    return (
        MemberSpan.objects.filter(
            member=member, valid_from__lte=year_end(year), valid_to__gt=dt.date(year, 1, 1)
        )
        .select_related("unit")
        .order_by("-valid_from")
        .first()
    )


def classify_member(
    member: Member,
    *,
    year: int,
    level: str,
    score: int | None = None,
    disciplined: bool = False,
    discipline_decision: str = "",
    note: str = "",
    decision: Decision | None,
    on: dt.date,
    user: Any = None,
) -> Classification:
    """Decide the member's quality level for `year` (a re-rating supersedes the current one).

    Refused: not a member in the year; exempt from work and activities or suspended from
    activity (not rated); the branch not yet rated (collectives before individuals); the band
    (366); the discipline cap; the excellent quota among members decided by one committee."""
    rules, _source = year_rules(year)
    _refuse_level(level)
    who = f"Đảng viên {member.full_name} ({member.member_id})"
    span = member_span_in(member, year)
    if span is None:
        raise CosoError(f"{who} không là đảng viên trong năm {year}: không xếp loại.")
    if span.exempt:
        raise CosoError(
            f"{who} được miễn công tác và sinh hoạt đảng: không đánh giá, xếp loại năm {year}."
        )
    review = MemberReview.objects.filter(member=member, year=year).first()
    if review is not None and review.suspended:
        raise CosoError(f"{who} bị đình chỉ sinh hoạt: không đánh giá, xếp loại năm {year}.")
    if on < dt.date(year, 1, 1):
        raise CosoError(f"{who}: quyết định ngày {fmt(on)} trước năm xếp loại {year}.")
    if not Classification.objects.filter(unit=span.unit, year=year, current=True).exists():
        raise CosoError(
            f"{who}: tập thể trước, cá nhân sau — chi bộ «{span.unit.code}» chưa được xếp loại "
            f"năm {year}."
        )
    _check_band(rules, who, level, score)
    discipline_decision = (discipline_decision or "").strip()
    if review is not None and review.disciplined:
        disciplined = True
        discipline_decision = discipline_decision or review.discipline_decision
    recorded = disciplined_in_year(member, year)  # decisions recorded in Coso apply by themselves
    if recorded:
        disciplined = True
        discipline_decision = discipline_decision or ", ".join(d.number for d in recorded)
    if disciplined and not discipline_decision:
        raise CosoError(f"{who}: ghi số quyết định kỷ luật trong năm {year}.")
    if disciplined:
        _check_cap(rules, "member_disciplined_max", who, year, level, discipline_decision)
    decider = _decider("classify_member", member, on)
    group_key = f"m|{decider.pk}"
    _check_quota(rules, who, year, level, group_key, {"member": member})
    current = Classification.objects.filter(member=member, year=year, current=True).first()
    _supersede(current)
    rating = Classification.objects.create(
        year=year,
        member=member,
        level=level,
        score=score,
        regulation=rules["regulation"],
        group_key=group_key,
        decider=decider,
        disciplined=disciplined,
        discipline_decision=discipline_decision,
        decision=decision,
        decided_on=on,
        note=note,
        created_by=_authenticated(user),
    )
    if span.valid_to > year_end(year):  # counted where the member stands at the year's end
        refresh_branch(year, span.unit_id)
    return rating


# --------------------------------------------------------------------------------------------
# The member's self-review


def _review(member: Member, year: int) -> MemberReview:
    span = member_span_in(member, year)
    if span is None:
        raise CosoError(
            f"Đảng viên {member.full_name} ({member.member_id}) không là đảng viên trong năm {year}."
        )
    review, _created = MemberReview.objects.get_or_create(
        member=member, year=year, defaults={"unit": span.unit}
    )
    return review


def save_self_review(
    member: Member, *, year: int, self_level: str, text: str, user: Any = None, actor: Any = None
) -> MemberReview:
    """The member's own review of the year and the level they rate themselves."""
    _refuse_level(self_level)
    with transaction.atomic():
        review = _review(member, year)
        if Classification.objects.filter(member=member, year=year, current=True).exists():
            raise CosoError(
                f"Năm {year} của {member.full_name} đã được xếp loại: không sửa kiểm điểm."
            )
        review.self_level, review.self_text = self_level, text.strip()
        review.submitted_at = timezone.now()
        review.save()
        record_write(
            actor or user,
            AuditAction.MEMBER_REVIEW,
            member,
            None,
            {"year": year, "self_level": self_level},
            review.unit,
        )
    return review


def comment_review(
    member: Member,
    *,
    year: int,
    comment: str,
    level: str,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    disciplined: bool = False,
    discipline_decision: str = "",
    suspended: bool = False,
    user: Any = None,
    actor: Any = None,
) -> MemberReview:
    """The branch's comments on the member's review, the level it proposes and its vote; and
    what the rating must know: discipline in the year (with the decision), suspension."""
    _refuse_level(level)
    discipline_decision = (discipline_decision or "").strip()
    if disciplined and not discipline_decision:
        raise CosoError(f"{member.full_name}: ghi số quyết định kỷ luật trong năm {year}.")
    with transaction.atomic():
        review = _review(member, year)
        review.branch_comment = comment.strip()
        review.branch_level = level
        review.votes_for, review.votes_against = votes_for, votes_against
        review.votes_abstain = votes_abstain
        review.disciplined, review.discipline_decision = disciplined, discipline_decision
        review.suspended = suspended
        review.commented_at = timezone.now()
        review.save()
        record_write(
            actor or user,
            AuditAction.MEMBER_REVIEW_COMMENT,
            member,
            None,
            {
                "year": year,
                "level": level,
                "votes": [votes_for, votes_against, votes_abstain],
                "disciplined": disciplined,
                "discipline_decision": discipline_decision,
                "suspended": suspended,
            },
            review.unit,
        )
    return review


def residence_units(member: Member, year: int) -> list[Unit]:
    """The units where the member keeps contact at their residence during `year` (213)."""
    return [
        p.unit
        for p in Participation.objects.filter(
            member=member,
            kind=ParticipationKind.RESIDENCE,
            valid_from__lte=year_end(year),
            valid_to__gt=dt.date(year, 1, 1),
        ).select_related("unit")
    ]


def comment_residence(
    member: Member, *, year: int, unit: Unit, comment: str, user: Any = None, actor: Any = None
) -> MemberReview:
    """The residential branch's comments on a working member, attached to the member's review
    at the workplace (Regulation 213-QĐ/TW)."""
    if unit not in residence_units(member, year):
        raise CosoError(
            f"{member.full_name} không liên hệ sinh hoạt nơi cư trú ở «{unit.code}» trong năm {year}."
        )
    if not comment.strip():
        raise CosoError("Cần nội dung nhận xét của chi bộ nơi cư trú.")
    with transaction.atomic():
        review = _review(member, year)
        review.residence_unit = unit
        review.residence_comment = comment.strip()
        review.residence_at = timezone.now()
        review.save()
        record_write(
            actor or user,
            AuditAction.RESIDENCE_COMMENT,
            member,
            None,
            {"year": year, "unit": unit.code},
            unit,
        )
    return review


# --------------------------------------------------------------------------------------------
# Sending the self-assessment up


def submit_assessment(
    assessment: Assessment,
    data: dict[str, Any],
    *,
    user: Any,
    actor: Any = None,
    channel: str = "web",
) -> Any:
    """Send the self-assessment to the competent committee as the act `assessment`, with its
    self-scored total and breaches: a proposal (the unit's resolution in `data`), or, when the
    user acts for the deciding committee, its decision (`decision_number` in `data`).
    Returns the catalogue's Outcome; PermissionError / ActInvalid / CosoError as `perform`."""
    from coso.authority import catalogue

    if not assessment.editable:
        raise CosoError(f"Bản đánh giá {assessment} đã gửi đề nghị hoặc đã có quyết định.")
    # No total: the decision applies the advisory body's vetting, or the unit's own scores.
    payload = {**data, "assessment": assessment.pk}
    payload.pop("total", None)
    payload.pop("breaches", None)
    with transaction.atomic():
        outcome = catalogue.perform(
            catalogue.ACTS["assessment"],
            assessment.unit,
            payload,
            user=user,
            actor=actor,
            channel=channel,
        )
        if outcome.proposed:
            assessment.proposal = outcome.proposal
            assessment.save(update_fields=["proposal"])
    assessment.refresh_from_db()
    return outcome
