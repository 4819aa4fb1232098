from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "coso.members"
    label = "members"
