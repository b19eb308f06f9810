"""Time :func:`atiyeh_reports.intake.ingest` on synthetic forms and report peak memory.

Writes N children spread over the 31 provinces (one write-only workbook per
province, with the form's titles, header and performance sheet) into a
temporary folder, then times ``ingest`` on them. About 1% of the rows carry
dirt (IDs with Persian digits, a bad check digit, a gender variant) so the
findings path is exercised too.

Usage::

    .venv/bin/python benchmarks/bench_ingest.py --rows 10000
    .venv/bin/python benchmarks/bench_ingest.py --rows 1000000 --keep /tmp/bench1m

Peak memory is the process's maximum resident set size (``resource``), which
includes the interpreter and libraries; ``tracemalloc`` is not used because it
slows the run it measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import resource
import shutil
import tempfile
import time
import zipfile
from pathlib import Path

from openpyxl import Workbook

from atiyeh_reports import layout
from atiyeh_reports.intake import ingest
from atiyeh_reports.jalali import to_jalali_str
from atiyeh_reports.national_id import check_digit
from atiyeh_reports.params import load_params
from atiyeh_reports.provinces import provinces

ROOT = Path(__file__).resolve().parents[1]
YEAR = 1404


def _nid(n: int) -> str:
    first_nine = f"{100000000 + n:09d}"
    return first_nine + str(check_digit(first_nine))


def write_forms(data_dir: Path, rows: int, seed: int = 1404) -> float:
    """Write ``rows`` children over 31 workbooks; return the seconds it took."""
    start = time.perf_counter()
    rng = random.Random(seed)
    folder = layout.provinces_dir(data_dir, YEAR)
    folder.mkdir(parents=True, exist_ok=True)
    all_provinces = provinces()
    per = [rows // len(all_provinces)] * len(all_provinces)
    for i in range(rows % len(all_provinces)):
        per[i] += 1
    n = 0
    headers = list(layout.CHILDREN_COLUMNS)
    for province, count in zip(all_provinces, per, strict=True):
        wb = Workbook(write_only=True)
        ws = wb.create_sheet(layout.SHEET_CHILDREN)
        ws.append([f"{layout.PROVINCE_LABEL}: {province.name_fa}"])
        ws.append([f"{layout.YEAR_LABEL}: {YEAR}"])
        ws.append(["فهرست فرزندان"])
        ws.append([])
        ws.append(headers)
        for r in range(count):
            n += 1
            nid: object = _nid(n)
            gender = "پسر" if n % 2 else "دختر"
            dirt = rng.random()
            if dirt < 0.003:
                nid = str(nid).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
            elif dirt < 0.006:
                nid = str(nid)[:9] + str((int(str(nid)[9]) + 1) % 10)
            elif dirt < 0.01:
                gender = "مذکر" if n % 2 else "مونث"
            birth = dt.date(2008, 4, 1) + dt.timedelta(days=rng.randrange(0, 6000))
            ws.append([r + 1, nid, "نام", "نام خانوادگی", gender, to_jalali_str(birth),
                       "بی‌سرپرست" if n % 3 else "بدسرپرست", "مرکز شبانه‌روزی", f"د-{n}",
                       "1402/05/01", "شهرستان"])
        perf = wb.create_sheet(layout.SHEET_PERFORMANCE)
        perf.append(["عملکرد سال قبل"])
        perf.append(list(layout.PERFORMANCE_COLUMNS))
        perf.append([count * 3_600_000, count * 3_400_000, count, count - 1, 3])
        path = folder / f"{province.code}_{province.name_fa.replace(' ', '_')}.xlsx"
        wb.save(path)
        _add_dimensions(path, {"sheet1": f"A1:K{count + 5}", "sheet2": "A1:E3"})
    return time.perf_counter() - start


def _add_dimensions(path: Path, refs: dict[str, str]) -> None:
    """Add the ``<dimension>`` element Excel writes and openpyxl's write-only mode leaves out.

    Without it openpyxl's read-only mode parses a whole sheet once more just
    to size it, which a workbook saved by Excel never makes it do.
    """
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            stem = item.filename.removeprefix("xl/worksheets/").removesuffix(".xml")
            if item.filename.startswith("xl/worksheets/") and stem in refs:
                text = data.decode("utf-8")
                at = min(i for i in (text.find("<sheetViews"), text.find("<sheetFormatPr"),
                                     text.find("<sheetData")) if i >= 0)
                data = (text[:at] + f'<dimension ref="{refs[stem]}"/>' + text[at:]).encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the forms here and keep them (reused if present)")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    try:
        if args.keep and layout.provinces_dir(data_dir, YEAR).is_dir():
            written = 0.0
        else:
            written = write_forms(data_dir, args.rows)
        params = load_params(ROOT / "params" / f"{YEAR}.yaml", {"data_dir": str(data_dir)})
        start = time.perf_counter()
        intake = ingest(params, data_dir)
        seconds = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"python {platform.python_version()} on {platform.machine()}")
        print(f"rows written: {args.rows:,} in 31 workbooks ({written:.1f} s to write)")
        print(f"ingest: {seconds:.2f} s, {args.rows / seconds:,.0f} rows/s")
        print(f"accepted {len(intake.children):,}, rejected {int(intake.summary['rejected'].sum()):,}, "
              f"findings {len(intake.findings):,}")
        print(f"peak RSS: {peak_mb:,.0f} MB")
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
