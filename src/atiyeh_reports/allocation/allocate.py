"""The allocation: what each province needs, and what HQ notifies to it.

Every amount is an integer number of Rials. Shares and weights are exact
(:class:`fractions.Fraction`, or the :class:`decimal.Decimal` shares of the
parameter file); nothing goes through a float on its way to an amount.

The allocation, in brief
------------------------
1. *Requirement* per province: eligible children × per-capita premium.
2. *Distributable* amount: approved × released share − HQ reserve
   (:attr:`atiyeh_reports.core.params.Budget.distributable`). It is cut into whole
   ``rounding_unit`` s; what is below one unit stays at HQ (the *sub-unit
   remainder*).
3. Each province gets a share of those units proportional to a *weight*:
   its requirement (``per_capita``) or its requirement × a performance weight
   (``performance_weighted``), bounded below by its floor and above by its
   requirement and cap. The exact bounded shares are found by solving for the
   one multiplier λ with Σ clamp(λ·wᵢ, lowᵢ, highᵢ) = units; that is the fixed
   point of "cap the provinces above their bound and redistribute what they
   free to the others, until stable", reached in one exact step.
4. The exact shares are rounded down to whole units and the leftover units go
   to the largest remainders (ties: larger requirement, then province code),
   so the provinces add up to the distributable amount to the unit. When the
   distributable amount covers every requirement, each province gets its
   requirement and the surplus stays unallocated at HQ (reported).

Bounds: a province's ceiling is its requirement rounded down to the unit (and
its ``province_caps`` entry); its floor is its ``province_floors`` entry and,
with ``floor_last_year``, last year's notified credit, each rounded up to the
unit. A floor never lifts a province above its ceiling. Explicit floors that
add up to more than the distributable amount stop the run (:class:`BudgetError`);
last-year floors that do not fit are dropped as a whole and the explanation says so.

Steps 3 and 4 are :func:`atiyeh_reports.allocation.apportion.bounded_apportionment`;
the Persian tables and prose are in :mod:`atiyeh_reports.allocation.views`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from atiyeh_reports.allocation.apportion import bounded_apportionment
from atiyeh_reports.allocation.record import with_hq_notified
from atiyeh_reports.core import vocab
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provinces import by_code, provinces
from atiyeh_reports.errors import BudgetError


# --- requirement -------------------------------------------------------------------------
def requirement_table(params: Params, children: pd.DataFrame) -> pd.DataFrame:
    """Eligible children and credit requirement per province, all 31 provinces in code order.

    ``children`` is the clean children table (one row per eligible child); only
    its ``province_code`` column is used. Provinces with no child get 0.
    """
    codes = [p.code for p in provinces()]
    if "province_code" not in children.columns:
        raise BudgetError(
            "children table: column province_code is missing; pass the clean children table"
        )
    counts = children["province_code"].value_counts()
    unknown = sorted(set(counts.index) - set(codes))
    if unknown:
        raise BudgetError(
            f"children table: column province_code has unknown code(s) {unknown}; "
            "expected ISO 3166-2:IR codes such as IR-23 (re-run the intake)"
        )
    eligible = [int(counts.get(code, 0)) for code in codes]
    premium = params.service.per_capita_premium
    return pd.DataFrame(
        {
            "province_code": pd.Series(codes, dtype="str"),
            "province_name": pd.Series([by_code()[c].name_fa for c in codes], dtype="str"),
            "eligible_children": pd.Series(eligible, dtype="int64"),
            "requirement": pd.Series([n * premium for n in eligible], dtype="int64"),
        }
    )


# --- performance weights ----------------------------------------------------------------
_PERF_FIELDS = ("credit_notified", "credit_spent", "children_covered", "policies_issued")


def _last_year(params: Params, performance: pd.DataFrame | None) -> dict[str, dict[str, object]]:
    """The performance rows of this year's forms, one per province: code → field → value."""
    if performance is None or len(performance) == 0:
        return {}
    # HQ's own record of last year's notified credit replaces the forms' figure where it exists.
    perf = with_hq_notified(params, performance)
    if "year" in perf.columns:
        perf = perf[perf["year"] == params.year]
    dup = perf["province_code"][perf["province_code"].duplicated()]
    if len(dup):
        raise BudgetError(
            f"performance table: province_code {sorted(set(dup))} appears more than once for "
            f"year {params.year}; keep one row per province"
        )
    columns = {f: perf[f].tolist() for f in _PERF_FIELDS}
    return {
        code: {f: columns[f][i] for f in _PERF_FIELDS}
        for i, code in enumerate(perf["province_code"].tolist())
    }


def _ratio(num: object, den: object) -> Fraction | None:
    """num / den capped at 1, or None when it is undefined (missing or zero denominator)."""
    if num is None or den is None or pd.isna(num) or pd.isna(den) or int(den) <= 0:
        return None
    return min(Fraction(int(num), int(den)), Fraction(1))


def weights_table(
    params: Params, children: pd.DataFrame, performance: pd.DataFrame | None
) -> pd.DataFrame:
    """Each province's performance weight and where it came from.

    absorption = credit_spent / credit_notified and coverage = policies_issued /
    children_covered, from last year's performance reported in this year's forms,
    each capped at 1 (overspending or over-issuing earns nothing extra). The score
    is their blend by ``performance_weights``. It is divided by the national
    average score, weighted by requirement over the provinces that reported
    performance, so that a province at the national average gets 1 and the
    weighting moves credit between provinces without changing the total; then it is
    clipped to [floor, cap]. A province without a performance row (or without any
    computable ratio) gets weight 1. When a ratio is undefined (zero denominator),
    the other one alone is used.

    Returns province_code, absorption, coverage, score, raw_weight (exact
    Fractions or None), weight (Fraction) and has_performance (bool).
    """
    req = requirement_table(params, children)
    requirement = dict(zip(req["province_code"], (int(v) for v in req["requirement"]), strict=True))
    return pd.DataFrame(_weights(params, requirement, _last_year(params, performance)))


def _weights(
    params: Params, requirement: Mapping[str, int], perf: Mapping[str, Mapping[str, object]]
) -> list[dict[str, object]]:
    pw = params.budget.performance_weights
    a_w, c_w = Fraction(pw.absorption), Fraction(pw.coverage)
    rows = []
    for code in requirement:
        absorption = coverage = score = None
        if code in perf:
            r = perf[code]
            absorption = _ratio(r["credit_spent"], r["credit_notified"])
            coverage = _ratio(r["policies_issued"], r["children_covered"])
            if absorption is not None and coverage is not None:
                score = a_w * absorption + c_w * coverage
            else:
                score = absorption if absorption is not None else coverage
        rows.append((code, absorption, coverage, score))
    scored = [(code, s) for code, _, _, s in rows if s is not None]
    req_scored = sum(requirement[c] for c, _ in scored)
    if req_scored > 0:
        mean = sum((requirement[c] * s for c, s in scored), Fraction(0)) / req_scored
    elif scored:
        mean = sum((s for _, s in scored), Fraction(0)) / len(scored)
    else:
        mean = Fraction(0)
    floor, cap = Fraction(pw.floor), Fraction(pw.cap)
    out = []
    for code, absorption, coverage, score in rows:
        if score is None or mean == 0:
            raw = None
            weight = Fraction(1)
        else:
            raw = score / mean
            weight = min(max(raw, floor), cap)
        out.append(
            {
                "province_code": code,
                "absorption": absorption,
                "coverage": coverage,
                "score": score,
                "raw_weight": raw,
                "weight": weight,
                "has_performance": score is not None and mean != 0,
            }
        )
    return out


# --- the allocation ----------------------------------------------------------------------
@dataclass(frozen=True)
class AllocationTotals:
    """The year's allocation in one place: every Rial of the distributable amount accounted for.

    distributable = allocated + unallocated + sub_unit_remainder.
    """

    distributable: int
    requirement: int
    eligible_children: int
    allocated: int
    unallocated: int
    sub_unit_remainder: int
    last_year_notified: int


def _check_codes(mapping: Mapping[str, int], key: str) -> None:
    unknown = sorted(set(mapping) - set(by_code()))
    if unknown:
        raise BudgetError(
            f"params key budget.{key}: unknown province code(s) {unknown}; "
            "use ISO 3166-2:IR codes such as IR-23"
        )


@dataclass(frozen=True)
class Allocation:
    """The result of :func:`allocate`, per province code (amounts in Rials)."""

    allocated: dict[str, int]
    weight: dict[str, Fraction]
    has_performance: dict[str, bool]
    floor: dict[str, int]
    cap: dict[str, int]
    last_year_floor_applied: bool


def _notified_last_year(
    perf: Mapping[str, Mapping[str, object]], codes: list[str]
) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for c in codes:
        value = perf[c]["credit_notified"] if c in perf else None
        out[c] = None if value is None or pd.isna(value) else int(value)
    return out


def allocate(
    params: Params,
    requirement: Mapping[str, int],
    performance: Mapping[str, Mapping[str, object]] | None = None,
) -> Allocation:
    """The allocation itself, over plain mappings: the pure core of :func:`allocation_table`.

    Parameters
    ----------
    params
        The year's parameters (``budget`` section: method, unit, floors, caps).
    requirement
        Province code → requirement in Rials (every province to consider).
    performance
        Province code → last year's performance fields (``credit_notified``,
        ``credit_spent``, ``children_covered``, ``policies_issued``); provinces
        missing here have no performance row.

    Returns
    -------
    Allocation
        Allocated Rials per province (multiples of ``rounding_unit``, never above
        the requirement or cap, never below an applicable floor), the weights used
        and the bounds applied.
    """
    b = params.budget
    unit = b.rounding_unit
    codes = list(requirement)
    perf = performance or {}
    last_year = _notified_last_year(perf, codes)
    if b.method == "performance_weighted":
        wt = {r["province_code"]: r for r in _weights(params, requirement, perf)}
        perf_weight = {c: wt[c]["weight"] for c in codes}
        has_perf = {c: bool(wt[c]["has_performance"]) for c in codes}
    else:
        perf_weight = dict.fromkeys(codes, Fraction(1))
        has_perf = {c: c in perf for c in codes}
    _check_codes(b.province_floors, "province_floors")
    _check_codes(b.province_caps, "province_caps")

    total_units = b.distributable // unit
    high = {c: requirement[c] // unit for c in codes}
    for c, cap in b.province_caps.items():
        if c in high:
            high[c] = min(high[c], cap // unit)
    if sum(-(-f // unit) for f in b.province_floors.values()) > total_units:
        raise BudgetError(
            f"params key budget.province_floors: the floors add up to "
            f"{sum(b.province_floors.values()):,} Rials (rounded up to whole units of {unit:,}), "
            f"more than the distributable amount {b.distributable:,} Rials; "
            "lower the floors or raise the released credit"
        )
    low = {c: min(-(-b.province_floors.get(c, 0) // unit), high[c]) for c in codes}
    applied = False
    if b.floor_last_year:
        with_last = {
            c: max(low[c], min(-(-(last_year[c] or 0) // unit), high[c])) for c in codes
        }
        if sum(with_last.values()) <= total_units:  # only when the distributable amount allows
            low, applied = with_last, True
    weights = {c: requirement[c] * perf_weight[c] for c in codes}
    units = bounded_apportionment(weights, total_units, low, high, requirement)
    return Allocation(
        allocated={c: units[c] * unit for c in codes},
        weight=perf_weight,
        has_performance=has_perf,
        floor={c: low[c] * unit for c in codes},
        cap={c: high[c] * unit for c in codes},
        last_year_floor_applied=applied,
    )


def allocation_table(
    params: Params, children: pd.DataFrame, performance: pd.DataFrame | None
) -> pd.DataFrame:
    """The credit notified to each province (ابلاغ اعتبار), numeric, 31 rows in code order.

    Columns: province_code, province_name, eligible_children, requirement, weight
    (float, 1.0 under ``per_capita``), has_performance, floor, cap (the bounds
    applied, Rials), allocated, share (of the total allocated, float),
    last_year_notified, change (allocated − last year) and allocated_per_child
    (floor division); the last three are nullable Int64 (NA without a performance
    row or children). Amounts are int64 Rials and multiples of ``rounding_unit``.
    Use :func:`allocation_totals` for the totals and
    :func:`~atiyeh_reports.allocation.views.allocation_table_fa` to show it.
    """
    req = requirement_table(params, children)
    codes = list(req["province_code"])
    requirement = dict(zip(codes, (int(v) for v in req["requirement"]), strict=True))
    perf = _last_year(params, performance)
    last_year = _notified_last_year(perf, codes)
    core = allocate(params, requirement, perf)
    allocated = [core.allocated[c] for c in codes]
    total_allocated = sum(allocated)
    last = [last_year[c] for c in codes]
    eligible = [int(v) for v in req["eligible_children"]]
    out = req.copy()
    out["weight"] = pd.array([float(core.weight[c]) for c in codes], dtype="float64")
    out["has_performance"] = pd.array([core.has_performance[c] for c in codes], dtype="bool")
    out["floor"] = pd.array([core.floor[c] for c in codes], dtype="int64")
    out["cap"] = pd.array([core.cap[c] for c in codes], dtype="int64")
    out["allocated"] = pd.array(allocated, dtype="int64")
    out["share"] = pd.array(
        [a / total_allocated if total_allocated else 0.0 for a in allocated], dtype="float64"
    )
    out["last_year_notified"] = pd.array(last, dtype="Int64")
    out["change"] = pd.array(
        [None if ly is None else a - ly for a, ly in zip(allocated, last, strict=True)],
        dtype="Int64",
    )
    out["allocated_per_child"] = pd.array(
        [a // n if n else None for a, n in zip(allocated, eligible, strict=True)], dtype="Int64"
    )
    return out


def allocation_totals(params: Params, table: pd.DataFrame) -> AllocationTotals:
    """Totals of an :func:`allocation_table`, with the unallocated and sub-unit lines."""
    b = params.budget
    allocated = int(table["allocated"].sum())
    sub_unit = b.distributable % b.rounding_unit
    return AllocationTotals(
        distributable=b.distributable,
        requirement=int(table["requirement"].sum()),
        eligible_children=int(table["eligible_children"].sum()),
        allocated=allocated,
        unallocated=b.distributable - sub_unit - allocated,
        sub_unit_remainder=sub_unit,
        last_year_notified=int(table["last_year_notified"].sum()),
    )


# --- sensitivity -------------------------------------------------------------------------
def with_released_share(params: Params, share: Decimal) -> Params:
    """A copy of ``params`` with another released share (the rest unchanged)."""
    budget = params.budget.model_copy(update={"released_share": Decimal(share)})
    return params.model_copy(update={"budget": budget})


def sensitivity_table(
    params: Params, children: pd.DataFrame, performance: pd.DataFrame | None
) -> pd.DataFrame:
    """What each province would be notified at each ``sensitivity_shares`` released share.

    Re-runs :func:`allocation_table` with each share. Columns: province_code,
    province_name, requirement, then one int64 column per share, named by the
    share as text (``"0.6"``, ``"1"``...). A last row ``جمع کل`` (province_code
    ``""``) holds the totals.
    """
    req = requirement_table(params, children)
    out = req[["province_code", "province_name", "requirement"]].copy()
    for share in params.budget.sensitivity_shares:
        table = allocation_table(with_released_share(params, share), children, performance)
        out[_share_key(share)] = table["allocated"].to_numpy()
    total = {c: int(out[c].sum()) for c in out.columns[2:]}
    total_row = pd.DataFrame([{"province_code": "", "province_name": vocab.TOTAL, **total}])
    return pd.concat([out, total_row.astype(out.dtypes.to_dict())], ignore_index=True)


def _share_key(share: Decimal) -> str:
    return format(Decimal(share).normalize(), "f")
