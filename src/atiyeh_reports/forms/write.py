"""Writing the forms: the 31 blank forms of a year, or one province's form, blank or filled.

HQ writes one workbook per province (:func:`write_forms`): a right-to-left
children sheet whose title rows (province, year) are filled in and locked,
whose header row is locked, and whose data cells are open, pre-formatted and
guarded by the drop-downs and checks of :mod:`atiyeh_reports.forms.template`;
a sheet for last year's performance; a Persian guide; and a hidden sheet
holding the province's counties for the county drop-down.

The same writer fills a form with children and performance
(:func:`write_form` with ``children``/``performance``): the sample generator
uses it, with a :class:`~atiyeh_reports.forms.template.FormVariant` for the
departures real returned forms show. Values are written as given, so dirt
survives; text is never turned into a formula.

Workbooks are saved through :mod:`atiyeh_reports.io.xlsx`, the package's one
writer: byte-for-byte reproducible (the build hashes its inputs, and a form
written twice must hash the same) and formula-safe.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from atiyeh_reports.core import layout
from atiyeh_reports.core.params import FIRST_YEAR, LAST_YEAR
from atiyeh_reports.core.provinces import by_code, counties, name_fa, provinces
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.errors import AtiyehError, OutputError, ParamsError
from atiyeh_reports.forms.template import (
    _COLUMNS,
    _FIELD_TO_HEADER,
    DATE_EXAMPLE,
    SHEET_LISTS,
    SPARE_ROWS,
    FormVariant,
    _Column,
    _validation,
    fixed_timestamp,
    form_filename,
    form_rows,
    form_year,
)
from atiyeh_reports.io.xlsx import Rows, cell_xml, register_styles, save_workbook, set_value

__all__ = ["write_form", "write_forms"]

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_OPEN = Protection(locked=False)
#: Right-to-left reading order: a sentence ending in "." keeps its full stop at its left end.
_WRAP = Alignment(wrap_text=True, vertical="top", readingOrder=2)


def write_forms(year: int, out_dir: Path) -> list[Path]:
    """Write the 31 blank forms of ``year`` to ``out_dir`` (created if missing).

    The files are named with the year (:func:`form_filename`). A folder that
    already holds another year's forms is refused (:class:`OutputError`, exit 6),
    so forms already sent are never overwritten; a year outside the package's
    range is a :class:`ParamsError` (exit 2). Returns the paths in province-code order.
    """

    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ParamsError(
            f"--year {year}: forms are written for the Jalali years {FIRST_YEAR}–{LAST_YEAR} "
            "(a Gregorian year or a typo?)"
        )
    out_dir = Path(out_dir)
    _refuse_other_years(out_dir, year)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutputError(f"cannot make the forms folder {out_dir}: a file stands in the way") from None
    except OSError as exc:
        raise OutputError(f"cannot make the forms folder {out_dir}: {exc.strerror}") from None
    try:
        return [write_form(out_dir / form_filename(p.code, year), p.code, year) for p in provinces()]
    except OSError as exc:
        raise OutputError(
            f"cannot write the forms into {out_dir}: {exc.strerror} ({exc.filename}); "
            "pass --out with a writable folder"
        ) from None


def _refuse_other_years(out_dir: Path, year: int) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"forms folder {out_dir} is a file, not a folder; pass another --out")
    if not out_dir.is_dir():
        return
    others = sorted(
        (p.name, y) for p in out_dir.iterdir()
        if p.is_file() and (y := form_year(p)) is not None and y != year
    )
    if others:
        years = ", ".join(str(y) for y in sorted({y for _, y in others}))
        raise OutputError(
            f"forms folder {out_dir} already holds {len(others)} form(s) of {years} "
            f"({others[0][0]}, ...); nothing was written. Write the forms of {year} to their own "
            f"folder, e.g. --out outputs/forms/{year}"
        )


def write_form(
    path: Path,
    province_code: str,
    year: int,
    children: pd.DataFrame | None = None,
    performance: Mapping[str, object] | None = None,
    *,
    variant: FormVariant | None = None,
    rows: int | None = None,
) -> Path:
    """Write a province's form for ``year``, blank or filled, to ``path``.

    Parameters
    ----------
    path
        The .xlsx file to write (its folder must exist).
    province_code
        ISO 3166-2:IR code, e.g. ``'IR-23'``.
    year
        The report year Y; the performance sheet asks for Y-1.
    children
        Rows to write under the header, columns named after the fields of
        ``layout.CHILDREN_COLUMNS`` (plus any extra columns of ``variant``).
        Values are written as given (strings, numbers, datetimes; None/NaN
        leaves the cell empty). Missing fields stay empty.
    performance
        Field of ``layout.PERFORMANCE_COLUMNS`` → value for the values row.
    variant
        Departures from the sent form (see :class:`FormVariant`).
    rows
        Open, pre-formatted rows under the header. Default: :func:`form_rows`
        for a blank form, the children plus :data:`SPARE_ROWS` otherwise.

    Returns
    -------
    Path
        ``path``.
    """
    if province_code not in by_code():
        raise AtiyehError(f"{province_code!r} is not a province code; use one of IR-00 … IR-30")
    variant = variant or FormVariant()
    if variant.header_row < 4:
        raise AtiyehError(
            f"header_row {variant.header_row}: rows 1–3 hold the titles; use 4 or more"
        )
    if rows is None:
        rows = form_rows(province_code) if children is None else len(children) + SPARE_ROWS
    if children is not None and rows < len(children):
        raise AtiyehError(f"rows={rows} is fewer than the {len(children)} children to write")
    wb = Workbook()
    children_ws = wb.active
    children_ws.title = variant.children_sheet
    county_range = _write_lists(wb.create_sheet(SHEET_LISTS), counties(province_code))
    data_rows = _write_children_sheet(
        children_ws, province_code, year, children, variant, rows, county_range
    )
    _write_performance_sheet(wb.create_sheet(layout.SHEET_PERFORMANCE), province_code, year, performance)
    _write_guide(wb.create_sheet(layout.SHEET_GUIDE), year)
    wb.move_sheet(SHEET_LISTS, offset=len(wb.sheetnames) - 1 - wb.sheetnames.index(SHEET_LISTS))
    wb.active = 0
    wb.properties.title = f"فرم آتیه {name_fa(province_code)} {year}"
    wb.properties.creator = "سازمان بهزیستی کشور"
    # Every sheet prints headed with the province and the year (workbook.print_setup).
    return save_workbook(wb, Path(path), fixed_timestamp(year), rows={children_ws.title: data_rows},
                         title=f"فرم بیمهٔ تأمین آتیهٔ فرزندان — استان {name_fa(province_code)}", year=year)


def _write_lists(ws: Worksheet, county_names: Sequence[str]) -> str:
    ws.sheet_state = "hidden"
    ws.sheet_view.rightToLeft = True
    ws["A1"] = _FIELD_TO_HEADER["county"]
    ws["A1"].font = _BOLD
    for i, name in enumerate(county_names, start=2):
        ws.cell(row=i, column=1, value=name)
    ws.column_dimensions["A"].width = 20
    ws.protection.sheet = True
    return f"{SHEET_LISTS}!$A$2:$A${len(county_names) + 1}"


def _write_children_sheet(
    ws: Worksheet,
    province_code: str,
    year: int,
    children: pd.DataFrame | None,
    variant: FormVariant,
    rows: int,
    county_range: str,
) -> Rows:
    """Titles, header, drop-downs and protection; returns the data rows as XML.

    The data rows (thousands of pre-formatted cells) are built as XML text
    rather than openpyxl cells: openpyxl without lxml writes about 20,000
    cells a second, too slow for the 31 forms of three sample years.
    """
    ws.sheet_view.rightToLeft = True
    ws["A1"] = variant.title or f"{layout.PROVINCE_LABEL}: {name_fa(province_code)}"
    ws["A2"] = f"{layout.YEAR_LABEL}: {to_persian_digits(year)}"
    ws["A3"] = "فهرست فرزندان مشمول بیمه تأمین آتیه (بی‌سرپرست و بدسرپرست دارای دستور قضایی)"
    for ref in ("A1", "A2"):
        ws[ref].font = _TITLE
        ws[ref].fill = _LOCKED_FILL
    ws["A3"].font = _BOLD

    order = variant.column_order(children)
    header_row = variant.header_row
    first, last = header_row + 1, header_row + rows
    styles = register_styles(ws.parent, ("@", "General"), unlocked=True)
    formats: list[str] = []
    for col, name in enumerate(order, start=1):
        letter = get_column_letter(col)
        spec = _COLUMNS.get(name, _Column(16, "@", ""))
        formats.append(spec.number_format)
        head = ws.cell(row=header_row, column=col, value=variant.header(name))
        head.font = _BOLD
        head.fill = _HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if spec.how_to_fill:
            head.comment = Comment(spec.how_to_fill, "HQ", width=260, height=90)
        ws.column_dimensions[letter].width = spec.width
        validation = _validation(name, county_range, f"{letter}{first}")
        if validation is not None:
            validation.add(f"{letter}{first}:{letter}{last}")
            ws.add_data_validation(validation)
    ws.row_dimensions[header_row].height = 32  # two lines: «وضعیت سرپرستی» wraps
    # A coordinate, not ws.cell(...): a cell made here would put an empty <row> element for the
    # first data row into the sheet, and the data rows appended below would repeat it.
    ws.freeze_panes = f"A{first}"
    # Printed as a list to sign and file: landscape, one page wide, the header on every page.
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # people may widen columns
    ws.protection.formatRows = False

    columns = [
        children[name].tolist() if children is not None and name in children else []
        for name in order
    ]
    letters = [get_column_letter(c) for c in range(1, len(order) + 1)]

    def data_rows():  # streamed into the sheet while the workbook is saved
        for offset in range(rows):
            r = first + offset
            cells = "".join(
                cell_xml(f"{letters[c]}{r}", formats[c], values[offset] if offset < len(values) else None, styles)
                for c, values in enumerate(columns)
            )
            yield f'<row r="{r}">{cells}</row>'

    return Rows(data_rows(), first, f"A1:{letters[-1]}{last}")


def _write_performance_sheet(
    ws: Worksheet, province_code: str, year: int, performance: Mapping[str, object] | None
) -> None:
    ws.sheet_view.rightToLeft = True
    ws["A1"] = (
        f"عملکرد سال {to_persian_digits(year - 1)} استان {name_fa(province_code)}"
        " (اعتبار به ریال)"
    )
    ws["A1"].font = _TITLE
    row = layout.PERFORMANCE_HEADER_ROW
    whole = DataValidation(
        type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="عدد", error="یک عدد صحیح نامنفی (بدون ممیز) بنویسید.",
    )
    for col, (header, name) in enumerate(layout.PERFORMANCE_COLUMNS.items(), start=1):
        letter = get_column_letter(col)
        head = ws.cell(row=row, column=col, value=header)
        head.font = _BOLD
        head.fill = _HEADER_FILL
        head.alignment = Alignment(horizontal="center", wrap_text=True)
        cell = ws.cell(row=row + 1, column=col)
        cell.number_format = "#,##0"
        cell.protection = _OPEN
        if performance is not None:
            set_value(cell, performance.get(name))
        ws.column_dimensions[letter].width = 24
    whole.add(f"A{row + 1}:{get_column_letter(len(layout.PERFORMANCE_COLUMNS))}{row + 1}")
    ws.add_data_validation(whole)
    ws.protection.sheet = True
    ws.protection.formatColumns = False


def _write_guide(ws: Worksheet, year: int) -> None:
    ws.sheet_view.rightToLeft = True
    lines: list[tuple[str, str]] = [
        ("راهنمای تکمیل فرم بیمه تأمین آتیه فرزندان", ""),
        ("", ""),
        ("کلی", f"در برگه «{layout.SHEET_CHILDREN}» برای هر فرزند مشمول یک ردیف پر کنید؛ "
                "ردیف خالی، ردیف جمع یا توضیح بین ردیف‌ها ننویسید."),
        ("کلی", "نام استان و سال در بالای برگه ثبت و قفل شده است؛ ترتیب و عنوان ستون‌ها را تغییر ندهید."),
        ("کلی", "هر فرزند فقط یک بار و فقط در فرم استان محل نگهداری فهرست شود."),
        ("تاریخ", f"همه تاریخ‌ها شمسی و به صورت سال/ماه/روز با چهار رقم سال: {DATE_EXAMPLE}."),
        ("کد ملی", "کد ملی ۱۰ رقمی است و صفرهای ابتدایی آن باید بماند (مثلاً 0012345678)؛ "
                   "ستون به صورت متن قالب‌بندی شده است."),
        ("سن", f"فرزندانی مشمول‌اند که در ۱ فروردین {to_persian_digits(year)} کمتر از ۱۸ سال دارند."),
        ("", ""),
        ("ستون", "نحوه تکمیل"),
    ]
    lines += [(header, _COLUMNS[name].how_to_fill) for header, name in layout.CHILDREN_COLUMNS.items()]
    lines += [
        ("", ""),
        (f"برگه «{layout.SHEET_PERFORMANCE}»",
         f"عملکرد سال {to_persian_digits(year - 1)} استان را در ردیف ۳ بنویسید؛ مبالغ به ریال و بدون ممیز."),
    ]
    lines += [(header, "عدد صحیح") for header in layout.PERFORMANCE_COLUMNS]
    for i, (topic, text) in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=topic).font = _BOLD
        ws.cell(row=i, column=2, value=text).alignment = _WRAP
    ws["A1"].font = _TITLE
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 90
    ws.protection.sheet = True
