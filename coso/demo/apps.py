from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "coso.demo"
    label = "demo"
