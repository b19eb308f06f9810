"""Jalali (Solar Hijri) dates: reading them as people type them, and writing them back.

The forms carry Jalali dates written many ways (``1403/01/05``, ``1403-1-5``,
``۱۴۰۳/۰۱/۰۵``, ``14030105``, ``1403.01.05``) or as Excel date cells, which are
already Gregorian. The package keeps Gregorian :class:`datetime.date` values in
its tables and turns them back into Jalali only at the edge (reports, workbooks).

All calendar arithmetic, leap years included, is done by :mod:`jdatetime`.
"""

from __future__ import annotations

import datetime as dt
import re

import jdatetime

from atiyeh_reports.core.text import to_ascii_digits, to_persian_digits

__all__ = [
    "MONTHS_FA",
    "age_on",
    "fiscal_year_end",
    "fiscal_year_start",
    "format_jalali_fa",
    "is_leap",
    "parse_jalali",
    "to_jalali",
    "to_jalali_str",
]

#: Persian month names, Farvardin first.
MONTHS_FA: tuple[str, ...] = tuple(jdatetime.date.j_months_fa)

#: Jalali years accepted from typed text. A four-digit year outside this range is
#: almost always a Gregorian date typed as text (``2024-03-24``) or a typo.
MIN_YEAR = 1300
MAX_YEAR = 1499

_INVISIBLE = re.compile("[\u200c\u200d\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00a0]")
_SEPARATED = re.compile(r"^(\d{4})\s*([/\-.])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_jalali(value: object) -> dt.date:
    """Read a Jalali date as typed in a form and return it as a Gregorian date.

    Accepts ``1403/01/05``, ``1403-1-5``, ``1403.01.05``, ``14030105`` (text or
    a whole number), Persian or Arabic-Indic digits, and Excel date cells
    (:class:`datetime.date` / :class:`datetime.datetime`), which are already
    Gregorian and are returned as they are (the time of day is dropped).

    Raises
    ------
    ValueError
        With the reason: empty, not a date, a year outside 1300–1499, month
        13, day 32, or a day the month does not have (30 Esfand of a
        non-leap year).

    Examples
    --------
    >>> parse_jalali("1403/01/05")
    datetime.date(2024, 3, 24)
    >>> parse_jalali("۱۴۰۳-۱-۵")
    datetime.date(2024, 3, 24)
    """
    if isinstance(value, dt.datetime):  # before date: datetime is a date subclass
        if value != value:  # pandas NaT: an empty date cell
            raise ValueError("empty date")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, jdatetime.datetime):
        return value.togregorian().date()
    if isinstance(value, jdatetime.date):
        return value.togregorian()
    year, month, day = _split(value)
    return _to_gregorian(year, month, day, value)


def _split(value: object) -> tuple[int, int, int]:
    """Year, month and day of a typed date, before any calendar check."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"empty or not a date: {value!r}")
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell read through pandas
            raise ValueError("empty date")
        if not value.is_integer():
            raise ValueError(f"not a date: {value!r} (expected e.g. 1403/01/05)")
        value = int(value)
    text = _INVISIBLE.sub("", to_ascii_digits(str(value))).strip()
    if not text:
        raise ValueError("empty date")
    match = _SEPARATED.match(text)
    if match:
        year, _, month, day = match.groups()
    else:
        match = _COMPACT.match(text)
        if not match:
            raise ValueError(
                f"not a Jalali date: {value!r} (expected year/month/day, e.g. 1403/01/05)"
            )
        year, month, day = match.groups()
    return int(year), int(month), int(day)


def _to_gregorian(year: int, month: int, day: int, original: object) -> dt.date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(
            f"year {year} of {original!r} is not a plausible Jalali year "
            f"({MIN_YEAR}–{MAX_YEAR}); a Gregorian date typed as text?"
        )
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} of {original!r} does not exist (1–12)")
    if day < 1:
        raise ValueError(f"day {day} of {original!r} does not exist")
    try:
        return jdatetime.date(year, month, day).togregorian()
    except ValueError:
        last = _month_length(year, month)
        raise ValueError(
            f"{original!r}: {MONTHS_FA[month - 1]} {year} has {last} days, not {day}"
            + (" (not a leap year)" if month == 12 and day == 30 else "")
        ) from None


def _month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if is_leap(year) else 29


def is_leap(year: int) -> bool:
    """True when Jalali ``year`` has a 30th of Esfand (as :mod:`jdatetime` reckons it)."""
    return bool(jdatetime.date(year, 1, 1).isleap())


def fiscal_year_start(year: int) -> dt.date:
    """The Gregorian date of 1 Farvardin of Jalali ``year`` (the fiscal year's first day)."""
    return jdatetime.date(year, 1, 1).togregorian()


def fiscal_year_end(year: int) -> dt.date:
    """The Gregorian date of the last day of Esfand of ``year`` (29 or 30 Esfand)."""
    return fiscal_year_start(year + 1) - dt.timedelta(days=1)


def to_jalali(d: dt.date) -> jdatetime.date:
    """The Jalali date of a Gregorian date (a datetime's time of day is dropped)."""
    if isinstance(d, dt.datetime):
        d = d.date()
    return jdatetime.date.fromgregorian(date=d)


def to_jalali_str(d: dt.date) -> str:
    """A Gregorian date as ``YYYY/MM/DD`` in the Jalali calendar, ASCII digits.

    >>> to_jalali_str(dt.date(2024, 3, 24))
    '1403/01/05'
    """
    j = to_jalali(d)
    return f"{j.year:04d}/{j.month:02d}/{j.day:02d}"


def format_jalali_fa(d: dt.date) -> str:
    """A Gregorian date written for a Persian reader: day, month name, year in Persian digits.

    >>> format_jalali_fa(dt.date(2024, 3, 24))
    '۵ فروردین ۱۴۰۳'
    """
    j = to_jalali(d)
    return f"{to_persian_digits(j.day)} {MONTHS_FA[j.month - 1]} {to_persian_digits(j.year)}"


def age_on(birth: dt.date, on: dt.date) -> int:
    """Completed years between ``birth`` and ``on``, counted in the Jalali calendar.

    A child turns one year older on their Jalali birthday, as the programme's
    rules (an age limit on 1 Farvardin) are read. Someone born on 30 Esfand of
    a leap year turns older on 1 Farvardin in the years without a 30 Esfand.

    Raises
    ------
    ValueError
        When ``on`` is before ``birth``.
    """
    if on < birth:
        raise ValueError(f"{on} is before the birth date {birth}")
    jb, jo = to_jalali(birth), to_jalali(on)
    before_birthday = (jo.month, jo.day) < (jb.month, jb.day)
    return jo.year - jb.year - int(before_birthday)
