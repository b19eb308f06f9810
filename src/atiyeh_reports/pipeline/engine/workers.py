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

import contextlib
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
        self._processes: list[multiprocessing.process.BaseProcess] = []
        self._closed = False
        # Spawn every process now, so kernels warm up while the caller does other work. Ctrl-C and
        # SIGTERM are blocked meanwhile: a process starts with them blocked (the mask is inherited)
        # until its initializer has set them up (kernels._worker_signals), so a Ctrl-C at the terminal, which
        # reaches every process of the group, never prints a worker's traceback. Here the signal
        # is only held back, and arrives (as Interrupted) when the spawning is done.
        blocked = _block_signals()
        try:
            self._warming = [self._pool.submit(_ready) for _ in range(count)]
            if self._renderers is not None:
                self._warming += [self._renderers.submit(_ready) for _ in range(count)]
        except BaseException:
            self._processes = _processes_of(self._pool, self._renderers)
            self.close(timeout=0)  # the signals still held back: this is not interrupted
            _unblock_signals(blocked)
            raise
        self._processes = _processes_of(self._pool, self._renderers)
        try:
            _unblock_signals(blocked)
        except BaseException:  # a signal held back while spawning: stop what was started
            self.close(timeout=0)
            raise

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(timeout=0 if exc and exc[0] is not None else CLOSE_SECONDS)

    def close(self, timeout: float = None) -> None:  # type: ignore[assignment]
        """End every worker and renderer, and their kernels, within a bounded time.

        Idle processes are asked to exit (each kernel worker shuts its kernel down) and are
        waited for up to ``timeout`` seconds (default :data:`CLOSE_SECONDS`; ``0`` after a
        failure or a signal: a busy worker is not waited for). Whatever is still running then
        gets SIGTERM (a kernel worker kills its kernel and exits at once) and, after
        :data:`KILL_SECONDS`, SIGKILL, with every process it started. Never raises.
        """
        if self._closed:
            return
        self._closed = True
        timeout = CLOSE_SECONDS if timeout is None else timeout
        processes = list({id(p): p for p in [*self._processes, *_processes_of(self._pool, self._renderers)]}.values())
        for pool in (self._pool, self._renderers):
            if pool is not None:
                with contextlib.suppress(Exception):
                    pool.shutdown(wait=False, cancel_futures=True)
        _end_processes(processes, timeout)
        for pool in (self._pool, self._renderers):
            thread = getattr(pool, "_executor_manager_thread", None) if pool is not None else None
            if thread is not None:
                thread.join(timeout=KILL_SECONDS)
        with contextlib.suppress(Exception):
            self._messages.close()
            self._messages.join_thread()

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
        # A worker's last message and its result travel by two queues: the result may come first.
        while True:
            try:
                progress(self._messages.get(timeout=0.3))
            except queue_module.Empty:
                break
        return [future.result() for _, future in submitted]

    def _forward(self, progress: Progress) -> None:
        while True:
            try:
                progress(self._messages.get_nowait())
            except queue_module.Empty:
                return


#: How long :meth:`Workers.close` waits for idle workers to exit by themselves (a kernel shutdown).
CLOSE_SECONDS = 10.0
#: How long it then waits after SIGTERM, and after SIGKILL.
KILL_SECONDS = 2.0


def _block_signals() -> set | None:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _unblock_signals(previous: set | None) -> None:
    import signal

    if previous is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _processes_of(*pools: ProcessPoolExecutor | None) -> list:
    found = []
    for pool in pools:
        processes = getattr(pool, "_processes", None) if pool is not None else None
        found += list((processes or {}).values())
    return found


def _end_processes(processes: list, timeout: float) -> None:
    """Wait up to ``timeout`` s for ``processes`` to exit, then SIGTERM, then SIGKILL them and theirs."""
    import time

    def wait(seconds: float) -> list:
        deadline = time.monotonic() + seconds
        for process in processes:
            with contextlib.suppress(Exception):
                process.join(max(0.0, deadline - time.monotonic()))
        return [p for p in processes if _running(p)]

    left = wait(timeout)
    if not left:
        return
    for process in left:
        with contextlib.suppress(Exception):
            process.terminate()  # SIGTERM: a kernel worker kills its kernel and exits (kernels._on_term)
    left = wait(KILL_SECONDS)
    for process in left:
        children = descendants(process.pid)  # its kernel: in a session of its own, not in its group
        with contextlib.suppress(Exception):
            process.kill()
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
    wait(KILL_SECONDS)


def _running(process: multiprocessing.process.BaseProcess) -> bool:
    try:
        return process.is_alive()
    except Exception:  # noqa: BLE001 - a process object of another state: nothing to end
        return False


def descendants(pid: int) -> list[int]:
    """The processes started by ``pid``, and by those, from ``/proc`` (Linux; empty elsewhere)."""
    parents: dict[int, int] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                text = fh.read()
            parents[int(entry)] = int(text[text.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found: list[int] = []
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier and child not in found}
        found += sorted(frontier)
    return found


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
