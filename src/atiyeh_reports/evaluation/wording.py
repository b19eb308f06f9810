"""How the evaluation's sentences write numbers, money and provinces (formatting from present.display)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.present.display import fmt_int, fmt_million, fmt_pct

_MAX_NAMED = 6  # provinces named in a sentence before "and N more"

_n = fmt_int


def _pct(share: Any, decimals: int = 0) -> str:
    return fmt_pct(share, decimals)


def _rials_million(value: int) -> str:
    return fmt_million(value) + " میلیون ریال"


def _names(rows: pd.DataFrame, value_col: str | None = None, fmt: Any = _pct) -> str:
    parts = []
    for _, r in rows.head(_MAX_NAMED).iterrows():
        label = name_fa(r["province_code"])
        parts.append(f"{label} ({fmt(r[value_col])})" if value_col else label)
    more = len(rows) - _MAX_NAMED
    text = "، ".join(parts)
    return text + (f" و {_n(more)} استان دیگر" if more > 0 else "")
