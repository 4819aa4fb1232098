"""Who may do what: roles on units, the user↔member link, API tokens, site security switches."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RoleKind(models.TextChoices):
    ADMIN = "admin", _("Quản trị hệ thống")
    ORG_OFFICER = "org_officer", _("Cán bộ tổ chức")
    COMMITTEE_MEMBER = "committee_member", _("Cấp ủy viên")
    BRANCH_SECRETARY = "branch_secretary", _("Bí thư chi bộ")
    MEMBER = "member", pgettext_lazy("role", "Đảng viên")


class Role(models.Model):
    """A role on a unit covers the unit's subtree as the tree stands today."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("người dùng"),
    )
    kind = models.CharField(max_length=20, choices=RoleKind.choices, verbose_name=_("loại"))
    unit = models.ForeignKey(
        "units.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "chỉ để trống với quản trị hệ thống và đảng viên (đơn vị của đảng viên là chi bộ sinh hoạt)"
        ),
        verbose_name=_("đơn vị"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("tạo lúc"))

    class Meta:
        verbose_name = _("vai trò")
        verbose_name_plural = _("vai trò")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["admin", "member"]) | Q(unit__isnull=False),
                name="role_unit_required",
            ),
            models.UniqueConstraint(fields=["user", "kind", "unit"], name="role_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_kind_display()} · {self.unit or '—'}"


class Account(models.Model):
    """Links a login to the member record it belongs to (a member sees their own record)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account",
        verbose_name=_("người dùng"),
    )
    member = models.OneToOneField(
        "members.Member",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("đảng viên"),
    )
    # Set on an account created with a password someone else saw (the first `admin`, printed by
    # `coso ensure-admin`); PasswordChangeRequiredMiddleware holds the user on the password
    # change page until they choose their own.
    must_change_password = models.BooleanField(default=False, verbose_name=_("phải đổi mật khẩu"))

    class Meta:
        verbose_name = _("tài khoản")
        verbose_name_plural = _("tài khoản")

    def __str__(self) -> str:
        return f"{self.user} → {self.member or '—'}"


def hash_token(raw: str) -> str:
    # Tokens are long random strings, so a plain SHA-256 is enough (no need for a slow KDF).
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("người dùng"),
    )
    name = models.CharField(max_length=100, blank=True, verbose_name=_("tên"))
    token_hash = models.CharField(max_length=64, unique=True, verbose_name=_("băm của mã"))
    prefix = models.CharField(
        max_length=12, help_text=_("vài ký tự đầu, để nhận ra mã"), verbose_name=_("tiền tố")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("tạo lúc"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dùng lần cuối lúc"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("thu hồi lúc"))

    class Meta:
        verbose_name = _("mã truy cập API")
        verbose_name_plural = _("mã truy cập API")

    def __str__(self) -> str:
        return f"{self.user} · {self.name or self.prefix}"


class SiteSettings(models.Model):
    """One row (pk=1) of switches an administrator turns on in the admin."""

    totp_required_for_officers = models.BooleanField(
        default=False,
        help_text=_("Bắt buộc cán bộ tổ chức dùng mã xác thực hai lớp (TOTP)."),
        verbose_name=_("cán bộ phải dùng xác thực hai bước"),
    )
    # Set only by `coso load-demo`: the demo logins (one shared password, roles on real unit
    # codes) are made only where this is true, never on a database of real units.
    demo_database = models.BooleanField(
        default=False, editable=False, verbose_name=_("cơ sở dữ liệu trình diễn")
    )

    class Meta:
        verbose_name = _("Cài đặt bảo mật")
        verbose_name_plural = _("Cài đặt bảo mật")

    def __str__(self) -> str:
        return "Cài đặt bảo mật"

    @classmethod
    def current(cls) -> SiteSettings:
        return cls.objects.get_or_create(pk=1)[0]


class Notice(models.Model):
    """A notice in the application for one user: a deadline coming, an answer to act on.

    Coso runs on isolated networks, so the notice is the message; an email copy is sent only
    when the site has mail configured (coso.accounts.notices). Generic: `kind` says what it is
    ("proposal_due", later a directive's), `about_type`/`about_id` the object it is about,
    `on` the day it is for. One notice per recipient, kind, object and day, so a rerun or a
    catch-up after missed days never repeats one.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField(max_length=40)
    about_type = models.CharField(max_length=60)  # "authority.proposal": the model's label
    about_id = models.PositiveBigIntegerField()
    on = models.DateField()
    # The message in the source language (Vietnamese) with %(name)s places filled from
    # `params`: it is translated when shown, so each reader sees it in their language.
    text = models.TextField()
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(max_length=200, blank=True)  # where to act on it (a path)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "about_type", "about_id", "on"],
                name="notice_once_a_day",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_unread")]

    def __str__(self) -> str:
        return f"{self.recipient} · {self.kind} · {self.about_type}:{self.about_id} · {self.on}"
