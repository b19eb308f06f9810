"""The one writer of every workbook the package writes.

Three promises, kept here for the forms, the sample's insurer export,
``allocation.xlsx``, ``quality.xlsx`` and ``reconciliation.xlsx`` alike:

* **Formula-safe.** Input text is stored as text, whatever it starts with
  (``=HYPERLINK(...)``, ``+1``, ``-2``, ``@SUM``). openpyxl binds a string
  that starts with ``=`` as a formula; :func:`put` and :func:`set_value`
  undo that, :func:`save_workbook` turns any formula cell left over back into
  text, and a worksheet that still holds a ``<f>`` element is never written.
  No workbook this package writes contains a formula.
* **Reproducible.** The same workbook gives the same bytes: fixed document
  times in ``docProps/core.xml``, fixed zip entry times, openpyxl's entry order.
* **Fast for big tables.** :func:`write_tables` (and the forms' data rows) bypass
  openpyxl's cell objects: the rows are written as sheet XML, streamed into
  the zip entry one row at a time, so a 78,000-finding ``quality.xlsx`` costs
  seconds and memory for one row (docs/benchmarks.md).

Sheets are right to left; headers are bold on a tinted fill and frozen;
columns are sized to their content; number formats are per column.

Every sheet prints (:func:`atiyeh_reports.io.print_setup.print_setup`, applied by
:func:`save_workbook` to each sheet, so a new workbook gets it for free): one page wide and as many tall as
needed, landscape when the columns are wide, the header rows repeated on every
page, a page header with the workbook's title and year, and the footer
«صفحهٔ n از N». A sheet may set its own orientation or print titles first; those
are kept.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.io.print_setup import FOOTER_FA, PORTRAIT_WIDTH, path_year, print_setup, year_of

__all__ = [
    "FOOTER_FA",
    "MAX_CELL_TEXT",
    "PORTRAIT_WIDTH",
    "Rows",
    "Table",
    "cell_xml",
    "path_year",
    "print_setup",
    "put",
    "register_styles",
    "save_workbook",
    "set_value",
    "sheet_formulas",
    "write_table",
    "write_tables",
    "year_of",
]

#: Excel's limit on the characters of one cell; longer text is cut and ends in "…".
MAX_CELL_TEXT = 32767
#: Integers beyond this lose digits as Excel numbers (doubles): they are written as text.
MAX_EXACT_INT = 2**53
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_MAX_WIDTH = 60
_MIN_WIDTH = 8
#: openpyxl sets the modified time to now while saving, whatever the properties say.
_MODIFIED = re.compile(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_DIMENSION = re.compile(r'<dimension ref="[^"]*"\s*/>')
_ROW_NUMBER = re.compile(r'<row r="(\d+)"')
#: A formula element in sheet XML (``<f>``, ``<f t="shared" .../>``); not ``<filterColumn>`` etc.
_FORMULA = re.compile(rb"<f[\s>/]")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")


# --- single cells (openpyxl) ---------------------------------------------------------------
def _is_blank(value: object) -> bool:
    if value is None or isinstance(value, str):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _text(value: str) -> str:
    if not value.isprintable():  # only then can it hold a character XML refuses
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > MAX_CELL_TEXT:
        value = value[: MAX_CELL_TEXT - 1] + "…"
    return value


def _plain(value: object) -> object:
    """``value`` as a type a cell holds exactly: numpy → Python, big ints and decimals → text."""
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return value if abs(value) <= MAX_EXACT_INT else str(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def plain_value(value: object) -> object:
    """A table's value as a cell takes it: missing (None, NA, NaT, NaN) as ``None``, numpy and pandas
    scalars as Python, integers too large for an Excel number and decimals as text. The one cell
    converter: every workbook's values pass through it (:func:`set_value` too)."""
    return None if _is_blank(value) else _plain(value)


def set_value(cell: Cell, value: object) -> None:
    """Put ``value`` in ``cell`` as given, never as a formula; None/NaN/NA leaves it empty.

    Dates get the ``yyyy-mm-dd`` format; integers too large for an Excel number,
    decimals and non-finite floats are written as their text.
    """
    if _is_blank(value):
        return
    value = _plain(value)
    if isinstance(value, str):
        value = _text(value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl binds '=...' as a formula: text typed stays text
    if isinstance(value, (dt.date, dt.datetime)):
        cell.number_format = "yyyy-mm-dd"


def put(ws, row: int, column: int, value: object) -> Cell:  # noqa: ANN001 - an openpyxl worksheet
    """Write one value into ``ws`` at (row, column) as :func:`set_value` does; return the cell."""
    cell = ws.cell(row=row, column=column)
    cell.value = None
    set_value(cell, value)
    return cell


# --- big tables as XML ---------------------------------------------------------------------
@dataclass(frozen=True)
class Rows:
    """Data rows to stream into a sheet after the cells openpyxl wrote.

    ``xml`` yields one ``<row>`` element at a time (it may be a generator: it is
    consumed once, while the workbook is saved); ``first_row`` is the Excel row
    of the first of them; ``dimension`` is the sheet's full extent.
    """

    xml: Iterable[str]
    first_row: int
    dimension: str


def register_styles(wb: Workbook, formats: Iterable[str], *, unlocked: bool = False) -> dict[str, int]:
    """Style ids for the number formats ``formats`` (plus ``'date'``), to use in :func:`cell_xml`."""
    scratch = wb.create_sheet("scratch")
    ids: dict[str, int] = {}
    wanted = dict.fromkeys([*formats, "General", "date"])
    for key in wanted:
        cell = scratch.cell(row=1, column=len(ids) + 1)
        cell.number_format = "yyyy-mm-dd" if key == "date" else key
        if unlocked:
            cell.protection = Protection(locked=False)
        ids[key] = cell.style_id  # registers the style with the workbook
    wb.remove(scratch)
    return ids


def cell_xml(ref: str, number_format: str, value: object, styles: Mapping[str, int]) -> str:
    """One ``<c>`` element holding ``value`` as given: text is an inline string, never a formula."""
    style = styles[number_format]
    if value.__class__ is str:  # the common case first: most cells of a findings table are text
        text = xml_escape(_text(value)).replace("\r", "&#13;")
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if value is None or _is_blank(value):
        return f'<c r="{ref}" s="{style}"/>'
    value = _plain(value)
    if isinstance(value, str):
        # A bare CR would be read back as LF (XML end-of-line handling): write it as a reference.
        text = xml_escape(_text(value)).replace("\r", "&#13;")
        return f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    if isinstance(value, (dt.date, dt.datetime)):
        return f'<c r="{ref}" s="{styles["date"]}"><v>{to_excel(value)}</v></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}" s="{style}"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{ref}" s="{style}"><v>{value!r}</v></c>'
    return cell_xml(ref, number_format, str(value), styles)


#: Rows built at a time by :func:`_rows_xml` (bounded memory for a table of any length).
_ROWS_AT_ONCE = 4096


def _rows_xml(columns: Sequence[Sequence[object]], formats: Sequence[str], first_row: int,
              count: int, styles: Mapping[str, int]) -> Iterator[str]:
    """The ``<row>`` elements, each cell as :func:`cell_xml` writes it, built a column at a time.

    A text cell's element after its reference depends only on the text and the
    style, so it is built once per distinct text of a column (per block of
    rows); empty cells (None, NA, NaN) share one, as do plain integers; other
    values go through :func:`cell_xml`.
    """
    letters = [get_column_letter(c) for c in range(1, len(columns) + 1)]
    for block in range(first_row, first_row + count, _ROWS_AT_ONCE):
        numbers = [str(r) for r in range(block, min(block + _ROWS_AT_ONCE, first_row + count))]
        start = block - first_row
        cells = [_column_xml(values, start, numbers, letter, fmt, styles)
                 for values, letter, fmt in zip(columns, letters, formats, strict=True)]
        for number, *row in zip(numbers, *cells, strict=True):
            yield f'<row r="{number}">{"".join(row)}</row>'


def _column_xml(values: Sequence[object], start: int, numbers: Sequence[str], letter: str,
                number_format: str, styles: Mapping[str, int]) -> list[str]:
    """The ``<c>`` elements of one column for the rows ``numbers`` (``values[start]`` on)."""
    style = styles[number_format]
    empty = f'" s="{style}"/>'
    texts: dict[str, str] = {}
    out: list[str] = []
    append = out.append
    stop = len(values)
    for offset, number in enumerate(numbers, start=start):
        value = values[offset] if offset < stop else None
        cls = value.__class__
        if value is None or value is pd.NA or (cls is float and value != value):  # empty, NA, NaN
            append(f'<c r="{letter}{number}{empty}')
        elif cls is int and -MAX_EXACT_INT <= value <= MAX_EXACT_INT:
            append(f'<c r="{letter}{number}" s="{style}"><v>{value}</v></c>')
        elif cls is str:
            tail = texts.get(value)
            if tail is None:
                text = xml_escape(_text(value)).replace("\r", "&#13;")
                tail = texts[value] = f'" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
            append(f'<c r="{letter}{number}{tail}')
        else:
            append(cell_xml(f"{letter}{number}", number_format, value, styles))
    return out


@dataclass(frozen=True)
class Table:
    """One sheet of :func:`write_tables`: a frame whose column names are the headers.

    ``formats`` maps a header to its number format (``'#,##0'``, ``'@'``; default
    General); ``widths`` a header to its width (default: sized to the content).
    """

    title: str
    frame: pd.DataFrame
    formats: Mapping[str, str] = field(default_factory=dict)
    widths: Mapping[str, float] = field(default_factory=dict)


def _sheet_title(title: str) -> str:
    return _BAD_TITLE.sub("-", title)[:31] or "-"


def _width(header: str, values: Sequence[object]) -> float:
    texts = [len(v) for v in values if v.__class__ is str]  # the common case, without a call per value
    others = [len(str(v)) for v in values if v.__class__ is not str and v is not None and not _is_blank(v)]
    longest = max(texts + others, default=0)
    return float(max(_MIN_WIDTH, min(_MAX_WIDTH, max(len(header), longest) + 2)))


def _header(ws, headers: Sequence[str], widths: Sequence[float]) -> None:  # noqa: ANN001
    ws.sheet_view.rightToLeft = True
    for col, header in enumerate(headers, start=1):
        cell = put(ws, 1, col, header)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = widths[col - 1]
    ws.freeze_panes = "A2"


def write_tables(path: str | Path, tables: Sequence[Table], *, stamp: dt.datetime,
                 title: str | None = None, creator: str = "atiyeh_reports",
                 year: int | None = None) -> Path:
    """Write one right-to-left sheet per :class:`Table`, header on row 1, values below.

    ``title`` and ``year`` head every printed page (see :func:`save_workbook` for
    their defaults); the header row repeats on each page.

    The rows are streamed as sheet XML (see the module docstring): fast, and
    every text cell is an inline string, so nothing can become a formula.
    """
    wb = Workbook()
    wb.remove(wb.active)
    styles = register_styles(wb, {f for t in tables for f in t.formats.values()})
    parts: dict[str, Rows] = {}
    for table in tables:
        ws = wb.create_sheet(_sheet_title(table.title))
        headers = [str(c) for c in table.frame.columns]
        columns = [table.frame.iloc[:, i].tolist() for i in range(len(headers))]
        widths = [float(table.widths[h]) if h in table.widths else _width(h, v)
                  for h, v in zip(headers, columns, strict=True)]
        _header(ws, headers, widths)
        if not headers:
            continue
        formats = [table.formats.get(h, "General") for h in headers]
        count = len(table.frame)
        parts[ws.title] = Rows(_rows_xml(columns, formats, 2, count, styles), 2,
                               f"A1:{get_column_letter(len(headers))}{count + 1}")
    if title:
        wb.properties.title = title
    wb.properties.creator = creator
    return save_workbook(wb, path, stamp, rows=parts, year=year)


def write_table(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    sheet: str,
    stamp: dt.datetime,
) -> Path:
    """A plain right-to-left one-sheet workbook: a bold header on row 1, ``rows`` below.

    Values are written as given (text stays text, never a formula), quickly and
    reproducibly; used for the sample insurer export.
    """
    frame = pd.DataFrame(list(rows), columns=list(headers), dtype="object")
    return write_tables(path, [Table(sheet, frame, widths=dict.fromkeys(headers, 20))],
                        stamp=stamp, creator="openpyxl")


def _print_all(wb: Workbook, path: Path, title: str | None, year: int | None) -> None:
    """:func:`print_setup` on every sheet; title and year default from the workbook and its path."""
    title = title or wb.properties.title
    if year is None:
        year = year_of(title) or year_of(wb.properties.title) or path_year(path)
    for ws in wb.worksheets:
        print_setup(ws, title=title or ws.title, year=year)


# --- saving ------------------------------------------------------------------------------
def _defuse(wb: Workbook) -> None:
    """Turn every formula cell openpyxl holds into text (a last guard behind :func:`put`)."""
    for ws in wb.worksheets:
        for cell in getattr(ws, "_cells", {}).values():
            if cell.data_type == "f":
                cell.data_type = "s"


def sheet_formulas(data: bytes) -> int:
    """How many formula elements a worksheet's XML holds (0 for every workbook we write)."""
    return len(_FORMULA.findall(data))


def save_workbook(wb: Workbook, path: str | Path, stamp: dt.datetime, *,
                  rows: Mapping[str, Rows] | None = None, title: str | None = None,
                  year: int | None = None) -> Path:
    """Save ``wb`` so that the same workbook always gives the same bytes, with no formula in it.

    openpyxl stamps the current time into ``docProps/core.xml`` (at save
    time, overriding ``wb.properties.modified``) and into the zip entries;
    this sets the document times to ``stamp`` and rewrites the zip with a
    fixed entry time, in the order openpyxl wrote it. ``rows`` (by sheet
    title) are streamed into their sheets. The file is written beside
    ``path`` and renamed into place, so a reader never sees half a workbook;
    it gets the user's usual permissions (umask).

    Every sheet is set up to print (:func:`print_setup`) with ``title`` (default: the
    workbook's title, else the sheet's name) and ``year`` (default: the Jalali year in
    that title, else :func:`path_year`; none shown when neither has one) in its page header.
    """
    path = Path(path)
    _print_all(wb, path, title, year)
    stamp = stamp.replace(tzinfo=None)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    _defuse(wb)
    appended = rows or {}
    parts = {
        f"xl/worksheets/sheet{i}.xml": appended[ws.title]
        for i, ws in enumerate(wb.worksheets, start=1)
        if ws.title in appended
    }
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")  # two processes may write one clean folder
    try:
        with zipfile.ZipFile(buffer) as src, open(partial, "wb") as fh, \
                zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename.startswith("xl/worksheets/") and sheet_formulas(data):
                    raise AtiyehError(f"{path.name}: {info.filename} would hold a formula; nothing written")
                if info.filename == "docProps/core.xml":
                    when = f"{stamp:%Y-%m-%dT%H:%M:%S}Z"
                    data = _MODIFIED.sub(f"\\g<1>{when}\\g<2>", data.decode("utf-8"), count=1).encode("utf-8")
                entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_EPOCH)
                entry.compress_type = zipfile.ZIP_DEFLATED
                entry.external_attr = 0o600 << 16
                if info.filename in parts:
                    with dst.open(entry, "w") as out:
                        _stream_sheet(data, parts[info.filename], info.filename, out)
                else:
                    dst.writestr(entry, data)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def _stream_sheet(data: bytes, rows: Rows, name: str, out) -> None:  # noqa: ANN001 - a binary stream
    """Write the sheet XML with ``rows`` at the end of ``<sheetData>``; row numbers stay unique.

    Excel offers to "repair" a sheet with two ``<row>`` elements of one number,
    and readers keep only one of them, so a clash is an error, not a file.
    """
    text = data.decode("utf-8").replace("<sheetData/>", "<sheetData></sheetData>", 1)
    if "</sheetData>" not in text or not _DIMENSION.search(text):
        raise AtiyehError(f"{name}: unexpected worksheet XML from openpyxl; cannot add the data rows")
    written = [int(n) for n in _ROW_NUMBER.findall(text)]
    if written and rows.first_row <= max(written):
        raise AtiyehError(
            f"{name}: the data rows start at row {rows.first_row}, but row {max(written)} is already "
            "written; write no cell at or below the first data row before saving"
        )
    text = _DIMENSION.sub(f'<dimension ref="{rows.dimension}"/>', text, count=1)
    head, tail = text.split("</sheetData>", 1)
    out.write(head.encode("utf-8"))
    chunk: list[str] = []
    for row in rows.xml:
        chunk.append(row)
        if len(chunk) >= 500:
            out.write("".join(chunk).encode("utf-8"))
            chunk.clear()
    out.write(("".join(chunk) + "</sheetData>" + tail).encode("utf-8"))
