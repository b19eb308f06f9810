"""The province report card (کارنامهٔ استان): one province's year on one or two pages.

``notebooks/card.ipynb`` (parameter ``province``) shows, for one province:

* its children by gender, age band and care type, small counts suppressed
  (``privacy.small_cell_threshold``), as the national reports do;
* its allocation and how it was computed (the sentences of its letter);
* its indicators beside the national figure and the target, with the light
  in a column of its own;
* its cross-check flags (:mod:`atiyeh_reports.evaluation.triangulation`);
* its data-quality counts at intake;
* the number of cases it has to follow up, per category
  (:func:`atiyeh_reports.publish.followup.followup_counts`: the same counts
  as its follow-up workbook).

Everything national is computed once per year and shared by the 31 cards
(:func:`pack`): a warm kernel running the 31 cards reads the build's snapshot
once (:func:`atiyeh_reports.api.load_year`) and scores the year once. A card
carries counts and Rials only: no name, no national ID.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from atiyeh_reports.analysis import tables as analysis
from atiyeh_reports.core.provinces import name_fa, province_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.evaluation import indicators, triangulation
from atiyeh_reports.present.display import fmt_int, fmt_pct, prose, show_table, table_html
from atiyeh_reports.publish.followup import CATEGORIES, SHEET_FA, followup_counts
from atiyeh_reports.publish.letters import letter_for

__all__ = ["Card", "Pack", "card", "pack"]

CARD_TITLE = "کارنامهٔ استان"


@dataclass(frozen=True)
class Pack:
    """What every card of a year shares, computed once (:func:`pack`)."""

    year: Any  # api.YearData
    allocation: pd.DataFrame  # allocate.allocation_table
    indicators: pd.DataFrame  # indicators.indicators_by_year, this year's rows
    national: pd.Series  # indicators.national_indicators, this year
    scorecard: pd.DataFrame
    triangulation: pd.DataFrame
    followup: pd.DataFrame  # followup.followup_counts, one row per province


def pack(y: Any) -> Pack:
    """The year's shared tables, from the year's own results (computed once with it)."""

    params = y.params
    ev = y.evaluation
    table = ev.table
    national = indicators.national_indicators(table)
    return Pack(
        year=y,
        allocation=y.allocation,
        indicators=table[table["year"] == params.year].reset_index(drop=True),
        national=national[national["year"] == params.year].iloc[0],
        scorecard=ev.card,
        triangulation=ev.triangulation,
        followup=followup_counts(y, y.reconciliation),
    )


@dataclass(frozen=True)
class Card:
    """One province's card: every table already in Persian, ready to show."""

    code: str
    name: str
    year: int
    children: int
    by_gender: pd.DataFrame
    by_age_band: pd.DataFrame
    by_care_type: pd.DataFrame
    allocation: pd.DataFrame
    computation: str
    indicators: pd.DataFrame
    crosschecks: pd.DataFrame
    quality: pd.DataFrame
    followup: pd.DataFrame
    threshold: int

    @property
    def title(self) -> str:
        return f"{CARD_TITLE} {self.name} — سال {to_persian_digits(self.year)}"

    @property
    def followup_total(self) -> int:
        return int(self.followup["شمار"].iloc[-1]) if len(self.followup) else 0

    def __repr__(self) -> str:  # counts only
        return f"Card({self.code} {self.name}, {self.year}: {self.children} children)"


def _breakdown(kids: pd.DataFrame, frame: pd.DataFrame, column: str, label: str, threshold: int) -> pd.DataFrame:
    """A breakdown (value, children, share) with counts below ``threshold`` shown as «کمتر از n»."""
    small = f"کمتر از {to_persian_digits(threshold)}"
    shown = frame.assign(
        children=[fmt_int(n) if n == 0 or n >= threshold else small for n in frame["children"]],
        share=[fmt_pct(s) if n == 0 or n >= threshold else "–" for n, s in zip(frame["children"], frame["share"], strict=True)],
    )
    shown = shown.rename(columns={column: label, "children": "فرزندان", "share": "سهم"})
    shown[label] = shown[label].map(to_persian_digits)
    total = pd.DataFrame([{label: "جمع", "فرزندان": fmt_int(len(kids)), "سهم": fmt_pct(1.0 if len(kids) else 0)}])
    return pd.concat([shown, total], ignore_index=True)


_TARGETS = {
    "coverage": lambda t: f"دست‌کم {fmt_pct(t.coverage_target, 0)}",
    "absorption": lambda t: f"{fmt_pct(t.absorption_target, 0)} تا {fmt_pct(1, 0)}",
    "late_share": lambda t: f"حداکثر {fmt_pct(indicators.LATE_GREEN, 0)}",
    "rejected_share": lambda t: f"حداکثر {fmt_pct(t.data_quality_target, 0)}",
    "cost_ratio": lambda t: f"{fmt_pct(1 - indicators.COST_GREEN, 0)} تا {fmt_pct(1 + indicators.COST_GREEN, 0)}",
}


def _indicators(p: Pack, code: str) -> pd.DataFrame:
    t = p.year.params.thresholds
    row = p.scorecard[p.scorecard["province_code"] == code]
    rows = []
    for key in indicators.SCORED:
        name = indicators.DEFINITIONS[key][0]
        value = row[key].iloc[0] if len(row) else None
        light = row[f"{key}_light"].iloc[0] if len(row) else None
        rows.append({
            "شاخص": name,
            "استان": fmt_pct(value),
            "کشور": fmt_pct(p.national.get(key)),
            "هدف": _TARGETS[key](t),
            "وضعیت": indicators.LIGHT_FA.get(light if isinstance(light, str) else None, "نامعلوم"),
        })
    out = pd.DataFrame(rows)
    if len(row):
        rank = int(row["rank"].iloc[0])
        out.attrs["rank"] = f"رتبهٔ استان در کارنامهٔ کشور: {to_persian_digits(rank)} از {to_persian_digits(len(p.scorecard))}"
    return out


def _crosschecks(p: Pack, code: str) -> pd.DataFrame:
    """Every two-source quantity of the province, flagged or not, with its explanation."""
    t = p.triangulation[p.triangulation["province_code"] == code]
    rows = []
    for _, r in t.iterrows():
        name, a_src, b_src, unit = triangulation.QUANTITIES[r["quantity"]]
        rows.append({
            "کمیت": name,
            "منبع اول": f"{a_src}: {fmt_int(r['value_a'])} {unit}",
            "منبع دوم": f"{b_src}: {fmt_int(r['value_b'])} {unit}",
            "اختلاف": triangulation.difference_fa(r["difference"], unit),
            "وضعیت": ("نیازمند بررسی" if bool(r["flagged"]) else "منطبق" if not r["difference"]
                      else triangulation.STATUS_EXPLAINED),
        })
    return pd.DataFrame(rows, columns=["کمیت", "منبع اول", "منبع دوم", "اختلاف", "وضعیت"])


def _quality(y: Any, code: str) -> pd.DataFrame:
    summary = y.summary[y.summary["province_code"] == code] if len(y.summary) else y.summary
    findings = y.findings[y.findings["province_code"] == code] if "province_code" in y.findings else y.findings

    def total(column: str) -> int:
        return int(summary[column].sum()) if column in summary else 0

    read, rejected, corrected = total("rows_read"), total("rejected"), total("corrected")
    return pd.DataFrame([
        ("ردیف‌های خوانده‌شدهٔ فرم", fmt_int(read)),
        ("پذیرفته (واجد شرایط)", fmt_int(int((y.children["province_code"] == code).sum()))),
        ("اصلاح‌شده و پذیرفته", fmt_int(corrected)),
        ("ردشده", fmt_int(rejected)),
        ("سهم ردشده", fmt_pct(rejected / read) if read else "–"),
        ("یادداشت‌های کیفیت داده", fmt_int(len(findings))),
    ], columns=["شاخص", "مقدار"])


def _allocation(p: Pack, code: str) -> tuple[pd.DataFrame, str]:

    params = p.year.params
    row = p.allocation[p.allocation["province_code"] == code].iloc[0]
    letter = letter_for(params, p.allocation, code)
    table = pd.DataFrame([
        ("فرزندان واجد شرایط", fmt_int(int(row["eligible_children"]))),
        ("سرانه (ریال)", fmt_int(params.service.per_capita_premium)),
        ("نیاز اعتباری (ریال)", fmt_int(int(row["requirement"]))),
        ("اعتبار ابلاغی (ریال)", fmt_int(int(row["allocated"]))),
        ("اعتبار ابلاغی به حروف", letter.amount_words),
        ("سهم از اعتبار ابلاغی به همهٔ استان‌ها", fmt_pct(int(row["allocated"]) / int(p.allocation["allocated"].sum()), 2)
         if int(p.allocation["allocated"].sum()) else "–"),
    ], columns=["شاخص", "مقدار"])
    return table, letter.computation


def _followup(p: Pack, code: str) -> pd.DataFrame:

    row = p.followup[p.followup["province_code"] == code]
    rows = [(SHEET_FA[key], int(row[key].iloc[0]) if len(row) else 0) for key in CATEGORIES]
    rows.append(("جمع", sum(n for _, n in rows)))
    return pd.DataFrame(rows, columns=["مورد", "شمار"])


def card(y: Any, province: str) -> Card:
    """The card of ``province`` (code ``IR-23`` or any spelling of its name) in year ``y``."""
    code = province_code(province, column="province")
    p = pack(y)
    threshold = int(y.params.privacy.small_cell_threshold)
    kids = y.children[y.children["province_code"] == code]
    allocation, computation = _allocation(p, code)
    return Card(
        code=code, name=name_fa(code), year=y.year, children=len(kids),
        by_gender=_breakdown(kids, analysis.children_by_gender(kids), "gender", "جنسیت", threshold),
        by_age_band=_breakdown(kids, analysis.children_by_age_band(kids), "age_band", "گروه سنی", threshold),
        by_care_type=_breakdown(kids, analysis.children_by_care_type(kids), "care_type", "نوع نگهداری", threshold),
        allocation=allocation, computation=computation,
        indicators=_indicators(p, code), crosschecks=_crosschecks(p, code), quality=_quality(y, code),
        followup=_followup(p, code), threshold=threshold,
    )


# --- shown in the notebook -------------------------------------------------------------------
def table(frame: pd.DataFrame, caption: str | None = None) -> Any:
    """A card table (values already formatted) as the reports show tables; a «وضعیت» column as badges."""
    return show_table(frame, caption=caption, status=[c for c in frame.columns if c == "وضعیت"])


def children_tables(c: Card) -> Any:
    """The three breakdowns of the province's children side by side (one under another on a phone)."""
    from IPython.display import HTML  # noqa: PLC0415 - IPython only when a card is shown


    boxes = "".join(f'<div class="card-cell">{table_html(t)}</div>'
                    for t in (c.by_gender, c.by_age_band, c.by_care_type))
    return HTML(f'<div class="card-row">{boxes}</div>')


def quality_and_followup(c: Card) -> Any:
    """The data-quality counts and the cases to follow up, side by side."""
    from IPython.display import HTML  # noqa: PLC0415 - IPython only when a card is shown


    boxes = (f'<div class="card-cell">{table_html(c.quality, caption="کیفیت دادهٔ فرم استان")}</div>'
             f'<div class="card-cell">{table_html(c.followup, integers=["شمار"], total_row=True, caption="موارد نیازمند پیگیری")}</div>')
    return HTML(f'<div class="card-row">{boxes}</div>')


def heading(c: Card) -> Any:
    """The card's opening line: the province, its year and its children in one sentence."""

    return prose(
        f"استان {c.name} در سال {to_persian_digits(c.year)}: {fmt_int(c.children)} فرزند واجد شرایط و "
        f"{fmt_int(c.followup_total)} مورد برای پیگیری. شمارهای کمتر از {fmt_int(c.threshold)} برای حفظ "
        "حریم فرزندان نشان داده نمی‌شوند و هیچ نام یا کد ملی در این کارنامه نیست."
    )


def computation(c: Card) -> Any:

    return prose(c.computation)


def rank(c: Card) -> Any:

    return prose(c.indicators.attrs.get("rank", ""))


def followup_note(c: Card) -> Any:

    if not c.followup_total:
        return prose("این استان موردی برای پیگیری ندارد.")
    return prose(
        f"فهرست این {fmt_int(c.followup_total)} مورد، با نام و کد ملی، در کارپوشهٔ پیگیری استان است که "
        "جداگانه و فقط برای همین استان فرستاده می‌شود."
    )


def counts_table(c: Card, caption: str | None = None) -> Any:
    """The follow-up counts (numbers, with the total row)."""
    return show_table(c.followup, integers=["شمار"], total_row=True, caption=caption)
