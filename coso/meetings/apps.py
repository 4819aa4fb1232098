from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "coso.meetings"
    label = "meetings"
    verbose_name = "Sinh hoạt chi bộ"
