"""The evaluation report's findings, produced by explicit, tested rules.

Every finding is a :class:`Finding` with a severity, the provinces concerned and
a Persian sentence written from the data. The rules (each a small function
below, in this order) are:

1. ``coverage``: provinces whose coverage is below ``thresholds.coverage_target``.
2. ``no_policy``: eligible children with no active policy (national count).
3. ``absorption``: provinces that spent less than ``absorption_target`` of the
   credit notified (last year's, as the form reports it).
4. ``late``: policies issued more than ``max_issue_delay_days`` after the list.
5. ``off_list``: active policies for people not on this year's list, duplicates
   and premium mismatches: money paid that should not have been.
6. ``province_mismatch``: policies the insurer files under another province.
7. ``data_quality``: provinces whose rejected share at intake is above
   ``data_quality_target``.
8. ``coverage_drop``: provinces whose coverage fell by 5 points or more since
   the year before.

Severity: ``high`` when money is at stake or a red light is involved (coverage
or absorption more than the amber margin below target, any policy off the list,
coverage falling by 10 points or more), ``medium`` for other shortfalls, ``low``
for notes. **Ordering**: severity (high, medium, low), then the number of
children or policies concerned (largest first), then the rule order above. The
first three are "the three most important findings".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atiyeh_reports import indicators as ind
from atiyeh_reports.insurer import Reconciliation, reconcile_year
from atiyeh_reports.params import Params
from atiyeh_reports.provinces import name_fa
from atiyeh_reports.text import to_persian_digits

__all__ = [
    "Assumption", "Evaluation", "Finding", "assumptions", "assumptions_fa", "evaluate", "follow_up_list",
    "headline_numbers", "history_param_files", "key_findings",
]

SEVERITIES = ("high", "medium", "low")
SEVERITY_FA = {"high": "زیاد", "medium": "متوسط", "low": "کم"}
COVERAGE_DROP = 0.05
COVERAGE_DROP_HIGH = 0.10
_MAX_NAMED = 6  # provinces named in a sentence before "and N more"


@dataclass(frozen=True)
class Finding:
    """One headline finding: what rule found it, how serious, where, and the sentence."""

    rule: str
    severity: str
    provinces: tuple[str, ...]
    text: str
    weight: int = 0  # children or policies concerned, for ordering

    def sort_key(self, rule_order: tuple[str, ...]) -> tuple[int, int, int]:
        return (SEVERITIES.index(self.severity), -self.weight, rule_order.index(self.rule))


# --- formatting helpers (sentences only) -----------------------------------------------------
def _n(value: Any) -> str:
    return to_persian_digits(f"{int(value):,}".replace(",", "٬"))


def _pct(share: Any, decimals: int = 0) -> str:
    return to_persian_digits(f"{float(share) * 100:.{decimals}f}".replace(".", "٫")) + "٪"


def _rials_million(value: int) -> str:
    return _n(round(int(value) / 1_000_000)) + " میلیون ریال"


def _names(rows: pd.DataFrame, value_col: str | None = None, fmt: Any = _pct) -> str:
    parts = []
    for _, r in rows.head(_MAX_NAMED).iterrows():
        label = name_fa(r["province_code"])
        parts.append(f"{label} ({fmt(r[value_col])})" if value_col else label)
    more = len(rows) - _MAX_NAMED
    text = "، ".join(parts)
    return text + (f" و {_n(more)} استان دیگر" if more > 0 else "")


# --- headline numbers -------------------------------------------------------------------------
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
    rows = [
        ("eligible", "فرزندان واجد شرایط", int(nat["eligible"]), "نفر"),
        ("insured", "فرزندان دارای بیمه‌نامهٔ فعال", _int_or_none(nat["insured"]), "نفر"),
        ("coverage", "پوشش بیمه", _float_or_none(nat["coverage"]), "درصد"),
        ("no_policy", "فرزندان بدون بیمه‌نامه", int(counts.get("no_policy", 0)), "نفر"),
        ("policies", "بیمه‌نامه‌های خروجی بیمه‌گر", int(counts.get("policies", 0)), "فقره"),
        ("problem_policies", "بیمه‌نامه‌های نیازمند پیگیری",
         int(sum(counts.get(c, 0) for c in ("not_on_list", "duplicate", "premium_mismatch",
                                            "province_mismatch"))), "فقره"),
        ("late", "بیمه‌نامه‌های صادرشده با تأخیر", int(rec.delays["late"].sum()), "فقره"),
        ("credit_notified", f"اعتبار ابلاغی سال {to_persian_digits(year - 1)}",
         _int_or_none(nat["credit_notified"]), "ریال"),
        ("credit_spent", f"اعتبار هزینه‌شدهٔ سال {to_persian_digits(year - 1)}",
         _int_or_none(nat["credit_spent"]), "ریال"),
        ("absorption", "جذب اعتبار", _float_or_none(nat["absorption"]), "درصد"),
        ("provinces_below_target", "استان‌های زیر هدف پوشش", below, "استان"),
    ]
    return pd.DataFrame(rows, columns=["key", "label", "value", "unit"])


def headline_fa(headline: pd.DataFrame) -> pd.DataFrame:
    """Headline numbers as label/value text for a two-column table (formatted here, at the edge)."""
    from atiyeh_reports.display import fmt_int, fmt_million, fmt_pct

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


# --- the rules ---------------------------------------------------------------------------------
def _rule_coverage(t: pd.DataFrame, rec: Reconciliation, params: Params, yoy: pd.DataFrame | None
                   ) -> Finding | None:
    target = float(params.thresholds.coverage_target)
    below = t[t["coverage"] < target].sort_values("coverage")
    if below.empty:
        return None
    red = (below["coverage"] < target - ind.COVERAGE_AMBER_MARGIN).any()
    text = (f"پوشش بیمه در {_n(len(below))} استان کمتر از هدف {_pct(target)} بود: "
            f"{_names(below, 'coverage')}.")
    weight = int((below["eligible"] - below["insured"]).sum())
    return Finding("coverage", "high" if red else "medium", tuple(below["province_code"]), text,
                   weight)


def _rule_no_policy(t: pd.DataFrame, rec: Reconciliation, params: Params,
                    yoy: pd.DataFrame | None) -> Finding | None:
    c = rec.counts.dropna(subset=["province_code"])
    missing = c[c["no_policy"] > 0].sort_values("no_policy", ascending=False)
    total = int(c["no_policy"].sum())
    if total == 0 or rec.policies.empty:
        return None
    text = (f"{_n(total)} فرزند واجد شرایط ({_pct(total / max(int(c['children'].sum()), 1), 1)}) "
            f"بیمه‌نامهٔ فعال نداشتند؛ بیشترین در {_names(missing.head(3), 'no_policy', _n)}.")
    return Finding("no_policy", "medium", tuple(missing["province_code"]), text, total)


def _rule_absorption(t: pd.DataFrame, rec: Reconciliation, params: Params,
                     yoy: pd.DataFrame | None) -> Finding | None:
    target = float(params.thresholds.absorption_target)
    low = t[t["absorption"] < target].sort_values("absorption")
    if low.empty:
        return None
    year = int(t["year"].max()) - 1
    red = (low["absorption"] < target - ind.ABSORPTION_AMBER_MARGIN).any()
    unspent = int((low["credit_notified"] - low["credit_spent"]).sum())
    text = (f"در سال {to_persian_digits(year)}، {_n(len(low))} استان کمتر از {_pct(target)} "
            f"اعتبار ابلاغی را جذب کردند ({_rials_million(unspent)} جذب‌نشده): "
            f"{_names(low, 'absorption')}.")
    return Finding("absorption", "high" if red else "medium", tuple(low["province_code"]), text,
                   int(low["children_covered"].fillna(0).sum()))


def _rule_late(t: pd.DataFrame, rec: Reconciliation, params: Params, yoy: pd.DataFrame | None
               ) -> Finding | None:
    d = rec.delays.dropna(subset=["province_code"])
    late = d[d["late"] > 0].sort_values("late", ascending=False)
    total = int(late["late"].sum())
    if total == 0:
        return None
    text = (f"{_n(total)} بیمه‌نامه بیش از {_n(rec.max_delay_days)} روز پس از ارسال فهرست صادر شد، "
            f"در {_n(len(late))} استان: {_names(late, 'late', _n)}.")
    return Finding("late", "medium", tuple(late["province_code"]), text, total)


def _rule_off_list(t: pd.DataFrame, rec: Reconciliation, params: Params,
                   yoy: pd.DataFrame | None) -> Finding | None:
    cats = ("not_on_list", "duplicate", "premium_mismatch")
    p = rec.policies[rec.policies["category"].isin(cats)]
    if p.empty:
        return None
    n = {c: int((p["category"] == c).sum()) for c in cats}
    paid = int(p.loc[p["category"] != "premium_mismatch", "premium"].sum())
    diff = int((p.loc[p["category"] == "premium_mismatch", "premium"]
                - params.service.per_capita_premium).abs().sum())
    parts = []
    if n["not_on_list"]:
        parts.append(f"{_n(n['not_on_list'])} بیمه‌نامهٔ فعال برای افرادی که در فهرست امسال نبودند")
    if n["duplicate"]:
        parts.append(f"{_n(n['duplicate'])} بیمه‌نامهٔ تکراری")
    if n["premium_mismatch"]:
        parts.append(f"{_n(n['premium_mismatch'])} بیمه‌نامه با حق بیمهٔ مغایر با سرانه "
                     f"(اختلاف {_rials_million(diff)})")
    codes = tuple(sorted(p["province_code"].dropna().unique()))
    text = "در خروجی بیمه‌گر " + "، ".join(parts)
    if paid:
        text += f"؛ حق بیمهٔ پرداختی برای بیمه‌نامه‌های خارج از فهرست و تکراری {_rials_million(paid)} است"
    return Finding("off_list", "high", codes, text + ".", len(p))


def _rule_province_mismatch(t: pd.DataFrame, rec: Reconciliation, params: Params,
                            yoy: pd.DataFrame | None) -> Finding | None:
    p = rec.policies[rec.policies["category"] == "province_mismatch"]
    if p.empty:
        return None
    codes = tuple(sorted(p["province_code"].dropna().unique()))
    text = (f"{_n(len(p))} بیمه‌نامه در سامانهٔ بیمه‌گر به نام استانی غیر از استان فرزند ثبت شده است "
            f"({_n(len(codes))} استان).")
    return Finding("province_mismatch", "low", codes, text, len(p))


def _rule_data_quality(t: pd.DataFrame, rec: Reconciliation, params: Params,
                       yoy: pd.DataFrame | None) -> Finding | None:
    target = float(params.thresholds.data_quality_target)
    bad = t[t["rejected_share"] > target].sort_values("rejected_share", ascending=False)
    if bad.empty:
        return None
    text = (f"در {_n(len(bad))} استان بیش از {_pct(target)} ردیف‌های فرم رد شد: "
            f"{_names(bad, 'rejected_share')}.")
    return Finding("data_quality", "medium" if (bad["rejected_share"] > 2 * target).any() else "low",
                   tuple(bad["province_code"]), text, int(bad["rejected"].sum()))


def _rule_coverage_drop(t: pd.DataFrame, rec: Reconciliation, params: Params,
                        yoy: pd.DataFrame | None) -> Finding | None:
    if yoy is None or yoy.empty:
        return None
    prov = yoy.dropna(subset=["province_code"])
    drop = prov[prov["coverage_change"] <= -COVERAGE_DROP].sort_values("coverage_change")
    if drop.empty:
        return None
    prev = int(drop["previous_year"].iloc[0])
    text = (f"پوشش بیمه نسبت به سال {to_persian_digits(prev)} در {_n(len(drop))} استان دست‌کم "
            f"{_n(COVERAGE_DROP * 100)} واحد درصد کاهش یافت: "
            f"{_names(drop, 'coverage_change', lambda v: _pct(-v, 1))}.")
    high = (drop["coverage_change"] <= -COVERAGE_DROP_HIGH).any()
    return Finding("coverage_drop", "high" if high else "medium", tuple(drop["province_code"]), text,
                   int(drop["eligible"].sum()))


RULES = (
    ("coverage", _rule_coverage),
    ("no_policy", _rule_no_policy),
    ("absorption", _rule_absorption),
    ("late", _rule_late),
    ("off_list", _rule_off_list),
    ("province_mismatch", _rule_province_mismatch),
    ("data_quality", _rule_data_quality),
    ("coverage_drop", _rule_coverage_drop),
)
RULE_ORDER = tuple(name for name, _ in RULES)


def key_findings(table: pd.DataFrame, rec: Reconciliation, params: Params,
                 yoy: pd.DataFrame | None = None) -> list[Finding]:
    """Every finding the rules make, most important first (see the module docstring).

    ``table``: province indicators (the latest year is used); ``yoy``: :func:`indicators.yoy_table`.
    """
    year = int(table["year"].max())
    t = table[table["year"] == year]
    found = [f for _, rule in RULES if (f := rule(t, rec, params, yoy)) is not None]
    return sorted(found, key=lambda f: f.sort_key(RULE_ORDER))


def findings_markdown(findings: list[Finding], top: int | None = 3) -> str:
    """The findings as a numbered Markdown list (the first ``top``, or all)."""
    chosen = findings if top is None else findings[:top]
    if not chosen:
        return "در این سال یافتهٔ نیازمند توجهی بر پایهٔ قواعد ارزیابی پیدا نشد."
    return "\n\n".join(f"{to_persian_digits(i)}. {f.text}" for i, f in enumerate(chosen, start=1))


def findings_fa(findings: list[Finding]) -> pd.DataFrame:
    """All findings as a table: severity, provinces concerned, sentence."""
    return pd.DataFrame({
        "اهمیت": [SEVERITY_FA[f.severity] for f in findings],
        "تعداد استان": [len(f.provinces) for f in findings],
        "یافته": [f.text for f in findings],
    })


# --- follow-up ---------------------------------------------------------------------------------
_REASONS_FA = {
    "coverage": "پوشش کمتر از هدف ({v})",
    "absorption": "جذب اعتبار کمتر از هدف ({v})",
    "late_share": "صدور با تأخیر ({v} بیمه‌نامه‌ها)",
    "rejected_share": "کیفیت داده: {v} ردیف‌ها رد شد",
    "cost_ratio": "هزینهٔ هر بیمه‌شده {v} سرانه",
}


def follow_up_list(card: pd.DataFrame, rec: Reconciliation) -> pd.DataFrame:
    """Provinces that need follow-up, with the reasons, worst first.

    A province is listed when any scored indicator is red, or when the
    reconciliation left children without a policy or policies off the list,
    duplicated or with a wrong premium. No IDs, only counts.
    """
    counts = rec.counts.dropna(subset=["province_code"]).set_index("province_code")
    rows = []
    for _, r in card.iterrows():
        reasons = [
            _REASONS_FA[k].format(v=_pct(r[k]))
            for k in ind.SCORED if r.get(f"{k}_light") == "red"
        ]
        code = r["province_code"]
        if code in counts.index:
            c = counts.loc[code]
            for col, label in (("no_policy", "فرزند بدون بیمه‌نامه"),
                               ("not_on_list", "بیمه‌نامهٔ خارج از فهرست"),
                               ("duplicate", "بیمه‌نامهٔ تکراری"),
                               ("premium_mismatch", "بیمه‌نامه با حق بیمهٔ مغایر")):
                if int(c[col]) > 0:
                    reasons.append(f"{_n(c[col])} {label}")
        if reasons:
            rows.append({"province_code": code, "province": r["province"], "reds": int(r["reds"]),
                         "rank": int(r["rank"]), "reasons": "؛ ".join(reasons)})
    out = pd.DataFrame(rows, columns=["province_code", "province", "reds", "rank", "reasons"])
    return out.sort_values(["reds", "rank"], ascending=[False, False], kind="stable"
                           ).reset_index(drop=True)


def follow_up_fa(follow: pd.DataFrame) -> pd.DataFrame:
    """The follow-up list with Persian headers."""
    return pd.DataFrame({"استان": follow["province"], "شاخص‌های قرمز": follow["reds"],
                         "دلایل پیگیری": follow["reasons"]})


# --- assumptions and caveats (the Duck Book's assumptions log) ---------------------------------
QUALITY_FA = {"good": "خوب", "fair": "متوسط", "poor": "ضعیف"}
IMPACT_FA = {"high": "زیاد", "medium": "متوسط", "low": "کم"}


@dataclass(frozen=True)
class Assumption:
    """One assumption the evaluation rests on, rated as in the UK Analysis Function's Duck Book.

    ``quality`` (good, fair, poor) says how well the assumption is evidenced;
    ``impact`` (high, medium, low) how much the report's numbers would move if it
    were wrong. A poor assumption with a high impact is the first to check.
    """

    topic: str
    text: str
    quality: str
    impact: str

    def __post_init__(self) -> None:
        if self.quality not in QUALITY_FA or self.impact not in IMPACT_FA:
            raise ValueError(f"assumption {self.topic!r}: quality must be one of {sorted(QUALITY_FA)} "
                             f"and impact one of {sorted(IMPACT_FA)}, got {self.quality!r}, {self.impact!r}")


def history_param_files(params: Params) -> dict[int, bool]:
    """For each history year, whether its own ``params/<year>.yaml`` sits beside this year's file.

    Without its own file a history year is read with this year's parameters
    (premium, list date) and the year changed, which weakens the comparison.
    """
    folder = params.source.parent if params.source is not None else None
    return {year: folder is not None and (folder / f"{year}.yaml").is_file()
            for year in params.history_years}


def assumptions(params: Params, history_files: dict[int, bool] | None = None) -> list[Assumption]:
    """The assumptions behind the evaluation, each written from ``params`` and rated.

    ``history_files`` (from :func:`history_param_files`) rates the history
    years' parameters: good when every history year has its own file, poor when
    none has, fair in between. Left out, the history is taken as having none.
    """
    el, th = params.eligibility, params.thresholds
    guardianship = " و ".join(el.guardianship)
    court = "، با دستور قضایی" if el.require_court_order else ""
    history_files = history_files if history_files is not None else {y: False for y in params.history_years}
    own = [y for y, found in sorted(history_files.items()) if found]
    missing = [y for y, found in sorted(history_files.items()) if not found]
    if not history_files:
        history_text = "گزارش سال پیشینی را برای مقایسه نمی‌خواند."
        history_quality = "good"
    else:
        history_text = (
            "هر سال پیشین با پرونده پارامترهای خود آن سال (سرانه و تاریخ ارسال فهرست) خوانده می‌شود"
            + (f"؛ برای سال {_years(missing)} پرونده‌ای نبود و پارامترهای سال {to_persian_digits(params.year)} "
               "با همان روز و ماه به کار رفت." if missing else ".")
        )
        history_quality = "good" if not missing else "poor" if not own else "fair"
    return [
        Assumption(
            "شرط برخورداری",
            f"فرزندی واجد شرایط است که در یکم فروردین {to_persian_digits(params.year)} کمتر از "
            f"{_n(el.age_limit)} سال داشته باشد و وضعیت سرپرستی‌اش {guardianship} باشد{court}.",
            "good", "high"),
        Assumption(
            "موارد تکراری",
            "از کد ملی تکراری در یک استان نخستین ردیف نگه داشته می‌شود؛ میان دو استان، ردیفی شمرده "
            "می‌شود که تاریخ پذیرش دیرتری دارد، سپس ردیفی که شهرستانش از همان استان است.",
            "fair", "low"),
        Assumption(
            "استان هر فرم",
            "استان فرم از عنوان درون فرم خوانده می‌شود و نام پرونده فقط وقتی به کار می‌رود که عنوان "
            "استانی را نشان ندهد یا از فرم استان دیگری رونوشت شده باشد؛ هر ناهمخوانی هشدار داده می‌شود.",
            "fair", "medium"),
        Assumption(
            "پنهان‌سازی شمار اندک",
            f"در جدول‌های ریز استانی، شمار کمتر از {_n(params.privacy.small_cell_threshold)} نفر "
            "نشان داده نمی‌شود تا فرزندی شناسایی نشود؛ جمع‌های استان و کشور کامل است.",
            "good", "low"),
        Assumption("پارامترهای سال‌های پیشین", history_text, history_quality, "medium"),
        Assumption(
            "تاریخ ارسال فهرست",
            f"فاصله صدور هر بیمه‌نامه از یک تاریخ برای همه استان‌ها، "
            f"{to_persian_digits(params.insurer.list_date)}، شمرده می‌شود؛ بیمه‌نامه‌ای که بیش از "
            f"{_n(th.max_issue_delay_days)} روز پس از آن صادر شود با تأخیر است.",
            "fair", "medium"),
        Assumption(
            "جذب اعتبار",
            "اعتبار ابلاغی و هزینه‌شده سال قبل همان است که هر استان در فرم خود گزارش کرده و با اسناد "
            "مالی تطبیق نشده است.",
            "poor", "high"),
        Assumption(
            "استان بیمه‌نامه",
            "بیمه‌نامه‌ای که کد ملی‌اش در فهرست است در استان فرزند شمرده می‌شود، حتی اگر بیمه‌گر آن را "
            "در استان دیگری ثبت کرده باشد.",
            "good", "low"),
    ]


def _years(years: list[int]) -> str:
    return "، ".join(to_persian_digits(y) for y in years)


def assumptions_fa(log: list[Assumption]) -> pd.DataFrame:
    """The assumptions log as the report shows it: topic, assumption, quality, impact."""
    return pd.DataFrame(
        [(a.topic, a.text, QUALITY_FA[a.quality], IMPACT_FA[a.impact]) for a in log],
        columns=["موضوع", "فرض", "کیفیت فرض", "اثر بر نتایج"],
    )


# --- everything for the notebook ---------------------------------------------------------------
@dataclass(frozen=True)
class Evaluation:
    """The evaluation of a year, computed once for the notebook to show piece by piece."""

    params: Params
    table: pd.DataFrame  # province indicators, every year loaded
    rec: Reconciliation
    card: pd.DataFrame
    yoy: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    follow_up: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def current(self) -> pd.DataFrame:
        return self.table[self.table["year"] == self.params.year]

    def headline(self) -> pd.DataFrame:
        return headline_fa(headline_numbers(self.current, self.rec, self.params))

    def top_findings(self) -> str:
        return findings_markdown(self.findings, 3)

    def __repr__(self) -> str:  # counts only: rec's tables carry IDs (atiyeh_reports.summaries)
        from atiyeh_reports.summaries import evaluation_repr

        return evaluation_repr(self)

    def _repr_html_(self) -> str:
        from atiyeh_reports.summaries import evaluation_html

        return evaluation_html(self)


def evaluate(y: Any) -> Evaluation:
    """Reconcile, compute indicators, scorecard, findings and follow-ups for a :class:`YearData`."""
    params = y.params
    rec = reconcile_year(y)
    table = ind.indicators_by_year(y)
    card = ind.scorecard(table, params, params.year)
    yoy = ind.yoy_table(table, params.year)
    findings = key_findings(table[table["year"] == params.year], rec, params, yoy)
    return Evaluation(params=params, table=table, rec=rec, card=card, yoy=yoy, findings=findings,
                      follow_up=follow_up_list(card, rec))


# --- shown in the notebook (formatting at the edge) ---------------------------------------------
_LIGHT_STYLE = {"سبز": "#c8e6c9", "زرد": "#fff3b0", "قرمز": "#f4c7c3"}


def headline_html(ev: Evaluation) -> Any:
    """The summary page's key numbers as a two-column table."""
    from atiyeh_reports.display import show_table

    return show_table(ev.headline())


def reconciliation_html(ev: Evaluation) -> Any:
    """Children and policies per category per province (counts only, no IDs)."""
    from atiyeh_reports.display import show_table
    from atiyeh_reports.insurer import counts_fa

    table = counts_fa(ev.rec)
    return show_table(table, integers=[c for c in table.columns if c != "استان"], total_row=True,
                      caption="نتیجهٔ تطبیق فهرست فرزندان با خروجی بیمه‌گر")


def delays_html(ev: Evaluation) -> Any:
    """Issuance delay per province."""
    from atiyeh_reports.display import show_table
    from atiyeh_reports.insurer import delays_fa

    return show_table(delays_fa(ev.rec))


def scorecard_html(ev: Evaluation) -> Any:
    """The scorecard with coloured light cells (green / amber / red) and the rank."""
    from IPython.display import HTML

    from atiyeh_reports.display import table_html

    table = ind.scorecard_fa(ev.card)
    percent = [c for c in table.columns if c not in ("رتبه", "استان") and not c.startswith("وضعیت")]
    html = table_html(table, percent=percent, integers=["رتبه"],
                      caption="کارنامهٔ استان‌ها (سبز: در حد هدف، زرد: نزدیک هدف، قرمز: دور از هدف)")
    for word, colour in _LIGHT_STYLE.items():
        html = html.replace(f"<td>{word}</td>", f'<td style="background:{colour}">{word}</td>')
    return HTML(html)


def yoy_html(ev: Evaluation) -> Any:
    """This year against last year, per province and nationally."""
    from atiyeh_reports.display import show_table

    table = ind.yoy_fa(ev.yoy)
    percent = [c for c in table.columns if "پوشش" in c or "جذب" in c]
    return show_table(table, percent=percent, integers=[c for c in table.columns if "واجد" in c])


def findings_html(ev: Evaluation) -> Any:
    """Every finding, most important first."""
    from atiyeh_reports.display import show_table

    return show_table(findings_fa(ev.findings))


def follow_up_html(ev: Evaluation) -> Any:
    """Provinces that need follow-up, with the reasons."""
    from atiyeh_reports.display import show_table

    return show_table(follow_up_fa(ev.follow_up))


def assumptions_html(ev: Evaluation) -> Any:
    """The assumptions and caveats log, rated for quality and impact."""
    from atiyeh_reports.display import show_table

    return show_table(assumptions_fa(assumptions(ev.params, history_param_files(ev.params))))


def top_findings_md(ev: Evaluation) -> Any:
    """The three most important findings as Markdown sentences."""
    from atiyeh_reports.display import prose

    return prose(ev.top_findings())
