"""Writing the audit trail: who, when, from where, through which front end, what changed.

The trail sits below the feature apps: it knows units only as the model "units.Unit" (by
duck typing), and which entries a user may read is a scope question, answered in
coso.authority.scope.audit_entries_for.
"""

from __future__ import annotations

import dataclasses
import getpass
import ipaddress
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.http import HttpRequest

from coso.audit.actions import AuditAction, Channel
from coso.audit.models import AuditEntry

SENSITIVE_FIELDS = ("national_id", "ethnicity", "religion", "health")

__all__ = [
    "SENSITIVE_FIELDS",
    "Actor",
    "AuditAction",
    "Channel",
    "client_ip",
    "describe_target",
    "record_command",
    "record_sensitive_view",
    "record_write",
]


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


def channel_of(request: HttpRequest | None) -> Channel:
    """The front end a request came through, from its path (the URL prefixes of coso.urls)."""
    path = request.path if request is not None else ""
    if path.startswith("/api/"):
        return Channel.API
    if path.startswith("/admin/"):
        return Channel.ADMIN
    return Channel.WEB


def _cli_username() -> str:
    return f"cli:{getpass.getuser()}"[:150]


@dataclasses.dataclass(frozen=True)
class Actor:
    """Who acts and through which front end: what an operation needs to write its own entry.

    `unit` is where entries are filed when the act has no one unit of its own (a plan, an
    import): officers of that subtree read them. None files them for administrators only,
    unless the operation names a unit itself.
    """

    user: Any
    channel: Channel
    ip: str | None = None
    unit: Any = None

    @classmethod
    def of(cls, request_or_user: Any, *, channel: Channel | None = None, unit: Any = None) -> Actor:
        """From a request (user, address, channel by path) or a user (channel web by default)."""
        if isinstance(request_or_user, Actor):
            return dataclasses.replace(
                request_or_user,
                channel=channel or request_or_user.channel,
                unit=unit if unit is not None else request_or_user.unit,
            )
        if isinstance(request_or_user, HttpRequest):
            return cls(
                user=getattr(request_or_user, "user", None),
                channel=channel or channel_of(request_or_user),
                ip=client_ip(request_or_user),
                unit=unit,
            )
        return cls(user=request_or_user, channel=channel or Channel.WEB, unit=unit)

    @classmethod
    def cli(cls) -> Actor:
        """The operating-system account that ran `coso` (there is no login on the command line)."""
        return cls(user=None, channel=Channel.CLI)

    @property
    def authenticated(self) -> bool:
        return self.user is not None and bool(getattr(self.user, "is_authenticated", False))

    @property
    def username(self) -> str:
        if self.authenticated:
            return str(self.user.get_username())
        return _cli_username() if self.channel == Channel.CLI else ""


def describe_target(target: models.Model | str) -> tuple[str, str]:
    """("members.member", "DV000123") — natural keys where the model has one."""
    if isinstance(target, str):
        kind, sep, ident = target.partition(":")
        return (kind, ident) if sep else ("", target)
    meta = target._meta
    ident = getattr(target, "code", None) or getattr(target, "member_id", None) or target.pk
    return meta.label_lower, str(ident)


def _is_unit(value: Any) -> bool:
    return isinstance(value, models.Model) and value._meta.label_lower == "units.unit"


def _unit_of(target: models.Model | str) -> Any:
    if isinstance(target, str):
        return None
    if _is_unit(target):
        return target
    for name in ("home_unit", "unit"):
        value = getattr(target, name, None)
        if _is_unit(value):
            return value
    return None


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
    who: Any,
    action: AuditAction,
    target: models.Model | str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    unit: Any = None,
    *,
    user: Any = None,
    channel: Channel | None = None,
) -> AuditEntry:
    """Append one entry for a write; `unit` defaults to the target's unit or home unit.

    `who` is the request (user, address and channel by its path), an Actor, a user or None.
    `unit` decides who may read the entry (officers of the subtree holding it). `user` names
    the actor when the request does not carry it yet (during login).
    """
    actor = Actor.of(who, channel=channel)
    if user is not None:
        actor = dataclasses.replace(actor, user=user)
    target_type, target_id = describe_target(target)
    if unit is None:
        unit = _unit_of(target)
    if unit is None:
        unit = actor.unit
    return AuditEntry.objects.create(
        user=actor.user if actor.authenticated else None,
        username=actor.username,
        ip=actor.ip,
        action=AuditAction(action).value,
        channel=actor.channel.value,
        target_type=target_type[:60],
        target_id=target_id[:100],
        unit=unit,
        before=_jsonable(before),
        after=_jsonable(after),
    )


def record_sensitive_view(
    who: Any, member: models.Model, fields: tuple[str, ...] = SENSITIVE_FIELDS
) -> AuditEntry:
    """Log that a member's sensitive fields (national ID, ethnicity, religion, health) were shown.

    Once per read: the caller logs when it shows them, whichever front end it is.
    """
    return record_write(who, AuditAction.VIEW_SENSITIVE, member, None, {"fields": list(fields)})


def record_command(
    action: AuditAction,
    target: models.Model | str,
    after: dict[str, Any] | None = None,
    unit: Any = None,
) -> AuditEntry:
    """Append one entry for a write made from the command line.

    There is no request: the actor is the operating-system account that ran `coso`; without a
    unit only administrators read the entry.
    """
    return record_write(Actor.cli(), action, target, None, after, unit)
