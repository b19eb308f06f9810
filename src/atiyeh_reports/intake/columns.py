"""Judging a form's rows column by column: the clean rows without a check per row each.

Most rows of a returned form have nothing to report. This module looks at each
judged column once, as a column: every distinct name, county, coded word and
date is judged once (a table from the typed value to what it means), the
national IDs' check digits are computed as one array, and a court order is
re-spelt only when it holds a character that re-spelling could change. A row
all of whose cells are *clean* (accepted as typed, no finding of any kind) gets
its record here; every other row (any finding, a rejection, a blank or total
row, a hidden row) is judged by :func:`atiyeh_reports.intake.rules._judge_row`,
the row-wise reference, exactly as before. So the fast path can only decide
"clean or not": being unsure is never a wrong finding, only a slower row.

``tests/test_intake_columns.py`` compares this with the reference on random
dirty cells (every clean verdict must be one the reference gives without a
finding, with the same record).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter

from atiyeh_reports.core.jalali import MAX_YEAR, MIN_YEAR, fiscal_year_start
from atiyeh_reports.core.national_id import valid_mask
from atiyeh_reports.core.text import normalize_text
from atiyeh_reports.intake.common import (
    _CARE_TYPES,
    _GENDERS,
    _GUARDIANSHIPS,
    _SHORTEST_LIMIT,
    _TEXT_LIMITS,
    _county_key,
    _province_counties,
)
from atiyeh_reports.intake.quality import CORRECTED, WARNING, Finding, Problem, as_text
from atiyeh_reports.intake.values import _age, _clean_id, _order_text, _parse_date, _standard_value

#: What a cell judged "not clean" holds (its row goes to the row-wise judge).
BAD = object()


def _to_openpyxl(value: object) -> object:
    """A calamine cell in openpyxl's terms (as :func:`reader._openpyxl_value`), blank text as None."""
    cls = value.__class__
    if cls is str:
        return value if value.strip() else None
    if cls is float and value.is_integer():
        return int(value)
    if cls is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


class _Memo(dict):
    """A typed value → its verdict, computed on first sight (one call per distinct value)."""

    __slots__ = ("judge",)

    def __init__(self, judge: Callable[[object], object]) -> None:
        super().__init__()
        self.judge = judge

    def __missing__(self, key: object) -> object:
        verdict = self[key] = self.judge(key)
        return verdict


def _by_value(column: Sequence[object], memos: dict, key: object,
              judge: Callable[[], Callable[[object], object]]) -> list[object]:
    """The verdict of each cell, judged once per distinct value (``memos[key]`` keeps them).

    Keys are the cells themselves: values equal across types (``1``, ``1.0``,
    ``True``) share a verdict, so every judge gives BAD to all of those alike
    (a number where text belongs, a bool, a date-like small number).
    """
    memo = memos.get(key)
    if memo is None:
        memo = memos[key] = _Memo(judge())
    return list(map(memo.__getitem__, column))


def _long(value: object, name: str) -> bool:
    return value.__class__ is str and len(value) > _SHORTEST_LIMIT and len(value) > _TEXT_LIMITS[name]


# --- the judges of one cell: the clean value, or BAD ------------------------------------------
def _name_judge(name: str) -> Callable[[object], object]:
    def judge(raw: object) -> object:
        value = _to_openpyxl(raw)
        if value.__class__ is not str or _long(value, name):
            return BAD
        text = normalize_text(value)
        if not text or text != value.strip():  # missing, or re-spelt (a correction)
            return BAD
        return text
    return judge


def _coded_judge(name: str, table: dict[str, str], allowed: frozenset[str] | None,
                 optional: bool) -> Callable[[object], object]:

    def judge(raw: object) -> object:
        value = _to_openpyxl(raw)
        if value is None:
            return None if optional else BAD
        if value.__class__ is not str or _long(value, name):
            return BAD
        canonical, standardized = _standard_value(value, name)
        if canonical is None or standardized or (allowed is not None and canonical not in allowed):
            return BAD
        return canonical
    return judge


@cache
def _year_starts() -> tuple[int, ...]:
    """The Gregorian ordinal of 1 Farvardin of each Jalali year the forms may hold (and one more)."""
    return tuple(fiscal_year_start(y).toordinal() for y in range(MIN_YEAR, MAX_YEAR + 2))


def _form_date(text: str) -> dt.date | None:
    """A date typed as the form asks (``1403/01/05``, ASCII digits) when it exists, else None.

    The same date :func:`jalali.parse_jalali` gives (``tests/test_intake_columns.py``
    compares every day of 1300–1499), by arithmetic on :func:`_year_starts`
    instead of a :mod:`jdatetime` object per date; None means "ask the reference".
    """
    if len(text) != 10 or text[4] != "/" or text[7] != "/":
        return None
    digits = text[:4] + text[5:7] + text[8:]
    if not (digits.isascii() and digits.isdigit()):
        return None
    year, month, day = int(text[:4]), int(text[5:7]), int(text[8:])
    if not (MIN_YEAR <= year <= MAX_YEAR and 1 <= month <= 12 and day >= 1):
        return None
    starts = _year_starts()
    first = starts[year - MIN_YEAR]
    if month <= 6:
        length, before = 31, (month - 1) * 31
    elif month <= 11:
        length, before = 30, 186 + (month - 7) * 30
    else:
        length, before = starts[year - MIN_YEAR + 1] - first - 336, 336
    return dt.date.fromordinal(first + before + day - 1) if day <= length else None


def _age_at_new_year(birth: dt.date, start: dt.date) -> int:
    """:func:`rules._age`: completed Jalali years on 1 Farvardin ``start`` (0 when born after it)."""
    if birth > start:
        return 0
    starts = _year_starts()
    born, on = birth.toordinal(), start.toordinal()
    at = bisect_right(starts, born) - 1  # the Jalali year of the birth, as an index
    now = bisect_right(starts, on) - 1
    if at < 0 or now >= len(starts) - 1 or starts[now] != on:

        return _age(birth, start)  # outside the table, or not a 1 Farvardin: the reference
    return now - at - (0 if starts[at] == born else 1)


def _date_judge(name: str, end: dt.date, optional: bool,
                then: Callable[[dt.date], object] | None = None) -> Callable[[object], object]:

    def judge(raw: object) -> object:
        if raw.__class__ is str and (date := _form_date(raw)) is not None:
            return BAD if date > end else date if then is None else then(date)
        value = _to_openpyxl(raw)
        if value is None:
            return None if optional else BAD
        if value.__class__ is bool or _long(value, name):
            return BAD
        if value.__class__ is int and not 10_000_000 <= value <= 99_999_999:
            return BAD  # 1, True and 1.0 share a key: none of them is a date
        date, _why, rewritten = _parse_date(value)
        if date is None or date > end or rewritten:
            return BAD
        return date if then is None else then(date)
    return judge


@dataclass(frozen=True, slots=True)
class _Kept:
    """A county kept with a finding or two: re-spelt (corrected), not in the province's list (warning)."""

    typed: str
    county: str
    respelt: bool
    unknown: bool


def _county_judge(code: str) -> Callable[[object], object]:
    counties = _province_counties(code)

    def judge(raw: object) -> object:
        value = _to_openpyxl(raw)
        if value is None:
            return None
        if value.__class__ is not str or _long(value, "county"):
            return BAD
        county = normalize_text(value) or None
        if county is None:
            return None  # nothing left once re-spelt: no county, and no finding (as the reference)
        respelt, unknown = county != value.strip(), _county_key(county) not in counties
        return _Kept(value, county, respelt, unknown) if respelt or unknown else county
    return judge


def _county_findings(kept: _Kept, where: tuple[str, str, int, str | None], code: str,
                     nid: str) -> tuple[Finding, ...]:
    """What :func:`rules._judge_row` says of a kept county, in its order."""
    file, sheet, number, column = where
    out = []
    if kept.respelt:
        out.append(Finding(file, sheet, number, column, kept.typed, Problem.TEXT_NORMALIZED, CORRECTED,
                           kept.county, code, nid))
    if kept.unknown:
        # The list is 1398's divisions: a newer county (or a typo) is kept, never rejected.
        out.append(Finding(file, sheet, number, column, kept.typed, Problem.COUNTY_UNKNOWN, WARNING, None,
                           code, nid, "not in data/counties.csv"))
    return tuple(out)


#: Characters a court order may hold that re-spelling leaves as typed: ASCII letters and digits,
#: a few separators, the Arabic-block letters, the Persian letters and both kinds of digits, less
#: every one :func:`rules._order_text` changes (Arabic ي/ك, أ, ة, ...).
_ORDER_CANDIDATES = ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-/#()"
                     + "".join(map(chr, range(0x0621, 0x064B))) + "\u067e\u0686\u0698\u06a9\u06af\u06cc"
                     + "\u06f0\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9"
                     + "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")


@cache
def _plain_order() -> Callable[[str], object]:
    """``fullmatch`` of: safe characters in words parted by single spaces (nothing to re-spell)."""

    safe = "".join(c for c in _ORDER_CANDIDATES
                   if _order_text(c) == c and not unicodedata.combining(c) and not unicodedata.decomposition(c))
    word = f"[{re.escape(safe)}]+"
    return re.compile(f"{word}(?: {word})*").fullmatch


def _court_orders(column: Sequence[object], require: bool) -> list[object]:
    """Each court order as stored (``""`` when there is none), or BAD."""

    plain = _plain_order()
    out: list[object] = []
    for raw in column:
        if raw.__class__ is str and len(raw) <= _SHORTEST_LIMIT and plain(raw):
            out.append(raw)  # nothing to re-spell, no outer space, not long
            continue
        value = _to_openpyxl(raw)
        if value is None:
            out.append(BAD if require else "")
            continue
        if value.__class__ is bool or _long(value, "court_order"):
            out.append(BAD)
            continue
        text = _order_text(value)
        if text is None:
            out.append(BAD if require or value.__class__ is str else "")
        elif value.__class__ is str and text != value.strip():
            out.append(BAD)
        else:
            out.append(text)
    return out


def _national_ids(column: Sequence[object]) -> list[object]:
    """Each ID as stored (ten ASCII digits, check digit right, typed as stored), or BAD."""

    ids: list[object] = []
    for raw in column:
        if raw.__class__ is str and len(raw) == 10 and raw.isdigit() and raw.isascii():
            ids.append(raw)
            continue
        value = _to_openpyxl(raw)
        if value is None or value.__class__ is bool or _long(value, "national_id"):
            ids.append(BAD)
            continue
        nid = _clean_id(value)
        if nid is None or (nid is not value and (as_text(value) or "").strip() != nid):
            ids.append(BAD)  # unusable, or re-formatted (a correction)
        else:
            ids.append(nid)
    valid = valid_mask(ids)
    return [nid if ok else BAD for nid, ok in zip(ids, valid, strict=True)]


# --- a whole sheet --------------------------------------------------------------------------
def clean_records(raw: Sequence[Sequence[object]], columns: Sequence[tuple[str, int | None]], *,
                  year: int, code: str, file: str, sheet: str, written: Mapping[str, str], first_row: int,
                  start: dt.date, end: dt.date, age_limit: int, guardianships: frozenset[str],
                  require_court_order: bool, skip: frozenset[int] = frozenset(), memos: dict | None = None,
                  ) -> tuple[list[tuple | None], dict[int, tuple[tuple[Finding, ...], bool]]]:
    """The children record of each row of ``raw`` (calamine's cells) that needs no row-wise judging.

    Returns the records (None for a row to judge row by row) and, by 0-based
    offset, the findings of the accepted rows kept with a warning or a
    correction the fast path knows (an admission date before the birth date,
    left empty; a county re-spelt or not in the province's list), and whether
    one is a correction (every other record has none). ``written`` is each
    field's header as written (the findings' column).
    ``memos`` keeps the verdict of each distinct value from one call to the
    next (the forms of a year repeat their names, words and dates). ``columns`` are the judged fields
    and their 0-based column (None when the form has no such column), in
    :data:`common._JUDGED` order; ``first_row`` is the Excel row of ``raw[0]``;
    rows in ``skip`` (Excel rows: hidden ones) are None.
    """
    count = len(raw)
    width = min(map(len, raw), default=0)

    def column(index: int | None) -> list[object]:
        if index is None:
            return [None] * count
        if index < width:
            return list(map(itemgetter(index), raw))
        return [row[index] if index < len(row) else None for row in raw]

    cells = {name: column(index) for name, index in columns}

    def aged(birth: dt.date) -> object:
        age = _age_at_new_year(birth, start)
        return BAD if age >= age_limit else (birth, age)

    memos = {} if memos is None else memos
    span = (end, start, age_limit, guardianships)  # what the verdicts depend on besides the value
    ids = _national_ids(cells["national_id"])
    first = _by_value(cells["first_name"], memos, ("first_name", span), lambda: _name_judge("first_name"))
    last = _by_value(cells["last_name"], memos, ("last_name", span), lambda: _name_judge("last_name"))
    gender = _by_value(cells["gender"], memos, ("gender", span),
                       lambda: _coded_judge("gender", _GENDERS, None, optional=False))
    birth = _by_value(cells["birth_date"], memos, ("birth_date", span),
                      lambda: _date_judge("birth_date", end, optional=False, then=aged))
    guardianship = _by_value(cells["guardianship"], memos, ("guardianship", span),
                             lambda: _coded_judge("guardianship", _GUARDIANSHIPS, guardianships, optional=False))
    care = _by_value(cells["care_type"], memos, ("care_type", span),
                     lambda: _coded_judge("care_type", _CARE_TYPES, None, optional=True))
    order = _court_orders(cells["court_order"], require_court_order)
    admission = _by_value(cells["admission_date"], memos, ("admission_date", span),
                          lambda: _date_judge("admission_date", end, optional=True))
    county = _by_value(cells["county"], memos, ("county", code), lambda: _county_judge(code))

    out: list[tuple | None] = [None] * count
    kept: dict[int, tuple[tuple[Finding, ...], bool]] = {}
    typed_admission = cells["admission_date"]
    del cells
    county_header, admission_header = written.get("county"), written.get("admission_date")
    for offset, values in enumerate(zip(ids, first, last, gender, birth, guardianship, care, order,
                                        admission, county)):
        if BAD in values:
            continue
        nid, f, la, g, b, gu, c, o, a, cy = values
        number = first_row + offset
        found: tuple[Finding, ...] = ()
        if a is not None and a < b[0]:  # admitted before birth: a warning, the date left empty
            if number in skip:
                continue
            found = (Finding(file, sheet, number, admission_header, as_text(_to_openpyxl(typed_admission[offset])),
                             Problem.ADMISSION_BEFORE_BIRTH, WARNING, None, code, nid, f"birth date {b[0]}"),)
            a = None
        if cy.__class__ is _Kept:
            if number in skip:
                continue
            found += _county_findings(cy, (file, sheet, number, county_header), code, nid)
            kept[offset] = found, cy.respelt
            cy = cy.county
        elif found:
            kept[offset] = found, False
        out[offset] = (year, code, nid, f, la, g, b[0], b[1], gu, c, o, a, cy, file, number)
    for row in skip:
        if 0 <= row - first_row < count:
            out[row - first_row] = None
    return out, kept
