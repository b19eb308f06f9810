"""The programme's indicators, per province and nationally, and the scorecard.

For a report year Y each province gets: eligible children (Y's list), insured
children (children with an active policy in the insurer's export, see
:mod:`atiyeh_reports.insurer.reconciliation`), coverage, policies issued late, and data
quality at intake (share of rows rejected / corrected). Money comes from the
performance sheet, and **the form of year Y reports year Y-1**: so the credit
notified and spent, absorption, cost per insured child and children who left
coverage in Y's row describe ``performance_year`` = Y-1. The credit notified
is HQ's own record of Y-1's allocation where there is one
(:mod:`atiyeh_reports.allocation.record`), else the form's figure (``notified_source``).

Cost per insured child is the credit spent in Y-1 divided by the active
policies in the insurer's export of Y-1 (policies actually issued), so its
ratio to Y-1's premium says whether the money spent matches the policies
bought; it is no longer spent ÷ children covered, which on a list-based
denominator was absorption under another name. :data:`DEFINITIONS` gives each
indicator's definition, source and base (:func:`definitions_fa` shows them).

Traffic lights (:func:`scorecard`) use explicit thresholds; ``params.thresholds``
gives the targets, this module the margins:

=================  ==========================  ===============================  ==========
indicator          green                       amber                            red
=================  ==========================  ===============================  ==========
coverage           ≥ coverage_target           ≥ target − 0.10                  below
absorption         target ≤ a ≤ 1              ≥ target − 0.15, or a > 1        below
late_share         ≤ 0.05                      ≤ 0.20                           above
rejected_share     ≤ data_quality_target       ≤ 2 × target                     above
cost_ratio         spent ÷ (policies × premium) within ±15%                      beyond
                   within ±5%, premium of the
                   performance year
                   (``params/<Y-1>.yaml``;
                   no light when absent)
=================  ==========================  ===============================  ==========

A missing value gets no light and does not count. Rank: fewest reds first,
then the highest score (2 per green, 1 per amber), then the highest coverage,
then the province code, so ties are broken the same way every time.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atiyeh_reports.allocation.record import with_hq_notified
from atiyeh_reports.core import vocab
from atiyeh_reports.core.params import Params, own_params
from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.insurer.reconciliation import Reconciliation, reconcile
from atiyeh_reports.present.display import exact, fmt_decimal, round_half_up

__all__ = [
    "COVERAGE_AMBER_MARGIN", "LIGHT_FA", "indicators_by_year", "national_indicators",
    "province_indicators", "scorecard", "scorecard_fa", "yoy_table", "yoy_fa",
]

COVERAGE_AMBER_MARGIN = 0.10
ABSORPTION_AMBER_MARGIN = 0.15
LATE_GREEN, LATE_AMBER = 0.05, 0.20
COST_GREEN, COST_AMBER = 0.05, 0.15
LIGHT_FA = {"green": "سبز", "amber": "زرد", "red": "قرمز", None: "نامعلوم"}
SCORED = ("coverage", "absorption", "late_share", "rejected_share", "cost_ratio")

_COUNTS = ("eligible", "insured", "policies", "dated_policies", "issued_late", "rows_read",
           "rejected", "corrected")
_MONEY = ("credit_notified", "credit_spent", "children_covered", "children_left")


def _div(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype("Float64")
    den = den.astype("Float64")
    return (num / den.where(den != 0)).astype(float)


def year_params(params: Params, year: int) -> Params | None:
    """The parameters of ``year`` from its own ``params/<year>.yaml`` beside ``params.source``, if
    any (:func:`atiyeh_reports.core.params.own_params`)."""
    return params if params.year == year else own_params(params, year)


def province_indicators(children: pd.DataFrame, policies: pd.DataFrame,
                        performance: pd.DataFrame, summary: pd.DataFrame, params: Params, *,
                        history_children: Iterable[pd.DataFrame] = (),
                        previous_policies: pd.DataFrame | None = None,
                        rec: Reconciliation | None = None,
                        performance_params: Params | None = None) -> pd.DataFrame:
    """One row per province with the year's indicators (see the module docstring).

    ``previous_policies`` is the insurer's export of the performance year (Y-1):
    cost per insured child is the credit spent in Y-1 divided by the active
    policies that export holds for the province (missing without it).

    Provinces are those that appear in any input. When the insurer's export is
    empty, ``insured`` and ``coverage`` are missing (unknown), not zero.
    Money columns are nullable int64 Rials (missing when a province sent no form).
    """
    # Last year's notified credit: HQ's own record where there is one (a loaded year has it already).
    performance = with_hq_notified(params, performance)
    if rec is None:
        rec = reconcile(children, policies, params, history_children=history_children)
    codes = sorted({c for frame in (children, performance, summary, rec.counts)
                    if "province_code" in frame
                    for c in frame["province_code"].dropna()})
    out = pd.DataFrame({"province_code": codes})
    out.insert(0, "year", params.year)
    counts = rec.counts.dropna(subset=["province_code"]).set_index("province_code")
    out["eligible"] = out["province_code"].map(children["province_code"].value_counts()).fillna(0)
    if len(policies):
        out["insured"] = out["province_code"].map(counts["matched_children"]).fillna(0)
    else:
        out["insured"] = pd.NA
    out["policies"] = out["province_code"].map(counts["policies"]).fillna(0)
    delays = rec.delays.dropna(subset=["province_code"]).set_index("province_code")
    out["dated_policies"] = out["province_code"].map(delays["issued"]).fillna(0)
    out["issued_late"] = out["province_code"].map(delays["late"]).fillna(0)
    out["median_delay_days"] = out["province_code"].map(delays["median_days"]).astype(float)
    perf_cols = ["province_code", *_MONEY]
    perf = performance.reindex(columns=perf_cols).drop_duplicates("province_code").set_index(
        "province_code")
    out["performance_year"] = params.year - 1
    for col in _MONEY:
        out[col] = out["province_code"].map(perf[col]).astype("Int64") if col in perf else pd.NA
    summ = summary.set_index("province_code") if len(summary) else pd.DataFrame(
        columns=["rows_read", "rejected", "corrected"])
    for col in ("rows_read", "rejected", "corrected"):
        out[col] = out["province_code"].map(summ[col]).fillna(0)
    for col in _COUNTS:
        out[col] = out[col].astype("Int64")
    out["coverage"] = _div(out["insured"], out["eligible"])
    out["late_share"] = _div(out["issued_late"], out["dated_policies"])
    out["absorption"] = _div(out["credit_spent"], out["credit_notified"])
    src = performance.reindex(columns=["province_code", "credit_notified_reported", "notified_source"]
                              ).drop_duplicates("province_code").set_index("province_code")
    for col in ("credit_notified_reported", "notified_source"):
        out[col] = out["province_code"].map(src[col]) if col in src else pd.NA
    out["credit_notified_reported"] = out["credit_notified_reported"].astype("Int64")
    # Policies the insurer's export of the performance year holds as active, under the province it
    # recorded: what the credit spent in that year actually bought.
    if previous_policies is not None and len(previous_policies):
        active = previous_policies[previous_policies["status"] == vocab.POLICY_ACTIVE]
        out["policies_performance_year"] = out["province_code"].map(
            active["province_code"].value_counts()).fillna(0).astype("Int64")
    else:
        out["policies_performance_year"] = pd.array([pd.NA] * len(out), dtype="Int64")
    cost = out["credit_spent"] // out["policies_performance_year"].where(
        out["policies_performance_year"] > 0)
    out["cost_per_insured"] = cost.astype("Int64")
    out["premium"] = params.service.per_capita_premium
    perf_params = performance_params or year_params(params, params.year - 1)
    out["performance_premium"] = pd.array(
        [perf_params.service.per_capita_premium if perf_params else pd.NA] * len(out), dtype="Int64")
    out["cost_ratio"] = _div(out["credit_spent"], out["policies_performance_year"]
                             * out["performance_premium"])
    out["rejected_share"] = _div(out["rejected"], out["rows_read"])
    out["corrected_share"] = _div(out["corrected"], out["rows_read"])
    out.insert(2, "province", out["province_code"].map(name_fa))
    return out


def national_indicators(table: pd.DataFrame) -> pd.DataFrame:
    """The national row per year: counts and money summed, ratios recomputed from the sums."""
    sums = table.groupby("year", sort=True)[list(_COUNTS + _MONEY)].sum(min_count=1)
    insured_known = table.groupby("year")["insured"].apply(lambda s: s.notna().any())
    sums["insured"] = sums["insured"].where(insured_known)
    out = sums.reset_index()
    out["coverage"] = _div(out["insured"], out["eligible"])
    out["late_share"] = _div(out["issued_late"], out["dated_policies"])
    out["absorption"] = _div(out["credit_spent"], out["credit_notified"])
    pol = table.groupby("year")["policies_performance_year"].sum(min_count=1).reindex(out["year"])
    out["policies_performance_year"] = pol.astype("Int64").to_numpy()
    out["cost_per_insured"] = (out["credit_spent"] // out["policies_performance_year"].where(
        out["policies_performance_year"] > 0)).astype("Int64")
    premium = table.groupby("year")["premium"].first().reindex(out["year"]).to_numpy()
    out["premium"] = premium.astype("int64")
    perf_premium = table.groupby("year")["performance_premium"].first().reindex(out["year"])
    out["performance_premium"] = perf_premium.astype("Int64").to_numpy()
    out["cost_ratio"] = _div(out["credit_spent"], out["policies_performance_year"]
                             * out["performance_premium"])
    out["rejected_share"] = _div(out["rejected"], out["rows_read"])
    out["corrected_share"] = _div(out["corrected"], out["rows_read"])
    out["provinces"] = table.groupby("year")["province_code"].nunique().reindex(out["year"]).to_numpy()
    return out


def _own(params: Params) -> Params | None:
    """A loaded year's parameters when they are its own file's (not the report year's, moved)."""
    return params if params.source and Path(params.source).name == f"{params.year}.yaml" else None


def indicators_by_year(y: Any) -> pd.DataFrame:
    """Province indicators for every year loaded (history years that have data, then Y).

    ``y`` is a :class:`atiyeh_reports.api.YearData` (anything with ``params``,
    ``children``, ``policies``, ``performance``, ``summary`` and ``history``).
    Earlier years' children lists are used to tell why a policy is off the list.
    """
    years = [*(d for _, d in sorted(y.history.items())), y]
    frames = []
    seen: list[pd.DataFrame] = []
    by_year = {d.params.year: d for d in years}
    for d in years:
        if len(d.children) == 0 and len(d.performance) == 0:
            continue
        before = by_year.get(d.params.year - 1)
        frames.append(province_indicators(
            d.children, d.policies, d.performance, d.summary, d.params, history_children=list(seen),
            previous_policies=None if before is None else before.policies,
            rec=getattr(d, "reconciliation", None),
            performance_params=None if before is None else _own(before.params)))
        seen.append(d.children)
    return pd.concat(frames, ignore_index=True)


# --- what each indicator means --------------------------------------------------------------
#: key → (Persian name, definition, source, base). The scorecard's five come first.
DEFINITIONS: dict[str, tuple[str, str, str, str]] = {
    "coverage": (
        "پوشش بیمه",
        "فرزندان دارای دست‌کم یک بیمه‌نامهٔ فعال ÷ فرزندان واجد شرایط",
        "فهرست پاک‌شدهٔ فرزندان و خروجی بیمه‌گر",
        "سال گزارش"),
    "absorption": (
        "جذب اعتبار",
        "اعتبار هزینه‌شده ÷ اعتبار ابلاغی",
        "هزینه‌کرد: گزارش استان؛ ابلاغی: سابقهٔ ابلاغ ستاد (در نبود آن، گزارش استان)",
        "سال قبل (سال عملکرد)"),
    "late_share": (
        "سهم صدور با تأخیر",
        "بیمه‌نامه‌های صادرشده بیش از حد مجاز پس از ارسال فهرست ÷ بیمه‌نامه‌های دارای تاریخ صدور",
        "خروجی بیمه‌گر و تاریخ ارسال فهرست در پارامترها",
        "سال گزارش"),
    "rejected_share": (
        "سهم ردیف‌های ردشده",
        "ردیف‌های ردشدهٔ فرم ÷ ردیف‌های خوانده‌شده",
        "پذیرش دادهٔ فرم‌های استان",
        "سال گزارش"),
    "cost_ratio": (
        "هزینهٔ هر بیمه‌نامه به سرانه",
        "اعتبار هزینه‌شده ÷ (بیمه‌نامه‌های فعال در خروجی بیمه‌گر × سرانه)",
        "هزینه‌کرد: گزارش استان؛ بیمه‌نامه‌ها: خروجی بیمه‌گر؛ سرانه: پارامترهای همان سال",
        "سال قبل (سال عملکرد)"),
    "coverage_change": (
        "تغییر پوشش",
        "پوشش امسال − پوشش سال قبل، به واحد درصد",
        "همان منابع پوشش، برای دو سال",
        "سال گزارش و سال قبل"),
}


def definitions_fa() -> pd.DataFrame:
    """Every indicator the evaluation shows: name, definition, source, base (which year)."""
    return pd.DataFrame(list(DEFINITIONS.values()), columns=["شاخص", "تعریف", "منبع", "پایه (سال)"])


def pp_text(change: object) -> str:
    """A difference of two shares in percentage points, in words: ``-0.052`` → ``۵٫۲ واحد درصد کاهش``."""

    if change is None or pd.isna(change):
        return "–"
    points = round_half_up(exact(change) * 100, 1)
    if points == 0:
        return "بدون تغییر"
    word = "افزایش" if points > 0 else "کاهش"
    return fmt_decimal(abs(points), 1) + f" واحد درصد {word}"


# --- lights and rank ------------------------------------------------------------------------
def _light(value: float, green: bool, amber: bool) -> str | None:
    if value is None or pd.isna(value):
        return None
    return "green" if green else "amber" if amber else "red"


def lights(row: pd.Series, params: Params) -> dict[str, str | None]:
    """The traffic light of each scored indicator of one province row."""
    t = params.thresholds
    cov, ab = float(t.coverage_target), float(t.absorption_target)
    dq = float(t.data_quality_target)
    c, a, late, rej, cost = (row.get(k) for k in SCORED)
    ok = {k: not pd.isna(v) for k, v in zip(SCORED, (c, a, late, rej, cost), strict=True)}
    return {
        "coverage": _light(c, ok["coverage"] and c >= cov,
                           ok["coverage"] and c >= cov - COVERAGE_AMBER_MARGIN),
        "absorption": _light(a, ok["absorption"] and ab <= a <= 1,
                             ok["absorption"] and a >= ab - ABSORPTION_AMBER_MARGIN),
        "late_share": _light(late, ok["late_share"] and late <= LATE_GREEN,
                             ok["late_share"] and late <= LATE_AMBER),
        "rejected_share": _light(rej, ok["rejected_share"] and rej <= dq,
                                 ok["rejected_share"] and rej <= 2 * dq),
        "cost_ratio": _light(cost, ok["cost_ratio"] and abs(cost - 1) <= COST_GREEN,
                             ok["cost_ratio"] and abs(cost - 1) <= COST_AMBER),
    }


def scorecard(table: pd.DataFrame, params: Params, year: int | None = None) -> pd.DataFrame:
    """Lights per scored indicator, greens/ambers/reds, score and rank for one year.

    ``table`` is :func:`province_indicators` (or :func:`indicators_by_year`; then
    ``year``, default the latest, picks the year).
    """
    year = int(table["year"].max()) if year is None else year
    rows = table[table["year"] == year].reset_index(drop=True)
    light_rows = [lights(r, params) for _, r in rows.iterrows()]
    out = rows[["year", "province_code", "province", *SCORED]].copy()
    for k in SCORED:
        out[f"{k}_light"] = [lr[k] for lr in light_rows]
    flat = pd.DataFrame(light_rows, columns=list(SCORED))
    out["greens"] = (flat == "green").sum(axis=1).astype("int64")
    out["ambers"] = (flat == "amber").sum(axis=1).astype("int64")
    out["reds"] = (flat == "red").sum(axis=1).astype("int64")
    out["score"] = 2 * out["greens"] + out["ambers"]
    order = out.assign(_cov=out["coverage"].fillna(-1)).sort_values(
        ["reds", "score", "_cov", "province_code"], ascending=[True, False, False, True],
        kind="stable")
    out.loc[order.index, "rank"] = np.arange(1, len(out) + 1)
    out["rank"] = out["rank"].astype("int64")
    return out.sort_values("rank").reset_index(drop=True)


_FA_NAMES = {
    "province": "استان", "coverage": "پوشش بیمه", "absorption": "جذب اعتبار سال قبل",
    "late_share": "سهم صدور با تأخیر", "rejected_share": "سهم ردیف‌های ردشده",
    "cost_ratio": "هزینهٔ هر بیمه‌نامه به سرانه", "rank": "رتبه",
}


def scorecard_fa(card: pd.DataFrame) -> pd.DataFrame:
    """The scorecard with Persian headers: value and light word per indicator, and the rank."""
    out = pd.DataFrame({"رتبه": card["rank"], "استان": card["province"]})
    for k in SCORED:
        out[_FA_NAMES[k]] = card[k]
        out[f"وضعیت {_FA_NAMES[k]}"] = card[f"{k}_light"].map(lambda v: LIGHT_FA.get(v, "نامعلوم") if isinstance(v, str) else LIGHT_FA[None])
    return out


def yoy_table(table: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """This year against the year before, per province (and a national row, code None).

    Columns: eligible, insured, coverage for both years and the change
    (coverage change in percentage points as a share, e.g. -0.05); absorption
    likewise. Provinces missing in one year get missing values there.
    """
    year = int(table["year"].max()) if year is None else year
    prev_years = sorted(y for y in table["year"].unique() if y < year)
    nat = national_indicators(table).assign(province_code=None, province=vocab.TOTAL)
    both = pd.concat([table, nat], ignore_index=True)
    cur = both[both["year"] == year].set_index(both.loc[both["year"] == year, "province_code"]
                                               .fillna("-"))
    if prev_years:
        p = both[both["year"] == prev_years[-1]]
        prev = p.set_index(p["province_code"].fillna("-"))
    else:
        prev = cur.iloc[0:0]
    out = pd.DataFrame(index=cur.index)
    out["province_code"] = cur["province_code"]
    out["province"] = cur["province"]
    out["previous_year"] = prev_years[-1] if prev_years else pd.NA
    for col in ("eligible", "insured", "coverage", "absorption"):
        out[f"{col}_previous"] = prev[col].reindex(out.index)
        out[col] = cur[col]
    out["eligible_change"] = (out["eligible"].astype("Int64")
                              - out["eligible_previous"].astype("Int64"))
    out["coverage_change"] = out["coverage"].astype(float) - out["coverage_previous"].astype(float)
    out["absorption_change"] = (out["absorption"].astype(float)
                                - out["absorption_previous"].astype(float))
    return out.reset_index(drop=True)


def yoy_fa(yoy: pd.DataFrame) -> pd.DataFrame:
    """:func:`yoy_table` with Persian headers (percent columns: the coverage and absorption ones)."""
    return pd.DataFrame({
        "استان": yoy["province"],
        "واجد شرایط سال قبل": yoy["eligible_previous"].astype("Int64"),
        "واجد شرایط امسال": yoy["eligible"].astype("Int64"),
        "پوشش سال قبل": yoy["coverage_previous"].astype(float),
        "پوشش امسال": yoy["coverage"].astype(float),
        "تغییر پوشش": yoy["coverage_change"].map(pp_text).astype(str),
        "جذب اعتبار (فرم سال قبل)": yoy["absorption_previous"].astype(float),
        "جذب اعتبار (فرم امسال)": yoy["absorption"].astype(float),
    })

