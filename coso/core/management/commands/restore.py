from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coso.core.backup import restore
from coso.core.errors import CosoError


class Command(BaseCommand):
    help = (
        "Khôi phục cơ sở dữ liệu và tài liệu từ một bản sao lưu của `coso backup` (thư mục "
        "coso-NGÀY-GIỜ). Kiểm tra toàn bộ trước; bản hỏng hoặc thiếu bị từ chối và không thay "
        "gì. Nên dừng `coso serve` trước. "
        "Restore the database and documents from a `coso backup` folder; everything is verified "
        "first and a damaged or incomplete backup is refused with nothing replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="thư mục coso-NGÀY-GIỜ của bản sao lưu / the backup")
        parser.add_argument(
            "--check",
            action="store_true",
            help="chỉ kiểm tra, không thay gì / verify only, replace nothing",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        say = None if options["verbosity"] == 0 else self.stderr.write
        try:
            manifest = restore(Path(options["dir"]), say=say, check_only=options["check"])
        except CosoError as exc:
            raise CommandError(str(exc)) from exc
        what = "đã kiểm tra / verified" if options["check"] else "đã khôi phục / restored"
        self.stdout.write(
            f"Bản sao lưu {manifest['created_at']} (Coso {manifest['app_version']}, "
            f"{manifest['database']['engine']}, {len(manifest['files']) - 1} tài liệu): {what}."
        )
