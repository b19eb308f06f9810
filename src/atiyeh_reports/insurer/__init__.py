"""Step 5: the insurer's export (:mod:`.export`), its reconciliation with the list of children
(:mod:`.reconciliation`), what a reconciliation shows (:mod:`.views`) and the internal workbook
(:mod:`.workbook`)."""

from atiyeh_reports.insurer.export import (
    ABSURD_PREMIUM_FACTOR,
    FINDING_COLUMNS,
    FORMAT_REMOVED,
    NO_FOLDER,
    NO_POLICIES,
    POLICY_COLUMNS,
    PREMIUM_ABSURD,
    PREMIUM_NEGATIVE,
    PREMIUM_TOO_LARGE,
    PREMIUM_ZERO,
    read_insurer_export,
)
from atiyeh_reports.insurer.reconciliation import (
    CATEGORY_FA,
    CHILD_CATEGORIES,
    POLICY_CATEGORIES,
    SUB_REASON_FA,
    MatchTooLowError,
    Reconciliation,
    check_match_share,
    reconcile,
    reconcile_year,
)
from atiyeh_reports.insurer.views import (
    category_totals,
    counts_fa,
    delays_fa,
    reconciliation_html,
    reconciliation_repr,
)
from atiyeh_reports.insurer.workbook import (
    RECONCILIATION_TITLE_FA,
    write_reconciliation_workbook,
)
