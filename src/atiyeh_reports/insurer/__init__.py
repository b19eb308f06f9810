"""Step 5: the insurer's export and its reconciliation with the list of children."""

from atiyeh_reports.insurer.reconciliation import (  # noqa: F401 - the step's public names
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
    RECONCILIATION_TITLE_FA,
    MatchTooLowError,
    Reconciliation,
    check_match_share,
    counts_fa,
    delays_fa,
    read_insurer_export,
    reconcile,
    reconcile_year,
    write_reconciliation_workbook,
)
