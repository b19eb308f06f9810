"""Indicators per province and nationally, the scorecard and the year-over-year table."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atiyeh_reports.core import vocab
from atiyeh_reports.core.params import load_params
from atiyeh_reports.evaluation.indicators import (
    indicators_by_year,
    national_indicators,
    province_indicators,
    scorecard,
    scorecard_fa,
    yoy_fa,
    yoy_table,
)
from factories import nid

PARAMS_FILE = Path(__file__).parents[2] / "params" / "1404.yaml"
PREMIUM = 3_600_000
LIST_1404 = dt.date(2025, 5, 5)  # 1404/02/15




def year_frames(year: int, sizes: dict[str, tuple[int, int]], *, start: int = 1,
                late: dict[str, int] | None = None, perf: dict[str, tuple[int, int, int]] | None = None,
                summary: dict[str, tuple[int, int, int]] | None = None):
    """children/policies/performance/summary for one year.

    sizes: province -> (eligible, insured); late: province -> policies issued 60 days late;
    perf: province -> (notified, spent, covered); summary: province -> (read, rejected, corrected).
    """
    kids, pols = [], []
    n = start
    shift = dt.timedelta(days=365 * (1404 - year))
    for code, (eligible, insured) in sizes.items():
        for i in range(eligible):
            kids.append({"year": year, "province_code": code, "national_id": nid(n), "age": 10})
            if i < insured:
                days = 60 if i < (late or {}).get(code, 0) else 5
                pols.append({"policy_no": f"{year}-{n}", "national_id": nid(n), "province_code": code,
                             "issue_date": LIST_1404 - shift + dt.timedelta(days=days),
                             "premium": PREMIUM, "status": vocab.POLICY_ACTIVE,
                             "source_file": "x", "source_row": n})
            n += 1
    performance = pd.DataFrame(
        [{"year": year, "performance_year": year - 1, "province_code": c, "credit_notified": a,
          "credit_spent": b, "children_covered": k, "policies_issued": k, "children_left": 1,
          "source_file": "f"} for c, (a, b, k) in (perf or {}).items()],
        columns=["year", "performance_year", "province_code", "credit_notified", "credit_spent",
                 "children_covered", "policies_issued", "children_left", "source_file"])
    summ = pd.DataFrame(
        [{"province_code": c, "rows_read": r, "accepted": r - j, "corrected": k, "rejected": j}
         for c, (r, j, k) in (summary or {}).items()],
        columns=["province_code", "rows_read", "accepted", "corrected", "rejected"])
    pols_df = pd.DataFrame(pols, columns=["policy_no", "national_id", "province_code", "issue_date",
                                          "premium", "status", "source_file", "source_row"])
    pols_df["premium"] = pols_df["premium"].astype("int64")
    return pd.DataFrame(kids), pols_df, performance, summ


def test_province_indicators_compute_each_ratio(params):
    kids, pols, perf, summ = year_frames(
        1404, {"IR-23": (10, 9), "IR-10": (4, 4)}, late={"IR-23": 3},
        perf={"IR-23": (100_000_000, 90_000_000, 25)}, summary={"IR-23": (12, 2, 3)})
    t = province_indicators(kids, pols, perf, summ, params).set_index("province_code")
    tehran = t.loc["IR-23"]
    assert (tehran["eligible"], tehran["insured"]) == (10, 9)
    assert tehran["coverage"] == pytest.approx(0.9)
    assert tehran["issued_late"] == 3 and tehran["late_share"] == pytest.approx(3 / 9)
    assert tehran["absorption"] == pytest.approx(0.9)
    assert tehran["notified_source"] == "form"  # no HQ record in this fixture
    # cost per insured child needs the performance year's insurer export: none given here
    assert pd.isna(tehran["cost_per_insured"]) and pd.isna(tehran["cost_ratio"])
    premium_1403 = load_params(PARAMS_FILE.with_name("1403.yaml")).service.per_capita_premium
    assert tehran["performance_premium"] == premium_1403
    assert tehran["performance_year"] == 1403
    assert tehran["rejected_share"] == pytest.approx(2 / 12)
    assert tehran["corrected_share"] == pytest.approx(3 / 12)
    # Isfahan sent no performance: money is missing, not zero
    assert pd.isna(t.loc["IR-10", "credit_spent"]) and pd.isna(t.loc["IR-10", "absorption"])
    assert t["credit_spent"].dtype == "Int64"


def test_no_file_for_the_performance_year_means_no_cost_ratio(params, tmp_path):
    lone = tmp_path / "1404.yaml"
    lone.write_text(PARAMS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    kids, pols, perf, summ = year_frames(1404, {"IR-23": (2, 2)},
                                         perf={"IR-23": (10_000_000, 9_000_000, 3)})
    _, old_pols, _, _ = year_frames(1403, {"IR-23": (3, 3)}, start=500)
    t = province_indicators(kids, pols, perf, summ, load_params(lone), previous_policies=old_pols)
    assert t.loc[0, "cost_per_insured"] == 3_000_000 and pd.isna(t.loc[0, "cost_ratio"])


def test_cost_per_insured_child_is_spent_over_the_policies_the_insurer_issued(params):
    """Spent 9 million on 3 active policies of the performance year: 3 million a policy."""
    kids, pols, perf, summ = year_frames(1404, {"IR-23": (2, 2)}, perf={"IR-23": (10_000_000, 9_000_000, 5)})
    _, old_pols, _, _ = year_frames(1403, {"IR-23": (3, 3)}, start=500)
    t = province_indicators(kids, pols, perf, summ, params, previous_policies=old_pols).iloc[0]
    premium_1403 = load_params(PARAMS_FILE.with_name("1403.yaml")).service.per_capita_premium
    assert t["policies_performance_year"] == 3 and t["cost_per_insured"] == 3_000_000
    assert t["cost_ratio"] == pytest.approx(9_000_000 / (3 * premium_1403))
    # the children the province reports as covered (5) play no part: not absorption again
    assert t["cost_ratio"] != pytest.approx(t["absorption"])


def test_no_insurer_export_means_unknown_coverage(params):
    kids, pols, perf, summ = year_frames(1404, {"IR-23": (3, 0)})
    t = province_indicators(kids, pols.iloc[0:0], perf, summ, params)
    assert pd.isna(t.loc[0, "coverage"])


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.sampled_from(["IR-23", "IR-10", "IR-07", "IR-01"]),
                       st.tuples(st.integers(1, 6), st.integers(0, 6)), min_size=1))
def test_national_row_is_the_sum_of_provinces(params, sizes):
    sizes = {k: (e, min(i, e)) for k, (e, i) in sizes.items()}
    kids, pols, perf, summ = year_frames(1404, sizes)
    if kids.empty:
        kids = pd.DataFrame(columns=["year", "province_code", "national_id", "age"])
    t = province_indicators(kids, pols, perf, summ, params)
    nat = national_indicators(t).iloc[0]
    assert nat["eligible"] == sum(e for e, _ in sizes.values())
    if len(pols):
        assert nat["insured"] == sum(i for _, i in sizes.values())
        assert nat["coverage"] == pytest.approx(nat["insured"] / nat["eligible"])


def test_scorecard_lights_follow_the_thresholds(params):
    table = pd.DataFrame({
        "year": 1404, "province_code": ["IR-23", "IR-10", "IR-07"],
        "province": ["تهران", "اصفهان", "فارس"],
        "coverage": [0.96, 0.90, 0.80],          # green, amber (≥0.85), red
        "absorption": [0.95, 1.10, 0.70],        # green, amber (overspent), red
        "late_share": [0.0, 0.10, 0.50],
        "rejected_share": [0.01, 0.08, 0.2],
        "cost_ratio": [1.0, 1.10, float("nan")],  # unknown: no light
    })
    card = scorecard(table, params).set_index("province_code")
    assert card.loc["IR-23", "coverage_light"] == "green"
    assert card.loc["IR-10", "coverage_light"] == "amber"
    assert card.loc["IR-07", "coverage_light"] == "red"
    assert card.loc["IR-10", "absorption_light"] == "amber"
    assert pd.isna(card.loc["IR-07", "cost_ratio_light"])
    assert card.loc["IR-07", "reds"] == 4 and card.loc["IR-23", "greens"] == 5
    assert list(card["rank"].sort_values().index) == ["IR-23", "IR-10", "IR-07"]
    fa = scorecard_fa(card.reset_index())
    assert "قرمز" in fa.values and "نامعلوم" in fa.values


def test_rank_changes_when_a_province_gets_worse(params):
    table = pd.DataFrame({"year": 1404, "province_code": ["IR-23", "IR-10"],
                          "province": ["تهران", "اصفهان"], "coverage": [0.99, 0.97],
                          "absorption": 0.95, "late_share": 0.0, "rejected_share": 0.0,
                          "cost_ratio": 1.0})
    assert scorecard(table, params).iloc[0]["province_code"] == "IR-23"
    worse = table.assign(coverage=[0.5, 0.97])
    assert scorecard(worse, params).iloc[0]["province_code"] == "IR-10"


def test_by_year_and_yoy(params):
    past = SimpleNamespace(params=params.model_copy(update={"year": 1403}),
                           **dict(zip(("children", "policies", "performance", "summary"),
                                      year_frames(1403, {"IR-23": (10, 10)}, start=500),
                                      strict=True)), history={})
    now = SimpleNamespace(params=params,
                          **dict(zip(("children", "policies", "performance", "summary"),
                                     year_frames(1404, {"IR-23": (10, 8), "IR-10": (2, 2)}),
                                     strict=True)),
                          history={1403: past})
    table = indicators_by_year(now)
    assert sorted(table["year"].unique()) == [1403, 1404]
    # the 1403 list date is moved into 1403, so its 5-day policies are not late
    assert table.loc[table["year"] == 1403, "issued_late"].sum() == 0
    yoy = yoy_table(table).set_index("province")
    assert yoy.loc["تهران", "coverage_change"] == pytest.approx(-0.2)
    assert yoy.loc["تهران", "eligible_change"] == 0
    assert pd.isna(yoy.loc["اصفهان", "coverage_previous"])
    assert yoy.loc[vocab.TOTAL, "eligible"] == 12
    assert list(yoy_fa(yoy.reset_index()).columns)[0] == "استان"
