"""How a sheet prints: one page wide, headed and footed, its header rows on every page.

:func:`print_setup` is applied by :func:`atiyeh_reports.io.xlsx.save_workbook` to every
sheet of every workbook the package writes (forms, ``allocation.xlsx``, ``quality.xlsx``,
``reconciliation.xlsx``, the follow-up workbooks, :func:`~atiyeh_reports.lab.export.to_excel`),
so a new workbook prints without asking. What a sheet set itself (orientation, print
titles) is kept.
"""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl.utils import column_index_from_string, get_column_letter

from atiyeh_reports.core.text import to_ascii_digits, to_persian_digits

__all__ = ["FOOTER_FA", "PORTRAIT_WIDTH", "path_year", "print_setup", "year_of"]

#: A Jalali year (1300–1499) in a title or a path, in Persian, Arabic-Indic or ASCII digits.
_YEAR = re.compile(r"(?<![0-9۰-۹٠-٩])([1۱١][3۳٣4۴٤][0-9۰-۹٠-٩]{2})(?![0-9۰-۹٠-٩])")
#: Columns wider than this in all (Excel width units) print landscape. A4 portrait holds about
#: 90 units at 100 % between the default margins, landscape about 135: up to this width a
#: portrait page is scaled no smaller than three quarters and keeps more rows per page.
PORTRAIT_WIDTH = 120
#: Right-to-left marks around a header's or footer's text: without them LibreOffice lays
#: «صفحهٔ &P از &N» out left to right around the page numbers ("36  از1صفحهٔ").
_RLM = "\u200f"
#: The footer: page n of N (``&P`` and ``&N`` are Excel's page fields).
FOOTER_FA = f"{_RLM}صفحهٔ &P از &N{_RLM}"
_DEFAULT_WIDTH = 8.43
#: The most characters of a title a page header shows (Excel's limit is 255 for the whole header).
_HEADER_TITLE = 150


def year_of(text: object) -> int | None:
    """The first Jalali year (1300–1499) written in ``text`` (a title), or None.

    >>> year_of("فرم آتیه تهران ۱۴۰۴"), year_of("سال 1403 — x"), year_of("جدول ۱۲۳۴۵")
    (1404, 1403, None)
    """

    match = _YEAR.search(str(text)) if text is not None else None
    return int(to_ascii_digits(match.group(1))) if match else None


def path_year(path: str | Path) -> int | None:
    """The year of the nearest folder of ``path`` named after one (``1404``, or a build's
    staging folder ``.1404.building-…``), or None: only whole names, so a temporary
    folder's random letters never decide a page header.

    >>> path_year("outputs/1404/internal/quality.xlsx"), path_year("/tmp/pytest-1403/x.xlsx")
    (1404, None)
    """
    for part in reversed(Path(path).parent.parts):
        match = _YEAR_FOLDER.match(part)
        if match:
            return int(match.group(1))
    return None


_YEAR_FOLDER = re.compile(r"^\.?(1[34]\d\d)(?:\..*)?$")


def _header_text(text: str) -> str:
    """Text for a page header or footer: one line, ``&`` doubled (it starts a field code),
    between right-to-left marks."""
    return _RLM + " ".join(str(text).split()).replace("&", "&&") + _RLM


def _title_rows(ws) -> str:  # noqa: ANN001 - an openpyxl worksheet
    """The rows to repeat on each printed page: those above the frozen pane, else row 1."""
    frozen = ws.freeze_panes
    row = int(_ROW_NUMBER_OF.match(frozen).group(1)) if frozen and _ROW_NUMBER_OF.match(frozen) else 1
    return f"1:{row - 1}" if row > 1 else "1:1"


_ROW_NUMBER_OF = re.compile(r"^[A-Z]+(\d+)$")


def _sheet_width(ws) -> float:  # noqa: ANN001
    """The printed width of ``ws``'s used columns, in Excel width units."""
    last = ws.max_column
    for letter, dim in ws.column_dimensions.items():
        if dim.width:
            last = max(last, column_index_from_string(letter))
    total = 0.0
    for col in range(1, last + 1):
        dim = ws.column_dimensions.get(get_column_letter(col))
        if dim is not None and dim.hidden:
            continue
        total += dim.width if dim is not None and dim.width else _DEFAULT_WIDTH
    return total


def print_setup(ws, *, title: str, year: int | None = None, width: float | None = None) -> None:  # noqa: ANN001
    """Set ``ws`` up to print: one A4 page wide, its header rows on every page, headed and footed.

    * Fit to 1 page wide and as many tall as needed (``fitToWidth=1``, ``fitToHeight=0``,
      ``fitToPage`` in the sheet's properties).
    * Landscape when the columns are wider than :data:`PORTRAIT_WIDTH` (``width``, or the
      sheet's column widths), else portrait; an orientation already set is kept.
    * The rows above the frozen pane (else row 1) repeat at the top of each page, unless the
      sheet names its own print titles.
    * Page header: ``title`` in the middle, «سال ۱۴۰۴» at the right (when ``year`` is known);
      footer: «صفحهٔ n از N» in the middle, the sheet's name at the right.
    * The sheet stays right to left.
    """

    ws.sheet_view.rightToLeft = True
    setup = ws.page_setup
    if setup.orientation is None:
        wide = (width if width is not None else _sheet_width(ws)) > PORTRAIT_WIDTH
        setup.orientation = "landscape" if wide else "portrait"
    if setup.paperSize is None:
        setup.paperSize = ws.PAPERSIZE_A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages tall as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if not ws.print_title_rows:
        ws.print_title_rows = _title_rows(ws)
    header, footer = ws.oddHeader, ws.oddFooter
    # Excel refuses a header longer than 255 characters, codes included: a long title is cut.
    title = " ".join(str(title).split())
    header.center.text = _header_text(title if len(title) <= _HEADER_TITLE else title[: _HEADER_TITLE - 1] + "…")
    header.center.size = 11
    if year is not None:
        header.right.text = _header_text(f"سال {to_persian_digits(int(year))}")
    footer.center.text = FOOTER_FA
    footer.right.text = "&A"  # the sheet's name
