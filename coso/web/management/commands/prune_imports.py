from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from coso.web.imports import prune_import_jobs


class Command(BaseCommand):
    help = (
        "Xóa các lượt nhập dữ liệu cũ và tệp còn sót của chúng (chạy hằng ngày). "
        "Delete import jobs older than --older-than-days (default COSO_IMPORT_JOBS_KEEP_DAYS) "
        "and the files left of them; run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=settings.COSO_IMPORT_JOBS_KEEP_DAYS,
            help="số ngày giữ lại (mặc định: %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than_days"]
        count = prune_import_jobs(days)
        self.stdout.write(f"Đã xóa {count} lượt nhập dữ liệu cũ hơn {days} ngày.")
