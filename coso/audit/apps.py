from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "coso.audit"
    label = "audit"
    verbose_name = "Nhật ký / Audit trail"
