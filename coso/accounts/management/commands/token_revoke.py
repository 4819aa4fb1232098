from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from coso.accounts.tokens import revoke_tokens
from coso.audit.log import AuditAction, record_command


class Command(BaseCommand):
    help = "Thu hồi các mã truy cập API của USERNAME / revoke USERNAME's API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default=None, help="chỉ mã có nhãn này / only this label")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có tài khoản «{username}».")
        with transaction.atomic():
            count = revoke_tokens(user, options["name"])
            if count:
                record_command(
                    AuditAction.TOKEN_REVOKE, user, {"name": options["name"], "revoked": count}
                )
        self.stdout.write(f"Đã thu hồi {count} mã của «{username}».")
