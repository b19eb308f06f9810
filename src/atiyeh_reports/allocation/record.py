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

A file named by ``checks.notified_record`` must exist, and a file found in
either place must be a usable record of Y-1 (:func:`read_record`: a regular
file under 1 MB; UTF-8 with or without BOM, UTF-16 with BOM or Windows-1256;
English or Persian headers; one row per known province; whole, non-negative
amounts within the parameters' bound; every row of Y-1). Anything else is a
:class:`RecordError` (exit 3) naming file, line and column, raised when the year
is loaded, before any notebook runs: never a silent fallback to the forms.
Thousands separators (``1,234,000``, ``۱٬۲۳۴٬۰۰۰``) in a quoted cell, an
encoding other than UTF-8, a total row and unknown columns are read as listed
corrections (``NotifiedRecord.corrections``). A record without some provinces
is used for the others, and the reports name the missing ones.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from atiyeh_reports.allocation.record_read import (
    HEADER_NAMES,
    INTS,
    MAX_RECORD_BYTES,
    RECORD_COLUMNS,
    RecordNotRegular,
    RecordRead,
    read_record,
)
from atiyeh_reports.core import layout
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provenance import recorded_path, relative_to_params
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.errors import RecordError

__all__ = [
    "HEADER_NAMES", "MAX_RECORD_BYTES", "RECORD_COLUMNS", "RECORD_FILE", "NotifiedRecord", "RecordError",
    "RecordNotRegular", "RecordRead", "read_record", "allocation_record", "find_notified_record",
    "notified_check", "read_allocation_record", "with_hq_notified", "write_allocation_record",
]

RECORD_FILE = layout.RECORD_FILE
_INTS = INTS

SOURCE_HQ = "hq"
SOURCE_FORM = "form"
#: How each source is named in the reports.
SOURCE_FA = {SOURCE_HQ: "سابقهٔ ابلاغ ستاد", SOURCE_FORM: "گزارش استان در فرم"}


hq_dir = layout.hq_dir  # the one rule for where a data folder keeps HQ's records


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
    return read_record(path).frame


# --- finding and using ------------------------------------------------------------------------
@dataclass(frozen=True)
class NotifiedRecord:
    """HQ's record of year ``year``'s notified credit, or why there is none.

    ``amounts`` maps province code to Rials (``None`` when no record is used);
    ``path`` is the file used; ``shown`` the same, relative to the parameter file;
    ``sha256`` its digest; ``missing`` the provinces it has no row for (they keep their
    form's figure); ``corrections`` what was read leniently (an encoding, separators);
    ``tried`` the places looked at; ``problem`` why none is used.
    """

    year: int
    amounts: dict[str, int] | None
    path: Path | None = None
    tried: tuple[Path, ...] = ()
    problem: str | None = None
    total: int = field(default=0)
    shown: str | None = None
    sha256: str | None = None
    missing: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.amounts is not None

    @property
    def partial(self) -> bool:
        return self.found and bool(self.missing)

    def _file_fa(self) -> str:
        name = self.shown or (self.path.name if self.path else RECORD_FILE)
        digest = f"، sha256:{self.sha256[:16]}" if self.sha256 else ""
        return f"{name}{digest}"

    def missing_fa(self) -> str:
        """The provinces the record has no row for, in a clause (empty when it has all 31)."""
        if not self.partial:
            return ""
        names = "، ".join(by_code()[c].name_fa for c in self.missing)
        return (f"سابقهٔ ستاد برای {to_persian_digits(len(self.missing))} استان ردیفی ندارد ({names})؛ "
                "برای این استان‌ها رقم گزارش خود استان در فرم به کار رفته است")

    def source_fa(self) -> str:
        """The source of last year's notified credit, in a phrase for the reports."""
        y = to_persian_digits(self.year)
        if self.found:
            part = ""
            if self.partial:
                names = "، ".join(by_code()[c].name_fa for c in self.missing)
                part = (f"؛ بی‌ردیف برای {to_persian_digits(len(self.missing))} استان: {names}، که رقم "
                        "گزارش خود استان برایشان به کار رفته است")
            return f"{SOURCE_FA[SOURCE_HQ]} (پروندهٔ {self._file_fa()}، سال {y}{part})"
        return (f"{SOURCE_FA[SOURCE_FORM]} (سابقهٔ ابلاغ ستاد برای سال {y} در دست نبود؛ رقم‌های "
                "گزارش‌شدهٔ استان‌ها به کار رفته است)")

    def manifest_entry(self, params_file: Path) -> dict[str, object] | None:
        """What ``manifest.json`` says of the record read (``None``: the forms' figures were used)."""
        if not self.found or self.path is None:
            return None
        # relative to the parameter file inside the project, else <outside>/<name> (never an absolute path)
        return {"path": recorded_path(self.path, params_file), "year": self.year, "sha256": self.sha256,
                "missing_provinces": list(self.missing), "corrections": list(self.corrections)}

    def told(self) -> list[str]:
        """Lines for the terminal: the record read, what was read leniently, the provinces it lacks."""
        if not self.found:
            return [f"no HQ record of {self.year}'s allocation: the provinces' own figures are used"]
        lines = [f"HQ's record of {self.year}: {self.shown} (sha256 {(self.sha256 or '-')[:16]})"]
        lines += [f"  corrected: {text}" for text in self.corrections]
        if self.missing:
            lines.append(f"  no row for {len(self.missing)} province(s), their forms' figures are used: "
                         f"{', '.join(self.missing)}")
        return lines

    def assumption_fa(self) -> str:
        """One sentence for the assumptions log."""
        y = to_persian_digits(self.year)
        if self.found:
            part = f" {self.missing_fa()}." if self.partial else ""
            return (f"اعتبار ابلاغی سال {y} از سابقهٔ ابلاغ خود ستاد (پروندهٔ {self._file_fa()}) "
                    "خوانده شده است، نه از فرم استان‌ها؛ جذب اعتبار، «تغییر نسبت به سال قبل» و ضریب‌های "
                    "عملکرد بر همین سابقه استوارند و رقم گزارش‌شدهٔ هر استان با آن مقایسه شده است."
                    f"{part} اعتبار هزینه‌شده همچنان گزارش خود استان است و با اسناد مالی تطبیق نشده است.")
        why = f" ({self.problem})" if self.problem else ""
        return (f"سابقهٔ ابلاغ ستاد برای سال {y} در دست نبود{why}؛ اعتبار ابلاغی و هزینه‌شدهٔ آن سال همان "
                "است که هر استان در فرم خود گزارش کرده و با هیچ منبع دیگری تطبیق نشده است.")


def record_candidates(params: Params) -> list[Path]:
    """Where the record of ``params.year - 1`` is looked for, in order (:func:`atiyeh_reports.core.layout.record_candidates`)."""
    return layout.record_candidates(params.source, params.data_dir, params.year, params.checks.notified_record)


def _shown(params: Params, path: Path) -> str:
    return relative_to_params(path, params.source) if params.source else str(path)


def find_notified_record(params: Params) -> NotifiedRecord:
    """HQ's record of the year before ``params.year`` (see the module docstring for where).

    A record named by ``checks.notified_record`` must be there; one found (in either place) must
    be usable: anything else is a :class:`RecordError` (exit 3), never a silent fallback.
    """
    year = params.year - 1
    tried = tuple(record_candidates(params))
    configured = params.checks.notified_record is not None
    path = tried[0]
    if configured and not os.path.lexists(path):
        where = f" in {Path(params.source).name}" if params.source else ""
        raise RecordError(
            f"key 'checks.notified_record'{where} names {params.checks.notified_record}, which does not exist; "
            f"put HQ's record of {year} there, or remove the key to use {_shown(params, tried[-1])} when "
            "there is one, else the provinces' own figures", file=_shown(params, path))
    if not configured and not os.path.lexists(path):
        return NotifiedRecord(year, None, None, tried)  # a first year, a new installation: the forms
    shown = _shown(params, path)
    read = read_record(path, shown=shown, year=year)
    frame = read.frame
    amounts = dict(zip(frame["province_code"], (int(v) for v in frame["allocated"]), strict=True))
    missing = tuple(c for c in sorted(by_code()) if c not in amounts)
    return NotifiedRecord(year, amounts, path, tried, None, sum(amounts.values()), shown, read.sha256,
                          missing, read.corrections)


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
