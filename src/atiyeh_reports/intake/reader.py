"""Opening a returned form (calamine, openpyxl as the fallback) and finding its sheets and header."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Protocol

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from atiyeh_reports.core import layout
from atiyeh_reports.core.params import Limits
from atiyeh_reports.core.text import normalize_key
from atiyeh_reports.intake.common import (
    _FIELD_HEADER,
    _HEADER_FIELDS,
    _JUDGED,
    _PERFORMANCE_HEADER_FIELDS,
    HEADER_SEARCH_ROWS,
    _filled,
    _find_header,
    _Header,
    _Unreadable,
)
from atiyeh_reports.intake.quality import CORRECTED, WARNING, Finding, Problem

# The zip scan lives in intake.scan; its names stay importable from here (the insurer reader uses them).
from atiyeh_reports.intake.scan import (  # noqa: F401 - re-exported
    _ERROR_CELL_MARKS,
    _MAX_FACTS,
    _OLE_SIGNATURE,
    _ZIP_SIGNATURE,
    MAX_STRAY_CELLS,
    _check_extent,
    _check_file,
    _Checked,
    _scan_sheet,
    _sheet_names,
    _SheetFacts,
    _Stray,
    _too_large,
    _without_stray_cells,
)


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
    hidden_rows: frozenset[int] = frozenset()  # Excel rows of the children sheet that are hidden
    error_cells: bool = False  # whether a cell may hold an Excel error value (#N/A, #REF!, ...)
    raw: list[list] | None = None  # calamine's own cells of ``rows`` (for :mod:`intake.columns`)

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
        return map(_openpyxl_values, self.raw_rows(name, start))

    def raw_rows(self, name: str, start: int) -> list[list]:
        """The rows from 0-based ``start`` on, as calamine gives them ('' for empty, floats, dates)."""
        # skip_empty_area=False: rows and columns counted from A1, as in the form
        grid = self._sheet(name).to_python(skip_empty_area=False)
        return grid[start:] if isinstance(grid, list) else list(islice(grid, start, None))

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


def _open(path: Path, checked: _Checked | None = None) -> _Book:
    """Open a returned form with calamine, or openpyxl when only it reads the file right.

    ``checked`` is what :func:`_check_file` found (it is run here when not given).
    """
    checked = checked or _check_file(path)
    if checked.stray:  # a reader would allocate a grid up to the stray cell: read a copy without it
        raise _Unreadable(Problem.TOO_LARGE, "a worksheet holds cells far beyond the limits "
                                             f"({', '.join(checked.stray)}); delete them and save again")
    if checked.error_cells:
        return _open_with_openpyxl(path, None)
    try:
        return _CalamineBook(path)
    except CalamineError as exc:
        if not checked.zip:  # an .xls or .ods: openpyxl reads neither
            raise _Unreadable(Problem.UNREADABLE_FILE, f"{type(exc).__name__}: {exc}") from None
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
        return _check_file(path, Limits()).error_cells
    except _Unreadable:
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
    raw = wb.raw_rows(name, header.row) if isinstance(wb, _CalamineBook) else None
    rows = map(_openpyxl_values, raw) if raw is not None else wb.rows(name, header.row)
    perf_name = next((n for n, k in sheets.items() if k == performance_key), None)
    form = _Form(path, name, header, top[: header.row - 1], rows, None, perf_name, raw=raw)
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


def _column_name(form: _Form, index: int) -> str:
    """The header of a 0-based column as written, else its letter."""
    for name, at in form.header.columns.items():
        if at == index:
            return form.header.written[name]
    for at, written in (*form.header.extra, *form.header.duplicates):
        if at == index:
            return written
    return get_column_letter(index + 1)


def _sheet_findings(form: _Form, wb: _Book, checked: _Checked, code: str | None) -> list[Finding]:
    """Hidden sheets that were read; merged cells and formulas without a cached value in the data area.

    Also marks on ``form`` its hidden rows and whether error values can occur, for the row loop.
    """

    file, sheet, header_row = form.file, form.sheet, form.header.row
    out: list[Finding] = []
    for name in (sheet, form.performance_sheet):
        if name is not None and wb.is_worksheet(name) and not wb.readable(name):
            out.append(Finding(file, name, None, None, name, Problem.HIDDEN_SHEET, WARNING, None, code,
                               detail="the sheet is hidden in the workbook; it was read all the same"))
    facts = checked.sheets.get(sheet)
    form.error_cells = checked.error_cells
    if facts is None:
        return out
    form.hidden_rows = frozenset(r for r in facts.hidden_rows if r > header_row)
    for ref in sorted(facts.merged, key=lambda r: range_boundaries(r)[1::-1]):
        min_col, min_row, _, max_row = range_boundaries(ref)
        if max_row > header_row:
            out.append(Finding(file, sheet, min_row, _column_name(form, min_col - 1), ref, Problem.MERGED_CELLS,
                               WARNING, None, code,
                               detail=f"merged range {ref}: only its first cell holds a value; unmerge it"))
    for ref in sorted(facts.formulas_without_value, key=coordinate_to_tuple):
        row, col = coordinate_to_tuple(ref)
        if row > header_row:
            out.append(Finding(file, sheet, row, _column_name(form, col - 1), ref, Problem.FORMULA_NO_VALUE,
                               WARNING, None, code,
                               detail="the formula was saved without its result (a script wrote it?); "
                                      "open the form in Excel, let it calculate and save, or type the value"))
    return out


def _stray_findings(stray: list[_Stray], file: str, code: str | None) -> list[Finding]:
    """A finding for each stray cell left out (at most :data:`MAX_STRAY_CELLS`, then how many more)."""
    out = []
    for cell in stray[:MAX_STRAY_CELLS]:
        limit = cell.limit
        out.append(Finding(
            file, cell.sheet, cell.row, cell.ref.rstrip("0123456789"), cell.ref, Problem.STRAY_CELL, WARNING,
            None, code,
            detail=f"cell {cell.ref} lies beyond limits.{limit} and far from the data; it was not read. "
                   "Delete it (or the empty rows and columns up to it) and save the form again"))
    if len(stray) > MAX_STRAY_CELLS:
        out.append(Finding(file, stray[0].sheet, None, None, f"{len(stray) - MAX_STRAY_CELLS:,} more",
                           Problem.STRAY_CELL, WARNING, None, code,
                           detail=f"{len(stray) - MAX_STRAY_CELLS:,} more stray cells were not read"))
    return out
