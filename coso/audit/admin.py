from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from coso.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "at",
        "username",
        "ip",
        "action",
        "channel",
        "target_type",
        "target_id",
        "unit",
    )
    list_filter = ("action", "channel", "target_type")
    search_fields = ("username", "target_id", "action")
    date_hierarchy = "at"
    readonly_fields = tuple(f.name for f in AuditEntry._meta.fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
