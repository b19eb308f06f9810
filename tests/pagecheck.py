"""Reading a rendered report's page layout back from WeasyPrint, for the page-break tests.

WeasyPrint lays the page out and writes exactly that layout to the PDF, so its
boxes say what ends each page: the last line of a page, the rows of a table
that a page holds. ``pdftotext`` would give the same lines without telling a
heading from a paragraph.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pypdf

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}


@dataclass(frozen=True)
class PageEnd:
    page: int  # 1-based
    text: str
    is_heading: bool


def _walk(box, ancestors=()):  # noqa: ANN001, ANN202 - WeasyPrint boxes
    yield box, ancestors
    for child in getattr(box, "children", ()) or ():
        yield from _walk(child, (*ancestors, box))


def render(page_html: str):  # noqa: ANN201
    from weasyprint import HTML

    return HTML(string=page_html).render(pdf_tags=True)


def _text(box) -> str:  # noqa: ANN001
    return "".join(getattr(b, "text", "") for b, _ in _walk(box)).strip()


def page_ends(document) -> list[PageEnd]:  # noqa: ANN001
    """The last line of text of every page's body (running headers and page numbers left out)."""
    from weasyprint.formatting_structure.boxes import LineBox, MarginBox

    ends = []
    for number, page in enumerate(document.pages, 1):
        last = None
        for box, ancestors in _walk(page._page_box):
            if isinstance(box, MarginBox) or any(isinstance(a, MarginBox) for a in ancestors):
                continue
            if isinstance(box, LineBox) and _text(box):
                last = (box, ancestors)
        if last is None:
            continue
        box, ancestors = last
        heading = any(getattr(a, "element_tag", None) in HEADINGS for a in ancestors)
        ends.append(PageEnd(number, _text(box), heading))
    return ends


def stranded_headings(document) -> list[PageEnd]:  # noqa: ANN001
    """Pages whose last line is a heading (the last page excepted: nothing follows it)."""
    ends = page_ends(document)
    return [e for e in ends if e.is_heading and e.page < len(document.pages)]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _body_rows(table) -> int:  # noqa: ANN001 - an ElementTree element
    rows = 0
    for child in table:
        if _local(child.tag) in ("tbody", "tfoot"):
            rows += sum(1 for tr in child if _local(tr.tag) == "tr")
        elif _local(child.tag) == "tr":
            rows += 1
    return rows


def table_starts(document) -> list[tuple[int, int, int]]:  # noqa: ANN001
    """For each table that starts on a page and goes on to the next: (page, body rows on it, rows in all)."""
    from weasyprint.formatting_structure.boxes import TableBox, TableRowBox, TableRowGroupBox

    seen: dict[object, tuple[int, int]] = {}
    total_rows: dict[object, int] = {}
    pages_of: dict[object, list[int]] = {}
    for number, page in enumerate(document.pages, 1):
        for box, _ancestors in _walk(page._page_box):
            if isinstance(box, TableBox):
                key = box.element
                rows = sum(
                    1 for group in box.children if isinstance(group, TableRowGroupBox) and not group.is_header
                    for row in group.children if isinstance(row, TableRowBox)
                )
                pages_of.setdefault(key, []).append(number)
                if key not in seen:
                    seen[key] = (number, rows)
                    total_rows[key] = _body_rows(key)
    return [(seen[k][0], seen[k][1], total_rows[k]) for k in seen if len(pages_of[k]) > 1]


def pdf_text(path: Path) -> str:
    """Text of a PDF as pdftotext gives it (pypdf when poppler is not installed)."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
