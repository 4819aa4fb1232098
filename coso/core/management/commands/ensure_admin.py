from typing import Any

from django.core.management.base import BaseCommand

from coso.accounts.demo_accounts import create_demo_accounts, demo_password, describe


class Command(BaseCommand):
    help = (
        "Tạo (hoặc đặt lại) tài khoản `admin` và các tài khoản demo, in mật khẩu. "
        "Create or reset `admin` and the demo accounts and print the password "
        "(kept in var/admin-password.txt; set COSO_ADMIN_PASSWORD to choose it)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = create_demo_accounts(demo_password())
        self.stdout.write("Tài khoản demo / demo accounts:")
        for username, password in accounts.items():
            self.stdout.write(f"  {username} / mật khẩu: {password}   ({describe(username)})")
