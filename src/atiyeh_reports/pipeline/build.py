"""The yearly build: clean the inputs, run the three notebooks, render, record.

:func:`build_year` reads top to bottom: first decide from the manifest alone
whether anything changed (:mod:`atiyeh_reports.pipeline.engine.fresh`; when nothing
did, return without importing pandas, nbformat or WeasyPrint and without
rewriting a file). Otherwise validate parameters and data, decide per report
whether to reuse its previous output (nothing it depends on changed) or run
it, start warm workers for the reports to run
(:mod:`atiyeh_reports.pipeline.engine.workers`), load and reconcile the year once and
hand it to the notebooks as a snapshot, run the reports in parallel (each
executed with papermill and rendered to HTML and PDF in its worker), write the
notification workbook, the internal workbooks and the manifest meanwhile.
Everything is written to a staging folder beside the output folder and moved
into place only when every report succeeded, so a failed build leaves the
previous outputs of that year as they were; every failing report is named.

Nothing heavy is imported at module level: ``atiyeh build`` with nothing to
do must stay well under a second.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from atiyeh_reports.core import layout
from atiyeh_reports.core.provenance import (
    file_hashes,
)
from atiyeh_reports.errors import BuildError, InputError, MissingDataError
from atiyeh_reports.pipeline import manifest, outdir
from atiyeh_reports.pipeline.engine import fresh

if TYPE_CHECKING:
    from atiyeh_reports.core.params import Params
    from atiyeh_reports.pipeline.engine.workers import Job, Workers
    from atiyeh_reports.year.data import YearData

# The report notebooks are package data (in a checkout, atiyeh_reports/notebooks links to notebooks/).
NOTEBOOK_DIR = Path(str(resources.files("atiyeh_reports") / "notebooks")).resolve()
MANIFEST = fresh.MANIFEST

Progress = Callable[[str], None]


from atiyeh_reports.core.reports import _COMMON, CARD_TITLE, PACK, REPORTS, Report  # noqa: E402,F401


@dataclass
class BuildResult:
    out_dir: Path
    written: list[Path] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    executed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: the internal tree (names and IDs; not for sharing) and its files
    internal_dir: Path | None = None
    internal: list[Path] = field(default_factory=list)


def build_year(
    params_path: Path,
    *,
    data_dir: Path | None = None,
    out_dir: Path | None = None,
    notebook_dir: Path = NOTEBOOK_DIR,
    progress: Progress = print,
    accept_unreadable: bool = False,
    expected_year: int | None = None,
    workers: int | None = None,
    accept_missing: bool = False,
    internal_dir: Path | None = None,
    pack: bool = True,
) -> BuildResult:
    """Build a year's reports into ``out_dir`` (default ``outputs/<year>``).

    ``workers``: how many documents run at once (default: one per core).
    ``internal_dir``: where the workbooks with names and IDs go (default
    :func:`atiyeh_reports.core.layout.internal_dir` of ``out_dir``). ``pack``: also
    the province pack (31 letters, 31 cards, 31 follow-up workbooks).
    """
    started = time.monotonic()
    guessed = Path(out_dir) if out_dir else Path("outputs") / str(expected_year) if expected_year else None
    if guessed is not None:
        current = fresh.unchanged(params_path, guessed, notebook_dir, data_dir=data_dir,
                                  expected_year=expected_year, accept_unreadable=accept_unreadable,
                                  accept_missing=accept_missing, pack=pack,
                                  internal_dir=internal_dir or layout.internal_dir(guessed))
        if current is not None:
            recorded = (current.get("freshness") or {}).get("data_dir")
            data = Path(data_dir) if data_dir is not None else Path(params_path).absolute().parent / recorded
            outdir.check_apart(guessed, Path(internal_dir) if internal_dir else layout.internal_dir(guessed),
                               data_dir=data, params_file=params_path)
            if any(guessed.parent.glob(f".{guessed.name}.building-*")):
                with outdir.claim(guessed):  # locked: a killed build's staging folder is removed
                    pass
            return _unchanged(current, guessed, started, progress,
                              Path(internal_dir) if internal_dir else layout.internal_dir(guessed))
    return _full_build(params_path, data_dir=data_dir, out_dir=out_dir, notebook_dir=notebook_dir,
                       progress=progress, accept_unreadable=accept_unreadable,
                       expected_year=expected_year, workers=workers, started=started,
                       accept_missing=accept_missing, internal_dir=internal_dir, pack=pack)


def _unchanged(manifest: dict, out_dir: Path, started: float, progress: Progress,
               internal_dir: Path | None = None) -> BuildResult:
    names = [r.name for r in (*REPORTS, PACK) if r.name in manifest.get("reports", {})]
    for number, name in enumerate(names, 1):
        progress(f"[{number}/{len(names)}] {name}: unchanged, reused")
    result = BuildResult(out_dir=out_dir, reused=names)
    result.written = sorted(out_dir / o["path"] for o in manifest["outputs"]) + [out_dir / MANIFEST]
    internal = manifest.get("internal") or {}
    if internal_dir is not None and internal.get("outputs"):
        result.internal_dir = internal_dir
        result.internal = sorted(internal_dir / o["path"] for o in internal["outputs"])
    result.seconds = time.monotonic() - started
    return result


def _full_build(params_path: Path, *, data_dir: Path | None, out_dir: Path | None, notebook_dir: Path,
                progress: Progress, accept_unreadable: bool, expected_year: int | None,
                workers: int | None, started: float, accept_missing: bool = False,
                internal_dir: Path | None = None, pack: bool = True) -> BuildResult:
    from atiyeh_reports.core.params import load_params
    from atiyeh_reports.year.read import check_data_dir

    params = load_params(params_path, expected_year=expected_year)  # --year must match: exit 2
    if data_dir is not None:
        params = params.model_copy(update={"data_dir": Path(data_dir).resolve()})
    out_dir = Path(out_dir or Path("outputs") / str(params.year))
    # The internal tree's default follows the output folder as given (outputs/1404 -> internal/1404),
    # also when outputs/1404 is a link to a web server's folder: never beside the folder a link shares.
    internal = Path(internal_dir) if internal_dir else layout.internal_dir(out_dir)
    # Before anything is touched: neither folder overlaps the inputs or the other one.
    outdir.check_apart(out_dir, internal, data_dir=params.data_dir, params_file=params_path,
                       inputs=tuple(p for p in manifest.record_candidates(params) if p.is_file()))
    outdir.check_internal(internal)
    # Before any long work: the folder is ours and writable; lock it; clear a killed build's leftovers.
    with outdir.claim(out_dir) as claim:
        check_data_dir(params.data_dir, params.year)
        internal = outdir.follow_link(internal)  # a link is followed, as for --out; it stays a link
        return _build_claimed(claim, params, params_path, data_dir=data_dir, notebook_dir=notebook_dir,
                              progress=progress, accept_unreadable=accept_unreadable, workers=workers,
                              started=started, accept_missing=accept_missing, internal=internal, pack=pack)


def _build_claimed(claim: outdir.Claim, params: Params, params_path: Path, *, data_dir: Path | None,
                   notebook_dir: Path, progress: Progress, accept_unreadable: bool, workers: int | None,
                   started: float, accept_missing: bool = False, internal: Path, pack: bool = True
                   ) -> BuildResult:
    from atiyeh_reports.year.load import load_year, write_snapshot

    out_dir = claim.out_dir

    previous = manifest.read_manifest(out_dir)
    inputs = manifest.input_hashes(params)
    keys = {r.name: manifest.report_key(r, params, inputs, notebook_dir) for r in REPORTS}
    to_run = [r for r in REPORTS if not manifest.reusable(previous, out_dir, r, keys[r.name])]
    if pack:
        keys[PACK.name] = manifest.report_key(PACK, params, inputs, notebook_dir, notebook="card")
        if not manifest.reusable(previous, out_dir, PACK, keys[PACK.name]):
            to_run.append(PACK)
    pool = _start_workers(notebook_dir, to_run, workers)  # kernels warm up while the year loads
    stopped = True  # until the build got through: then the idle workers are let go gently
    try:
        progress(f"ingesting {params.year} from {params.data_dir}")
        # resolved: the notebooks read this year in their own working folder (the snapshot keeps the path)
        data = load_year(Path(params_path).resolve(), data_dir=params.data_dir, input_hashes=inputs)
        from atiyeh_reports.intake.inventory import inventory

        for line in inventory(params.data_dir, params.year).lines():
            progress(line)
        _raise_for_unreadable(data, accept_unreadable)
        _raise_for_missing(data, accept_missing, progress)
        for line in data.notified.told() if data.notified else ():
            progress(line)
        staging = claim.staging  # beside out_dir, umask permissions (not mkdtemp's 0700)
        internal_staging = outdir.stage_beside(internal)
        try:
            snapshot = None
            early: list = []  # documents already running (the analysis)
            if to_run:
                # A reconciliation matching under checks.min_match_share is an input problem (exit 3),
                # refused here before any notebook runs.
                from atiyeh_reports.insurer.reconciliation import check_match_share  # pandas: not on the no-op path

                check_match_share(data.reconciliation, data.params)
                folder = _private_folder(internal_staging)
                # The analysis reads the year's tables only: it starts now, on a snapshot of the year
                # as loaded, while the evaluation and the allocation are computed for the others.
                first = [r for r in to_run if r.name == "analysis"]
                if first and pool is not None:
                    year_only = write_snapshot(data, folder, name="year.pickle")
                    early = pool.submit([_job(first[0], params, notebook_dir, staging, inputs, _tag(first[0]),
                                              year_only)])
                # The year's results, computed here once; every other notebook reads them from the snapshot.
                data.evaluation  # noqa: B018 - the reconciliation, indicators and cross-checks with it
                data.allocation  # noqa: B018
                snapshot = write_snapshot(data, folder)
            result = _build_into(staging, out_dir, params, params_path, data, inputs, keys, previous,
                                 to_run, pool, notebook_dir, progress, data_dir_given=data_dir is not None,
                                 internal=internal, internal_staging=internal_staging, pack=pack,
                                 snapshot=snapshot, early=early)
            _publish(claim, internal_staging, internal)
            stopped = False
        except BaseException:
            if pool is not None:  # first: no worker writes into the staging folders any more
                pool.close(timeout=0)
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(internal_staging, ignore_errors=True)
            raise
    finally:
        if pool is not None:  # bounded: a failure or a signal (Ctrl-C, SIGTERM) does not wait for busy workers
            pool.close(timeout=0 if stopped else None)
    result.written = sorted(p for p in out_dir.rglob("*") if p.is_file() and p.name != outdir.MARKER)
    result.internal_dir = internal
    result.internal = sorted(p for p in internal.rglob("*") if p.is_file() and p.name != outdir.MARKER)
    result.seconds = time.monotonic() - started
    return result


def _publish(claim: outdir.Claim, internal_staging: Path, internal: Path) -> None:
    """Move both trees into place with Ctrl-C and SIGTERM held back, so that a signal never leaves
    a folder half swapped (the old one renamed away, the new one not yet in place). A signal
    that came meanwhile is acted on afterwards, marked ``published``: the outputs are complete.

    Held back by a handler that only notes the signal (Python runs handlers in the main thread
    whichever thread the signal reached, so blocking it in this thread alone would not do)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        claim.publish()
        outdir.swap_into_place(internal_staging, internal)
        return
    noted: list[int] = []
    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    for number in previous:
        signal.signal(number, lambda signum, frame: noted.append(signum))
    try:
        claim.publish()
        outdir.swap_into_place(internal_staging, internal)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler if handler is not None else signal.SIG_DFL)
    if noted:
        handler = previous[noted[0]]
        try:
            if callable(handler):
                handler(noted[0], None)  # the command's own handler: raises Interrupted
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), noted[0])
        except KeyboardInterrupt as exc:
            exc.published = True  # type: ignore[attr-defined]
            raise


def _build_into(staging: Path, out_dir: Path, params: Params, params_path: Path, data: YearData,
                inputs: list[dict[str, object]], keys: dict[str, str], previous: dict | None,
                to_run: list[Report], pool: Workers | None, notebook_dir: Path, progress: Progress,
                *, data_dir_given: bool, internal: Path, internal_staging: Path, pack: bool,
                snapshot: Path | None = None, early: list | None = None) -> BuildResult:
    from atiyeh_reports.pipeline import pack as province_pack

    early = list(early or [])
    started = {job.name for job, _ in early}
    result = BuildResult(out_dir=out_dir)
    tags = {r.name: _tag(r) for r in REPORTS}
    units = [*REPORTS, PACK] if pack else list(REPORTS)
    # The longest report first, so the others fill the second core around it; the cards after them.
    if any(r.name == "allocation" for r in to_run):  # before its PDF, which carries it as an attachment
        _write_allocation_workbook(data, staging)
    reports_run = [r for r in to_run if r is not PACK and r.name not in started]
    jobs = [_job(r, params, notebook_dir, staging, inputs, tags[r.name], snapshot)
            for r in _longest_first(reports_run)]
    if PACK in to_run:
        jobs += province_pack.card_jobs(params, notebook_dir, staging / province_pack.CARDS,
                                        lambda code: manifest.card_meta(params, inputs, code), snapshot=snapshot)
    submitted = early + (pool.submit(jobs) if pool is not None else [])
    for unit in units:
        if unit not in to_run:
            manifest.copy_outputs(previous, out_dir, staging, unit.name)
            progress(f"{tags.get(unit.name, unit.name)}: unchanged, reused")
            result.reused.append(unit.name)
    province_pack.write_internal(data, internal_staging, shared=out_dir.name)
    # The letters are printed here while the workers run the notebooks; a thread, so that the
    # workers' progress is shown as it comes (WeasyPrint is used by this thread alone).
    letters = _Letters(data, staging, progress) if PACK in to_run else None
    outcomes = pool.collect(submitted, progress) if pool is not None else []
    if snapshot is not None:  # every notebook has run: the year's snapshot is neither shared nor kept
        shutil.rmtree(snapshot.parent, ignore_errors=True)
    if letters is not None:
        letters.join()
    _raise_for_failures(outcomes, out_dir)
    if PACK in to_run:
        province_pack.drop_executed(staging / province_pack.CARDS)
        progress(f"cards: {sum(1 for _ in (staging / province_pack.CARDS).glob('*.pdf'))} provinces, PDF and HTML")
    result.executed = [r.name for r in units if r in to_run]
    reports = {r.name: {"key": keys[r.name], "outputs": manifest.outputs_of(staging, r.name)} for r in units}
    _write_index(staging, params, inputs)
    manifest.write_manifest(staging, params, params_path, inputs, reports, data,
                    fresh.freshness(params_path, params.data_dir, notebook_dir,
                                    [r.name for r in REPORTS] + (["card"] if pack else []),
                                    params.history_years, data_dir_given=data_dir_given, pack=pack),
                    manifest.record_candidates(params),
                    # Where the internal tree is depends on --out/--internal, not on the inputs: only its files.
                    internal={"outputs": file_hashes(sorted(p for p in internal_staging.rglob("*") if p.is_file()),
                                                     internal_staging)})
    return result


class _Letters:
    """The 31 letters (PDF and DOCX), written in a thread of the build process."""

    def __init__(self, data: YearData, staging: Path, progress: Progress) -> None:
        import threading

        self.error: BaseException | None = None
        self._progress = progress
        self._thread = threading.Thread(target=self._run, args=(data, staging), name="letters", daemon=True)
        self._thread.start()

    def _run(self, data: YearData, staging: Path) -> None:
        from atiyeh_reports import publish

        try:
            written = publish.write_year_letters(data, staging)
            self._progress(f"letters: {len(written) // 2} provinces, PDF and DOCX")
        except BaseException as exc:  # noqa: BLE001 - raised again in the build's thread by join()
            self.error = exc

    def join(self) -> None:
        self._thread.join()
        if self.error is not None:
            raise self.error


def _write_index(staging: Path, params: Params, inputs: list[dict[str, object]]) -> None:
    """``index.html``: every shareable file linked, with the provenance (publish.index).

    It says that the internal workbooks are elsewhere without naming the place: the same
    inputs give the same page wherever the build writes."""
    from atiyeh_reports.publish.index import write_index

    # How a recipient checks the folder: against manifest.json's SHA-256 as HQ sends it with the letter.
    # Not the hash itself: the manifest lists this page's hash, so the page cannot name the manifest's.
    rows = (*manifest.provenance_rows(params, inputs),
            ("بررسی این پوشه", "atiyeh verify <این پوشه> --manifest-sha256 <SHA-256 پرونده manifest.json "
                               "که ستاد جداگانه، با نامه، فرستاده است>"))
    write_index(staging, params=params, provenance=rows)


#: Rough relative cost of each report, for ordering (the evaluation reconciles and scores three years).
_COST = {"evaluation": 3, "analysis": 2, "allocation": 1}


def _longest_first(reports: list[Report]) -> list[Report]:
    return sorted(reports, key=lambda r: -_COST.get(r.name, 0))


def _start_workers(notebook_dir: Path, to_run: list[Report], processes: int | None) -> Workers | None:
    if not to_run:
        return None
    from atiyeh_reports.core.provinces import provinces
    from atiyeh_reports.pipeline.engine.workers import Workers, warm_imports

    names = ["card" if r is PACK else r.name for r in to_run]
    jobs = len(to_run) + (len(provinces()) - 1 if PACK in to_run else 0)
    notebooks = [notebook_dir / f"{name}.ipynb" for name in names]
    return Workers(notebook_dir, warm=warm_imports(notebooks), processes=processes, expected_jobs=jobs)


def _tag(report: Report) -> str:
    """How the progress lines name a report: ``[1/3] analysis``."""
    return f"[{REPORTS.index(report) + 1}/{len(REPORTS)}] {report.name}"


def _private_folder(internal_staging: Path) -> Path:
    """A folder for the build's own snapshot, inside the internal staging tree (names and IDs stay
    with the internal files) and removed before that tree is published."""
    folder = internal_staging / ".build"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _job(report: Report, params: Params, notebook_dir: Path, staging: Path,
         inputs: list[dict[str, object]], tag: str, snapshot: Path | None = None) -> Job:
    from atiyeh_reports.pipeline.engine.workers import Job

    source = notebook_dir / f"{report.name}.ipynb"
    if not source.is_file():
        raise BuildError(f"notebook {source} not found")
    return Job(
        name=report.name,
        notebook=source,
        parameters={"params_path": str(Path(params.source).resolve()), "data_dir": str(params.data_dir),
                    "snapshot": str(snapshot or "")},
        out_dir=staging,
        meta=manifest.report_meta(report, params, inputs),
        tag=tag,
        attachments=tuple(staging.glob(f"{report.name}.xlsx")),
    )


def _raise_for_failures(outcomes: list, out_dir: Path) -> None:
    from atiyeh_reports.pipeline.engine.workers import keep_failed

    failed = [o for o in outcomes if not o.ok]
    if not failed:
        return
    lines = []
    for outcome in failed:
        kept = keep_failed(outcome, out_dir.parent)
        where = f"; the executed notebook is kept at {kept}" if kept else ""
        lines.append(f"notebook {Path(outcome.job.notebook).name}, {outcome.error}{where}")
    raise BuildError(
        f"{len(failed)} of {len(outcomes)} document(s) failed (the others ran to the end):\n  "
        + "\n  ".join(lines) + "\nearlier outputs were left as they were"
    )


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
    from atiyeh_reports.intake.inventory import missing_lines

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


def _write_allocation_workbook(data: YearData, staging: Path) -> None:
    from atiyeh_reports.allocation import notify
    from atiyeh_reports.allocation import record as hq_record

    table = data.allocation
    notify.write_allocation_workbook(data.params, table, staging / "allocation.xlsx")
    # HQ's own record of what it notified, read back by next year's build (docs/data-contracts.md).
    hq_record.write_allocation_record(hq_record.allocation_record(data.params, table),
                                      staging / hq_record.RECORD_FILE)


