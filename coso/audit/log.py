"""Writing the audit trail: who, when, from where, what changed."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from coso.audit.models import AuditEntry
from coso.units.models import Unit

SENSITIVE_FIELDS = ("national_id", "ethnicity", "religion", "health")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address; X-Forwarded-For is believed only behind a declared proxy."""
    if request is None:
        return None
    candidate = request.META.get("REMOTE_ADDR", "")
    hops = int(getattr(settings, "COSO_TRUSTED_PROXIES", 0))
    if hops:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        # Each trusted proxy appends one address; the client is that many places from the end.
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _who(request_or_user: Any) -> tuple[Any, HttpRequest | None]:
    if isinstance(request_or_user, HttpRequest):
        user = getattr(request_or_user, "user", None)
        return user, request_or_user
    return request_or_user, None


def describe_target(target: models.Model | str) -> tuple[str, str]:
    """("members.member", "DV000123") — natural keys where the model has one."""
    if isinstance(target, str):
        kind, sep, ident = target.partition(":")
        return (kind, ident) if sep else ("", target)
    meta = target._meta
    ident = getattr(target, "code", None) or getattr(target, "member_id", None) or target.pk
    return meta.label_lower, str(ident)


def _unit_of(target: models.Model | str) -> Unit | None:
    if isinstance(target, Unit):
        return target
    home = getattr(target, "home_unit", None)
    if isinstance(home, Unit):
        return home
    unit = getattr(target, "unit", None)
    return unit if isinstance(unit, Unit) else None


def _jsonable(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    encoder = DjangoJSONEncoder()

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [clean(v) for v in value]
        if isinstance(value, models.Model):
            return describe_target(value)[1]
        if value is None or isinstance(value, str | int | float | bool):
            return value
        try:
            return encoder.default(value)
        except TypeError:
            return str(value)

    cleaned: dict[str, Any] = clean(data)
    return cleaned


def record_write(
    request_or_user: Any,
    action: str,
    target: models.Model | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    unit: Unit | None = None,
    *,
    user: Any = None,
) -> AuditEntry:
    """Append one entry for a write; `unit` defaults to the target's unit or home unit.

    `unit` decides who may read the entry (officers of the subtree holding it). `user` names
    the actor when the request does not carry it yet (during login).
    """
    actor, request = _who(request_or_user)
    user = user if user is not None else actor
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    target_type, target_id = describe_target(target)
    return AuditEntry.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        ip=client_ip(request),
        action=action[:60],
        target_type=target_type[:60],
        target_id=target_id[:100],
        unit=unit if unit is not None else _unit_of(target),
        before=_jsonable(before),
        after=_jsonable(after),
    )


def record_sensitive_view(
    request: Any, member: models.Model, fields: tuple[str, ...] = SENSITIVE_FIELDS
) -> AuditEntry:
    """Log that a member's sensitive fields (national ID, ethnicity, religion, health) were shown."""
    return record_write(request, "view_sensitive", member, None, {"fields": list(fields)})


def audit_for_user(user: Any) -> QuerySet[AuditEntry]:
    """Entries the user may read: everything for admins, their VIEW_AUDIT subtree otherwise."""
    from coso.authority.scope import Action, scope_of

    scope = scope_of(user)
    if scope.is_admin:
        return AuditEntry.objects.all()
    if not scope.reaches:
        return AuditEntry.objects.none()
    units = scope.units(Action.VIEW_AUDIT)
    return AuditEntry.objects.filter(unit__in=units.values("pk"))


def record_command(action: str, target: str, after: dict[str, Any] | None = None) -> AuditEntry:
    """Append one entry for a write made from the command line.

    There is no request: the actor is the operating-system account that ran `coso`, and the
    entry has no unit, so only administrators read it.
    """
    import getpass

    return AuditEntry.objects.create(
        user=None,
        username=f"cli:{getpass.getuser()}"[:150],
        ip=None,
        action=action[:60],
        target_type="file",
        target_id=target[:100],
        unit=None,
        before=None,
        after=_jsonable(after),
    )
