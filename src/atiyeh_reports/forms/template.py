"""The form HQ sends to each province: its columns, variants, drop-downs and date checks.

The children sheet's columns (:data:`_COLUMNS`: width, cell format, the guide's
instruction per field), the drop-down or check that guards each one
(:func:`_validation`: gender, guardianship, care type, county, a ten-character
check on the national ID and a Jalali-date check on the two date columns,
:func:`date_check`), how forms are named (:func:`form_filename`, :func:`form_year`)
and sized (:func:`form_rows`). The layout comes from :mod:`atiyeh_reports.core.layout`,
so the intake reads back exactly what is sent out; :mod:`atiyeh_reports.forms.write`
writes the workbooks.

A :class:`FormVariant` describes the departures from the sent form that real
returned forms show (a moved header row, renamed or reordered columns, a renamed
sheet, a misspelt province); the sample generator writes them.

``counties`` (now :func:`atiyeh_reports.core.provinces.counties`) and the workbook
writer's ``save_workbook``, ``write_table`` and ``set_value`` are importable from
here as before; ``write_forms`` and ``write_form`` are in :mod:`atiyeh_reports.forms.write`
(and :mod:`atiyeh_reports.forms`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import jdatetime
import pandas as pd
from openpyxl.worksheet.datavalidation import DataValidation

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.provinces import by_code, counties, name_fa, provinces
from atiyeh_reports.core.text import to_ascii_digits
from atiyeh_reports.io.xlsx import save_workbook, set_value, write_table

__all__ = [
    "FormVariant", "counties", "date_check", "fixed_timestamp", "form_filename", "form_rows", "form_year",
    "save_workbook", "set_value", "write_table",
]

#: The hidden sheet that holds the county list the drop-down refers to.
SHEET_LISTS = "lists"
#: Blank forms carry between this many pre-formatted rows...
MIN_FORM_ROWS = 200
#: ...and this many; in between, about twice the province's expected children.
MAX_FORM_ROWS = 3000
#: Expected children in a year nationwide (service card), used to size blank forms.
EXPECTED_CHILDREN = 9920
#: Returned forms written with data carry this many open rows after the last one.
SPARE_ROWS = 20
#: How dates are to be typed (shown in the guide and the input messages).
DATE_EXAMPLE = "1403/01/05"

_FIELD_TO_HEADER = {f: h for h, f in layout.CHILDREN_COLUMNS.items()}
_FIELDS = tuple(layout.CHILDREN_COLUMNS.values())


@dataclass(frozen=True)
class _Column:
    width: float
    number_format: str
    how_to_fill: str


#: Per field: width, cell format and the guide's instruction. Text fields are '@'
#: so Excel keeps leading zeros and does not turn 1403/01/05 into a date.
_COLUMNS: dict[str, _Column] = {
    "row": _Column(7, "General", "شماره ردیف (۱، ۲، ۳، ...). اختیاری است."),
    "national_id": _Column(
        14, "@",
        "کد ملی ۱۰ رقمی فرزند، با صفرهای ابتدایی (مثلاً 0012345678)، بدون خط تیره و فاصله.",
    ),
    "first_name": _Column(14, "@", "نام فرزند، همان‌گونه که در شناسنامه آمده است."),
    "last_name": _Column(18, "@", "نام خانوادگی فرزند."),
    "gender": _Column(9, "@", f"از فهرست کشویی انتخاب کنید: {' یا '.join(vocab.GENDERS)}."),
    "birth_date": _Column(
        12, "@", f"تاریخ تولد شمسی به صورت سال/ماه/روز، مثلاً {DATE_EXAMPLE}."
    ),
    "guardianship": _Column(
        13, "@", f"از فهرست کشویی انتخاب کنید: {' یا '.join(vocab.GUARDIANSHIPS)}."
    ),
    "care_type": _Column(
        22, "@", f"نوع نگهداری را از فهرست کشویی انتخاب کنید: {'، '.join(vocab.CARE_TYPES)}."
    ),
    "court_order": _Column(
        22, "@", "شماره دستور (حکم) قضایی پذیرش فرزند. بدون آن فرزند مشمول بیمه نمی‌شود."
    ),
    "admission_date": _Column(
        12, "@", f"تاریخ پذیرش در بهزیستی، شمسی، مثلاً {DATE_EXAMPLE}."
    ),
    "county": _Column(
        16, "@", "شهرستان محل سکونت فرزند را از فهرست کشویی انتخاب کنید."
    ),
}


@dataclass(frozen=True)
class FormVariant:
    """How a returned form departs from the form HQ sent.

    The default is the form as sent. The sample generator uses the other
    settings to write the departures the intake must cope with.

    Attributes
    ----------
    header_row
        Excel row of the children header (at least 4: rows 1–3 hold the titles).
    children_sheet
        Name of the children sheet.
    title
        The whole province title cell (A1), e.g. a misspelt ``'استان آذربايجان شرقي'``;
        ``'استان: <official name>'`` when None.
    headers
        Header text per field (or extra column), replacing the Persian header.
    columns
        Fields in column order; may leave fields out or name extra columns
        present in ``children``. The layout's order when None.
    """

    header_row: int = layout.CHILDREN_HEADER_ROW
    children_sheet: str = layout.SHEET_CHILDREN
    title: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None

    def header(self, name: str) -> str:
        """The header written for field (or extra column) ``name``."""
        return self.headers.get(name, _FIELD_TO_HEADER.get(name, name))

    def column_order(self, children: pd.DataFrame | None = None) -> tuple[str, ...]:
        """Fields and extra columns in the order they are written."""
        if self.columns is not None:
            return self.columns
        extra = tuple(c for c in children.columns if c not in _FIELDS) if children is not None else ()
        return _FIELDS + extra


def form_filename(province_code: str, year: int | None = None) -> str:
    """``<code>_<Persian name>_<year>.xlsx`` (``<code>_<Persian name>.xlsx`` without a year),
    spaces as underscores (safe in Makefiles). The forms HQ sends carry the year, so two
    years' forms never share a name; the intake reads the code, not the rest."""
    stem = f"{province_code}_{name_fa(province_code).replace(' ', '_')}"
    return f"{stem}_{year}.xlsx" if year is not None else f"{stem}.xlsx"


_FORM_NAME = re.compile(r"^(IR-\d\d)_[^/]*?(?:_(\d{4}))?\.xlsx$")
_TITLE_YEAR = re.compile(r"<t[^>]*>" + re.escape(layout.YEAR_LABEL) + r": ([۰-۹0-9]{4})</t>")


def form_year(path: Path) -> int | None:
    """The year a form this package wrote is for: from its name, else from its year title row."""
    match = _FORM_NAME.match(Path(path).name)
    if match is None:
        return None
    if match.group(2):
        return int(match.group(2))
    try:
        with zipfile.ZipFile(path) as zf:
            sheet = zf.read("xl/worksheets/sheet1.xml")[:20_000].decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile, KeyError):
        return None
    title = _TITLE_YEAR.search(sheet)
    return int(to_ascii_digits(title.group(1))) if title else None


def form_rows(province_code: str) -> int:
    """Pre-formatted rows of a blank form: about twice the province's expected children."""
    total = sum(p.population for p in provinces())
    expected = EXPECTED_CHILDREN * by_code()[province_code].population / total
    rows = math.ceil(2 * expected / 100) * 100
    return max(MIN_FORM_ROWS, min(MAX_FORM_ROWS, rows))


def fixed_timestamp(year: int) -> dt.datetime:
    """1 Farvardin of ``year`` (Gregorian, midnight): the stamp put in every workbook."""
    return dt.datetime.combine(jdatetime.date(year, 1, 1).togregorian(), dt.time())


def _validation(name: str, county_range: str, top_left: str) -> DataValidation | None:
    """The drop-down or check of a field (whose first data cell is ``top_left``), or None for free text."""
    def listed(values: Sequence[str], title: str) -> DataValidation:
        return DataValidation(
            type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
            showErrorMessage=True, errorTitle=title,
            error=f"یکی از این مقادیر را انتخاب کنید: {'، '.join(values)}",
        )

    if name == "gender":
        return listed(vocab.GENDERS, "جنسیت")
    if name == "guardianship":
        return listed(vocab.GUARDIANSHIPS, "وضعیت سرپرستی")
    if name == "care_type":
        return listed(vocab.CARE_TYPES, "نوع نگهداری")
    if name == "county":
        # A warning, not a stop: a county missing from the list may still be typed.
        return DataValidation(
            type="list", formula1=county_range, allow_blank=True, showErrorMessage=True,
            errorStyle="warning", errorTitle="شهرستان",
            error="این شهرستان در فهرست نیست. اگر درست است، ادامه دهید.",
        )
    if name == "national_id":
        return DataValidation(
            type="textLength", operator="equal", formula1="10", allow_blank=True,
            showErrorMessage=True, errorTitle="کد ملی",
            error="کد ملی باید ۱۰ رقم باشد، با صفرهای ابتدایی (مثلاً 0012345678).",
            showInputMessage=True, promptTitle="کد ملی", prompt="۱۰ رقم، بدون خط تیره و فاصله",
        )
    if name in ("birth_date", "admission_date"):
        return DataValidation(
            type="custom", formula1=date_check(top_left), allow_blank=True,
            showErrorMessage=True, errorTitle="تاریخ شمسی",
            error=f"تاریخ را شمسی و به صورت سال/ماه/روز با چهار رقم سال بنویسید، مثلاً {DATE_EXAMPLE} "
                  "(یا 14030105).",
            showInputMessage=True, promptTitle="تاریخ شمسی",
            prompt=f"به صورت سال/ماه/روز، مثلاً {DATE_EXAMPLE}",
        )
    return None


def date_check(ref: str) -> str:
    """The date columns' validation formula for the cell ``ref`` (the range's first cell).

    A text check of the forms the intake reads (:func:`atiyeh_reports.core.jalali.parse_jalali`):
    8 to 10 characters (``1403/01/05``, ``1403/1/5``, ``1403-01-05``, ``14030105``) whose
    year begins 13 or 14 in Latin, Persian or Arabic-Indic digits; or a date cell. The
    intake still decides (it checks the calendar); this stops a typo at the keyboard.
    """
    starts = ",".join(f'LEFT({ref},2)="{p}"' for p in ("13", "14", "۱۳", "۱۴", "١٣", "١٤"))
    return f"OR(ISNUMBER({ref}),AND(LEN({ref})>=8,LEN({ref})<=10,OR({starts})))"
