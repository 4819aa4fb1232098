import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Tạo tài khoản quản trị `admin` nếu chưa có và in mật khẩu. "
        "Create the `admin` superuser if missing and print its password "
        "(kept in var/admin-password.txt; set COSO_ADMIN_PASSWORD to choose it)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        import os

        secret_file = settings.VAR_DIR / "admin-password.txt"
        user_model = get_user_model()
        user = user_model.objects.filter(username="admin").first()
        if user is None:
            password = os.environ.get("COSO_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            user_model.objects.create_superuser("admin", "admin@coso.local", password)
            secret_file.write_text(password + "\n")
            secret_file.chmod(0o600)
        password = secret_file.read_text().strip() if secret_file.exists() else "(đã đặt trước đó)"
        self.stdout.write(f"Tài khoản: admin / mật khẩu: {password}")
