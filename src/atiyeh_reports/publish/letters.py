"""The allocation letters (ابلاغیه): one per province, PDF and DOCX.

Step 4 of the cycle is «ابلاغ اعتبار به استان‌ها». For each province,
:func:`letter_for` turns its row of :func:`atiyeh_reports.budget.allocation_table`
into a :class:`Letter`: who it is addressed to, the amount in Persian digits and
in Persian words, one or two sentences on how the amount was computed with the
province's own numbers, the conditions and a signature block. The letter head
(office, letter number and date) is left as dotted placeholders: the
secretariat fills them in when it registers the letter.

:func:`letter_html` lays a letter out on one A4 page (our own small template,
right to left, the report font embedded as the reports do) for
:func:`atiyeh_reports.render.write_pdf`; :mod:`atiyeh_reports.publish.docx`
writes the same letter as a right-to-left Word document. :func:`write_letters`
writes all 31 of a year into one folder.

A letter carries no child's name or national ID: only counts and Rials.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources
from pathlib import Path

import pandas as pd
from num2words import num2words

from atiyeh_reports import budget
from atiyeh_reports.display import fmt_decimal, fmt_int, fmt_pct
from atiyeh_reports.params import Params
from atiyeh_reports.render import AGENCY, PARENT_AGENCY  # the same head as the reports' cover
from atiyeh_reports.text import to_persian_digits

PLACEHOLDER = "…………………………"
LETTER_TITLE = "ابلاغیه اعتبار"


def amount_in_words(rials: int) -> str:
    """An amount of Rials in Persian words, e.g. ``3_456_000_000`` → «سه میلیارد و چهارصد و پنجاه و شش میلیون ریال».

    num2words (lang ``fa``) writes the number; checked for large Rial amounts
    and for zeros inside (``tests/test_letters.py`` reads the words back).
    """
    if rials < 0:
        raise ValueError(f"an amount to notify cannot be negative: {rials}")
    return f"{num2words(int(rials), lang='fa')} ریال"


@dataclass(frozen=True)
class Letter:
    """Everything one province's letter says (text in Persian, amounts in int Rials)."""

    province_code: str
    province_name: str
    year: int
    service_name: str
    service_id: str
    allocated: int
    addressee: str
    subject: str
    body: str
    computation: str
    conditions: tuple[str, ...]
    provenance: str

    @property
    def amount_digits(self) -> str:
        """The amount in Persian digits with the Persian thousands separator (٬)."""
        return fmt_int(self.allocated)

    @property
    def amount_words(self) -> str:
        return amount_in_words(self.allocated)

    @property
    def file_stem(self) -> str:
        return file_stem(self.province_code, self.province_name)

    def head(self) -> tuple[tuple[str, str], ...]:
        """The letter head's fields for the secretariat: office, number, date, enclosure."""
        return (
            ("دفتر", PLACEHOLDER),
            ("شماره", PLACEHOLDER),
            ("تاریخ", PLACEHOLDER),
            ("پیوست", "جدول ابلاغ اعتبار (allocation.xlsx)"),
        )


def file_stem(province_code: str, province_name: str) -> str:
    """``IR-23_تهران``: the stem every per-province file shares (letters, cards, follow-up workbooks)."""
    return f"{province_code}_{province_name.replace(' ', '_')}"


def _fa_share(value: Fraction) -> str:
    """A share as a percentage with two decimals, e.g. ``۹٫۶۸٪``."""
    return fmt_pct(value, 2)


def _computation(params: Params, table: pd.DataFrame, row: pd.Series) -> str:
    """How this province's amount came about, in one or two sentences with its own numbers."""
    b = params.budget
    unit = b.rounding_unit
    children, requirement, allocated = (int(row["eligible_children"]), int(row["requirement"]),
                                        int(row["allocated"]))
    premium = params.service.per_capita_premium
    totals = budget.allocation_totals(params, table)
    first = (
        f"نیاز اعتباری استان {fmt_int(children)} فرزند واجد شرایط × سرانه {fmt_int(premium)} ریال "
        f"= {fmt_int(requirement)} ریال است."
    )
    if allocated == requirement:
        return first + (
            " اعتبار قابل توزیع کشور نیاز این استان را پوشش می‌دهد و همین مبلغ ابلاغ می‌شود."
        )
    weights = (table["requirement"].astype("int64").map(Fraction)
               * table["weight"].map(lambda w: Fraction(w).limit_denominator(10**6)))
    weight = Fraction(requirement) * Fraction(float(row["weight"])).limit_denominator(10**6)
    pool = (b.distributable // unit) * unit
    exact = pool * weight / sum(weights) if sum(weights) else Fraction(0)
    if b.method == "performance_weighted":
        shown = fmt_decimal(row["weight"], 3)
        basis = f"به نسبت نیاز ضرب در ضریب عملکرد استان ({shown})"
    else:
        basis = "به نسبت نیاز"
    second = (
        f" چون اعتبار قابل توزیع کشور ({fmt_int(b.distributable)} ریال) کمتر از نیاز کل "
        f"({fmt_int(totals.requirement)} ریال) است، سهم استان {basis} "
        f"{_fa_share(exact / pool if pool else Fraction(0))} از {fmt_int(pool)} ریال، یعنی "
        f"{fmt_int(int(exact))} ریال است"
    )
    down = (int(exact) // unit) * unit
    if int(row["floor"]) and allocated == int(row["floor"]) and allocated > down + unit:
        third = f"، و با کف اعتبار استان {fmt_int(allocated)} ریال ابلاغ می‌شود."
    elif allocated < down:
        third = f"، و با سقف اعتبار استان {fmt_int(allocated)} ریال ابلاغ می‌شود."
    elif allocated == down:
        third = f" که به مضرب {fmt_int(unit)} ریال به پایین گرد شد: {fmt_int(allocated)} ریال."
    else:
        third = (
            f" که به مضرب {fmt_int(unit)} ریال گرد شد و از واحدهای باقی‌مانده (به ترتیب بزرگ‌ترین "
            f"باقی‌مانده) {fmt_int((allocated - down) // unit)} واحد به آن رسید: {fmt_int(allocated)} ریال."
        )
    return first + second + third


def letter_for(params: Params, table: pd.DataFrame, province_code: str, *, provenance: str = "") -> Letter:
    """The letter to one province, from its row of the numeric :func:`budget.allocation_table`."""
    rows = table[table["province_code"] == province_code]
    if len(rows) != 1:
        raise budget.BudgetError(f"province {province_code!r} is not (once) in the allocation table")
    row = rows.iloc[0]
    name = str(row["province_name"])
    year = to_persian_digits(params.year)
    service = params.service.name_fa
    allocated = int(row["allocated"])
    body = (
        f"با سلام و احترام، به استناد بودجه سال {year} خدمت «{service}» (شناسه خدمت "
        f"{to_persian_digits(params.service.id)})، اعتبار آن اداره کل برای بیمه تأمین آتیه فرزندان "
        f"بی‌سرپرست و بدسرپرست تحت پوشش استان به مبلغ {fmt_int(allocated)} ریال "
        f"({amount_in_words(allocated)}) ابلاغ می‌شود."
    )
    conditions = (
        f"این اعتبار تنها برای خرید بیمه‌نامه تأمین آتیه فرزندان بی‌سرپرست و بدسرپرست دارای حکم "
        f"قضایی و واجد شرایط سال {year} در استان هزینه شود و به هزینه دیگری منتقل نشود.",
        "فهرست فرزندان بیمه‌شده با سامانه بیمه‌گر تطبیق داده شود و بیمه‌نامه هر فرزند در سامانه ثبت شود.",
        f"عملکرد سال {year} (اعتبار ابلاغی و هزینه‌شده، فرزندان تحت پوشش، بیمه‌نامه‌های صادرشده و "
        f"فرزندان خارج‌شده از پوشش) در برگه عملکرد فرم سال {to_persian_digits(params.year + 1)} به "
        "ستاد گزارش شود؛ مانده جذب‌نشده تا پایان سال مالی اعلام شود.",
    )
    return Letter(
        province_code=province_code,
        province_name=name,
        year=params.year,
        service_name=service,
        service_id=params.service.id,
        allocated=allocated,
        addressee=f"اداره کل بهزیستی استان {name}",
        subject=f"ابلاغ اعتبار «{service}» سال {year}",
        body=body,
        computation=_computation(params, table, row),
        conditions=conditions,
        provenance=provenance,
    )


def letters(params: Params, table: pd.DataFrame, *, provenance: str = "") -> list[Letter]:
    """The letters of every province in the table, in province-code order."""
    return [letter_for(params, table, code, provenance=provenance) for code in table["province_code"]]


# --- PDF ---------------------------------------------------------------------------------------
def _stylesheet() -> str:
    return (resources.files("atiyeh_reports") / "templates" / "letter.css").read_text(encoding="utf-8")


def letter_html(letter: Letter, *, embed_font: bool = False) -> str:
    """A one-page, right-to-left HTML letter for WeasyPrint (the PDF embeds the report font)."""
    from atiyeh_reports.fonts import report_font
    from atiyeh_reports.render import font_faces, page_head

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
    from atiyeh_reports.render import write_pdf

    return write_pdf(letter_html(letter), path)


def write_letters(params: Params, table: pd.DataFrame, folder: str | Path, *,
                  provenance: str = "") -> list[Path]:
    """Write every province's letter as ``<code>_<name>.pdf`` and ``.docx`` into ``folder``.

    Returns the paths written (PDF then DOCX per province, in province-code order).
    """
    from atiyeh_reports.publish.docx import write_letter_docx

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
    from atiyeh_reports import __version__
    from atiyeh_reports.provenance import sha256_file

    out_dir = Path(out_dir)
    table = budget.allocation_table(data.params, data.children, data.performance)
    workbook = out_dir / "allocation.xlsx"
    source = f"allocation.xlsx sha256:{sha256_file(workbook)[:16]}" if workbook.is_file() else "allocation_table"
    provenance = f"تهیه‌شده با atiyeh_reports {__version__} از جدول ابلاغ اعتبار ({source})"
    return write_letters(data.params, table, out_dir / "letters", provenance=provenance)
