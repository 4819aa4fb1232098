from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "coso.meetings"
    label = "meetings"
    verbose_name = "Sinh hoạt chi bộ"

    def ready(self) -> None:
        # Branch activity is derived from unit spans too: refreshed with DailyDelta.
        from coso.meetings.activity import rebuild_activity, refresh_for_days
        from coso.stats.tally import keep_in_step

        keep_in_step(refresh_for_days, rebuild_activity)
