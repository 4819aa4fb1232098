"""The forms of the operation catalogue: one per lifecycle and reorganization act.

The same form validates what a page posts and what the API receives as JSON, so the two doors
accept and refuse the same input. Forms only validate and resolve what was typed (dates, unit
codes, member ids) into objects the user may act on, through the one scope
(coso.authority.scope); the act itself is a domain function called by the catalogue.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coso.authority.resolution import Resolution
from coso.authority.scope import Action, scope_of
from coso.core.dates import FAR_FUTURE, fmt, parse_date, today
from coso.core.models import Decision, get_decision
from coso.members.models import (
    ExternalRole,
    Gender,
    Member,
    Participation,
    ParticipationKind,
    Position,
    PositionRole,
)
from coso.members.operations import EXEMPTION_REASONS
from coso.units.models import Unit, UnitKind, UnitSpan, UnitTag
from coso.units.operations import allowed_kinds
from coso.units.posts import PostFate, fates_for, role_rank_expression
from coso.units.queries import units_named

# What a phone's number pad can type (issue 13, point 4): dd/mm/yyyy with "/", "." "-" or a
# space, eight digits ddmmyyyy, or ISO yyyy-mm-dd. The server reads the same (parse_date).
DATE_PATTERN = r"\s*(\d{1,2}(/|\.|-| )\d{1,2}\2\d{4}|\d{8}|\d{4}-\d{2}-\d{2})\s*"


def date_readback(value: Any) -> str:
    """ "đọc là 31/12/2024" for what was typed (or the date itself), "" when it is no date."""
    if isinstance(value, dt.date):
        day: dt.date | None = value
    else:
        try:
            day = parse_date(str(value or ""))
        except ValueError:
            day = None
    return "" if day is None else gettext("đọc là %(day)s") % {"day": fmt(day)}


class DateInput(forms.TextInput):
    """Dates are typed dd/mm/yyyy (Vietnamese order); on a phone's number pad also
    dd.mm.yyyy, dd-mm-yyyy or ddmmyyyy, and yyyy-mm-dd. The date read is shown beside the field
    (after a submit from the server, while typing by app.js)."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                "pattern": DATE_PATTERN,
                "autocomplete": "off",
                "data-date-input": "",
            }
        )

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        return super().format_value(value)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = dict(attrs or {})
        input_id = attrs.get("id") or f"id_{name}"
        readback_id = f"{input_id}_readback"
        attrs["data-readback"] = readback_id
        html = super().render(name, value, attrs, renderer)
        return html + format_html(
            '<div class="form-text date-readback" id="{}" aria-live="polite" data-label="{}">{}</div>',
            readback_id,
            gettext("đọc là %(day)s"),
            date_readback(value),
        )


class VNDateField(forms.Field):
    widget = DateInput

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        text = (value or "").strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


def date_field(label: Any, required: bool = True) -> VNDateField:
    return VNDateField(
        label=label, required=required, help_text=_("dd/mm/yyyy, hoặc 8 chữ số: 31122024")
    )


class ScopedForm(forms.Form):
    """A form that knows who fills it in, to resolve codes within their scope."""

    def __init__(self, *args: Any, user: Any, subject: Any = None, **kwargs: Any) -> None:
        self.user = user
        self.subject = subject
        super().__init__(*args, **kwargs)
        self._style()

    def _style(self) -> None:
        for field in self.fields.values():
            css = "form-check-input" if isinstance(field, forms.BooleanField) else "form-control"
            if isinstance(field.widget, forms.Select | forms.SelectMultiple):
                css = "form-select"
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)

    deciding = False  # an act recorded by the body that decides it (see OperationForm)

    def unit_from(self, name: str, action: Action | None) -> Unit | None:
        """The unit typed in field `name` (see `unit_typed`), within the user's scope for
        `action` (None: a code may name any unit; a name, one the user may see)."""
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        label = self.fields[name].label or name
        unit = unit_typed(self.user, text, action, label=label, deciding=self.deciding)
        if unit is None:
            raise forms.ValidationError(unit_not_found(label, text))
        return unit


def unit_not_found(label: Any, text: str) -> str:
    """The refusal of a unit field: names the field and what was typed."""
    if " " in text:
        message = _(
            "«%(field)s»: không có đơn vị tên «%(text)s» trong phạm vi được giao. Gõ tên hoặc mã "
            "rồi chọn trong danh sách."
        )
    else:
        message = _("«%(field)s»: Không có đơn vị mã «%(text)s» trong phạm vi được giao.")
    return str(message % {"field": label, "text": text})


def unit_typed(
    user: Any, text: str, action: Action | None, *, label: Any = "", deciding: bool = False
) -> Unit | None:
    """The unit typed in a unit field: its code, or its full name (tones and case aside) when
    exactly one unit existing today in the user's scope bears it; None when neither. Raises
    ValidationError when several units in scope bear the name. `action` None: a code may name
    any unit (a destination elsewhere); `deciding`: also units the user decides for."""
    text = text.strip()
    if not text:
        return None
    unit = _unit_by_code(user, text, action, deciding)
    if unit is not None:
        return unit
    named = units_named(text, today(), scope_of(user).spans_today(action or Action.VIEW))
    if len(named) > 1:
        raise forms.ValidationError(
            _(
                "«%(field)s»: có nhiều đơn vị tên «%(text)s»; hãy chọn trong danh sách hoặc gõ "
                "mã đơn vị."
            )
            % {"field": label, "text": text}
        )
    return _unit_by_code(user, named[0].unit.code, action, deciding) if named else None


def _unit_by_code(user: Any, code: str, action: Action | None, deciding: bool) -> Unit | None:
    scope = scope_of(user)
    if action is None:
        return Unit.objects.filter(code=code).first()
    unit = scope.unit_by_code(code, action)
    if unit is None and deciding:
        # A committee that decides the act names units in the subtree it decides for.
        unit = scope.unit_by_code(code, Action.DECIDE)
    return unit


class OperationForm(ScopedForm):
    """Effective date and the decision that authorizes the act; or, where the user's body may
    only propose it, the body's resolution (date, vote) instead of the decision."""

    on = date_field(_("Ngày hiệu lực"))
    decision_number = forms.CharField(label=_("Số quyết định"), required=False, max_length=120)
    decision_date = date_field(_("Ngày ký quyết định"), required=False)
    with_decision = True
    # Fields chosen in the preview rather than on the form (a merge's posts), shown there.
    preview_fields: tuple[str, ...] = ()

    DECISION_FIELDS = ("decision_number", "decision_date")
    RESOLUTION_FIELDS = (
        "resolution_number",
        "resolution_date",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "resolution_note",
    )

    def __init__(self, *args: Any, proposing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proposing = proposing
        self.deciding = not proposing
        for field in self.fields.values():
            if isinstance(field.widget, UnitPickerInput):
                # The picker offers what unit_from accepts (see ScopedForm.unit_from).
                field.widget.also_decide = self.deciding
        if not self.with_decision or proposing:
            for name in self.DECISION_FIELDS:
                del self.fields[name]
        if proposing:
            self.fields["on"].label = _("Ngày đề nghị có hiệu lực")
            self.fields["on"].help_text = _("cấp có thẩm quyền quyết định ngày hiệu lực")
            self.fields["resolution_number"] = forms.CharField(
                label=_("Số nghị quyết của chi bộ"), required=False, max_length=120
            )
            self.fields["resolution_date"] = date_field(_("Ngày chi bộ biểu quyết"))
            for name, label in (
                ("votes_for", _("Số tán thành")),
                ("votes_against", _("Số không tán thành")),
                ("votes_abstain", _("Số không biểu quyết")),
            ):
                self.fields[name] = forms.IntegerField(
                    label=label, min_value=0, max_value=100_000, required=name == "votes_for"
                )
            self.fields["resolution_note"] = forms.CharField(
                label=_("Ý kiến, lý do đề nghị"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self._style()

    def act_field_names(self) -> list[str]:
        """The fields of the act itself (what a decision will apply), not its authorization."""
        skip = {"on", *self.DECISION_FIELDS, *self.RESOLUTION_FIELDS}
        return [name for name in self.fields if name not in skip]

    def day(self) -> dt.date:
        day: dt.date = self.cleaned_data["on"]
        return day

    def resolution(self) -> Resolution:
        data = self.cleaned_data
        return Resolution(
            number=(data.get("resolution_number") or "").strip(),
            adopted_on=data["resolution_date"],
            votes_for=data.get("votes_for") or 0,
            votes_against=data.get("votes_against") or 0,
            votes_abstain=data.get("votes_abstain") or 0,
            note=(data.get("resolution_note") or "").strip(),
            proposed_on=data["on"],
        )

    def decision(self) -> Decision | None:
        """The decision typed (created on first use); its date defaults to the effective date."""
        if not self.with_decision or self.proposing:
            return None
        return get_decision(
            self.cleaned_data.get("decision_number"),
            self.cleaned_data.get("decision_date") or self.cleaned_data.get("on"),
        )


class UnitPickerInput(forms.TextInput):
    """A unit typed by code or name, with the units that match listed under it as one types
    (htmx: GET /pick/units/, the reader's scope for `action` only); a pick fills in the code.
    Keyboard: ↓ from the field moves into the list, ↑/↓ between units, Esc back (app.js)."""

    def __init__(self, action: Action | None = None, attrs: dict[str, Any] | None = None) -> None:
        self.action = action or Action.VIEW
        self.also_decide = False  # set by a form whose user's body decides the act
        super().__init__(
            attrs={"autocomplete": "off", "spellcheck": "false", **(attrs or {})},
        )

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> SafeString:
        attrs = dict(attrs or {})
        input_id = attrs.get("id") or f"id_{name}"
        list_id = f"{input_id}_choices"
        attrs.update(
            {
                "data-unit-picker": list_id,
                "hx-get": reverse("web:unit_pick"),
                "hx-trigger": "input changed delay:250ms",
                "hx-target": f"#{list_id}",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "hx-vals": json.dumps({"name": name, "act": self._acts(), "for": input_id}),
            }
        )
        html = super().render(name, value, attrs, renderer)
        return html + format_html(
            '<div class="unit-pick" id="{}" aria-live="polite"></div>', list_id
        )

    def _acts(self) -> str:
        if self.also_decide and self.action != Action.VIEW:
            return f"{self.action.value},{Action.DECIDE.value}"
        return self.action.value


def unit_field(
    label: Any,
    required: bool = True,
    help_text: Any = "",
    action: Action | None = None,
    max_length: int = 60,
) -> forms.CharField:
    """A unit typed by code or name with the picker (see UnitPickerInput); the form's clean_
    method resolves it (`ScopedForm.unit_from`)."""
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text or _("gõ tên (không cần dấu) hoặc mã rồi chọn"),
        widget=UnitPickerInput(action),
    )


_unit_code = unit_field


# --------------------------------------------------------------------------------------------
# Member lifecycle


class SimpleMemberForm(OperationForm):
    """Operations that need only the date and the decision."""


class RecognizeForm(OperationForm):
    on = date_field(_("Ngày quyết định"))


class TransferOutForm(OperationForm):
    to_unit = _unit_code(
        _("Mã đơn vị chuyển đến"), required=False, help_text=_("để trống nếu ngoài hệ thống")
    )

    def clean_to_unit(self) -> Unit | None:
        # The destination is usually in another province, outside the sender's scope.
        return self.unit_from("to_unit", None)


class ReceiveForm(OperationForm):
    branch = _unit_code(_("Mã chi bộ tiếp nhận"), action=Action.MANAGE_MEMBERS)
    group = _unit_code(_("Mã tổ đảng"), required=False, action=Action.MANAGE_MEMBERS)

    def clean_branch(self) -> Unit | None:
        return self.unit_from("branch", Action.MANAGE_MEMBERS)

    def clean_group(self) -> Unit | None:
        return self.unit_from("group", Action.MANAGE_MEMBERS)


class TemporaryStartForm(OperationForm):
    host_unit = _unit_code(_("Mã đơn vị sinh hoạt tạm thời"))

    def clean_host_unit(self) -> Unit | None:
        return self.unit_from("host_unit", None)


class ExemptForm(OperationForm):
    reason = forms.ChoiceField(
        label=_("Lý do"), choices=[(k, v) for k, v in EXEMPTION_REASONS.items() if k != "health"]
    )
    illness_months = forms.IntegerField(
        label=_("Số tháng điều trị"), required=False, min_value=0, max_value=600
    )


class StrikeOffForm(OperationForm):
    reason = forms.CharField(label=_("Lý do xóa tên"), max_length=500, widget=forms.Textarea)


class DeathForm(OperationForm):
    on = date_field(_("Ngày mất"))
    with_decision = False


class ReadmitForm(OperationForm):
    on = date_field(_("Ngày quyết định kết nạp lại"))
    branch = _unit_code(_("Mã chi bộ"), action=Action.MANAGE_MEMBERS)
    ceremony_on = date_field(_("Ngày tổ chức lễ"), required=False)
    group = _unit_code(_("Mã tổ đảng"), required=False, action=Action.MANAGE_MEMBERS)
    family_hardship = forms.BooleanField(
        label=_("Hoàn cảnh gia đình đặc biệt khó khăn"), required=False
    )

    def clean_branch(self) -> Unit | None:
        return self.unit_from("branch", Action.MANAGE_MEMBERS)

    def clean_group(self) -> Unit | None:
        return self.unit_from("group", Action.MANAGE_MEMBERS)


class ChangeGroupForm(OperationForm):
    group = _unit_code(
        _("Mã tổ đảng mới"),
        required=False,
        help_text=_("để trống: không thuộc tổ"),
        action=Action.MANAGE_MEMBERS,
    )

    def clean_group(self) -> Unit | None:
        return self.unit_from("group", Action.MANAGE_MEMBERS)


class AssignPositionForm(OperationForm):
    unit = _unit_code(_("Mã đơn vị (cấp ủy)"), action=Action.MANAGE_MEMBERS)
    role = forms.ChoiceField(label=_("Chức vụ"), choices=PositionRole.choices)

    def clean_unit(self) -> Unit | None:
        return self.unit_from("unit", Action.MANAGE_MEMBERS)


class _EndOpenForm(OperationForm):
    """End one of the member's open posts, participations or roles."""

    with_decision = False
    model: type[Position] | type[Participation] | type[ExternalRole]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["item"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = self.open_items()

    def open_items(self) -> QuerySet[Any]:
        member: Member | None = self.subject
        rows = self.model.objects.filter(member=member, valid_to=FAR_FUTURE)
        return rows.order_by("valid_from", "pk")


class EndPositionForm(_EndOpenForm):
    model = Position
    item = forms.ModelChoiceField(label=_("Chức vụ"), queryset=Position.objects.none())


class ParticipationForm(OperationForm):
    unit = _unit_code(_("Mã đơn vị tham gia sinh hoạt"))
    kind = forms.ChoiceField(
        label=_("Hình thức"),
        choices=[c for c in ParticipationKind.choices if c[0] != ParticipationKind.TEMPORARY],
    )
    note = forms.CharField(label=_("Ghi chú"), required=False, max_length=500)
    with_decision = False

    def clean_unit(self) -> Unit | None:
        return self.unit_from("unit", None)


class EndParticipationForm(_EndOpenForm):
    model = Participation
    item = forms.ModelChoiceField(label=_("Tham gia sinh hoạt"), queryset=Participation.objects)

    def open_items(self) -> QuerySet[Any]:
        return super().open_items().exclude(kind=ParticipationKind.TEMPORARY)


class ExternalRoleForm(OperationForm):
    title = forms.CharField(label=_("Vai trò"), max_length=300)
    body = forms.CharField(label=_("Cơ quan, tổ chức"), required=False, max_length=300)
    unit = _unit_code(_("Mã đơn vị đảng liên quan"), required=False)
    with_decision = False

    def clean_unit(self) -> Unit | None:
        return self.unit_from("unit", None)


class EndExternalRoleForm(_EndOpenForm):
    model = ExternalRole
    item = forms.ModelChoiceField(label=_("Vai trò"), queryset=ExternalRole.objects)


class AdmitForm(OperationForm):
    """Admission into the branch the form is opened from."""

    on = date_field(_("Ngày quyết định kết nạp"))
    member_id = forms.CharField(label=_("Số lý lịch"), max_length=40)
    full_name = forms.CharField(label=_("Họ và tên"), max_length=200)
    gender = forms.ChoiceField(label=_("Giới tính"), choices=Gender.choices)
    birth_date = date_field(_("Ngày sinh"))
    ceremony_on = date_field(_("Ngày tổ chức lễ kết nạp"), required=False)
    group = _unit_code(_("Mã tổ đảng"), required=False, action=Action.MANAGE_MEMBERS)
    introducers = forms.CharField(
        label=_("Người giới thiệu (số lý lịch, cách nhau bởi dấu phẩy)"),
        required=False,
        max_length=200,
    )
    introduced_by_youth_union = forms.BooleanField(
        label=_("Đoàn Thanh niên giới thiệu"), required=False
    )
    national_id = forms.CharField(label=_("Số định danh cá nhân"), required=False, max_length=20)
    ethnicity = forms.CharField(label=_("Dân tộc"), required=False, max_length=60)
    religion = forms.CharField(label=_("Tôn giáo"), required=False, max_length=60)
    hometown = forms.CharField(label=_("Quê quán"), required=False, max_length=300)
    residence = forms.CharField(label=_("Nơi ở hiện nay"), required=False, max_length=300)
    education = forms.CharField(label=_("Trình độ học vấn"), required=False, max_length=200)
    occupation = forms.CharField(label=_("Nghề nghiệp"), required=False, max_length=200)
    card_no = forms.CharField(label=_("Số thẻ đảng viên"), required=False, max_length=40)

    def clean_group(self) -> Unit | None:
        return self.unit_from("group", Action.MANAGE_MEMBERS)

    def clean_introducers(self) -> list[Member]:
        raw = self.cleaned_data.get("introducers") or ""
        ids = [p.strip() for p in raw.split(",")]
        ids = [i for i in ids if i]
        # Only members the user can see: the answer must not tell who exists elsewhere.
        visible = scope_of(self.user).members(Action.VIEW)
        found = {m.member_id: m for m in visible.filter(member_id__in=ids)}
        missing = [i for i in ids if i not in found]
        if missing:
            raise forms.ValidationError(
                _("Không có đảng viên số lý lịch: %(ids)s") % {"ids": ", ".join(missing)}
            )
        return [found[i] for i in ids]

    def profile(self) -> dict[str, str]:
        keys = (
            "national_id",
            "ethnicity",
            "religion",
            "hometown",
            "residence",
            "education",
            "occupation",
            "card_no",
        )
        return {k: self.cleaned_data[k] for k in keys if self.cleaned_data.get(k)}


# --------------------------------------------------------------------------------------------
# Reorganizations


def _tags_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Phân loại"),
        choices=UnitTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


def _subject_span(unit: Unit | None) -> UnitSpan | None:
    """The unit's latest span (reorganizations act on it; history is appended in date order)."""
    if unit is None:
        return None
    return UnitSpan.objects.filter(unit=unit).order_by("-valid_from").first()


def _kind_choices(kinds: list[str]) -> list[tuple[str, Any]]:
    labels = dict(UnitKind.choices)
    return [(k, labels[k]) for k in kinds]


class _KindForm(OperationForm):
    """Offers only the kinds the `unit_kinds` rules allow where the unit sits (issue 13, point
    13): the choices are read for today; the operation checks again on the date typed and names
    the kinds in words."""

    def _limit_kinds(self, kinds: list[str]) -> None:
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _kind_choices(kinds)
        allowed = ", ".join(str(label) for _k, label in _kind_choices(kinds))
        if not kinds:
            field.help_text = _("Không có loại đơn vị nào được đặt ở đây.")
        field.error_messages["invalid_choice"] = _(
            "Loại hình này không được đặt ở đây (được phép: %(allowed)s)."
        ) % {"allowed": allowed or _("không có")}


class CreateUnitForm(_KindForm):
    code = forms.CharField(label=_("Mã đơn vị mới"), max_length=60)
    name = forms.CharField(label=_("Tên"), max_length=300)
    kind = forms.ChoiceField(label=_("Loại hình"), choices=UnitKind.choices)
    tags = _tags_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        span = _subject_span(self.subject if isinstance(self.subject, Unit) else None)
        if span is not None:
            self._limit_kinds(allowed_kinds(span.kind, today()))


class RenameUnitForm(OperationForm):
    name = forms.CharField(label=_("Tên mới"), max_length=300)


class RetypeUnitForm(_KindForm):
    kind = forms.ChoiceField(label=_("Loại hình mới"), choices=UnitKind.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        span = _subject_span(self.subject if isinstance(self.subject, Unit) else None)
        if span is not None:
            parent = _subject_span(span.parent) if span.parent_id else None
            kinds = allowed_kinds(parent.kind if parent else None, today())
            self._limit_kinds([k for k in kinds if k != span.kind])


class RetagUnitForm(OperationForm):
    tags = _tags_field()


class MoveUnitForm(OperationForm):
    parent = _unit_code(_("Mã đơn vị cấp trên mới"), action=Action.MANAGE_UNITS)

    def clean_parent(self) -> Unit | None:
        return self.unit_from("parent", Action.MANAGE_UNITS)


class MergeUnitForm(OperationForm):
    into = _unit_code(_("Sáp nhập vào (mã đơn vị)"), action=Action.MANAGE_UNITS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # What becomes of each open post of the absorbed unit (coso.units.posts): one field
        # `post_<id>` per post, blank for the default; shown in the preview, with the default
        # the preview applied selected (issue 13, point 2).
        self.post_fields: dict[tuple[int, str], str] = {}
        unit = self.subject if isinstance(self.subject, Unit) else None
        posts = (
            Position.objects.filter(unit=unit, valid_to__gt=today())
            .select_related("member")
            .order_by(role_rank_expression(), "member__sort_key", "pk")
            if unit is not None
            else Position.objects.none()
        )
        fate_labels = dict(PostFate.choices)
        for post in posts:
            name = f"post_{post.pk}"
            self.fields[name] = forms.ChoiceField(
                label=f"{post.get_role_display()}: {post.member.full_name}",
                choices=[("", _("Theo mặc định"))]
                + [(fate, fate_labels[fate]) for fate in fates_for(post.role)],
                required=False,
            )
            self.post_fields[(post.member_id, post.role)] = name
        self.preview_fields = tuple(self.post_fields.values())
        self._style()

    def clean_into(self) -> Unit | None:
        return self.unit_from("into", Action.MANAGE_UNITS)

    def chosen_posts(self) -> dict[int, str]:
        """The fates chosen, by Position id (blank: the default)."""
        return {
            int(name.removeprefix("post_")): self.cleaned_data[name]
            for name in self.post_fields.values()
            if self.cleaned_data.get(name)
        }


class DissolveUnitForm(OperationForm):
    pass
