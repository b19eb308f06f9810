"""One cell's value as the form means it: dates, the controlled words, texts, IDs (shared by the
row rules and the column-wise reader)."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from atiyeh_reports.core.jalali import age_on, parse_jalali, to_jalali_str
from atiyeh_reports.core.national_id import clean_national_id
from atiyeh_reports.core.text import has_format_chars, normalize_text
from atiyeh_reports.intake.common import (
    _CARE_TYPES,
    _GENDERS,
    _GUARDIANSHIPS,
    _key,
)

_AS_THE_FORM_ASKS = re.compile(r"[0-9]{4}/[0-9]{2}/[0-9]{2}")


@lru_cache(maxsize=131072)
def _parse_cached(value: object) -> tuple[dt.date | None, str | None, str | None]:
    return _parse_uncached(value)


def _parse_uncached(value: object) -> tuple[dt.date | None, str | None, str | None]:
    """(the date, why it is not one, the form's text of it when what was typed differs from that)."""
    try:
        date = parse_jalali(value)
    except ValueError as exc:
        return None, str(exc), None
    if type(value) is str and _AS_THE_FORM_ASKS.fullmatch(value.strip()):
        return date, None, None  # a valid date written 1403/01/05 is its own canonical text
    return date, None, to_jalali_str(date)


def _parse_date(value: object) -> tuple[dt.date | None, str | None, str | None]:
    if isinstance(value, (str, int, dt.datetime)):  # a form repeats its dates: parse each once
        return _parse_cached(value)
    return _parse_uncached(value)


@lru_cache(maxsize=65536)
def _age(birth: dt.date, start: dt.date) -> int:
    """Completed years on 1 Farvardin; a child born during the year is 0."""
    return age_on(birth, start) if birth <= start else 0


_VOCABULARIES = {"gender": _GENDERS, "guardianship": _GUARDIANSHIPS, "care_type": _CARE_TYPES}


@lru_cache(maxsize=16384)
def _standard_value(text: str, field: str) -> tuple[str | None, bool]:
    """(the canonical word a typed value means or None, whether the typed value differs from it)."""
    canonical = _VOCABULARIES[field].get(_key(text))
    # a removed invisible character (U+202E) is a correction to list, even when the word is the form's
    return canonical, canonical is not None and (normalize_text(text) != canonical or has_format_chars(text))


def _coded(value: object, field: str) -> tuple[str | None, bool]:
    if value is None:
        return None, False
    return _standard_value(value if type(value) is str else str(value), field)


@lru_cache(maxsize=65536)
def _repeated_text(value: str) -> str | None:
    return normalize_text(value) or None


@lru_cache(maxsize=65536)
def _respelt_text(value: str) -> bool:
    return normalize_text(value) != value.strip()


def _respelt(value: object) -> bool:
    """Whether normalizing changes typed text beyond its outer spaces (Arabic ي/ك, inner spaces)."""
    return type(value) is str and _respelt_text(value)


def _text_or_none(value: object, *, repeated: bool = False) -> str | None:
    """Normalized text or None; ``repeated`` for columns whose values recur (names, county)."""
    if value is None:
        return None
    if repeated and type(value) is str:
        return _repeated_text(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = normalize_text(value)
    return text or None


#: Persian and Arabic-Indic digits to private-use stand-ins and back, so that normalizing a court
#: order's letters and spaces leaves its digits as the court wrote them.
_HIDE_DIGITS = str.maketrans({**{chr(0x06F0 + i): chr(0xE000 + i) for i in range(10)},
                              **{chr(0x0660 + i): chr(0xE010 + i) for i in range(10)}})
_SHOW_DIGITS = str.maketrans({v: k for k, v in _HIDE_DIGITS.items()})


def _order_text(value: object) -> str | None:
    """A court order number: letters and spaces normalized, digits kept as typed (it is quoted back)."""
    if type(value) is not str:
        return _text_or_none(value)
    return normalize_text(value.translate(_HIDE_DIGITS)).translate(_SHOW_DIGITS) or None


def _clean_id(value: object) -> str | None:
    """:func:`clean_national_id`, with the common case (ten ASCII digits as text) first."""
    if type(value) is str and len(value) == 10 and value.isdigit() and value.isascii():
        return value
    return clean_national_id(value)
