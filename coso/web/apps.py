from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "coso.web"
    label = "web"
    verbose_name = "Giao diện web"
