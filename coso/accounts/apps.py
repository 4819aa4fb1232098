from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "coso.accounts"
    label = "accounts"
    verbose_name = "Tài khoản và phân quyền / Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from coso.accounts import signals

        user_logged_in.connect(signals.on_login, dispatch_uid="coso_audit_login")
        user_logged_out.connect(signals.on_logout, dispatch_uid="coso_audit_logout")
        user_login_failed.connect(signals.on_login_failed, dispatch_uid="coso_audit_login_failed")
