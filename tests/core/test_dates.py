"""parse_date reads every way a date is typed on a phone's number pad (issue 13, point 4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from coso.core.dates import parse_date

DAYS = st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31))


@given(DAYS, st.sampled_from(["/", ".", "-", " "]), st.booleans())
def test_day_first_with_any_separator_reads_back_the_day(day: dt.date, sep: str, pad: bool) -> None:
    d, m = (f"{day.day:02d}", f"{day.month:02d}") if pad else (str(day.day), str(day.month))
    assert parse_date(f"{d}{sep}{m}{sep}{day.year:04d}") == day


@given(DAYS)
def test_eight_digits_and_iso_read_back_the_day(day: dt.date) -> None:
    assert parse_date(day.strftime("%d%m") + f"{day.year:04d}") == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"  {day.isoformat()}T08:30  ") == day


@given(st.text(max_size=20))
def test_anything_else_is_a_date_or_a_value_error(text: str) -> None:
    try:
        day = parse_date(text)
    except ValueError as exc:
        assert str(exc)
    else:
        assert isinstance(day, dt.date)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("31.12.2024", dt.date(2024, 12, 31)),
        ("31-12-2024", dt.date(2024, 12, 31)),
        ("2024-12-31", dt.date(2024, 12, 31)),
        ("31122024", dt.date(2024, 12, 31)),
        ("01-02-2024", dt.date(2024, 2, 1)),  # day first: 1 February, not 2 January
        ("2024-02-01", dt.date(2024, 2, 1)),  # year first: the same day
        ("1/2/2024", dt.date(2024, 2, 1)),
    ],
)
def test_the_forms_of_the_issue(typed: str, day: dt.date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    "typed", ["31/02/2024", "31.12-2024", "3112024", "2024/12/31", "12/2024", "1/1/24", "١/١/٢٠٢٤"]
)
def test_refusals_name_what_was_typed(typed: str) -> None:
    with pytest.raises(ValueError, match=f"ngày không hợp lệ «{typed}»"):
        parse_date(typed)


def test_the_refusal_is_translated() -> None:
    with translation.override("en"), pytest.raises(ValueError) as refused:
        parse_date("31/02/2024")
    assert str(refused.value).startswith("invalid date «31/02/2024»")
    with translation.override("en"), pytest.raises(ValueError, match="empty date"):
        parse_date(" ")
