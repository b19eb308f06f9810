"""The bundled sample data set (a development tool): simulated children, forms, an insurer export.

:mod:`.population` simulates the children over the years, :mod:`.dirt` plants the problems
real files show (and lists them in ``planted.json``), :mod:`.insurer_export` writes the
insurer's export, and :mod:`.write` puts it together (:func:`write_sample`) with HQ's records.
"""

import warnings
from pathlib import Path

from atiyeh_reports.lab.explore import project_root
from atiyeh_reports.sample.dirt import ENGLISH_HEADERS, NOTIFIED_PLANTS  # noqa: F401 - the step's public names
from atiyeh_reports.sample.insurer_export import CSV_YEAR
from atiyeh_reports.sample.population import (
    AGE_LIMIT,
    CHILDREN_1404,
    GROWTH_PER_YEAR,
    LEAVE_CARE_SHARE,
    LIST_DATES,
    MIN_PER_PROVINCE,
    PREMIUMS,
    province_quotas,
    target_children,
)
from atiyeh_reports.sample.write import SampleInfo, write_sample


def __getattr__(name: str) -> Path:
    # PARAMS_DIR was the repository's params/ folder, found by climbing from this file (wrong in a
    # non-editable install). write_sample now takes params_dir=; the old name stays for one cycle.
    if name == "PARAMS_DIR":
        warnings.warn("atiyeh_reports.sample.PARAMS_DIR is deprecated: pass params_dir= to write_sample "
                      "(atiyeh sample passes the project's params/ folder)", DeprecationWarning, stacklevel=2)
        return project_root() / "params"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
