from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coso.core.dates import parse_date, today
from coso.members.snapshots import sync_due_snapshots


class Command(BaseCommand):
    help = (
        "Cập nhật trạng thái hiện tại của các đảng viên có quyết định vừa đến ngày hiệu lực "
        "(lịch chạy làm việc này hằng ngày). Rewrite today's status of members whose dated "
        "changes took effect since --since (default: the last successful scheduled run, else "
        "7 days ago); the scheduler runs it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", help="YYYY-MM-DD hoặc DD/MM/YYYY (mặc định: lần chạy thành công gần nhất)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            since = parse_date(options["since"]) if options["since"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(sync_due_snapshots(today(), since))
