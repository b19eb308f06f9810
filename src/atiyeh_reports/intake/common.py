"""Vocabulary, column lists and the header search every part of the intake shares."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.provinces import counties
from atiyeh_reports.core.text import normalize_key

#: Columns of ``children.parquet``, in order (docs/data-contracts.md).
CHILDREN_COLUMNS = (
    "year", "province_code", "national_id", "first_name", "last_name", "gender", "birth_date",
    "age", "guardianship", "care_type", "court_order", "admission_date", "county",
    "source_file", "source_row",
)
PERFORMANCE_FIELDS = tuple(layout.PERFORMANCE_COLUMNS.values())
#: Columns of ``performance.parquet``, in order.
PERFORMANCE_COLUMNS = ("year", "performance_year", "province_code", *PERFORMANCE_FIELDS, "source_file")

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SEARCH_ROWS = 20
#: A row is a header when it names at least this many of the form's fields.
MIN_HEADER_MATCHES = 3

# --- vocabulary -----------------------------------------------------------------------------
@lru_cache(maxsize=65536)
def _key(value: str) -> str:
    return normalize_key(value)


def _variants(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {normalize_key(v): canonical for canonical, vs in table.items() for v in (canonical, *vs)}


_GENDERS = _variants(vocab.GENDER_VARIANTS)
_GUARDIANSHIPS = _variants(vocab.GUARDIANSHIP_VARIANTS)
_CARE_TYPES = _variants(vocab.CARE_VARIANTS)

_HEADER_FIELDS: dict[str, str] = {
    **{normalize_key(h): f for h, f in layout.CHILDREN_COLUMNS.items()},
    **{normalize_key(f): f for f in layout.CHILDREN_COLUMNS.values()},
}
_FIELD_HEADER = {f: h for h, f in layout.CHILDREN_COLUMNS.items()}
_PERFORMANCE_HEADER_FIELDS: dict[str, str] = {
    **{normalize_key(h): f for h, f in layout.PERFORMANCE_COLUMNS.items()},
    **{normalize_key(f): f for f in layout.PERFORMANCE_COLUMNS.values()},
}
#: What a cell holding an Excel error shows (openpyxl reads them as this text).
_EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA", "#SPILL!",
    "#CALC!", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!", "#BUSY!", "#PYTHON!",
})
#: The longest text a field can sensibly hold; longer is a finding (a pasted paragraph, a whole row).
_TEXT_LIMITS = {
    "national_id": 20, "first_name": 50, "last_name": 60, "gender": 20, "birth_date": 30, "guardianship": 30,
    "care_type": 60, "court_order": 60, "admission_date": 30, "county": 60,
}
_SHORTEST_LIMIT = min(_TEXT_LIMITS.values())
_TOTAL_WORDS = {normalize_key(w) for w in ("جمع", "جمع کل", "مجموع", "total", "sum", "جمع کل استان")}
_PROVINCE_KEY = normalize_key(layout.PROVINCE_LABEL)
_YEAR_KEY = normalize_key(layout.YEAR_LABEL)
_CODE_IN_NAME = re.compile(r"IR-\d{2}", re.IGNORECASE)
_NUMBER_JUNK = re.compile(r"[\s,٬،'_\u066c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]|ریال|rials?",
                          re.IGNORECASE)  # separators, and invisible marks (U+202E) pasted with a number


def _header_field(text: object, table: dict[str, str]) -> str | None:
    """The field a header cell names: exact key, else the longest known key it starts with."""
    if text is None:
        return None
    key = _key(str(text))
    if not key:
        return None
    if key in table:
        return table[key]
    found = _STARTING.get((key, id(table)), _STARTING)
    if found is _STARTING:
        # Remembered: the titles and rows above a header repeat in every form, and each one that
        # is not a header would otherwise be compared with every key of the table.
        starts = [k for k in table if len(k) >= 5 and key.startswith(k)]
        found = table[max(starts, key=len)] if starts else None
        if len(_STARTING) < 65536:
            _STARTING[(key, id(table))] = found
    return found


#: (cell key, id of one of the module's fixed header tables) → the field it starts with, or None.
_STARTING: dict[tuple[str, int], object] = {}


class _Unreadable(Exception):
    def __init__(self, problem: str, detail: str) -> None:
        super().__init__(detail)
        self.problem = problem
        self.detail = detail


@dataclass
class _Header:
    row: int  # Excel row of the header
    columns: dict[str, int]  # field -> 0-based column index
    written: dict[str, str]  # field -> header as written
    extra: list[tuple[int, str]]  # unknown columns: (index, header)
    duplicates: list[tuple[int, str]]


def _find_header(rows: Sequence[tuple], table: dict[str, str]) -> _Header | None:
    best: _Header | None = None
    for number, row in enumerate(rows, start=1):
        columns: dict[str, int] = {}
        written: dict[str, str] = {}
        extra: list[tuple[int, str]] = []
        duplicates: list[tuple[int, str]] = []
        for index, cell in enumerate(row):
            if cell is None or str(cell).strip() == "":
                continue
            name = _header_field(cell, table)
            if name is None:
                extra.append((index, str(cell)))
            elif name in columns:
                duplicates.append((index, str(cell)))
            else:
                columns[name] = index
                written[name] = str(cell)
        if len(columns) >= MIN_HEADER_MATCHES and (best is None or len(columns) > len(best.columns)):
            best = _Header(number, columns, written, extra, duplicates)
    return best


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


#: Positions in a child's record (a tuple in :data:`CHILDREN_COLUMNS` order).
_NATIONAL_ID = CHILDREN_COLUMNS.index("national_id")
_PROVINCE = CHILDREN_COLUMNS.index("province_code")
_ADMISSION = CHILDREN_COLUMNS.index("admission_date")
_COUNTY = CHILDREN_COLUMNS.index("county")
_SOURCE_FILE = CHILDREN_COLUMNS.index("source_file")
_SOURCE_ROW = CHILDREN_COLUMNS.index("source_row")

#: The fields a row is judged on, in the order :func:`_judge_row` unpacks them.
_JUDGED = ("national_id", "first_name", "last_name", "gender", "birth_date", "guardianship",
           "care_type", "court_order", "admission_date", "county")


def _county_key(name: str) -> str:
    """A county's comparison key: also folds ئ into ی, as the Statistical Centre writes
    «قایم شهر», «بویین زهرا» where clerks type «قائم‌شهر», «بوئین‌زهرا»."""
    return _key(name).replace("ئ", "ی")


@lru_cache(maxsize=64)
def _province_counties(code: str) -> frozenset[str]:
    """Comparison keys of a province's counties (the form's drop-down list)."""
    return frozenset(_county_key(c) for c in counties(code))
