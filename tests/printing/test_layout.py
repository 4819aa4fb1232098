"""The shared Party layout: who issues (unit, superior, place), the date line, the signer."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from coso.members.operations import assign_position, end_position
from coso.members.queries import head_of
from coso.units.operations import create_unit, rename_unit
from coso.units.printing import date_line, issuer_of, on_behalf_of, place_of
from tests.printing.conftest import Branch


def test_place_is_the_first_place_named_up_the_tree() -> None:
    assert place_of(["Chi bộ thôn Tân Lập", "Đảng bộ xã Hoàn Lão"]) == "Hoàn Lão"
    assert place_of(["Chi bộ Trạm Y tế thị trấn Hoàn Lão"]) == "Hoàn Lão"
    assert place_of(["Đảng bộ thị xã Ba Đồn"]) == "Ba Đồn"
    assert place_of(["Đảng bộ Cơ quan Bộ Chỉ huy Quân sự tỉnh", "Đảng bộ tỉnh Quảng Bình"]) == (
        "Quảng Bình"
    )
    assert place_of(["Đơn vị B", "Đơn vị C"]) == ""


def test_date_line_in_words_with_and_without_a_place() -> None:
    day = dt.date(2026, 12, 5)
    assert date_line("Đồng Hới", day) == "Đồng Hới, ngày 05 tháng 12 năm 2026"
    assert date_line("", day) == "Ngày 05 tháng 12 năm 2026"
    with translation.override("en"):
        assert date_line("Đồng Hới", day) == "Đồng Hới, 05/12/2026"


def test_issuer_reads_the_names_of_the_day(tan_lap: Branch) -> None:
    issuer = issuer_of(tan_lap.branch, dt.date(2026, 12, 5))
    assert (issuer.superior, issuer.name, issuer.place) == (
        "ĐẢNG BỘ XÃ HOÀN LÃO",
        "CHI BỘ THÔN TÂN LẬP",
        "Hoàn Lão",
    )
    assert on_behalf_of(issuer) == "T/M CHI BỘ"
    commune = issuer_of(tan_lap.commune, dt.date(2026, 12, 5))
    assert commune.superior == "ĐẢNG BỘ TỈNH QUẢNG BÌNH" and on_behalf_of(commune) == "T/M ĐẢNG ỦY"
    root = issuer_of(tan_lap.province, dt.date(2026, 12, 5))
    assert root.superior == "" and root.place == "Quảng Bình"
    # A rename counts from its day: documents dated before it keep the old name.
    rename_unit(tan_lap.branch, name="Chi bộ thôn Tân Lập Mới", on=dt.date(2026, 12, 1))
    assert issuer_of(tan_lap.branch, dt.date(2026, 11, 30)).name == "CHI BỘ THÔN TÂN LẬP"
    assert issuer_of(tan_lap.branch, dt.date(2026, 12, 5)).name == "CHI BỘ THÔN TÂN LẬP MỚI"


def test_issuer_of_a_unit_not_yet_created_uses_its_first_name(tan_lap: Branch) -> None:
    later = create_unit(
        code="19111-NEW",
        name="Chi bộ thôn Mới",
        kind="branch",
        parent=tan_lap.commune,
        on=dt.date(2026, 1, 1),
    )
    assert issuer_of(later, dt.date(2025, 1, 1)).name == "CHI BỘ THÔN MỚI"


def test_signer_is_the_secretary_else_a_deputy(tan_lap: Branch) -> None:
    day = dt.date(2026, 12, 5)
    deputy = assign_position(
        tan_lap.members[1], tan_lap.branch, "deputy_secretary", on=dt.date(2025, 8, 1)
    )
    head = head_of(tan_lap.branch, day)
    assert head is not None and head.member == tan_lap.secretary
    secretary = head
    end_position(secretary, on=dt.date(2026, 10, 1))
    head = head_of(tan_lap.branch, day)
    assert head is not None and head.pk == deputy.pk
    assert head_of(tan_lap.branch, dt.date(2025, 7, 1)) is None
