from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "coso.stats"
    label = "stats"
