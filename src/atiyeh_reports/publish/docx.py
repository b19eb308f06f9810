"""The allocation letter as a right-to-left Word document (python-docx).

The secretariat puts the letter on its letterhead, so it gets a DOCX as well
as the PDF. Word and LibreOffice need to be told that Persian text runs right
to left at two levels: every paragraph carries ``<w:bidi/>`` (paragraph
direction, so it is right-aligned and lists and punctuation sit on the right
side) and every run carries ``<w:rtl/>`` (run direction), with the Persian font
set for complex scripts (``w:cs``) as well as for Latin text. The file is
byte-reproducible: the core properties' dates are the build time and every zip
entry has a fixed date.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present.render import AGENCY, PARENT_AGENCY
from atiyeh_reports.publish.letter import LETTER_TITLE, PLACEHOLDER, Letter

#: The font named in the document. Vazirmatn is not on most office machines, so
#: Word falls back to its own Persian-capable font; Tahoma (on every Windows
#: machine, and the workbooks' font) is named for that reason.
FONT = "Tahoma"
_BLUE = RGBColor(0x16, 0x32, 0x4F)


def _rtl_paragraph(paragraph) -> None:  # noqa: ANN001 (python-docx's Paragraph)
    ppr = paragraph._p.get_or_add_pPr()
    if ppr.find(qn("w:bidi")) is None:
        ppr.insert(0, OxmlElement("w:bidi"))


def _rtl_run(run, *, size: float | None = None, bold: bool = False,  # noqa: ANN001
             color: RGBColor | None = None) -> None:
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    if bold:
        run.bold = True
        rpr.append(OxmlElement("w:bCs"))
    if size:
        run.font.size = Pt(size)
        szcs = OxmlElement("w:szCs")
        szcs.set(qn("w:val"), str(int(size * 2)))
        rpr.append(szcs)
    if color is not None:
        run.font.color.rgb = color
    rtl = OxmlElement("w:rtl")
    rpr.append(rtl)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:bidi"), "fa-IR")
    rpr.append(lang)


def _para(container, text: str = "", *, size: float = 11, bold: bool = False,  # noqa: ANN001
          align: WD_ALIGN_PARAGRAPH | None = None, color: RGBColor | None = None,
          space_after: float = 4, style: str | None = None):
    paragraph = container.add_paragraph(style=style)
    _rtl_paragraph(paragraph)
    # No w:jc means "at the paragraph's start", the right edge of a w:bidi paragraph, in Word and
    # LibreOffice alike (an explicit "right" is read differently by the two).
    if align is not None:
        paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(space_after)
    if text:
        _add_run(paragraph, text, size=size, bold=bold, color=color)
    return paragraph


def _add_run(paragraph, text: str, *, size: float = 11, bold: bool = False,  # noqa: ANN001
             color: RGBColor | None = None):
    run = paragraph.add_run(text)
    _rtl_run(run, size=size, bold=bold, color=color)
    return run


def _rtl_table(table) -> None:  # noqa: ANN001
    tblpr = table._tbl.tblPr
    tblpr.append(OxmlElement("w:bidiVisual"))  # first column on the right
    table.alignment = WD_TABLE_ALIGNMENT.CENTER


def _cell_text(cell, text: str, *, bold: bool = False, size: float = 10.5) -> None:  # noqa: ANN001
    paragraph = cell.paragraphs[0]
    _rtl_paragraph(paragraph)
    _add_run(paragraph, text, size=size, bold=bold)


def _widths(table, widths) -> None:  # noqa: ANN001
    """Column widths that Word and LibreOffice both honour (grid and every cell)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width


def _heading(doc, text: str) -> None:  # noqa: ANN001
    p = _para(doc, text, size=11.5, bold=True, color=_BLUE, space_after=1)
    p.paragraph_format.space_before = Pt(8)
    p.paragraph_format.keep_with_next = True  # a heading never ends the page


def letter_document(letter: Letter):  # noqa: ANN201 (python-docx's Document)
    """The letter as a python-docx ``Document`` (A4, right to left)."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(16), Mm(14)
    section.left_margin = section.right_margin = Mm(20)
    section._sectPr.append(OxmlElement("w:bidi"))  # the section (columns, page numbers) is RTL too

    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)

    # The head: agency on the right, the secretariat's fields on the left.
    head = doc.add_table(rows=1, cols=2)
    _rtl_table(head)
    _widths(head, (Mm(95), Mm(75)))
    agency, fields = head.rows[0].cells
    _cell_text(agency, AGENCY, bold=True, size=14)
    p = agency.add_paragraph()
    _rtl_paragraph(p)
    _add_run(p, PARENT_AGENCY, size=9.5)
    first = True
    for label, value in letter.head():
        p = fields.paragraphs[0] if first else fields.add_paragraph()
        first = False
        _rtl_paragraph(p)
        p.paragraph_format.space_after = Pt(0)
        _add_run(p, f"{label}: ", size=10)
        _add_run(p, value, size=10)

    _para(doc, LETTER_TITLE, size=15, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, color=_BLUE,
          space_after=8).paragraph_format.space_before = Pt(14)
    _para(doc, letter.addressee, size=12, bold=True, space_after=2)
    subject = _para(doc)
    _add_run(subject, "موضوع: ", bold=True)
    _add_run(subject, letter.subject)
    _para(doc, letter.body, space_after=6)

    amount = doc.add_table(rows=2, cols=2)
    amount.style = "Table Grid"
    _rtl_table(amount)
    for row, (label, value) in zip(amount.rows, (("مبلغ ابلاغی به عدد", f"{letter.amount_digits} ریال"),
                                                 ("مبلغ ابلاغی به حروف", letter.amount_words)), strict=True):
        _cell_text(row.cells[0], label, bold=True)
        _cell_text(row.cells[1], value)
        row.cells[0].width, row.cells[1].width = Mm(50), Mm(120)
    _widths(amount, (Mm(50), Mm(120)))

    _heading(doc, "شیوه محاسبه")
    _para(doc, letter.computation)
    _heading(doc, "شرایط")
    for number, condition in enumerate(letter.conditions, 1):
        p = _para(doc, space_after=2)
        p.paragraph_format.right_indent = Mm(6)  # with w:bidi the "right" indent is the start side
        p.paragraph_format.first_line_indent = Mm(-6)
        _add_run(p, f"{to_persian_digits(number)}. {condition}")

    _para(doc, space_after=6)
    sign = doc.add_table(rows=1, cols=2)
    _rtl_table(sign)
    _widths(sign, (Mm(100), Mm(70)))
    box = sign.rows[0].cells[1]  # on the left: where Persian letters are signed
    for k, line in enumerate((f"نام و نام خانوادگی: {PLACEHOLDER}", f"سمت: {PLACEHOLDER}", "امضا و مهر:")):
        p = box.paragraphs[0] if k == 0 else box.add_paragraph()
        _rtl_paragraph(p)
        _add_run(p, line, size=10)
    if letter.provenance:
        _para(doc, letter.provenance, size=7.5, color=RGBColor(0x66, 0x66, 0x66),
              align=WD_ALIGN_PARAGRAPH.RIGHT)

    stamp = build_time().replace(tzinfo=None)
    core = doc.core_properties
    core.author = core.last_modified_by = "atiyeh_reports"
    core.title = f"{LETTER_TITLE} — {letter.province_name} — {to_persian_digits(letter.year)}"
    core.subject = letter.subject
    core.created = core.modified = stamp
    core.last_printed = stamp
    core.revision = 1
    core.language = "fa-IR"
    return doc


def _reproducible_zip(data: bytes, when: tuple[int, int, int, int, int, int]) -> bytes:
    """The same zip with every entry's date fixed and entries in their original order."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=when)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def write_letter_docx(letter: Letter, path: str | Path) -> Path:
    """Write the letter as a DOCX; same letter and build time, same bytes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    letter_document(letter).save(buffer)
    stamp = build_time()
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    path.write_bytes(_reproducible_zip(buffer.getvalue(), when))
    return path
