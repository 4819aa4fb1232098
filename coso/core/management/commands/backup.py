from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coso.core.backup import KEY_TABLES, backup, prune
from coso.core.errors import CosoError


class Command(BaseCommand):
    help = (
        "Sao lưu cơ sở dữ liệu và tài liệu cuộc họp vào một thư mục mới coso-NGÀY-GIỜ trong DIR, "
        "kèm bản kê (manifest.json) và mã kiểm (SHA256SUMS). "
        "Back up the database and the meeting documents into a new folder under DIR, with a "
        "manifest and checksums; the last line printed is its path."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="thư mục chứa các bản sao lưu / where backups go")
        parser.add_argument(
            "--keep",
            type=int,
            default=0,
            help="giữ N bản mới nhất trong DIR, xóa bản cũ hơn / keep the newest N (0: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        try:
            done = backup(Path(options["dir"]), say=None if quiet else self.stderr.write)
            removed = prune(Path(options["dir"]), options["keep"]) if options["keep"] else []
        except CosoError as exc:
            raise CommandError(str(exc)) from exc
        manifest = done.manifest
        counts = manifest["row_counts"]
        documents = len(manifest["files"]) - 1
        if not quiet:
            shown = ", ".join(f"{t} {counts[t]}" for t in KEY_TABLES if t in counts)
            self.stderr.write(f"Số dòng / rows: {shown}; tài liệu / documents: {documents}")
            for folder, names in manifest["missing_files"].items():
                self.stderr.write(
                    f"CẢNH BÁO / WARNING: {len(names)} tệp trong «{folder}» mà cơ sở dữ liệu "
                    f"nhắc tới không có trên đĩa (files the database names are missing): "
                    f"{', '.join(names[:5])}"
                )
            for path in removed:
                self.stderr.write(f"Đã xóa bản cũ / removed: {path}")
        self.stdout.write(str(done.path))
