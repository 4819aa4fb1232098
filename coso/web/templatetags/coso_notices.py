"""`{{ notice|notice_text }}`: a notice's message in the reader's language."""

from __future__ import annotations

from django import template

from coso.accounts.models import Notice
from coso.accounts.notices import notice_text as _notice_text

register = template.Library()


@register.filter
def notice_text(notice: Notice) -> str:
    return _notice_text(notice)
