"""The notification workbook (ابلاغ اعتبار): the allocation table to attach to a letter.

``outputs/<year>/allocation.xlsx`` has two sheets: the allocation, one row per
province and a total row, laid out right to left and set up to print on one
landscape page width; and the parameters the allocation was computed with.
Every cell holds a value, never a formula: text that starts with ``=`` (a
province or service name typed into a parameter file, say) is stored as text,
so opening the file can never run anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from atiyeh_reports import budget, workbook
from atiyeh_reports.provenance import build_time
from atiyeh_reports.params import Params, params_digest
from atiyeh_reports.text import to_persian_digits

SHEET_ALLOCATION = "ابلاغ اعتبار"
SHEET_PARAMS = "پارامترها"
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
FONT_NAME = "Tahoma"  # present on the Windows machines letters are written on

MONEY_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
WEIGHT_FORMAT = "0.000"

_BOLD = Font(name=FONT_NAME, bold=True)
_PLAIN = Font(name=FONT_NAME)
_TITLE = Font(name=FONT_NAME, bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one value through the one writer: text always as text (a leading '=' never makes a formula).

    Decimal weights and shares are numbers here (the writer keeps a Decimal as its exact text).
    """
    if isinstance(value, Decimal):
        value = float(value)
    return workbook.put(ws, row, column, value)


def _title(params: Params) -> str:
    method = budget.METHOD_FA[params.budget.method]
    return (
        f"{params.service.name_fa} — جدول ابلاغ اعتبار به استان‌ها — سال "
        f"{to_persian_digits(params.year)} — روش توزیع: {method}"
    )


def _number_format(header: str) -> str | None:
    if header in budget.MONEY_COLUMNS_FA or header in budget.INTEGER_COLUMNS_FA:
        return MONEY_FORMAT
    if header in budget.PERCENT_COLUMNS_FA:
        return PERCENT_FORMAT
    if header == budget.ALLOCATION_FA["weight"]:
        return WEIGHT_FORMAT
    return None


def _write_allocation_sheet(ws: Worksheet, params: Params, table: pd.DataFrame) -> None:
    shown = budget.allocation_table_fa(params, table)
    headers = list(shown.columns)
    ncols = len(headers)
    ws.sheet_view.rightToLeft = True

    _put(ws, TITLE_ROW, 1, _title(params)).font = _TITLE
    ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
    ws.row_dimensions[TITLE_ROW].height = 30
    ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")

    for j, header in enumerate(headers, start=1):
        cell = _put(ws, HEADER_ROW, j, header)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = 45

    formats = [_number_format(h) for h in headers]
    last = FIRST_DATA_ROW + len(shown) - 1
    for i, record in enumerate(shown.itertuples(index=False, name=None)):
        row = FIRST_DATA_ROW + i
        is_total = row == last
        for j, value in enumerate(record, start=1):
            cell = _put(ws, row, j, value)
            cell.border = _BOX
            cell.font = _BOLD if is_total else _PLAIN
            if is_total:
                cell.fill = _TOTAL_FILL
            if formats[j - 1]:
                cell.number_format = formats[j - 1]

    totals = budget.allocation_totals(params, table)
    notes = [
        (budget.LABEL_DISTRIBUTABLE, totals.distributable),
        ("جمع اعتبار ابلاغی", totals.allocated),
        ("توزیع‌نشده (در ستاد می‌ماند)", totals.unallocated),
        ("کمتر از یک واحد گرد کردن (به ذخیره ستاد افزوده می‌شود)", totals.sub_unit_remainder),
    ]
    amount_col = headers.index(budget.ALLOCATION_FA["allocated"]) + 1  # under the allocations
    for k, (label, amount) in enumerate(notes):
        row = last + 2 + k
        _put(ws, row, 1, label).font = _PLAIN
        cell = _put(ws, row, amount_col, amount)
        cell.number_format, cell.font = MONEY_FORMAT, _PLAIN

    widths = {budget.ALLOCATION_FA["province_name"]: 22}
    for j, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(header, 18)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages tall as needed
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.print_options.horizontalCentered = True


def flatten_params(params: Params) -> list[tuple[str, Any]]:
    """The parameters as (dotted key, value) pairs; lists joined with ', ', decimals as text."""
    data = params.model_dump(mode="json", exclude={"source", "data_dir"})  # no server paths in a letter

    def walk(prefix: str, node: Any) -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            if not node:
                yield prefix, ""
            for key, value in node.items():
                yield from walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, list):
            yield prefix, ", ".join(str(v) for v in node)
        else:
            yield prefix, node

    pairs = list(walk("", data))
    pairs.append(("params_sha256", params_digest(params)))
    return pairs


def _write_params_sheet(ws: Worksheet, params: Params) -> None:
    ws.sheet_view.rightToLeft = True
    for j, header in enumerate(("کلید", "مقدار"), start=1):
        cell = _put(ws, 1, j, header)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BOX
    for i, (key, value) in enumerate(flatten_params(params), start=2):
        _put(ws, i, 1, key).font = _PLAIN
        cell = _put(ws, i, 2, value if isinstance(value, int) and not isinstance(value, bool)
                    else ("" if value is None else str(value)))
        cell.font = _PLAIN
        if isinstance(value, int) and not isinstance(value, bool):
            cell.number_format = MONEY_FORMAT
    ws.column_dimensions["A"].width = 42
    ws.column_dimensions["B"].width = 70
    ws.freeze_panes = "A2"


def write_allocation_workbook(params: Params, table: pd.DataFrame, path: str | Path) -> Path:
    """Write the allocation workbook for a letter and return its path.

    Parameters
    ----------
    params
        The year's parameters (service name, year, method; written to sheet 2).
    table
        The numeric :func:`atiyeh_reports.budget.allocation_table`.
    path
        Where to write (``outputs/<year>/allocation.xlsx``); parent folders are made.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_ALLOCATION
    _write_allocation_sheet(ws, params, table)
    _write_params_sheet(wb.create_sheet(SHEET_PARAMS), params)
    wb.properties.title = _title(params)
    wb.properties.creator = "atiyeh_reports"
    workbook.save_workbook(wb, path, build_time())  # same inputs, same bytes; no formula
    return path
