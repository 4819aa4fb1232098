"""Write a members file (the format of `coso members import`) of N new members for load tests.

    .venv/bin/python scripts/members_csv.py 250000 var/members-250k.csv

The members go into the branches open today in the database named by DATABASE_URL (default:
the project's var/coso.sqlite3, e.g. the demo), spread evenly; every row is valid, so an import
of the file writes all of it. Member ids are `LT` + a number (a prefix and `--start` keep two
files apart).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import sys
from pathlib import Path

COLUMNS = [
    "member_id",
    "card_no",
    "full_name",
    "gender",
    "birth_date",
    "branch",
    "admitted_on",
    "official_on",
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi"]
MIDDLE = ["Văn", "Thị", "Đức", "Minh", "Quang", "Thanh", "Hữu", "Ngọc", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Đạt", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Lan"]


def open_branches() -> list[tuple[str, dt.date]]:
    """(code, first day a member may join) of every branch open today with no change ahead."""
    from coso.core.dates import FAR_FUTURE, today
    from coso.core.rules import rule
    from coso.units.models import UnitSpan

    day = today()
    spans = UnitSpan.objects.filter(
        valid_from__lte=day,
        valid_to=FAR_FUTURE,
        kind__in=rule("unit_kinds.home_kinds", day),
        unit__valid_to=FAR_FUTURE,
    ).values_list("unit__code", "valid_from")
    return sorted((code, start) for code, start in spans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--prefix", default="LT")
    parser.add_argument("--start", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coso.settings")
    import django

    django.setup()
    from coso.core.dates import today

    branches = open_branches()
    if not branches:
        raise SystemExit("no open branch in the database: load the demo first (make demo)")
    rng = random.Random(args.seed)
    last = today()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(args.start, args.start + args.rows):
            code, first = branches[n % len(branches)]
            admitted = first + dt.timedelta(days=rng.randrange(max(1, (last - first).days + 1)))
            official = admitted + dt.timedelta(days=365)
            writer.writerow(
                [
                    f"{args.prefix}{n:08d}",
                    "",
                    f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
                    rng.choice(["male", "female"]),
                    (admitted - dt.timedelta(days=365 * rng.randint(20, 50))).strftime("%d/%m/%Y"),
                    code,
                    admitted.strftime("%d/%m/%Y"),
                    official.strftime("%d/%m/%Y") if official <= last else "",
                ]
            )
    print(f"{args.rows} members in {len(branches)} branches: {args.out}")


if __name__ == "__main__":
    main()
