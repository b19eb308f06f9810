"""Reproducible yearly reports for the Atiyeh child-insurance programme.

The library cleans the provinces' returned forms and the insurer's export,
does the budget math in integer Rials, and feeds the parameterized notebooks
that render the yearly analysis, allocation and evaluation reports.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("atiyeh-reports")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

SERVICE_ID = "19041060106"

__all__ = ["SERVICE_ID", "__version__"]
