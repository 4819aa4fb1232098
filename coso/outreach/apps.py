from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "coso.outreach"
    label = "outreach"
    verbose_name = "Dân vận: hộ gia đình, phân công theo dõi, đơn thư của công dân"

    def ready(self) -> None:
        # The root's coverage counts members by their spans: refreshed with DailyDelta.
        from coso.outreach.tally import rebuild, refresh_for_days
        from coso.stats.tally import keep_in_step

        keep_in_step(refresh_for_days, rebuild)
