from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "coso.core"
    label = "core"
    verbose_name = "Quy định"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from coso.core import rules
        from coso.core.models import RuleSet

        post_save.connect(rules.clear_cache, sender=RuleSet)
        post_delete.connect(rules.clear_cache, sender=RuleSet)
