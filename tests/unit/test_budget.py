"""Budget math: requirement, allocation (both methods), rounding, sensitivity, projection.

The worked examples are computed by hand in the comments (three provinces:
Tehran IR-23, Isfahan IR-10, Fars IR-07; every other province has no child).
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiyeh_reports.allocation import budget as B
from atiyeh_reports.core.provinces import provinces
from factories import BB, MILLION, THREE, A, C, make_children, make_params, make_performance

CODES = [p.code for p in provinces()]


def allocated(table: pd.DataFrame) -> dict[str, int]:
    return {c: int(v) for c, v in zip(table["province_code"], table["allocated"], strict=True) if v}


# --- largest remainder ---------------------------------------------------------------
def test_largest_remainder_by_hand() -> None:
    # quotas 10/3 each = 3.33..: floors 3,3,3; one unit left; equal remainders → larger
    # tiebreak (b) wins.
    assert B.largest_remainder({"a": 1, "b": 1, "c": 1}, 10, {"b": 5}) == {"a": 3, "b": 4, "c": 3}
    # equal remainders and equal tiebreak → lower code first.
    assert B.largest_remainder({"b": 1, "a": 1}, 1, {}) == {"a": 1, "b": 0}
    # quotas 7×(5,3,2)/10 = 3.5, 2.1, 1.4: floors 3,2,1; one left → largest remainder a.
    assert B.largest_remainder({"a": 5, "b": 3, "c": 2}, 7, {}) == {"a": 4, "b": 2, "c": 1}
    # exact Fractions: a weight of 1/3 is not rounded through a float.
    assert B.largest_remainder({"a": Fraction(1, 3), "b": Fraction(2, 3)}, 3, {}) == {"a": 1, "b": 2}


def test_largest_remainder_rejects_all_zero_weights() -> None:
    with pytest.raises(B.BudgetError, match="every weight is zero"):
        B.largest_remainder({"a": 0, "b": 0}, 3, {})
    assert B.largest_remainder({"a": 0}, 0, {}) == {"a": 0}


weights_st = st.dictionaries(
    st.sampled_from(CODES),
    st.one_of(st.just(0), st.integers(0, 10**12), st.fractions(0, 1000, max_denominator=1000)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(weights_st, st.integers(0, 10**6), st.integers(0, 2**32))
def test_largest_remainder_properties(weights: dict[str, Any], units: int, seed: int) -> None:
    rnd = random.Random(seed)
    total_w = sum(Fraction(w) for w in weights.values())
    if total_w == 0:
        return
    tiebreak = {k: rnd.randint(0, 3) for k in weights}
    result = B.largest_remainder(weights, units, tiebreak)
    assert sum(result.values()) == units
    for k, w in weights.items():
        quota = units * Fraction(w) / total_w
        assert quota - 1 < result[k] < quota + 1  # within one unit of the exact quota
    keys = list(weights)
    rnd.shuffle(keys)
    assert B.largest_remainder({k: weights[k] for k in keys}, units, tiebreak) == result


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 50), st.integers(0, 50)),
             min_size=1, max_size=31),
    st.integers(0, 2000),
)
def test_bounded_apportionment_respects_bounds(
    rows: list[tuple[int, int, int]], units: int
) -> None:
    keys = CODES[: len(rows)]
    weights = {k: r[0] for k, r in zip(keys, rows, strict=False)}
    high = {k: max(r[1], r[2]) for k, r in zip(keys, rows, strict=False)}
    low = {k: min(r[1], r[2]) for k, r in zip(keys, rows, strict=False)}
    if sum(low.values()) > units:
        with pytest.raises(B.BudgetError, match="floors"):
            B.bounded_apportionment(weights, units, low, high, weights)
        return
    result = B.bounded_apportionment(weights, units, low, high, weights)
    for k in keys:
        assert low[k] <= result[k] <= high[k]
    top = sum(high[k] if weights[k] > 0 else low[k] for k in keys)
    assert sum(result.values()) == min(units, top)


# --- requirement and summary --------------------------------------------------------
def test_requirement_has_all_31_provinces_with_zeros() -> None:
    req = B.requirement_table(make_params(), THREE)
    assert list(req["province_code"]) == CODES
    by = req.set_index("province_code")
    assert by.loc[A, "eligible_children"] == 5 and by.loc[A, "requirement"] == 15 * MILLION
    assert by.loc["IR-00", "requirement"] == 0
    assert req["requirement"].dtype == "int64"
    assert int(req["requirement"].sum()) == 30 * MILLION


def test_requirement_rejects_unknown_code() -> None:
    with pytest.raises(B.BudgetError, match="IR-99"):
        B.requirement_table(make_params(), make_children({"IR-99": 1}))


def test_national_summary_gap_and_surplus() -> None:
    # approved 100M, released 90% = 90M, reserve 2% of 90M = 1.8M, distributable 88.2M.
    params = make_params(
        approved_credit=100 * MILLION, released_share=Decimal("0.9"), reserve_share=Decimal("0.02")
    )
    summary = B.national_summary(params, B.requirement_table(params, THREE))
    amounts = dict(zip(summary[B.SUMMARY_ITEM], summary[B.SUMMARY_AMOUNT], strict=True))
    assert amounts[B.LABEL_APPROVED] == 100 * MILLION
    assert amounts[B.LABEL_RELEASED] == 90 * MILLION
    assert amounts[B.LABEL_RESERVE] == 1_800_000
    assert amounts[B.LABEL_DISTRIBUTABLE] == 88_200_000
    assert amounts[B.LABEL_REQUIREMENT] == 30 * MILLION
    assert amounts[B.LABEL_SURPLUS] == 58_200_000
    gap = B.national_summary(make_params(), 30 * MILLION)  # 25M distributable
    assert gap[B.SUMMARY_ITEM].iloc[-1] == B.LABEL_GAP
    assert gap[B.SUMMARY_AMOUNT].iloc[-1] == 5 * MILLION


# --- worked examples ------------------------------------------------------------------
def test_per_capita_pro_rata_with_tie_and_sub_unit_remainder() -> None:
    # Requirements 15M, 9M, 6M (total 30M). Distributable 25.4M → 25 units of 1M and
    # 0.4M below one unit. Quotas 25×15/30 = 12.5, 25×9/30 = 7.5, 25×6/30 = 5.
    # Floors 12, 7, 5 (24); one unit left; Tehran and Isfahan tie at 0.5 → the
    # larger requirement (Tehran) gets it: 13M, 7M, 5M.
    params = make_params(approved_credit=25_400_000)
    table = B.allocation_table(params, THREE, None)
    assert allocated(table) == {A: 13 * MILLION, BB: 7 * MILLION, C: 5 * MILLION}
    totals = B.allocation_totals(params, table)
    assert (totals.allocated, totals.unallocated, totals.sub_unit_remainder) == (
        25 * MILLION, 0, 400_000,
    )


def test_per_capita_covered_gives_each_its_requirement() -> None:
    # 40M distributable ≥ 30M requirement: 15M, 9M, 6M and 10M stays at HQ.
    params = make_params(approved_credit=40 * MILLION)
    table = B.allocation_table(params, THREE, None)
    assert allocated(table) == {A: 15 * MILLION, BB: 9 * MILLION, C: 6 * MILLION}
    totals = B.allocation_totals(params, table)
    assert totals.allocated == totals.requirement == 30 * MILLION
    assert totals.unallocated == 10 * MILLION


PERF = make_performance(
    {
        A: (10 * MILLION, 10 * MILLION, 10, 10),  # absorption 1, coverage 1 → score 1
        BB: (10 * MILLION, 5 * MILLION, 10, 5),  # 1/2 and 1/2 → score 1/2
        # Fars sent no performance → weight 1
    }
)


def test_performance_weights_by_hand() -> None:
    # Requirement-weighted mean score over Tehran and Isfahan: (15×1 + 9×½)/24 = 13/16.
    # Tehran 1/(13/16) = 16/13 → capped at 1.2; Isfahan ½×16/13 = 8/13 → floor 0.8.
    params = make_params(method="performance_weighted")
    w = B.weights_table(params, THREE, PERF).set_index("province_code")
    assert w.loc[A, "raw_weight"] == Fraction(16, 13)
    assert w.loc[A, "weight"] == Fraction(6, 5)
    assert w.loc[BB, "raw_weight"] == Fraction(8, 13)
    assert w.loc[BB, "weight"] == Fraction(4, 5)
    assert w.loc[C, "weight"] == 1 and not w.loc[C, "has_performance"]


def test_performance_weighted_by_hand() -> None:
    # Weights × requirement: 15×1.2 = 18, 9×0.8 = 7.2, 6×1 = 6 (sum 31.2). 20 units:
    # quotas 11.54, 4.62, 3.85 → floors 11, 4, 3 (18); two left → Fars (.85), Isfahan (.62).
    params = make_params(method="performance_weighted", approved_credit=20 * MILLION)
    table = B.allocation_table(params, THREE, PERF)
    assert allocated(table) == {A: 11 * MILLION, BB: 5 * MILLION, C: 4 * MILLION}
    text = B.method_explanation(params, table)
    assert "عملکرد سال قبل در دست نبود" in text  # Fars (and the empty provinces) had no row


def test_performance_weighted_cap_frees_credit_for_others() -> None:
    # 28 units: Tehran's quota 28×18/31.2 = 16.15 is above its requirement (15) → 15.
    # The other 13 go to Isfahan and Fars ∝ 7.2 : 6 → 7.09, 5.91 → 7 and 6.
    params = make_params(method="performance_weighted", approved_credit=28 * MILLION)
    table = B.allocation_table(params, THREE, PERF)
    assert allocated(table) == {A: 15 * MILLION, BB: 7 * MILLION, C: 6 * MILLION}


def test_province_floor_by_hand() -> None:
    # Isfahan's floor 9M = its requirement. The other 16 units go to Tehran and Fars
    # ∝ 15 : 6 → 11.43, 4.57 → 11 and 5 (Fars has the larger remainder).
    params = make_params(province_floors={BB: 9 * MILLION})
    table = B.allocation_table(params, THREE, None)
    assert allocated(table) == {A: 11 * MILLION, BB: 9 * MILLION, C: 5 * MILLION}
    assert "کف" in B.method_explanation(params, table)


def _unchecked(**budget: object):
    """Parameters that skipped load_params' checks (which refuse these first): budget checks again."""
    params = make_params()
    return params.model_copy(update={"budget": params.budget.model_copy(update=budget)})


def test_floors_above_distributable_raise() -> None:
    with pytest.raises(ValueError, match="province_floors"):  # load_params refuses them first
        make_params(province_floors={A: 20 * MILLION, BB: 6 * MILLION})
    params = _unchecked(province_floors={A: 20 * MILLION, BB: 6 * MILLION})
    with pytest.raises(B.BudgetError, match="province_floors"):
        B.allocation_table(params, THREE, None)


def test_unknown_code_in_caps_raises() -> None:
    with pytest.raises(B.BudgetError, match="province_caps.*IR-77"):
        B.allocation_table(_unchecked(province_caps={"IR-77": 1}), THREE, None)


def test_floor_last_year_when_it_fits_and_when_it_does_not() -> None:
    # Tehran was notified 14M last year → floor 14. The other 11 units ∝ 9 : 6 → 6.6,
    # 4.4 → 7 and 4.
    perf = make_performance({A: (14 * MILLION, 14 * MILLION, 5, 5)})
    params = make_params(floor_last_year=True)
    table = B.allocation_table(params, THREE, perf)
    assert allocated(table) == {A: 14 * MILLION, BB: 7 * MILLION, C: 4 * MILLION}
    by = table.set_index("province_code")
    assert by.loc[A, "last_year_notified"] == 14 * MILLION and by.loc[A, "change"] == 0
    assert pd.isna(by.loc[BB, "last_year_notified"])
    # Floors of 14 + 9 + 6 = 29 units do not fit in 25 → not applied (pro rata as before).
    perf = make_performance({A: (14 * MILLION, 1, 1, 1), BB: (9 * MILLION, 1, 1, 1),
                             C: (6 * MILLION, 1, 1, 1)})
    table = B.allocation_table(params, THREE, perf)
    assert allocated(table) == {A: 13 * MILLION, BB: 7 * MILLION, C: 5 * MILLION}
    assert "کافی نبود" in B.method_explanation(params, table)


def test_province_cap_redistributes() -> None:
    # Tehran capped at 10M; the other 15 units ∝ 9 : 6 → 9 and 6 (both at requirement).
    params = make_params(province_caps={A: 10 * MILLION})
    table = B.allocation_table(params, THREE, None)
    assert allocated(table) == {A: 10 * MILLION, BB: 9 * MILLION, C: 6 * MILLION}


def test_allocation_table_columns_and_fa_total_row() -> None:
    params = make_params(approved_credit=25_400_000)
    perf = make_performance({A: (12 * MILLION, 12 * MILLION, 4, 4)})
    table = B.allocation_table(params, THREE, perf)
    assert table["allocated"].dtype == "int64"
    by = table.set_index("province_code")
    assert by.loc[A, "change"] == MILLION  # 13M − 12M
    assert by.loc[A, "allocated_per_child"] == 13 * MILLION // 5
    assert pd.isna(by.loc["IR-00", "allocated_per_child"])
    fa = B.allocation_table_fa(params, table)
    assert len(fa) == 32
    total = fa.iloc[-1]
    assert total["استان"] == B.TOTAL_LABEL
    assert total[B.ALLOCATION_FA["allocated"]] == 25 * MILLION
    assert total[B.ALLOCATION_FA["eligible_children"]] == 10
    assert B.ALLOCATION_FA["weight"] not in fa.columns  # per_capita shows no weight
    assert table.equals(B.allocation_table(params, THREE, perf))  # inputs not mutated


def test_method_explanation_uses_persian_digits() -> None:
    params = make_params(approved_credit=25_400_000)
    text = B.method_explanation(params, B.allocation_table(params, THREE, None))
    assert "۲۵٬۴۰۰٬۰۰۰" in text and "سرانه‌ای" in text
    assert not any(ch in "0123456789" for ch in text)
    assert "۴۰۰٬۰۰۰ ریال کمتر از یک واحد" in text


# --- properties of the allocation ------------------------------------------------------
counts_st = st.lists(st.one_of(st.just(0), st.integers(0, 40)), min_size=31, max_size=31)
perf_st = st.lists(
    st.one_of(
        st.none(),
        st.tuples(st.integers(0, 10**9), st.integers(0, 10**9), st.integers(0, 50),
                  st.integers(0, 50)),
    ),
    min_size=31,
    max_size=31,
)
budget_st = st.fixed_dictionaries(
    {
        "approved_credit": st.integers(0, 5 * 10**9),
        "released_share": st.decimals(0, 1, places=2),
        "reserve_share": st.decimals(0, Decimal("0.2"), places=3),
        "rounding_unit": st.sampled_from([1, 7, 1000, 999_983, MILLION, 10 * MILLION]),
        "premium": st.integers(1, 5 * MILLION),
        "method": st.sampled_from(["per_capita", "performance_weighted"]),
        "floor_last_year": st.booleans(),
    }
)


def perf_records(rows: list[Any]) -> dict[str, dict[str, int]]:
    return {
        c: dict(zip(("credit_notified", "credit_spent", "children_covered", "policies_issued"),
                    r, strict=True))
        for c, r in zip(CODES, rows, strict=True)
        if r is not None
    }


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=counts_st, perf_rows=perf_st, budget=budget_st)
def test_allocation_invariants(counts: list[int], perf_rows: list[Any], budget: dict) -> None:
    params = make_params(**budget)
    unit = params.budget.rounding_unit
    premium = params.service.per_capita_premium
    requirement = {c: n * premium for c, n in zip(CODES, counts, strict=True)}
    result = B.allocate(params, requirement, perf_records(perf_rows))
    alloc = result.allocated
    distributable = params.budget.distributable
    sub_unit = distributable % unit
    total = sum(alloc.values())
    assert 0 <= sub_unit < unit
    assert total <= distributable - sub_unit
    for c in CODES:
        assert alloc[c] >= 0 and alloc[c] % unit == 0
        assert alloc[c] <= requirement[c]  # never above the requirement, either method
        assert alloc[c] >= result.floor[c]
    whole_requirement = {c: r // unit * unit for c, r in requirement.items()}
    if total < distributable - sub_unit:  # something unallocated: only when all are satisfied
        assert alloc == whole_requirement
    if distributable >= sum(requirement.values()):  # covered: each gets its requirement
        assert alloc == whole_requirement
    if budget["method"] == "per_capita" and not budget["floor_last_year"]:
        # a larger requirement never gets less; equal requirements differ by at most a unit
        pairs = sorted((requirement[c], alloc[c]) for c in CODES)
        for (r1, a1), (r2, a2) in zip(pairs, pairs[1:], strict=False):
            assert a2 >= a1 if r2 > r1 else abs(a2 - a1) <= unit
    if budget["method"] == "performance_weighted":
        pw = params.budget.performance_weights
        assert all(pw.floor <= w <= pw.cap or w == 1 for w in result.weight.values())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=counts_st, perf_rows=perf_st, budget=budget_st)
def test_allocation_table_totals_and_order_independence(
    counts: list[int], perf_rows: list[Any], budget: dict
) -> None:
    params = make_params(**budget)
    children = make_children(dict(zip(CODES, counts, strict=True)))
    perf = make_performance(
        {c: r for c, r in zip(CODES, perf_rows, strict=True) if r is not None}
    )
    table = B.allocation_table(params, children, perf)
    t = B.allocation_totals(params, table)
    assert t.allocated + t.unallocated + t.sub_unit_remainder == params.budget.distributable
    assert t.unallocated >= 0 and 0 <= t.sub_unit_remainder < params.budget.rounding_unit
    # units go out until every province has its requirement in whole units; only then is
    # anything left unallocated
    unit = params.budget.rounding_unit
    whole_requirement = sum(r // unit * unit for r in table["requirement"])
    units_to_give = params.budget.distributable - t.sub_unit_remainder
    assert t.unallocated == max(0, units_to_give - whole_requirement)
    # deterministic: input row order does not matter
    shuffled = children.sample(frac=1, random_state=0).reset_index(drop=True)
    reversed_perf = perf.iloc[::-1].reset_index(drop=True)
    again = B.allocation_table(params, shuffled, reversed_perf)
    assert again["allocated"].tolist() == table["allocated"].tolist()


@settings(max_examples=80, deadline=None)
@given(
    counts=counts_st,
    approved=st.integers(0, 5 * 10**9),
    low=st.decimals(0, 1, places=2),
    high=st.decimals(0, 1, places=2),
    method=st.sampled_from(["per_capita", "performance_weighted"]),
)
def test_more_released_never_less_in_total(
    counts: list[int], approved: int, low: Decimal, high: Decimal, method: str
) -> None:
    low, high = min(low, high), max(low, high)
    requirement = {c: n * 3 * MILLION for c, n in zip(CODES, counts, strict=True)}
    perf = perf_records([(10, 3, 10, 9)] + [None] * 4 + [(10, 10, 10, 10)] + [None] * 25)
    totals = [
        sum(B.allocate(make_params(approved_credit=approved, released_share=s, method=method),
                       requirement, perf).allocated.values())
        for s in (low, high)
    ]
    assert totals[0] <= totals[1]


@settings(max_examples=80, deadline=None)
@given(counts=counts_st, approved=st.integers(0, 5 * 10**9),
       perf_row=st.tuples(st.integers(1, 10**9), st.integers(0, 10**9), st.integers(1, 50),
                          st.integers(0, 50)))
def test_equal_performance_means_per_capita(
    counts: list[int], approved: int, perf_row: tuple[int, int, int, int]
) -> None:
    # Every province performing alike → every weight is 1 → the same as per_capita.
    requirement = {c: n * 3 * MILLION for c, n in zip(CODES, counts, strict=True)}
    perf = perf_records([perf_row] * 31)
    weighted = B.allocate(
        make_params(approved_credit=approved, method="performance_weighted"), requirement, perf
    )
    assert set(weighted.weight.values()) == {1}
    assert weighted.allocated == B.allocate(
        make_params(approved_credit=approved), requirement, perf
    ).allocated


def test_weights_stay_within_floor_and_cap() -> None:
    rnd = random.Random(4)
    perf = make_performance(
        {c: (100, rnd.randint(0, 120), 10, rnd.randint(0, 12)) for c in CODES[:25]}
    )
    children = make_children({c: rnd.randint(0, 30) for c in CODES})
    params = make_params(method="performance_weighted")
    w = B.weights_table(params, children, perf)
    assert all(Fraction(4, 5) <= x <= Fraction(6, 5) for x in w["weight"])
    assert not w.set_index("province_code").loc[CODES[30], "has_performance"]


# --- sensitivity and projection ------------------------------------------------------------
def test_sensitivity_reruns_the_allocation_per_share() -> None:
    # approved 30M: at 50% → 15 units ∝ 15:9:6 → 7.5, 4.5, 3 → 8, 4, 3 (tie → Tehran);
    # at 100% → covered: 15, 9, 6.
    params = make_params(
        approved_credit=30 * MILLION, sensitivity_shares=[Decimal("0.5"), Decimal("1")]
    )
    table = B.sensitivity_table(params, THREE, None)
    by = table.set_index("province_code")
    assert list(by.loc[[A, BB, C], "0.5"]) == [8 * MILLION, 4 * MILLION, 3 * MILLION]
    assert list(by.loc[[A, BB, C], "1"]) == [15 * MILLION, 9 * MILLION, 6 * MILLION]
    assert table.iloc[-1]["0.5"] == 15 * MILLION
    fa = B.sensitivity_table_fa(params, table)
    assert "تخصیص ۵۰٪ (میلیون ریال)" in fa.columns
    assert B.sensitivity_columns_fa(params)[1:] == list(fa.columns[2:])


def test_projection_by_hand() -> None:
    # Now: 4 children aged 16, 17, 17, 5 (limit 18). Next year the two 17-year-olds leave,
    # the year after the 16-year-old. History: 1403 had ids 0 and 1 only; 1404 has
    # 0..3 → 2 new (both in Tehran); one pair of years → 2 admissions a year.
    children = make_children({A: 4}, ages=[16, 17, 17, 5])
    history = {1403: children.iloc[:2]}
    params = make_params(premium=1_000_001, projection_years=2)
    proj = B.projection_table(params, children, history)
    assert list(proj["year"]) == [1404, 1405, 1406]
    assert list(proj["leaving"]) == [0, 2, 1]
    assert list(proj["admissions"]) == [0, 2, 2]
    assert list(proj["children"]) == [4, 4, 5]
    # 1,000,001 × 1.25 = 1,250,001.25 → 1,250,001; × 1.25 = 1,562,501.25 → 1,562,501
    assert list(proj["premium"]) == [1_000_001, 1_250_001, 1_562_501]
    assert proj["requirement"].iloc[-1] == 5 * 1_562_501
    assert proj["requirement"].dtype == "int64"


def test_projection_ages_from_birth_dates_without_history() -> None:
    # 1 Farvardin 1404 = 21 March 2025. Born 22 March 2007 → 17 on that day → leaves in 1405.
    children = pd.DataFrame(
        {
            "province_code": ["IR-23", "IR-23"],
            "national_id": ["0000000001", "0000000002"],
            "birth_date": [date(2007, 3, 22), date(2007, 3, 21)],
        }
    )
    proj = B.projection_table(make_params(projection_years=1), children, {})
    # the second child is 18 already on 1 Farvardin 1404: not eligible now, counted as
    # leaving in the first projected year only if it was under the limit → only the first.
    assert list(proj["leaving"]) == [0, 1]
    assert list(proj["admissions"]) == [0, 0]


def test_weights_table_fa_reads_the_hand_example() -> None:
    fa = B.weights_table_fa(make_params(method="performance_weighted"), THREE, PERF)
    tehran = fa[fa[B.WEIGHTS_FA["province_name"]] == "تهران"].iloc[0]
    assert tehran[B.WEIGHTS_FA["weight"]] == "۱٫۲۰۰"
    assert tehran[B.WEIGHTS_FA["raw_weight"]] == "۱٫۲۳۱"  # 16/13 = 1.2307...
    assert tehran[B.WEIGHTS_FA["absorption"]] == 1.0
    fars = fa[fa[B.WEIGHTS_FA["province_name"]] == "فارس"].iloc[0]
    assert pd.isna(fars[B.WEIGHTS_FA["absorption"]]) and fars[B.WEIGHTS_FA["weight"]] == "۱٫۰۰۰"
    assert fars[B.WEIGHTS_FA["raw_weight"]] == "–"
    assert not fars[B.WEIGHTS_FA["has_performance"]]


def test_national_summary_million_column_holds_rials() -> None:
    summary = B.national_summary(make_params(), 30 * MILLION)
    assert summary[B.SUMMARY_MILLION].tolist() == summary[B.SUMMARY_AMOUNT].tolist()


def test_requirement_needs_province_code() -> None:
    with pytest.raises(B.BudgetError, match="province_code"):
        B.requirement_table(make_params(), pd.DataFrame({"national_id": ["0000000001"]}))
    empty = B.requirement_table(make_params(), make_children({}))
    assert len(empty) == 31 and int(empty["requirement"].sum()) == 0


def test_projection_history_may_include_the_report_year() -> None:
    children = make_children({A: 4}, ages=[16, 17, 17, 5])
    history = {1403: children.iloc[:2], 1404: children}
    params = make_params(projection_years=1)
    assert B.projection_table(params, children, history).equals(
        B.projection_table(params, children, {1403: children.iloc[:2]})
    )


def test_performance_of_other_years_is_ignored_and_duplicates_raise() -> None:
    params = make_params(floor_last_year=True)
    old = make_performance({A: (14 * MILLION, 1, 1, 1)}, year=1403)  # another year's forms
    table = B.allocation_table(params, THREE, old)
    assert allocated(table) == {A: 13 * MILLION, BB: 7 * MILLION, C: 5 * MILLION}
    assert table["last_year_notified"].isna().all()
    twice = pd.concat([PERF, PERF.iloc[:1]], ignore_index=True)
    with pytest.raises(B.BudgetError, match="more than once"):
        B.allocation_table(params, THREE, twice)


def _kids(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    """(national_id, province_code, age) rows."""
    return pd.DataFrame(rows, columns=["national_id", "province_code", "age"]).astype({"age": "int64"})


def test_admissions_are_the_exact_average_not_rounded_per_province() -> None:
    # Three provinces each admit one child over two pairs of years: 0.5 a year each, 1.5 in all.
    # Rounding half up per province first (the old way) would have made it 3.
    y1402 = _kids([("0000000001", A, 5)])
    y1403 = _kids([("0000000001", A, 6), ("0000000002", BB, 5)])
    y1404 = _kids([("0000000001", A, 7), ("0000000002", BB, 6), ("0000000003", C, 5), ("0000000004", A, 5)])
    params = make_params(projection_years=1, premium=1_000_000)
    avg = B.admissions_by_province(1404, y1404, {1402: y1402, 1403: y1403})
    assert avg[A] == Fraction(1, 2) and avg[BB] == Fraction(1, 2) and avg[C] == Fraction(1, 2)
    proj = B.projection_table(params, y1404, {1402: y1402, 1403: y1403})
    assert proj["admissions"].iloc[1] == pytest.approx(1.5)
    # the amount is the exact count × premium, rounded once: (4 + 1.5) × 1,250,000
    assert proj["requirement"].iloc[1] == int((4 + Fraction(3, 2)) * 1_250_000)


def test_other_exits_follow_each_provinces_observed_rate() -> None:
    # 1403 → 1404: Tehran had 10 children under the limit next year; 2 are on no list in 1404.
    y1403 = _kids([(f"{i:010d}", A, 5) for i in range(10)])
    y1404 = _kids([(f"{i:010d}", A, 6) for i in range(8)])
    rates = B.exit_rates_by_province(1404, y1404, {1403: y1403}, 18)
    assert rates[A] == Fraction(2, 10) and rates[BB] == 0
    proj = B.projection_table(make_params(projection_years=1), y1404, {1403: y1403})
    assert proj["other_exits"].iloc[1] == pytest.approx(8 * 0.2)
    assert proj["children"].iloc[1] == pytest.approx(8 - 1.6)  # no admissions: nobody new in 1404


def test_a_move_between_provinces_is_not_an_exit() -> None:
    y1403 = _kids([("0000000001", A, 5), ("0000000002", A, 5)])
    y1404 = _kids([("0000000001", BB, 6), ("0000000002", A, 6)])
    assert B.exit_rates_by_province(1404, y1404, {1403: y1403}, 18)[A] == 0


def test_backtest_projects_the_latest_year_from_the_ones_before() -> None:
    # 1402 → 1403: 10 in Tehran, 2 leave, 3 admitted (11 in 1403). Projected 1404 from 1403:
    # 11 × (1 − 0.2) + 3 = 11.8; actual 1404 list: 12 → error −0.2 children.
    y1402 = _kids([(f"{i:010d}", A, 5) for i in range(10)])
    y1403 = _kids([(f"{i:010d}", A, 6) for i in range(8)] + [(f"{i:010d}", A, 1) for i in range(100, 103)])
    y1404 = _kids([(f"{i:010d}", A, 7) for i in range(12)])
    params = make_params(premium=1_000_000)
    bt = B.projection_backtest(params, {1402: y1402, 1403: y1403, 1404: y1404}).set_index("method")
    assert bt.loc["observed_exits", "predicted"] == pytest.approx(11.8)
    assert bt.loc["observed_exits", "actual"] == 12
    assert bt.loc["observed_exits", "error"] == pytest.approx(-0.2)
    assert bt.loc["observed_exits", "error_rials"] == 11_800_000 - 12_000_000
    assert bt.loc["age_only", "predicted"] == pytest.approx(14)  # 11 + 3: no other exits
    assert B.projection_backtest(params, {1403: y1403, 1404: y1404}) is None  # needs three years
    assert "۱۴۰۴" in "".join(B.projection_backtest_fa(bt.reset_index(), 1404).columns)


def test_the_old_face_serves_the_split_modules() -> None:
    # `budget` is a face: each of its names is the very object of the module it moved to.
    from atiyeh_reports import errors
    from atiyeh_reports.allocation import allocate, apportion, scenarios, views

    homes = (apportion, allocate, scenarios, views, errors)
    for name in B.__all__:
        assert any(vars(m).get(name) is getattr(B, name) for m in homes), name
    assert B.allocate is allocate.allocate and B.national_summary is views.national_summary
    assert B.BudgetError is errors.BudgetError and B.BudgetError.exit_code == 5
    assert not any(name.startswith("_") for name in B.__all__)
