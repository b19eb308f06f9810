"""The old face of the allocation: every name it had, served from the modules it was split into.

``from atiyeh_reports.allocation import budget as b; b.allocation_table(...)`` keeps working.
New code imports from where the names live:

- :mod:`~atiyeh_reports.allocation.apportion`: exact apportionment (integers and Fractions);
- :mod:`~atiyeh_reports.allocation.allocate`: requirement, performance weights, the allocation,
  its totals, sensitivity;
- :mod:`~atiyeh_reports.allocation.scenarios`: the projection and its back-test;
- :mod:`~atiyeh_reports.allocation.views`: Persian labels, ``*_fa`` tables, the method in words;
- :class:`~atiyeh_reports.errors.BudgetError`.

A name patched here changes nothing: patch it in the module that uses it.
"""

from __future__ import annotations

from atiyeh_reports.allocation.allocate import (
    Allocation,
    AllocationTotals,
    allocate,
    allocation_table,
    allocation_totals,
    requirement_table,
    sensitivity_table,
    weights_table,
    with_released_share,
)
from atiyeh_reports.allocation.apportion import bounded_apportionment, largest_remainder
from atiyeh_reports.allocation.scenarios import (
    admissions_by_province,
    exit_rates_by_province,
    projection_backtest,
    projection_table,
)
from atiyeh_reports.allocation.views import (
    ALLOCATION_FA,
    BACKTEST_METHOD_FA,
    INTEGER_COLUMNS_FA,
    LABEL_APPROVED,
    LABEL_DISTRIBUTABLE,
    LABEL_GAP,
    LABEL_RELEASED,
    LABEL_REQUIREMENT,
    LABEL_RESERVE,
    LABEL_SURPLUS,
    METHOD_FA,
    MONEY_COLUMNS_FA,
    PERCENT_COLUMNS_FA,
    PROJECTION_FA,
    PROJECTION_INTEGERS_FA,
    PROJECTION_MILLION_FA,
    PROJECTION_MONEY_FA,
    SUMMARY_AMOUNT,
    SUMMARY_ITEM,
    SUMMARY_MILLION,
    TOTAL_LABEL,
    WEIGHTS_FA,
    WEIGHTS_PERCENT_FA,
    allocation_table_fa,
    last_year_source_fa,
    method_explanation,
    national_summary,
    projection_backtest_fa,
    projection_method_fa,
    projection_table_fa,
    sensitivity_columns_fa,
    sensitivity_table_fa,
    weights_table_fa,
)
from atiyeh_reports.errors import BudgetError

__all__ = [
    "ALLOCATION_FA", "BACKTEST_METHOD_FA", "INTEGER_COLUMNS_FA", "LABEL_APPROVED", "LABEL_DISTRIBUTABLE",
    "LABEL_GAP", "LABEL_RELEASED", "LABEL_REQUIREMENT", "LABEL_RESERVE", "LABEL_SURPLUS", "METHOD_FA",
    "MONEY_COLUMNS_FA", "PERCENT_COLUMNS_FA", "PROJECTION_FA", "PROJECTION_INTEGERS_FA",
    "PROJECTION_MILLION_FA", "PROJECTION_MONEY_FA", "SUMMARY_AMOUNT", "SUMMARY_ITEM", "SUMMARY_MILLION",
    "TOTAL_LABEL", "WEIGHTS_FA", "WEIGHTS_PERCENT_FA",
    "Allocation", "AllocationTotals", "BudgetError",
    "admissions_by_province", "allocate", "allocation_table", "allocation_table_fa", "allocation_totals",
    "bounded_apportionment", "exit_rates_by_province", "largest_remainder", "last_year_source_fa",
    "method_explanation", "national_summary", "projection_backtest", "projection_backtest_fa",
    "projection_method_fa", "projection_table", "projection_table_fa", "requirement_table",
    "sensitivity_columns_fa", "sensitivity_table", "sensitivity_table_fa", "weights_table",
    "weights_table_fa", "with_released_share",
]
