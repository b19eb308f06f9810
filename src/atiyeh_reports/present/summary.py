"""Short on-screen summaries of the package's objects: plain text for a console, a small
right-to-left table for JupyterLab. Generic pieces only; each object's summary lives beside it.

None prints a table's rows: a summary names shapes and totals, never a name or a national ID.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present.display import exact, round_half_up, table_html

#: Longest repr any summary may give; a summary longer than this is cut with "…".
MAX_CHARS = 2000


def n(value: Any) -> str:
    """An integer with thousands separators, ``-`` when unknown."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    return f"{round_half_up(value):,}"


def pct(value: Any) -> str:
    """A share as a percentage with one decimal, ``-`` when unknown."""
    if value is None or pd.isna(value):
        return "-"
    return f"{round_half_up(exact(value) * 100, 1)}%"


def shape(frame: pd.DataFrame) -> str:
    return f"{len(frame):,} rows x {frame.shape[1]} columns"


def cap(text: str) -> str:
    """``text`` cut to :data:`MAX_CHARS`."""
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def column_sum(frame: pd.DataFrame, column: str) -> int | None:
    """The column's total, ``None`` when the column or every value is missing."""
    if column not in frame or not len(frame):
        return None
    total = frame[column].sum(min_count=1)
    return None if pd.isna(total) else int(total)


def html_table(rows: Sequence[tuple[str, ...]], header: Sequence[str], caption: str) -> str:
    frame = pd.DataFrame(list(rows), columns=list(header))
    return table_html(frame, caption=caption)


def fa_value(value: str) -> str:
    """``1,234`` as ``۱٬۲۳۴``."""
    return to_persian_digits(value.replace(",", "٬"))
