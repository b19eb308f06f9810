"""What the analysis tables share: the contract checks (columns, one row per national ID),
province names, shares and ratios, the total row, small-cell suppression, the last two years of
a series (no Persian headers here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from atiyeh_reports.core import vocab
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.errors import AnalysisError
from atiyeh_reports.present.privacy import suppress_small_counts

#: Label for a missing value of a coded field (e.g. no care arrangement given).
UNKNOWN = "نامشخص"
#: Label of the national total row.
NATIONAL = vocab.TOTAL


def _require(frame: pd.DataFrame, columns: Sequence[str], table: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AnalysisError(
            f"the {table} table has no column(s) {missing} (it has {list(frame.columns)}); "
            "build it with the intake so it follows docs/data-contracts.md"
        )


def _province_names(codes: pd.Series) -> pd.Series:
    names = {p.code: p.name_fa for p in provinces()}
    return codes.map(lambda code: names.get(code, code) if isinstance(code, str) else NATIONAL)


def _share(part: pd.Series, whole: float) -> pd.Series:
    return part / whole if whole else pd.Series(np.nan, index=part.index)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den as floats, NaN where den is 0 (no division by zero, no inf)."""
    den = den.astype("float64")
    return num.astype("float64") / den.where(den != 0)


def with_total(table: pd.DataFrame, *, sums: Sequence[str], label_column: str = "province",
               label: str = NATIONAL) -> pd.DataFrame:
    """``table`` with a last row holding the sum of ``sums`` (other columns left empty).

    Shares and ratios are not summed: recompute them on the total row yourself.
    """
    total: dict[str, object] = {c: table[c].sum() for c in sums}
    total[label_column] = label
    row = pd.DataFrame([total])
    out = pd.concat([table, row], ignore_index=True)
    for c in sums:  # keep ints ints (concat with a partial row would not)
        if pd.api.types.is_integer_dtype(table[c]):
            out[c] = out[c].astype("int64")
    return out


def _suppress(table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    return suppress_small_counts(table, threshold)


def _unique_ids(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    _require(frame, ["national_id", "province_code"], label)
    repeated = int(frame["national_id"].duplicated().sum())
    if repeated:
        raise AnalysisError(
            f"the {label} table lists {repeated} national ID(s) more than once; the intake "
            "de-duplicates children, so rebuild the clean tables from the raw forms"
        )
    return frame


def _last_two(children_by_year: Mapping[int, pd.DataFrame]) -> tuple[int, int] | None:
    years = sorted(children_by_year)
    return (years[-2], years[-1]) if len(years) >= 2 else None
