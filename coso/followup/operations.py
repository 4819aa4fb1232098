"""Writes of the follow-through of directives: each a typed function, one transaction, and the
audit entry written by the function itself (its `actor` says who and through which front end).

- `register_directive`, `attach_file`: a document from a higher level and its files;
- `preview_cascade` / `cascade_directive`: one implementation record per unit of the chosen
  kinds in a subtree on a day, with the due dates of its steps (bulk insert; a unit receives a
  document once, which the database enforces too);
- `report_step`: a unit reports a step done (a study session may name the recorded meeting);
- `add_local_target`, `record_actuals`: a branch resolution's own targets and their actuals.

Refusals are `CosoError`s in Vietnamese naming the document, unit or field; nothing is written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from coso.audit.log import Actor, AuditAction, record_write
from coso.core.dates import add_months, fmt, today
from coso.core.errors import CosoError
from coso.core.files import write_new
from coso.core.rules import rule
from coso.followup.models import (
    Attachment,
    Directive,
    DocumentKind,
    Implementation,
    LocalTarget,
    Step,
    StepKind,
)
from coso.followup.tally import rebuild_directive, step_changed
from coso.meetings.documents import check_upload
from coso.meetings.models import Meeting, MeetingStatus, Resolution
from coso.units.models import Unit, UnitKind, UnitSpan
from coso.units.queries import span_on, subtree_range

FOLDER = "directives"
BATCH = 5000
MAX_REPORTS = 24
# Examples of units that already hold a record, named in a refusal or a preview.
SHOWN_EXAMPLES = 5


# --- registering -----------------------------------------------------------------------------


def _facts(directive: Directive) -> dict[str, Any]:
    return {
        "owner": directive.owner.code,
        "kind": directive.kind,
        "number": directive.number,
        "issued_on": directive.issued_on,
        "issuer": directive.issuer,
        "title": directive.title,
    }


@transaction.atomic
def register_directive(
    *,
    owner: Unit,
    kind: str,
    number: str,
    issued_on: dt.date,
    issuer: str,
    title: str,
    summary: str = "",
    files: Sequence[tuple[str, bytes]] = (),
    actor: Any = None,
) -> Directive:
    """Register a document received from a higher level at `owner`, with its files."""
    number = (number or "").strip()
    if kind not in DocumentKind.values:
        raise CosoError(f"Loại văn bản «{kind}» không hợp lệ.")
    if not number:
        raise CosoError("Số hiệu văn bản: bắt buộc (ví dụ 21-NQ/TW).")
    if not (title or "").strip():
        raise CosoError(f"Văn bản {number}: thiếu trích yếu.")
    if issued_on > today():
        raise CosoError(f"Văn bản {number}: ngày ban hành {fmt(issued_on)} sau hôm nay.")
    if owner.valid_to <= today():
        raise CosoError(f"Đơn vị «{owner.code}» đã kết thúc hoạt động ngày {fmt(owner.valid_to)}.")
    if Directive.objects.filter(owner=owner, number=number).exists():
        raise CosoError(f"Đơn vị «{owner.code}» đã đăng ký văn bản số {number}.")
    directive = Directive.objects.create(
        owner=owner,
        kind=kind,
        number=number,
        issued_on=issued_on,
        issuer=issuer.strip(),
        title=title.strip(),
        summary=summary.strip(),
        recorded_by=_user(actor),
    )
    record_write(actor, AuditAction.DIRECTIVE_REGISTER, directive, None, _facts(directive), owner)
    for name, data in files:
        attach_file(directive, name=name, data=data, actor=actor)
    return directive


def _user(actor: Any) -> Any:
    found = Actor.of(actor) if actor is not None else None
    return found.user if found is not None and found.authenticated else None


@transaction.atomic
def attach_file(directive: Directive, *, name: str, data: bytes, actor: Any = None) -> Attachment:
    """Check (type, size, structure: as meeting documents) and store one file of `directive`
    under VAR_DIR/directives, outside the web root; a refusal writes nothing."""
    clean, extension = check_upload(name, data, on=today())
    path = write_new(FOLDER, extension, data)
    try:
        attachment = Attachment.objects.create(
            directive=directive,
            name=clean,
            stored_name=path.name,
            file_type=extension,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            uploaded_by=_user(actor),
        )
        record_write(
            actor,
            AuditAction.DIRECTIVE_ATTACH,
            directive,
            None,
            {"file": clean, "size": len(data), "sha256": attachment.sha256},
            directive.owner,
        )
    except Exception:
        path.unlink(missing_ok=True)
        raise
    return attachment


# --- cascading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """How long a unit has for each step, counted from the cascade's day."""

    study_days: int
    plan_days: int
    report_every_months: int
    reports: int

    @classmethod
    def default(cls, on: dt.date) -> Terms:
        """The `followup` rule set in force on `on`."""
        return cls(
            study_days=int(rule("followup.study_days", on)),
            plan_days=int(rule("followup.plan_days", on)),
            report_every_months=int(rule("followup.report_every_months", on)),
            reports=int(rule("followup.reports", on)),
        )

    def check(self) -> None:
        if self.study_days < 1 or self.plan_days < 1:
            raise CosoError("Thời hạn học tập và xây dựng kế hoạch phải từ 1 ngày trở lên.")
        if self.report_every_months < 1:
            raise CosoError("Chu kỳ báo cáo tiến độ phải từ 1 tháng trở lên.")
        if not 0 <= self.reports <= MAX_REPORTS:
            raise CosoError(f"Số lần báo cáo tiến độ phải từ 0 đến {MAX_REPORTS}.")

    def dues(self, start: dt.date) -> list[tuple[str, int, dt.date]]:
        """(kind, seq, due) of every step of a record cascaded on `start`."""
        out = [
            (StepKind.STUDY.value, 0, start + dt.timedelta(days=self.study_days)),
            (StepKind.PLAN.value, 0, start + dt.timedelta(days=self.plan_days)),
        ]
        out += [
            (StepKind.REPORT.value, n, add_months(start, n * self.report_every_months))
            for n in range(1, self.reports + 1)
        ]
        return out

    def as_dict(self) -> dict[str, int]:
        return {
            "study_days": self.study_days,
            "plan_days": self.plan_days,
            "report_every_months": self.report_every_months,
            "reports": self.reports,
        }


@dataclass
class CascadePreview:
    """What a cascade would do: the target units per kind, and those that already have one."""

    directive: Directive
    root: Unit
    root_name: str
    kinds: list[str]
    on: dt.date
    terms: Terms
    per_kind: dict[str, int] = field(default_factory=dict)
    existing: int = 0
    existing_examples: list[str] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)  # unit ids not yet holding a record

    @property
    def total(self) -> int:
        return sum(self.per_kind.values())

    @property
    def new(self) -> int:
        return len(self.targets)

    def as_dict(self) -> dict[str, Any]:
        return {
            "directive": self.directive.pk,
            "root": self.root.code,
            "kinds": self.kinds,
            "on": self.on,
            "terms": self.terms.as_dict(),
            "per_kind": dict(self.per_kind),
            "total": self.total,
            "existing": self.existing,
            "existing_examples": self.existing_examples,
            "new": self.new,
            "dues": [
                {"kind": kind, "seq": seq, "due": due}
                for kind, seq, due in self.terms.dues(self.on)
            ],
        }


def _check_kinds(kinds: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(k.strip() for k in kinds if k and k.strip()))
    if not chosen:
        raise CosoError("Chọn ít nhất một loại đơn vị nhận văn bản.")
    wrong = [k for k in chosen if k not in UnitKind.values]
    if wrong:
        raise CosoError(f"Loại đơn vị «{wrong[0]}» không hợp lệ.")
    return chosen


def preview_cascade(
    directive: Directive,
    root: Unit,
    kinds: Iterable[str],
    on: dt.date,
    terms: Terms | None = None,
) -> CascadePreview:
    """The units of `kinds` in `root`'s subtree on `on` (root included when of such a kind),
    counted per kind; a few queries whatever the size of the subtree."""
    chosen = _check_kinds(kinds)
    terms = terms or Terms.default(on)
    terms.check()
    if on < directive.issued_on:
        raise CosoError(
            f"Ngày triển khai {fmt(on)} trước ngày ban hành {fmt(directive.issued_on)} "
            f"của văn bản {directive.number}."
        )
    root_span = span_on(root, on)
    owner_span = UnitSpan.objects.filter(
        unit_id=directive.owner_id, valid_from__lte=on, valid_to__gt=on
    ).first()
    if owner_span is None or not root_span.path.startswith(owner_span.path):
        raise CosoError(
            f"Đơn vị «{root.code}» không thuộc đơn vị đăng ký văn bản {directive.number} "
            f"vào ngày {fmt(on)}."
        )
    lo, hi = subtree_range(root_span.path)
    spans = UnitSpan.objects.filter(
        path__gte=lo, path__lt=hi, valid_from__lte=on, valid_to__gt=on, kind__in=chosen
    )
    rows = list(spans.values_list("unit_id", "kind"))
    held = Implementation.objects.filter(directive=directive, unit_id__in=spans.values("unit_id"))
    already = set(held.values_list("unit_id", flat=True))
    preview = CascadePreview(directive, root, root_span.name, chosen, on, terms)
    preview.per_kind = dict(Counter(kind for _uid, kind in rows))
    preview.existing = len(already)
    if already:
        preview.existing_examples = sorted(
            Unit.objects.filter(pk__in=sorted(already)[:SHOWN_EXAMPLES]).values_list(
                "code", flat=True
            )
        )
    preview.targets = sorted(uid for uid, _kind in rows if uid not in already)
    return preview


@dataclass(frozen=True)
class CascadeResult:
    batch: str
    implementations: int
    steps: int
    skipped: int


@transaction.atomic
def cascade_directive(
    directive: Directive,
    root: Unit,
    kinds: Iterable[str],
    on: dt.date,
    terms: Terms | None = None,
    *,
    skip_existing: bool = False,
    actor: Any = None,
) -> CascadeResult:
    """One implementation record, with its steps, for every unit of `kinds` in `root`'s
    subtree on `on`. Units that already hold a record of this document refuse the whole
    cascade unless `skip_existing` (then they are left as they are)."""
    preview = preview_cascade(directive, root, kinds, on, terms)
    if preview.existing and not skip_existing:
        raise CosoError(
            f"Văn bản {directive.number} đã được triển khai tới {preview.existing} đơn vị "
            f"trong số này ({', '.join(preview.existing_examples)}…): mỗi đơn vị chỉ nhận "
            "một lần. Chọn «bỏ qua các đơn vị đã nhận» hoặc thu hẹp phạm vi."
        )
    if not preview.targets:
        raise CosoError(
            f"Không có đơn vị nào mới để triển khai văn bản {directive.number} dưới "
            f"«{root.code}» vào ngày {fmt(on)}."
        )
    batch = str(uuid.uuid4())
    try:
        with transaction.atomic():
            for start in range(0, len(preview.targets), BATCH):
                Implementation.objects.bulk_create(
                    Implementation(directive=directive, unit_id=uid, cascaded_on=on, batch=batch)
                    for uid in preview.targets[start : start + BATCH]
                )
    except IntegrityError as exc:  # a cascade of the same units at the same moment
        raise CosoError(
            f"Văn bản {directive.number}: một số đơn vị vừa được triển khai bởi thao tác khác; "
            "hãy xem lại."
        ) from exc
    dues = preview.terms.dues(on)
    ids = Implementation.objects.filter(batch=batch).values_list("pk", flat=True).iterator()
    steps = 0
    pending: list[Step] = []
    for pk in ids:
        pending += [Step(implementation_id=pk, kind=k, seq=s, due=d) for k, s, d in dues]
        if len(pending) >= BATCH:
            Step.objects.bulk_create(pending)
            steps += len(pending)
            pending = []
    if pending:
        Step.objects.bulk_create(pending)
        steps += len(pending)
    result = CascadeResult(batch, preview.new, steps, preview.existing)
    rebuild_directive(directive)
    record_write(
        actor,
        AuditAction.DIRECTIVE_CASCADE,
        directive,
        None,
        {
            "root": root.code,
            "kinds": preview.kinds,
            "on": on,
            "terms": preview.terms.as_dict(),
            "per_kind": preview.per_kind,
            "implementations": result.implementations,
            "skipped": result.skipped,
            "batch": batch,
        },
        root,
    )
    return result


# --- reporting -------------------------------------------------------------------------------


def _step_facts(step: Step) -> dict[str, Any]:
    return {
        "kind": step.kind,
        "seq": step.seq,
        "due": step.due,
        "done_on": step.done_on,
        "note": step.note,
        "meeting": step.meeting_id,
    }


@transaction.atomic
def report_step(
    step: Step,
    *,
    done_on: dt.date | None,
    note: str = "",
    meeting: Meeting | None = None,
    actor: Any = None,
) -> Step:
    """Record (or correct) the day a step was done; a study session may name the unit's
    recorded meeting where it was held (its day is then the step's day unless given)."""
    step = (
        Step.objects.select_for_update().select_related("implementation__directive").get(pk=step.pk)
    )
    implementation = step.implementation
    what = f"{implementation.directive.number} — {StepKind(step.kind).label}"
    if meeting is not None:
        if step.kind != StepKind.STUDY:
            raise CosoError(f"{what}: chỉ buổi học tập, quán triệt mới gắn với cuộc họp.")
        if meeting.unit_id != implementation.unit_id:
            raise CosoError(f"{what}: cuộc họp #{meeting.pk} không phải của đơn vị này.")
        if meeting.status not in (MeetingStatus.HELD, MeetingStatus.CLOSED):
            raise CosoError(f"{what}: cuộc họp #{meeting.pk} chưa được ghi là đã họp.")
        done_on = done_on or meeting.on
    if done_on is None:
        raise CosoError(f"{what}: thiếu ngày hoàn thành.")
    if done_on < implementation.cascaded_on:
        raise CosoError(
            f"{what}: ngày hoàn thành {fmt(done_on)} trước ngày triển khai "
            f"{fmt(implementation.cascaded_on)}."
        )
    if done_on > today():
        raise CosoError(f"{what}: ngày hoàn thành {fmt(done_on)} sau hôm nay.")
    before = _step_facts(step)
    step.done_on = done_on
    step.note = (note or "").strip()
    step.meeting = meeting
    step.reported_by = _user(actor)
    step.reported_at = timezone.now()
    step.save()
    step_changed(step, before["done_on"])
    unit = Unit.objects.get(pk=implementation.unit_id)
    record_write(
        actor,
        AuditAction.DIRECTIVE_STEP,
        f"followup.step:{step.pk}",
        before,
        _step_facts(step),
        unit,
    )
    return step


# --- a branch resolution's own targets -------------------------------------------------------


@transaction.atomic
def add_local_target(
    resolution: Resolution,
    *,
    indicator: str,
    target: Decimal,
    measure: str = "",
    actor: Any = None,
) -> LocalTarget:
    indicator = (indicator or "").strip()
    if not indicator:
        raise CosoError(f"Nghị quyết {resolution.label}: thiếu tên chỉ tiêu.")
    if target < 0:
        raise CosoError(f"Nghị quyết {resolution.label}, chỉ tiêu «{indicator}»: số âm.")
    if LocalTarget.objects.filter(resolution=resolution, indicator=indicator).exists():
        raise CosoError(f"Nghị quyết {resolution.label} đã có chỉ tiêu «{indicator}».")
    row = LocalTarget.objects.create(
        resolution=resolution, indicator=indicator, target=target, measure=measure.strip()
    )
    record_write(
        actor,
        AuditAction.LOCAL_TARGETS,
        f"meetings.resolution:{resolution.pk}",
        None,
        {"indicator": indicator, "target": target, "measure": row.measure},
        resolution.unit,
    )
    return row


@transaction.atomic
def record_actuals(
    resolution: Resolution,
    actuals: Mapping[int, Decimal | None],
    *,
    on: dt.date,
    actor: Any = None,
) -> int:
    """The actual figure of each target (by id) of `resolution` measured on `on`."""
    if on > today():
        raise CosoError(f"Nghị quyết {resolution.label}: ngày số liệu {fmt(on)} sau hôm nay.")
    rows = {t.pk: t for t in LocalTarget.objects.select_for_update().filter(resolution=resolution)}
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    changed = 0
    for pk, value in actuals.items():
        row = rows.get(pk)
        if row is None:
            raise CosoError(f"Nghị quyết {resolution.label}: không có chỉ tiêu #{pk}.")
        if value is not None and value < 0:
            raise CosoError(f"Nghị quyết {resolution.label}, chỉ tiêu «{row.indicator}»: số âm.")
        if row.actual == value:
            continue
        before[row.indicator] = row.actual
        row.actual, row.actual_on = value, on if value is not None else None
        row.save(update_fields=["actual", "actual_on"])
        after[row.indicator] = value
        changed += 1
    if changed:
        record_write(
            actor,
            AuditAction.LOCAL_TARGETS,
            f"meetings.resolution:{resolution.pk}",
            before,
            {**after, "on": on},
            resolution.unit,
        )
    return changed
