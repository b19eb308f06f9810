"""One call for an analyst: a year's validated parameters and clean tables.

>>> from atiyeh_reports.api import load_year, to_excel
>>> y = load_year(1404)            # from any folder: the project is found (or root=...)
>>> tehran = y.province("تهران")   # that province's tables (views) and indicators
>>> change = y.compare(1403)       # main indicators per province, both years and the change

``repr(y)`` and its JupyterLab display are a short summary without names or IDs;
``y.view("children")`` is a table with province names and Jalali dates and without names or IDs
(:mod:`atiyeh_reports.lab.explore`); ``to_excel(table, path)`` writes any table as a
right-to-left sheet (:mod:`atiyeh_reports.lab.export`).

The clean tables are read from ``<data_dir>/clean/<year>/`` when they were made from the same
raw inputs, eligibility parameters and code; otherwise the year is ingested again and the clean
tables rewritten. Earlier years named in ``history_years`` are loaded the same way, each with its
own ``params/<year>.yaml`` when there is one (else with this year's parameters and the year
changed). The year's results (``y.reconciliation``, ``y.allocation``, ``y.indicators``,
``y.evaluation``) are computed on first use and kept with it (:mod:`atiyeh_reports.year`).
"""

from __future__ import annotations

from atiyeh_reports.core.layout import raw_inputs
from atiyeh_reports.core.params import history_params
from atiyeh_reports.lab.export import to_excel
from atiyeh_reports.year.data import YearData
from atiyeh_reports.year.load import load_year, prepare_year, with_data_dir
from atiyeh_reports.year.read import check_data_dir

__all__ = ["YearData", "check_data_dir", "history_params", "load_year", "prepare_year", "raw_inputs",
           "to_excel", "with_data_dir"]
