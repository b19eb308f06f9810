"""The summary page's key numbers: what the year is, in fifteen figures (formatted at the edge)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from atiyeh_reports.core.params import Params
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.core.vocab import PREMIUM_UNFUNDED, PREMIUMS, WITHOUT_POLICY
from atiyeh_reports.evaluation import indicators as ind
from atiyeh_reports.evaluation.rules import funding_gap
from atiyeh_reports.insurer.reconciliation import Reconciliation
from atiyeh_reports.present.display import fmt_int, fmt_million, fmt_pct

__all__ = ["headline_numbers"]


def headline_numbers(table: pd.DataFrame, rec: Reconciliation, params: Params) -> pd.DataFrame:
    """The summary page's key numbers for the report year, label/value with a unit.

    ``table`` is :func:`indicators.province_indicators` (or by year: the latest year is used).
    Values are plain numbers (ints, shares); format them at the edge.
    """
    year = int(table["year"].max())
    nat = ind.national_indicators(table[table["year"] == year]).iloc[0]
    counts = rec.counts[[c for c in rec.counts.columns if c != "province_code"]].sum()
    below = int((table.loc[table["year"] == year, "coverage"]
                 < float(params.thresholds.coverage_target)).sum())
    current = table[table["year"] == year]
    gap = funding_gap(current, params)
    hq = "notified_source" in current.columns and (current["notified_source"] == "hq").all()
    some = "notified_source" in current.columns and (current["notified_source"] == "hq").any()
    source = ("سابقهٔ ابلاغ ستاد" if hq else
              "سابقهٔ ابلاغ ستاد و برای استان‌های بی‌سابقه گزارش استان" if some else "گزارش استان‌ها")
    rows = [
        ("eligible", "فرزندان واجد شرایط", int(nat["eligible"]), "نفر"),
        ("insured", "فرزندان بیمه‌شده (دارای بیمه‌نامهٔ فعال)", _int_or_none(nat["insured"]), "نفر"),
        ("coverage", "پوشش بیمه", _float_or_none(nat["coverage"]), "درصد"),
        ("no_policy", WITHOUT_POLICY, int(counts.get("no_policy", 0)), "نفر"),
        ("policies", "بیمه‌نامه‌های خروجی بیمه‌گر", int(counts.get("policies", 0)), "فقره"),
        ("problem_policies", "بیمه‌نامه‌های نیازمند پیگیری",
         int(sum(counts.get(c, 0) for c in ("not_on_list", "duplicate", "premium_mismatch",
                                            "province_mismatch"))), "فقره"),
        ("late", "بیمه‌نامه‌های صادرشده با تأخیر", int(rec.delays["late"].sum()), "فقره"),
        ("credit_notified", f"اعتبار ابلاغی سال {to_persian_digits(year - 1)} ({source})",
         _int_or_none(nat["credit_notified"]), "ریال"),
        ("credit_spent", f"اعتبار هزینه‌شدهٔ سال {to_persian_digits(year - 1)} (گزارش استان‌ها)",
         _int_or_none(nat["credit_spent"]), "ریال"),
        ("absorption", f"جذب اعتبار سال {to_persian_digits(year - 1)}", _float_or_none(nat["absorption"]), "درصد"),
        ("provinces_below_target", "استان‌های زیر هدف پوشش", below, "استان"),
        ("requirement", f"نیاز اعتباری سال {to_persian_digits(year)}", gap["requirement"], "ریال"),
        ("distributable", f"اعتبار قابل توزیع سال {to_persian_digits(year)}", gap["distributable"], "ریال"),
        ("funding_gap", "کسری اعتبار نسبت به نیاز", gap["gap"], "ریال"),
        ("premiums_unfunded", f"{PREMIUM_UNFUNDED} (کسری ÷ سرانه)", gap["children"], PREMIUMS),
    ]
    return pd.DataFrame(rows, columns=["key", "label", "value", "unit"])


def headline_fa(headline: pd.DataFrame) -> pd.DataFrame:
    """Headline numbers as label/value text for a two-column table (formatted here, at the edge)."""
    def fmt(value: Any, unit: str) -> str:
        if value is None or pd.isna(value):
            return "نامعلوم"
        if unit == "درصد":
            return fmt_pct(value)
        if unit == "ریال":
            return fmt_million(value) + " میلیون ریال"
        return f"{fmt_int(value)} {unit}"

    return pd.DataFrame({
        "شاخص": headline["label"],
        "مقدار": [fmt(v, u) for v, u in zip(headline["value"], headline["unit"], strict=True)],
    })


def _int_or_none(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float_or_none(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)

