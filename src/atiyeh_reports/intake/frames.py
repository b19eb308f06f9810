"""The clean tables: building them from the judged rows, writing and reading them back."""

from __future__ import annotations

import os
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd

from atiyeh_reports.intake.common import CHILDREN_COLUMNS, PERFORMANCE_COLUMNS, PERFORMANCE_FIELDS
from atiyeh_reports.intake.quality import SUMMARY_COLUMNS, UNREADABLE
from atiyeh_reports.intake.quality_workbook import clean_stamp, write_quality_workbook
from atiyeh_reports.intake.rules import _FileResult


@dataclass(frozen=True)
class Intake:
    """The clean tables of one year, as :func:`ingest` built them."""

    year: int
    children: pd.DataFrame
    performance: pd.DataFrame
    findings: pd.DataFrame
    summary: pd.DataFrame
    unreadable: tuple[str, ...] = ()

    @property
    def needs_attention(self) -> bool:
        """True when a file could not be read or a row was rejected."""
        return bool(self.unreadable) or bool((self.summary["rejected"] > 0).any())


_INT_COLUMNS = frozenset({"year", "age", "source_row"})
_DATE_COLUMNS = frozenset({"birth_date", "admission_date"})


def _children_frame(results: list[_FileResult]) -> pd.DataFrame:
    """The accepted rows as the children table, ordered by province, file and row.

    Built one column at a time, so that a large year needs the records and the
    table, not several copies of both. The rows of a file share its province
    and file name and are in row order, so ordering the files orders the rows.
    """
    ordered = sorted(results, key=lambda r: (r.code, r.file))
    records = [row.record for result in ordered for row in result.rows]
    columns: dict[str, object] = {}
    for i, name in enumerate(CHILDREN_COLUMNS):
        values = list(map(itemgetter(i), records))
        if name in _INT_COLUMNS:
            columns[name] = np.array(values, dtype="int64")
        elif name in _DATE_COLUMNS:
            columns[name] = np.array(values, dtype="object")
        else:  # text; a missing value (care type, county) is null
            columns[name] = _text_array(values)
    return pd.DataFrame(columns, columns=list(CHILDREN_COLUMNS))


_STR = pd.api.types.pandas_dtype("str")
#: Whether pandas' "str" is Arrow-backed (pandas 3): then an Arrow array is made from the values
#: directly, without pandas checking and converting each one first (~3 times faster, same array).
_ARROW_STR = isinstance(_STR, pd.StringDtype) and _STR.storage == "pyarrow"


def _text_array(values: list) -> object:
    """``pd.array(values, dtype="str")`` for a list of str and None."""
    if _ARROW_STR:
        import pyarrow as pa  # noqa: PLC0415 - pyarrow (~0.3 s) only when a clean table is written

        try:
            return pd.array(pa.array(values, type=pa.large_string()), dtype=_STR)
        except (pa.ArrowException, TypeError, ValueError):
            pass  # not all text: pandas converts them as it always did
    return pd.array(values, dtype="str")


def _performance_frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=list(PERFORMANCE_COLUMNS))
    frame = frame.astype({"year": "int64", "performance_year": "int64",
                          **{f: "Int64" for f in PERFORMANCE_FIELDS},
                          "province_code": "str", "source_file": "str"})
    return frame.sort_values("province_code", kind="stable").reset_index(drop=True)


def _summary_frame(results: list[_FileResult], unread: set[str]) -> pd.DataFrame:
    counts: dict[str, dict[str, int]] = {c: dict.fromkeys(SUMMARY_COLUMNS[1:], 0) for c in unread}
    for result in results:
        c = counts.setdefault(result.code, dict.fromkeys(SUMMARY_COLUMNS[1:], 0))
        c["rows_read"] += result.rows_read
        c["accepted"] += len(result.rows)
        c["corrected"] += sum(row.corrected for row in result.rows)
        c["rejected"] += result.rejected
        c["blank_rows"] += result.blank_rows
    frame = pd.DataFrame(
        [{"province_code": code, **values} for code, values in sorted(counts.items())],
        columns=list(SUMMARY_COLUMNS),
    )
    return frame.astype({"province_code": "str", **{c: "int64" for c in SUMMARY_COLUMNS[1:]}})


def _sort_findings(frame: pd.DataFrame) -> pd.DataFrame:
    order = frame.assign(_row=frame["row"].fillna(0)).sort_values(["file", "_row"], kind="stable").index
    return frame.loc[order].reset_index(drop=True)


# --- on disk --------------------------------------------------------------------------------
_TABLES = ("children", "performance", "findings", "summary")


def write_clean(intake: Intake, out_dir: Path) -> list[Path]:
    """Write the four tables as parquet and ``quality.xlsx`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in _TABLES:
        path = out_dir / f"{name}.parquet"
        # Beside it, then renamed: two processes (two kernels, an analyst) may clean one year at once.
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        getattr(intake, name).to_parquet(partial, index=False)
        os.replace(partial, path)
        paths.append(path)
    # stamped from the inputs (not the time of this run): same findings, same bytes
    paths.append(write_quality_workbook(intake.summary, intake.findings, out_dir / "quality.xlsx",
                                        stamp=clean_stamp(intake.year), year=intake.year))
    return paths


def read_clean(clean_dir: Path) -> Intake:
    """Read back what :func:`write_clean` wrote (the year is the folder's name, ``clean/<Y>``)."""
    clean_dir = Path(clean_dir)
    tables = {name: pd.read_parquet(clean_dir / f"{name}.parquet") for name in _TABLES}
    findings = tables["findings"]
    lost = findings[findings["action"] == UNREADABLE]
    unreadable = tuple(f"{file}: {detail}" for file, detail in zip(lost["file"], lost["detail"], strict=True))
    if clean_dir.name.isdigit():
        year = int(clean_dir.name)
    elif len(tables["children"]):
        year = int(tables["children"]["year"].iloc[0])
    else:
        year = int(tables["performance"]["year"].iloc[0]) if len(tables["performance"]) else 0
    return Intake(year=year, unreadable=unreadable, **tables)
