"""Look up a rule number in force on a date: `rule("charter.probation_months", on=day)`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from coso.core.errors import CosoError

_cache: dict[str, list[tuple[dt.date, dict[str, Any], str]]] | None = None


def _load() -> dict[str, list[tuple[dt.date, dict[str, Any], str]]]:
    global _cache
    if _cache is None:
        from coso.core.models import RuleSet

        table: dict[str, list[tuple[dt.date, dict[str, Any], str]]] = {}
        for rs in RuleSet.objects.order_by("code", "effective_from"):
            table.setdefault(rs.code, []).append((rs.effective_from, rs.values, rs.source))
        _cache = table
    return _cache


def clear_cache(*_args: object, **_kwargs: object) -> None:
    global _cache
    _cache = None


def ruleset(code: str, on: dt.date) -> tuple[dict[str, Any], str]:
    """The values and source of the version of `code` in force on `on`."""
    versions = _load().get(code, [])
    chosen = None
    for effective_from, values, source in versions:
        if effective_from <= on:
            chosen = (values, source)
    if chosen is None:
        if versions:  # before the first version: the earliest one is the best we know
            return versions[0][1], versions[0][2]
        raise CosoError(f"Chưa có bộ quy định «{code}»: chạy `coso init`.")
    return chosen


def rule(name: str, on: dt.date) -> Any:
    code, _, key = name.partition(".")
    values, _source = ruleset(code, on)
    if key not in values:
        raise CosoError(f"Bộ quy định «{code}» không có mục «{key}».")
    return values[key]


def install_default_rules() -> int:
    """Add the shipped rule versions that are missing; never changes an existing one."""
    from coso.core.default_rules import DEFAULT_RULES
    from coso.core.models import RuleSet

    # One read and one insert, not a get_or_create per version: every test begins with this.
    present = set(RuleSet.objects.values_list("code", "effective_from"))
    missing = [
        RuleSet(
            code=spec["code"],
            effective_from=spec["effective_from"],
            source=spec["source"],
            confidence=spec.get("confidence", "sure"),
            values=spec["values"],
            note=spec.get("note", ""),
        )
        for spec in DEFAULT_RULES
        if (spec["code"], spec["effective_from"]) not in present
    ]
    # ignore_conflicts: a version another process added in between is theirs, and the same.
    RuleSet.objects.bulk_create(missing, ignore_conflicts=True)
    added = len(missing)
    clear_cache()
    return added
