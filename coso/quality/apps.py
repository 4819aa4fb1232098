from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QualityConfig(AppConfig):
    name = "coso.quality"
    label = "quality"
    verbose_name = "Đánh giá, xếp loại chất lượng"

    def ready(self) -> None:
        from coso.quality import acts, presets

        acts.register_acts()
        post_migrate.connect(presets.install_after_migrate, sender=self)
