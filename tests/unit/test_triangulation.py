"""Triangulation: two sources per quantity, the difference, what explains it, what is flagged."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from atiyeh_reports.core import vocab
from atiyeh_reports.evaluation.triangulation import triangulation_summary, triangulation_summary_fa, triangulation_table
from atiyeh_reports.intake.quality import Problem
from factories import nid

PREMIUM = 3_600_000


def _kids(year: int, ids: list[int], code: str = "IR-23") -> pd.DataFrame:
    return pd.DataFrame({"year": year, "province_code": code, "national_id": [nid(i) for i in ids], "age": 9})


def _pols(kids: pd.DataFrame, premium: int = PREMIUM) -> pd.DataFrame:
    return pd.DataFrame({"policy_no": [f"p{i}" for i in range(len(kids))], "national_id": kids["national_id"],
                         "province_code": kids["province_code"], "premium": premium,
                         "status": vocab.POLICY_ACTIVE, "issue_date": None})


def _rejected(n: int, code: str = "IR-23", problem: str = Problem.ID_CHECK_DIGIT) -> pd.DataFrame:
    return pd.DataFrame({"file": "f.xlsx", "row": range(10, 10 + n), "action": "rejected",
                         "problem": problem, "province_code": code})


def _year(params, tmp_path, *, covered: int, left: int, issued: int, rejected_before: int,
          rejected_now: int):
    before = _kids(1403, list(range(101, 111)))  # 10 on HQ's 1403 list
    now = _kids(1404, list(range(103, 113)))  # 2 left, 2 new
    perf = pd.DataFrame([{"year": 1404, "province_code": "IR-23", "credit_notified": 1, "credit_spent": 1,
                          "children_covered": covered, "policies_issued": issued, "children_left": left}])
    past = SimpleNamespace(children=before, policies=_pols(before), findings=_rejected(rejected_before))
    p = params.model_copy(update={"data_dir": tmp_path})
    return SimpleNamespace(params=p, children=now, policies=_pols(now), performance=perf,
                           findings=pd.concat([_rejected(rejected_now),
                                               _rejected(3, problem=Problem.OVER_AGE)]),
                           history={1403: past})


def test_differences_explained_by_rejected_rows_are_not_flagged(params, tmp_path):
    # the province counted 12 covered; HQ's list has 10 because 2 rows were rejected
    y = _year(params, tmp_path, covered=12, left=2, issued=10, rejected_before=2, rejected_now=0)
    t = triangulation_table(y).set_index("quantity")
    covered = t.loc["covered"]
    assert (covered["value_a"], covered["value_b"], covered["difference"]) == (12, 10, 2)
    assert covered["explained"] == 2 and covered["residual"] == 0 and not covered["flagged"]
    assert t.loc["exits", "difference"] == 0 and not t.loc["exits", "flagged"]
    assert t.loc["policies", "residual"] == 0  # 10 reported, 10 active in the 1403 export


def test_an_unexplained_difference_is_flagged(params, tmp_path):
    # exits: the province says 1, the lists say 2, and no row of 1404 was rejected
    y = _year(params, tmp_path, covered=10, left=1, issued=7, rejected_before=0, rejected_now=0)
    t = triangulation_table(y).set_index("quantity")
    assert t.loc["exits", "residual"] == -1 and t.loc["exits", "flagged"]
    assert t.loc["policies", "residual"] == -3 and t.loc["policies", "flagged"]
    assert not t.loc["covered", "flagged"]


def test_rows_rejected_now_explain_extra_computed_exits(params, tmp_path):
    y = _year(params, tmp_path, covered=10, left=1, issued=10, rejected_before=0, rejected_now=1)
    exits = triangulation_table(y).set_index("quantity").loc["exits"]
    assert (exits["difference"], exits["explained"], exits["residual"]) == (-1, -1, 0)


def test_money_rows_add_the_insurer_the_credit_and_the_requirement(params, tmp_path):
    y = _year(params, tmp_path, covered=10, left=2, issued=10, rejected_before=0, rejected_now=0)
    t = triangulation_table(y)
    req = t[(t["quantity"] == "requirement") & (t["province_code"] == "IR-23")].iloc[0]
    assert req["value_a"] == 10 * PREMIUM and req["value_b"] == 10 * PREMIUM  # the credit covers 10 children
    prem = t[(t["quantity"] == "premiums") & (t["province_code"] == "IR-23")].iloc[0]
    assert prem["value_a"] == 10 * PREMIUM
    summary = triangulation_summary(t).set_index("quantity")
    for key in ("premiums", "requirement"):  # national rows are the sums of the provinces
        rows = t[t["quantity"] == key]
        assert summary.loc[key, "value_a"] == rows["value_a"].sum()
        assert summary.loc[key, "difference"] == rows["difference"].sum()
    fa = triangulation_summary_fa(triangulation_summary(t))
    assert list(fa.columns) == ["کمیت", "منبع اول", "منبع دوم", "اختلاف", "وضعیت", "توضیح"]
    # the status is a word of its own column, beside the difference, not inside a value
    assert set(fa["وضعیت"]) <= {"منطبق", "توضیح‌دار", "بی‌توضیح"}
    assert not fa["اختلاف"].str.contains("بی‌توضیح|منطبق").any()


def test_the_funding_gap_and_the_reconciliation_explain_the_money_rows(params, tmp_path):
    """The requirement row is the funding gap; the premiums row is the gap plus the reconciliation's cases."""
    kids = _kids(1404, list(range(1, 11)))  # 10 children in Tehran
    pols = _pols(kids)
    pols = pols[pols["national_id"] != nid(1)].reset_index(drop=True)  # child 1: no policy (− premium)
    pols.loc[pols["national_id"] == nid(2), "premium"] = 3_000_000  # last year's rate (− 600,000)
    pols.loc[pols["national_id"] == nid(3), "province_code"] = "IR-10"  # registered to Isfahan (moves one)
    stranger = pd.DataFrame([{"policy_no": "x", "national_id": nid(99), "province_code": "IR-23",
                              "premium": PREMIUM, "status": vocab.POLICY_ACTIVE, "issue_date": None}])
    pols = pd.concat([pols, stranger], ignore_index=True)  # off the list (+ premium)
    budget = params.budget.model_copy(update={"approved_credit": 8 * PREMIUM})  # short of 10 children
    p = params.model_copy(update={"data_dir": tmp_path, "budget": budget})
    y = SimpleNamespace(params=p, children=kids, policies=pols, performance=pd.DataFrame(
        columns=["year", "province_code", "credit_notified", "credit_spent", "children_covered",
                 "policies_issued", "children_left"]), findings=_rejected(0), history={})
    t = triangulation_table(y).set_index(["quantity", "province_code"])
    req, prem = t.loc[("requirement", "IR-23")], t.loc[("premiums", "IR-23")]
    gap = req["value_a"] - req["value_b"]
    assert gap > 0 and req["explained"] == gap and req["residual"] == 0 and not req["flagged"]
    assert prem["value_a"] == 9 * PREMIUM - 600_000
    assert prem["explained"] == gap - PREMIUM - 600_000 and prem["residual"] == 0 and not prem["flagged"]
    isfahan = t.loc[("premiums", "IR-10")]
    assert (isfahan["explained"], isfahan["residual"], isfahan["flagged"]) == (
        isfahan["difference"], 0, False)
    fa = triangulation_summary_fa(triangulation_summary(t.reset_index())).set_index("کمیت")
    money = fa.loc[fa.index.str.startswith(("حق بیمه", "نیاز اعتباری"))]
    assert (money["وضعیت"] == "توضیح‌دار").all()
    assert money["توضیح"].str.contains("کسری اعتبار").all()
    assert not money["توضیح"].str.contains("بی‌توضیح").any()
    assert "تطبیق بیمه‌نامه‌ها" in money.loc[money.index.str.startswith("حق بیمه"), "توضیح"].iloc[0]


def test_a_national_rows_status() -> None:
    from atiyeh_reports.evaluation.triangulation import status_fa

    assert status_fa(0, 0) == "منطبق" and status_fa(5, 0) == "توضیح‌دار" and status_fa(5, 2) == "بی‌توضیح"
    assert status_fa(0, 1) == "بی‌توضیح"  # a national zero can hide provinces that differ both ways
