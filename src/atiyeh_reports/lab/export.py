"""Any table to an Excel sheet a Persian reader can use: right to left, Persian headers, formats.

:func:`to_excel` goes through the package's reproducible, formula-safe workbook writer
(:func:`atiyeh_reports.io.xlsx.set_value` and :func:`~atiyeh_reports.io.xlsx.save_workbook`): the
same table gives the same bytes, and text is written as text, never as a formula.

>>> import pandas as pd, tempfile, pathlib
>>> from openpyxl import load_workbook
>>> t = pd.DataFrame({"province": ["تهران"], "eligible": [1200], "coverage": [0.953]})
>>> path = to_excel(t, pathlib.Path(tempfile.mkdtemp()) / "t.xlsx")
>>> ws = load_workbook(path).active
>>> [c.value for c in ws[1]], ws.sheet_view.rightToLeft
(['استان', 'واجد شرایط', 'پوشش بیمه'], True)
>>> ws["C2"].value, ws["C2"].number_format
(0.953, '0.0%')
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from numbers import Number
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from atiyeh_reports.analysis.views import COLUMNS_FA
from atiyeh_reports.core import layout
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.intake.quality import FINDING_HEADERS_FA
from atiyeh_reports.io.xlsx import save_workbook, set_value

__all__ = ["HEADERS_FA", "header_fa", "number_format", "to_excel"]

#: Persian headers of the columns the package's tables and views carry (beyond analysis.views.COLUMNS_FA,
#: the form's and the export's own headers).
HEADERS_FA: dict[str, str] = {
    "eligible": "واجد شرایط",
    "insured": "دارای بیمه‌نامهٔ فعال",
    "coverage": "پوشش بیمه",
    "policies": "بیمه‌نامه‌ها",
    "dated_policies": "بیمه‌نامه‌های تاریخ‌دار",
    "issued_late": "صادرشده با تأخیر",
    "median_delay_days": "میانهٔ تأخیر (روز)",
    "late_share": "سهم صدور با تأخیر",
    "cost_per_insured": "هزینهٔ هر بیمه‌شده (ریال)",
    "premium": "حق بیمه (ریال)",
    "performance_premium": "سرانهٔ سال عملکرد (ریال)",
    "cost_ratio": "هزینه هر بیمه‌شده به سرانه",
    "corrected_share": "سهم اصلاح‌شده",
    "birth_date_jalali": "تاریخ تولد (شمسی)",
    "admission_date_jalali": "تاریخ پذیرش (شمسی)",
    "issue_date_jalali": "تاریخ صدور (شمسی)",
    "birth_date": "تاریخ تولد",
    "admission_date": "تاریخ پذیرش",
    "issue_date": "تاریخ صدور",
    "source_file": "فایل",
    "source_row": "سطر",
    "policy_no": "شماره بیمه‌نامه",
    "status": "وضعیت بیمه‌نامه",
    "category": "گروه تطبیق",
    "sub_reason": "علت",
    "delay_days": "تأخیر (روز)",
    "policy_province": "کد استان در بیمه‌نامه",
    "policy_province_name": "استان در بیمه‌نامه",
    "child_province": "کد استان فرزند",
    "child_province_name": "استان فرزند",
    "county": "شهرستان",
    "court_order": "شماره دستور قضایی",
    "detail": "توضیح",
    "blank_rows": "سطرهای خالی",
    "reds": "شاخص‌های قرمز",
    "rank": "رتبه",
    "reasons": "دلایل پیگیری",
}
_CHANGE = "change"
_SHARES = re.compile(r"(^|_)(coverage|absorption|share|late_share|rejected_share|corrected_share|"
                     r"cost_ratio|policy_rate|growth)(_|$)")
_MONEY = re.compile(r"(credit|premium|cost_per_insured|rials|allocated|requirement)")
_STAMP = dt.datetime(1980, 1, 1)  # a fixed time: the same table gives the same bytes
_BOLD = Font(bold=True)
_FILL = PatternFill("solid", fgColor="DDEBF7")
_MAX_WIDTH = 50


@cache
def _all_headers() -> dict[str, str]:

    headers = {f: h for h, f in layout.INSURER_COLUMNS.items()}
    headers.update({f: h for h, f in layout.PERFORMANCE_COLUMNS.items()})
    headers.update({f: h for h, f in layout.CHILDREN_COLUMNS.items()})
    headers.update(FINDING_HEADERS_FA)
    headers.update(COLUMNS_FA)
    headers.update(HEADERS_FA)
    return headers


def header_fa(column: object) -> str:
    """The Persian header of a column name; a name already in Persian (or unknown) as it is.

    ``<indicator>_<year>`` and ``<indicator>_change`` (:func:`~atiyeh_reports.lab.explore.compare`)
    read «پوشش بیمه ۱۴۰۳» and «تغییر پوشش بیمه».

    >>> header_fa("coverage_1403"), header_fa("coverage_change"), header_fa("استان")
    ('پوشش بیمه ۱۴۰۳', 'تغییر پوشش بیمه', 'استان')
    """
    name = str(column)
    headers = _all_headers()
    if name in headers:
        return headers[name]
    base, _, suffix = name.rpartition("_")
    if base in headers and suffix.isdigit():
        return f"{headers[base]} {to_persian_digits(suffix)}"
    if base in headers and suffix == _CHANGE:
        return f"تغییر {headers[base]}"
    return to_persian_digits(name) if re.search("[\u0600-\u06ff]", name) else name


#: The format of a year column: a plain number.
YEAR_FORMAT = "0"


def _is_year(name: str) -> bool:
    return name in ("year", "سال") or name.endswith("_year") or name.startswith("سال ")


def number_format(column: object, series: pd.Series) -> str:
    """The Excel number format of a column: shares as percentages, money and counts with
    thousands separators, years as plain numbers (``year``, ``سال``), dates as dates,
    text as it is."""
    name = str(column)
    values = series.dropna()
    if len(values) and all(isinstance(v, (dt.date, pd.Timestamp)) for v in values.head(50)):
        return "yyyy-mm-dd"
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if not numeric:
        return "General"
    if _SHARES.search(name) or name.startswith(("سهم", "پوشش", "نسبت", "جذب", "تغییر پوشش")):
        return "0.0%"
    if _is_year(name):
        return YEAR_FORMAT  # 1404, never 1,404
    if pd.api.types.is_integer_dtype(series) or all(
            isinstance(v, Number) and float(v).is_integer() for v in values):
        return "#,##0"
    return "#,##0.00"


def _frame(table: pd.DataFrame | pd.Series) -> pd.DataFrame:
    if isinstance(table, pd.Series):
        table = table.to_frame(name=table.name if table.name is not None else "value")
    named_index = any(n is not None for n in table.index.names)
    if named_index or not isinstance(table.index, pd.RangeIndex):
        table = table.reset_index()
    if isinstance(table.columns, pd.MultiIndex):
        table = table.set_axis([" ".join(str(p) for p in c if str(p)) for c in table.columns], axis=1)
    return table


def to_excel(table: pd.DataFrame | pd.Series, path: str | Path, *, sheet: str = "جدول",
             persian_headers: bool = True, title: str | None = None, year: int | None = None) -> Path:
    """Write ``table`` as a one-sheet, right-to-left workbook and return its path.

    Headers become Persian (:func:`header_fa`: the package's column names have Persian
    headers; Persian or unknown names stay as they are) and bold, the header row is frozen,
    columns get a number format each (:func:`number_format`: ``0.0%`` for shares, ``#,##0``
    for money and counts, dates as dates). A named or non-default index is written as
    columns. Values are written as values: text beginning with ``=`` stays text, never a
    formula. The folder is created when needed. The sheet prints one page wide, its header
    row on every page, headed with ``title`` (default: the sheet's name) and ``year``
    (default: a year in the title or the year folder of ``path``), footed «صفحهٔ n از N».
    No names or IDs are removed: write
    :func:`~atiyeh_reports.lab.explore.view` tables, not the clean ones, for anything shared.

    >>> import pandas as pd, tempfile, pathlib
    >>> from openpyxl import load_workbook
    >>> t = pd.DataFrame({"مشکل": ["=1+1"], "credit_spent": [4_442_400_000]})
    >>> ws = load_workbook(to_excel(t, pathlib.Path(tempfile.mkdtemp()) / "x.xlsx")).active
    >>> ws["A2"].value, ws["A2"].data_type, ws["B2"].number_format
    ('=1+1', 's', '#,##0')
    """
    frame = _frame(table)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = Workbook()
    ws = wb.active
    ws.title = sheet[:31]
    ws.sheet_view.rightToLeft = True
    formats = [number_format(c, frame[c]) for c in frame.columns]
    for col, name in enumerate(frame.columns, start=1):
        cell = ws.cell(row=1, column=col)
        set_value(cell, header_fa(name) if persian_headers else str(name))
        cell.font, cell.fill = _BOLD, _FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for r, record in enumerate(frame.itertuples(index=False, name=None), start=2):
        for col, (value, fmt) in enumerate(zip(record, formats, strict=True), start=1):
            cell = ws.cell(row=r, column=col)
            set_value(cell, value)  # set_value converts (io.xlsx.plain_value)
            if cell.value is not None and fmt != "General" and not isinstance(cell.value, str):
                cell.number_format = fmt
    for col, name in enumerate(frame.columns, start=1):
        longest = max([len(str(header_fa(name)))] + [len(str(v)) for v in frame.iloc[:200, col - 1]])
        ws.column_dimensions[get_column_letter(col)].width = min(_MAX_WIDTH, max(8, longest + 2))
    ws.freeze_panes = "A2"
    return save_workbook(wb, path, _STAMP, title=title, year=year)
