from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from coso.core.rules import install_default_rules


class Command(BaseCommand):
    help = (
        "Tạo hoặc nâng cấp cơ sở dữ liệu và nạp các bộ quy định mặc định; chạy lại nhiều lần vẫn an toàn. "
        "Create or upgrade the database and load the default rule sets; safe to repeat."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=max(0, options["verbosity"] - 1))
        added = install_default_rules()
        self.stdout.write(f"Cơ sở dữ liệu đã sẵn sàng ({added} phiên bản quy định mới được nạp).")
