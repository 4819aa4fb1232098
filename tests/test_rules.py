import datetime as dt

import pytest

from coso.core.dates import add_months, add_working_days, parse_date, working_days_between
from coso.core.models import RuleSet
from coso.core.rules import rule


def test_rule_in_force_on_a_date_follows_versions():
    assert rule("charter.probation_months", dt.date(2020, 1, 1)) == 12
    RuleSet.objects.create(
        code="charter",
        effective_from=dt.date(2030, 1, 1),
        source="hypothetical amendment",
        values={**RuleSet.objects.get(code="charter").values, "probation_months": 18},
    )
    assert rule("charter.probation_months", dt.date(2029, 12, 31)) == 12
    assert rule("charter.probation_months", dt.date(2030, 1, 1)) == 18


def test_parse_date_accepts_both_forms_and_refuses_nonsense():
    assert parse_date("2020-02-01") == dt.date(2020, 2, 1)
    assert parse_date("01/02/2020") == dt.date(2020, 2, 1)
    with pytest.raises(ValueError, match="không hợp lệ"):
        parse_date("31/02/2020")


def test_month_and_working_day_arithmetic():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 3, 15), 12) == dt.date(2025, 3, 15)
    friday = dt.date(2026, 11, 27)
    assert add_working_days(friday, 1) == dt.date(2026, 11, 30)
    assert working_days_between(friday, dt.date(2026, 12, 4)) == 5
