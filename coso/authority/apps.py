from django.apps import AppConfig


class AuthorityConfig(AppConfig):
    name = "coso.authority"
    label = "authority"
    verbose_name = "Thẩm quyền"
