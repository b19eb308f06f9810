"""What the analysis report shows: Persian headers, the ``*_fa`` tables, the headline, the charts.

Each ``*_fa`` function returns the table of :mod:`atiyeh_reports.analysis.tables` with
Persian headers and province names, ready for
:func:`atiyeh_reports.present.display.show_table`; formatting (digits, separators, percent
signs) happens there, at the edge. Values are untouched: numbers stay numbers. The ``*_safe``
tables are the province crosstabs a report may show (small counts suppressed).

:func:`no_data_note_fa` names the provinces with no data this year (from
:func:`atiyeh_reports.intake.inventory.provinces_without_data`); every report shows it near
the top.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from atiyeh_reports.analysis.common import _last_two, with_total
from atiyeh_reports.analysis.tables import (
    AGE_EDGES,
    age_gender_table,
    children_by_age_band,
    children_by_care_type,
    children_by_gender,
    children_by_guardianship,
    children_by_province,
    findings_by_problem,
    headline_figures,
    newcomers_leavers,
    performance_table,
    province_counts,
    province_crosstab,
    province_crosstab_safe,
    quality_summary,
    trend_table,
)
from atiyeh_reports.core import vocab
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.core.vocab import CARE_TYPES, GENDERS, GUARDIANSHIPS
from atiyeh_reports.errors import AnalysisError
from atiyeh_reports.intake.inventory import provinces_without_data
from atiyeh_reports.present import chart_kinds
from atiyeh_reports.present.display import fmt_int, fmt_pct

#: Persian headers for every column the functions here return.
COLUMNS_FA: dict[str, str] = {
    "province_code": "کد استان",
    "province": "استان",
    "children": f"تعداد {vocab.ELIGIBLE}",
    "share": "سهم از کل",
    "population": "جمعیت استان (۱۳۹۵)",
    "per_100k": "در هر ۱۰۰ هزار نفر جمعیت",
    "gender": "جنسیت",
    "age_band": "گروه سنی",
    "age": "سن",
    "guardianship": "وضعیت سرپرستی",
    "care_type": "نوع نگهداری",
    "total": "جمع",
    "year": "سال",
    "change": "تغییر نسبت به سال قبل",
    "growth": "درصد تغییر",
    "provinces": "تعداد استان‌ها",
    "previous": "سال قبل",
    "continuing": "ادامه پوشش",
    "moved_out": "انتقال به استان دیگر",
    "moved_in": "انتقال از استان دیگر",
    "leavers": "خروج از فهرست",
    "aged_out": "خروج به علت سن",
    "newcomers": "ورود جدید",
    "current": "سال جاری",
    "performance_year": "سال عملکرد",
    "credit_notified": "اعتبار ابلاغی (ریال)",
    "credit_spent": "اعتبار هزینه‌شده (ریال)",
    "absorption": "نسبت جذب",
    "children_covered": vocab.COVERED_REPORTED,
    "policies_issued": "بیمه‌نامه صادرشده",
    "policy_rate": "نسبت بیمه‌نامه به فرزند",
    "children_left": "خروج از پوشش (گزارش استان)",
    "credit_notified_reported": "اعتبار ابلاغی به گزارش استان (ریال)",
    "notified_difference": "اختلاف گزارش استان با سابقهٔ ستاد (ریال)",
    "rows_read": "ردیف‌های خوانده‌شده",
    "accepted": "پذیرفته",
    "corrected": "اصلاح‌شده",
    "rejected": "ردشده",
    "rejected_share": "سهم ردشده",
    "problem": "مشکل",
    "action": "اقدام",
    "findings": "تعداد موارد",
}

#: Persian words for the intake's actions on a finding.
ACTIONS_FA: dict[str, str] = {
    "corrected": "اصلاح شد",
    "rejected": "رد شد",
    "warning": "هشدار",
    "unreadable": "ناخوانا",
}


# --- the tables with Persian headers ---------------------------------------------------------
def to_fa(table: pd.DataFrame) -> pd.DataFrame:
    """Persian headers (``COLUMNS_FA``) and Persian action words; the codes column is dropped.

    Values are untouched: numbers stay numbers for :func:`display.show_table`.
    """
    out = table.drop(columns=["province_code"], errors="ignore")
    if "action" in out.columns:
        out = out.assign(action=out["action"].map(lambda a: ACTIONS_FA.get(a, a)))
    return out.rename(columns=COLUMNS_FA)


def children_by_province_fa(children: pd.DataFrame) -> pd.DataFrame:
    """:func:`children_by_province` in the reports' province order (alphabetical), a total row, Persian headers."""
    table = vocab.in_province_order(children_by_province(children))
    total = with_total(table, sums=["children", "population"])
    total.loc[total.index[-1], "share"] = 1.0 if total["children"].iloc[-1] else np.nan
    total.loc[total.index[-1], "per_100k"] = (
        total["children"].iloc[-1] / total["population"].iloc[-1] * 100_000
    )
    return to_fa(total)


def children_by_gender_fa(children: pd.DataFrame) -> pd.DataFrame:
    """:func:`children_by_gender` with Persian headers."""
    return to_fa(children_by_gender(children))


def children_by_guardianship_fa(children: pd.DataFrame) -> pd.DataFrame:
    """:func:`children_by_guardianship` with Persian headers."""
    return to_fa(children_by_guardianship(children))


def children_by_care_type_fa(children: pd.DataFrame) -> pd.DataFrame:
    """:func:`children_by_care_type` with Persian headers."""
    return to_fa(children_by_care_type(children))


def children_by_age_band_fa(children: pd.DataFrame,
                            edges: Sequence[int] = AGE_EDGES) -> pd.DataFrame:
    """:func:`children_by_age_band` with Persian headers."""
    return to_fa(children_by_age_band(children, edges))


def province_by_gender_safe(children: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Province × gender for a report: small counts suppressed, Persian headers."""
    return to_fa(province_crosstab_safe(children, "gender", threshold, GENDERS))


def province_by_guardianship_safe(children: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Province × guardianship for a report: small counts suppressed, Persian headers."""
    return to_fa(province_crosstab_safe(children, "guardianship", threshold, GUARDIANSHIPS))


def province_by_care_type_safe(children: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Province × care arrangement for a report: small counts suppressed, Persian headers."""
    return to_fa(province_crosstab_safe(children, "care_type", threshold, CARE_TYPES))


def trend_table_fa(children_by_year: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """:func:`trend_table` with Persian headers (years stay ints)."""
    return to_fa(trend_table(children_by_year))


def newcomers_leavers_fa(children_by_year: Mapping[int, pd.DataFrame], *,
                         age_limit: int | None = None) -> pd.DataFrame:
    """:func:`newcomers_leavers` between the last two years given, with Persian headers.

    With fewer than two years there is nothing to compare: an empty table.
    """
    pair = _last_two(children_by_year)
    if pair is None:
        return pd.DataFrame(columns=[COLUMNS_FA["province"]])
    table = newcomers_leavers(children_by_year[pair[0]], children_by_year[pair[1]],
                              age_limit=age_limit)
    return to_fa(table)


def performance_table_fa(performance: pd.DataFrame, params: object | None = None) -> pd.DataFrame:
    """:func:`performance_table` with Persian headers; money stays int Rials.

    When every province reports the same year, the year column says nothing a
    reader needs on each row and is left out (the heading names the year), so
    the wide table fits the page.
    """
    table = performance_table(performance, params)
    if table["performance_year"].nunique(dropna=True) <= 1 and table["performance_year"].notna().all():
        table = table.drop(columns=["performance_year"])
    return to_fa(table)


#: How :func:`display.show_table` formats each column the tables here produce (by English name).
FORMATS: dict[str, str] = {
    "credit_notified": "money", "credit_spent": "money", "credit_notified_reported": "money",
    "notified_difference": "money", "absorption": "percent", "policy_rate": "percent",
    "share": "percent", "rejected_share": "percent",
}


def formats_fa(table: pd.DataFrame) -> dict[str, list[str]]:
    """The ``money=`` / ``percent=`` arguments of :func:`display.show_table` for the Persian columns
    ``table`` has: a column a table leaves out (HQ's record's, when there is none) is never named."""
    out: dict[str, list[str]] = {}
    for col, kind in FORMATS.items():
        if COLUMNS_FA[col] in table.columns:
            out.setdefault(kind, []).append(COLUMNS_FA[col])
    return out


def show_performance(performance: pd.DataFrame,
                     params: object | None = None) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """:func:`performance_table_fa` and the :func:`formats_fa` it needs, as ``(table, kwargs)``."""
    table = performance_table_fa(performance, params)
    return table, formats_fa(table)


def notified_source_fa(record: object | None) -> str:
    """Where the performance table's «اعتبار ابلاغی» comes from, in a sentence: HQ's record (its
    file, year and digest; the provinces it lacks) or the forms. ``record`` is ``y.notified``
    (:class:`~atiyeh_reports.allocation.record.NotifiedRecord`; the analysis does not import it)."""
    source = getattr(record, "source_fa", None)
    if source is None:
        return "«اعتبار ابلاغی» رقمی است که هر استان در فرم خود گزارش کرده است."
    return f"«اعتبار ابلاغی» در این جدول از {source()} آمده است."


def quality_summary_fa(summary: pd.DataFrame) -> pd.DataFrame:
    """:func:`quality_summary` with Persian headers."""
    return to_fa(quality_summary(summary))


def findings_by_problem_fa(findings: pd.DataFrame) -> pd.DataFrame:
    """:func:`findings_by_problem` with Persian headers and actions."""
    return to_fa(findings_by_problem(findings))


# --- headline numbers -------------------------------------------------------------------------
def headline_figures_fa(children_by_year: Mapping[int, pd.DataFrame], *,
                        expected_recipients: int | None = None,
                        summary: pd.DataFrame | None = None) -> list[tuple[str, str]]:
    """:func:`headline_figures` formatted for :func:`display.key_values` (the edge)."""
    units = {vocab.ELIGIBLE: "نفر", "استان‌های دارای فرزند در فهرست": "استان"}
    out = []
    for label, value in headline_figures(children_by_year, expected_recipients=expected_recipients,
                                         summary=summary):
        if label == "سال گزارش":
            text = to_persian_digits(value)
        elif label.startswith("تغییر نسبت به"):
            label = to_persian_digits(label)
            # a word, not a sign: "+" and "-" beside Persian digits reorder in right-to-left text
            text = (f"{fmt_int(abs(value))} نفر {'افزایش' if value > 0 else 'کاهش'}" if value
                    else "بدون تغییر")
        elif isinstance(value, float):
            text = fmt_pct(value)
        else:
            text = fmt_int(value) + (f" {units[label]}" if label in units else "")
        out.append((label, text))
    return out


# --- the charts of the analysis report --------------------------------------------------------
def children_by_province_chart(children: pd.DataFrame) -> chart_kinds.Figure:
    """Sorted horizontal bars of children per province."""
    return chart_kinds.bar_by_province(province_counts(children), f"{vocab.ELIGIBLE} به تفکیک استان{_year_of(children)}",
                                       "تعداد (نفر)")


def per_100k_chart(children: pd.DataFrame) -> chart_kinds.Figure:
    """Sorted bars of children per 100,000 people of each province."""
    table = children_by_province(children).set_index("province_code")
    return chart_kinds.bar_by_province(table["per_100k"],
                                       f"{vocab.ELIGIBLE} در هر ۱۰۰ هزار نفر جمعیت استان{_year_of(children)}",
                                       "نفر در هر ۱۰۰ هزار نفر جمعیت (سرشماری ۱۳۹۵)", decimals=1)


def age_pyramid_chart(children: pd.DataFrame, edges: Sequence[int] | None = None) -> chart_kinds.Figure:
    """The population pyramid by single year of age (equal widths: no band looks bigger for being wider).

    Pass ``edges`` of equal steps for bands (e.g. ``range(0, 19, 3)``); unequal bands are refused,
    since a wider band would look like more children.
    """
    if edges is not None and len({b - a for a, b in zip(edges[:-1], edges[1:])}) > 1:
        raise AnalysisError(f"age pyramid bands {list(edges)} are not of equal width; pass equal steps or None")
    return chart_kinds.population_pyramid(age_gender_table(children, edges),
                                          f"هرم سنی {vocab.ELIGIBLE}{_year_of(children)}",
                                          xlabel="تعداد (نفر)",
                                          ylabel="سن (سال تمام در یکم فروردین)" if edges is None else "گروه سنی (سال)")


def care_type_chart(children: pd.DataFrame) -> chart_kinds.Figure:
    """Stacked bars: care arrangement within each guardianship status."""
    table = province_crosstab(children.assign(province_code=children["guardianship"]),
                              "care_type", CARE_TYPES)
    frame = table.drop(columns=["province", "total"]).set_index("province_code")
    return chart_kinds.stacked_bars(frame, f"نوع نگهداری به تفکیک وضعیت سرپرستی{_year_of(children)}",
                                    "درصد فرزندان هر وضعیت سرپرستی", share=True)


def trend_chart(children_by_year: Mapping[int, pd.DataFrame]) -> chart_kinds.Figure:
    """Lines of children, boys and girls over the years given."""
    table = trend_table(children_by_year).set_index("year")
    frame = table[["children", *GENDERS]].rename(columns={"children": "همه فرزندان"})
    return chart_kinds.trend_lines(frame, f"روند تعداد {vocab.ELIGIBLE}", "تعداد (نفر)")


def _year_of(children: pd.DataFrame) -> str:
    """``، ۱۴۰۴`` when the table holds one report year (for chart titles), else nothing."""
    years = children["year"].dropna().unique() if "year" in children.columns else []
    return f"، {to_persian_digits(int(years[0]))}" if len(years) == 1 else ""


# --- provinces without data ---------------------------------------------------------------------
_REASON_FA = {
    "every row of its form was rejected": "همهٔ ردیف‌های فرم رد شد",
    "its form lists no children": "فرم هیچ فرزندی ندارد",
    "its form could not be read": "فرم خوانده نشد",
    "no form was received": "فرمی نرسید",
}


def no_data_note_fa(data) -> str:  # noqa: ANN001 - a YearData (or an Intake: then no insurer part)
    """A Persian paragraph naming the provinces with no data this year, and an insurer export
    without policies; empty when there is nothing to say. Each report shows it near the top."""
    parts = []
    missing = provinces_without_data(data)
    if missing:
        names = by_code()
        listed = "، ".join(f"{names[c].name_fa} ({_REASON_FA.get(r, r)})" for c, r in missing.items())
        parts.append(
            f"**هشدار: از {to_persian_digits(len(missing))} استان امسال داده‌ای در دست نیست** و این "
            f"استان‌ها در شمارش‌ها و در تخصیص صفر آمده‌اند: {listed}."
        )
    policies = getattr(data, "policies", None)
    if policies is not None and len(policies) == 0:
        parts.append("**هشدار: از خروجی بیمه‌گر هیچ بیمه‌نامه‌ای خوانده نشد** (نرسیده، خوانده نشد یا "
                     "خالی است)؛ تطبیق با بیمه‌نامه‌ها انجام نشده است.")
    return "\n\n".join(parts)
