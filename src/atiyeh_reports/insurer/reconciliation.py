"""Reconciling the insurer's export with the list of children (pure: frames in, frames out).

HQ sends the insurer the list of eligible children; the insurer issues one
policy per child and exports what it issued (layout.INSURER_COLUMNS). This
module cleans that export into the ``policies`` table (docs/data-contracts.md)
and puts every child and every policy into exactly one category, so that the
counts per province add up and each case can be followed up.

Categories
----------
Children: ``matched`` (at least one *active* policy carries the child's
national ID, whatever its premium or province) or ``no_policy``.

Policies, decided in this order (the first rule that applies wins):

1. ``inactive``: status cancelled (ابطال) or matured (سررسید). A policy that
   no longer runs covers nobody this year, so its other problems do not matter;
   the sub-reason is the status.
2. ``not_on_list``: active, but its ID is missing/invalid or not among this
   year's eligible children. Sub-reason, told from earlier years' lists when
   given: ``invalid_id``, ``over_age`` (the child was listed before and has
   reached the age limit by 1 Farvardin), ``left_care`` (listed before, not
   now, still under the limit), ``unknown`` (never listed).
3. ``duplicate``: a child has more than one active policy. One of them is
   kept (the one with the right premium, then the right province, then the
   earliest issue date, then the lowest policy number); the others are
   duplicates.
4. ``premium_mismatch``: the kept policy's premium differs from
   ``params.service.per_capita_premium`` (money first: it is what is paid).
5. ``province_mismatch``: the kept policy's province differs from the child's
   (a missing province counts as different).
6. ``matched``: everything agrees.

Each policy is counted under one province: the child's when its ID is on the
list, otherwise the province the insurer recorded (null when neither is known).
So per province, ``children = matched + no_policy`` and ``policies`` is the
sum of the six policy categories.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.jalali import parse_jalali
from atiyeh_reports.core.national_id import ids_in, is_valid
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.vocab import CATEGORY_FA, CHILD_CATEGORIES, POLICY_CATEGORIES, SUB_REASON_FA  # noqa: F401
from atiyeh_reports.errors import MatchTooLowError
from atiyeh_reports.insurer.views import reconciliation_html, reconciliation_repr


# --- reconciliation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Reconciliation:
    """Every child and every policy of a year, each in exactly one category.

    Attributes
    ----------
    children
        The children table plus ``category`` (``matched``/``no_policy``). Contains IDs.
    policies
        The policies table plus ``policy_province`` (as the insurer recorded it),
        ``province_code`` (the province it is counted under), ``child_province``,
        ``category``, ``sub_reason`` and ``delay_days`` (issue date − list date).
        Contains IDs.
    counts
        Per province: ``children``, ``matched_children``, ``no_policy``, ``policies``
        and one column per policy category. No IDs.
    delays
        Per province: ``issued`` (policies with a known date), ``median_days``,
        ``p90_days``, ``late`` (issued more than ``max_issue_delay_days`` after the list),
        ``late_uncovered`` (of those, the policies whose child had no policy issued before it:
        the children without a policy for that while).
    list_date
        When HQ sent the list to the insurer (Gregorian).
    max_delay_days
        The threshold ``late`` was counted against.
    """

    children: pd.DataFrame
    policies: pd.DataFrame
    counts: pd.DataFrame
    delays: pd.DataFrame
    list_date: dt.date
    max_delay_days: int

    def __repr__(self) -> str:  # counts only: the tables carry IDs (insurer/views.py)
        return reconciliation_repr(self)

    def _repr_html_(self) -> str:
        return reconciliation_html(self)


def reconcile(children: pd.DataFrame, policies: pd.DataFrame, params: Params, *,
              history_children: Iterable[pd.DataFrame] = ()) -> Reconciliation:
    """Match the insurer's policies with the year's eligible children.

    A loaded year computes it once and keeps it (``y.reconciliation``, :mod:`atiyeh_reports.year`).

    Parameters
    ----------
    children
        children.parquet of the year (``national_id``, ``province_code`` used).
    policies
        policies.parquet of the year.
    params
        ``service.per_capita_premium``, ``insurer.list_date``,
        ``thresholds.max_issue_delay_days``, ``eligibility.age_limit``, ``year``.
    history_children
        Earlier years' children tables (with ``year``, ``national_id``, ``age``),
        used only to tell why a policy is not on the list.

    Returns
    -------
    Reconciliation
        See the module docstring for the categories and their precedence.
    """
    history_children = list(history_children)
    list_date = parse_jalali(params.insurer.list_date)
    kids = children.copy()
    kids = kids.sort_values(["province_code", "national_id"], kind="stable")
    child_province = kids.drop_duplicates("national_id").set_index("national_id")["province_code"]

    pol = policies.copy().reset_index(drop=True)
    pol["policy_province"] = pol["province_code"]
    pol["child_province"] = pol["national_id"].map(child_province)
    on_list = pol["national_id"].notna() & ids_in(pol["national_id"], set(child_province.index))
    active = pol["status"] == vocab.POLICY_ACTIVE
    premium_ok = pol["premium"] == params.service.per_capita_premium
    province_ok = pol["policy_province"].notna() & (pol["policy_province"] == pol["child_province"])

    category = pd.Series(pd.NA, index=pol.index, dtype=object)
    sub_reason = pd.Series(None, index=pol.index, dtype=object)
    category[~active] = "inactive"
    sub_reason[~active] = pol.loc[~active, "status"]

    stray = active & ~on_list
    category[stray] = "not_on_list"
    sub_reason[stray] = _stray_reasons(pol.loc[stray], params, list(history_children))

    live = active & on_list
    order = pd.DataFrame({
        "national_id": pol["national_id"],
        "bad_premium": ~premium_ok,
        "bad_province": ~province_ok,
        "no_date": pol["issue_date"].isna(),
        "issue_date": pol["issue_date"].map(lambda d: d if isinstance(d, dt.date) else dt.date.max),
        "policy_no": pol["policy_no"],
    })[live].sort_values(["national_id", "bad_premium", "bad_province", "no_date", "issue_date",
                          "policy_no"], kind="stable")
    kept = ~order.duplicated("national_id", keep="first")
    extras = order.index[~kept.to_numpy()]
    category[extras] = "duplicate"
    keep_idx = order.index[kept.to_numpy()]
    category[keep_idx] = np.where(
        ~premium_ok[keep_idx], "premium_mismatch",
        np.where(~province_ok[keep_idx], "province_mismatch", "matched"),
    )
    pol["category"] = category.astype(object)
    pol["sub_reason"] = sub_reason
    pol["province_code"] = pol["child_province"].where(on_list, pol["policy_province"])
    pol["delay_days"] = pol["issue_date"].map(
        lambda d: float((d - list_date).days) if isinstance(d, dt.date) else np.nan
    )

    insured_ids = set(pol.loc[live, "national_id"])
    kids = children.copy()
    kids["category"] = np.where(ids_in(kids["national_id"], insured_ids), "matched", "no_policy")
    max_delay = params.thresholds.max_issue_delay_days
    return Reconciliation(
        children=kids,
        policies=pol,
        counts=_counts(kids, pol),
        delays=_delays(pol, max_delay),
        list_date=list_date,
        max_delay_days=max_delay,
    )


def reconcile_year(y: Any) -> Reconciliation:
    """:func:`reconcile` for a loaded year (:class:`atiyeh_reports.api.YearData`), with its history years.

    The evaluation report and the internal follow-up workbook both come from here, so a policy's
    category and sub-reason (e.g. ``left_care``, told from earlier years) are the same in both.
    """
    history = [d.children for _, d in sorted(y.history.items())]
    return reconcile(y.children, y.policies, y.params, history_children=history)


def _share_text(share: float) -> str:
    return f"{share:.2%}" if 0 < share < 0.01 else f"{share:.0%}"


def check_match_share(rec: Reconciliation, params: Params) -> None:
    """Refuse (:class:`MatchTooLowError`, exit 3) a reconciliation matching under
    ``checks.min_match_share`` of the children, saying what was matched.

    Nothing is checked without children or without policies (those are said elsewhere, and need
    ``--accept-missing``).
    """
    children = len(rec.children)
    if children == 0 or len(rec.policies) == 0:
        return
    matched = int((rec.children["category"] == "matched").sum())
    share = matched / children
    least = params.checks.min_match_share
    if share >= least:
        return
    files = sorted({str(f) for f in rec.policies.get("source_file", pd.Series(dtype=object)).dropna()})
    label = next(h for h, f in layout.INSURER_COLUMNS.items() if f == "national_id")
    where = f"{params.year}/insurer/" + (f" ({', '.join(files[:5])})" if files else "")
    raise MatchTooLowError(
        f"the insurer's export matched {matched:,} of {children:,} children ({_share_text(share)}) with its "
        f"{len(rec.policies):,} policies; below checks.min_match_share {_share_text(float(least))}: check "
        f"the export's national-ID column «{label}» (another column of IDs, such as the guardian's? "
        "another year's export?), or, if so few children really have a policy, lower "
        "checks.min_match_share in the parameter file; the evaluation was not published",
        file=where,
    )


def _stray_reasons(stray: pd.DataFrame, params: Params, history: list[pd.DataFrame]) -> list[str]:
    last_seen: dict[str, tuple[int, int]] = {}  # id -> (year, age that year)
    for frame in history:
        if frame is None or len(frame) == 0:
            continue
        for year, nid, age in zip(frame["year"], frame["national_id"], frame["age"], strict=True):
            if pd.isna(nid) or pd.isna(age):
                continue
            if nid not in last_seen or last_seen[nid][0] < int(year):
                last_seen[nid] = (int(year), int(age))
    reasons = []
    for nid in stray["national_id"]:
        if pd.isna(nid) or not is_valid(str(nid)):
            reasons.append("invalid_id")
        elif nid in last_seen:
            year, age = last_seen[nid]
            reasons.append("over_age" if age + (params.year - year) >= params.eligibility.age_limit
                           else "left_care")
        else:
            reasons.append("unknown")
    return reasons


def _tally(province: pd.Series, category: pd.Series, categories: tuple[str, ...]) -> pd.DataFrame:
    keys = pd.DataFrame({"p": province.astype(object).fillna("-").to_numpy(),
                         "c": category.astype(object).to_numpy()})
    table = keys.groupby(["p", "c"]).size().unstack(fill_value=0) if len(keys) else pd.DataFrame()
    return table.reindex(columns=list(categories), fill_value=0)


def _counts(kids: pd.DataFrame, pol: pd.DataFrame) -> pd.DataFrame:
    child = _tally(kids["province_code"], kids["category"], CHILD_CATEGORIES)
    child.columns = ["matched_children", "no_policy"]
    polc = _tally(pol["province_code"], pol["category"], POLICY_CATEGORIES)
    table = child.join(polc, how="outer").fillna(0).astype("int64")
    table.insert(0, "children", table["matched_children"] + table["no_policy"])
    table.insert(3, "policies", table[list(POLICY_CATEGORIES)].sum(axis=1))
    table.index.name = "province_code"
    table = table.reset_index()
    table["province_code"] = table["province_code"].astype(object).replace("-", None)
    return table.sort_values("province_code", na_position="last", kind="stable").reset_index(drop=True)


def _delays(pol: pd.DataFrame, max_delay: int) -> pd.DataFrame:
    dated = pol[pol["delay_days"].notna()]
    # a policy issued after another of the same child (of any status): the child had a policy before it
    by_date = dated.sort_values("delay_days", kind="stable")
    later = by_date["national_id"].notna() & by_date.duplicated("national_id", keep="first")
    later = later.reindex(dated.index)
    rows = []
    for code, group in dated.groupby(dated["province_code"].astype(object).fillna("-"), sort=True):
        days = group["delay_days"].to_numpy(dtype=float)
        first = ~later[group.index].to_numpy(dtype=bool)
        rows.append({
            "province_code": None if code == "-" else code,
            "issued": len(days),
            "median_days": float(np.median(days)),
            "p90_days": float(np.percentile(days, 90)),
            "late": int((days > max_delay).sum()),
            "late_uncovered": int(((days > max_delay) & first).sum()),
        })
    frame = pd.DataFrame(rows, columns=["province_code", "issued", "median_days", "p90_days", "late",
                                        "late_uncovered"])
    return frame.astype({"issued": "int64", "late": "int64", "late_uncovered": "int64",
                         "median_days": float, "p90_days": float})
