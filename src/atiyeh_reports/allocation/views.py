"""The allocation for reading: Persian labels, tables with Persian headers, and the method in words.

Every Persian label and header of the allocation report lives here, with the
``*_fa`` tables built from :mod:`~atiyeh_reports.allocation.allocate` and
:mod:`~atiyeh_reports.allocation.scenarios` results, :func:`national_summary`
and :func:`method_explanation`. Values stay numeric (int Rials, NA for missing)
unless a docstring says otherwise; formatting is left to the display helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from atiyeh_reports.allocation.allocate import _share_key, allocation_totals, weights_table
from atiyeh_reports.allocation.record import NotifiedRecord, find_notified_record
from atiyeh_reports.allocation.scenarios import (
    _ages,
    _half_up,
    _pairs,
    admissions_by_province,
    exit_rates_by_province,
)
from atiyeh_reports.core import vocab
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present.display import exact as _exact
from atiyeh_reports.present.display import fmt_decimal, fmt_int, round_half_up

METHOD_FA = {
    "per_capita": "سرانه‌ای (متناسب با نیاز)",
    "performance_weighted": "وزنی بر پایه عملکرد سال قبل",
}

# --- national summary labels --------------------------------------------------------
LABEL_APPROVED = "اعتبار مصوب"
LABEL_RELEASED = "اعتبار تخصیص‌یافته"
LABEL_RESERVE = "ذخیره ستاد"
LABEL_DISTRIBUTABLE = "اعتبار قابل توزیع میان استان‌ها"
LABEL_REQUIREMENT = "نیاز اعتباری کل (فرزندان واجد شرایط × سرانه)"
LABEL_SURPLUS = "مازاد اعتبار نسبت به نیاز"
LABEL_GAP = "کسری اعتبار نسبت به نیاز"
SUMMARY_ITEM = "شرح"
SUMMARY_AMOUNT = "مبلغ (ریال)"
#: Same int Rials as SUMMARY_AMOUNT, to be shown in million Rials (``show_table(million=...)``).
SUMMARY_MILLION = "مبلغ (میلیون ریال)"

#: Numeric allocation table column → Persian header of the display table.
ALLOCATION_FA: dict[str, str] = {
    "province_name": "استان",
    "eligible_children": "تعداد فرزندان واجد شرایط",
    "requirement": "نیاز اعتباری (ریال)",
    "weight": "ضریب عملکرد",
    "allocated": "اعتبار ابلاغی (ریال)",
    "share": "سهم از کل ابلاغ",
    "last_year_notified": "ابلاغی سال قبل (ریال)",
    "change": "تغییر نسبت به سال قبل (ریال)",
    "allocated_per_child": "ابلاغی به ازای هر فرزند (ریال)",
}
TOTAL_LABEL = vocab.TOTAL
#: Display columns that hold Rials / counts / shares (for display helpers and the workbook).
MONEY_COLUMNS_FA = tuple(
    ALLOCATION_FA[c]
    for c in ("requirement", "allocated", "last_year_notified", "change", "allocated_per_child")
)
INTEGER_COLUMNS_FA = (ALLOCATION_FA["eligible_children"],)
PERCENT_COLUMNS_FA = (ALLOCATION_FA["share"],)


WEIGHTS_FA = {
    "province_name": "استان",
    "absorption": "نسبت جذب",
    "coverage": "نسبت پوشش",
    "score": "امتیاز ترکیبی",
    "raw_weight": "ضریب پیش از کف و سقف",
    "weight": "ضریب عملکرد",
    "has_performance": "عملکرد سال قبل گزارش شده",
}
#: Columns of :func:`weights_table_fa` that are shares (show as percentages).
WEIGHTS_PERCENT_FA = (WEIGHTS_FA["absorption"], WEIGHTS_FA["coverage"], WEIGHTS_FA["score"])


PROJECTION_FA = {
    "year": "سال",
    "children_start": "فرزندان ابتدای سال",
    "leaving": "خروج به دلیل سن",
    "other_exits": "خروج به دلایل دیگر (برآورد)",
    "admissions": "پذیرش جدید (برآورد)",
    "children": "فرزندان واجد شرایط",
    "premium": "سرانه (ریال)",
    "requirement": "اعتبار مورد نیاز (میلیون ریال)",
}
#: :func:`projection_table_fa` columns for ``show_table``: counts, Rials, million Rials.
PROJECTION_INTEGERS_FA = tuple(
    PROJECTION_FA[c] for c in ("children_start", "leaving", "other_exits", "admissions", "children")
)
PROJECTION_MONEY_FA = (PROJECTION_FA["premium"],)
PROJECTION_MILLION_FA = (PROJECTION_FA["requirement"],)


BACKTEST_METHOD_FA = {"observed_exits": "روش این گزارش (خروج به نرخ مشاهده‌شده، پذیرش با میانگین دقیق)",
                      "age_only": "روش پیشین (فقط خروج به دلیل سن، پذیرش گردشده)"}


# --- tables ------------------------------------------------------------------------------
def national_summary(params: Params, requirement: pd.DataFrame | int) -> pd.DataFrame:
    """The year's credit from approved to distributable, against the total requirement.

    ``requirement`` is the :func:`requirement_table` or :func:`allocation_table`
    (any frame with a ``requirement`` column), or the total in Rials. Returns
    ``شرح`` (Persian label), ``مبلغ (ریال)`` (int) and ``مبلغ (میلیون ریال)`` (the same
    int Rials, for showing in million Rials). The last row is the surplus
    (distributable − requirement ≥ 0) or the gap (its absolute value, labelled as a gap).
    """
    total = int(requirement) if isinstance(requirement, int) else int(
        requirement["requirement"].sum()
    )
    b = params.budget
    balance = b.distributable - total
    rows = [
        (LABEL_APPROVED, b.approved_credit),
        (LABEL_RELEASED, b.released_credit),
        (LABEL_RESERVE, b.reserve),
        (LABEL_DISTRIBUTABLE, b.distributable),
        (LABEL_REQUIREMENT, total),
        (LABEL_SURPLUS if balance >= 0 else LABEL_GAP, abs(balance)),
    ]
    return pd.DataFrame(
        {
            SUMMARY_ITEM: pd.Series([r[0] for r in rows], dtype="str"),
            SUMMARY_AMOUNT: pd.Series([r[1] for r in rows], dtype="int64"),
            SUMMARY_MILLION: pd.Series([r[1] for r in rows], dtype="int64"),
        }
    )


def weights_table_fa(
    params: Params, children: pd.DataFrame, performance: pd.DataFrame | None
) -> pd.DataFrame:
    """:func:`weights_table` for reading: Persian headers and province names.

    The ratios and score are floats (NaN when there is none: show them with
    ``percent=WEIGHTS_PERCENT_FA``); the two weights are text with three decimals
    in Persian digits (``۱٫۲۰۰``, ``–`` when there is none), since the table
    helpers show floats with one decimal, too coarse for a multiplier near 1.
    The weights are computed whatever the method, so a report can show what
    ``performance_weighted`` would do; only that method uses them.
    """
    w = weights_table(params, children, performance)
    out = pd.DataFrame({"province_name": [by_code()[c].name_fa for c in w["province_code"]]})
    for col in ("absorption", "coverage", "score"):
        out[col] = pd.array(
            [float("nan") if v is None else float(v) for v in w[col]], dtype="float64"
        )
    for col in ("raw_weight", "weight"):
        out[col] = pd.array([_fa_weight(v) for v in w[col]], dtype="str")
    out["has_performance"] = w["has_performance"].astype("bool")
    return out.rename(columns=WEIGHTS_FA)


def last_year_source_fa(params: Params, record: NotifiedRecord | None = None) -> str:
    """Where "last year's notified credit" (and so the change and the weights) comes from, in a sentence.

    ``record`` is the year's (``y.notified``); without it, it is looked for."""
    record = record if record is not None else find_notified_record(params)
    return (f"ستون «{ALLOCATION_FA['last_year_notified']}» و «{ALLOCATION_FA['change']}» و نسبت جذب در "
            f"ضریب‌های عملکرد از {record.source_fa()} آمده‌اند.")


def allocation_table_fa(params: Params, table: pd.DataFrame) -> pd.DataFrame:
    """The allocation table with Persian headers and a total row, ready to show or write.

    The weight column appears only under ``performance_weighted``. Values stay
    numeric (ints, NA for missing); formatting is left to the display helpers.
    """
    cols = [c for c in ALLOCATION_FA if c != "weight" or params.budget.method == "performance_weighted"]
    body = table[cols].copy()
    t = allocation_totals(params, table)
    has_last = table["last_year_notified"].notna()
    total = {
        "province_name": TOTAL_LABEL,
        "eligible_children": t.eligible_children,
        "requirement": t.requirement,
        "weight": float("nan"),
        "allocated": t.allocated,
        "share": 1.0 if t.allocated else 0.0,
        "last_year_notified": t.last_year_notified if has_last.any() else pd.NA,
        "change": (
            int(table.loc[has_last, "allocated"].sum()) - t.last_year_notified
            if has_last.any() else pd.NA
        ),
        "allocated_per_child": (
            t.allocated // t.eligible_children if t.eligible_children else pd.NA
        ),
    }
    total_row = pd.DataFrame([{c: total[c] for c in cols}]).astype(body.dtypes.to_dict())
    out = pd.concat([body, total_row], ignore_index=True)
    return out.rename(columns=ALLOCATION_FA)


# --- explanation -------------------------------------------------------------------------
_fa_int = fmt_int


def _fa_weight(value: Fraction | None) -> str:
    """A weight with three decimals, rounded half up, in Persian digits (``–`` for none)."""
    if value is None:
        return "–"
    return fmt_decimal(value, 3)


def _fa_share(share: Decimal | Fraction) -> str:
    """A share as a percentage with at most two decimals, trailing zeros dropped (``۲٪``, ``۸۵٫۵٪``)."""
    text = format(round_half_up(_exact(share) * 100, 2), "f").rstrip("0").rstrip(".")
    return to_persian_digits(text.replace(".", "٫")) + "٪"


def _fa_decimal(value: Decimal) -> str:
    return to_persian_digits(format(Decimal(value).normalize(), "f").replace(".", "٫"))


def method_explanation(params: Params, table: pd.DataFrame) -> str:
    """The allocation method and its parameters in plain Persian sentences (Persian digits)."""
    b = params.budget
    t = allocation_totals(params, table)
    pw = b.performance_weights
    parts = [
        f"از اعتبار مصوب {_fa_int(b.approved_credit)} ریال، {_fa_share(b.released_share)} "
        f"تخصیص یافته است ({_fa_int(b.released_credit)} ریال). {_fa_share(b.reserve_share)} "
        f"از اعتبار تخصیص‌یافته ({_fa_int(b.reserve)} ریال) به‌عنوان ذخیره در ستاد می‌ماند و "
        f"{_fa_int(b.distributable)} ریال میان استان‌ها توزیع می‌شود.",
        f"نیاز اعتباری هر استان برابر تعداد فرزندان واجد شرایط آن ضرب در سرانه "
        f"{_fa_int(params.service.per_capita_premium)} ریال است؛ نیاز کل کشور "
        f"{_fa_int(t.requirement)} ریال برای {_fa_int(t.eligible_children)} فرزند است.",
    ]
    covered = b.distributable >= t.requirement
    if b.method == "per_capita":
        parts.append(
            "روش توزیع سرانه‌ای است: "
            + (
                "چون اعتبار قابل توزیع نیاز همه استان‌ها را پوشش می‌دهد، هر استان به اندازه "
                "نیاز خود اعتبار می‌گیرد."
                if covered
                else "چون اعتبار قابل توزیع کمتر از نیاز کل است، اعتبار به نسبت نیاز هر استان "
                "میان استان‌ها تقسیم می‌شود."
            )
        )
    else:
        no_perf = int((~table["has_performance"]).sum())
        parts.append(
            "روش توزیع وزنی بر پایه عملکرد سال قبل است: سهم هر استان متناسب با نیاز آن ضرب در "
            "ضریب عملکردش است. ضریب عملکرد از عملکرد سال قبل که استان‌ها در فرم امسال "
            f"گزارش کرده‌اند به دست می‌آید: نسبت جذب (هزینه‌کرد به اعتبار ابلاغی) با وزن "
            f"{_fa_share(pw.absorption)} و نسبت پوشش (بیمه‌نامه صادرشده به فرزندان تحت پوشش) "
            f"با وزن {_fa_share(pw.coverage)}؛ هر نسبت حداکثر ۱ در نظر گرفته می‌شود. امتیاز هر "
            "استان بر میانگین کشوری (وزن‌دار با نیاز) تقسیم می‌شود تا میانگین ضریب‌ها ۱ باشد، و "
            f"سپس به بازه {_fa_decimal(pw.floor)} تا {_fa_decimal(pw.cap)} محدود می‌شود. "
            "هیچ استانی بیش از نیاز خود اعتبار نمی‌گیرد و آنچه از این سقف آزاد می‌شود میان "
            "استان‌های دیگر به همان نسبت تقسیم می‌شود."
        )
        if no_perf:
            parts.append(
                f"برای {_fa_int(no_perf)} استان عملکرد سال قبل در دست نبود و ضریب آن‌ها ۱ "
                "در نظر گرفته شد."
            )
    floors = int((table["floor"] > 0).sum())
    if b.province_floors or b.floor_last_year:
        if floors:
            parts.append(
                f"برای {_fa_int(floors)} استان حداقل اعتبار (کف) اعمال شد"
                + ("، از جمله کف اعتبار ابلاغی سال قبل." if b.floor_last_year else ".")
            )
        if b.floor_last_year and not _last_year_floor_applied(params, table):
            parts.append(
                "اعتبار قابل توزیع برای رعایت کف «اعتبار ابلاغی سال قبل» کافی نبود و این کف "
                "اعمال نشد."
            )
    if b.province_caps:
        parts.append(f"برای {_fa_int(len(b.province_caps))} استان سقف اعتبار تعیین شده است.")
    parts.append(
        f"مبالغ به مضرب {_fa_int(b.rounding_unit)} ریال گرد شده‌اند (به پایین)، و واحدهای "
        "باقی‌مانده به استان‌هایی داده شده که بیشترین باقی‌مانده کسری را داشته‌اند (در تساوی، "
        "استان با نیاز بیشتر، سپس به ترتیب کد استان)."
    )
    parts.append(f"جمع اعتبار ابلاغی به استان‌ها {_fa_int(t.allocated)} ریال است.")
    if t.unallocated:
        parts.append(f"{_fa_int(t.unallocated)} ریال توزیع نشده و در ستاد باقی می‌ماند.")
    if t.sub_unit_remainder:
        parts.append(
            f"{_fa_int(t.sub_unit_remainder)} ریال کمتر از یک واحد گرد کردن است و به ذخیره ستاد "
            "افزوده می‌شود."
        )
    return " ".join(parts)


def _last_year_floor_applied(params: Params, table: pd.DataFrame) -> bool:
    unit = params.budget.rounding_unit
    last = table["last_year_notified"].fillna(0).astype("int64")
    wanted = ((-(-last // unit)) * unit).clip(upper=table["cap"])
    return bool((table["floor"] >= wanted).all())


# --- sensitivity and projection ---------------------------------------------------------
def sensitivity_columns_fa(params: Params) -> list[str]:
    """The amount columns of :func:`sensitivity_table_fa` (int Rials, headed in million Rials)."""
    return ["نیاز اعتباری (میلیون ریال)"] + [
        f"تخصیص {_fa_share(share)} (میلیون ریال)" for share in params.budget.sensitivity_shares
    ]


def sensitivity_table_fa(params: Params, table: pd.DataFrame) -> pd.DataFrame:
    """:func:`sensitivity_table` with Persian headers (تخصیص ۶۰٪ ...).

    Values stay int Rials; the headers say million Rials, so show them with
    ``show_table(million=sensitivity_columns_fa(params))``.
    """
    columns = sensitivity_columns_fa(params)
    names = {"province_name": "استان", "requirement": columns[0]}
    for share, header in zip(params.budget.sensitivity_shares, columns[1:], strict=True):
        names[_share_key(share)] = header
    return table.drop(columns="province_code").rename(columns=names)


def projection_backtest_fa(backtest: pd.DataFrame | None, latest: int) -> pd.DataFrame:
    """The back-test for the report: counts rounded for reading, Rials exact."""
    if backtest is None:
        return pd.DataFrame(columns=["روش"])
    return pd.DataFrame({
        "روش": backtest["method"].map(BACKTEST_METHOD_FA),
        f"برآورد {to_persian_digits(latest)} (نفر)": backtest["predicted"].map(_half_up),
        "واقعی (نفر)": backtest["actual"],
        "خطا (نفر)": backtest["error"].map(_half_up),
        "خطا (درصد)": backtest["error_share"],
        "خطای اعتبار (میلیون ریال)": backtest["error_rials"],
    })


def projection_method_fa(params: Params, children: pd.DataFrame,
                         history_children: Mapping[int, pd.DataFrame]) -> str:
    """The projection's method and assumptions in words, with the rates it used."""
    limit = params.eligibility.age_limit
    ages = _ages(params, children)
    tables = {**dict(history_children), params.year: children.assign(age=ages)}
    pairs = _pairs(tables, params.year)
    rates = exit_rates_by_province(params.year, children.assign(age=ages), tables, limit)
    admissions = admissions_by_province(params.year, children, tables)
    years = "، ".join(f"{to_persian_digits(t - 1)} به {to_persian_digits(t)}" for t in pairs) or "هیچ"
    national = sum(admissions.values(), Fraction(0))
    rate_values = sorted(rates.values())
    lo, hi = (rate_values[0], rate_values[-1]) if rate_values else (Fraction(0), Fraction(0))
    return (
        f"برآورد از فهرست فرزندان واجد شرایط {to_persian_digits(params.year)} آغاز می‌شود و برای هر استان "
        f"جداگانه ساخته می‌شود. هر سال: فرزندانی که به {_fa_int(limit)} سالگی می‌رسند خارج می‌شوند؛ از "
        "دیگران، هر استان به نرخی که در سال‌های گذشته دیده شده به دلایل دیگر (پایان حمایت، بازگشت به "
        f"خانواده و مانند آن) خارج می‌شوند؛ این نرخ از مقایسهٔ فهرست‌های پیاپی ({years}) به دست آمده و میان "
        f"استان‌ها از {_fa_share(lo)} تا {_fa_share(hi)} در سال است. پذیرش جدید هر استان برابر میانگین دقیق "
        f"پذیرش همان سال‌هاست (جمع کشور {_fa_decimal(round_half_up(national, 1))} "
        "نفر در سال) و پیش از محاسبهٔ مبلغ نهایی گرد نمی‌شود. فرض شده است پذیرفته‌شدگان جدید در این "
        "دوره به سقف سنی نمی‌رسند ولی به همان نرخ خارج می‌شوند. سرانه هر سال "
        f"{_fa_share(params.budget.premium_growth)} افزایش می‌یابد. شمارها امید ریاضی‌اند و در جدول "
        "گرد شده نشان داده می‌شوند؛ اعتبار مورد نیاز از شمار دقیق ضرب در سرانه به دست آمده و فقط یک بار "
        "به ریال گرد شده است، پس جمع ستون‌های گردشده ممکن است یک واحد با شمار پایان سال فرق کند."
    )


def projection_table_fa(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`projection_table` with Persian headers (the year as text, no separators).

    The requirement stays int Rials under a million-Rials header
    (``show_table(million=PROJECTION_MILLION_FA)``).
    """
    out = table.copy()
    out["year"] = out["year"].map(to_persian_digits).astype("str")
    for col in ("children_start", "leaving", "other_exits", "admissions", "children"):
        out[col] = out[col].map(_half_up).astype("int64")
    return out.rename(columns=PROJECTION_FA)
