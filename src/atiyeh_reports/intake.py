"""Reading the provinces' returned forms into the clean tables of a year.

:func:`ingest` reads every ``*.xlsx`` under ``<data>/<Y>/provinces/`` and
returns an :class:`Intake`: the eligible, de-duplicated children, each
province's previous-year performance, one finding per problem, and a
per-province summary. Nothing is guessed silently: every correction,
rejection and warning is a finding (see :mod:`atiyeh_reports.quality`).

Rules (the decisions a reader of the report may ask about)
------------------------------------------------------------
* **Province of a form.** The title row (``استان: ...``) wins when it names a
  province, because it sits inside the form and HQ fills and locks it; the file
  name (``IR-23_تهران.xlsx`` or a Persian name) is the fallback. One exception:
  when the title and the file name disagree, and the title's province has
  another form while the file name's has none, the file name wins (a title
  copied from another province's form would otherwise leave one province with
  no children and double another). Either way the disagreement is a
  ``warning`` naming both provinces. When both ways leave the province with a
  second form, the form whose title and file name disagree is ``unreadable``
  (fix its title or its file name); two forms whose titles and file names
  agree are both read, with a ``warning``, and the first one's performance
  counts. A title spelt another way (``استان: كرمانشاه``) is ``corrected`` to
  the official name; an unknown title with a usable file name gives a
  ``corrected`` finding; when neither names a province, the file is
  ``unreadable``.
* **Rows read.** A data row is a row below the header with any non-empty cell.
  Blank rows are not read (those between data rows are counted in
  ``blank_rows`` and reported once per file; the empty pre-formatted rows after
  the last child are ignored). Total rows (a cell saying ``جمع``/``total`` and
  no usable national ID) are not read and are reported. So for every
  province ``rows_read = accepted + rejected``.
* **Corrections.** Re-formatting a national ID (Persian digits, separators,
  leading zeros Excel dropped) and mapping a gender, guardianship or care word
  to the form's canonical value are corrections, and so is re-spelling the
  names or the county (Arabic ي/ك to Persian ی/ک, runs of spaces, a space
  beside a ZWNJ): the stored text differs from what was typed, so it is listed
  (trimming outer spaces alone is not). Reading a date typed in another form
  (``1403-1-5``, ``14030105``, Persian digits, an Excel date cell) is not: the
  table stores the date itself, the same day as typed. ``corrected`` in the
  summary counts accepted rows with a correction.
* **Rejections.** An unusable ID or a wrong check digit, a missing name, an
  unknown gender or guardianship, an impossible or future birth date (after
  the fiscal year's end), no court order (when ``require_court_order``), a
  guardianship the parameters do not cover, and an age at or over the limit
  on 1 Farvardin of Y. A child born during Y counts as age 0. Every reason
  of a rejected row is reported, one finding each.
* **Kept with a warning (value left empty).** An impossible admission date, an
  admission date after the fiscal year's end or before the birth date, an
  unknown care arrangement.
* **Duplicates.** Within a province the first row (file order, then row)
  among otherwise-accepted rows is kept; later ones are rejected. Across
  provinces the row with the later admission date is counted (an empty
  admission date counts as earliest: a child who moved was admitted again
  where it lives now), then the row whose county is one of its own
  province's counties (a row copied into another province's form keeps the
  county it came from), then the lower province code; the
  counted row gets a ``warning`` and the others are ``rejected``, so both
  sides appear in the findings.
* **Unreadable files** (not an xlsx, corrupt, encrypted, no children sheet,
  required columns missing) are listed in :attr:`Intake.unreadable` and in the
  findings; the other provinces are still read.
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd
from openpyxl import load_workbook
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from atiyeh_reports import layout, vocab
from atiyeh_reports.jalali import age_on, fiscal_year_end, fiscal_year_start, parse_jalali
from atiyeh_reports.national_id import clean_national_id, is_valid
from atiyeh_reports.params import Params
from atiyeh_reports.provinces import by_code, find_province, name_fa
from atiyeh_reports.quality import (
    CORRECTED,
    REJECTED,
    SUMMARY_COLUMNS,
    UNREADABLE,
    WARNING,
    Finding,
    Problem,
    as_text,
    findings_frame,
    write_quality_workbook,
)
from atiyeh_reports.text import normalize_key, normalize_text, to_ascii_digits

__all__ = ["CHILDREN_COLUMNS", "PERFORMANCE_COLUMNS", "Intake", "ingest", "read_clean", "write_clean"]

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


@dataclass(frozen=True)
class Intake:
    """The clean tables of one year, as :func:`ingest` built them."""

    year: int
    children: pd.DataFrame
    performance: pd.DataFrame
    findings: pd.DataFrame
    summary: pd.DataFrame
    unreadable: tuple[str, ...] = ()

    @property
    def needs_attention(self) -> bool:
        """True when a file could not be read or a row was rejected."""
        return bool(self.unreadable) or bool((self.summary["rejected"] > 0).any())


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
_TOTAL_WORDS = {normalize_key(w) for w in ("جمع", "جمع کل", "مجموع", "total", "sum", "جمع کل استان")}
_PROVINCE_KEY = normalize_key(layout.PROVINCE_LABEL)
_YEAR_KEY = normalize_key(layout.YEAR_LABEL)
_CODE_IN_NAME = re.compile(r"IR-\d{2}", re.IGNORECASE)
_NUMBER_JUNK = re.compile(r"[\s,٬،'_\u200c\u066c]|ریال|rials?", re.IGNORECASE)


def _header_field(text: object, table: dict[str, str]) -> str | None:
    """The field a header cell names: exact key, else the longest known key it starts with."""
    if text is None:
        return None
    key = _key(str(text))
    if not key:
        return None
    if key in table:
        return table[key]
    starts = [k for k in table if len(k) >= 5 and key.startswith(k)]
    return table[max(starts, key=len)] if starts else None


# --- reading a workbook ---------------------------------------------------------------------
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


@dataclass
class _Form:
    """What one file holds, before its rows are judged."""

    path: Path
    sheet: str
    header: _Header
    top: list[list]  # rows above the header
    rows: Iterator[list]  # rows below the header, lazily
    performance: dict[str, object] | None
    performance_sheet: str | None
    performance_header: dict[str, str] = field(default_factory=dict)
    performance_row: int | None = None
    judged: tuple[tuple[str, int | None], ...] = ()  # (field, column index) of the judged fields
    file: str = ""  # the file's name, asked for on every row

    def __post_init__(self) -> None:
        self.judged = tuple((name, self.header.columns.get(name)) for name in _JUDGED)
        self.file = self.path.name


class _Book(Protocol):
    """An open workbook as the intake reads it: sheet names, and rows of cell values.

    Values are what openpyxl gives with ``data_only``: an empty cell is None, a
    whole number an int, a date cell a :class:`datetime.datetime`, a formula
    its cached value. Rows are counted from A1, blank ones included.
    """

    sheetnames: list[str]

    def is_worksheet(self, name: str) -> bool: ...  # not a chart sheet

    def readable(self, name: str) -> bool: ...  # a worksheet, and not hidden

    def top(self, name: str, count: int) -> list[list]: ...  # the first ``count`` rows

    def rows(self, name: str, start: int) -> Iterator[list]: ...  # rows from 0-based ``start`` on

    def close(self) -> None: ...


class _CalamineBook:
    """The fast reader (Rust): reads a sheet whole, then hands its rows over in openpyxl's terms."""

    def __init__(self, path: Path) -> None:
        self._wb = CalamineWorkbook.from_path(str(path))
        meta = self._wb.sheets_metadata
        self.sheetnames = [m.name for m in meta]
        self._visible = {m.name: m.visible == SheetVisibleEnum.Visible for m in meta}
        self._worksheet = {m.name: m.typ == SheetTypeEnum.WorkSheet for m in meta}
        self._sheets: dict[str, object] = {}

    def readable(self, name: str) -> bool:
        return self._visible.get(name, True) and self.is_worksheet(name)

    def is_worksheet(self, name: str) -> bool:
        return self._worksheet.get(name, True)

    def _sheet(self, name: str):  # noqa: ANN202 - a CalamineSheet
        sheet = self._sheets.get(name)
        if sheet is None:
            try:
                sheet = self._sheets[name] = self._wb.get_sheet_by_name(name)
            except CalamineError as exc:
                raise _Unreadable(Problem.UNREADABLE_FILE,
                                  f"sheet '{name}': {type(exc).__name__}: {exc}") from None
        return sheet

    def top(self, name: str, count: int) -> list[list]:
        return [_openpyxl_values(row)
                for row in self._sheet(name).to_python(skip_empty_area=False, nrows=count)]

    def rows(self, name: str, start: int) -> Iterator[list]:
        # skip_empty_area=False: rows and columns counted from A1, as in the form
        grid = self._sheet(name).to_python(skip_empty_area=False)
        return map(_openpyxl_values, islice(grid, start, None))

    def close(self) -> None:
        self._sheets.clear()
        self._wb.close()


class _OpenpyxlBook:
    """The slow reader, kept for what calamine cannot give: formula error values (``#N/A``)."""

    def __init__(self, path: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation extensions
            self._wb = load_workbook(path, read_only=True, data_only=True)
        self.sheetnames = list(self._wb.sheetnames)

    def readable(self, name: str) -> bool:
        return getattr(self._wb[name], "sheet_state", "visible") == "visible" and self.is_worksheet(name)

    def is_worksheet(self, name: str) -> bool:
        return hasattr(self._wb[name], "iter_rows")

    def top(self, name: str, count: int) -> list[list]:
        return [list(row) for row in islice(self._wb[name].iter_rows(values_only=True), count)]

    def rows(self, name: str, start: int) -> Iterator[list]:
        return map(list, islice(self._wb[name].iter_rows(values_only=True), start, None))

    def close(self) -> None:
        self._wb.close()


def _openpyxl_values(row: list) -> list:
    """calamine's cells in openpyxl's terms, so that every later check sees what it always saw."""
    return [value if type(value) is str and value else _openpyxl_value(value) for value in row]


def _openpyxl_value(value: object) -> object:
    if value == "":  # calamine's empty cell
        return None
    if type(value) is float and value.is_integer():  # Excel stores 12345678 as a number: int, as openpyxl
        return int(value)
    if type(value) is dt.date:  # a date cell: openpyxl gives a datetime at midnight
        return dt.datetime(value.year, value.month, value.day)
    return value


#: An encrypted (password-protected) xlsx is an OLE compound file, as is an old .xls.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: A cell holding a formula error (t="e"), the one value calamine reads as empty.
_ERROR_CELL_MARKS = (b't="e"', b"t='e'")


def _open(path: Path) -> _Book:
    """Open a returned form with calamine, or openpyxl when only it reads the file right."""
    with path.open("rb") as fh:
        if fh.read(len(_OLE_SIGNATURE)) == _OLE_SIGNATURE:
            raise _Unreadable(Problem.UNREADABLE_FILE,
                              "the file is encrypted (password-protected) or an old .xls renamed to .xlsx; "
                              "save it again as .xlsx without a password")
    if _has_error_cells(path):
        return _open_with_openpyxl(path, None)
    try:
        return _CalamineBook(path)
    except CalamineError as exc:
        return _open_with_openpyxl(path, exc)


def _open_with_openpyxl(path: Path, calamine_error: Exception | None) -> _Book:
    try:
        return _OpenpyxlBook(path)
    except Exception as exc:  # noqa: BLE001 - any failure to open means "unreadable", with the reason
        reason = calamine_error or exc
        raise _Unreadable(Problem.UNREADABLE_FILE, f"{type(reason).__name__}: {reason}") from None


def _has_error_cells(path: Path) -> bool:
    """Whether any worksheet has a formula error cell (scanned in the zip, without parsing)."""
    try:
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                    continue
                with archive.open(name) as member:
                    tail = b""
                    while chunk := member.read(1 << 20):
                        window = tail + chunk
                        if any(mark in window for mark in _ERROR_CELL_MARKS):
                            return True
                        tail = chunk[-8:]
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        return False  # not a readable zip: calamine says why
    return False


def _read_form(wb: _Book, path: Path) -> _Form:
    """Find the children sheet, its header and the performance values of an open workbook."""
    children_key = normalize_key(layout.SHEET_CHILDREN)
    performance_key = normalize_key(layout.SHEET_PERFORMANCE)
    sheets = {name: normalize_key(name) for name in wb.sheetnames}
    candidates = [n for n, k in sheets.items() if k == children_key]
    candidates += [n for n, k in sheets.items() if k != children_key and k != performance_key]
    chosen: tuple[str, _Header, list[list]] | None = None
    for name in candidates:
        if not wb.is_worksheet(name) or (not wb.readable(name) and sheets[name] != children_key):
            continue
        top = wb.top(name, HEADER_SEARCH_ROWS)
        header = _find_header(top, _HEADER_FIELDS)
        if header is None:
            continue
        if chosen is None or len(header.columns) > len(chosen[1].columns) or (
            sheets[name] == children_key and len(header.columns) == len(chosen[1].columns)
        ):
            chosen = (name, header, top)
        if sheets[name] == children_key and not _missing(header):
            break
    if chosen is None:
        raise _Unreadable(
            Problem.NO_CHILDREN_SHEET,
            f"no sheet has the children's header (sheets: {', '.join(wb.sheetnames)}); "
            f"use the sheet '{layout.SHEET_CHILDREN}' of the form HQ sent",
        )
    name, header, top = chosen
    missing = _missing(header)
    if missing:
        raise _Unreadable(
            Problem.MISSING_COLUMNS,
            f"sheet '{name}', header row {header.row}: no column "
            + ", ".join(f"'{_FIELD_HEADER[f]}'" for f in missing)
            + "; add them with the form's headers",
        )
    rows = wb.rows(name, header.row)
    perf_name = next((n for n, k in sheets.items() if k == performance_key), None)
    form = _Form(path, name, header, top[: header.row - 1], rows, None, perf_name)
    if perf_name is not None and wb.is_worksheet(perf_name):
        _read_performance(wb.top(perf_name, HEADER_SEARCH_ROWS), form)
    return form


def _missing(header: _Header) -> list[str]:
    return [f for f in layout.REQUIRED_CHILDREN_FIELDS if f not in header.columns]


def _read_performance(top: list[list], form: _Form) -> None:
    header = _find_header(top, _PERFORMANCE_HEADER_FIELDS)
    if header is None:
        return
    values_row = next(
        (i for i in range(header.row, len(top)) if any(_filled(v) for v in top[i])), header.row
    )
    row = top[values_row] if values_row < len(top) else ()
    form.performance = {
        f: (row[i] if i < len(row) else None) for f, i in header.columns.items()
    }
    form.performance_header = header.written
    form.performance_row = values_row + 1


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and value.strip() == "")


# --- the province and year of a form ----------------------------------------------------------
def _title_values(top: Sequence[tuple]) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """(row, text after the label) of the province and of the year title cells."""
    province = year = None
    for number, row in enumerate(top, start=1):
        for cell in row:
            if not isinstance(cell, str):
                continue
            label, sep, rest = cell.replace("：", ":").partition(":")
            key = normalize_key(label)
            if province is None and key.startswith(_PROVINCE_KEY) and (sep or len(key) > len(_PROVINCE_KEY)):
                province = (number, rest.strip() if sep else cell.strip())
            elif year is None and sep and key == _YEAR_KEY:
                year = (number, rest.strip())
    return province, year


def _province_from_name(path: Path) -> str | None:
    match = _CODE_IN_NAME.search(path.stem)
    if match and match.group(0).upper() in by_code():
        return match.group(0).upper()
    stem = path.stem.replace("_", " ")
    code = find_province(stem)
    if code:
        return code
    for part in re.split(r"[_\-\s.]+", path.stem):
        code = find_province(part) if len(part) > 1 else None
        if code:
            return code
    return None


@dataclass(frozen=True)
class _Claim:
    """The provinces a form's title row and file name name (either may be None, not both)."""

    file: str
    sheet: str
    title_row: int | None
    title: str | None  # the title's text after the label, as written
    from_title: str | None
    from_name: str | None

    @property
    def default(self) -> str:
        """The province the form is counted under unless another form claims it too: the title's."""
        code = self.from_title or self.from_name
        assert code is not None
        return code

    @property
    def mismatch(self) -> bool:
        return bool(self.from_title and self.from_name and self.from_title != self.from_name)


def _form_province(form: _Form, year: int, findings: list[Finding]) -> _Claim:
    """What the title and the file name say; findings on either alone (the mismatch comes later)."""
    file = form.path.name
    title, title_year = _title_values(form.top)
    from_name = _province_from_name(form.path)
    from_title = find_province(title[1]) if title else None
    if title and from_title is None and from_name is None:
        raise _Unreadable(
            Problem.NO_PROVINCE,
            f"title row {title[0]}: {title[1]!r} is not one of the 31 provinces, nor is the file name; "
            "write the province's official Persian name",
        )
    if from_title is None and from_name is None:
        raise _Unreadable(Problem.NO_PROVINCE, "no 'استان: ...' title row and no province in the file name")
    claim = _Claim(file, form.sheet, title[0] if title else None, title[1] if title else None,
                   from_title, from_name)
    if title and from_title is None:
        findings.append(Finding(file, form.sheet, title[0], None, title[1], Problem.UNKNOWN_PROVINCE_TITLE,
                                CORRECTED, from_name, from_name,
                                detail=f"{title[1]!r} is not a province name; file name gives {from_name}"))
    elif from_title and from_name is None:
        findings.append(Finding(file, None, None, None, file, Problem.UNKNOWN_PROVINCE_FILE, WARNING,
                                from_title, from_title))
    if title and from_title and not claim.mismatch:
        typed = _title_name(title[1])
        official = name_fa(from_title)
        if typed != official:
            findings.append(Finding(file, form.sheet, title[0], None, title[1], Problem.PROVINCE_TITLE_VARIANT,
                                    CORRECTED, official, from_title,
                                    detail=f"read as {from_title} ({official})"))
    code = claim.default
    if title_year is not None:
        typed = to_ascii_digits(title_year[1]).strip()
        if typed != str(year):
            findings.append(Finding(file, form.sheet, title_year[0], None, title_year[1],
                                    Problem.YEAR_MISMATCH, WARNING, None, code,
                                    detail=f"the report year is {year}"))
    return claim


def _title_name(text: str) -> str:
    """The province name as written in a title (``'استان مركزي'`` without a colon gives ``'مركزي'``)."""
    label = layout.PROVINCE_LABEL
    return text[len(label):].strip(" :：") if text.startswith(label) else text.strip()


def _resolve_provinces(claims: Sequence[_Claim]) -> list[str | None]:
    """The province each form is counted under, in the order given; None when it cannot be told.

    The title wins, except when the title and file name disagree, the title's
    province has another form and the file name's province has none: then the
    file name wins (a title copied from another province's form). A form whose
    title and file name disagree and that still shares its province with
    another form after that (both ways conflict) gets None: the first form of
    the province (one whose title and file name agree, else the first in the
    order given) keeps it. Forms whose title and file name agree are never
    dropped here (a province's second such form is read, with a warning).
    """
    defaults = Counter(c.default for c in claims)
    codes = []
    for c in claims:
        code = c.default
        if c.mismatch and defaults[c.from_title] > 1 and defaults[c.from_name] == 0:
            code = c.from_name
        codes.append(code)
    agreeing = {code for c, code in zip(claims, codes, strict=True) if not c.mismatch}
    out: list[str | None] = []
    taken: set[str] = set()
    for c, code in zip(claims, codes, strict=True):
        if c.mismatch and (code in agreeing or code in taken):
            out.append(None)
        else:
            out.append(code)
            taken.add(code)
    return out


def _mismatch_finding(claim: _Claim, code: str | None) -> Finding:
    """The finding of a form whose title and file name name different provinces."""
    assert claim.from_title is not None and claim.from_name is not None
    named = (f"title names {claim.from_title} ({name_fa(claim.from_title)}), "
             f"file name names {claim.from_name} ({name_fa(claim.from_name)})")
    if code is None:
        return Finding(claim.file, claim.sheet, claim.title_row, None, claim.title, Problem.PROVINCE_CONFLICT,
                       UNREADABLE, None, None,
                       detail=f"{named}, and both provinces have another form; fix the title row or the "
                              "file name of this form (or of the other form) and run the intake again")
    problem = Problem.PROVINCE_MISMATCH if code == claim.from_title else Problem.PROVINCE_MISMATCH_FILE
    why = ("the title wins" if code == claim.from_title
           else f"{claim.from_title} has another form and {claim.from_name} none, so the file name wins")
    return Finding(claim.file, claim.sheet, claim.title_row, None, claim.title, problem, WARNING, code, code,
                   detail=f"{named}; counted under {code}: {why}")


def _relabel(result: _FileResult, code: str) -> _FileResult:
    """The file's rows and findings counted under province ``code`` instead."""
    def move(f: Finding) -> Finding:
        return replace(f, province_code=code) if f.province_code == result.code else f

    rows = [_Row(record[:_PROVINCE] + (code,) + record[_PROVINCE + 1:], row.corrected,
                 tuple(map(move, row.findings)), row.sheet)
            for row in result.rows for record in (row.record,)]
    return replace(result, code=code, rows=rows, findings=[move(f) for f in result.findings])


def _header_findings(form: _Form, code: str) -> list[Finding]:
    file, sheet, header = form.path.name, form.sheet, form.header
    out: list[Finding] = []
    if normalize_key(sheet) != normalize_key(layout.SHEET_CHILDREN):
        out.append(Finding(file, sheet, None, None, sheet, Problem.SHEET_RENAMED, CORRECTED,
                           layout.SHEET_CHILDREN, code))
    if header.row != layout.CHILDREN_HEADER_ROW:
        out.append(Finding(file, sheet, header.row, None, None, Problem.HEADER_MOVED, WARNING, None, code,
                           detail=f"header on row {header.row}, the form has it on row "
                                  f"{layout.CHILDREN_HEADER_ROW}"))
    for name, written in header.written.items():
        if written != _FIELD_HEADER[name]:
            out.append(Finding(file, sheet, header.row, written, written, Problem.HEADER_VARIANT, CORRECTED,
                               _FIELD_HEADER[name], code))
    for _, written in header.extra:
        out.append(Finding(file, sheet, header.row, written, written, Problem.EXTRA_COLUMN, WARNING, None, code))
    for _, written in header.duplicates:
        out.append(Finding(file, sheet, header.row, written, written, Problem.DUPLICATE_COLUMN, WARNING,
                           None, code))
    order = sorted(header.columns, key=header.columns.__getitem__)
    expected = [f for f in layout.CHILDREN_COLUMNS.values() if f in header.columns]
    if order != expected:
        out.append(Finding(file, sheet, header.row, None, None, Problem.COLUMNS_REORDERED, WARNING, None,
                           code, detail="read by header, not by position"))
    return out


# --- judging rows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rules:
    year: int
    start: dt.date
    end: dt.date
    age_limit: int
    guardianships: frozenset[str]
    require_court_order: bool


#: Positions in a child's record (a tuple in :data:`CHILDREN_COLUMNS` order).
_NATIONAL_ID = CHILDREN_COLUMNS.index("national_id")
_PROVINCE = CHILDREN_COLUMNS.index("province_code")
_ADMISSION = CHILDREN_COLUMNS.index("admission_date")
_COUNTY = CHILDREN_COLUMNS.index("county")
_SOURCE_FILE = CHILDREN_COLUMNS.index("source_file")
_SOURCE_ROW = CHILDREN_COLUMNS.index("source_row")


@dataclass(slots=True)
class _Row:
    """A row that passed every check of its own (duplicates are judged later)."""

    record: tuple  # the children.parquet values, in CHILDREN_COLUMNS order
    corrected: bool
    findings: tuple[Finding, ...]  # most rows have none: a tuple costs less than a list
    sheet: str | None = None

    @property
    def national_id(self) -> str:
        return self.record[_NATIONAL_ID]


@lru_cache(maxsize=131072)
def _parse_cached(value: object) -> tuple[dt.date | None, str | None]:
    try:
        return parse_jalali(value), None
    except ValueError as exc:
        return None, str(exc)


def _parse_date(value: object) -> tuple[dt.date | None, str | None]:
    if isinstance(value, (str, int, dt.datetime)):  # a form repeats its dates: parse each once
        return _parse_cached(value)
    try:
        return parse_jalali(value), None
    except ValueError as exc:
        return None, str(exc)


@lru_cache(maxsize=65536)
def _age(birth: dt.date, start: dt.date) -> int:
    """Completed years on 1 Farvardin; a child born during the year is 0."""
    return age_on(birth, start) if birth <= start else 0


_VOCABULARIES = {"gender": _GENDERS, "guardianship": _GUARDIANSHIPS, "care_type": _CARE_TYPES}


@lru_cache(maxsize=16384)
def _standard_value(text: str, field: str) -> tuple[str | None, bool]:
    """(the canonical word a typed value means or None, whether the typed value differs from it)."""
    canonical = _VOCABULARIES[field].get(_key(text))
    return canonical, canonical is not None and normalize_text(text) != canonical


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


def _clean_id(value: object) -> str | None:
    """:func:`clean_national_id`, with the common case (ten ASCII digits as text) first."""
    if type(value) is str and len(value) == 10 and value.isdigit() and value.isascii():
        return value
    return clean_national_id(value)


#: The fields a row is judged on, in the order :func:`_judge_row` unpacks them.
_JUDGED = ("national_id", "first_name", "last_name", "gender", "birth_date", "guardianship",
           "care_type", "court_order", "admission_date", "county")


def _judge_row(  # noqa: C901, PLR0912, PLR0915 - one check after another, in the form's order
    cells: Sequence[object], number: int, form: _Form, code: str, rules: _Rules,
) -> tuple[_Row | None, list[Finding]]:
    """Clean one data row: the row (or None when rejected) and its findings."""
    width = len(cells)
    values = {}
    for name, index in form.judged:
        value = cells[index] if index is not None and index < width else None
        values[name] = None if isinstance(value, str) and not value.strip() else value
    (raw_id, raw_first, raw_last, raw_gender, raw_birth, raw_guardianship, raw_care, raw_order,
     raw_admission, raw_county) = values.values()

    findings: list[Finding] = []
    rejected = corrected = False
    nid = _clean_id(raw_id)

    def note(name: str, problem: str, action: str, to: str | None = None, detail: str | None = None) -> None:
        nonlocal rejected, corrected
        rejected |= action == REJECTED
        corrected |= action == CORRECTED
        findings.append(Finding(form.file, form.sheet, number, form.header.written.get(name),
                                as_text(values.get(name)), problem, action, to, code, nid, detail))

    if nid is None:
        note("national_id", Problem.ID_UNUSABLE, REJECTED)
    elif not is_valid(nid):
        note("national_id", Problem.ID_CHECK_DIGIT, REJECTED)
    elif nid is not raw_id and (as_text(raw_id) or "").strip() != nid:  # not when a number kept all its digits
        note("national_id", Problem.ID_REFORMATTED, CORRECTED, nid)

    first, last = _text_or_none(raw_first, repeated=True), _text_or_none(raw_last, repeated=True)
    if first is None:
        note("first_name", Problem.NAME_MISSING, REJECTED)
    elif _respelt(raw_first):
        note("first_name", Problem.TEXT_NORMALIZED, CORRECTED, first)
    if last is None:
        note("last_name", Problem.NAME_MISSING, REJECTED)
    elif _respelt(raw_last):
        note("last_name", Problem.TEXT_NORMALIZED, CORRECTED, last)

    gender, standardized = _coded(raw_gender, "gender")
    if gender is None:
        note("gender", Problem.GENDER_UNKNOWN, REJECTED)
    elif standardized:
        note("gender", Problem.VALUE_STANDARDIZED, CORRECTED, gender)

    birth, why = _parse_date(raw_birth)
    if birth is None:
        note("birth_date", Problem.BIRTH_INVALID, REJECTED, detail=why)
    elif birth > rules.end:
        note("birth_date", Problem.BIRTH_FUTURE, REJECTED, detail=f"after {rules.end}")
        birth = None

    guardianship, standardized = _coded(raw_guardianship, "guardianship")
    if guardianship is None:
        note("guardianship", Problem.GUARDIANSHIP_UNKNOWN, REJECTED)
    else:
        if standardized:
            note("guardianship", Problem.VALUE_STANDARDIZED, CORRECTED, guardianship)
        if guardianship not in rules.guardianships:
            note("guardianship", Problem.GUARDIANSHIP_NOT_ELIGIBLE, REJECTED,
                 detail=f"eligible: {', '.join(sorted(rules.guardianships))}")

    care, standardized = _coded(raw_care, "care_type")
    if raw_care is not None and care is None:
        note("care_type", Problem.CARE_UNKNOWN, WARNING)
    elif standardized:
        note("care_type", Problem.VALUE_STANDARDIZED, CORRECTED, care)

    court_order = _text_or_none(raw_order)
    if court_order is None and rules.require_court_order:
        note("court_order", Problem.COURT_ORDER_MISSING, REJECTED)

    admission: dt.date | None = None
    if raw_admission is not None:
        admission, why = _parse_date(raw_admission)
        if admission is None:
            note("admission_date", Problem.ADMISSION_INVALID, WARNING, detail=why)
        elif admission > rules.end:
            note("admission_date", Problem.ADMISSION_FUTURE, WARNING, detail=f"after {rules.end}")
            admission = None
        elif birth is not None and admission < birth:
            note("admission_date", Problem.ADMISSION_BEFORE_BIRTH, WARNING, detail=f"birth date {birth}")
            admission = None

    age = None
    if birth is not None:
        age = _age(birth, rules.start)
        if age >= rules.age_limit:
            note("birth_date", Problem.OVER_AGE, REJECTED,
                 detail=f"age {age} on {rules.start}, limit {rules.age_limit}")

    county = _text_or_none(raw_county, repeated=True)
    if county is not None and _respelt(raw_county):
        note("county", Problem.TEXT_NORMALIZED, CORRECTED, county)
    if county is not None and _county_key(county) not in _province_counties(code):
        # The list is 1398's divisions: a newer county (or a typo) is kept, never rejected.
        note("county", Problem.COUNTY_UNKNOWN, WARNING, detail="not in data/counties.csv")

    if rejected:
        return None, findings
    record = (rules.year, code, nid, first, last, gender, birth, age, guardianship, care, court_order or "",
              admission, county, form.file, number)
    return _Row(record, corrected, tuple(findings), form.sheet), []


def _is_total(cells: Sequence[object], form: _Form) -> bool:
    index = form.header.columns["national_id"]
    raw_id = cells[index] if index < len(cells) else None
    if _clean_id(raw_id) is not None:
        return False
    for cell in cells:
        if isinstance(cell, str):
            key = _key(cell)
            if key in _TOTAL_WORDS or key.startswith("جمع"):
                return True
    return False


def _blank(cells: Sequence[object]) -> bool:
    """True when no cell of a row is filled (stops at the first filled one)."""
    return not any(_filled(c) for c in cells)


@dataclass
class _FileResult:
    code: str
    file: str = ""
    rows: list[_Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    rejected: int = 0
    blank_rows: int = 0
    performance: dict[str, object] | None = None


def _read_rows(form: _Form, code: str, rules: _Rules) -> _FileResult:
    result = _FileResult(code, form.path.name)
    pending_blank = 0
    file, sheet = form.path.name, form.sheet
    for number, cells in enumerate(form.rows, start=form.header.row + 1):
        if _blank(cells):
            pending_blank += 1
            continue
        result.blank_rows += pending_blank
        pending_blank = 0
        if _is_total(cells, form):
            shown = next(as_text(c) for c in cells if _filled(c))
            result.findings.append(Finding(file, sheet, number, None, shown, Problem.TOTAL_ROW, WARNING,
                                           None, code))
            continue
        result.rows_read += 1
        row, findings = _judge_row(cells, number, form, code, rules)
        if row is None:
            result.rejected += 1
            result.findings.extend(findings)
        else:
            result.rows.append(row)
    if result.blank_rows:
        result.findings.append(Finding(file, sheet, None, None, str(result.blank_rows), Problem.BLANK_ROWS,
                                       WARNING, None, code, detail=f"{result.blank_rows} blank row(s)"))
    return result


def _performance_values(form: _Form, code: str) -> tuple[dict[str, int | None], list[Finding]]:
    file = form.path.name
    if form.performance is None:
        return {}, [Finding(file, form.performance_sheet, None, None, None, Problem.NO_PERFORMANCE_SHEET,
                            WARNING, None, code,
                            detail=f"expected a sheet '{layout.SHEET_PERFORMANCE}' with its headers")]
    values: dict[str, int | None] = {}
    findings: list[Finding] = []
    headers = {f: h for h, f in layout.PERFORMANCE_COLUMNS.items()}
    for name in PERFORMANCE_FIELDS:
        raw = form.performance.get(name)
        column = form.performance_header.get(name, headers[name])
        number, reformatted = _whole_number(raw)
        values[name] = number
        if number is None:
            findings.append(Finding(file, form.performance_sheet, form.performance_row, column, as_text(raw),
                                    Problem.PERFORMANCE_INVALID, WARNING, None, code,
                                    detail="left empty; expected a whole non-negative number"))
        elif reformatted:
            findings.append(Finding(file, form.performance_sheet, form.performance_row, column, as_text(raw),
                                    Problem.PERFORMANCE_REFORMATTED, CORRECTED, str(number), code))
    return values, findings


def _whole_number(value: object) -> tuple[int | None, bool]:
    """(the whole non-negative number a cell holds or None, whether it had to be read from text)."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return (value, False) if value >= 0 else (None, False)
    if isinstance(value, float):
        return (int(value), False) if value.is_integer() and value >= 0 else (None, False)
    text = _NUMBER_JUNK.sub("", to_ascii_digits(str(value)))
    if text.endswith(".0"):
        text = text[:-2]
    return (int(text), True) if text.isascii() and text.isdigit() else (None, False)


# --- de-duplication -------------------------------------------------------------------------
def _deduplicate(results: list[_FileResult]) -> None:
    """Reject repeated national IDs in place: within a province, then across provinces."""
    first_seen: dict[str, dict[str, _Row]] = {}
    for result in results:
        seen = first_seen.setdefault(result.code, {})
        kept: list[_Row] = []
        for row in result.rows:
            original = seen.setdefault(row.national_id, row)
            if original is row:
                kept.append(row)
                continue
            result.rejected += 1
            result.findings.extend(row.findings)
            result.findings.append(_duplicate_finding(
                row, Problem.DUPLICATE_IN_PROVINCE, REJECTED,
                f"kept {original.record[_SOURCE_FILE]} row {original.record[_SOURCE_ROW]}"))
        result.rows = kept

    # an ID in two or more provinces: only those are gathered, not every ID
    province_of: dict[str, str] = {}
    shared: set[str] = set()
    for result in results:
        for row in result.rows:
            if province_of.setdefault(row.national_id, result.code) != result.code:
                shared.add(row.national_id)
    del province_of
    by_id: dict[str, list[tuple[_FileResult, _Row]]] = {}
    for result in results:
        for row in result.rows:
            if row.national_id in shared:
                by_id.setdefault(row.national_id, []).append((result, row))
    dropped: set[int] = set()
    for entries in by_id.values():
        winner_result, winner = min(entries, key=_counting_order)
        others = [(r, row) for r, row in entries if row is not winner]
        where = ", ".join(f"{r.code} ({row.record[_SOURCE_FILE]} row {row.record[_SOURCE_ROW]})"
                          for r, row in others)
        winner.findings = (*winner.findings, _duplicate_finding(winner, Problem.DUPLICATE_COUNTED_HERE,
                                                                WARNING, f"also in {where}"))
        for result, row in others:
            dropped.add(id(row))
            result.rejected += 1
            result.findings.extend(row.findings)
            result.findings.append(_duplicate_finding(
                row, Problem.DUPLICATE_COUNTED_ELSEWHERE, REJECTED,
                f"counted in {winner_result.code} ({winner.record[_SOURCE_FILE]} row "
                f"{winner.record[_SOURCE_ROW]})"))
    if dropped:
        for result in results:
            result.rows = [row for row in result.rows if id(row) not in dropped]


def _counting_order(entry: tuple[_FileResult, _Row]) -> tuple:
    """Later admission first (empty = earliest), then a county of the form's own province,
    then lower province code, then file and row."""
    result, row = entry
    admission = row.record[_ADMISSION] or dt.date.min
    county = row.record[_COUNTY]
    elsewhere = county is None or _county_key(county) not in _province_counties(result.code)
    return (-admission.toordinal(), elsewhere, result.code, row.record[_SOURCE_FILE], row.record[_SOURCE_ROW])


@lru_cache(maxsize=64)
def _province_counties(code: str) -> frozenset[str]:
    """Comparison keys of a province's counties (the form's drop-down list)."""
    from atiyeh_reports.forms import counties

    return frozenset(_county_key(c) for c in counties(code))


def _county_key(name: str) -> str:
    """A county's comparison key: also folds ئ into ی, as the Statistical Centre writes
    «قایم شهر», «بویین زهرا» where clerks type «قائم‌شهر», «بوئین‌زهرا»."""
    return _key(name).replace("ئ", "ی")


def _duplicate_finding(row: _Row, problem: str, action: str, detail: str) -> Finding:
    r = row.record
    return Finding(str(r[_SOURCE_FILE]), row.sheet, int(r[_SOURCE_ROW]), _FIELD_HEADER["national_id"],
                   str(r[_NATIONAL_ID]), problem, action, None, str(r[_PROVINCE]),
                   str(r[_NATIONAL_ID]), detail)


# --- the year -------------------------------------------------------------------------------
def ingest(params: Params, data_dir: Path | None = None) -> Intake:
    """Read every returned form of ``params.year`` into the clean tables.

    Parameters
    ----------
    params
        The year's parameters; ``eligibility`` decides who is kept.
    data_dir
        The raw data folder (``<data_dir>/<Y>/provinces/*.xlsx``); defaults to
        ``params.data_dir``.

    Returns
    -------
    Intake
        Children validated against :class:`atiyeh_reports.schema.ChildrenSchema`.
    """
    from atiyeh_reports.schema import validate_children, validate_summary

    year = params.year
    folder = layout.provinces_dir(Path(data_dir or params.data_dir), year)
    rules = _Rules(
        year=year, start=fiscal_year_start(year), end=fiscal_year_end(year),
        age_limit=params.eligibility.age_limit,
        guardianships=frozenset(params.eligibility.guardianship),
        require_court_order=params.eligibility.require_court_order,
    )
    findings: list[Finding] = []
    unreadable: list[str] = []
    unreadable_codes: set[str] = set()
    read: list[tuple[_Claim, _FileResult, dict[str, int | None], list[Finding]]] = []
    for path in sorted(p for p in folder.glob("*.xlsx") if not p.name.startswith("~$")):
        file_findings: list[Finding] = []
        try:
            wb = _open(path)
            try:
                form = _read_form(wb, path)
                claim = _form_province(form, year, file_findings)
                code = claim.default
                file_findings.extend(_header_findings(form, code))
                result = _read_rows(form, code, rules)
                values, perf_findings = _performance_values(form, code)
            finally:
                wb.close()
        except _Unreadable as exc:
            code = _province_from_name(path)
            unreadable.append(f"{path.name}: {exc.detail}")
            if code:
                unreadable_codes.add(code)
            findings.extend(file_findings)
            findings.append(Finding(path.name, None, None, None, None, exc.problem, UNREADABLE, None, code,
                                    detail=exc.detail))
            continue
        result.findings[:0] = perf_findings
        read.append((claim, result, values, file_findings))

    # which province each form counts for is known only once every form's title and name are read
    results: list[_FileResult] = []
    performance: list[dict[str, object]] = []
    seen_forms: dict[str, str] = {}
    codes = _resolve_provinces([claim for claim, *_ in read])
    for (claim, result, values, file_findings), code in zip(read, codes, strict=True):
        if claim.mismatch:
            mismatch = _mismatch_finding(claim, code)
            if code is None:
                unreadable.append(f"{claim.file}: {mismatch.detail}")
                findings.append(mismatch)
                continue
            file_findings.insert(0, mismatch)
        if code != result.code:
            result = _relabel(result, code)
            file_findings = [replace(f, province_code=code) if f.province_code == claim.default else f
                             for f in file_findings]
        findings.extend(file_findings)
        if code in seen_forms:
            findings.append(Finding(claim.file, None, None, None, claim.file, Problem.SECOND_FORM, WARNING,
                                    None, code, detail=f"first form: {seen_forms[code]}"))
        elif values:
            performance.append({"year": year, "performance_year": year - 1, "province_code": code,
                                **values, "source_file": claim.file})
        seen_forms.setdefault(code, claim.file)
        results.append(result)
    del read

    _deduplicate(results)
    for result in results:
        findings.extend(result.findings)
        for row in result.rows:
            findings.extend(row.findings)
    summary_table = _summary_frame(results, unreadable_codes - set(seen_forms))
    children_table = _children_frame(results)
    del results  # the rows are in the table now: let a large year's records go before validating
    children = validate_children(children_table)
    summary = validate_summary(summary_table)
    return Intake(
        year=year,
        children=children,
        performance=_performance_frame(performance),
        findings=_sort_findings(findings_frame(findings)),
        summary=summary,
        unreadable=tuple(unreadable),
    )


_INT_COLUMNS = frozenset({"year", "age", "source_row"})
_DATE_COLUMNS = frozenset({"birth_date", "admission_date"})


def _children_frame(results: list[_FileResult]) -> pd.DataFrame:
    """The accepted rows as the children table, ordered by province, file and row.

    Built one column at a time, so that a large year needs the records and the
    table, not several copies of both. The rows of a file share its province
    and file name and are in row order, so ordering the files orders the rows.
    """
    ordered = sorted(results, key=lambda r: (r.code, r.file))
    columns: dict[str, object] = {}
    for i, name in enumerate(CHILDREN_COLUMNS):
        values = [row.record[i] for result in ordered for row in result.rows]
        if name in _INT_COLUMNS:
            columns[name] = np.array(values, dtype="int64")
        elif name in _DATE_COLUMNS:
            columns[name] = np.array(values, dtype="object")
        else:  # text; a missing value (care type, county) is null
            columns[name] = pd.array(values, dtype="str")
    return pd.DataFrame(columns, columns=list(CHILDREN_COLUMNS))


def _performance_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(PERFORMANCE_COLUMNS))
    frame = frame.astype({"year": "int64", "performance_year": "int64",
                          **{f: "Int64" for f in PERFORMANCE_FIELDS},
                          "province_code": "str", "source_file": "str"})
    return frame.sort_values("province_code", kind="stable").reset_index(drop=True)


def _summary_frame(results: list[_FileResult], unread: set[str]) -> pd.DataFrame:
    counts: dict[str, dict[str, int]] = {c: dict.fromkeys(SUMMARY_COLUMNS[1:], 0) for c in unread}
    for result in results:
        c = counts.setdefault(result.code, dict.fromkeys(SUMMARY_COLUMNS[1:], 0))
        c["rows_read"] += result.rows_read
        c["accepted"] += len(result.rows)
        c["corrected"] += sum(row.corrected for row in result.rows)
        c["rejected"] += result.rejected
        c["blank_rows"] += result.blank_rows
    frame = pd.DataFrame(
        [{"province_code": code, **values} for code, values in sorted(counts.items())],
        columns=list(SUMMARY_COLUMNS),
    )
    return frame.astype({"province_code": "str", **{c: "int64" for c in SUMMARY_COLUMNS[1:]}})


def _sort_findings(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(_row=frame["row"].fillna(0)).sort_values(["file", "_row"], kind="stable").index
    return frame.loc[order].reset_index(drop=True)


# --- on disk --------------------------------------------------------------------------------
_TABLES = ("children", "performance", "findings", "summary")


def write_clean(intake: Intake, out_dir: Path) -> list[Path]:
    """Write the four tables as parquet and ``quality.xlsx`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in _TABLES:
        path = out_dir / f"{name}.parquet"
        getattr(intake, name).to_parquet(path, index=False)
        paths.append(path)
    paths.append(write_quality_workbook(intake.summary, intake.findings, out_dir / "quality.xlsx"))
    return paths


def read_clean(clean_dir: Path) -> Intake:
    """Read back what :func:`write_clean` wrote (the year is the folder's name, ``clean/<Y>``)."""
    clean_dir = Path(clean_dir)
    tables = {name: pd.read_parquet(clean_dir / f"{name}.parquet") for name in _TABLES}
    findings = tables["findings"]
    lost = findings[findings["action"] == UNREADABLE]
    unreadable = tuple(f"{file}: {detail}" for file, detail in zip(lost["file"], lost["detail"], strict=True))
    if clean_dir.name.isdigit():
        year = int(clean_dir.name)
    elif len(tables["children"]):
        year = int(tables["children"]["year"].iloc[0])
    else:
        year = int(tables["performance"]["year"].iloc[0]) if len(tables["performance"]) else 0
    return Intake(year=year, unreadable=unreadable, **tables)
