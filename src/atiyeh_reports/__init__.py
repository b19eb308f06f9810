"""Reproducible yearly reports for the Atiyeh child-insurance programme.

The library cleans the provinces' returned forms and the insurer's export,
does the budget math in integer Rials, and feeds the parameterized notebooks
that render the yearly analysis, allocation and evaluation reports.
"""

import os
from importlib.metadata import PackageNotFoundError, version

from atiyeh_reports import _moved

# python-docx brings lxml, and openpyxl switches its XML writer to lxml when it finds it: the
# workbooks' bytes would then depend on what else is installed. Keep openpyxl's own writer.
os.environ.setdefault("OPENPYXL_LXML", "False")

try:
    __version__ = version("atiyeh-reports")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

SERVICE_ID = "19041060106"

# Old module names (atiyeh_reports.budget, .params, ...) keep working for one yearly cycle.
_moved.install()

__all__ = ["SERVICE_ID", "__version__"]
