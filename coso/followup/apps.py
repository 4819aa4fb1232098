from django.apps import AppConfig


class FollowupConfig(AppConfig):
    name = "coso.followup"
    label = "followup"
    verbose_name = "Thực hiện văn bản cấp trên"
