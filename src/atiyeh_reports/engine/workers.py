"""Run documents on warm workers: one kernel per worker, started and imported once.

A *document* is one parameterized notebook executed with papermill and,
optionally, rendered to HTML and PDF (:class:`Job`). :class:`Workers` holds two
pools of processes, one of each per core by default:

* **kernel workers** execute documents. Each, when it starts, starts one
  IPython kernel (``python3``) in the notebooks' folder, imports papermill
  while that kernel starts, and runs the notebooks' own ``import`` lines in the
  kernel, so pandas, matplotlib, pandera and the package are imported once per
  worker, not once per document;
* **renderers** print executed documents to HTML and PDF. Each imports
  nbconvert and WeasyPrint once and prints a small page with the report font
  while the kernels warm up, so the first real document does not pay for
  loading fonts and templates.

A document goes to a kernel worker, then, as soon as it is executed, to a
renderer. So while one document is printed the kernels execute the next
ones, and no core waits for a long PDF to finish before a kernel can start
on the next notebook (with three reports on two cores, the third report
used to wait for one of the first two to be printed).

Before each document the kernel is put back to the state it had after
warming up: the user namespace is cleared and the execution counter restarts
at 1 (``InteractiveShell.reset(new_session=True)``), and matplotlib's
settings, IPython's display formatters, the warning filters (and their
"already shown" registries) and the working folder are restored. A notebook
therefore sees no name, setting or shown warning from the previous one, and
its executed file is the same, byte for byte, as from a fresh kernel
(``tests/test_engine_workers.py`` checks this). Modules stay imported: that
is the point.

A document that fails does not stop the others: :meth:`Workers.run` returns
one :class:`Outcome` per job, failures included, in the order given. A kernel
that dies is replaced for the next document.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import re
import shutil
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Progress = Callable[[str], None]

#: Volatile papermill metadata dropped from executed notebooks, for reproducible bytes.
_RUN_KEYS = ("start_time", "end_time", "duration")

_SNAPSHOT = '''
def _atiyeh_snapshot():
    import os, sys, types, warnings
    import matplotlib
    from IPython import get_ipython
    shell = get_ipython()
    state = types.ModuleType("_atiyeh_warm_state")
    state.rc = dict(matplotlib.rcParams)
    state.cwd = os.getcwd()
    state.filters = list(warnings.filters)
    state.formatters = {k: (f.enabled, dict(f.type_printers), dict(f.deferred_printers))
                        for k, f in shell.display_formatter.formatters.items()}

    def restore():
        shell.reset(new_session=True)  # empty namespace, execution count back to 1
        matplotlib.rcParams.update(state.rc)
        warnings.filters[:] = state.filters
        warnings._filters_mutated()  # forget which warnings were already shown
        os.chdir(state.cwd)
        for key, (enabled, types_, deferred) in state.formatters.items():
            formatter = shell.display_formatter.formatters[key]
            formatter.enabled = enabled
            formatter.type_printers.clear()
            formatter.type_printers.update(types_)
            formatter.deferred_printers.clear()
            formatter.deferred_printers.update(deferred)

    state.restore = restore
    sys.modules[state.__name__] = state
_atiyeh_snapshot()
'''

_RESET = 'import _atiyeh_warm_state; _atiyeh_warm_state.restore()'

#: How much lower the renderers' CPU priority is than the kernels' (``os.nice``).
RENDER_NICENESS = 5


@dataclass(frozen=True)
class Job:
    """One document: execute ``notebook`` with ``parameters`` into ``out_dir/<name>.ipynb``.

    With ``meta`` (a :class:`atiyeh_reports.render.ReportMeta`) it is also
    rendered to ``<name>.html`` and ``<name>.pdf`` beside it.
    """

    name: str
    notebook: Path
    parameters: dict[str, Any]
    out_dir: Path
    meta: Any = None
    tag: str = ""
    #: files embedded in the PDF (PDF/A-3 associated files), e.g. allocation.xlsx in the allocation report
    attachments: tuple[Path, ...] = ()
    #: one progress line when done (a province card) instead of one per cell (a report)
    quiet: bool = False

    @property
    def executed(self) -> Path:
        return Path(self.out_dir) / f"{self.name}.ipynb"


@dataclass
class Outcome:
    """What became of a :class:`Job`: ``error`` is ``None`` when it succeeded."""

    job: Job
    error: str | None = None
    #: for a failed cell: the cell's number in the source notebook, its first line, the exception
    cell: int | None = None
    source_line: str = ""
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def warm_imports(notebooks: Iterable[Path]) -> str:
    """The ``import`` lines of ``notebooks`` (without duplicates): what a warm kernel runs once."""
    import json

    lines: list[str] = []
    for path in notebooks:
        try:
            cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            for line in source.splitlines():
                if re.match(r"^(from\s+[\w.]+\s+)?import\s+[\w., ]+(\s+as\s+\w+)?\s*$", line):
                    if line not in lines:
                        lines.append(line)
    return "\n".join(lines)


class Workers:
    """Kernel workers and renderers (see the module's text); use as a context manager, or call :meth:`close`.

    Parameters
    ----------
    cwd
        The kernels' working folder (the notebooks' folder: relative paths in
        a notebook resolve as they do in JupyterLab).
    warm
        Python code each kernel runs once before its first document
        (:func:`warm_imports` of the notebooks to run).
    processes
        How many kernel workers, and how many renderers; the number of cores
        by default (and never more than ``expected_jobs``, when given).
    render
        Start the renderers (needed for jobs with a ``meta``).
    """

    def __init__(self, cwd: Path, warm: str = "", processes: int | None = None,
                 expected_jobs: int | None = None, kernel_name: str = "python3", render: bool = True) -> None:
        count = processes or os.cpu_count() or 1
        if expected_jobs is not None:
            count = max(1, min(count, expected_jobs))
        self.processes = count
        context = multiprocessing.get_context("spawn")
        self._messages = context.Queue()
        self._pool = ProcessPoolExecutor(
            max_workers=count, mp_context=context, initializer=_start_worker,
            initargs=(str(cwd), warm, kernel_name, self._messages),
        )
        self._renderers = ProcessPoolExecutor(
            max_workers=count, mp_context=context, initializer=_start_renderer, initargs=(self._messages,),
        ) if render else None
        # Spawn every process now, so kernels warm up while the caller does other work.
        self._warming = [self._pool.submit(_ready) for _ in range(count)]
        if self._renderers is not None:
            self._warming += [self._renderers.submit(_ready) for _ in range(count)]

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._renderers is not None:
            self._renderers.shutdown(wait=True, cancel_futures=True)
        self._messages.close()

    def run(self, jobs: Sequence[Job], progress: Progress = lambda m: None) -> list[Outcome]:
        """Run every job (at most one per worker at a time); one :class:`Outcome` per job, in order."""
        return self.collect(self.submit(jobs), progress)

    def submit(self, jobs: Sequence[Job]) -> list[tuple[Job, Future]]:
        """Queue ``jobs`` and return at once; :meth:`collect` waits for them.

        Each job is executed by a kernel worker and then, if it has a ``meta``,
        printed by a renderer: the future given back is done when both are.
        """
        submitted = []
        for job in jobs:
            done: Future = Future()
            executed = self._pool.submit(_run_job, job)
            executed.add_done_callback(lambda future, job=job, done=done: self._then_render(job, future, done))
            submitted.append((job, done))
        return submitted

    def _then_render(self, job: Job, executed: Future, done: Future) -> None:
        """(In the pool's own thread.) Hand an executed job to a renderer, or finish it."""
        outcome = _outcome_of(job, executed, "the worker running it failed")
        if not outcome.ok or job.meta is None:
            _finish(done, outcome)
            return
        if self._renderers is None:
            outcome.error = "it was executed but not printed: these workers have no renderers (render=False)"
            _finish(done, outcome)
            return
        try:
            rendered = self._renderers.submit(_render_job, outcome)
        except RuntimeError as exc:  # shut down (the build was stopped) or broken
            outcome.error = f"it was executed but not printed: {exc}"
            _finish(done, outcome)
            return
        rendered.add_done_callback(
            lambda future: _finish(done, _outcome_of(job, future, "the process printing it failed", outcome)))

    def collect(self, submitted: Sequence[tuple[Job, Future]], progress: Progress = lambda m: None) -> list[Outcome]:
        """Wait for jobs from :meth:`submit`, forwarding the workers' progress messages."""
        pending = {future for _, future in submitted}
        while pending:
            _, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
            self._forward(progress)
        self._forward(progress)
        return [future.result() for _, future in submitted]

    def _forward(self, progress: Progress) -> None:
        while True:
            try:
                progress(self._messages.get_nowait())
            except queue_module.Empty:
                return


def _outcome_of(job: Job, future: Future, failed: str, before: Outcome | None = None) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a process died: report it with the job
        outcome = before or Outcome(job)
        outcome.error = f"{failed}: {exc!r}"
        return outcome


def _finish(done: Future, outcome: Outcome) -> None:
    if not done.done():
        done.set_result(outcome)


# --- in the worker process -------------------------------------------------------------------
_worker: dict[str, Any] = {}


def _ready() -> int:
    return os.getpid()


def _start_worker(cwd: str, warm: str, kernel_name: str, messages: Any) -> None:
    _worker.update(cwd=cwd, warm=warm, kernel_name=kernel_name, messages=messages)
    _start_kernel()
    import nbformat  # noqa: F401 - imported while the kernel starts
    import papermill  # noqa: F401

    _warm_kernel()
    from multiprocessing.util import Finalize

    Finalize(None, _stop_kernel, exitpriority=10)


def _start_kernel() -> None:
    import asyncio

    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name=_worker["kernel_name"])
    # The kernel's own start-up and shutdown chatter is not progress.
    asyncio.run(km.start_kernel(cwd=_worker["cwd"], extra_arguments=["--IPKernelApp.log_level=CRITICAL"]))
    _worker["km"] = km
    _worker["warmed"] = False


def _warm_kernel() -> None:
    code = f"{_worker['warm']}\n{_SNAPSHOT}"
    _kernel_run(code, timeout=300)
    _worker["warmed"] = True


def _client() -> Any:
    """The worker's own client of its kernel, opened once (a handshake costs ~0.3 s per document)."""
    kc = _worker.get("kc")
    if kc is None:
        kc = _worker["km"].blocking_client()
        kc.start_channels()
        kc.wait_for_ready(timeout=120)
        _worker["kc"] = kc
    return kc


def _close_client() -> None:
    kc = _worker.pop("kc", None)
    if kc is not None:
        kc.stop_channels()


def _kernel_run(code: str, timeout: float = 60) -> None:
    kc = _client()
    try:
        reply = kc.execute_interactive(code, store_history=False, silent=False, timeout=timeout,
                                       output_hook=lambda msg: None)
    except Exception:
        _close_client()  # a timed-out or broken channel is not reused
        raise
    if reply["content"]["status"] != "ok":
        content = reply["content"]
        raise RuntimeError(f"warm-up code failed in the kernel: {content.get('ename')}: {content.get('evalue')}")


def _stop_kernel() -> None:
    import asyncio

    _close_client()
    km = _worker.get("km")
    if km is not None and km.has_kernel:
        try:
            asyncio.run(km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001,S110 - the process is exiting anyway
            pass


def _fresh_kernel() -> None:
    """The kernel as it was after warming up; a new one if it died."""
    import asyncio

    km = _worker["km"]
    alive = km.has_kernel and asyncio.run(km.is_alive())
    if not alive:
        _stop_kernel()
        _start_kernel()
        _warm_kernel()
    _kernel_run(_RESET)


def _say(message: str) -> None:
    try:
        _worker["messages"].put(message)
    except Exception:  # noqa: BLE001,S110 - progress is best effort
        pass


def _run_job(job: Job) -> Outcome:
    """(In a kernel worker.) Execute ``job``; a renderer prints it afterwards."""
    started = time.monotonic()
    outcome = Outcome(job)
    try:
        _fresh_kernel()
        _execute(job, outcome)
    except Exception as exc:  # noqa: BLE001 - reported with the job, the others go on
        outcome.error = f"{type(exc).__name__}: {exc}"
    outcome.seconds = outcome.timings["execute"] = time.monotonic() - started
    if job.quiet and (not outcome.ok or job.meta is None):
        _say(f"{job.tag or job.name}: {'done' if outcome.ok else 'FAILED'} ({outcome.seconds:.1f} s)")
    return outcome


# --- in a renderer process -------------------------------------------------------------------
def _start_renderer(messages: Any) -> None:
    """Import nbconvert and WeasyPrint, and print one small page, so the first document pays for neither."""
    # Below the kernels and the build: printing can wait a moment, executing starts the next document.
    # Warming up here then does not slow the kernels' warm-up, which every document waits for.
    os.nice(RENDER_NICENESS)
    import io
    import logging

    from atiyeh_reports import render

    _worker.update(messages=messages)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        render.warm_up(io.BytesIO())
    except Exception:  # noqa: BLE001,S110 - only a head start: a real failure shows on a real document
        pass


def _render_job(outcome: Outcome) -> Outcome:
    """(In a renderer.) Print an executed job to HTML and PDF."""
    job = outcome.job
    started = time.monotonic()
    try:
        _render(job)
    except Exception as exc:  # noqa: BLE001 - reported with the job, the others go on
        outcome.error = f"printing it failed: {type(exc).__name__}: {exc}"
    outcome.timings["render"] = time.monotonic() - started
    outcome.seconds += outcome.timings["render"]
    if job.quiet:
        _say(f"{job.tag or job.name}: {'done' if outcome.ok else 'FAILED'} ({outcome.seconds:.1f} s)")
    return outcome


class _CellProgress:
    """Turns papermill's 'Executing Cell N' log lines into progress messages."""

    def __init__(self, tag: str, total: int) -> None:
        import logging

        self.handler = logging.Handler(logging.INFO)
        self.handler.emit = self.emit  # type: ignore[method-assign]
        self.tag, self.total = tag, total

    def emit(self, record: Any) -> None:
        message = record.getMessage()
        if message.startswith("Executing Cell"):
            number = message.removeprefix("Executing Cell").strip(" -")
            _say(f"{self.tag}: cell {number}/{self.total}")


def _execute(job: Job, outcome: Outcome) -> None:
    import logging

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = Path(job.notebook)
    target = job.executed
    target.parent.mkdir(parents=True, exist_ok=True)
    total = len(nbformat.read(source, as_version=4).cells) + 1  # papermill adds the injected parameters
    logger = logging.getLogger("papermill")
    cells = _CellProgress(job.tag or job.name, total)
    if not job.quiet:
        logger.addHandler(cells.handler)
        _say(f"{job.tag or job.name}: executing {source.name}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        nb = papermill.execute_notebook(
            str(source), str(target), parameters=job.parameters, cwd=_worker["cwd"],
            kernel_name=_worker["kernel_name"], km=_worker["km"], progress_bar=False,
            log_output=True, request_save_on_cell_execute=False,
        )
    except PapermillExecutionError as exc:
        first = (exc.source or "").strip().splitlines()[:1]
        outcome.cell = _source_cell_number(target, exc.cell_index)
        outcome.source_line = first[0] if first else ""
        outcome.ename, outcome.evalue = exc.ename, exc.evalue
        outcome.error = f"cell {outcome.cell} ({outcome.source_line}) raised {exc.ename}: {exc.evalue}"
        return
    finally:
        logger.removeHandler(cells.handler)
    _strip_volatile(nb)
    nbformat.write(nb, target)


def _source_cell_number(executed: Path, index: int) -> int:
    """The 1-based number of executed cell ``index`` in the source notebook (without the injected cell)."""
    import nbformat

    try:
        cells = nbformat.read(executed, as_version=4).cells
    except (OSError, ValueError):
        return index + 1
    injected = sum(1 for cell in cells[:index] if "injected-parameters" in cell.metadata.get("tags", []))
    return index + 1 - injected


def strip_volatile_metadata(path: Path) -> None:
    """Drop run timestamps and absolute paths from an executed notebook, for reproducible bytes."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    _strip_volatile(nb)
    nbformat.write(nb, path)


def _strip_volatile(nb: Any) -> None:
    pm = nb.metadata.get("papermill", {})
    for key in (*_RUN_KEYS, "input_path", "output_path"):
        pm.pop(key, None)
    pm.pop("parameters", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell_pm = cell.metadata.get("papermill")
        if cell_pm:
            for key in _RUN_KEYS:
                cell_pm.pop(key, None)
        if cell.cell_type == "code" and "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "# Parameters injected by the build: see manifest.json"
            cell.id = "injected-parameters"  # papermill draws a random id


def _render(job: Job) -> None:
    import nbformat

    from atiyeh_reports.render import report_html, write_pdf

    nb = nbformat.read(job.executed, as_version=4)
    page = report_html(nb, job.meta)
    html_path = Path(job.out_dir) / f"{job.name}.html"
    html_path.write_text(page, encoding="utf-8")
    write_pdf(page, Path(job.out_dir) / f"{job.name}.pdf", notebook=nb, attachments=tuple(job.attachments))


def keep_failed(outcome: Outcome, where: Path) -> Path | None:
    """Copy a failed job's executed notebook to ``where/<name>.failed.ipynb`` (for the person fixing it)."""
    if outcome.ok or not outcome.job.executed.is_file():
        return None
    target = Path(where) / f"{outcome.job.name}.failed.ipynb"
    shutil.copy2(outcome.job.executed, target)
    return target
