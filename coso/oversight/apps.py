from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OversightConfig(AppConfig):
    name = "coso.oversight"
    label = "oversight"
    verbose_name = "Kiểm tra, giám sát và kỷ luật đảng"

    def ready(self) -> None:
        from coso.oversight import acts, regulation37

        acts.register_acts()
        post_migrate.connect(regulation37.install_after_migrate, sender=self)
