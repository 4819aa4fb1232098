from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "coso.accounts"
    label = "accounts"
    verbose_name = _("Tài khoản và phân quyền")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from coso.accounts.views import note_forced_password_change

        # On every login path (the login page and the admin's): both must lead to the change.
        user_logged_in.connect(note_forced_password_change, dispatch_uid="coso-must-change-pw")
