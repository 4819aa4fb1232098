"""The audit trail: append-only through the application."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from coso.audit.actions import Channel, action_label


class AuditImmutable(Exception):
    """Raised on any attempt to change or remove an audit entry."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditImmutable("Nhật ký không được sửa.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("Nhật ký không được xóa.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise AuditImmutable("Nhật ký không được sửa.")


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("lúc"))
    # SET_NULL would be an update; users are deactivated, never deleted, so PROTECT.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người dùng"),
    )
    username = models.CharField(max_length=150, blank=True, verbose_name=_("tên đăng nhập"))
    ip = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("địa chỉ IP"))
    # An AuditAction value; no `choices` here, so that a new act needs no migration.
    action = models.CharField(max_length=60, verbose_name=_("thao tác"))
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.WEB, verbose_name=_("kênh")
    )
    target_type = models.CharField(max_length=60, blank=True, verbose_name=_("loại đối tượng"))
    target_id = models.CharField(max_length=100, blank=True, verbose_name=_("mã đối tượng"))
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("đơn vị"),
    )
    before = models.JSONField(
        null=True, blank=True, encoder=DjangoJSONEncoder, verbose_name=_("trước")
    )
    after = models.JSONField(
        null=True, blank=True, encoder=DjangoJSONEncoder, verbose_name=_("sau")
    )

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("Nhật ký")
        verbose_name_plural = _("Nhật ký")
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["unit", "at"], name="audit_unit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '—'} {self.action} {self.target_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditImmutable("Nhật ký không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditImmutable("Nhật ký không được xóa.")

    @property
    def action_label(self) -> str:
        return action_label(self.action)
