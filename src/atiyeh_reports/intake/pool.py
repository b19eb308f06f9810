"""Reading a year's forms in more than one process: this one, and helpers started for the purpose.

The 31 forms are independent until their provinces are resolved, and reading
one (calamine's parse holds the GIL, so threads would not help) and judging
its rows is most of a large year's intake. :func:`read_forms` gives the same
outcomes as reading the forms one after another, in the same order (they are
put in file order before anything is done with them), so the findings and
tables do not change; only the wall time does.

How: each helper is a fresh interpreter running this module
(``python -m atiyeh_reports.intake.pool``), not a :mod:`multiprocessing`
child, so it never imports the caller's ``__main__`` (a script that calls
``ingest`` without an ``if __name__ == "__main__":`` guard works as before) and
does not inherit threads or locks by forking. It is told the forms, the
year's rules and limits on its standard input, and leaves each form it read
(plain tuples, :func:`files._pack`, pickled) in a folder of the year's clean
folder (owner-only, removed at the end), which this
process decodes while it reads on. This process reads forms too; who reads
which is decided form by form by creating a marker file in that folder
(``O_EXCL``: the first to create it reads that form), largest forms first, so
a busy core simply reads fewer. A form a helper claimed but did not leave (the
helper failed, or could not start) is read here afterwards: whatever goes
wrong, the result or the error is what reading it here would give.

Small years are read here alone (:data:`PARALLEL_BYTES`): starting a helper
costs ~1 s of CPU (its imports), more than it saves on a real year.
"""

from __future__ import annotations

import gc
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import atiyeh_reports
from atiyeh_reports.core.params import Limits
from atiyeh_reports.intake.files import _Lost, _pack, _Read, _read_file, _unpack
from atiyeh_reports.intake.rules import _Rules

#: Forms smaller than this all together are read in this process alone: ~300,000 rows (the benchmark's
#: forms are ~55 bytes a row; a real year, ~30,000 rows, is far below). A helper costs ~1 s of CPU to
#: start and needs a free core: at 100,000 rows on a busy machine it made the intake slower.
PARALLEL_BYTES = 16_000_000
#: At most this many processes read a year's forms (this one included).
MAX_WORKERS = 4
_DONE = ".done"
#: What a helper runs (after ``sys.executable``): this module, so never the caller's ``__main__``.
_HELPER = ["-m", "atiyeh_reports.intake.pool"]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def default_workers(paths: Sequence[Path]) -> int:
    """How many processes read ``paths`` when the caller does not say: 1 for a small year."""
    if sum(map(_size, paths)) < PARALLEL_BYTES:
        return 1
    return max(1, min(_cores(), MAX_WORKERS, len(paths)))


def read_forms(paths: Sequence[Path], year: int, rules: _Rules, limits: Limits,
               workers: int | None = None, scratch: Path | None = None) -> Iterator[_Read | _Lost]:
    """What :func:`files._read_file` gives for each of ``paths``, in their order.

    ``workers``: how many processes read (this one included); None decides by
    the forms' size (:func:`default_workers`); 1 reads them here, one at a time.
    ``scratch``: where the helpers' folder is made (it holds the forms' rows,
    names and IDs included, while they are read): the year's clean folder, so
    that even a killed intake leaves them only beside the data they came from
    (and the next intake removes what a dead one left). Without it, the
    system's temporary folder.
    """
    paths = list(paths)
    if workers is None:
        workers = default_workers(paths)
    if workers > 1 and len(paths) > 1:
        try:
            if scratch is not None:
                Path(scratch).mkdir(parents=True, exist_ok=True)
                _remove_dead(Path(scratch))
            folder = tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-", dir=scratch)
        except OSError:
            pass  # no folder to share with helpers: read them here
        else:
            return iter(_in_parallel(paths, year, rules, limits, min(workers, len(paths)) - 1, folder))
    return (_read_file(path, year, rules, limits) for path in paths)  # one workbook open at a time


_PREFIX = ".intake-helpers-"


def _remove_dead(scratch: Path) -> None:
    """Remove the helpers' folders of intakes that are no longer running (killed: no ``finally``)."""
    for folder in scratch.glob(f"{_PREFIX}*"):
        pid = folder.name[len(_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's process: leave its folder
    return True


def _claim(folder: str, index: int, *, else_mine: bool = False) -> bool:
    """Whether this process is the first to claim form ``index`` (creates its marker file).

    ``else_mine``: what to answer when the marker cannot be made at all (the reader of the year
    then reads the form itself; a helper leaves it).
    """
    try:
        os.close(os.open(os.path.join(folder, str(index)), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return False
    except OSError:
        return else_mine
    return True


def _in_parallel(paths: list[Path], year: int, rules: _Rules, limits: Limits, helpers: int,
                 folder: str) -> list[_Read | _Lost]:
    """Read ``paths`` here and in ``helpers`` helper processes, sharing ``folder`` (removed at the end)."""
    order = sorted(range(len(paths)), key=lambda i: -_size(paths[i]))  # largest first
    started: list[_Helper] = []
    try:
        job = pickle.dumps((folder, [(i, str(paths[i])) for i in order], year, replace(rules, memos={}),
                            limits), protocol=pickle.HIGHEST_PROTOCOL)
        started = [h for h in (_Helper.start(job) for _ in range(helpers)) if h is not None]
        outcomes: dict[int, _Read | _Lost] = {}
        for i in order:
            _take(folder, outcomes)  # what the helpers have finished: decoded while they read on
            if i not in outcomes and (not started or _claim(folder, i, else_mine=True)):
                outcomes[i] = _read_file(paths[i], year, rules, limits)
        for helper in started:
            helper.finish()
        _take(folder, outcomes)
        return [outcomes[i] if i in outcomes else _read_file(path, year, rules, limits)
                for i, path in enumerate(paths)]
    finally:
        for helper in started:
            helper.stop()
        shutil.rmtree(folder, ignore_errors=True)


class _Helper:
    """One helper process. It leaves each form it read in the claims folder as ``<index>.done``.

    (A file, not a pipe: this process holds the GIL for most of a form's parse, so a thread
    draining a pipe would keep the helper waiting.)
    """

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    @classmethod
    def start(cls, job: bytes) -> _Helper | None:

        root = str(Path(atiyeh_reports.__file__).resolve().parents[1])  # this very package, not another
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
        try:
            proc = subprocess.Popen([sys.executable, *_HELPER], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env)
        except (OSError, ValueError):
            return None  # no helper: this process reads every form
        try:
            assert proc.stdin is not None
            proc.stdin.write(job)
            proc.stdin.close()
        except OSError:
            pass  # it died at once: it claimed nothing, so this process reads every form
        return cls(proc)

    def finish(self) -> None:
        """Wait for the helper to end."""
        self.proc.wait()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _take(folder: str, outcomes: dict[int, _Read | _Lost]) -> None:
    """Decode into ``outcomes`` the forms the helpers have finished so far (each file once)."""
    try:
        names = [n for n in os.listdir(folder) if n.endswith(_DONE)]
    except OSError:
        return
    for name in names:
        index = name[:-len(_DONE)]
        if not index.isdigit() or int(index) in outcomes:
            continue
        path = os.path.join(folder, name)
        try:
            with open(path, "rb") as fh:
                outcome = _unpack(pickle.load(fh))
        except Exception:  # noqa: BLE001, S112 - garbled: the form is read here instead
            continue
        finally:
            with suppress(OSError):
                os.remove(path)
        outcomes[int(index)] = outcome


def _helper_main() -> None:
    """The helper: read every form it can claim, and leave each in the claims folder."""
    gc.disable()  # as in ingest: the intake makes no reference cycles
    os.dup2(2, 1)  # anything printed goes where errors go
    folder, forms, year, rules, limits = pickle.load(sys.stdin.buffer)
    for index, path in forms:
        if not os.path.isdir(folder):
            break  # the reader of the year has gone
        try:
            if not _claim(folder, index):
                continue
            partial = os.path.join(folder, f"{index}.partial")
            with open(partial, "wb") as fh:
                pickle.dump(_pack(_read_file(Path(path), year, rules, limits)), fh,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, os.path.join(folder, f"{index}{_DONE}"))
        except Exception:  # noqa: BLE001, S112 - not left: the reader of the year reads it and says why
            continue


if __name__ == "__main__":
    _helper_main()
