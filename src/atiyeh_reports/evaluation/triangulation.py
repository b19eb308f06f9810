"""Triangulation: every quantity two sources report, side by side, per province.

A province's form, HQ's list, HQ's allocation record and the insurer's export
each say something about the same children and the same money. Where two of
them give one quantity, :func:`triangulation_table` puts both values side by
side with the difference, the part of it a known cause accounts for, and what
is left (the residual). A residual beyond ``checks.count_tolerance`` (counts)
or ``checks.money_tolerance`` (Rials) is flagged.

The quantities (Y is the report year; the form of Y reports Y-1):

``covered``   children covered in Y-1: the province's form vs HQ's clean list of Y-1.
              Accounted for: rows of that list rejected at intake (a province counts
              them, the list cannot), other than rows over the age limit or duplicates.
``exits``     children who left coverage between Y-1 and Y: the form vs the two lists
              compared by national ID (left the province's list, or moved out).
              Accounted for: rows of Y's list rejected at intake (a child who stayed
              but whose row was rejected looks like an exit).
``policies``  policies issued in Y-1: the form vs the active policies of the insurer's
              export of Y-1 under that province.
``notified``  credit notified in Y-1: the form vs HQ's record (:mod:`hq_record`).
``premiums``  Y: premiums the insurer records on active policies vs the credit HQ notifies
              for Y (the allocation). Accounted for: the funding gap (requirement − credit
              notified), and the cases of the reconciliation (:mod:`insurer`) that make the
              premiums differ from the requirement: children without a policy, policies off the
              list or duplicated, premiums other than the per-capita, policies registered to
              another province.
``requirement`` Y: the requirement (eligible children × premium) vs the credit notified:
              the funding gap, province by province. Accounted for: all of it (the gap is what
              the allocation leaves; the allocation report explains it).

Every row explains itself in a Persian sentence; the national rows
(:func:`triangulation_summary`) add the provinces up, so a figure that appears
twice in a report with two values (9,610 covered as reported, 9,603 on the
list) appears here with its explanation.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from atiyeh_reports.allocation.allocate import allocation_table
from atiyeh_reports.allocation.record import SOURCE_FA, SOURCE_HQ, find_notified_record, with_hq_notified
from atiyeh_reports.analysis.tables import newcomers_leavers
from atiyeh_reports.core import vocab
from atiyeh_reports.core.provinces import by_code, provinces
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.insurer.reconciliation import Reconciliation, reconcile_year
from atiyeh_reports.intake.quality import Problem
from atiyeh_reports.present.display import fmt_int, fmt_million

__all__ = ["QUANTITIES", "triangulation_table", "triangulation_summary", "triangulation_fa",
           "triangulation_summary_fa"]

#: key → (Persian name, source A, source B, unit). The difference is A − B.
QUANTITIES: dict[str, tuple[str, str, str, str]] = {
    "covered": ("فرزندان تحت پوشش سال قبل", "گزارش استان", "فهرست پاک‌شدهٔ ستاد", "نفر"),
    "exits": ("خروج از پوشش میان دو سال", "گزارش استان", "مقایسهٔ دو فهرست", "نفر"),
    "policies": ("بیمه‌نامهٔ صادرشدهٔ سال قبل", "گزارش استان", "خروجی بیمه‌گر", "فقره"),
    "notified": ("اعتبار ابلاغی سال قبل", "گزارش استان", SOURCE_FA[SOURCE_HQ], "ریال"),
    "premiums": ("حق بیمهٔ ثبت‌شده در برابر اعتبار ابلاغی امسال", "خروجی بیمه‌گر", "ابلاغ امسال", "ریال"),
    "requirement": ("نیاز اعتباری در برابر اعتبار ابلاغی امسال", "نیاز (فرزندان × سرانه)", "ابلاغ امسال", "ریال"),
}
#: Rejections that do not take an eligible child off the list (the row was not a child of the list).
_NOT_LIST_CHILDREN = {Problem.OVER_AGE, Problem.DUPLICATE_IN_PROVINCE, Problem.DUPLICATE_COUNTED_ELSEWHERE,
                      Problem.DUPLICATE_COUNTED_HERE}
COLUMNS = ["quantity", "province_code", "province", "value_a", "value_b", "difference", "explained",
           "residual", "flagged"]


def _codes() -> list[str]:
    return [p.code for p in provinces()]


def list_rejections(findings: pd.DataFrame) -> pd.Series:
    """Per province, rows rejected at intake that were children of the list (not over age, not copies)."""
    if findings is None or not len(findings) or "action" not in findings.columns:
        return pd.Series(0, index=_codes(), dtype="int64")
    rej = findings[(findings["action"] == "rejected") & ~findings["problem"].isin(_NOT_LIST_CHILDREN)
                   & findings["row"].notna()]
    rows = rej.drop_duplicates(["file", "row"])
    return rows["province_code"].value_counts().reindex(_codes(), fill_value=0).astype("int64")


def _rows(quantity: str, a: pd.Series, b: pd.Series, explained: pd.Series | None,
          tolerance: int) -> pd.DataFrame:
    codes = _codes()
    a = a.reindex(codes)
    b = b.reindex(codes)
    keep = a.notna() & b.notna()
    a, b = a[keep].astype("int64"), b[keep].astype("int64")
    diff = a - b
    expl = (explained.reindex(a.index).fillna(0).astype("int64") if explained is not None
            else pd.Series(0, index=a.index, dtype="int64"))
    residual = diff - expl
    return pd.DataFrame({
        "quantity": quantity, "province_code": a.index, "province": [by_code()[c].name_fa for c in a.index],
        "value_a": a.to_numpy(), "value_b": b.to_numpy(), "difference": diff.to_numpy(),
        "explained": expl.to_numpy(), "residual": residual.to_numpy(),
        "flagged": (residual.abs() > tolerance).to_numpy(),
    })


def triangulation_table(y: Any, allocation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every two-source quantity per province for a loaded year (:class:`api.YearData`).

    ``allocation`` is this year's :func:`~atiyeh_reports.allocation.allocate.allocation_table` (computed when
    not given). Columns: quantity (a key of :data:`QUANTITIES`), province_code,
    province, value_a, value_b, difference (a − b), explained (the part a known
    cause accounts for), residual (difference − explained), flagged (bool).
    All int64 (counts or Rials). Quantities whose sources are not on hand (no
    earlier year loaded, no insurer export, no HQ record) have no rows.
    """
    params = y.params
    tol_n, tol_r = params.checks.count_tolerance, params.checks.money_tolerance
    record = getattr(y, "notified", None) or find_notified_record(params)
    perf = with_hq_notified(params, y.performance, record)
    wanted = ["province_code", "children_covered", "children_left", "policies_issued",
              "credit_notified_reported", "credit_notified_hq"]
    perf = perf.reindex(columns=wanted).drop_duplicates("province_code").set_index("province_code")
    prev = y.history.get(params.year - 1)
    parts = []
    if prev is not None and len(prev.children):
        listed = prev.children["province_code"].value_counts()
        parts.append(_rows("covered", perf["children_covered"], listed,
                           list_rejections(getattr(prev, "findings", None)), tol_n))
        moves = newcomers_leavers(prev.children, y.children)
        moves = moves[moves["province_code"].notna()].set_index("province_code")
        computed = moves["leavers"] + moves["moved_out"]
        # a − b = reported − computed; rows rejected this year make computed exits larger
        parts.append(_rows("exits", perf["children_left"], computed,
                           -list_rejections(getattr(y, "findings", None)), tol_n))
        if len(getattr(prev, "policies", ())):
            active = prev.policies[prev.policies["status"] == vocab.POLICY_ACTIVE]
            parts.append(_rows("policies", perf["policies_issued"], active["province_code"].value_counts(),
                               None, tol_n))
    if record.found:
        parts.append(_rows("notified", perf["credit_notified_reported"], perf["credit_notified_hq"], None, tol_r))
    table = allocation if allocation is not None else allocation_table(params, y.children, y.performance)
    notified = table.set_index("province_code")["allocated"]
    requirement = table.set_index("province_code")["requirement"]
    gap = requirement.reindex(_codes()) - notified.reindex(_codes())
    if len(y.policies):
        active = y.policies[y.policies["status"] == vocab.POLICY_ACTIVE]
        premiums = active.groupby("province_code")["premium"].sum()
        rec = y.reconciliation if hasattr(y, "reconciliation") else reconcile_year(y)  # the year's, computed once
        cases = reconciliation_premiums(rec, params.service.per_capita_premium)
        parts.append(_rows("premiums", premiums.reindex(_codes(), fill_value=0), notified, gap + cases, tol_r))
    parts.append(_rows("requirement", requirement, notified, gap, tol_r))
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=COLUMNS)
    return out[COLUMNS]


def reconciliation_premiums(rec: Reconciliation, premium: int) -> pd.Series:
    """Per province, by how much the insurer's active premiums differ from the requirement because of
    the reconciliation's cases (Rials; the insurer's premiums − eligible children × ``premium``).

    A child without a policy takes ``premium`` off; a policy off the list or duplicated adds its
    premium; the policy kept for a child adds its premium's difference from ``premium``, and when
    the insurer registered it to another province, moves ``premium`` from the child's province to
    that one. Counted under the province the insurer recorded, as the premiums row is.
    """
    codes = _codes()
    pol = rec.policies[rec.policies["status"] == vocab.POLICY_ACTIVE]
    recorded = pol["policy_province"]

    def by(values: pd.Series, where: pd.Series) -> pd.Series:
        keep = where.notna()
        return values[keep].groupby(where[keep]).sum().reindex(codes, fill_value=0).astype("int64")

    counts = rec.counts.dropna(subset=["province_code"]).set_index("province_code")
    out = -counts["no_policy"].reindex(codes, fill_value=0).astype("int64") * premium
    extra = pol["category"].isin(("duplicate", "not_on_list"))
    out += by(pol.loc[extra, "premium"], recorded[extra])
    kept = pol[pol["category"].isin(("matched", "premium_mismatch", "province_mismatch"))]
    out += by(kept["premium"] - premium, kept["policy_province"])
    moved = kept[kept["policy_province"] != kept["child_province"]]
    ones = pd.Series(premium, index=moved.index, dtype="int64")
    out += by(ones, moved["policy_province"]) - by(ones, moved["child_province"])
    return out


def triangulation_summary(table: pd.DataFrame) -> pd.DataFrame:
    """One national row per quantity: both totals, the difference, explained, residual, provinces flagged."""
    rows = []
    for key in QUANTITIES:
        t = table[table["quantity"] == key]
        if t.empty:
            continue
        rows.append({
            "quantity": key, "value_a": int(t["value_a"].sum()), "value_b": int(t["value_b"].sum()),
            "difference": int(t["difference"].sum()), "explained": int(t["explained"].sum()),
            "residual": int(t["residual"].sum()), "provinces_flagged": int(t["flagged"].sum()),
            "abs_residual": int(t["residual"].abs().sum()),
        })
    return pd.DataFrame(rows, columns=["quantity", "value_a", "value_b", "difference", "explained",
                                       "residual", "provinces_flagged", "abs_residual"])


_n = fmt_int


def _amount(value: int, unit: str) -> str:
    if unit == "ریال":
        return fmt_million(value) + " میلیون ریال"
    return f"{_n(value)} {unit}"


def difference_fa(diff: int, unit: str) -> str:
    """A difference in words, not with a sign (a minus beside Persian digits reorders in RTL text)."""
    if not diff:
        return "بدون اختلاف"
    return f"منبع اول {_amount(abs(int(diff)), unit)} {'بیشتر' if diff > 0 else 'کمتر'}"


#: A national row's status, shown as a badge beside its values (display.BADGE_CLASSES).
STATUS_EQUAL, STATUS_EXPLAINED, STATUS_UNEXPLAINED = "منطبق", "توضیح‌دار", "بی‌توضیح"


def status_fa(diff: int, provinces_flagged: int) -> str:
    """منطبق (no difference), بی‌توضیح (a province beyond the tolerance) or توضیح‌دار."""
    if provinces_flagged:
        return STATUS_UNEXPLAINED
    return STATUS_EQUAL if not diff else STATUS_EXPLAINED


_EXPLAIN = {
    "covered": "{e} ردیف از فهرست آن سال در پذیرش داده رد شد؛ استان آن‌ها را شمرده، فهرست نه",
    "exits": "{e} ردیف فهرست امسال در پذیرش داده رد شد؛ این فرزندان در مقایسهٔ دو فهرست خارج‌شده به نظر می‌آیند",
}


def explanation_fa(key: str, row: pd.Series | dict, gap: int | None = None) -> str:
    """Why the two values of one row (a province, or the national total) differ, in a sentence.

    ``gap``: for the premiums row, the funding gap of the same province (or the nation): the
    requirement row's difference, the part of the premiums' difference it accounts for.
    """
    name, a_src, b_src, unit = QUANTITIES[key]
    diff, expl, residual = int(row["difference"]), int(row["explained"]), int(row["residual"])
    if diff == 0:
        return "دو منبع یکسان‌اند."
    parts = []
    if expl and key in _EXPLAIN:
        parts.append(_EXPLAIN[key].format(e=_n(abs(expl))))
    if key == "notified":
        parts.append("رقم گزارش‌شدهٔ استان با سابقهٔ ابلاغ ستاد نمی‌خواند؛ جذب اعتبار و ضریب عملکرد با سابقهٔ ستاد "
                     "حساب شده است" if diff else "")
        residual = 0
    if key == "requirement":
        parts.append(_gap_fa(expl, unit))
    elif key == "premiums":
        gap = 0 if gap is None else int(gap)
        parts.append(_gap_fa(gap, unit))
        if expl - gap:
            parts.append(f"حق بیمهٔ ثبت‌شده {_amount(abs(expl - gap), unit)} "
                         f"{'بیش' if expl > gap else 'کم'}تر از نیاز است، به سبب موردهای تطبیق بیمه‌نامه‌ها با "
                         "فهرست (فرزند بدون بیمه‌نامه، بیمه‌نامهٔ خارج از فهرست یا تکراری، حق بیمهٔ مغایر با "
                         "سرانه، بیمه‌نامهٔ ثبت‌شده به نام استان دیگر)")
    if residual:
        parts.append(f"{_amount(abs(residual), unit)} بی‌توضیح می‌ماند")
    text = "؛ ".join(p for p in parts if p)
    return (text or "اختلاف توضیحی ندارد") + "."


def _gap_fa(gap: int, unit: str) -> str:
    """The funding gap (requirement − credit notified) in a clause, or nothing when there is none."""
    if gap > 0:
        return f"اعتبار ابلاغی {_amount(gap, unit)} کمتر از نیاز است (کسری اعتبار)"
    if gap < 0:
        return f"اعتبار ابلاغی {_amount(-gap, unit)} بیشتر از نیاز است (روش توزیع اعتبار)"
    return ""


def _gaps(table: pd.DataFrame, by: str | None) -> dict[object, int]:
    """The requirement rows' differences (the funding gap), by ``by`` (a column) or national (key None)."""
    req = table[table["quantity"] == "requirement"]
    if by is None:
        return {None: int(req["difference"].sum())} if len(req) else {}
    return dict(zip(req[by], req["difference"].astype(int), strict=True))


def triangulation_summary_fa(summary: pd.DataFrame) -> pd.DataFrame:
    """The national rows for the report: quantity, each source with its value, the difference, the
    row's status (:func:`status_fa`, a badge in its own column, not a word in the sentence), the
    explanation."""
    rows = []
    gaps = _gaps(summary, None)
    for _, r in summary.iterrows():
        name, a_src, b_src, unit = QUANTITIES[r["quantity"]]
        flagged = int(r["provinces_flagged"])
        note = explanation_fa(r["quantity"], r, gaps.get(None))
        if flagged:
            note += f" اختلاف بی‌توضیح در {to_persian_digits(flagged)} استان."
        rows.append({
            "کمیت": name,
            "منبع اول": f"{a_src}: {_amount(r['value_a'], unit)}",
            "منبع دوم": f"{b_src}: {_amount(r['value_b'], unit)}",
            "اختلاف": difference_fa(r["difference"], unit),
            "وضعیت": status_fa(r["difference"], flagged),
            "توضیح": note,
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS_FA)


#: The national rows' columns: the status word has its own column, never glued to a value.
SUMMARY_COLUMNS_FA = ["کمیت", "منبع اول", "منبع دوم", "اختلاف", "وضعیت", "توضیح"]


def triangulation_fa(table: pd.DataFrame, quantities: tuple[str, ...] | None = None) -> pd.DataFrame:
    """The flagged province rows for the report (all rows with ``flagged`` False included when asked)."""
    gaps = _gaps(table, "province_code")
    t = table[table["flagged"]]
    if quantities is not None:
        t = t[t["quantity"].isin(quantities)]
    t = t.assign(_order=t["quantity"].map(list(QUANTITIES).index), _name=t["province_code"].map(vocab.province_sort_key))
    t = t.sort_values(["_order", "_name"], kind="stable")
    rows = []
    for _, r in t.iterrows():
        name, a_src, b_src, unit = QUANTITIES[r["quantity"]]
        rows.append({
            "کمیت": name, "استان": r["province"],
            "مقدار اول": _amount(r["value_a"], unit),
            "مقدار دوم": _amount(r["value_b"], unit),
            "اختلاف": difference_fa(r["difference"], unit),
            "توضیح": explanation_fa(r["quantity"], r, gaps.get(r["province_code"])),
        })
    return pd.DataFrame(rows, columns=["کمیت", "استان", "مقدار اول", "مقدار دوم", "اختلاف", "توضیح"])
