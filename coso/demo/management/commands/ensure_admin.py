from typing import Any

from django.core.management.base import BaseCommand

from coso.accounts.first_admin import ADMIN_USERNAME, create_first_admin
from coso.demo.accounts import create_demo_accounts, demo_password, describe, is_demo_database


class Command(BaseCommand):
    help = (
        "Trên cơ sở dữ liệu mẫu (do `coso load-demo` tạo): tạo hoặc đặt lại `admin` và các tài "
        "khoản demo, in mật khẩu chung (lưu ở var/admin-password.txt; đặt COSO_ADMIN_PASSWORD để "
        "tự chọn). Trên cơ sở dữ liệu khác: chỉ tạo `admin` với mật khẩu ngẫu nhiên, in một lần, "
        "phải đổi ở lần đăng nhập đầu. "
        "On the demo database: create or reset `admin` and the demo accounts and print their "
        "password. On any other database: create only `admin`, with a random password printed "
        "once and changed at the first login."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if is_demo_database():
            accounts = create_demo_accounts(demo_password())
            self.stdout.write("Tài khoản demo / demo accounts:")
            for username, password in accounts.items():
                self.stdout.write(f"  {username} / mật khẩu: {password}   ({describe(username)})")
            return
        one_time = create_first_admin()
        if one_time is None:
            self.stdout.write(
                f"Tài khoản «{ADMIN_USERNAME}» đã có, mật khẩu giữ nguyên (đặt lại: `coso "
                f"changepassword {ADMIN_USERNAME}`). / «{ADMIN_USERNAME}» exists; its password "
                "is unchanged."
            )
            return
        self.stdout.write(
            "Không phải cơ sở dữ liệu mẫu: chỉ tạo tài khoản quản trị. Mật khẩu chỉ hiện một lần "
            "và phải đổi ở lần đăng nhập đầu. / Not the demo database: only the administrator "
            "is created; the password is shown once and must be changed at the first login."
        )
        self.stdout.write(f"  {ADMIN_USERNAME} / mật khẩu: {one_time}")
