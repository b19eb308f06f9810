"""The old face of the evaluation's findings module: it re-exports the names that moved.

The module was split by concern: :mod:`.rules` (Finding, the rules, severity, key findings, follow-up),
:mod:`.headline` (the headline numbers), :mod:`.assumptions_log` (the assumptions-and-caveats log),
:mod:`.bundle` (Evaluation and evaluate), :mod:`.views` (the notebook pieces) and :mod:`.wording`
(how the sentences write numbers). Nothing inside the package imports this face; patch a name
where it is used, in its new module.
"""

from atiyeh_reports.evaluation.assumptions_log import (  # noqa: F401
    IMPACT_FA,
    QUALITY_FA,
    Assumption,
    _years,
    assumptions,
    assumptions_fa,
    history_param_files,
)
from atiyeh_reports.evaluation.bundle import (  # noqa: F401
    Evaluation,
    evaluate,
    evaluation_html,
    evaluation_repr,
)
from atiyeh_reports.evaluation.headline import (  # noqa: F401
    _float_or_none,
    _int_or_none,
    headline_fa,
    headline_numbers,
)
from atiyeh_reports.evaluation.rules import (  # noqa: F401
    _REASONS_FA,
    COVERAGE_DROP,
    COVERAGE_DROP_HIGH,
    RULE_ORDER,
    RULES,
    SEVERITIES,
    SEVERITY_FA,
    Finding,
    _finding,
    _requirement,
    _rule_absorption,
    _rule_coverage,
    _rule_coverage_drop,
    _rule_data_quality,
    _rule_funding_gap,
    _rule_insurer_vs_credit,
    _rule_late,
    _rule_no_policy,
    _rule_off_list,
    _rule_province_mismatch,
    _rule_self_report,
    findings_fa,
    findings_markdown,
    follow_up_fa,
    follow_up_list,
    funding_gap,
    key_findings,
    severity_of,
    sources_disagree,
)
from atiyeh_reports.evaluation.views import (  # noqa: F401
    _alphabetical,
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
from atiyeh_reports.evaluation.wording import (  # noqa: F401
    _MAX_NAMED,
    _n,
    _names,
    _pct,
    _rials_million,
)

__all__ = [
    "Assumption", "Evaluation", "Finding", "assumptions", "assumptions_fa", "evaluate", "follow_up_list",
    "headline_numbers", "history_param_files", "key_findings",
]
