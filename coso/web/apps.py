from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coso.web"
    label = "web"
    verbose_name = "Giao diện web"

    def ready(self) -> None:
        # The home page's member and unit warnings are derived data: kept with DailyDelta.
        from coso.stats.tally import keep_in_step
        from coso.web.warnings import rebuild_home_warnings, refresh_for

        keep_in_step(refresh_for, rebuild_home_warnings)
