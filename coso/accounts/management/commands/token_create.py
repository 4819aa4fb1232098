from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from coso.accounts.tokens import create_token
from coso.audit.log import AuditAction, record_command


class Command(BaseCommand):
    help = (
        "Tạo mã truy cập API cho USERNAME; mã in ra một lần, ở dòng cuối cùng (chỉ lưu bản băm). "
        "Create an API token for USERNAME, printed alone on the last line (only its hash is kept)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="nhãn của mã / a label for the token")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có tài khoản «{username}».")
        if not user.is_active:
            raise CommandError(f"Tài khoản «{username}» đã bị khóa; không tạo mã.")
        with transaction.atomic():
            raw = create_token(user, name=options["name"] or "cli")
            record_command(AuditAction.TOKEN_CREATE, user, {"name": options["name"] or "cli"})
        self.stdout.write(
            f"Mã truy cập API cho «{username}» (dùng: Authorization: Bearer <mã>; "
            "mã chỉ hiện một lần):"
        )
        self.stdout.write(raw)
