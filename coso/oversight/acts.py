"""Discipline decisions as acts of the authority catalogue, so they go through the rulebook's
mechanism (as quality ratings do, coso/quality/acts.py): which body proposes and which decides
each form is the `authority` rule set's (reprimand and warning of a member: the branch itself;
removal from post and expulsion: the competent committee above; an organization's reprimand,
warning and dissolution: the committee directly above). One act per form, since the rule set
names the deciding level per act; the form names the case.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from coso.authority import catalogue
from coso.authority.forms import OperationForm
from coso.authority.rules import authority_for
from coso.authority.scope import Action
from coso.core.dates import fmt
from coso.core.errors import CosoError
from coso.members.models import Member, Position
from coso.oversight import operations as ops
from coso.oversight.models import DisciplineForm, ViolationCase
from coso.units.models import Unit


class DisciplineActForm(OperationForm):
    case = forms.IntegerField(label=_("Hồ sơ vụ việc số"), min_value=1, max_value=2**62)
    position = forms.IntegerField(
        label=_("Chức vụ bị cách chức (số)"),
        required=False,
        min_value=1,
        max_value=2**62,
        help_text=_("chỉ khi cách chức và đảng viên giữ nhiều chức vụ"),
    )
    override_reason = forms.CharField(
        label=_("Lý do không áp dụng thời hiệu"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("chỉ khi đã hết thời hiệu kỷ luật; được ghi vào quyết định"),
    )
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_case(self) -> int:
        pk = int(self.cleaned_data["case"])
        found = ViolationCase.objects.filter(pk=pk)
        if isinstance(self.subject, Member):
            found = found.filter(member=self.subject)
        elif isinstance(self.subject, Unit):
            found = found.filter(unit=self.subject)
        if not found.exists():
            raise forms.ValidationError(
                _("Không có hồ sơ vụ việc số %(n)s về đối tượng này.") % {"n": pk}
            )
        return pk


def _body(slug: str, subject: Member | Unit, on: Any) -> Unit:
    """The deciding body the authority rule set names (refused when it names none)."""
    authority = authority_for(slug, subject, on)
    if authority is None:
        raise CosoError(
            f"Bộ quy định thẩm quyền (authority) ngày {fmt(on)} chưa quy định cấp quyết định việc "
            f"«{slug}»: quản trị hệ thống bổ sung trước khi quyết định kỷ luật."
        )
    return authority.decider


def _runner(slug: str, form_kind: str) -> catalogue.Runner:
    def run(form: Any, subject: Member | Unit) -> Any:
        data = form.cleaned_data
        position = None
        if data.get("position"):
            position = Position.objects.filter(pk=data["position"]).first()
            if position is None:
                raise CosoError(f"Không có chức vụ số {data['position']}.")
        return ops.decide_discipline(
            ViolationCase.objects.get(pk=data["case"]),
            form=form_kind,
            body=_body(slug, subject, form.day()),
            on=form.day(),
            decision=form.decision(),
            override_reason=data.get("override_reason") or "",
            position=position,
            note=data.get("note") or "",
            user=form.user,
        )

    return run


def _act(slug: str, form_kind: str, title: Any, on: catalogue.Subject) -> catalogue.Act:
    return catalogue.Act(
        slug,
        title,
        DisciplineActForm,
        _runner(slug, form_kind),
        Action.MANAGE_CASES,
        danger=form_kind in ("expulsion", "dissolution", "removal_from_post"),
        on=on,
    )


MEMBER = catalogue.Subject.MEMBER
UNIT = catalogue.Subject.UNIT
MEMBER_DISCIPLINE = {
    DisciplineForm.REPRIMAND: _act("reprimand", "reprimand", _("Kỷ luật khiển trách"), MEMBER),
    DisciplineForm.WARNING: _act("warning", "warning", _("Kỷ luật cảnh cáo"), MEMBER),
    DisciplineForm.REMOVAL_FROM_POST: _act(
        "removal_from_post", "removal_from_post", _("Kỷ luật cách chức"), MEMBER
    ),
    DisciplineForm.EXPULSION: _act("expulsion", "expulsion", _("Kỷ luật khai trừ"), MEMBER),
}
UNIT_DISCIPLINE = {
    DisciplineForm.REPRIMAND: _act(
        "unit_reprimand", "reprimand", _("Kỷ luật khiển trách tổ chức đảng"), UNIT
    ),
    DisciplineForm.WARNING: _act(
        "unit_warning", "warning", _("Kỷ luật cảnh cáo tổ chức đảng"), UNIT
    ),
    DisciplineForm.DISSOLUTION: _act(
        "unit_dissolution", "dissolution", _("Kỷ luật giải tán tổ chức đảng"), UNIT
    ),
}


def act_for(case: ViolationCase, form_kind: str) -> catalogue.Act:
    """The act deciding `form_kind` on the case's subject; CosoError when the form does not
    apply to that kind of subject (organizations' forms only for organizations)."""
    table = MEMBER_DISCIPLINE if case.member_id else UNIT_DISCIPLINE
    try:
        return table[DisciplineForm(form_kind)]
    except (KeyError, ValueError):
        label = ops.form_label(form_kind)
        if case.member_id:
            raise CosoError(
                f"Hình thức «{label}» chỉ áp dụng cho tổ chức đảng, không cho đảng viên."
            ) from None
        raise CosoError(
            f"Hình thức «{label}» không áp dụng cho tổ chức đảng (khiển trách, cảnh cáo, giải tán)."
        ) from None


def register_acts() -> None:
    for act in (*MEMBER_DISCIPLINE.values(), *UNIT_DISCIPLINE.values()):
        if act.slug not in catalogue.FEATURE_ACTS:
            catalogue.register(act)
