"""The allocation report's charts: they build, and say what they show in Persian."""

from __future__ import annotations

import pytest

from atiyeh_reports.allocation import budget
from atiyeh_reports.allocation import charts as budget_charts
from atiyeh_reports.present import charts
from factories import MILLION, THREE, make_params, svg_texts

pytestmark = pytest.mark.usefixtures("chart_style")


def texts(fig: charts.Figure) -> list[str]:
    return svg_texts(fig, close=True)


def test_waterfall_shows_each_step_and_the_requirement() -> None:
    # approved 40M, 50% released → 20M not released; 10% reserve → 2M; 18M distributable.
    params = make_params(approved_credit=40 * MILLION, released_share="0.5", reserve_share="0.1")
    shown = " ".join(texts(budget_charts.budget_waterfall_chart(
        params, budget.requirement_table(params, THREE))))
    for label in (budget.LABEL_APPROVED, "تخصیص‌نیافته", budget.LABEL_RESERVE, "قابل توزیع"):
        assert label in shown
    assert "۱۸" in shown and "نیاز کل: ۳۰" in shown  # million Rials, Persian digits


def test_allocation_and_projection_charts() -> None:
    params = make_params(approved_credit=25 * MILLION)
    shown = texts(budget_charts.allocation_chart(budget.allocation_table(params, THREE, None)))
    assert "تهران" in shown and "۱۳" in shown
    proj = budget.projection_table(params, THREE, {})
    shown = texts(budget_charts.projection_chart(proj))
    assert "۱۴۰۴" in shown and "۱۴۰۷" in shown
