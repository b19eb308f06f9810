"""HQ's own record of the credit it notified to each province (ابلاغ اعتبار).

Every build writes the year's allocation per province to ``allocation.csv``
beside ``allocation.xlsx`` (columns in docs/data-contracts.md): integer Rials,
one row per province in code order, UTF-8, no total row. A later year's build
reads it back as *HQ's record* of what was notified, and prefers it to what the
provinces wrote in their forms: absorption (spent ÷ notified), the allocation's
"change against last year" and the performance weights all use it, and a
province whose self-reported figure differs from the record by more than
``checks.money_tolerance`` Rials is a finding (:func:`notified_check`).

Where the record is looked for (:func:`find_notified_record`), for the report
year Y it is the record of Y-1:

1. ``checks.notified_record`` in the parameter file, relative to that file
   (for example ``../outputs/1403/allocation.csv``, the previous year's output
   folder);
2. ``<data_dir>/<Y-1>/hq/allocation.csv`` (a data folder that archives HQ's
   records with the raw inputs; the sample data set carries its earlier years'
   records there);
3. none: the forms' figures are used, and the assumptions log says so.

A file that is found but is not a record of Y-1 (wrong year, missing columns,
non-integer amounts) is not used, and the reason is stated.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.errors import RecordError

__all__ = [
    "RECORD_COLUMNS", "RECORD_FILE", "NotifiedRecord", "allocation_record", "find_notified_record",
    "notified_check", "read_allocation_record", "with_hq_notified", "write_allocation_record",
]

RECORD_FILE = "allocation.csv"
RECORD_COLUMNS = ("year", "province_code", "province_name", "eligible_children", "requirement",
                  "allocated")
_INTS = ("year", "eligible_children", "requirement", "allocated")

SOURCE_HQ = "hq"
SOURCE_FORM = "form"
#: How each source is named in the reports.
SOURCE_FA = {SOURCE_HQ: "سابقهٔ ابلاغ ستاد", SOURCE_FORM: "گزارش استان در فرم"}


def hq_dir(data_dir: Path, year: int) -> Path:
    """Where a data folder archives HQ's records of a year: ``<data>/<year>/hq/``."""
    return Path(data_dir) / str(year) / "hq"


# --- writing ----------------------------------------------------------------------------------
def allocation_record(params: Params, table: pd.DataFrame) -> pd.DataFrame:
    """The record of a year's allocation from :func:`~atiyeh_reports.allocation.allocate.allocation_table`: int Rials, code order."""
    out = pd.DataFrame({
        "year": params.year,
        "province_code": table["province_code"].astype(str),
        "province_name": table["province_name"].astype(str),
        "eligible_children": table["eligible_children"].astype("int64"),
        "requirement": table["requirement"].astype("int64"),
        "allocated": table["allocated"].astype("int64"),
    })
    return out.sort_values("province_code", kind="stable").reset_index(drop=True)


def write_allocation_record(record: pd.DataFrame, path: Path) -> Path:
    """Write the record as CSV (UTF-8, ``\\n`` line ends, plain integers): same table, same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECORD_COLUMNS)
    for row in record[list(RECORD_COLUMNS)].itertuples(index=False, name=None):
        writer.writerow([int(v) if c in _INTS else str(v) for c, v in zip(RECORD_COLUMNS, row, strict=True)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def read_allocation_record(path: Path) -> pd.DataFrame:
    """Read and check an ``allocation.csv``; :class:`RecordError` says what is wrong and where."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise RecordError(f"{path}: cannot be read as CSV ({exc})") from None
    missing = [c for c in RECORD_COLUMNS if c not in frame.columns]
    if missing:
        raise RecordError(f"{path}: column(s) {missing} missing; expected {list(RECORD_COLUMNS)}")
    for col in _INTS:
        bad = frame.index[~frame[col].str.fullmatch(r"-?\d+")]
        if len(bad):
            raise RecordError(f"{path}: column {col}, line {int(bad[0]) + 2}: "
                              f"{frame.at[bad[0], col]!r} is not a whole number")
        frame[col] = frame[col].astype("int64")
    unknown = sorted(set(frame["province_code"]) - set(by_code()))
    if unknown:
        raise RecordError(f"{path}: unknown province code(s) {unknown}")
    dup = sorted(set(frame.loc[frame["province_code"].duplicated(), "province_code"]))
    if dup:
        raise RecordError(f"{path}: province code(s) {dup} appear more than once")
    return frame[list(RECORD_COLUMNS)]


# --- finding and using ------------------------------------------------------------------------
@dataclass(frozen=True)
class NotifiedRecord:
    """HQ's record of year ``year``'s notified credit, or why there is none.

    ``amounts`` maps province code to Rials (``None`` when no record is used);
    ``path`` is the file used; ``tried`` the places looked at; ``problem`` a
    reason a file found was not used.
    """

    year: int
    amounts: dict[str, int] | None
    path: Path | None = None
    tried: tuple[Path, ...] = ()
    problem: str | None = None
    total: int = field(default=0)

    @property
    def found(self) -> bool:
        return self.amounts is not None

    def source_fa(self) -> str:
        """The source of last year's notified credit, in a phrase for the reports."""
        y = to_persian_digits(self.year)
        if self.found:
            return f"{SOURCE_FA[SOURCE_HQ]} ({self.path.name if self.path else RECORD_FILE}، سال {y})"
        return f"{SOURCE_FA[SOURCE_FORM]} (سابقهٔ ابلاغ ستاد برای سال {y} در دست نبود)"

    def assumption_fa(self) -> str:
        """One sentence for the assumptions log."""
        y = to_persian_digits(self.year)
        if self.found:
            return (f"اعتبار ابلاغی سال {y} از سابقهٔ ابلاغ خود ستاد ({self.path.name if self.path else RECORD_FILE}) "
                    "خوانده شده است، نه از فرم استان‌ها؛ جذب اعتبار، «تغییر نسبت به سال قبل» و ضریب‌های "
                    "عملکرد بر همین سابقه استوارند و رقم گزارش‌شدهٔ هر استان با آن مقایسه شده است. "
                    "اعتبار هزینه‌شده همچنان گزارش خود استان است و با اسناد مالی تطبیق نشده است.")
        why = f" ({self.problem})" if self.problem else ""
        return (f"سابقهٔ ابلاغ ستاد برای سال {y} در دست نبود{why}؛ اعتبار ابلاغی و هزینه‌شدهٔ آن سال همان "
                "است که هر استان در فرم خود گزارش کرده و با هیچ منبع دیگری تطبیق نشده است.")


def record_candidates(params: Params) -> list[Path]:
    """Where the record of ``params.year - 1`` is looked for, in order."""
    out = []
    if params.checks.notified_record is not None:
        base = Path(params.source).parent if params.source else Path.cwd()
        out.append((base / params.checks.notified_record).resolve())
    out.append(hq_dir(params.data_dir, params.year - 1) / RECORD_FILE)
    return out


def find_notified_record(params: Params) -> NotifiedRecord:
    """HQ's record of the year before ``params.year`` (see the module docstring for where)."""
    year = params.year - 1
    tried = tuple(record_candidates(params))
    problem = None
    for path in tried:
        if not path.is_file():
            continue
        try:
            frame = read_allocation_record(path)
        except RecordError as exc:
            problem = str(exc)
            continue
        years = sorted(set(frame["year"]))
        if years != [year]:
            problem = f"{path}: a record of {years}, not of {year}"
            continue
        amounts = dict(zip(frame["province_code"], (int(v) for v in frame["allocated"]), strict=True))
        return NotifiedRecord(year, amounts, path, tried, None, sum(amounts.values()))
    return NotifiedRecord(year, None, None, tried, problem)


def with_hq_notified(params: Params, performance: pd.DataFrame,
                     record: NotifiedRecord | None = None) -> pd.DataFrame:
    """The performance table with ``credit_notified`` taken from HQ's record where there is one.

    Adds ``credit_notified_reported`` (the form's figure), ``credit_notified_hq``
    (nullable; the record's) and ``notified_source`` (``hq`` or ``form``).
    Idempotent: a table that already has ``notified_source`` is returned as it is.
    """
    if "notified_source" in performance.columns or "credit_notified" not in performance.columns:
        return performance
    record = record if record is not None else find_notified_record(params)
    out = performance.copy()
    out["credit_notified_reported"] = out["credit_notified"].astype("Int64")
    amounts = record.amounts or {}
    hq = out["province_code"].map(amounts)
    out["credit_notified_hq"] = pd.array([None if pd.isna(v) else int(v) for v in hq], dtype="Int64")
    use = out["credit_notified_hq"].notna()
    out["credit_notified"] = out["credit_notified_hq"].where(use, out["credit_notified_reported"]).astype("Int64")
    out["notified_source"] = pd.Series(SOURCE_FORM, index=out.index).where(~use, SOURCE_HQ)
    return out


def notified_check(params: Params, performance: pd.DataFrame,
                   record: NotifiedRecord | None = None) -> pd.DataFrame:
    """Each province's self-reported notified credit against HQ's record, flagged beyond the tolerance.

    Columns: province_code, province, reported, hq (nullable Int64 Rials),
    difference (reported − hq), flagged (|difference| > ``checks.money_tolerance``).
    Provinces in code order; empty when there is no record.
    """
    perf = with_hq_notified(params, performance, record)
    columns = ["province_code", "province", "reported", "hq", "difference", "flagged"]
    if not len(perf) or not (perf["notified_source"] == SOURCE_HQ).any():
        return pd.DataFrame(columns=columns)
    if "year" in perf.columns:
        perf = perf[perf["year"] == params.year]
    perf = perf.sort_values("province_code", kind="stable")
    diff = (perf["credit_notified_reported"] - perf["credit_notified_hq"]).astype("Int64")
    out = pd.DataFrame({
        "province_code": perf["province_code"].astype(str).to_numpy(),
        "province": [by_code()[c].name_fa for c in perf["province_code"]],
        "reported": perf["credit_notified_reported"].to_numpy(),
        "hq": perf["credit_notified_hq"].to_numpy(),
        "difference": diff.to_numpy(),
    })
    out["flagged"] = (out["difference"].abs() > params.checks.money_tolerance).fillna(False).astype(bool)
    return out
