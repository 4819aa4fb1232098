"""The whole 2025 reform as one reorganization plan, for a registry as of 30/06/2025.

`coso generate --before-reform` writes the country's tree as it stood on 30/06/2025; this
builds, from the same official old-to-new mapping (`converter_2025.json`, read by
`coso.demo.generate.load_geography`), the plan that `coso reorg apply` runs on 01/07/2025 to
reach the tree `coso generate` writes directly — the same construction as the demo's 246-row
plan for Quang Binh (`coso.demo.quangbinh._Builder.reform_plan`), for every province:

- a new commune whose code one of its old communes carries keeps that unit: renamed if its
  name changes, retyped to `commune`, moved directly under the province; any other new commune
  is created under the province (with `NNNNN-2025` when its code is an old commune's: codes are
  never reused);
- every other old commune is merged into its new commune (its branches move with it);
- the committees directly under the province become commune-level (`district` → `commune`);
- the districts, emptied, are dissolved.

Only units present on 30/06/2025 are named (a dataset generated below national size has fewer
districts and communes). The 34 provinces are those of 2025 through the whole generated
history, so the plan has no province merger.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from coso.core.spreadsheet import csv_writer
from coso.demo.generate import REFORM_DAY, load_geography
from coso.units.models import Unit, UnitSpan

COLUMNS = ["op", "unit", "into", "name", "kind", "category"]
# The decision `coso generate` records for the reform it writes directly.
DECISION = ("294-QĐ/TW (dữ liệu tổng hợp)", dt.date(2025, 5, 26))


def national_plan_rows(on: dt.date = REFORM_DAY) -> list[list[str]]:
    """The plan's rows for the units of the database open on the eve of `on`."""
    eve = on - dt.timedelta(days=1)
    current = {
        code: (kind, name)
        for code, kind, name in UnitSpan.objects.filter(
            valid_from__lte=eve, valid_to__gt=eve
        ).values_list("unit__code", "kind", "name")
    }
    taken = set(Unit.objects.values_list("code", flat=True))
    provinces, new_communes = load_geography()
    rows: list[list[str]] = []
    for prov in provinces:
        if prov.code not in current:
            continue
        by_new: dict[str, list[str]] = {}
        districts = [d.code for d in prov.districts if d.code in current]
        for district in prov.districts:
            for ward in district.wards:
                if ward.code in current:
                    by_new.setdefault(ward.new_code, []).append(ward.code)
        for new_code in sorted(by_new):
            name = f"Đảng bộ {new_communes[new_code].name}"
            sources = sorted(by_new[new_code])
            if new_code in sources:
                sources.remove(new_code)
                kind, old_name = current[new_code]
                if old_name != name:
                    rows.append(["rename", new_code, "", name, "", ""])
                if kind != "commune":
                    rows.append(["retype", new_code, "", "", "commune", ""])
                rows.append(["move", new_code, prov.code, "", "", ""])
                target = new_code
            else:
                target = new_code if new_code not in taken else f"{new_code}-2025"
                taken.add(target)
                rows.append(["create", target, prov.code, name, "commune", "commune"])
            rows.extend(["merge", source, target, "", "", ""] for source in sources)
        prefix = f"{prov.code}-K"
        for code in sorted(
            c for c in current if c.startswith(prefix) and "-" not in c[len(prefix) :]
        ):
            if current[code][0] == "district":
                rows.append(["retype", code, "", "", "commune", ""])
        rows.extend(["dissolve", code, "", "", "", ""] for code in districts)
    return rows


def write_national_plan(path: str | Path, on: dt.date = REFORM_DAY) -> Counter[str]:
    """Write the plan as CSV; returns the number of rows of each operation."""
    rows = national_plan_rows(on)
    with Path(path).open("w", encoding="utf-8", newline="") as f:
        writer = csv_writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return Counter(r[0] for r in rows)


__all__ = ["DECISION", "national_plan_rows", "write_national_plan"]
