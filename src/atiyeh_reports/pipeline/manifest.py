"""What a build was made from and what it wrote: the inputs' hashes, each report's key (what
decides it is current), the provenance rows every document carries, and ``manifest.json``."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from atiyeh_reports import __version__
from atiyeh_reports.core.provenance import (
    build_time,
    code_fingerprint,
    digest_of,
    file_hashes,
    git_commit,
    recorded_path,
    relative_to_params,
    sha256_file,
)
from atiyeh_reports.core.reports import CARD_TITLE, PACK, Report
from atiyeh_reports.pipeline.engine import fresh

MANIFEST = fresh.MANIFEST

if TYPE_CHECKING:
    from atiyeh_reports.core.params import Params
    from atiyeh_reports.year.data import YearData


def record_candidates(params: Params) -> list[Path]:
    """Where HQ's record of last year's allocation may be (hq_record); it is an input too."""
    from atiyeh_reports.allocation.record import record_candidates  # pandas: not on the no-op path

    return record_candidates(params)


def input_hashes(params: Params) -> list[dict[str, object]]:
    return fresh.input_hashes(params.data_dir, params.year, params.history_years,
                              records=record_candidates(params))


def report_key(report: Report, params: Params, inputs: list[dict[str, object]], notebook_dir: Path,
                notebook: str | None = None) -> str:
    from atiyeh_reports.core.params import params_json

    dumped = json.loads(params_json(params))
    relevant = {k: dumped[k] for k in report.sections}
    notebook = notebook_dir / f"{notebook or report.name}.ipynb"
    return digest_of(
        __version__,
        code_fingerprint(),
        sha256_file(notebook) if notebook.is_file() else "missing",
        json.dumps(relevant, sort_keys=True, ensure_ascii=False),
        json.dumps(inputs, sort_keys=True),
    )


def read_manifest(out_dir: Path) -> dict | None:
    return fresh.read_manifest(out_dir)


def reusable(previous: dict | None, out_dir: Path, report: Report, key: str) -> bool:
    if not previous:
        return False
    entry = previous.get("reports", {}).get(report.name)
    if not entry or entry.get("key") != key:
        return False
    return all(
        (out_dir / o["path"]).is_file() and sha256_file(out_dir / o["path"]) == o["sha256"]
        for o in entry["outputs"]
    )


def copy_outputs(previous: dict, out_dir: Path, staging: Path, name: str) -> None:
    for output in previous["reports"][name]["outputs"]:
        target = staging / output["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out_dir / output["path"], target)


def card_meta(params: Params, inputs: list[dict[str, object]], code: str):  # noqa: ANN202
    from atiyeh_reports.core.provinces import name_fa

    meta = report_meta(PACK, params, inputs)
    return replace(meta, title=f"{CARD_TITLE} {name_fa(code)}", compact=True)


def report_meta(report: Report, params: Params, inputs: list[dict[str, object]]):  # noqa: ANN202
    from atiyeh_reports.core.jalali import format_jalali_fa
    from atiyeh_reports.present.render import ReportMeta

    return ReportMeta(
        title=report.title,
        service_name=params.service.name_fa,
        service_id=params.service.id,
        year=params.year,
        built_jalali=format_jalali_fa(build_time().date()),
        provenance=provenance_rows(params, inputs),
    )


def provenance_rows(params: Params, inputs: list[dict[str, object]]) -> tuple[tuple[str, str], ...]:
    from atiyeh_reports.core.jalali import format_jalali_fa
    from atiyeh_reports.core.text import to_persian_digits

    source = Path(params.source) if params.source else None
    listed = digest_of(*(f"{i['path']}:{i['sha256']}" for i in inputs))
    return (
        ("پرونده پارامترها", f"{source.name if source else '-'}  sha256:{sha256_file(source)[:16] if source else '-'}"),
        ("داده‌های ورودی", f"{to_persian_digits(len(inputs))} پرونده؛ sha256 ترکیبی {listed[:16]} "
                           "(فهرست کامل در manifest.json)"),
        ("نسخه بسته", f"atiyeh_reports {__version__}"),
        ("کامیت", git_commit()),
        ("تاریخ ساخت", format_jalali_fa(build_time().date())),
        ("زمان ساخت (UTC)", build_time().isoformat()),
    )


def outputs_of(staging: Path, name: str) -> list[dict[str, object]]:
    if name == PACK.name:
        from atiyeh_reports.pipeline import pack as province_pack

        folders = (staging / province_pack.LETTERS, staging / province_pack.CARDS)
        return file_hashes(sorted(p for f in folders if f.is_dir() for p in f.iterdir() if p.is_file()), staging)
    paths = [p for p in staging.iterdir() if p.is_file() and p.stem == name and p.suffix in {".ipynb", ".html", ".pdf", ".xlsx", ".csv"}]
    return file_hashes(paths, staging)


def without_absolute_paths(dumped: dict, params_path: Path) -> dict:
    """The parameters as the manifest records them: a path the file gives as absolute
    (``checks.notified_record``) is recorded as :func:`~atiyeh_reports.core.provenance.recorded_path`."""
    checks = dumped.get("checks")
    if isinstance(checks, dict) and isinstance(checks.get("notified_record"), str) \
            and Path(checks["notified_record"]).is_absolute():
        checks["notified_record"] = recorded_path(checks["notified_record"], params_path)
    return dumped


def write_manifest(staging: Path, params: Params, params_path: Path, inputs: list[dict[str, object]],
                    reports: dict[str, dict], data: YearData, freshness: dict[str, object],
                    record_candidates: list[Path], internal: dict[str, object]) -> None:
    from atiyeh_reports.core.params import params_json
    from atiyeh_reports.intake.inventory import inventory, provinces_without_data

    outputs = file_hashes((p for p in staging.rglob("*") if p.is_file() and p.name != MANIFEST), staging)
    manifest = {
        "service_id": params.service.id,
        "year": params.year,
        "package_version": __version__,
        "git_commit": git_commit(),
        "code_fingerprint": code_fingerprint(),
        "built_at": build_time().isoformat(),
        # Paths relative to the parameter file: two clones of the same inputs write the same manifest.
        "params_file": Path(params_path).name,
        "params_sha256": sha256_file(Path(params_path)),
        "params": without_absolute_paths(json.loads(params_json(params)), params_path),
        "data_dir": relative_to_params(params.data_dir, params_path),
        "inputs": inputs,
        "intake": {
            "children_accepted": int(len(data.children)),
            "rows_read": int(data.summary["rows_read"].sum()) if len(data.summary) else 0,
            "rows_rejected": int(data.summary["rejected"].sum()) if len(data.summary) else 0,
            "unreadable": list(data.unreadable),
            "provinces_without_data": provinces_without_data(data),
            "not_read": inventory(params.data_dir, params.year).stamp(),
        },
        "notified_record": data.notified.manifest_entry(params_path) if data.notified else None,
        "reports": reports,
        "outputs": outputs,
        "freshness": freshness,
        # Where HQ's record was looked for; one outside the project is "<outside>/<name>" (README).
        "record_candidates": [recorded_path(p, params_path) for p in record_candidates],
        # Not shared: the internal tree (names and IDs), relative to this folder, and its files.
        "internal": internal,
    }
    from atiyeh_reports.core.text import json_escape_format_chars

    # a file name with U+202E in it is written as \u202e: shared, the manifest shows no reversed text
    (staging / MANIFEST).write_text(json_escape_format_chars(json.dumps(manifest, ensure_ascii=False, indent=2)),
                                    encoding="utf-8")
