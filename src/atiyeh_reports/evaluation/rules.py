"""The evaluation report's findings, produced by explicit, tested rules, ranked by what is at stake.

Every finding is a :class:`Finding` with the provinces concerned, a Persian
sentence written from the data, and its stakes: ``rials`` (money at stake) and
``children`` (children affected). The rules (each a small function below) are:

1. ``funding_gap``: the requirement (eligible children × premium) not covered by
   the distributable credit: premium not funded, also told as a number of premiums
   (the gap ÷ premium, rounded up), never as children (no child is affected: its
   children at stake are 0; the children without a policy are told beside it).
   Always evaluated.
2. ``insurer_vs_credit``: premiums the insurer records on active policies
   against the credit HQ notifies for the year (money: no child at stake).
   Always evaluated.
3. ``self_report``: provinces whose self-reported notified credit of last year
   differs from HQ's record by more than ``checks.money_tolerance``
   (:mod:`atiyeh_reports.allocation.record`). Always evaluated when a record exists.
4. ``sources_disagree``: children, exits or policies that two sources report
   differently beyond ``checks.count_tolerance`` once known causes are
   accounted for (:mod:`atiyeh_reports.evaluation.triangulation`).
5. ``coverage``, ``no_policy``, ``absorption``, ``late``, ``off_list``,
   ``province_mismatch``, ``data_quality``, ``coverage_drop`` as before.

Stakes: where a rule counts children without an amount (uninsured children,
rejected rows, a coverage drop, counts that disagree), the Rials at stake are
those children × this year's premium; a late policy puts its child at stake
but no money. **Severity follows from the Rials at stake**: ``high`` from
``checks.stakes_high_rials``, ``medium`` from ``checks.stakes_medium_rials``,
else ``low``. **Ordering**: Rials at stake (largest first), then children,
then the rule order; so the first three findings are the three largest stakes.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atiyeh_reports.allocation.allocate import allocate
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.core.vocab import POLICY_ACTIVE, PREMIUM_UNFUNDED, PREMIUMS, WITHOUT_POLICY
from atiyeh_reports.evaluation import indicators as ind
from atiyeh_reports.evaluation.triangulation import QUANTITIES
from atiyeh_reports.evaluation.wording import _n, _names, _pct, _rials_million
from atiyeh_reports.insurer.reconciliation import Reconciliation
from atiyeh_reports.present.display import round_half_up

__all__ = ["Finding", "follow_up_list", "key_findings"]

SEVERITIES = ("high", "medium", "low")
SEVERITY_FA = {"high": "زیاد", "medium": "متوسط", "low": "کم"}
COVERAGE_DROP = 0.05
COVERAGE_DROP_HIGH = 0.10


@dataclass(frozen=True)
class Finding:
    """One finding: which rule, how serious, where, the sentence, and what is at stake."""

    rule: str
    severity: str
    provinces: tuple[str, ...]
    text: str
    rials: int = 0  # money at stake
    children: int = 0  # children affected

    @property
    def weight(self) -> int:
        """Children affected (the name the ordering used before stakes)."""
        return self.children

    def sort_key(self, rule_order: tuple[str, ...]) -> tuple[int, int, int]:
        return (-self.rials, -self.children, rule_order.index(self.rule))


def severity_of(rials: int, params: Params) -> str:
    """``high`` / ``medium`` / ``low`` from the Rials at stake and the ``checks`` thresholds."""
    c = params.checks
    return "high" if rials >= c.stakes_high_rials else "medium" if rials >= c.stakes_medium_rials else "low"


def _finding(rule: str, provinces: tuple[str, ...], text: str, rials: int, children: int,
             params: Params) -> Finding:
    rials, children = int(rials), int(children)
    return Finding(rule, severity_of(rials, params), tuple(provinces), text, rials, children)



# --- the rules ---------------------------------------------------------------------------------
def _rule_coverage(t: pd.DataFrame, rec: Reconciliation, params: Params, yoy: pd.DataFrame | None
                   ) -> Finding | None:
    target = float(params.thresholds.coverage_target)
    below = t[t["coverage"] < target].sort_values("coverage")
    if below.empty:
        return None
    children = int((below["eligible"] - below["insured"]).sum())
    rials = children * params.service.per_capita_premium
    text = (f"پوشش بیمه در {_n(len(below))} استان کمتر از هدف {_pct(target)} بود: "
            f"{_names(below, 'coverage')}؛ {_n(children)} فرزند واجد شرایط بیمه‌نامهٔ فعال ندارند "
            f"(سرانهٔ آن‌ها {_rials_million(rials)}).")
    return _finding("coverage", tuple(below["province_code"]), text, rials, children, params)


def _rule_no_policy(t: pd.DataFrame, rec: Reconciliation, params: Params,
                    yoy: pd.DataFrame | None) -> Finding | None:
    c = rec.counts.dropna(subset=["province_code"])
    missing = c[c["no_policy"] > 0].sort_values("no_policy", ascending=False)
    total = int(c["no_policy"].sum())
    if total == 0 or rec.policies.empty:
        return None
    rials = total * params.service.per_capita_premium
    text = (f"{_n(total)} فرزند واجد شرایط ({_pct(total / max(int(c['children'].sum()), 1), 1)}) "
            f"بیمه‌نامهٔ فعال نداشتند (سرانهٔ آن‌ها {_rials_million(rials)})؛ بیشترین در "
            f"{_names(missing.head(3), 'no_policy', _n)}.")
    return _finding("no_policy", tuple(missing["province_code"]), text, rials, total, params)


def _rule_absorption(t: pd.DataFrame, rec: Reconciliation, params: Params,
                     yoy: pd.DataFrame | None) -> Finding | None:
    target = float(params.thresholds.absorption_target)
    low = t[t["absorption"] < target].sort_values("absorption")
    if low.empty:
        return None
    year = int(t["year"].max()) - 1
    unspent = int((low["credit_notified"] - low["credit_spent"]).clip(lower=0).sum())
    premium = low["performance_premium"].dropna()
    per_child = int(premium.iloc[0]) if len(premium) else params.service.per_capita_premium
    children = unspent // per_child
    source = ("سابقهٔ ابلاغ ستاد" if (low.get("notified_source") == "hq").all() else "گزارش استان‌ها")
    text = (f"در سال {to_persian_digits(year)}، {_n(len(low))} استان کمتر از {_pct(target)} "
            f"اعتبار ابلاغی را جذب کردند ({_rials_million(unspent)} جذب‌نشده، برابر سرانهٔ "
            f"{_n(children)} فرزند؛ اعتبار ابلاغی از {source}): {_names(low, 'absorption')}.")
    return _finding("absorption", tuple(low["province_code"]), text, unspent, children, params)


def _rule_late(t: pd.DataFrame, rec: Reconciliation, params: Params, yoy: pd.DataFrame | None
               ) -> Finding | None:
    d = rec.delays.dropna(subset=["province_code"])
    late = d[d["late"] > 0].sort_values("late", ascending=False)
    total = int(late["late"].sum())
    if total == 0:
        return None
    # a late policy whose child already had an earlier one (a second policy) left no child uninsured
    uncovered = int(late["late_uncovered"].sum())
    if uncovered == total:
        who = "این فرزندان در این فاصله بیمه نبودند"
    elif uncovered == 0:
        who = "همه برای فرزندانی بود که پیش‌تر بیمه‌نامه داشتند"
    else:
        who = (f"{_n(uncovered)} فرزند در این فاصله بیمه نبودند؛ {_n(total - uncovered)} بیمه‌نامهٔ دیگر "
               "برای فرزندانی بود که پیش‌تر بیمه‌نامه داشتند")
    text = (f"{_n(total)} بیمه‌نامه بیش از {_n(rec.max_delay_days)} روز پس از ارسال فهرست صادر شد "
            f"({who}؛ پولی در میان نیست)، در {_n(len(late))} استان: "
            f"{_names(late, 'late', _n)}.")
    return _finding("late", tuple(late["province_code"]), text, 0, uncovered, params)


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
    return _finding("off_list", codes, text + ".", paid + diff, len(p), params)


def _rule_province_mismatch(t: pd.DataFrame, rec: Reconciliation, params: Params,
                            yoy: pd.DataFrame | None) -> Finding | None:
    p = rec.policies[rec.policies["category"] == "province_mismatch"]
    if p.empty:
        return None
    codes = tuple(sorted(p["province_code"].dropna().unique()))
    rials = int(p["premium"].sum())
    text = (f"{_n(len(p))} بیمه‌نامه در سامانهٔ بیمه‌گر به نام استانی غیر از استان فرزند ثبت شده است "
            f"({_n(len(codes))} استان؛ حق بیمهٔ {_rials_million(rials)} به حساب استان دیگری است).")
    return _finding("province_mismatch", codes, text, rials, len(p), params)


def _rule_data_quality(t: pd.DataFrame, rec: Reconciliation, params: Params,
                       yoy: pd.DataFrame | None) -> Finding | None:
    target = float(params.thresholds.data_quality_target)
    bad = t[t["rejected_share"] > target].sort_values("rejected_share", ascending=False)
    if bad.empty:
        return None
    children = int(bad["rejected"].sum())
    rials = children * params.service.per_capita_premium
    text = (f"در {_n(len(bad))} استان بیش از {_pct(target)} ردیف‌های فرم رد شد ({_n(children)} ردیف، "
            f"سرانهٔ {_rials_million(rials)} اگر همه واجد شرایط باشند): {_names(bad, 'rejected_share')}.")
    return _finding("data_quality", tuple(bad["province_code"]), text, rials, children, params)


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
    children = sum(int(round_half_up(v)) for v in -drop["coverage_change"] * drop["eligible"].astype(float))
    rials = children * params.service.per_capita_premium
    return _finding("coverage_drop", tuple(drop["province_code"]), text, rials, children, params)


def _requirement(t: pd.DataFrame, params: Params) -> dict[str, int]:
    premium = params.service.per_capita_premium
    return {c: int(n) * premium for c, n in zip(t["province_code"], t["eligible"].fillna(0), strict=True)}


def funding_gap(t: pd.DataFrame, params: Params) -> dict[str, int]:
    """The requirement, the distributable credit, the gap (≥ 0) and the children it leaves unfunded."""
    premium = params.service.per_capita_premium
    requirement = sum(_requirement(t, params).values())
    distributable = params.budget.distributable
    gap = max(requirement - distributable, 0)
    return {"requirement": requirement, "distributable": distributable, "gap": gap,
            "children": -(-gap // premium), "per_child": distributable // max(int(t["eligible"].sum()), 1)}


def _rule_funding_gap(t: pd.DataFrame, rec: Reconciliation, params: Params,
                      yoy: pd.DataFrame | None) -> Finding | None:
    g = funding_gap(t, params)
    if not g["gap"]:
        return None
    premium = params.service.per_capita_premium
    codes = tuple(t.loc[t["eligible"] > 0, "province_code"])
    # money, not children: the children the premium is for are counted apart (without a policy)
    uninsured = int(rec.counts["no_policy"].sum()) if len(rec.policies) else None
    children = (f"؛ {WITHOUT_POLICY} {_n(uninsured)} نفرند" if uninsured is not None else "")
    text = (f"اعتبار قابل توزیع ({_rials_million(g['distributable'])}) فقط "
            f"{_pct(g['distributable'] / g['requirement'])} نیاز اعتباری ({_rials_million(g['requirement'])}) "
            f"را پوشش می‌دهد: کسری {_rials_million(g['gap'])}، {PREMIUM_UNFUNDED} به اندازهٔ "
            f"{_n(g['children'])} {PREMIUMS} (پول است، نه فرزند بی‌بیمه‌نامه{children}). "
            f"به ازای هر فرزند واجد شرایط {_n(g['per_child'])} ریال در برابر سرانهٔ {_n(premium)} ریال "
            "در دست است.")
    return _finding("funding_gap", codes, text, g["gap"], 0, params)


def _rule_insurer_vs_credit(t: pd.DataFrame, rec: Reconciliation, params: Params,
                            yoy: pd.DataFrame | None) -> Finding | None:
    pol = rec.policies
    if pol.empty:
        return None
    active = pol[pol["status"] == POLICY_ACTIVE]
    premiums = int(active["premium"].sum())
    notified = sum(allocate(params, _requirement(t, params)).allocated.values())
    diff = premiums - notified
    if abs(diff) <= params.checks.money_tolerance:
        return None
    premium = params.service.per_capita_premium
    codes = tuple(sorted(active["province_code"].dropna().unique()))
    if diff > 0:
        text = (f"بیمه‌گر روی {_n(len(active))} بیمه‌نامهٔ فعال {_rials_million(premiums)} حق بیمه ثبت کرده است، "
                f"{_rials_million(diff)} بیش از اعتبار ابلاغی امسال ({_rials_million(notified)})؛ این مبلغ، "
                f"{PREMIUM_UNFUNDED} به اندازهٔ {_n(abs(diff) // premium)} {PREMIUMS}، از محل اعتبار ابلاغی "
                "تأمین نمی‌شود و باید روشن شود چه کسی آن را می‌پردازد.")
    else:
        text = (f"حق بیمهٔ ثبت‌شده روی بیمه‌نامه‌های فعال ({_rials_million(premiums)}) "
                f"{_rials_million(-diff)} کمتر از اعتبار ابلاغی امسال ({_rials_million(notified)}) است.")
    return _finding("insurer_vs_credit", codes, text, abs(diff), 0, params)  # money: no child uninsured


def _rule_self_report(t: pd.DataFrame, rec: Reconciliation, params: Params,
                      yoy: pd.DataFrame | None) -> Finding | None:
    if "notified_source" not in t.columns:
        return None
    hq = t[t["notified_source"] == "hq"]
    diff = (hq["credit_notified_reported"] - hq["credit_notified"]).astype("Int64")
    bad = hq[(diff.abs() > params.checks.money_tolerance).fillna(False).to_numpy()]
    if bad.empty:
        return None
    d = (bad["credit_notified_reported"] - bad["credit_notified"]).astype("int64")
    rials = int(d.abs().sum())
    parts = [f"{name_fa(c)} (گزارش {_rials_million(r)}، سابقهٔ ستاد {_rials_million(h)})"
             for c, r, h in zip(bad["province_code"], bad["credit_notified_reported"], bad["credit_notified"],
                                strict=True)]
    year = to_persian_digits(int(t["year"].max()) - 1)
    text = (f"{_n(len(bad))} استان اعتبار ابلاغی سال {year} را متفاوت با سابقهٔ ابلاغ ستاد گزارش کرده‌اند "
            f"(جمع اختلاف {_rials_million(rials)}): {'، '.join(parts)}. جذب اعتبار و ضریب عملکرد این استان‌ها "
            "با سابقهٔ ستاد حساب شده است.")
    return _finding("self_report", tuple(bad["province_code"]), text, rials,
                    int(bad["children_covered"].fillna(0).sum()), params)


def sources_disagree(tri: pd.DataFrame | None, params: Params) -> Finding | None:
    """Counts two sources report differently once known causes are accounted for (triangulation)."""
    if tri is None or tri.empty:
        return None
    bad = tri[tri["flagged"] & tri["quantity"].isin(("covered", "exits", "policies"))]
    if bad.empty:
        return None
    children = int(bad["residual"].abs().sum())
    parts = []
    for key, group in bad.groupby("quantity", sort=False):
        parts.append(f"{QUANTITIES[key][0]} در {_n(len(group))} استان ({_n(int(group['residual'].abs().sum()))} "
                     f"{QUANTITIES[key][3]} بی‌توضیح)")
    text = ("پس از کنار گذاشتن علت‌های شناخته (ردیف‌های ردشده)، دو منبع این شمارها را متفاوت می‌دهند: "
            + "؛ ".join(parts) + ". جزئیات در بخش «تطبیق منابع» است.")
    return _finding("sources_disagree", tuple(sorted(bad["province_code"].unique())), text,
                    children * params.service.per_capita_premium, children, params)


RULES = (
    ("funding_gap", _rule_funding_gap),
    ("insurer_vs_credit", _rule_insurer_vs_credit),
    ("self_report", _rule_self_report),
    ("coverage", _rule_coverage),
    ("no_policy", _rule_no_policy),
    ("absorption", _rule_absorption),
    ("late", _rule_late),
    ("off_list", _rule_off_list),
    ("province_mismatch", _rule_province_mismatch),
    ("data_quality", _rule_data_quality),
    ("coverage_drop", _rule_coverage_drop),
)
RULE_ORDER = (*(name for name, _ in RULES), "sources_disagree")


def key_findings(table: pd.DataFrame, rec: Reconciliation, params: Params,
                 yoy: pd.DataFrame | None = None, triangulation: pd.DataFrame | None = None
                 ) -> list[Finding]:
    """Every finding the rules make, largest stakes first (see the module docstring).

    ``table``: province indicators (the latest year is used); ``yoy``: :func:`indicators.yoy_table`;
    ``triangulation``: :func:`triangulation.triangulation_table` (for ``sources_disagree``).
    """
    year = int(table["year"].max())
    t = table[table["year"] == year]
    found = [f for _, rule in RULES if (f := rule(t, rec, params, yoy)) is not None]
    if (f := sources_disagree(triangulation, params)) is not None:
        found.append(f)
    return sorted(found, key=lambda f: f.sort_key(RULE_ORDER))


def findings_markdown(findings: list[Finding], top: int | None = 3) -> str:
    """The findings as a numbered Markdown list (the first ``top``, or all)."""
    chosen = findings if top is None else findings[:top]
    if not chosen:
        return "در این سال یافتهٔ نیازمند توجهی بر پایهٔ قواعد ارزیابی پیدا نشد."
    return "\n\n".join(
        f"{to_persian_digits(i)}. {f.text} (در معرض: {_rials_million(f.rials)}"
        f"{f' و {_n(f.children)} فرزند' if f.children else ''}؛ اهمیت {SEVERITY_FA[f.severity]})"
        for i, f in enumerate(chosen, start=1))


def findings_fa(findings: list[Finding]) -> pd.DataFrame:
    """All findings as a table: rank, severity, Rials and children at stake, provinces, sentence."""
    return pd.DataFrame({
        "رتبه": [to_persian_digits(i) for i in range(1, len(findings) + 1)],
        "اهمیت": [SEVERITY_FA[f.severity] for f in findings],
        "در معرض (میلیون ریال)": [f.rials for f in findings],
        "فرزندان درگیر": [f.children for f in findings],
        "تعداد استان": [len(f.provinces) for f in findings],
        "یافته": [f.text for f in findings],
    })


# --- follow-up ---------------------------------------------------------------------------------
_REASONS_FA = {
    "coverage": "پوشش کمتر از هدف ({v})",
    "absorption": "جذب اعتبار کمتر از هدف ({v})",
    "late_share": "صدور با تأخیر ({v} بیمه‌نامه‌ها)",
    "rejected_share": "کیفیت داده: {v} ردیف‌ها رد شد",
    "cost_ratio": "هزینهٔ هر بیمه‌نامه {v} سرانه",
}


def follow_up_list(card: pd.DataFrame, rec: Reconciliation) -> pd.DataFrame:
    """Provinces that need follow-up, with the reasons, worst first.

    A province is listed when any scored indicator is red, or when the
    reconciliation left children without a policy or policies off the list,
    duplicated, with a wrong premium or registered to another province (the
    policies the headline counts as needing follow-up). No IDs, only counts.
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
                               ("premium_mismatch", "بیمه‌نامه با حق بیمهٔ مغایر"),
                               ("province_mismatch", "بیمه‌نامه ثبت‌شده به نام استان دیگر")):
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
