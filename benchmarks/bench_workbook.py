"""Time the one workbook writer on a quality.xlsx-sized table, against openpyxl, in one run.

Writes N synthetic findings (the 11 columns of ``quality.xlsx``; 1% of the values
start with ``=``) three ways and prints the times and their ratios:

* ``write_quality_workbook`` (:func:`atiyeh_reports.io.xlsx.write_tables`: rows
  streamed as sheet XML into the zip entry);
* openpyxl's ``write_only`` mode (its streaming writer), text forced to text;
* openpyxl's normal mode, as ``quality.xlsx`` was written before issue 8 (skipped
  with ``--no-normal``: it is the slow one).

Usage::

    .venv/bin/python benchmarks/bench_workbook.py --rows 78000

Ratios, not absolute times, are what to compare between machines: the runs share
one process and one moment, so a busy machine slows all three alike; CPU time is
shown beside wall time because a shared machine inflates the wall time. Peak memory
is the process's maximum RSS after each step (``resource``; it only grows).
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import tempfile
import time
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from atiyeh_reports.intake.quality import FINDING_COLUMNS, REJECTED, Finding, Problem, findings_frame
from atiyeh_reports.intake.quality_workbook import write_quality_workbook


def findings(n: int) -> pd.DataFrame:
    rnd = random.Random(1404)
    return findings_frame(
        Finding(
            file=f"IR-{i % 31:02d}_استان.xlsx", sheet="فرزندان", row=6 + i, column="کد ملی",
            value=('=HYPERLINK("x")' if i % 100 == 0 else str(rnd.randrange(10**9, 10**10))),
            problem=Problem.ID_CHECK_DIGIT, action=REJECTED, corrected_to=None,
            province_code=f"IR-{i % 31:02d}", national_id=None, detail=("-2" if i % 100 == 1 else None),
        )
        for i in range(n)
    )


def summary() -> pd.DataFrame:
    codes = [f"IR-{i:02d}" for i in range(31)]
    return pd.DataFrame({"province_code": codes, **{c: [1] * 31 for c in
                         ("rows_read", "accepted", "corrected", "rejected", "blank_rows")}})


def openpyxl_write_only(frame: pd.DataFrame, path: Path) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("یافته‌ها")
    ws.sheet_view.rightToLeft = True
    ws.append(list(FINDING_COLUMNS))
    for record in frame.itertuples(index=False, name=None):
        row = []
        for value in record:
            cell = WriteOnlyCell(ws, value=None if pd.isna(value) else value)
            if isinstance(value, str):
                cell.data_type = "s"
            row.append(cell)
        ws.append(row)
    wb.save(path)


def openpyxl_normal(frame: pd.DataFrame, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.sheet_view.rightToLeft = True
    ws.append(list(FINDING_COLUMNS))
    for record in frame.itertuples(index=False, name=None):
        ws.append([None if pd.isna(v) else v for v in record])
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    wb.save(path)


def timed(label: str, step) -> float:  # noqa: ANN001 - a callable
    start, cpu = time.perf_counter(), time.process_time()
    step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {label:<38} {seconds:7.2f} s wall, {cpu:7.2f} s CPU   max RSS so far {rss:6.0f} MB")
    return cpu  # compared by CPU time: on a shared machine the wall time mostly measures the others


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=78_000, help="findings to write (default 78,000)")
    ap.add_argument("--no-normal", action="store_true", help="skip openpyxl's normal (slow) mode")
    ap.add_argument("--only-ours", action="store_true", help="time write_tables alone")
    args = ap.parse_args()
    print(f"{args.rows:,} findings × {len(FINDING_COLUMNS)} columns; Python {platform.python_version()}")
    frame = findings(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        ours = timed("write_tables (streamed sheet XML)", lambda: write_quality_workbook(
            summary(), frame, Path(tmp) / "quality.xlsx"))
        size = (Path(tmp) / "quality.xlsx").stat().st_size / 1e6
        if args.only_ours:
            print(f"  quality.xlsx: {size:.1f} MB")
            return
        wo = timed("openpyxl write_only", lambda: openpyxl_write_only(frame, Path(tmp) / "wo.xlsx"))
        normal = None if args.no_normal else timed(
            "openpyxl normal (before issue 8)", lambda: openpyxl_normal(frame, Path(tmp) / "n.xlsx"))
    print(f"  quality.xlsx: {size:.1f} MB")
    print(f"  CPU-time ratio write_only / write_tables: {wo / ours:.1f}×")
    if normal is not None:
        print(f"  CPU-time ratio normal / write_tables:     {normal / ours:.1f}×")


if __name__ == "__main__":
    main()
