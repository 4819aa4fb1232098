from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# The admin's sections for vendor apps, by app label.
VENDOR_APP_NAMES = {
    "axes": _("Khóa đăng nhập sai nhiều lần"),
    "otp_totp": _("Xác thực hai lớp (TOTP)"),
    "django_tasks_database": _("Tác vụ chạy nền"),
}


class WebConfig(AppConfig):
    name = "coso.web"
    label = "web"
    verbose_name = _("Giao diện web")

    def ready(self) -> None:
        # The home page's member and unit warnings are derived data: kept with DailyDelta.
        from coso.stats.tally import keep_in_step
        from coso.web.warnings import rebuild_home_warnings, refresh_for

        keep_in_step(refresh_for, rebuild_home_warnings)

        # The Django admin, in Vietnamese like the rest (its own strings: Django's catalogue).
        from django.contrib import admin

        admin.site.site_header = _("Coso — Quản trị")
        admin.site.site_title = _("Coso — Quản trị")
        admin.site.index_title = _("Trang quản trị")
        admin.site.site_url = "/"
        # Vendor apps whose names are not translatable strings (class attributes or the label).
        from django.apps import apps

        for label, name in VENDOR_APP_NAMES.items():
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name
        if "otp_totp" in apps.app_configs:  # a plain "TOTP device"; not a migration option
            device = apps.get_model("otp_totp", "TOTPDevice")._meta
            device.verbose_name = _("thiết bị TOTP")
            device.verbose_name_plural = _("thiết bị TOTP")
