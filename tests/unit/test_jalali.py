"""Jalali dates: every typed form, impossible dates, leap years, round trips."""

from __future__ import annotations

import datetime as dt

import jdatetime
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atiyeh_reports.core.jalali import (
    MONTHS_FA,
    age_on,
    fiscal_year_end,
    fiscal_year_start,
    format_jalali_fa,
    is_leap,
    parse_jalali,
    to_jalali_str,
)
from atiyeh_reports.core.text import to_persian_digits

# 1 Farvardin 1403 fell on 20 March 2024 (domain brief), so 5 Farvardin is the 24th.
FARVARDIN_5_1403 = dt.date(2024, 3, 24)


@pytest.mark.parametrize(
    "typed",
    [
        "1403/01/05",
        "1403-1-5",
        "1403-01-05",
        "1403.01.05",
        "1403/1/5",
        " 1403 / 01 / 05 ",
        "۱۴۰۳/۰۱/۰۵",
        "١٤٠٣/٠١/٠٥",
        "14030105",
        "۱۴۰۳۰۱۰۵",
        14030105,
        14030105.0,
        "\u200f1403/01/05\u200e",
    ],
)
def test_every_typed_form_reads_as_the_same_day(typed: object) -> None:
    assert parse_jalali(typed) == FARVARDIN_5_1403


def test_excel_date_cells_are_already_gregorian() -> None:
    assert parse_jalali(dt.datetime(2024, 3, 24, 13, 30)) == FARVARDIN_5_1403
    assert parse_jalali(dt.date(2024, 3, 24)) == FARVARDIN_5_1403
    assert parse_jalali(jdatetime.date(1403, 1, 5)) == FARVARDIN_5_1403


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("1404/12/30", "29 days"),  # 1404 is not a leap year
        ("1403/13/01", "month 13"),
        ("1403/00/10", "month 0"),
        ("1403/01/32", "31 days"),
        ("1403/07/31", "30 days"),
        ("1403/01/00", "day 0"),
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        (float("nan"), "empty"),
        ("garbage", "not a Jalali date"),
        ("1403/01", "not a Jalali date"),
        ("03/01/05", "not a Jalali date"),
        ("1403/01-05", "not a Jalali date"),
        ("2024-03-24", "plausible Jalali year"),
        (1403.5, "not a date"),
        (True, "not a date"),
    ],
)
def test_impossible_dates_raise_with_the_reason(typed: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_jalali(typed)


def test_leap_years_follow_jdatetime() -> None:
    # Checked against jdatetime, not assumed: 1403 has a 30 Esfand, 1404 has not.
    assert is_leap(1403) and jdatetime.date(1403, 1, 1).isleap()
    assert not is_leap(1404)
    assert parse_jalali("1403/12/30") == fiscal_year_end(1403)
    assert fiscal_year_end(1403) + dt.timedelta(days=1) == fiscal_year_start(1404)


@pytest.mark.parametrize("year", range(1395, 1412))
def test_fiscal_year_has_365_or_366_days(year: int) -> None:
    days = (fiscal_year_end(year) - fiscal_year_start(year)).days + 1
    assert days == (366 if is_leap(year) else 365)
    assert to_jalali_str(fiscal_year_start(year)) == f"{year}/01/01"
    assert to_jalali_str(fiscal_year_end(year)) == f"{year}/12/{30 if is_leap(year) else 29}"


def test_fiscal_years_of_the_domain_brief() -> None:
    assert fiscal_year_start(1403) == dt.date(2024, 3, 20)
    assert fiscal_year_end(1403) == dt.date(2025, 3, 20)
    assert fiscal_year_start(1404) == dt.date(2025, 3, 21)
    assert fiscal_year_end(1404) == dt.date(2026, 3, 20)


dates = st.dates(min_value=dt.date(1921, 3, 21), max_value=dt.date(2120, 3, 20))


@given(dates)
def test_round_trip_through_jalali_text(d: dt.date) -> None:
    assert parse_jalali(to_jalali_str(d)) == d


@given(dates)
def test_round_trip_through_persian_digits_and_compact_form(d: dt.date) -> None:
    text = to_jalali_str(d)
    assert parse_jalali(to_persian_digits(text)) == d
    assert parse_jalali(text.replace("/", "")) == d
    assert parse_jalali(int(text.replace("/", ""))) == d


def test_format_jalali_fa() -> None:
    assert format_jalali_fa(FARVARDIN_5_1403) == "۵ فروردین ۱۴۰۳"
    assert format_jalali_fa(fiscal_year_end(1404)) == "۲۹ اسفند ۱۴۰۴"
    assert MONTHS_FA[0] == "فروردین" and len(MONTHS_FA) == 12


def test_age_counts_completed_jalali_years() -> None:
    birth = parse_jalali("1386/01/01")
    assert age_on(birth, fiscal_year_start(1404)) == 18
    assert age_on(birth, fiscal_year_start(1404) - dt.timedelta(days=1)) == 17
    assert age_on(parse_jalali("1386/01/02"), fiscal_year_start(1404)) == 17
    assert age_on(birth, birth) == 0


def test_born_on_30_esfand_of_a_leap_year_turns_older_on_1_farvardin() -> None:
    birth = parse_jalali("1399/12/30")  # 1399 is a leap year in jdatetime
    assert is_leap(1399)
    assert age_on(birth, parse_jalali("1400/12/29")) == 0
    assert age_on(birth, parse_jalali("1401/01/01")) == 1


def test_age_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_on(dt.date(2020, 1, 2), dt.date(2020, 1, 1))


@given(dates, st.integers(min_value=0, max_value=40_000))
def test_age_never_decreases_and_stays_near_days_over_365(birth: dt.date, days: int) -> None:
    on = birth + dt.timedelta(days=days)
    age = age_on(birth, on)
    assert age >= 0
    assert age <= age_on(birth, on + dt.timedelta(days=1))
    assert abs(age - days / 365.2422) <= 1.01
