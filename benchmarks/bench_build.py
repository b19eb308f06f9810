"""Every figure of the build engine's targets, measured in one run; writes docs/benchmarks.md.

Usage::

    .venv/bin/python benchmarks/bench_build.py              # what `make bench` runs
    .venv/bin/python benchmarks/bench_build.py --runs 1 --skip-ingest-1m --out /tmp/b.md

Figures (each ``--runs`` times; min and median reported):

* **floor**: per report, start a kernel, run the notebook's import lines in it,
  shut it down, then WeasyPrint on the very page the build prints; summed over
  the three reports (WeasyPrint's import counted once).
* **naive chain**: per report, ``papermill`` CLI → ``jupyter nbconvert --to html``
  → ``weasyprint`` CLI, one after the other, without the build's snapshot.
* **full build** of the three reports from clean tables (``atiyeh build`` into an
  empty folder; the build loads the year and computes its results once itself).
* **no-op** ``atiyeh build`` (nothing changed), process start included.
* **one changed parameter section** (``budget``): which reports ran, and the time.
* **throughput**: the 31 province cards of ``notebooks/card.ipynb`` on the warm
  workers (two kernel workers and two renderers on this machine); the same with
  ``processes=1`` (one kernel worker and one renderer).
* **province pack**: a build where only the pack runs (the reports reused): 31
  letters and 31 cards; the same with ``--workers 1``; and the whole build
  (three reports and the pack) from clean tables.
* The engine's own figures (full, no-op, changed section) build the three
  reports without the pack (``--no-pack``).
* **ingest**: ``benchmarks/bench_ingest.py`` at 10,000 and 1,000,000 rows (reported as it prints).

Ratios are taken between medians of the same run, so a loaded machine slows
both sides alike.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
NOTEBOOKS = ROOT / "notebooks"
REPORTS = ("analysis", "allocation", "evaluation")
YEAR = 1404
EPOCH = "1764000000"
NO_PACK = "--no-pack"  # the engine's figures are the three reports; the pack is measured on its own


def _env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}


def _timed(cmd: list[str], **kwargs: object) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, env=_env(), **kwargs)  # noqa: S603
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return seconds, done


def _build(params: Path, data: Path, out: Path, *extra: str) -> tuple[float, str]:
    seconds, done = _timed([str(BIN / "atiyeh"), "build", "--year", str(YEAR), "--params", str(params),
                            "--data", str(data), "--out", str(out), *extra])
    summary = next((line for line in done.stderr.splitlines() if line.startswith("built ")), "")
    return seconds, summary


def _write_snapshot(params: Path, data: Path, folder: Path) -> Path:
    """The year with its results, as a build writes it for its notebooks (in its own folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    _timed([sys.executable, "-c",
            "import sys; from pathlib import Path; from atiyeh_reports.year.load import load_year, write_snapshot; "
            "y = load_year(sys.argv[1], data_dir=sys.argv[2]); y.evaluation; y.allocation; "
            "write_snapshot(y, Path(sys.argv[3]))",
            str(params), str(data), str(folder)])
    return folder / "snapshot.pickle"


# --- the floor --------------------------------------------------------------------------------
_FLOOR = r'''
import json, sys, time, logging
from pathlib import Path
from jupyter_client.manager import KernelManager
built, notebooks = Path(sys.argv[1]), Path(sys.argv[2])
sys.path.insert(0, str(Path(sys.argv[3])))
from atiyeh_reports.pipeline.engine.workers import warm_imports
total = {"kernel_and_imports": 0.0, "weasyprint": 0.0}
t = time.perf_counter()
from weasyprint import HTML
import nbformat
from atiyeh_reports.present.render import print_images
logging.getLogger("weasyprint").setLevel(logging.ERROR); logging.getLogger("fontTools").setLevel(logging.ERROR)
total["weasyprint"] += time.perf_counter() - t
for name in ("analysis", "allocation", "evaluation"):
    t = time.perf_counter()
    km = KernelManager(kernel_name="python3")
    km.start_kernel(cwd=str(notebooks), extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    kc = km.blocking_client(); kc.start_channels(); kc.wait_for_ready(timeout=120)
    reply = kc.execute_interactive(warm_imports([notebooks / f"{name}.ipynb"]), timeout=300,
                                   output_hook=lambda m: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    kc.stop_channels(); km.shutdown_kernel(now=True)
    total["kernel_and_imports"] += time.perf_counter() - t
    page = print_images((built / f"{name}.html").read_text(encoding="utf-8"),
                        nbformat.read(built / f"{name}.ipynb", as_version=4))
    page = page.replace("</head>", "<style>img.print-png { image-resolution: 200dpi; }</style></head>", 1)
    t = time.perf_counter()
    HTML(string=page, base_url=str(built)).write_pdf(built / f".floor-{name}.pdf")
    total["weasyprint"] += time.perf_counter() - t
print(json.dumps(total))
'''


def floor(built: Path) -> tuple[float, dict[str, float]]:
    seconds, done = _timed([sys.executable, "-c", _FLOOR, str(built), str(NOTEBOOKS), str(ROOT / "src")])
    parts = json.loads(done.stdout.strip().splitlines()[-1])
    return parts["kernel_and_imports"] + parts["weasyprint"], parts


def naive_chain(params: Path, data: Path, work: Path) -> float:
    start = time.perf_counter()
    for name in REPORTS:
        executed = work / f"{name}.ipynb"
        _timed([str(BIN / "papermill"), str(NOTEBOOKS / f"{name}.ipynb"), str(executed),
                "-p", "params_path", str(params), "-p", "data_dir", str(data), "--cwd", str(NOTEBOOKS),
                "--no-progress-bar", "-k", "python3"])
        _timed([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)])
        _timed([str(BIN / "weasyprint"), str(work / f"{name}.html"), str(work / f"{name}.pdf")])
    return time.perf_counter() - start


# --- throughput -------------------------------------------------------------------------------
def throughput(params: Path, data: Path, out: Path, processes: int | None, snapshot: Path) -> float:
    code = r'''
import sys, time
from pathlib import Path
from atiyeh_reports.pipeline.engine.workers import Job, Workers, warm_imports
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.present.render import ReportMeta
card, params, data, out, n, snap = (Path(sys.argv[1]), sys.argv[2], sys.argv[3], Path(sys.argv[4]),
                                    sys.argv[5], sys.argv[6])
from atiyeh_reports.pipeline.pack import stem
start = time.perf_counter()
jobs = []
for p in provinces():
    meta = ReportMeta(title=f"کارنامهٔ استان {p.name_fa}", service_name="حمایت بیمه تأمین آتیه فرزندان",
                      service_id="19041060106", year=1404, built_jalali="۱۴۰۴", provenance=(("استان", p.code),),
                      compact=True)
    jobs.append(Job(name=stem(p.code), notebook=card,
                    parameters={"params_path": params, "data_dir": data, "province": p.code, "snapshot": snap},
                    out_dir=out, meta=meta, quiet=True))
with Workers(card.parent, warm=warm_imports([card]), processes=int(n) or None, expected_jobs=len(jobs)) as pool:
    outcomes = pool.run(jobs)
bad = [o.error for o in outcomes if not o.ok]
assert not bad and len(list(out.glob("*.pdf"))) == 31, bad
print(time.perf_counter() - start)
'''
    out.mkdir(parents=True, exist_ok=True)
    seconds, done = _timed([sys.executable, "-c", code, str(NOTEBOOKS / "card.ipynb"), str(params),
                            str(data), str(out), str(processes or 0), str(snapshot)])
    return seconds


# --- the run ----------------------------------------------------------------------------------
def _stats(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f}"


def _machine() -> str:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _ingest(rows: int) -> str:
    _, done = _timed([sys.executable, str(ROOT / "benchmarks" / "bench_ingest.py"), "--rows", str(rows)])
    return "; ".join(line for line in done.stdout.splitlines() if line.startswith(("ingest:", "peak RSS")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--skip-ingest-1m", action="store_true", help="leave out the 1,000,000-row ingest")
    parser.add_argument("--skip-serial", action="store_true", help="leave out the serial 31-document run")
    args = parser.parse_args()
    data = args.data.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench_build_"))
    loads = [_load()]
    try:
        folder = work / "params"
        folder.mkdir()
        for year in (1402, 1403, 1404):
            text = (ROOT / "params" / f"{year}.yaml").read_text(encoding="utf-8")
            (folder / f"{year}.yaml").write_text(text, encoding="utf-8")
        params = folder / "1404.yaml"
        print("warming up (first build: ingest if needed) ...", flush=True)
        _build(params, data, work / "warm" / "1404")
        figures: dict[str, list[float]] = {k: [] for k in ("floor", "naive", "full", "noop", "changed",
                                                             "cards", "cards_serial", "pack", "pack_serial",
                                                             "whole")}
        floor_parts: list[dict[str, float]] = []
        changed_ran: set[str] = set()
        for run in range(args.runs):
            print(f"run {run + 1}/{args.runs} (load {_load()})", flush=True)
            out = work / f"full{run}" / "1404"
            seconds, summary = _build(params, data, out, NO_PACK)
            assert "reused none" in summary, summary
            figures["full"].append(seconds)
            before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
            for _ in range(2):
                seconds, summary = _build(params, data, out, NO_PACK)
                assert "executed none" in summary, summary
                figures["noop"].append(seconds)
            assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before, "the no-op rewrote a file"
            # the cards read the year's snapshot, as in the province pack
            snapshot = _write_snapshot(params, data, work / f"snapshot{run}")
            figures["cards"].append(throughput(params, data, work / f"cards{run}", None, snapshot))
            text = params.read_text(encoding="utf-8")
            # a value other than the file's own, different in every run
            own = float(re.search(r"released_share:\s*([0-9.]+)", text).group(1))
            share = f"{own - 0.05 * (run + 1):.2f}"
            params.write_text(re.sub(r"(released_share:\s*)[0-9.]+", rf"\g<1>{share}", text, count=1),
                              encoding="utf-8")
            seconds, summary = _build(params, data, out, NO_PACK)
            assert "reused none" not in summary and "executed none" not in summary, summary
            figures["changed"].append(seconds)
            changed_ran.add(summary.split("executed ", 1)[1].split(";", 1)[0])
            params.write_text(text, encoding="utf-8")
            # The province pack alone: the reports are reused, the 31 letters and 31 cards are made.
            _build(params, data, out, NO_PACK)
            serial = work / f"serial{run}" / "1404"
            shutil.copytree(out, serial)
            seconds, summary = _build(params, data, out)
            assert "executed pack;" in summary, summary
            figures["pack"].append(seconds)
            if run == 0 and not args.skip_serial:
                seconds, summary = _build(params, data, serial, "--workers", "1")
                assert "executed pack;" in summary, summary
                figures["pack_serial"].append(seconds)
            # What `make report` does from clean tables: the three reports and the pack.
            seconds, summary = _build(params, data, work / f"whole{run}" / "1404")
            assert "reused none" in summary, summary
            figures["whole"].append(seconds)
            total, parts = floor(work / f"full{run}" / "1404")
            figures["floor"].append(total)
            floor_parts.append(parts)
            naive = work / f"naive{run}"
            naive.mkdir()
            figures["naive"].append(naive_chain(params, data, naive))
            loads.append(_load())
        if not args.skip_serial:
            print("31 documents on one worker ...", flush=True)
            snapshot = _write_snapshot(params, data, work / "snapshot-serial")
            figures["cards_serial"].append(throughput(params, data, work / "cards-serial", 1, snapshot))
        ingest = {10_000: _ingest(10_000)}
        if not args.skip_ingest_1m:
            print("ingest 1,000,000 rows ...", flush=True)
            ingest[1_000_000] = _ingest(1_000_000)
        loads.append(_load())
        write_report(args.out, args, figures, floor_parts, changed_ran, ingest, loads)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_report(path: Path, args: argparse.Namespace, f: dict[str, list[float]],
                 floor_parts: list[dict[str, float]], changed_ran: set[str], ingest: dict[int, str],
                 loads: list[str]) -> None:
    med = {k: statistics.median(v) for k, v in f.items() if v}
    kernel = statistics.median(p["kernel_and_imports"] for p in floor_parts)
    weasy = statistics.median(p["weasyprint"] for p in floor_parts)

    def verdict(ok: bool) -> str:
        return "met" if ok else "**missed**"

    rows = [
        ("floor (kernel + imports, then WeasyPrint, per report, summed)", f["floor"], "1.00", "", ""),
        ("naive chain (papermill CLI → nbconvert → weasyprint CLI)", f["naive"],
         f"{med['naive'] / med['floor']:.2f}", "", ""),
        ("**full build**, three reports, HTML + PDF, from clean tables", f["full"],
         f"{med['full'] / med['floor']:.2f}", "≤ 0.9× floor; < 10 s idle",
         verdict(med["full"] <= 0.9 * med["floor"])),
        ("**no-op** `atiyeh build`, process start included", f["noop"], "", "< 1 s",
         verdict(max(f["noop"]) < 1.0)),
        ("**one changed section** (`budget`)", f["changed"], f"{med['changed'] / med['floor']:.2f}",
         "only the reports that read it", verdict(changed_ran == {"allocation"})),
        ("**31 documents** (the province card, `notebooks/card.ipynb`), warm workers", f["cards"], "", "< 30 s",
         verdict(med["cards"] < 30)),
    ]
    if f["cards_serial"]:
        rows.append(("31 cards on one worker (one kernel and one renderer), 1 run", f["cards_serial"], "", "", ""))
    rows.append(("**province pack**: 31 letters (PDF + DOCX) and 31 cards (PDF + HTML), reports reused",
                 f["pack"], "", "< 45 s", verdict(med["pack"] < 45)))
    if f["pack_serial"]:
        rows.append(("province pack on one worker (`--workers 1`), 1 run", f["pack_serial"], "", "", ""))
    rows.append(("whole build (`make report` from clean tables: three reports + pack)", f["whole"],
                 f"{med['whole'] / med['floor']:.2f}", "", ""))
    table = "\n".join(
        f"| {name} | {_stats(values)} | {ratio} | {target} | {result} |" for name, values, ratio, target, result in rows
    )
    ingest_rows = "\n".join(f"| {n:,} rows | {text} |" for n, text in ingest.items())
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = f"""## The build engine (`make bench`)

Written by `benchmarks/bench_build.py` ({args.runs} runs, {now}). Command: `make bench`
(= `.venv/bin/python benchmarks/bench_build.py`). Machine: {_machine()}.
Load average at the start, after each run and at the end: {", ".join(loads)} (the benchmark's
own processes make a load of 2 to 4: two kernels and two renderers; a load above that means other
jobs shared the machine, and absolute times are then slower and noisier). The ratios, taken between medians of the same run, are what counts.

Times are wall seconds, min / median of {args.runs} runs. Ratios are to the floor's median.
The full build is {med['full'] / med['naive']:.2f}× the naive chain of the same run.
Reports run again after the `budget` change: {", ".join(sorted(changed_ran)) or "none"}.

| figure | seconds (min / median) | × floor | target | result |
|---|---:|---:|---|---|
{table}

Floor parts (median): kernel start, imports and shutdown {kernel:.2f} s for the three notebooks;
WeasyPrint (its import once, then the three pages the build prints) {weasy:.2f} s.
31 documents: the median is {med['cards'] / 31:.2f} s per document on the warm workers
{f"against {med['cards_serial'] / 31:.2f} s on one worker" if f["cards_serial"] else ""}.

### Ingest (`benchmarks/bench_ingest.py`, times `intake.ingest`; the column-wise intake is described under "Intake" below)

| size | result |
|---|---|
{ingest_rows}
"""
    old = path.read_text(encoding="utf-8") if path.is_file() else "# Benchmarks\n"
    start = old.find("## The build engine (`make bench`)")
    if start >= 0:
        end = old.find("\n## ", start + 10)
        old = old[:start] + old[end + 1:] if end >= 0 else old[:start]
    head, sep, rest = old.partition("\n## ")
    path.write_text(f"{head.rstrip()}\n\n{section}\n{sep.strip()} {rest}".rstrip() + "\n", encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
