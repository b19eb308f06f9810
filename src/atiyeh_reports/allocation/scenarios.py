"""The projection of the credit the programme will need, and its back-test.

Per province, from this year's eligible children: those who reach the age
limit leave, the others leave at the rate observed between consecutive years'
lists (:func:`exit_rates_by_province`), and each province admits its average
yearly admissions (:func:`admissions_by_province`). Counts are exact
:class:`fractions.Fraction` s until an amount is rounded, once, to whole Rials.
:func:`projection_backtest` projects the latest year from the years before it.
The Persian tables and prose are in :mod:`atiyeh_reports.allocation.views`.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import pandas as pd

from atiyeh_reports.core.national_id import ids_in
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.errors import BudgetError
from atiyeh_reports.present.display import round_half_up


def _ages(params: Params, children: pd.DataFrame) -> pd.Series:
    """Completed years on 1 Farvardin of the report year: the ``age`` column, else from birth_date."""
    if "age" in children.columns and children["age"].notna().all():
        return children["age"].astype("int64")
    import jdatetime  # noqa: PLC0415 - jdatetime (and greenlet) only when ages are missing

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
    return int(round_half_up(value))  # the one rounding rule (present.display.round_half_up)


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
