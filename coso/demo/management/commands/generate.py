"""`coso generate --members N [--seed S]`."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from coso.core.errors import CosoError
from coso.demo.generate import NATIONAL_MEMBERS, generate_dataset
from coso.demo.national_extras import add_extras


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with a synthetic registry of national shape: the 34 provinces, "
        "the districts and communes before 01/07/2025, the commune-level committees after it, "
        "committees directly under each province, grassroots organizations, branches and groups, "
        "and members with decades of history (admissions since 1960, probation, transfers, "
        f"exemptions, deaths and other endings). --members {NATIONAL_MEMBERS} is the national "
        "size. Progress is shown on the terminal; with -v 2 the CPU time of every step is "
        "printed at the end."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--members",
            type=int,
            help="how many members are in the Party today (probationary + official)",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed: the same seed gives the same data"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")
        parser.add_argument(
            "--before-reform",
            action="store_true",
            help="the registry as of 30/06/2025: the 2025 reform not written and nobody admitted "
            "after that day (to apply the reform through `coso reorg apply`, see "
            "`coso reorg national-plan`)",
        )

        parser.add_argument(
            "--no-extras",
            action="store_true",
            help="only the registry: no directives cascaded to every branch, no classifications",
        )
        parser.add_argument(
            "--extras-only",
            action="store_true",
            help="add the directives and the last two years' classifications to a dataset "
            "generated before (skips what is already there)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["extras_only"]:
            self._extras(options)
            return
        if not options["members"]:
            self.stderr.write("Thiếu --members N (số đảng viên đang sinh hoạt).")
            raise SystemExit(2)
        try:
            result = generate_dataset(
                members=options["members"],
                seed=options["seed"],
                progress=not options["quiet"],
                before_reform=options["before_reform"],
            )
        except CosoError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        self.stdout.write(
            f"Đã sinh dữ liệu: {result['members_in_party']:,} đảng viên đang sinh hoạt, "
            f"{result['members_ended']:,} đã ra khỏi danh sách, trong {result['seconds']:.0f} giây."
        )
        for table, count in result["rows"].items():
            self.stdout.write(f"  {table:<26} {count:>12,}")
        self.stdout.write(
            f"CPU: {result['cpu_seconds']:.0f} s in this process, "
            f"{result['worker_cpu_seconds']:.0f} s in worker processes"
        )
        if options["verbosity"] >= 2:
            wall = result["wall_timings"]
            for step, seconds in result["timings"].items():
                self.stdout.write(
                    f"  {step:<60} {seconds:>8.1f} s CPU {wall.get(step, 0):>8.1f} s wall"
                )
        if not options["no_extras"] and not options["before_reform"]:
            self._extras(options)

    def _extras(self, options: dict[str, Any]) -> None:
        try:
            extras = add_extras(seed=options["seed"], progress=not options["quiet"])
        except CosoError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(1) from exc
        self.stdout.write(
            f"Văn bản: {extras['directives']} văn bản, {extras['records']:,} đơn vị thực hiện, "
            f"{extras['steps']:,} bước ({extras['steps_done']:,} đã báo cáo); xếp loại: "
            f"{extras['units']:,} lượt tổ chức, {extras['members']:,} lượt đảng viên; "
            f"{extras['seconds']:.0f} giây."
        )
