"""Time :func:`atiyeh_reports.intake.ingest` on synthetic forms and report peak memory.

Writes N children spread over the 31 provinces (one write-only workbook per
province, with the form's titles, header and performance sheet) into a
temporary folder, then times ``ingest`` on them, and then ``write_clean`` (the
four parquet tables and ``quality.xlsx``, as ``atiyeh ingest`` writes them).
About 1% of the rows carry dirt (IDs with Persian digits, a bad check digit, a
gender variant) so the findings path is exercised too; about 7% more have an
admission date before the birth date (a warning). Each row's county is one of
its province's counties, as the form's drop-down offers them.

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
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook

from atiyeh_reports.core import layout
from atiyeh_reports.core.jalali import to_jalali_str
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.core.params import load_params
from atiyeh_reports.core.provinces import counties, provinces
from atiyeh_reports.intake import ingest, write_clean

ROOT = Path(__file__).resolve().parents[1]
YEAR = 1404


def _nid(n: int) -> str:
    first_nine = f"{100000000 + n:09d}"
    return first_nine + str(check_digit(first_nine))


def write_forms(data_dir: Path, rows: int, seed: int = 1404) -> float:
    """Write ``rows`` children over 31 workbooks; return the seconds it took.

    openpyxl writes each workbook's frame (titles, header, performance sheet);
    the data rows are streamed into the sheet XML as openpyxl's write-only mode
    would write them (numbers as ``<v>``, text as inline strings), which is
    ~20 times faster and keeps a 1,000,000-row run in bounded memory.
    """
    start = time.perf_counter()
    rng = random.Random(seed)
    folder = layout.provinces_dir(data_dir, YEAR)
    folder.mkdir(parents=True, exist_ok=True)
    all_provinces = provinces()
    per = [rows // len(all_provinces)] * len(all_provinces)
    for i in range(rows % len(all_provinces)):
        per[i] += 1
    first = 0
    for province, count in zip(all_provinces, per, strict=True):
        path = folder / f"{province.code}_{province.name_fa.replace(' ', '_')}.xlsx"
        _write_frame(path, province.name_fa, count)
        data = _data_rows(rng, first, count, counties(province.code))
        _fill(path, data, {"sheet1": f"A1:K{count + 5}", "sheet2": "A1:E3"})
        first += count
    return time.perf_counter() - start


def _write_frame(path: Path, province_name: str, count: int) -> None:
    """The workbook without its data rows: titles, header on row 5, the performance sheet."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(layout.SHEET_CHILDREN)
    ws.append([f"{layout.PROVINCE_LABEL}: {province_name}"])
    ws.append([f"{layout.YEAR_LABEL}: {YEAR}"])
    ws.append(["فهرست فرزندان"])
    ws.append([])
    ws.append(list(layout.CHILDREN_COLUMNS))
    perf = wb.create_sheet(layout.SHEET_PERFORMANCE)
    perf.append(["عملکرد سال قبل"])
    perf.append(list(layout.PERFORMANCE_COLUMNS))
    perf.append([count * 3_600_000, count * 3_400_000, count, count - 1, 3])
    wb.save(path)


_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_COLUMNS = "ABCDEFGHIJK"


@lru_cache(maxsize=None)
def _jalali(birth: dt.date) -> str:
    return to_jalali_str(birth)


def _data_rows(rng: random.Random, first: int, count: int, county_names: list[str]) -> Iterator[str]:
    """The ``<row>`` elements of ``count`` children, numbered from ``first + 1`` (about 1% dirty).

    (Before 2026-12-01 every row's county was the word "شهرستان", which since the county
    check of issue 8 made every row a finding: 1,077,952 findings at 1,000,000 rows.)
    """
    for r in range(count):
        n = first + r + 1
        nid = _nid(n)
        gender = "پسر" if n % 2 else "دختر"
        dirt = rng.random()
        if dirt < 0.003:
            nid = nid.translate(_PERSIAN_DIGITS)
        elif dirt < 0.006:
            nid = nid[:9] + str((int(nid[9]) + 1) % 10)
        elif dirt < 0.01:
            gender = "مذکر" if n % 2 else "مونث"
        birth = dt.date(2008, 4, 1) + dt.timedelta(days=rng.randrange(0, 6000))
        texts = (nid, "نام", "نام خانوادگی", gender, _jalali(birth), "بی‌سرپرست" if n % 3 else "بدسرپرست",
                 "مرکز شبانه‌روزی", f"د-{n}", "1402/05/01", county_names[n % len(county_names)])
        x = r + 6  # the header is on row 5
        yield (f'<row r="{x}"><c r="A{x}" t="n"><v>{r + 1}</v></c>'
               + "".join(f'<c r="{c}{x}" t="inlineStr"><is><t>{escape(t)}</t></is></c>'
                         for c, t in zip(_COLUMNS[1:], texts, strict=True))
               + "</row>")


def _fill(path: Path, data: Iterator[str], refs: dict[str, str]) -> None:
    """Stream ``data`` into the first sheet and add the ``<dimension>`` element Excel writes.

    openpyxl's write-only mode leaves the dimension out; without it openpyxl's
    read-only mode parses a whole sheet once more just to size it, which a
    workbook saved by Excel never makes it do.
    """
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            text = src.read(item.filename).decode("utf-8")
            stem = item.filename.removeprefix("xl/worksheets/").removesuffix(".xml")
            if not (item.filename.startswith("xl/worksheets/") and stem in refs):
                dst.writestr(item, text)
                continue
            at = min(i for i in (text.find("<sheetViews"), text.find("<sheetFormatPr"),
                                 text.find("<sheetData")) if i >= 0)
            text = text[:at] + f'<dimension ref="{refs[stem]}"/>' + text[at:]
            head, tail = text.split("</sheetData>", 1) if stem == "sheet1" else (text, None)
            with dst.open(item.filename, "w", force_zip64=True) as out:
                out.write(head.encode("utf-8"))
                if tail is not None:
                    for chunk in _batched(data, 2000):
                        out.write("".join(chunk).encode("utf-8"))
                    out.write(("</sheetData>" + tail).encode("utf-8"))
    tmp.replace(path)


def _batched(items: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="write the forms here and keep them (reused if present)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes reading the forms (intake.ingest's workers; default: its own choice)")
    args = parser.parse_args()
    data_dir = args.keep or Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    try:
        if args.keep and layout.provinces_dir(data_dir, YEAR).is_dir():
            written = 0.0
        else:
            written = write_forms(data_dir, args.rows)
        params = load_params(ROOT / "params" / f"{YEAR}.yaml", {"data_dir": str(data_dir)})
        start, cpu_start, helpers_start = time.perf_counter(), time.process_time(), _children_cpu()
        intake = ingest(params, data_dir, workers=args.workers)
        seconds, own_cpu = time.perf_counter() - start, time.process_time() - cpu_start
        helpers_cpu = _children_cpu() - helpers_start  # the helper processes of intake.pool, if any
        cpu = own_cpu + helpers_cpu
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        helpers_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        with tempfile.TemporaryDirectory(prefix="bench_clean_") as clean:
            start, cpu_start = time.perf_counter(), time.process_time()
            write_clean(intake, Path(clean))
            write_seconds, write_cpu = time.perf_counter() - start, time.process_time() - cpu_start
            quality_kb = (Path(clean) / "quality.xlsx").stat().st_size / 1024
        total_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"python {platform.python_version()} on {platform.machine()}")
        print(f"rows written: {args.rows:,} in 31 workbooks ({written:.1f} s to write)")
        helpers = f": this process {own_cpu:.2f} s + helpers {helpers_cpu:.2f} s" if helpers_cpu else ""
        print(f"ingest: {seconds:.2f} s, {args.rows / seconds:,.0f} rows/s (CPU time {cpu:.2f} s{helpers})")
        print(f"write_clean (4 parquet tables + quality.xlsx, {quality_kb:,.0f} KB): {write_seconds:.2f} s "
              f"(CPU time {write_cpu:.2f} s); ingest + write_clean: {seconds + write_seconds:.2f} s "
              f"(CPU time {cpu + write_cpu:.2f} s), peak RSS {total_peak_mb:,.0f} MB")
        print(f"accepted {len(intake.children):,}, rejected {int(intake.summary['rejected'].sum()):,}, "
              f"findings {len(intake.findings):,}")
        print(f"peak RSS: {peak_mb:,.0f} MB" + (f" (a helper process: {helpers_peak_mb:,.0f} MB at most)"
                                                 if helpers_cpu else ""))
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
