"""Registering and cascading: one record per target unit, never two, and the preview says how
many units of each kind a cascade reaches before anything is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from coso.audit.models import AuditEntry
from coso.core.dates import add_months, today
from coso.core.errors import CosoError
from coso.followup import operations as ops
from coso.followup.models import Implementation, Step
from coso.units.operations import create_unit
from tests.followup.helpers import TERMS, cascade_day, cascaded, register


def test_cascade_creates_exactly_one_record_per_target_unit_with_its_due_dates(cast):
    directive = register(cast)
    on = cascade_day()
    preview = ops.preview_cascade(directive, cast.P, ["branch"], on, TERMS)
    assert preview.per_kind == {"branch": 3} and preview.new == 3 and preview.existing == 0
    assert Implementation.objects.count() == 0  # a preview writes nothing

    result = ops.cascade_directive(directive, cast.P, ["branch"], on, TERMS, actor=cast.officer)
    assert result.implementations == 3 and result.steps == 3 * 4
    units = sorted(
        Implementation.objects.filter(directive=directive).values_list("unit__code", flat=True)
    )
    assert units == ["B", "B2", "BC2"]  # the branches of P, neither the group G nor Q's branch
    dues = sorted(
        Step.objects.filter(implementation__unit__code="B").values_list("kind", "seq", "due")
    )
    assert dues == sorted(
        [
            ("study", 0, on + dt.timedelta(days=30)),
            ("plan", 0, on + dt.timedelta(days=45)),
            ("report", 1, add_months(on, 6)),
            ("report", 2, add_months(on, 12)),
        ]
    )
    entry = AuditEntry.objects.get(action="directive_cascade")
    assert entry.after["implementations"] == 3 and entry.after["root"] == "P"
    assert entry.username == "cast.officer"


def test_preview_counts_units_per_kind_and_includes_the_root_of_a_chosen_kind(cast):
    directive = register(cast)
    preview = ops.preview_cascade(
        directive, cast.P, ["branch", "commune", "province"], cascade_day()
    )
    assert preview.per_kind == {"branch": 3, "commune": 2, "province": 1}
    # Terms default to the `followup` rule set.
    assert preview.terms == ops.Terms(30, 45, 6, 2)


def test_a_second_cascade_to_the_same_unit_is_refused_and_writes_nothing(cast):
    directive = cascaded(cast)
    before = Step.objects.count()
    with pytest.raises(
        CosoError, match=r"đã được triển khai tới 2 đơn vị.*B, B2.*mỗi đơn vị chỉ nhận một lần"
    ):
        ops.cascade_directive(directive, cast.C, ["branch"], cascade_day(), TERMS)
    assert Step.objects.count() == before
    # Skipping those that hold one: only a unit created since gets a record.
    create_unit(code="B3", name="Chi bộ B3", kind="branch", parent=cast.C, on=cascade_day())
    result = ops.cascade_directive(
        directive, cast.C, ["branch"], cascade_day(), TERMS, skip_existing=True
    )
    assert (result.implementations, result.skipped) == (1, 2)
    assert Implementation.objects.filter(directive=directive).count() == 4
    # Nothing left to do: refused, with the reason.
    with pytest.raises(CosoError, match="Không có đơn vị nào mới"):
        ops.cascade_directive(
            directive, cast.C, ["branch"], cascade_day(), TERMS, skip_existing=True
        )


def test_the_database_refuses_a_second_record_for_the_same_unit(cast):
    directive = cascaded(cast)
    with pytest.raises(IntegrityError), transaction.atomic():
        Implementation.objects.create(
            directive=directive, unit=cast.B, cascaded_on=cascade_day(), batch="x"
        )


def test_refusals_name_what_is_wrong(cast):
    directive = register(cast)
    with pytest.raises(CosoError, match="không thuộc đơn vị đăng ký"):
        ops.preview_cascade(directive, cast.Q, ["branch"], cascade_day())
    with pytest.raises(CosoError, match="Chọn ít nhất một loại"):
        ops.preview_cascade(directive, cast.P, [], cascade_day())
    with pytest.raises(CosoError, match="trước ngày ban hành"):
        ops.preview_cascade(directive, cast.P, ["branch"], directive.issued_on - dt.timedelta(1))
    with pytest.raises(CosoError, match="Số lần báo cáo"):
        ops.preview_cascade(directive, cast.P, ["branch"], cascade_day(), ops.Terms(1, 1, 1, 99))
    with pytest.raises(CosoError, match="đã đăng ký văn bản số 21-NQ/TW"):
        register(cast)
    with pytest.raises(CosoError, match="sau hôm nay"):
        ops.register_directive(
            owner=cast.P,
            kind="directive",
            number="1-CT/TU",
            issued_on=today() + dt.timedelta(days=1),
            issuer="Tỉnh ủy",
            title="Chỉ thị",
        )


def test_attachments_are_checked_by_structure_and_stored_outside_the_web_root(cast, settings):
    directive = register(cast)
    attachment = ops.attach_file(directive, name="nghi-quyet.pdf", data=b"%PDF-1.4\n%%EOF\n")
    stored = settings.VAR_DIR / "directives" / attachment.stored_name
    assert stored.read_bytes() == b"%PDF-1.4\n%%EOF\n"
    with pytest.raises(CosoError, match="không phải tệp pdf thật"):
        ops.attach_file(directive, name="gia.pdf", data=b"<html>not a pdf</html>")
    with pytest.raises(CosoError, match="không được phép"):
        ops.attach_file(directive, name="x.exe", data=b"MZ")
    assert directive.attachments.count() == 1
