"""`coso classification CODE --year YEAR [--json]`."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.errors import CosoError
from coso.quality.models import Level
from coso.quality.queries import KEYS, classification_summary, percentages
from coso.units.queries import get_unit

_LABELS = {**dict(Level.choices), "not_rated": "Chưa xếp loại / không xếp loại"}


def render(summary: dict[str, Any], code: str, year: int) -> list[str]:
    lines = [
        f"Xếp loại chất lượng năm {year} — đơn vị {code} và cấp dưới — theo Quy định "
        f"{summary['regulation']}",
    ]
    for title, counts in (("Tổ chức đảng", summary["units"]), ("Đảng viên", summary["members"])):
        shares = percentages(counts)
        lines += ["", title]
        for key in KEYS:
            share = shares[key]
            pct = "" if share is None else f"{share:>6.1f}%"
            lines.append(f"  {_LABELS[key]!s:<40}{counts[key]:>9} {pct}")
    return lines


class Command(BaseCommand):
    help = (
        "Kết quả xếp loại chất lượng một năm của một tổ chức đảng và các tổ chức cấp dưới: quy "
        "định áp dụng, số tổ chức và số đảng viên theo từng mức. "
        "The year's quality classification of a unit's subtree: regulation and counts per level."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="mã đơn vị / the unit's code, e.g. 44")
        parser.add_argument(
            "--year", type=int, required=True, help="năm xếp loại / the year rated, e.g. 2024"
        )
        parser.add_argument(
            "--json", action="store_true", help="in kết quả dạng JSON / print JSON for scripts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            year = options["year"]
            if not 1930 <= year <= 2100:
                raise CosoError(f"--year: năm {year} không hợp lệ.")
            unit = get_unit(options["code"])
            summary = classification_summary(unit, year)
        except CosoError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        if options["json"]:
            out = {k: summary[k] for k in ("regulation", "units", "members")}
            self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))
            return
        self.stdout.write("\n".join(render(summary, unit.code, year)))
