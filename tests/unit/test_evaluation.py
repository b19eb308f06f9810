"""Headline numbers, findings by rule, and the follow-up list."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pandas as pd
import pytest

from atiyeh_reports.core import vocab
from atiyeh_reports.evaluation.bundle import evaluate
from atiyeh_reports.evaluation.headline import headline_numbers
from atiyeh_reports.evaluation.indicators import province_indicators, scorecard, yoy_table
from atiyeh_reports.evaluation.rules import (
    RULE_ORDER,
    findings_markdown,
    follow_up_fa,
    follow_up_list,
    key_findings,
    severity_of,
)
from atiyeh_reports.insurer.reconciliation import reconcile
from atiyeh_reports.present.privacy import scan_for_personal_data
from factories import nid

PREMIUM = 3_600_000
LIST = dt.date(2025, 5, 5)  # 1404/02/15




def frames(sizes: dict[str, tuple[int, int]], year: int = 1404, *, start: int = 1, late: int = 0,
           absorption: dict[str, float] | None = None):
    """Children, policies, performance and summary: sizes is province -> (eligible, insured)."""
    kids, pols, n = [], [], start
    shift = dt.timedelta(days=365 * (1404 - year))
    for code, (eligible, insured) in sizes.items():
        for i in range(eligible):
            kids.append({"year": year, "province_code": code, "national_id": nid(n), "age": 9,
                         "first_name": "سارا", "last_name": "کریمی"})
            if i < insured:
                days = 80 if i < late else 3
                pols.append({"policy_no": f"{year}-{n}", "national_id": nid(n), "province_code": code,
                             "issue_date": LIST - shift + dt.timedelta(days=days), "premium": PREMIUM,
                             "status": vocab.POLICY_ACTIVE, "source_file": "p", "source_row": n})
            n += 1
    perf = pd.DataFrame([
        {"year": year, "performance_year": year - 1, "province_code": c,
         "credit_notified": 100_000_000, "credit_spent": int(100_000_000 * a),
         "children_covered": 25, "policies_issued": 25, "children_left": 0, "source_file": "f"}
        for c, a in (absorption or {}).items()])
    summary = pd.DataFrame({"province_code": list(sizes), "rows_read": [e for e, _ in sizes.values()],
                            "accepted": [e for e, _ in sizes.values()], "corrected": 0, "rejected": 0})
    pol = pd.DataFrame(pols)
    pol["premium"] = pol["premium"].astype("int64")
    return pd.DataFrame(kids), pol, perf, summary


def findings_for(params, sizes, **kw):
    kids, pols, perf, summ = frames(sizes, **kw)
    table = province_indicators(kids, pols, perf, summ, params)
    rec = reconcile(kids, pols, params)
    return key_findings(table, rec, params), table, rec


def test_dropping_a_province_below_target_names_it(params):
    ok = {"IR-23": (20, 20), "IR-10": (20, 20)}
    before, _, _ = findings_for(params, ok)
    assert not [f for f in before if f.rule == "coverage"]
    after, _, _ = findings_for(params, {**ok, "IR-10": (20, 15)})
    cov = [f for f in after if f.rule == "coverage"]
    assert len(cov) == 1 and cov[0].provinces == ("IR-10",)
    assert "اصفهان" in cov[0].text and "تهران" not in cov[0].text
    assert "۱ استان کمتر از هدف ۹۵٪" in cov[0].text and "(۷۵٪)" in cov[0].text
    # 5 children without a policy: their premium is what is at stake, and severity follows from it
    assert (cov[0].children, cov[0].rials) == (5, 5 * PREMIUM)
    assert cov[0].severity == severity_of(cov[0].rials, params) == "low"


def test_two_provinces_below_target_are_counted(params):
    found, _, _ = findings_for(params, {"IR-23": (20, 18), "IR-10": (20, 18), "IR-07": (10, 10)})
    cov = next(f for f in found if f.rule == "coverage")
    assert "۲ استان" in cov.text and set(cov.provinces) == {"IR-23", "IR-10"}
    assert (cov.children, cov.rials) == (4, 4 * PREMIUM)


def test_absorption_and_late_rules(params):
    found, _, _ = findings_for(params, {"IR-23": (10, 10)}, late=3,
                               absorption={"IR-23": 0.5})
    rules = {f.rule: f for f in found}
    assert "۱۴۰۳" in rules["absorption"].text and "تهران (۵۰٪)" in rules["absorption"].text
    assert rules["late"].text.startswith("۳ بیمه‌نامه بیش از ۴۵ روز")


def test_a_late_second_policy_is_not_a_child_uninsured_in_the_interval(params):
    kids, pols, perf, summ = frames({"IR-23": (10, 10)}, late=3)
    late = pols[pols["issue_date"] > LIST + dt.timedelta(days=45)]
    first = late.iloc[[0]].assign(policy_no="first", issue_date=LIST + dt.timedelta(days=27))
    pols = pd.concat([pols, first], ignore_index=True)  # one late policy is its child's second
    table = province_indicators(kids, pols, perf, summ, params)
    rule = next(f for f in key_findings(table, reconcile(kids, pols, params), params) if f.rule == "late")
    assert rule.text.startswith("۳ بیمه‌نامه بیش از ۴۵ روز")
    assert "این فرزندان در این فاصله بیمه نبودند" not in rule.text
    assert "۲ فرزند در این فاصله بیمه نبودند" in rule.text and "۱ بیمه‌نامهٔ دیگر" in rule.text
    assert rule.children == 2


def test_off_list_policy_carries_the_premium_paid(params):
    kids, pols, perf, summ = frames({"IR-23": (20, 19)})  # coverage 95%: no coverage finding
    stray = pols.iloc[[0]].assign(policy_no="X", national_id=nid(99999))
    pols = pd.concat([pols, stray], ignore_index=True)
    table = province_indicators(kids, pols, perf, summ, params)
    found = {f.rule: f for f in key_findings(table, reconcile(kids, pols, params), params)}
    assert (found["off_list"].rials, found["off_list"].children) == (PREMIUM, 1)
    assert "۱ بیمه‌نامهٔ فعال برای افرادی که در فهرست امسال نبودند" in found["off_list"].text
    assert "۴ میلیون ریال" in found["off_list"].text  # 3.6 million rounded


def test_ordering_is_by_stakes_then_children_then_rule(params):
    found, _, _ = findings_for(params, {"IR-23": (40, 30), "IR-10": (10, 10)}, late=2)
    keys = [f.sort_key(RULE_ORDER) for f in found]
    assert keys == sorted(keys)
    stakes = [f.rials for f in found]
    assert stakes == sorted(stakes, reverse=True)
    assert found[0].rials == max(stakes)
    md = findings_markdown(found)
    assert md.startswith("۱. ") and md.count("\n\n") == min(len(found), 3) - 1


def test_coverage_drop_needs_last_year(params):
    cur = frames({"IR-23": (20, 15)})
    prev = frames({"IR-23": (20, 20)}, year=1403, start=1000)
    t = pd.concat([province_indicators(*prev[:4], params.model_copy(update={"year": 1403})),
                   province_indicators(*cur[:4], params)], ignore_index=True)
    found = key_findings(t, reconcile(cur[0], cur[1], params), params, yoy_table(t))
    drop = next(f for f in found if f.rule == "coverage_drop")
    assert "۱۴۰۳" in drop.text and "۲۵٫۰٪" in drop.text


def test_headline_numbers_add_up(params):
    _, table, rec = findings_for(params, {"IR-23": (10, 8), "IR-10": (5, 5)})
    h = headline_numbers(table, rec, params).set_index("key")["value"]
    assert h["eligible"] == 15 and h["insured"] == 13 and h["no_policy"] == 2
    assert h["coverage"] == pytest.approx(13 / 15)
    assert h["provinces_below_target"] == 1


def test_follow_up_lists_reds_and_reconciliation_cases(params):
    _, table, rec = findings_for(params, {"IR-23": (10, 5), "IR-10": (5, 5)})
    follow = follow_up_list(scorecard(table, params), rec)
    assert follow["province_code"].tolist() == ["IR-23"]
    assert "پوشش کمتر از هدف (۵۰٪)" in follow.loc[0, "reasons"]
    assert "۵ فرزند بدون بیمه‌نامه" in follow.loc[0, "reasons"]
    assert list(follow_up_fa(follow).columns) == ["استان", "شاخص‌های قرمز", "دلایل پیگیری"]


def test_follow_up_reasons_count_policies_registered_to_another_province(params):
    """The headline counts a policy registered to the wrong province as needing follow-up: so do the reasons."""
    kids, pols, perf, summ = frames({"IR-23": (10, 10), "IR-10": (10, 10)})
    pols.loc[pols["province_code"] == "IR-10", "province_code"] = ["IR-23"] + ["IR-10"] * 9
    table = province_indicators(kids, pols, perf, summ, params)
    rec = reconcile(kids, pols, params)
    headline = headline_numbers(table, rec, params).set_index("key")["value"]
    assert headline["problem_policies"] == 1
    follow = follow_up_list(scorecard(table, params), rec).set_index("province_code")
    assert "IR-10" in follow.index  # the child's province, where the reconciliation counts it
    assert "۱ بیمه‌نامه ثبت‌شده به نام استان دیگر" in follow.loc["IR-10", "reasons"]


def test_evaluate_outputs_carry_no_ids_or_names(params):
    kids, pols, perf, summ = frames({"IR-23": (12, 9), "IR-10": (6, 6)}, late=1,
                                    absorption={"IR-23": 0.7})
    y = SimpleNamespace(params=params, children=kids, policies=pols, performance=perf,
                        summary=summ, history={})
    ev = evaluate(y)
    shown = "\n".join([ev.top_findings(), ev.headline().to_string(), ev.card.to_string(),
                       ev.follow_up.to_string(), ev.yoy.to_string()])
    assert scan_for_personal_data(shown, names=["سارا کریمی"]) == []
    assert ev.findings and ev.card["rank"].tolist() == [1, 2]


def test_charts_draw_one_bar_per_province_and_the_target(params):
    from atiyeh_reports.evaluation import charts as eval_charts

    kids, pols, perf, summ = frames({"IR-23": (10, 5), "IR-10": (5, 5)},
                                    absorption={"IR-23": 0.5, "IR-10": 0.95})
    y = SimpleNamespace(params=params, children=kids, policies=pols, performance=perf,
                        summary=summ, history={})
    ev = evaluate(y)
    for chart in (eval_charts.coverage_chart, eval_charts.absorption_chart):
        fig = chart(ev)
        ax = fig.axes[0]
        assert len(ax.patches) == 2
        assert any(line.get_linestyle() == "--" for line in ax.get_lines())


def test_notebook_pieces_render_without_ids(params):
    from atiyeh_reports.evaluation import views as e

    kids, pols, perf, summ = frames({"IR-23": (10, 5), "IR-10": (5, 5)}, late=2,
                                    absorption={"IR-23": 0.5})
    ev = evaluate(SimpleNamespace(params=params, children=kids, policies=pols, performance=perf,
                                  summary=summ, history={}))
    pieces = [f(ev) for f in (e.headline_html, e.reconciliation_html, e.delays_html,
                              e.scorecard_html, e.yoy_html, e.findings_html, e.follow_up_html)]
    html = "".join(p.data for p in pieces) + e.top_findings_md(ev).data
    # a light is a badge in its own cell, beside (never glued to) its value
    assert '<td class="status"><span class="badge badge-red">قرمز</span></td>' in html
    assert not re.search(r"<td[^>]*>[^<]*[۰-۹][^<]*(سبز|زرد|قرمز)", html)
    assert scan_for_personal_data(html, names=["سارا کریمی"]) == []


# --- assumptions and caveats -------------------------------------------------------------------
def test_assumptions_are_written_from_the_parameters(params):
    from atiyeh_reports.evaluation import assumptions, assumptions_fa

    changed = params.model_copy(update={
        "eligibility": params.eligibility.model_copy(update={"age_limit": 16}),
        "privacy": params.privacy.model_copy(update={"small_cell_threshold": 3}),
        "insurer": params.insurer.model_copy(update={"list_date": "1404/03/01"})})
    table = assumptions_fa(assumptions(changed))
    text = " ".join(table["فرض"])
    assert "کمتر از ۱۶ سال" in text and "کمتر از ۳ نفر" in text and "۱۴۰۴/۰۳/۰۱" in text
    assert "18" not in text and "۱۸" not in text
    assert list(table.columns) == ["موضوع", "فرض", "کیفیت فرض", "اثر بر نتایج"]
    assert set(table["کیفیت فرض"]) <= {"خوب", "متوسط", "ضعیف"}
    assert set(table["اثر بر نتایج"]) <= {"زیاد", "متوسط", "کم"}
    topics = set(table["موضوع"])
    assert {"شرط برخورداری", "موارد تکراری", "استان هر فرم", "پنهان‌سازی شمار اندک",
            "پارامترهای سال‌های پیشین", "تاریخ ارسال فهرست"} <= topics


@pytest.mark.parametrize(("files", "quality"), [
    ({1402: True, 1403: True}, "good"), ({1402: False, 1403: True}, "fair"), ({1402: False, 1403: False}, "poor"),
])
def test_history_parameters_are_rated_by_the_files_found(params, files, quality):
    from atiyeh_reports.evaluation import assumptions

    log = {a.topic: a for a in assumptions(params, files)}
    history = log["پارامترهای سال‌های پیشین"]
    assert history.quality == quality
    assert ("۱۴۰۲" in history.text) == (not files[1402])


def test_history_param_files_looks_beside_the_parameter_file(params_copy):
    from atiyeh_reports.core.params import load_params
    from atiyeh_reports.evaluation.assumptions_log import history_param_files

    (params_copy.parent / "1403.yaml").write_text("year: 1403\n", encoding="utf-8")
    found = history_param_files(load_params(params_copy))
    assert found == {1402: False, 1403: True}


def test_an_assumption_with_an_unknown_rating_is_refused():
    from atiyeh_reports.evaluation.assumptions_log import Assumption

    with pytest.raises(ValueError, match="quality must be one of"):
        Assumption("x", "y", "excellent", "high")


def test_assumptions_piece_renders_in_persian(params):
    from atiyeh_reports.evaluation import views as e

    kids, pols, perf, summ = frames({"IR-23": (10, 5)})
    ev = evaluate(SimpleNamespace(params=params, children=kids, policies=pols, performance=perf,
                                  summary=summ, history={}))
    html = e.assumptions_html(ev).data
    assert "شرط برخورداری" in html and 'class="wrap"' in html


def test_target_label_sits_inside_the_figure_clear_of_the_title(params):
    from atiyeh_reports.evaluation import charts as eval_charts

    kids, pols, perf, summ = frames({"IR-23": (10, 5), "IR-10": (5, 5)})
    ev = evaluate(SimpleNamespace(params=params, children=kids, policies=pols, performance=perf,
                                  summary=summ, history={}))
    fig = eval_charts.coverage_chart(ev)
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ax = fig.axes[0]
    label = next(t for t in ax.texts if t.get_text().startswith("هدف"))
    box = label.get_window_extent(renderer)
    figure_box = fig.bbox
    assert figure_box.x0 <= box.x0 and box.x1 <= figure_box.x1 and box.y1 <= figure_box.y1
    titles = [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]  # set with loc=
    assert titles and not any(box.overlaps(t.get_window_extent(renderer)) for t in titles)


# --- stakes ----------------------------------------------------------------------------------
def _tight(params, released: str = "0.85"):
    """params whose credit is (or is not) short of a small fixture's requirement."""
    from decimal import Decimal

    budget = params.budget.model_copy(update={"approved_credit": 100_000_000,
                                              "released_share": Decimal(released)})
    return params.model_copy(update={"budget": budget})


def test_funding_gap_is_a_finding_with_its_rials_and_no_children(params):
    p = _tight(params)  # distributable 83,300,000 against 30 children × 3,600,000 = 108,000,000
    found, _, _ = findings_for(p, {"IR-23": (20, 20), "IR-10": (10, 10)})
    gap = next(f for f in found if f.rule == "funding_gap")
    assert gap.rials == 108_000_000 - p.budget.distributable
    assert gap.children == 0  # premium not funded is money: every child here holds a policy
    # among the three largest stakes (beside it: the insurer's premiums above the whole millions notified)
    assert "funding_gap" in [f.rule for f in found[:3]]
    assert "کسری" in gap.text


def test_an_unfunded_premium_is_never_told_as_uninsured_children(params):
    """All 30 children hold a policy; the credit falls short by 7 premiums: money, not 7 children."""
    p = _tight(params)
    kids, pols, perf, summ = frames({"IR-23": (20, 19), "IR-10": (10, 10)})  # one child without a policy
    table = province_indicators(kids, pols, perf, summ, params)
    rec = reconcile(kids, pols, p)
    found = {f.rule: f for f in key_findings(table, rec, p)}
    unfunded = -(-(30 * PREMIUM - p.budget.distributable) // PREMIUM)
    gap = found["funding_gap"]
    assert gap.children == 0
    assert f"{vocab.PREMIUM_UNFUNDED} به اندازهٔ {unfunded_fa(unfunded)} {vocab.PREMIUMS}" in gap.text
    assert f"{vocab.WITHOUT_POLICY} ۱ نفرند" in gap.text  # the children uninsured, told apart
    assert not re.search(rf"{unfunded_fa(unfunded)} (فرزند|نفر)", gap.text)
    assert found["insurer_vs_credit"].children == 0 and "فرزند" not in found["insurer_vs_credit"].text
    headline = headline_numbers(table, rec, p).set_index("key")
    assert headline.loc["no_policy", "value"] == 1 and headline.loc["no_policy", "label"] == vocab.WITHOUT_POLICY
    assert headline.loc["premiums_unfunded", "value"] == unfunded
    assert headline.loc["premiums_unfunded", "unit"] == vocab.PREMIUMS
    assert "فرزند" not in headline.loc["premiums_unfunded", "label"]
    assert not any(old in text for old in vocab.RETIRED for text in [gap.text, *headline["label"]])
    assert "و ۰ فرزند" not in findings_markdown(list(found.values()), top=None)


def unfunded_fa(n: int) -> str:
    from atiyeh_reports.present.display import fmt_int

    return fmt_int(n)


def test_no_gap_no_gap_finding(params):
    found, _, _ = findings_for(params, {"IR-23": (20, 20)})  # the real credit covers 20 children
    assert not [f for f in found if f.rule == "funding_gap"]


def test_insurer_premiums_above_the_credit_are_a_finding(params):
    p = _tight(params)
    found, _, _ = findings_for(p, {"IR-23": (20, 20), "IR-10": (10, 10)})
    ins = next(f for f in found if f.rule == "insurer_vs_credit")
    notified = 83_000_000  # distributable in whole millions
    assert ins.rials == 30 * PREMIUM - notified and ins.children == 0


def test_severity_follows_the_stake_thresholds(params):
    checks = params.checks
    assert severity_of(checks.stakes_high_rials, params) == "high"
    assert severity_of(checks.stakes_high_rials - 1, params) == "medium"
    assert severity_of(checks.stakes_medium_rials, params) == "medium"
    assert severity_of(checks.stakes_medium_rials - 1, params) == "low"
    lower = params.model_copy(update={"checks": checks.model_copy(update={"stakes_high_rials": 1})})
    assert severity_of(2, lower) == "high"


def test_a_modified_fixture_changes_the_ranking(params):
    """Coverage shortfall first; add stray policies worth more and they move above it."""
    sizes = {"IR-23": (40, 36), "IR-10": (10, 10)}
    before, _, _ = findings_for(params, sizes)
    rules = [f.rule for f in before]
    assert "off_list" not in rules and rules.index("coverage") < 3
    kids, pols, perf, summ = frames(sizes)
    strays = pd.concat([pols.iloc[[0]].assign(policy_no=f"X{i}", national_id=nid(90000 + i))
                        for i in range(10)], ignore_index=True)
    pols = pd.concat([pols, strays], ignore_index=True)
    table = province_indicators(kids, pols, perf, summ, params)
    after = key_findings(table, reconcile(kids, pols, params), params)
    rules = [f.rule for f in after]
    assert after[0].rule == "off_list" and after[0].rials == 10 * PREMIUM
    assert rules.index("off_list") < rules.index("coverage")
    assert [f.rials for f in after] == sorted((f.rials for f in after), reverse=True)


def test_self_reported_notified_credit_against_hq_record(params, tmp_path):
    from atiyeh_reports.allocation.record import RECORD_FILE, hq_dir

    folder = hq_dir(tmp_path, 1403)
    folder.mkdir(parents=True)
    (folder / RECORD_FILE).write_text(
        "year,province_code,province_name,eligible_children,requirement,allocated\n"
        "1403,IR-23,تهران,25,90000000,80000000\n1403,IR-10,اصفهان,25,90000000,100000000\n",
        encoding="utf-8")
    p = params.model_copy(update={"data_dir": tmp_path})
    kids, pols, perf, summ = frames({"IR-23": (10, 10), "IR-10": (10, 10)},
                                    absorption={"IR-23": 0.9, "IR-10": 0.9})  # both report 100,000,000
    table = province_indicators(kids, pols, perf, summ, p)
    found = {f.rule: f for f in key_findings(table, reconcile(kids, pols, p), p)}
    assert found["self_report"].provinces == ("IR-23",)  # Isfahan's report agrees with the record
    assert found["self_report"].rials == 20_000_000
    assert "تهران" in found["self_report"].text and "اصفهان" not in found["self_report"].text
    tehran = table.set_index("province_code").loc["IR-23"]
    assert tehran["absorption"] == pytest.approx(90_000_000 / 80_000_000)  # HQ's denominator
