"""Step 6: indicators, cross-checks and findings (evaluation.ipynb)."""

from atiyeh_reports.evaluation.assumptions_log import (  # noqa: F401 - the step's public names
    IMPACT_FA,
    QUALITY_FA,
    Assumption,
    assumptions,
    assumptions_fa,
    history_param_files,
)
from atiyeh_reports.evaluation.bundle import (  # noqa: F401 - the step's public names
    Evaluation,
    evaluate,
)
from atiyeh_reports.evaluation.headline import (  # noqa: F401 - the step's public names
    headline_fa,
    headline_numbers,
)
from atiyeh_reports.evaluation.rules import (  # noqa: F401 - the step's public names
    COVERAGE_DROP,
    COVERAGE_DROP_HIGH,
    RULE_ORDER,
    RULES,
    SEVERITIES,
    SEVERITY_FA,
    Finding,
    findings_fa,
    findings_markdown,
    follow_up_fa,
    follow_up_list,
    funding_gap,
    key_findings,
    severity_of,
    sources_disagree,
)
from atiyeh_reports.evaluation.views import (  # noqa: F401 - the step's public names
    assumptions_html,
    definitions_html,
    delays_html,
    findings_html,
    follow_up_html,
    headline_html,
    notified_source_md,
    reconciliation_html,
    scorecard_html,
    top_findings_md,
    triangulation_flagged_html,
    triangulation_html,
    yoy_html,
)
