"""`coso loadtest prepare [--out FILE]`: the bench accounts and the ids the load test asks for."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from coso.accounts.otp import officers_need_totp
from coso.core.errors import CosoError
from coso.demo.bench_pages import BENCH_PASSWORD
from coso.demo.load_targets import load_targets


class Command(BaseCommand):
    help = (
        "Trên dữ liệu do `coso generate` tạo: tạo (hoặc đặt lại) các tài khoản đo và ghi tệp JSON "
        "cho phép thử tải (loadtest/locustfile.py). / On a generated dataset: create or reset the "
        "bench accounts and write the JSON the load test's users read (their units, members of "
        "their scope, a past day, a meeting, a proposal)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--out", default="var/loadtest/targets.json", help="the JSON file to write"
        )
        parser.add_argument(
            "--password", default=BENCH_PASSWORD, help="the bench accounts' password"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            targets = load_targets(options["password"])
        except CosoError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(targets, ensure_ascii=False, indent=2), encoding="utf-8")
        for account in targets["accounts"]:
            self.stdout.write(
                f"{account['username']:15} {account['role']:9} {account['unit_code']:12} "
                f"past day {account['past_day']}, {len(account['member_ids'])} members"
            )
        self.stdout.write(f"Đã ghi {out}.")
        if officers_need_totp():
            self.stderr.write(
                "Cảnh báo: cán bộ tổ chức phải xác thực hai lớp trên cơ sở dữ liệu này, nên "
                "bench.central và bench.province sẽ bị chuyển tới trang 2FA (lỗi trong phép thử "
                "tải). / Warning: organization officers must give a second factor on this "
                "database (site settings), so bench.central and bench.province will be sent to "
                "the 2FA page and their requests will fail: switch it off for the load test."
            )
