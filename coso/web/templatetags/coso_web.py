"""Template helpers: dates as Vietnamese documents write them, icons from the local sprite."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django import template
from django.templatetags.static import static
from django.utils.html import format_html

from coso.accounts.names import person_name
from coso.core.dates import FAR_FUTURE, fmt
from coso.core.numbers import group

register = template.Library()


@register.filter
def vndate(value: dt.date | dt.datetime | None) -> str:
    """dd/mm/yyyy; an open end (FAR_FUTURE) shows as nothing."""
    if value is None or value == FAR_FUTURE:
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return fmt(value)


@register.filter
def num(value: Any, decimals: int | None = None) -> str:
    """A count or an amount with the thousands separator of the page's language: 12.371 in
    Vietnamese, 12,371 in English (issue 13, point 6). Never for ids, codes or years."""
    return group(value, decimals)


@register.filter
def vndatetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    from django.utils import timezone

    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")


@register.simple_tag
def icon(name: str, label: str = "") -> str:
    """An icon from the local sprite; decorative unless a label is given."""
    href = f"{static('vendor/bootstrap-icons/sprite.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="bi" width="1em" height="1em" role="img" aria-label="{}">'
            '<use href="{}"></use></svg>',
            label,
            href,
        )
    return format_html(
        '<svg class="bi" width="1em" height="1em" aria-hidden="true" focusable="false">'
        '<use href="{}"></use></svg>',
        href,
    )


@register.simple_tag(takes_context=True)
def query(context: Any, **changes: Any) -> str:
    """The current query string with some parameters replaced (pagination keeps filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(sorted(params.lists()), doseq=True) if params else "?"


# Issue 13, point 4: a date field's value read back ("đọc là 31/12/2024"), for a preview that
# posts the fields hidden; "" for any other field or a value that is no date.
@register.filter
def date_readback(bound_field: Any) -> str:
    from coso.authority.forms import VNDateField
    from coso.authority.forms import date_readback as read

    if not isinstance(getattr(bound_field, "field", None), VNDateField):
        return ""
    return read(bound_field.value())


# Issue 13: a person by their name, not their login ("Khóa sổ · Nguyễn Văn An", not
# "· bithu.chibo"); `fallback` (a stored username) when the account is gone.
@register.filter
def person(user: Any, fallback: str = "") -> str:
    return person_name(user, fallback)
