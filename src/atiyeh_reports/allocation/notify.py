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

from atiyeh_reports.allocation import views
from atiyeh_reports.allocation.allocate import allocation_totals
from atiyeh_reports.core.params import Params, params_digest
from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.io import xlsx as workbook

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
    method = views.METHOD_FA[params.budget.method]
    return (
        f"{params.service.name_fa} — جدول ابلاغ اعتبار به استان‌ها — سال "
        f"{to_persian_digits(params.year)} — روش توزیع: {method}"
    )


def _number_format(header: str) -> str | None:
    if header in views.MONEY_COLUMNS_FA or header in views.INTEGER_COLUMNS_FA:
        return MONEY_FORMAT
    if header in views.PERCENT_COLUMNS_FA:
        return PERCENT_FORMAT
    if header == views.ALLOCATION_FA["weight"]:
        return WEIGHT_FORMAT
    return None


def _write_allocation_sheet(ws: Worksheet, params: Params, table: pd.DataFrame) -> None:
    shown = views.allocation_table_fa(params, table)
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

    totals = allocation_totals(params, table)
    notes = [
        (views.LABEL_DISTRIBUTABLE, totals.distributable),
        ("جمع اعتبار ابلاغی", totals.allocated),
        ("توزیع‌نشده (در ستاد می‌ماند)", totals.unallocated),
        ("کمتر از یک واحد گرد کردن (به ذخیره ستاد افزوده می‌شود)", totals.sub_unit_remainder),
    ]
    amount_col = headers.index(views.ALLOCATION_FA["allocated"]) + 1  # under the allocations
    for k, (label, amount) in enumerate(notes):
        row = last + 2 + k
        _put(ws, row, 1, label).font = _PLAIN
        cell = _put(ws, row, amount_col, amount)
        cell.number_format, cell.font = MONEY_FORMAT, _PLAIN

    widths = {views.ALLOCATION_FA["province_name"]: 22}
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


#: Kinds of parameter value, and how the parameters sheet writes each.
YEAR, SHARE, RATIO, RIALS, COUNT, FLAG, DATE, TEXT, LIST, YEARS, SHARES, METHOD = (
    "year", "share", "ratio", "rials", "count", "flag", "date", "text", "list", "years", "shares", "method")
YEAR_FORMAT = "0"  # 1404, never 1,404
RATIO_FORMAT = "0.00"
#: What an empty mapping (no province floors) shows.
NONE_FA = "ندارد"
COUNT_FORMAT = "#,##0"
YES, NO = "بله", "خیر"
#: What a key without a label shows, before the key itself: visible, never silent.
UNLABELLED = "بدون عنوان فارسی"

#: Dotted key (as :func:`flatten_params` gives it) → (Persian label, kind of value).
PARAM_LABELS_FA: dict[str, tuple[str, str]] = {
    "year": ("سال گزارش", YEAR),
    "language": ("زبان گزارش‌ها", TEXT),
    "history_years": ("سال‌های پیشین برای مقایسه", YEARS),
    "service.id": ("شناسهٔ خدمت", TEXT),
    "service.name_fa": ("نام خدمت", TEXT),
    "service.per_capita_premium": ("سرانهٔ حق بیمهٔ هر فرزند در سال (ریال)", RIALS),
    "service.expected_recipients": ("شمار پیش‌بینی‌شدهٔ مشمولان (نفر)", COUNT),
    "budget.approved_credit": ("اعتبار مصوب (ریال)", RIALS),
    "budget.released_share": ("سهم تخصیص از اعتبار مصوب", SHARE),
    "budget.reserve_share": ("سهم ذخیرهٔ ستاد از اعتبار تخصیص‌یافته", SHARE),
    "budget.rounding_unit": ("واحد گرد کردن اعتبار ابلاغی (ریال)", RIALS),
    "budget.method": ("روش توزیع", METHOD),
    "budget.performance_weights.absorption": ("وزن جذب اعتبار در روش وزنی", SHARE),
    "budget.performance_weights.coverage": ("وزن پوشش بیمه در روش وزنی", SHARE),
    "budget.performance_weights.floor": ("کمینهٔ ضریب وزنی هر استان", RATIO),
    "budget.performance_weights.cap": ("بیشینهٔ ضریب وزنی هر استان", RATIO),
    "budget.floor_last_year": ("ابلاغ هر استان دست‌کم به اندازهٔ سال قبل", FLAG),
    "budget.province_floors": ("کف اعتبار استان‌ها (ریال)", RIALS),
    "budget.province_caps": ("سقف اعتبار استان‌ها (ریال)", RIALS),
    "budget.sensitivity_shares": ("سهم‌های تخصیص در تحلیل حساسیت", SHARES),
    "budget.projection_years": ("سال‌های پیش‌بینی", COUNT),
    "budget.premium_growth": ("رشد سالانهٔ سرانه", SHARE),
    "eligibility.age_limit": ("سن مشمولیت: کمتر از (سال) در ۱ فروردین", COUNT),
    "eligibility.guardianship": ("وضعیت‌های سرپرستی مشمول", LIST),
    "eligibility.require_court_order": ("دستور قضایی لازم است", FLAG),
    "thresholds.coverage_target": ("هدف پوشش بیمه", SHARE),
    "thresholds.absorption_target": ("هدف جذب اعتبار", SHARE),
    "thresholds.max_issue_delay_days": ("بیشترین فاصلهٔ مجاز صدور بیمه‌نامه از ارسال فهرست (روز)", COUNT),
    "thresholds.data_quality_target": ("بیشترین سهم قابل قبول ردیف‌های ردشده", SHARE),
    "privacy.small_cell_threshold": ("آستانهٔ شمارهای کوچک (کمتر از آن «<۵» نمایش داده می‌شود)", COUNT),
    "insurer.list_date": ("تاریخ ارسال فهرست فرزندان به بیمه‌گر", DATE),
    "checks.notified_record": ("سابقهٔ ابلاغ سال قبل ستاد (پرونده)", TEXT),
    "checks.money_tolerance": ("رواداری اختلاف مبلغ دو منبع (ریال)", RIALS),
    "checks.min_match_share": ("کمترین سهم فرزندان تطبیق‌یافته با خروجی بیمه‌گر", SHARE),
    "checks.count_tolerance": ("رواداری اختلاف شمار دو منبع", COUNT),
    "checks.stakes_high_rials": ("مبلغ در معرض برای اهمیت زیاد (ریال)", RIALS),
    "checks.stakes_medium_rials": ("مبلغ در معرض برای اهمیت متوسط (ریال)", RIALS),
    "limits.max_file_bytes": ("بیشترین اندازهٔ یک پروندهٔ ورودی (بایت)", COUNT),
    "limits.max_uncompressed_bytes": ("بیشترین حجم بازشدهٔ یک کارپوشه (بایت)", COUNT),
    "limits.max_rows": ("بیشترین سطرهای یک برگه", COUNT),
    "limits.max_columns": ("بیشترین ستون‌های یک برگه", COUNT),
    "params_sha256": ("اثر انگشت پارامترها (SHA-256)", TEXT),
}
#: Keys under these hold one entry per province (``budget.province_floors.IR-23``).
_PER_PROVINCE = ("budget.province_floors", "budget.province_caps")


def param_label(key: str) -> tuple[str, str]:
    """The Persian label and kind of one dotted parameter key.

    A province's floor or cap reads «کف اعتبار استان‌ها (ریال): تهران»; a key with no label
    reads «بدون عنوان فارسی: <key>» as text, so a new parameter shows up, never silently.
    """
    if key in PARAM_LABELS_FA:
        return PARAM_LABELS_FA[key]
    for prefix in _PER_PROVINCE:
        if key.startswith(prefix + "."):

            code = key[len(prefix) + 1:]
            province = by_code()[code].name_fa if code in by_code() else code
            return f"{PARAM_LABELS_FA[prefix][0]}: {province}", RIALS
    return f"{UNLABELLED}: {key}", TEXT


def _typed(value: Any, kind: str) -> tuple[Any, str | None]:
    """A parameter's value as the sheet holds it, and its number format (None: text as it is)."""
    if value is None or value == "":
        return (NONE_FA if kind == RIALS else ""), None  # an empty mapping: no province floors
    if kind == FLAG and isinstance(value, bool):
        return (YES if value else NO), None
    if kind == YEAR:
        return int(value), YEAR_FORMAT
    if kind == SHARE:
        return float(Decimal(str(value))), PERCENT_FORMAT
    if kind == RATIO:
        return float(Decimal(str(value))), RATIO_FORMAT
    if kind in (RIALS, COUNT) and not isinstance(value, bool):
        return int(value), MONEY_FORMAT if kind == RIALS else COUNT_FORMAT
    if kind == METHOD:
        return views.METHOD_FA.get(str(value), str(value)), None
    if kind == LIST:
        return "، ".join(v.strip() for v in str(value).split(",")), None
    if kind == YEARS:
        return "، ".join(str(v).strip() for v in str(value).split(",")), None
    if kind == SHARES:
        return "، ".join(f"{(Decimal(v.strip()) * 100).normalize():f}%" for v in str(value).split(",")), None
    return str(value), None  # dates are Jalali text as typed (1404/02/15), never a date cell


def _write_params_sheet(ws: Worksheet, params: Params) -> None:
    """Label, value (typed: year plain, shares as %, Rials with separators, flags بله/خیر), key."""
    ws.sheet_view.rightToLeft = True
    for j, header in enumerate(PARAMS_HEADERS, start=1):
        cell = _put(ws, 1, j, header)
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BOX
    for i, (key, value) in enumerate(flatten_params(params), start=2):
        label, kind = param_label(key)
        shown, number_format = _typed(value, kind)
        _put(ws, i, 1, label).font = _PLAIN
        cell = _put(ws, i, 2, shown)
        cell.font = _PLAIN
        # A long text (the 64-digit hash) shrinks to its cell rather than spilling over the key.
        cell.alignment = Alignment(horizontal="right", shrink_to_fit=len(str(shown)) > _VALUE_WIDTH)
        if number_format:
            cell.number_format = number_format
        _put(ws, i, 3, key).font = _PLAIN
    ws.column_dimensions["A"].width = 48
    ws.column_dimensions["B"].width = _VALUE_WIDTH
    ws.column_dimensions["C"].width = 32
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "portrait"  # a list of one page: scaled to the page's width


_VALUE_WIDTH = 30
#: The parameters sheet's columns: the label, the value, the key in the parameter file.
PARAMS_HEADERS = ("عنوان", "مقدار", "کلید در پروندهٔ پارامترها")


def write_allocation_workbook(params: Params, table: pd.DataFrame, path: str | Path) -> Path:
    """Write the allocation workbook for a letter and return its path.

    Parameters
    ----------
    params
        The year's parameters (service name, year, method; written to sheet 2).
    table
        The numeric :func:`atiyeh_reports.allocation.allocate.allocation_table`.
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
    # Same inputs, same bytes; no formula; both sheets print headed with the title and the year.
    workbook.save_workbook(wb, path, build_time(), year=params.year)
    return path
