"""Step 3: who is covered, the provinces' performance, data quality (analysis.ipynb).

``tables`` holds the pure tables (English columns, numbers kept as numbers); ``views`` what the
report shows: ``COLUMNS_FA``, ``ACTIONS_FA``, ``to_fa``, every ``*_fa`` table, the ``*_safe``
province tables, ``headline_figures_fa``, the charts (``*_chart``) and ``no_data_note_fa``
(from ``intake.inventory``). Views import tables, never the reverse, so those names moved out of
``tables`` and are not served there any more: import them from ``views``, or from this package,
which re-exports every old public name. ``AnalysisError`` lives in :mod:`atiyeh_reports.errors`.
"""

from atiyeh_reports.analysis.tables import (
    AGE_EDGES,
    NATIONAL,
    UNKNOWN,
    age_band_labels,
    age_bands,
    age_gender_table,
    breakdown,
    children_by_age_band,
    children_by_care_type,
    children_by_gender,
    children_by_guardianship,
    children_by_province,
    findings_by_problem,
    headline_figures,
    newcomers_leavers,
    performance_table,
    province_counts,
    province_crosstab,
    province_crosstab_safe,
    quality_summary,
    trend_by_province,
    trend_table,
    with_total,
)
from atiyeh_reports.analysis.views import (
    ACTIONS_FA,
    COLUMNS_FA,
    age_pyramid_chart,
    care_type_chart,
    children_by_age_band_fa,
    children_by_care_type_fa,
    children_by_gender_fa,
    children_by_guardianship_fa,
    children_by_province_chart,
    children_by_province_fa,
    findings_by_problem_fa,
    headline_figures_fa,
    newcomers_leavers_fa,
    no_data_note_fa,
    per_100k_chart,
    performance_table_fa,
    province_by_care_type_safe,
    province_by_gender_safe,
    province_by_guardianship_safe,
    quality_summary_fa,
    to_fa,
    trend_chart,
    trend_table_fa,
)
from atiyeh_reports.errors import AnalysisError

__all__ = [
    "ACTIONS_FA", "AGE_EDGES", "AnalysisError", "COLUMNS_FA", "NATIONAL", "UNKNOWN",
    "age_band_labels", "age_bands", "age_gender_table", "age_pyramid_chart", "breakdown",
    "care_type_chart", "children_by_age_band", "children_by_age_band_fa", "children_by_care_type",
    "children_by_care_type_fa", "children_by_gender", "children_by_gender_fa",
    "children_by_guardianship", "children_by_guardianship_fa", "children_by_province",
    "children_by_province_chart", "children_by_province_fa", "findings_by_problem",
    "findings_by_problem_fa", "headline_figures", "headline_figures_fa", "newcomers_leavers",
    "newcomers_leavers_fa", "no_data_note_fa", "per_100k_chart", "performance_table",
    "performance_table_fa", "province_by_care_type_safe", "province_by_gender_safe",
    "province_by_guardianship_safe", "province_counts", "province_crosstab",
    "province_crosstab_safe", "quality_summary", "quality_summary_fa", "to_fa", "trend_by_province",
    "trend_chart", "trend_table", "trend_table_fa", "with_total",
]
