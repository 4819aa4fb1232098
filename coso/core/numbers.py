"""Counts and amounts as people read them: `12.371` in Vietnamese, `12,371` in English.

Django's USE_THOUSAND_SEPARATOR is left off on purpose: it would also group ids and years
wherever a template prints them (URLs, form values, data attributes, "2.025"). Figures are
grouped explicitly instead, with `group` here (messages) and the `|num` template filter.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import numberformat
from django.utils.formats import get_format

# Excel's number format for whole numbers: the separator is the reader's locale's.
XLSX_INTEGER = "#,##0"


def group(value: int | float | Decimal | str | None, decimals: int | None = None) -> str:
    """`value` with the thousands separator of the active language ("" for None).

    Text that is not a number is returned as it is (a template may pass "—")."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        text = value
        try:
            value = Decimal(text) if "." in text else int(text)
        except (ValueError, ArithmeticError):
            return text
    # Groups of three in both languages (Django's Vietnamese formats leave grouping out).
    return numberformat.format(
        value,
        str(get_format("DECIMAL_SEPARATOR")),
        decimal_pos=decimals,
        grouping=3,
        thousand_sep=str(get_format("THOUSAND_SEPARATOR")),
        force_grouping=True,
    )


__all__ = ["XLSX_INTEGER", "group"]
