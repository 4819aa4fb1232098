from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QualityConfig(AppConfig):
    name = "coso.quality"
    label = "quality"
    verbose_name = "Đánh giá, xếp loại chất lượng"

    def ready(self) -> None:
        from coso.quality import acts, presets
        from coso.quality.tally import rebuild_all_levels, refresh_for_days
        from coso.stats.tally import keep_in_step

        acts.register_acts()
        # The summed tallies count by the tree of 31/12: refreshed with DailyDelta.
        keep_in_step(refresh_for_days, rebuild_all_levels)
        post_migrate.connect(presets.install_after_migrate, sender=self)
