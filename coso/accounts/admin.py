"""Administrators grant roles, link logins to members, revoke tokens and set 2FA policy here."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from coso.accounts.models import Account, ApiToken, Role, SiteSettings
from coso.audit.log import AuditAction, record_write


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Every change made here lands in the audit trail like any other write."""

    audit_fields: tuple[str, ...] = ()
    audit_actions: tuple[AuditAction, AuditAction, AuditAction]  # add, change, delete

    def _facts(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self.audit_fields}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change and obj.pk is not None:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = self._facts(old) if old is not None else None
        super().save_model(request, obj, form, change)
        action = self.audit_actions[1 if change else 0]
        record_write(request, action, f"{obj._meta.label_lower}:{obj.pk}", before, self._facts(obj))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        facts, ident = self._facts(obj), f"{obj._meta.label_lower}:{obj.pk}"
        super().delete_model(request, obj)
        record_write(request, self.audit_actions[2], ident, facts, None)


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    list_display = ("user", "kind", "unit", "created_at")
    list_filter = ("kind",)
    search_fields = ("user__username", "unit__code")
    autocomplete_fields = ("user",)
    raw_id_fields = ("unit",)
    audit_fields = ("user", "kind", "unit")
    audit_actions = (AuditAction.ROLE_ADD, AuditAction.ROLE_CHANGE, AuditAction.ROLE_DELETE)


@admin.register(Account)
class AccountAdmin(AuditedAdmin):
    list_display = ("user", "member")
    search_fields = ("user__username", "member__member_id", "member__full_name")
    autocomplete_fields = ("user",)
    raw_id_fields = ("member",)
    audit_fields = ("user", "member")
    audit_actions = (
        AuditAction.ACCOUNT_ADD,
        AuditAction.ACCOUNT_CHANGE,
        AuditAction.ACCOUNT_DELETE,
    )


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("user__username", "name", "prefix")
    readonly_fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at")
    fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]
    audit_fields = ("user", "name", "prefix", "revoked_at")
    audit_actions = (AuditAction.TOKEN_CREATE, AuditAction.TOKEN_CHANGE, AuditAction.TOKEN_DELETE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are made by `coso token create`, shown once

    @admin.action(description="Thu hồi mã đã chọn / revoke")
    def revoke(self, request: HttpRequest, queryset: Any) -> None:
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_write(
                request, AuditAction.TOKEN_REVOKE, f"accounts.apitoken:{token.pk}", None, {}
            )


@admin.register(SiteSettings)
class SiteSettingsAdmin(AuditedAdmin):
    list_display = ("__str__", "totp_required_for_officers")
    audit_fields = ("totp_required_for_officers",)
    audit_actions = (
        AuditAction.SETTINGS_CHANGE,
        AuditAction.SETTINGS_CHANGE,
        AuditAction.SETTINGS_CHANGE,
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SiteSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class CosoUserAdmin(AuditedAdmin, UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, with its writes and password setting in the audit trail."""

    audit_fields = ("username", "is_active", "is_staff", "is_superuser")
    audit_actions = (AuditAction.USER_ADD, AuditAction.USER_CHANGE, AuditAction.USER_DELETE)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        response: HttpResponse = super().user_change_password(request, id, form_url)
        # The form redirects only once the new password is saved (errors re-render it).
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            if user is not None:
                record_write(request, AuditAction.PASSWORD_SET, user)
        return response
