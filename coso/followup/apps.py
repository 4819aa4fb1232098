from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "coso.followup"
    label = "followup"
    verbose_name = "Thực hiện văn bản cấp trên"

    def ready(self) -> None:
        # The root's tracking tally counts records by the tree: refreshed with DailyDelta.
        from coso.followup.tally import rebuild_all, refresh_for_days
        from coso.stats.tally import keep_in_step

        keep_in_step(refresh_for_days, rebuild_all)
