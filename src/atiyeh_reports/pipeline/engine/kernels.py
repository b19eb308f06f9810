"""In a kernel worker process: one warm IPython kernel that executes documents with papermill.

See :mod:`atiyeh_reports.pipeline.engine.workers` for the pool these functions run in.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from atiyeh_reports.pipeline.engine.jobs import Job, Outcome

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


_worker: dict[str, Any] = {}


def _ready() -> int:
    return os.getpid()


def _worker_signals(on_term: Any) -> None:
    """(In a worker or renderer, first thing.) Ctrl-C is ignored: the build's own process handles it
    and ends the workers (a Ctrl-C at the terminal reaches every process of the group, and each
    would print a traceback). SIGTERM runs ``on_term``. Both arrive blocked (workers.py blocks them
    while it spawns); they are unblocked here, so one sent meanwhile is handled now."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a pending Ctrl-C is dropped
    signal.signal(signal.SIGTERM, on_term)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def _on_term(signum: int, frame: Any) -> None:
    """(In a kernel worker.) SIGTERM from :meth:`Workers.close`: kill the kernel, exit at once.

    The kernel runs in a session of its own, so nothing else would end it. While a kernel is
    being started, the stop waits until it is (:func:`_start_kernel` then acts on it)."""
    if _worker.get("starting"):
        _worker["stop"] = signum
        return
    _kill_kernel()
    os._exit(128 + signum)


def _kill_kernel() -> None:
    provisioner = getattr(_worker.get("km"), "provisioner", None)
    pid, pgid = getattr(provisioner, "pid", None), getattr(provisioner, "pgid", None)
    import signal

    try:
        if pgid and pgid != os.getpgrp():
            os.killpg(pgid, signal.SIGKILL)
        elif pid:
            os.kill(pid, signal.SIGKILL)
    except OSError:
        pass


def _start_worker(cwd: str, warm: str, kernel_name: str, messages: Any) -> None:
    _worker_signals(_on_term)
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
    _worker["km"] = km
    _worker["starting"] = True  # a SIGTERM meanwhile waits until the kernel can be killed
    try:
        # The kernel's own start-up and shutdown chatter is not progress.
        asyncio.run(km.start_kernel(cwd=_worker["cwd"], extra_arguments=["--IPKernelApp.log_level=CRITICAL"]))
    finally:
        _worker["starting"] = False
        if _worker.get("stop"):
            _kill_kernel()
            os._exit(128 + _worker["stop"])
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


ENGINE = "atiyeh-nbclient"


def _engine() -> str:
    """papermill's nbclient engine, registered once per process, that closes its kernel client.

    Given our kernel manager (the warm kernel), nbclient neither shuts the kernel down (right) nor
    stops the client it opened for the document (its sockets and heartbeat thread): one more left
    open per document. This engine is papermill's own with one change: the client is closed when
    the document is done.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    if _worker.get("engine"):
        return ENGINE

    class ClosingClient(PapermillNotebookClient):
        def execute(self, **kwargs: Any) -> Any:
            try:
                return super().execute(**kwargs)
            finally:
                if self.kc is not None:
                    self.kc.stop_channels()
                    self.kc = None

    class Engine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None, start_timeout: int = 60,
                                     execution_timeout: int | None = None, **kwargs: Any) -> Any:
            # As NBClientEngine.execute_managed_notebook (papermill 2.7), with the closing client.
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs, timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout, kernel_name=kernel_name, log=logger, log_output=log_output,
                stdout_file=stdout_file, stderr_file=stderr_file,
            )
            return ClosingClient(nb_man, **final_kwargs).execute()

    papermill_engines.register(ENGINE, Engine)
    _worker["engine"] = True
    return ENGINE


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
            log_output=True, request_save_on_cell_execute=False, engine_name=_engine(),
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
