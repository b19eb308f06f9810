"""How often one build hashes the raw inputs, computes the allocation and reads HQ's record.

Every process of the build (the build itself, its kernels and renderers) logs these events
through a ``sitecustomize`` put on ``PYTHONPATH`` for this run only; the package itself has no
counting code. The target is one each: a raw input hashed once, the year's allocation computed
once, each year's HQ record read once.

Usage::

    .venv/bin/python benchmarks/bench_counts.py               # writes its section of docs/benchmarks.md
    .venv/bin/python benchmarks/bench_counts.py --out /tmp/x.md
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
YEAR = 1404
BEGIN, END = "<!-- counts: begin -->", "<!-- counts: end -->"

SITECUSTOMIZE = r'''
import json, os, sys
_LOG = os.environ["ATIYEH_BENCH_EVENTS"]

def _log(kind, what):
    with open(_LOG, "a", encoding="utf-8") as f:
        f.write(json.dumps({"pid": os.getpid(), "kind": kind, "what": str(what)}) + "\n")

def _wrap(module, name, kind, describe):
    real = getattr(module, name)
    def wrapper(*args, **kwargs):
        _log(kind, describe(*args, **kwargs))
        return real(*args, **kwargs)
    wrapper.__wrapped__ = real
    setattr(module, name, wrapper)

import importlib
prov = importlib.import_module("atiyeh_reports.core.provenance")
_wrap(prov, "sha256_file", "hash", lambda path, *a, **k: path)
reader = importlib.import_module("atiyeh_reports.allocation.record_read")
_wrap(reader, "_read_bytes", "hq_record", lambda path, *a, **k: path)  # every read of a record's bytes
for name in ("atiyeh_reports.allocation.allocate", "atiyeh_reports.allocation.budget"):
    try:
        mod = importlib.import_module(name)
    except ImportError:
        continue
    if "allocation_table" in mod.__dict__ and getattr(mod.allocation_table, "__module__", "") == name:
        _wrap(mod, "allocation_table", "allocation",
              lambda params, *a, **k: f"released_share={params.budget.released_share}")
        break
'''


def count(params: Path, data: Path, work: Path) -> dict[str, object]:
    hook = work / "hook"
    hook.mkdir(parents=True)
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = work / "events.jsonl"
    env = {**os.environ, "ATIYEH_BENCH_EVENTS": str(log),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH", "")]))}
    out = work / "outputs" / str(YEAR)
    done = subprocess.run([str(BIN / "atiyeh"), "build", "--year", str(YEAR), "--params", str(params),
                           "--data", str(data), "--out", str(out)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"build failed ({done.returncode}):\n{done.stderr[-3000:]}")
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    raw_root = data.resolve()
    raw = collections.Counter(e["what"] for e in events if e["kind"] == "hash"
                              and Path(e["what"]).resolve().is_relative_to(raw_root)
                              and any(p in Path(e["what"]).parts for p in ("provinces", "insurer")))
    records = collections.Counter(e["what"] for e in events if e["kind"] == "hq_record")
    allocations = collections.Counter(e["what"] for e in events if e["kind"] == "allocation")
    processes = len({e["pid"] for e in events})
    own = f"released_share={_released_share(params)}"
    return {
        "raw_files": len(raw), "raw_hashes": sum(raw.values()), "raw_max": max(raw.values(), default=0),
        "records": dict(records), "allocation_own": allocations.get(own, 0),
        "allocation_scenarios": sum(v for k, v in allocations.items() if k != own),
        "processes": processes,
    }


def _released_share(params: Path) -> object:
    from atiyeh_reports.core.params import load_params

    return load_params(params).budget.released_share


def section(c: dict[str, object]) -> str:
    records = c["records"]
    rec_lines = "; ".join(f"`{Path(k).parent.parent.name}/{Path(k).parent.name}/{Path(k).name}` read "
                          f"{v}×" for k, v in sorted(records.items())) or "none"
    ok = c["raw_max"] == 1 and c["allocation_own"] == 1 and all(v == 1 for v in records.values())
    return "\n".join([
        BEGIN,
        "## What one build computes, and how often (target: once each)",
        "",
        f"A full build of {YEAR} (three reports and the province pack) from the sample, counted in every "
        f"process that logged an event ({c['processes']}): `benchmarks/bench_counts.py`.",
        "",
        "| what | count | target |",
        "|---|---:|---:|",
        f"| raw input files hashed (forms and insurer exports of {YEAR} and its history years) | "
        f"{c['raw_files']} files, {c['raw_hashes']} hashings (at most {c['raw_max']} per file) | 1 per file |",
        f"| the year's allocation table computed | {c['allocation_own']} | 1 |",
        f"| HQ's record read (one per year loaded: each year's record of the year before) | {rec_lines} | 1 per file |",
        f"| allocation tables of the sensitivity scenarios (other released shares; the allocation "
        f"report's own table) | {c['allocation_scenarios']} | as many as scenarios |",
        "",
        f"Verdict: {'met' if ok else 'NOT met'}.",
        END,
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="atiyeh-counts-") as tmp:
        work = Path(tmp)
        data = work / "data"
        shutil.copytree(ROOT / "data" / "sample", data, ignore=shutil.ignore_patterns("clean"))
        params = work / "params"
        shutil.copytree(ROOT / "params", params)
        for f in params.glob("*.yaml"):
            text = f.read_text(encoding="utf-8")
            f.write_text("\n".join(line for line in text.splitlines() if not line.startswith("data_dir:"))
                         + f"\ndata_dir: {data}\n", encoding="utf-8")
        c = count(params / f"{YEAR}.yaml", data, work)
    text = section(c)
    print(text)
    old = args.out.read_text(encoding="utf-8") if args.out.is_file() else ""
    if BEGIN in old and END in old:
        new = old[: old.index(BEGIN)] + text + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    args.out.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    main()
