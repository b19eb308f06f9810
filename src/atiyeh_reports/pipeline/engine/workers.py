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
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

from atiyeh_reports.pipeline.engine.jobs import Job, Outcome, Progress
from atiyeh_reports.pipeline.engine.kernels import _ready, _run_job, _start_worker, strip_volatile_metadata
from atiyeh_reports.pipeline.engine.renderers import _render_job, _start_renderer

__all__ = ["Job", "Outcome", "Progress", "Workers", "keep_failed", "strip_volatile_metadata", "warm_imports"]


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
        try:
            self._hand_on(job, executed, done)
        except Exception as exc:  # noqa: BLE001 - never leave a job unfinished: collect() waits for it
            _finish(done, Outcome(job, error=f"the engine lost it after executing it: {exc!r}"))

    def _hand_on(self, job: Job, executed: Future, done: Future) -> None:
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


def keep_failed(outcome: Outcome, where: Path) -> Path | None:
    """Copy a failed job's executed notebook to ``where/<name>.failed.ipynb`` (for the person fixing it)."""
    if outcome.ok or not outcome.job.executed.is_file():
        return None
    target = Path(where) / f"{outcome.job.name}.failed.ipynb"
    shutil.copy2(outcome.job.executed, target)
    return target
