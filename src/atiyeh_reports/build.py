"""The yearly build: clean the inputs, run the three notebooks, render, record.

:func:`build_year` reads top to bottom: validate parameters and data, ingest,
then for each report either reuse the previous output (when nothing it depends
on changed) or execute its notebook with papermill and render it to HTML and
PDF; write the notification workbook, the internal workbooks and the manifest.
Everything is written to a staging folder beside the output folder and moved
into place only when every step succeeded, so a failed build leaves the
previous outputs of that year as they were.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from atiyeh_reports import __version__, layout, outdir
from atiyeh_reports.api import YearData, check_data_dir, load_year, raw_inputs
from atiyeh_reports.errors import BuildError, InputError, MissingDataError
from atiyeh_reports.intake.inventory import inventory, missing_lines, provinces_without_data
from atiyeh_reports.params import Params, load_params, params_json
from atiyeh_reports.provenance import (
    build_time,
    code_fingerprint,
    digest_of,
    file_hashes,
    git_commit,
    relative_to_params,
    sha256_file,
)

NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
MANIFEST = "manifest.json"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Report:
    """One report: its notebook, its Persian title, and the parameter sections it reads.

    A report is rebuilt only when its notebook, the code, the year's inputs or
    one of its ``sections`` of the parameters changed.
    """

    name: str
    title: str
    sections: tuple[str, ...]


_COMMON = ("year", "language", "data_dir", "history_years", "service", "eligibility", "privacy")
REPORTS: tuple[Report, ...] = (
    Report("analysis", "گزارش تحلیل سالانه عملکرد بیمه", (*_COMMON, "thresholds")),
    Report("allocation", "جدول ابلاغ اعتبار به استان‌ها", (*_COMMON, "budget")),
    Report("evaluation", "گزارش ارزیابی عملکرد طرح", (*_COMMON, "thresholds", "insurer")),
)


@dataclass
class BuildResult:
    out_dir: Path
    written: list[Path] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build_year(
    params_path: Path,
    *,
    data_dir: Path | None = None,
    out_dir: Path | None = None,
    notebook_dir: Path = NOTEBOOK_DIR,
    progress: Progress = print,
    accept_unreadable: bool = False,
    expected_year: int | None = None,
    accept_missing: bool = False,
) -> BuildResult:
    """Build a year's reports into ``out_dir`` (default ``outputs/<year>``)."""
    started = time.monotonic()
    params = load_params(params_path, expected_year=expected_year)  # --year must match: exit 2
    if data_dir is not None:
        params = params.model_copy(update={"data_dir": Path(data_dir).resolve()})
    out_dir = Path(out_dir or Path("outputs") / str(params.year))
    # Before any long work: the folder is ours and writable; lock it; clear a killed build's leftovers.
    with outdir.claim(out_dir) as claim:
        return _build_claimed(claim, params, params_path, notebook_dir, progress, accept_unreadable, started,
                              accept_missing=accept_missing)


def _build_claimed(claim: outdir.Claim, params: Params, params_path: Path, notebook_dir: Path,
                   progress: Progress, accept_unreadable: bool, started: float, *,
                   accept_missing: bool = False) -> BuildResult:
    out_dir = claim.out_dir
    check_data_dir(params.data_dir, params.year)

    progress(f"ingesting {params.year} from {params.data_dir}")
    data = load_year(params_path, data_dir=params.data_dir)
    for line in inventory(params.data_dir, params.year).lines():
        progress(line)
    _raise_for_unreadable(data, accept_unreadable)
    _raise_for_missing(data, accept_missing, progress)

    previous = _read_manifest(out_dir)
    inputs = _input_hashes(params)
    staging = claim.staging  # beside out_dir, umask permissions (not mkdtemp's 0700)
    result = BuildResult(out_dir=out_dir)
    try:
        reports = {}
        for number, report in enumerate(REPORTS, 1):
            key = _report_key(report, params, inputs, notebook_dir)
            tag = f"[{number}/{len(REPORTS)}] {report.name}"
            if _reusable(previous, out_dir, report, key):
                _copy_outputs(previous, out_dir, staging, report.name)
                progress(f"{tag}: unchanged, reused")
                result.reused.append(report.name)
            else:
                _execute(report, params, notebook_dir, staging, progress, tag)
                _render(report, params, staging, inputs)
                if report.name == "allocation":
                    _write_allocation_workbook(data, staging)
                result.executed.append(report.name)
            reports[report.name] = {"key": key, "outputs": _outputs_of(staging, report.name)}
        _write_internal(data, staging)
        _write_manifest(staging, params, params_path, inputs, reports, data)
        claim.publish()
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    result.written = sorted(p for p in out_dir.rglob("*") if p.is_file())
    result.seconds = time.monotonic() - started
    return result


def _raise_for_unreadable(data: YearData, accept: bool) -> None:
    if data.unreadable and not accept:
        listed = "\n  ".join(data.unreadable)
        raise InputError(
            f"{len(data.unreadable)} returned form(s) of {data.year} could not be read:\n  {listed}\n"
            "fix or replace them (see the quality report), or pass --accept-unreadable to build "
            "without those provinces"
        )


def _raise_for_missing(data: YearData, accept: bool, progress: Progress) -> None:
    """Refuse (exit 5) to allocate zero to provinces without data, or to build on no policies,
    unless ``accept``; then say it on the terminal (the reports say it too: no_data_note_fa)."""
    missing = missing_lines(data)
    no_policies = len(data.policies) == 0
    if not missing and not no_policies:
        return
    told = []
    if missing:
        told.append(f"{len(missing)} province(s) of {data.year} have no accepted child and would be "
                    "allocated 0 Rials:\n  " + "\n  ".join(missing))
    if no_policies:
        told.append(f"the insurer's export of {data.year} has no policies (missing, unreadable or "
                    "empty): the evaluation would reconcile nothing")
    if not accept:
        raise MissingDataError(
            "\n".join(told) + "\nfix the inputs (see the quality report), or pass --accept-missing to "
            "build anyway; every report then names what is missing"
        )
    for text in told:
        progress(f"accepted (--accept-missing): {text}")


def _input_hashes(params: Params) -> list[dict[str, object]]:
    files = raw_inputs(params.data_dir, params.year)
    for past in params.history_years:
        files += raw_inputs(params.data_dir, past)
    return file_hashes(files, params.data_dir)


def _report_key(report: Report, params: Params, inputs: list[dict[str, object]], notebook_dir: Path) -> str:
    dumped = json.loads(params_json(params))
    relevant = {k: dumped[k] for k in report.sections}
    notebook = notebook_dir / f"{report.name}.ipynb"
    return digest_of(
        __version__,
        code_fingerprint(),
        sha256_file(notebook) if notebook.is_file() else "missing",
        json.dumps(relevant, sort_keys=True, ensure_ascii=False),
        json.dumps(inputs, sort_keys=True),
    )


def _read_manifest(out_dir: Path) -> dict | None:
    try:
        return json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _reusable(previous: dict | None, out_dir: Path, report: Report, key: str) -> bool:
    if not previous:
        return False
    entry = previous.get("reports", {}).get(report.name)
    if not entry or entry.get("key") != key:
        return False
    return all(
        (out_dir / o["path"]).is_file() and sha256_file(out_dir / o["path"]) == o["sha256"]
        for o in entry["outputs"]
    )


def _copy_outputs(previous: dict, out_dir: Path, staging: Path, name: str) -> None:
    for output in previous["reports"][name]["outputs"]:
        target = staging / output["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(out_dir / output["path"], target)


class _CellProgress(logging.Handler):
    """Turns papermill's 'Executing Cell N' log lines into progress messages."""

    def __init__(self, progress: Progress, tag: str, total: int) -> None:
        super().__init__(logging.INFO)
        self.progress, self.tag, self.total = progress, tag, total

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Executing Cell"):
            number = message.removeprefix("Executing Cell").strip(" -")
            self.progress(f"{self.tag}: cell {number}/{self.total}")


def _execute(report: Report, params: Params, notebook_dir: Path, staging: Path,
             progress: Progress, tag: str) -> Path:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = notebook_dir / f"{report.name}.ipynb"
    if not source.is_file():
        raise BuildError(f"notebook {source} not found")
    target = staging / f"{report.name}.ipynb"
    total = len(nbformat.read(source, as_version=4).cells) + 1  # papermill adds the injected parameters
    logger = logging.getLogger("papermill")
    handler = _CellProgress(progress, tag, total)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    progress(f"{tag}: executing {source.name}")
    try:
        papermill.execute_notebook(
            str(source),
            str(target),
            parameters={"params_path": str(Path(params.source).resolve()), "data_dir": str(params.data_dir)},
            cwd=str(notebook_dir),
            kernel_name="python3",
            progress_bar=False,
            log_output=True,
            request_save_on_cell_execute=False,
            # The kernel's own start-up and shutdown chatter is not progress.
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        failed = target.parent.parent / f"{report.name}.failed.ipynb"
        if target.is_file():
            shutil.copy2(target, failed)
        first_line = (exc.source or "").strip().splitlines()[:1]
        raise BuildError(
            f"notebook {source.name}, cell {_source_cell_number(target, exc.cell_index)} "
            f"({first_line[0] if first_line else ''!s}) raised {exc.ename}: {exc.evalue}\n"
            f"the executed notebook is kept at {failed}; earlier outputs were left as they were"
        ) from None
    finally:
        logger.removeHandler(handler)
    _strip_volatile_metadata(target)
    return target


def _source_cell_number(executed: Path, index: int) -> int:
    """The 1-based number of executed cell ``index`` in the source notebook (without the injected cell)."""
    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return index + 1
    injected = sum(
        1 for cell in cells[:index] if "injected-parameters" in cell.metadata.get("tags", [])
    )
    return index + 1 - injected


def _strip_volatile_metadata(path: Path) -> None:
    """Drop run timestamps and absolute paths from an executed notebook, for reproducible bytes."""
    nb = nbformat.read(path, as_version=4)
    pm = nb.metadata.get("papermill", {})
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        pm.pop(key, None)
    pm.pop("parameters", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell_pm = cell.metadata.get("papermill")
        if cell_pm:
            for key in ("start_time", "end_time", "duration"):
                cell_pm.pop(key, None)
        if cell.cell_type == "code" and "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "# Parameters injected by the build: see manifest.json"
            cell.id = "injected-parameters"  # papermill draws a random id
    nbformat.write(nb, path)


def _render(report: Report, params: Params, staging: Path, inputs: list[dict[str, object]]) -> None:
    from atiyeh_reports.jalali import format_jalali_fa
    from atiyeh_reports.render import ReportMeta, report_html, write_pdf

    nb = nbformat.read(staging / f"{report.name}.ipynb", as_version=4)
    built = build_time()
    meta = ReportMeta(
        title=report.title,
        service_name=params.service.name_fa,
        service_id=params.service.id,
        year=params.year,
        built_jalali=format_jalali_fa(built.date()),
        provenance=_provenance_rows(params, inputs),
    )
    page = report_html(nb, meta)
    (staging / f"{report.name}.html").write_text(page, encoding="utf-8")
    write_pdf(page, staging / f"{report.name}.pdf")


def _provenance_rows(params: Params, inputs: list[dict[str, object]]) -> tuple[tuple[str, str], ...]:
    from atiyeh_reports.jalali import format_jalali_fa
    from atiyeh_reports.text import to_persian_digits

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


def _write_allocation_workbook(data: YearData, staging: Path) -> None:
    from atiyeh_reports import budget, notify

    table = budget.allocation_table(data.params, data.children, data.performance)
    notify.write_allocation_workbook(data.params, table, staging / "allocation.xlsx")


def _write_internal(data: YearData, staging: Path) -> None:
    """Workbooks with names and IDs, for HQ only: under ``internal/``."""
    from atiyeh_reports import insurer

    internal = staging / "internal"
    internal.mkdir(exist_ok=True)
    clean = layout.clean_dir(data.params.data_dir, data.year)
    shutil.copy2(clean / "quality.xlsx", internal / "quality.xlsx")
    rec = insurer.reconcile_year(data)
    insurer.write_reconciliation_workbook(rec, internal / "reconciliation.xlsx")
    (internal / "README.txt").write_text(
        "These workbooks contain children's names and national IDs. They are for HQ staff only:\n"
        "do not attach, send or publish them. The reports one folder up carry no names or IDs.\n",
        encoding="utf-8",
    )


def _outputs_of(staging: Path, name: str) -> list[dict[str, object]]:
    paths = [p for p in staging.iterdir() if p.is_file() and p.stem == name and p.suffix in {".ipynb", ".html", ".pdf", ".xlsx"}]
    return file_hashes(paths, staging)


def _write_manifest(staging: Path, params: Params, params_path: Path, inputs: list[dict[str, object]],
                    reports: dict[str, dict], data: YearData) -> None:
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
        "params": json.loads(params_json(params)),
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
        "reports": reports,
        "outputs": outputs,
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
