"""`coso load-demo [--if-empty] [--seed N]`: the Quang Binh demo, into an empty database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coso.core.dates import fmt, today
from coso.core.errors import CosoError
from coso.demo.accounts import create_demo_accounts, demo_password, describe
from coso.demo.geography import reform_mapping
from coso.demo.loader import DEFAULT_SEED, LoadReport, database_has_units, load_demo
from coso.demo.quangbinh import (
    BORDER_GUARD,
    DIRECTLY_UNDER,
    FIGURES_DAY,
    HOAN_LAO,
    PROVINCE,
    REFORM_DAY,
)
from coso.units.models import Unit
from coso.units.queries import span_on


def _num(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _ok(good: bool) -> str:
    return "khớp bài báo" if good else "KHÔNG KHỚP"


def report_lines(report: LoadReport) -> list[str]:
    """What the command prints after loading: the seed's figures as the database answers them."""
    f = report.figures
    hl, bg, pv = f["hoan_lao"], f["border_guard"], f["province"]
    part = bg.get("participations", {})
    pos = bg.get("positions", {})
    province = Unit.objects.get(code=PROVINCE)
    before_name = span_on(province, FIGURES_DAY).name
    now_name = span_on(province, today()).name
    bad = "\n".join(f"  ! {m}" for m in report.mismatches)
    lines = [
        f"Đã nạp dữ liệu mẫu Quảng Bình (seed {report.seed}) trong {report.seconds:.1f} giây: "
        f"{_num(report.units)} đơn vị, {_num(report.members)} đảng viên, "
        f"{_num(report.steps)} sự kiện.",
        f"Các tệp đã nhập, kể cả phương án sắp xếp 01/07/2025: {report.reform_plan}",
        "",
        f"Số liệu của bài báo gốc (Nhân Dân), hỏi ngày {fmt(FIGURES_DAY)}:",
        f"  Đảng bộ thị trấn Hoàn Lão ({HOAN_LAO}), sau khi sáp nhập xã Hoàn Trạch ngày "
        f"01/02/2020: {_num(hl['members'])} đảng viên, {hl['branches']} chi bộ, trong đó "
        f"{hl['residential']} chi bộ khu dân cư — "
        f"{_ok(not any(m.startswith('hoan_lao') for m in report.mismatches))}",
        f"  Bộ đội Biên phòng tỉnh ({BORDER_GUARD}): {part.get('members', 0)} đảng viên tham gia "
        f"sinh hoạt ở {part.get('units', 0)} chi bộ thôn, bản; "
        f"{pos.get('district.committee_member', 0)} cấp ủy viên huyện; "
        f"{pos.get('grassroots_committee.deputy_secretary', 0)} phó bí thư và "
        f"{pos.get('grassroots_committee.committee_member', 0)} cấp ủy viên đảng ủy xã; "
        f"{bg.get('external_roles', 0)} đại biểu HĐND xã — "
        f"{_ok(not any(m.startswith('border_guard') for m in report.mismatches))}",
        f"  Bộ đội Biên phòng tỉnh: {bg.get('households', {}).get('responsible_members', 0)} "
        "cán bộ, chiến sĩ là đảng viên phụ trách "
        f"{_num(bg.get('households', {}).get('households', 0))} hộ dân — "
        f"{_ok(not any(m.startswith('border_guard.households') for m in report.mismatches))}",
        "",
        f"Sắp xếp ngày {fmt(REFORM_DAY)}:",
        f"  {fmt(FIGURES_DAY)}: «{before_name}», {pv['districts_2024']} đảng bộ cấp huyện và "
        "tương đương (8 huyện, thị xã, thành phố và 5 đảng bộ trực thuộc)",
        f"  {fmt(today())}: «{now_name}», {pv['communes_today']} đảng bộ cấp xã "
        f"({len(reform_mapping())} xã, phường mới và {len(DIRECTLY_UNDER) + 1} đảng bộ trực "
        f"thuộc), {pv['districts_today']} đảng bộ cấp huyện",
        f"  Đảng viên: {_num(pv['members_2025_06_30'])} ngày "
        f"{fmt(REFORM_DAY - dt.timedelta(days=1))}, {_num(pv['members_2025_07_01'])} ngày "
        f"{fmt(REFORM_DAY)} — "
        + ("không mất ai" if pv["members_2025_07_01"] == pv["members_2025_06_30"] else "CHÊNH LỆCH")
        + f"; {_num(pv['members_today'])} hôm nay (kết nạp, chuyển đi sau sắp xếp)",
        "",
        "Xem lại bằng:",
        f"  coso stats {HOAN_LAO} --as-of {FIGURES_DAY.isoformat()} --json",
        f"  coso stats {BORDER_GUARD} --as-of {FIGURES_DAY.isoformat()} --json   (mục «outside»)",
        f"  coso tree {PROVINCE} --as-of {FIGURES_DAY.isoformat()} --depth 1",
        f"  coso tree {PROVINCE} --depth 1",
    ]
    if report.meetings is not None:
        lines += ["", f"Lịch sử sinh hoạt chi bộ hai năm qua: {_num(report.meetings)} cuộc họp."]
    if report.directives:
        lines += [
            f"Văn bản cấp trên (Chỉ thị 50-CT/TW và một kế hoạch mẫu): "
            f"{_num(report.directives)} hồ sơ thực hiện của các chi bộ — xem «/directives/»."
        ]
    if bad:
        lines += ["", "Số liệu không khớp:", bad]
    return lines


def account_lines() -> list[str]:
    """Create (or reset) the demo logins with the one admin password, and say what they are."""
    accounts = create_demo_accounts(demo_password())
    lines = ["", "Tài khoản demo / demo accounts (cùng một mật khẩu / one password):"]
    for username, password in accounts.items():
        lines.append(f"  {username} / mật khẩu: {password}   ({describe(username)})")
    return lines


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu mẫu tỉnh Quảng Bình (mã đơn vị thật, tên người giả) vào cơ sở dữ liệu "
        "trống: cây tổ chức năm 2019, việc sáp nhập xã Hoàn Trạch vào thị trấn Hoàn Lão "
        "(01/02/2020), Bộ đội Biên phòng tham gia sinh hoạt ở thôn, bản, và cuộc sắp xếp "
        "01/07/2025 vào tỉnh Quảng Trị; rồi in các số liệu của bài báo gốc. "
        "Load the Quang Binh demo into an empty database and print the seed article's figures."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="nếu cơ sở dữ liệu đã có đơn vị thì không làm gì và thoát bình thường "
            "(dùng trong `make demo`) / do nothing, successfully, when units already exist",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"hạt giống ngẫu nhiên cho tên, ngày, số lượng (mặc định {DEFAULT_SEED}); "
            "cùng hạt giống cho cùng dữ liệu / random seed, same seed same data",
        )
        parser.add_argument(
            "--directory",
            type=Path,
            default=None,
            help="thư mục ghi các tệp CSV đã nhập và các phương án sắp xếp (mặc định var/demo) "
            "/ where the imported CSV files and plans are written (default var/demo)",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="không hiện tiến trình / hide the progress display",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            has_units = database_has_units()
        except CosoError as exc:
            raise CommandError(str(exc)) from exc
        if has_units:
            if options["if_empty"]:
                self.stdout.write(
                    "Cơ sở dữ liệu đã có đơn vị: dữ liệu mẫu đã được nạp (hoặc đang dùng dữ liệu "
                    "thật), không nạp lại."
                )
                return
            raise CommandError(
                "Cơ sở dữ liệu đã có đơn vị; `coso load-demo` chỉ nạp vào cơ sở dữ liệu trống. "
                "Dùng --if-empty để bỏ qua khi đã có dữ liệu."
            )
        try:
            report = load_demo(
                seed=options["seed"],
                directory=options["directory"],
                progress=not options["no_progress"],
            )
        except CosoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write("\n".join(report_lines(report) + account_lines()))
        if report.mismatches:
            raise CommandError("Dữ liệu mẫu không cho ra đúng số liệu của bài báo (xem trên).")
