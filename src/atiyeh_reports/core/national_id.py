"""The Iranian national ID (کد ملی): cleaning and the check digit.

Ten digits, the last a check digit over the first nine. Excel often stores the
ID as a number and loses its leading zeros, and people type it with Persian or
Arabic-Indic digits, spaces or dashes; :func:`clean_national_id` undoes that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from atiyeh_reports.core.text import to_ascii_digits

#: Spaces, dashes, dots and invisible marks typed between the digits (the direction controls
#: U+202A–U+202E, U+2066–U+2069 and zero-width characters included: an ID pasted from a
#: right-to-left document carries them).
_SEPARATORS = re.compile(r"[\s\-_.\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff/]+")


def check_digit(first_nine: str) -> int:
    """Return the check digit for the first nine digits of an ID.

    >>> check_digit("001234567")
    9
    """
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError(f"need nine ASCII digits, got {first_nine!r}")
    s = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
    r = s % 11
    return r if r < 2 else 11 - r


def is_valid(national_id: str) -> bool:
    """True when ``national_id`` is ten ASCII digits with a correct check digit.

    Ten equal digits are never valid, although they pass the arithmetic.
    """
    if not isinstance(national_id, str):
        return False
    if len(national_id) != 10 or not national_id.isascii() or not national_id.isdigit():
        return False
    if len(set(national_id)) == 1:
        return False
    return check_digit(national_id[:9]) == int(national_id[9])


_WEIGHTS = np.arange(10, 1, -1)


def valid_mask(ids: Iterable[object]) -> np.ndarray:
    """:func:`is_valid` over many IDs at once (a boolean array), for whole-column checks.

    The IDs are laid side by side as one byte string, ten bytes each (anything
    that is not a ten-character string takes ten ``?``; a non-ASCII character
    becomes ``?`` too), then checked with array arithmetic: shape, check digit,
    not ten equal digits. Anything else is invalid, as :func:`is_valid` says.
    """
    values = ids if isinstance(ids, list) else list(ids)
    if not values:
        return np.zeros(0, dtype=bool)
    filler = "?" * 10
    joined = "".join([v if isinstance(v, str) and len(v) == 10 else filler for v in values])
    digits = np.frombuffer(joined.encode("ascii", errors="replace"), dtype=np.uint8).reshape(-1, 10) - 48
    shaped = (digits <= 9).all(axis=1)  # a byte below "0" wraps round to a large number
    r = (digits[:, :9].astype(np.int64) @ _WEIGHTS) % 11
    expected = np.where(r < 2, r, 11 - r)
    return shaped & (expected == digits[:, 9]) & (digits != digits[:, :1]).any(axis=1)


def clean_national_id(value: object) -> str | None:
    """Bring a typed or stored ID to ten ASCII digits, or None when that is impossible.

    Accepts ints and floats that Excel made of the ID (``12345678`` → ``0012345678``),
    Persian and Arabic-Indic digits, spaces and dashes. Does not check the check
    digit: use :func:`is_valid` on the result.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value or not value.is_integer():  # NaN or a fraction
            return None
        value = int(value)
    text = to_ascii_digits(str(value)).strip()
    # A number Excel turned into text ("12345678.0"): drop the ".0" before the
    # separators go, or the dot's removal would append a zero to the ID.
    if text.endswith(".0") and text[:-2].isdigit():
        text = text[:-2]
    text = _SEPARATORS.sub("", text)
    if not text.isascii() or not text.isdigit() or not 1 <= len(text) <= 10:
        return None
    # Excel drops leading zeros. The first three digits are a town code and
    # the lowest is 001, so at most two zeros can be lost: shorter is a typo.
    if len(text) < 8:
        return None
    return text.zfill(10)


def ids_in(ids: Iterable[object], pool: Iterable[object]) -> np.ndarray:
    """Whether each of ``ids`` is in ``pool``, as a boolean array (a missing ID never is).

    A set lookup per ID: pandas' ``Series.isin`` on Arrow strings builds a pyarrow
    scalar for every value of the pool, ~0.15 s for 10,000 IDs each time.
    """
    members = pool if isinstance(pool, (set, frozenset)) else set(pool)
    return np.fromiter((i in members for i in ids), dtype=bool)


# --- finding IDs in text ----------------------------------------------------------------------
_DIGIT = r"[0-9۰-۹٠-٩]"
#: The one pattern of "a national ID in a text": 8 to 10 digits of any script (an ID that lost its
#: leading zeros in Excel has 8 or 9), each optionally followed by one separator typed inside an
#: ID (space, dash, slash, dot, ZWNJ, a comma or the Persian separators), not inside a longer run.
ID_LIKE = re.compile(rf"(?<![0-9۰-۹٠-٩])(?:{_DIGIT}[ \t\u00a0\-‐–/._\u200c,٬،]?){{7,9}}{_DIGIT}(?![0-9۰-۹٠-٩])")
#: Digits grouped in thousands (``1,234,567,890``, ``۱٬۲۳۴٬۵۶۷``): money in a report, not an ID.
_THOUSANDS = re.compile(r"^\d{1,3}(?:[,٬،]\d{3})+$")


def id_candidates(text: str) -> Iterable[tuple[re.Match[str], str]]:
    """Each run in ``text`` that :data:`ID_LIKE` finds and is not money, with its ten digits
    (ASCII, leading zeros put back): valid or not, an ID is a child's even when mistyped."""
    for match in ID_LIKE.finditer(text):
        ascii_raw = to_ascii_digits(match.group(0))
        if _THOUSANDS.match(ascii_raw.strip()):
            continue
        digits = re.sub(r"\D", "", ascii_raw)
        if len(digits) < 10 and len(digits) != len(ascii_raw):
            continue  # 8 or 9 digits with separators is a date (2007-05-27), never an ID without its zeros
        yield match, digits.zfill(10)


def mask_ids(text: object, mask: str = "[کد ملی]", *, valid_only: bool = True) -> object:
    """``text`` with every national ID in it replaced by ``mask``; a value that is not text as given.

    ``valid_only``: only runs whose check digit is valid (an analyst's view of a table); without it
    every ID-like run (the problems a report quotes, where a mistyped ID is still a child's).

    >>> mask_ids("تکرار 0012345679 در فارس")
    'تکرار [کد ملی] در فارس'
    >>> mask_ids("شماره 0012345678")          # fails the check digit: not an ID
    'شماره 0012345678'
    >>> mask_ids("کد 12345678 نامعتبر", "…", valid_only=False)
    'کد … نامعتبر'
    >>> mask_ids("مبلغ 3,600,000,000 ریال", valid_only=False)   # money, not an ID
    'مبلغ 3,600,000,000 ریال'
    >>> mask_ids("تولد 2007-05-27، پذیرش 1387/02/11", valid_only=False)   # dates, not IDs
    'تولد 2007-05-27، پذیرش 1387/02/11'
    """
    if not isinstance(text, str):
        return text
    out, last = [], 0
    for match, digits in id_candidates(text):
        if valid_only and not is_valid(digits):
            continue
        out += [text[last:match.start()], mask]
        last = match.end()
    return "".join(out) + text[last:]
