"""The budget math: what each province needs, and what HQ notifies to it.

Every amount is an integer number of Rials. Shares and weights are exact
(:class:`fractions.Fraction`, or the :class:`decimal.Decimal` shares of the
parameter file); nothing goes through a float on its way to an amount.

The allocation, in brief
------------------------
1. *Requirement* per province: eligible children × per-capita premium.
2. *Distributable* amount: approved × released share − HQ reserve
   (:attr:`atiyeh_reports.params.Budget.distributable`). It is cut into whole
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
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from atiyeh_reports import vocab
from atiyeh_reports.display import exact as _exact, fmt_decimal, fmt_int, round_half_up
from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.hq_record import find_notified_record, with_hq_notified
from atiyeh_reports.national_id import ids_in
from atiyeh_reports.params import Params
from atiyeh_reports.provinces import by_code, provinces
from atiyeh_reports.text import to_persian_digits


class BudgetError(AtiyehError):
    """The budget parameters or tables cannot produce an allocation (e.g. floors above the total)."""

    exit_code = 5


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


# --- exact apportionment -------------------------------------------------------------
def _as_fraction(value: int | Fraction | Decimal) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _round_exact(
    exact: Mapping[str, Fraction], tiebreak: Mapping[str, int]
) -> dict[str, int]:
    """Round exact unit counts whose sum is an integer: floors, then largest remainders."""
    floors = {k: math.floor(v) for k, v in exact.items()}
    total = sum(exact.values(), Fraction(0))
    if total.denominator != 1:  # pragma: no cover - callers guarantee an integer total
        raise ValueError(f"exact shares add up to {total}, not a whole number of units")
    leftover = int(total) - sum(floors.values())
    order = sorted(
        exact,
        key=lambda k: (-(exact[k] - floors[k]), -int(tiebreak.get(k, 0)), k),
    )
    result = dict(floors)
    for key in order[:leftover]:
        result[key] += 1
    return result


def largest_remainder(
    weights: Mapping[str, int | Fraction],
    total_units: int,
    tiebreak: Mapping[str, int],
) -> dict[str, int]:
    """Split ``total_units`` whole units in proportion to ``weights`` (Hamilton's method).

    Each key gets the floor of its exact quota ``total_units × wᵢ / Σw``; the units
    left over go one each to the largest fractional remainders. Ties are broken by
    the larger ``tiebreak`` value (the requirement), then by the key (province code)
    in ascending order, so the result never depends on input order. Exact: the
    quotas are :class:`~fractions.Fraction` s.

    Parameters
    ----------
    weights
        Non-negative weights; at least one positive when ``total_units > 0``.
    total_units
        Whole units to hand out (≥ 0).
    tiebreak
        Secondary key for equal remainders (larger first); missing keys count as 0.

    Returns
    -------
    dict
        Units per key, adding up to ``total_units`` exactly.

    Examples
    --------
    >>> largest_remainder({"a": 1, "b": 1, "c": 1}, 10, {"a": 0, "b": 5, "c": 0})
    {'a': 3, 'b': 4, 'c': 3}
    """
    if total_units < 0:
        raise BudgetError(f"cannot split a negative number of units ({total_units})")
    fractions_ = {k: _as_fraction(w) for k, w in weights.items()}
    if any(w < 0 for w in fractions_.values()):
        raise BudgetError(f"weights must not be negative: {dict(weights)}")
    total_weight = sum(fractions_.values(), Fraction(0))
    if total_weight == 0:
        if total_units == 0:
            return {k: 0 for k in fractions_}
        raise BudgetError(f"cannot split {total_units} units when every weight is zero")
    exact = {k: total_units * w / total_weight for k, w in fractions_.items()}
    return _round_exact(exact, tiebreak)


def _bounded_exact(
    weights: Mapping[str, Fraction],
    total_units: int,
    low: Mapping[str, int],
    high: Mapping[str, int],
) -> dict[str, Fraction]:
    """Exact shares xᵢ = clamp(λ·wᵢ, lowᵢ, highᵢ) with Σx = total_units, or everyone at the top.

    f(λ) = Σ clamp(λ·wᵢ, lowᵢ, highᵢ) is continuous, piecewise linear and
    non-decreasing; its breakpoints are lowᵢ/wᵢ and highᵢ/wᵢ. We find the segment
    where f crosses ``total_units`` and interpolate, exactly. When even the top
    (everyone at ``high``) is below ``total_units``, the top is returned and the
    caller reports the difference as unallocated.
    """
    keys = list(weights)
    at_top = {k: Fraction(high[k] if weights[k] > 0 else low[k]) for k in keys}
    if sum(at_top.values()) <= total_units:
        return at_top

    def f(lam: Fraction) -> Fraction:
        return sum((min(max(lam * weights[k], low[k]), high[k]) for k in keys), Fraction(0))

    points = sorted(
        {Fraction(b) / weights[k] for k in keys if weights[k] > 0 for b in (low[k], high[k])}
    )
    if f(Fraction(0)) >= total_units:  # the floors alone use every unit
        return {k: Fraction(low[k]) for k in keys}
    # f(points[-1]) is the top, above total_units: bisect for the first breakpoint reaching it.
    lo_i, hi_i = -1, len(points) - 1
    while hi_i - lo_i > 1:
        mid = (lo_i + hi_i) // 2
        if f(points[mid]) >= total_units:
            hi_i = mid
        else:
            lo_i = mid
    prev_lam = points[lo_i] if lo_i >= 0 else Fraction(0)
    lam, prev_f, value = points[hi_i], f(prev_lam), f(points[hi_i])
    lam_star = prev_lam + (total_units - prev_f) * (lam - prev_lam) / (value - prev_f)
    return {k: Fraction(min(max(lam_star * weights[k], low[k]), high[k])) for k in keys}


def bounded_apportionment(
    weights: Mapping[str, int | Fraction],
    total_units: int,
    low: Mapping[str, int],
    high: Mapping[str, int],
    tiebreak: Mapping[str, int],
) -> dict[str, int]:
    """Whole units ∝ ``weights``, each within [lowᵢ, highᵢ], rounded by largest remainder.

    Keys with weight 0 get their ``low``. When Σhigh (over positive weights) is
    below ``total_units`` everyone gets their ``high`` and the rest is left over.
    Raises :class:`BudgetError` when Σlow is above ``total_units``.
    """
    w = {k: _as_fraction(v) for k, v in weights.items()}
    lo = {k: int(low.get(k, 0)) for k in w}
    hi = {k: int(high[k]) for k in w}
    lo = {k: min(lo[k], hi[k]) for k in w}
    if sum(lo.values()) > total_units:
        raise BudgetError(
            f"the provinces' floors add up to {sum(lo.values())} units, more than the "
            f"{total_units} units to distribute; lower budget.province_floors or raise the credit"
        )
    if total_units == 0:
        return dict.fromkeys(w, 0)
    exact = _bounded_exact(w, total_units, lo, hi)
    return _round_exact(exact, tiebreak)


# --- requirement and summary -------------------------------------------------------------
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
    Use :func:`allocation_totals` for the totals and :func:`allocation_table_fa` to show it.
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


def last_year_source_fa(params: Params) -> str:
    """Where "last year's notified credit" (and so the change and the weights) comes from, in a sentence."""
    record = find_notified_record(params)
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
    total_row = pd.DataFrame([{"province_code": "", "province_name": TOTAL_LABEL, **total}])
    return pd.concat([out, total_row.astype(out.dtypes.to_dict())], ignore_index=True)


def _share_key(share: Decimal) -> str:
    return format(Decimal(share).normalize(), "f")


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


def _ages(params: Params, children: pd.DataFrame) -> pd.Series:
    """Completed years on 1 Farvardin of the report year: the ``age`` column, else from birth_date."""
    if "age" in children.columns and children["age"].notna().all():
        return children["age"].astype("int64")
    import jdatetime  # local: only needed when ages are missing

    start = jdatetime.date(params.year, 1, 1).togregorian()

    def age(born: object) -> int:
        if born is None or pd.isna(born):
            raise BudgetError(
                "children table: a row has neither age nor birth_date; re-run the intake"
            )
        b = pd.Timestamp(born).date()
        return start.year - b.year - ((start.month, start.day) < (b.month, b.day))

    return children["birth_date"].map(age).astype("int64")


def _pairs(tables: Mapping[int, pd.DataFrame], up_to: int) -> list[int]:
    return [t for t in sorted(tables) if t - 1 in tables and t <= up_to]


def admissions_by_province(
    year: int, children: pd.DataFrame, history_children: Mapping[int, pd.DataFrame]
) -> dict[str, Fraction]:
    """Average yearly new admissions per province over consecutive years on hand (exact).

    New admissions in year t are children (by national_id) in year t's table who
    were not in year t−1's. Uses every pair (t−1, t) where both tables are known,
    up to ``year`` (``history_children`` may hold ``year`` too, e.g.
    ``YearData.children_by_year``; ``children`` wins). Provinces with none get 0.
    Empty when no pair exists.
    """
    tables = {**{k: v for k, v in history_children.items() if k <= year}, year: children}
    pairs = _pairs(tables, year)
    if not pairs:
        return {}
    totals: dict[str, int] = dict.fromkeys(by_code(), 0)
    for t in pairs:
        before = set(tables[t - 1]["national_id"])
        new = tables[t][~ids_in(tables[t]["national_id"], before)]
        for code, n in new["province_code"].value_counts().items():
            totals[code] = totals.get(code, 0) + int(n)
    return {code: Fraction(n, len(pairs)) for code, n in totals.items()}


def exit_rates_by_province(
    year: int, children: pd.DataFrame, history_children: Mapping[int, pd.DataFrame], age_limit: int
) -> dict[str, Fraction]:
    """Each province's observed yearly rate of exits other than age, over consecutive years up to ``year``.

    For every pair (t−1, t): the children on t−1's list of the province who would
    still be under ``age_limit`` in t are at risk; those on no list of t (in any
    province: a move is not an exit) left for another reason. The rate is the
    exits over the children at risk, summed over the pairs (exact; 0 when none
    were at risk, and for provinces not seen).
    """
    tables = {**{k: v for k, v in history_children.items() if k <= year}, year: children}
    at_risk: dict[str, int] = dict.fromkeys(by_code(), 0)
    exits: dict[str, int] = dict.fromkeys(by_code(), 0)
    for t in _pairs(tables, year):
        before, after = tables[t - 1], set(tables[t]["national_id"])
        stay_young = before[before["age"].astype("int64") + 1 < age_limit]
        stay_young = stay_young.assign(_gone=~ids_in(stay_young["national_id"], after))
        for code, group in stay_young.groupby("province_code"):
            at_risk[code] = at_risk.get(code, 0) + len(group)
            exits[code] = exits.get(code, 0) + int(group["_gone"].sum())
    return {c: Fraction(exits[c], at_risk[c]) if at_risk[c] else Fraction(0) for c in at_risk}


def _half_up(value: Fraction) -> int:
    return int(round_half_up(value))  # the one rounding rule (display.round_half_up)


def _project(children: pd.DataFrame, ages: pd.Series, start_year: int, years: int, age_limit: int,
             rates: Mapping[str, Fraction], admissions: Mapping[str, Fraction], premium: int,
             growth: Fraction) -> list[dict[str, object]]:
    """The projection's exact arithmetic: expected counts as Fractions, amounts rounded once."""
    cohort: dict[tuple[str, int], Fraction] = {}
    for code, age in zip(children["province_code"], ages, strict=True):
        cohort[(code, int(age))] = cohort.get((code, int(age)), Fraction(0)) + 1
    pool: dict[str, Fraction] = {}  # admitted during the projection: assumed under the limit within it
    count = Fraction(len(children))
    rows = [{"year": start_year, "children_start": count, "leaving": Fraction(0), "other_exits": Fraction(0),
             "admissions": Fraction(0), "children": count, "premium": premium,
             "requirement": len(children) * premium}]
    for k in range(1, years + 1):
        start = count
        # children already at the limit on the first day are not on an eligible list: only those
        # under it can leave by age
        leaving = sum((n for (c, a), n in cohort.items() if a < age_limit <= a + 1), Fraction(0))
        cohort = {(c, a + 1): n for (c, a), n in cohort.items() if a + 1 < age_limit}
        other = Fraction(0)
        for key, n in cohort.items():
            gone = n * rates.get(key[0], Fraction(0))
            other += gone
            cohort[key] = n - gone
        for code in list(pool):
            gone = pool[code] * rates.get(code, Fraction(0))
            other += gone
            pool[code] -= gone
        admitted = sum(admissions.values(), Fraction(0))
        for code, n in admissions.items():
            pool[code] = pool.get(code, Fraction(0)) + n
        count = start - leaving - other + admitted
        premium = _half_up(premium * growth)
        rows.append({"year": start_year + k, "children_start": start, "leaving": leaving,
                     "other_exits": other, "admissions": admitted, "children": count,
                     "premium": premium, "requirement": _half_up(count * premium)})
    return rows


def projection_table(
    params: Params,
    children: pd.DataFrame,
    history_children: Mapping[int, pd.DataFrame],
) -> pd.DataFrame:
    """The credit the programme will need in the next ``projection_years`` years.

    Starts from this year's eligible children (first row, the report year). Each
    later year, per province: children who reach ``age_limit`` leave (ages from
    ``age`` or ``birth_date``); of the others, the province's observed rate of
    exits for other reasons leaves (:func:`exit_rates_by_province`); the
    province admits its average yearly admissions (:func:`admissions_by_province`,
    exact, not rounded); admissions are assumed to stay under the age limit
    within the horizon but leave at the same rate. Counts are expected values
    (float, not rounded); the premium grows by ``premium_growth`` a year (whole
    Rials, half up) and each requirement is the exact count × premium, rounded
    half up once to whole Rials. Columns: year, children_start, leaving,
    other_exits, admissions, children (float), premium, requirement (int64).
    """
    limit = params.eligibility.age_limit
    ages = _ages(params, children)
    tables = {**dict(history_children), params.year: children.assign(age=ages)}
    rows = _project(children, ages, params.year, params.budget.projection_years, limit,
                    exit_rates_by_province(params.year, children.assign(age=ages), tables, limit),
                    admissions_by_province(params.year, children, tables),
                    params.service.per_capita_premium, 1 + Fraction(params.budget.premium_growth))
    return _projection_frame(rows)


def _projection_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    for col in ("children_start", "leaving", "other_exits", "admissions", "children"):
        out[col] = out[col].map(float).astype("float64")
    return out.astype({"year": "int64", "premium": "int64", "requirement": "int64"})


def projection_backtest(params: Params, children_by_year: Mapping[int, pd.DataFrame]) -> pd.DataFrame | None:
    """Project the latest year from the years before it and compare with what it turned out to be.

    The start is the year before the latest (its list and ages); the rates and
    admissions are those observed up to it. Two methods are compared: this
    projection, and the earlier one (no exits other than age, admissions rounded
    per province). Returns method, predicted, actual (children), error
    (predicted − actual), error_share, and the same in Rials at the latest
    year's premium; None with fewer than three consecutive years.
    """
    latest = max(children_by_year) if children_by_year else None
    if latest is None or not {latest - 1, latest - 2} <= set(children_by_year):
        return None
    base_year = latest - 1
    base = children_by_year[base_year]
    limit = params.eligibility.age_limit
    earlier = {k: v for k, v in children_by_year.items() if k <= base_year}
    rates = exit_rates_by_province(base_year, base, earlier, limit)
    admissions = admissions_by_province(base_year, base, earlier)
    premium = params.service.per_capita_premium
    actual = len(children_by_year[latest])
    ages = base["age"].astype("int64")
    new = _project(base, ages, base_year, 1, limit, rates, admissions, premium, Fraction(1))[1]["children"]
    rounded = {c: Fraction(_half_up(v)) for c, v in admissions.items()}
    old = _project(base, ages, base_year, 1, limit, {}, rounded, premium, Fraction(1))[1]["children"]
    rows = []
    for method, predicted in (("observed_exits", new), ("age_only", old)):
        error = predicted - actual
        rows.append({"method": method, "predicted": float(predicted), "actual": actual,
                     "error": float(error), "error_share": float(error / actual) if actual else float("nan"),
                     "predicted_rials": _half_up(predicted * premium), "actual_rials": actual * premium,
                     "error_rials": _half_up(predicted * premium) - actual * premium})
    return pd.DataFrame(rows)


BACKTEST_METHOD_FA = {"observed_exits": "روش این گزارش (خروج به نرخ مشاهده‌شده، پذیرش با میانگین دقیق)",
                      "age_only": "روش پیشین (فقط خروج به دلیل سن، پذیرش گردشده)"}


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
