"""What an allocation letter (ابلاغیه) says: the model and its text, one per province, from the
allocation table. Printed as PDF by :mod:`~atiyeh_reports.publish.letters` and as Word by
:mod:`~atiyeh_reports.publish.docx`. A letter carries no child's name or national ID."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import pandas as pd
from num2words import num2words

from atiyeh_reports.allocation.allocate import allocation_totals
from atiyeh_reports.core.layout import file_stem
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.errors import BudgetError
from atiyeh_reports.present.display import fmt_decimal, fmt_int, fmt_pct

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
    totals = allocation_totals(params, table)
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
    """The letter to one province, from its row of the numeric :func:`~atiyeh_reports.allocation.allocate.allocation_table`."""
    rows = table[table["province_code"] == province_code]
    if len(rows) != 1:
        raise BudgetError(f"province {province_code!r} is not (once) in the allocation table")
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
