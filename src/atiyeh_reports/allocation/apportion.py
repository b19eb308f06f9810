"""Exact apportionment: whole units in proportion to weights, within bounds.

Integers and :class:`fractions.Fraction` s only (no pandas, nothing through a
float): :func:`largest_remainder` (Hamilton's method) and
:func:`bounded_apportionment`, whose exact bounded shares are found by solving
for the one multiplier λ with Σ clamp(λ·wᵢ, lowᵢ, highᵢ) = units, then rounded
down with the leftover units to the largest remainders. The allocation
(:mod:`atiyeh_reports.allocation.allocate`) hands out its units with them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from atiyeh_reports.errors import BudgetError


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
