"""The allocation letters (ابلاغیه): one per province, PDF and DOCX.

Step 4 of the cycle is «ابلاغ اعتبار به استان‌ها». For each province,
:func:`letter_for` turns its row of :func:`atiyeh_reports.allocation.allocate.allocation_table`
into a :class:`Letter`: who it is addressed to, the amount in Persian digits and
in Persian words, one or two sentences on how the amount was computed with the
province's own numbers, the conditions and a signature block. The letter head
(office, letter number and date) is left as dotted placeholders: the
secretariat fills them in when it registers the letter.

:func:`letter_html` lays a letter out on one A4 page (our own small template,
right to left, the report font embedded as the reports do) for
:func:`atiyeh_reports.present.render.write_pdf`; :mod:`atiyeh_reports.publish.docx`
writes the same letter as a right-to-left Word document. :func:`write_letters`
writes all 31 of a year into one folder.

A letter carries no child's name or national ID: only counts and Rials.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

import pandas as pd

from atiyeh_reports import __version__
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provenance import sha256_file
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present.fonts import report_font
from atiyeh_reports.present.render import (  # the same head as the reports' cover
    AGENCY,
    PARENT_AGENCY,
    font_faces,
    page_head,
    write_pdf,
)
from atiyeh_reports.publish.docx import write_letter_docx
from atiyeh_reports.publish.letter import (  # noqa: F401 - the letter's model, importable here too
    LETTER_TITLE,
    PLACEHOLDER,
    Letter,
    amount_in_words,
    file_stem,
    letter_for,
    letters,
)


def _stylesheet() -> str:
    return (resources.files("atiyeh_reports") / "templates" / "letter.css").read_text(encoding="utf-8")


def letter_html(letter: Letter, *, embed_font: bool = False) -> str:
    """A one-page, right-to-left HTML letter for WeasyPrint (the PDF embeds the report font)."""

    font = report_font()
    e = html.escape
    head = "".join(f"<tr><th>{e(k)}:</th><td>{e(v)}</td></tr>" for k, v in letter.head())
    conditions = "".join(f"<li>{e(c)}</li>" for c in letter.conditions)
    title = f"{LETTER_TITLE} — {letter.province_name} — {to_persian_digits(letter.year)}"
    return page_head(title, f"""{font_faces(font, embed=embed_font)}
{_stylesheet().replace('"ReportFont"', f'"{font.family}"')}""") + f"""
<header class="letter-head">
<div class="agency"><div class="emblem">{e(AGENCY)}</div><div class="parent">{e(PARENT_AGENCY)}</div></div>
<table class="head-fields">{head}</table>
</header>
<main>
<h1>{e(LETTER_TITLE)}</h1>
<p class="addressee">{e(letter.addressee)}</p>
<p class="subject"><b>موضوع:</b> {e(letter.subject)}</p>
<p class="body">{e(letter.body)}</p>
<table class="amount">
<tr><th>مبلغ ابلاغی به عدد</th><td class="num">{e(letter.amount_digits)} ریال</td></tr>
<tr><th>مبلغ ابلاغی به حروف</th><td>{e(letter.amount_words)}</td></tr>
</table>
<h2>شیوه محاسبه</h2>
<p class="computation">{e(letter.computation)}</p>
<h2>شرایط</h2>
<ol class="conditions">{conditions}</ol>
</main>
<footer>
<div class="signature">
<div class="sign-line">نام و نام خانوادگی: {PLACEHOLDER}</div>
<div class="sign-line">سمت: {PLACEHOLDER}</div>
<div class="sign-line">امضا و مهر:</div>
</div>
<p class="provenance">{e(letter.provenance)}</p>
</footer>
</body>
</html>
"""


def write_letter_pdf(letter: Letter, path: Path) -> Path:
    """The letter as a one-page PDF/A-3u, tagged."""

    return write_pdf(letter_html(letter), path)


def write_letters(params: Params, table: pd.DataFrame, folder: str | Path, *,
                  provenance: str = "") -> list[Path]:
    """Write every province's letter as ``<code>_<name>.pdf`` and ``.docx`` into ``folder``.

    Returns the paths written (PDF then DOCX per province, in province-code order).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for letter in letters(params, table, provenance=provenance):
        written.append(write_letter_pdf(letter, folder / f"{letter.file_stem}.pdf"))
        written.append(write_letter_docx(letter, folder / f"{letter.file_stem}.docx"))
    return written


def write_year_letters(data, out_dir: str | Path) -> list[Path]:  # noqa: ANN001 (api.YearData)
    """The build's hook: the year's 31 letters into ``<out_dir>/letters/``.

    The amounts are the allocation table's, the same table that ``allocation.xlsx``
    in ``out_dir`` was written from; each letter's footer names that workbook's hash.
    """

    out_dir = Path(out_dir)
    table = data.allocation
    workbook = out_dir / "allocation.xlsx"
    source = f"allocation.xlsx sha256:{sha256_file(workbook)[:16]}" if workbook.is_file() else "allocation_table"
    provenance = f"تهیه‌شده با atiyeh_reports {__version__} از جدول ابلاغ اعتبار ({source})"
    return write_letters(data.params, table, out_dir / "letters", provenance=provenance)
