"""Loading a year: :func:`load_year` for analysts and notebooks, :func:`prepare_year` for one year.

A build loads the year once, computes what its documents need (reconciliation, allocation,
indicators, evaluation: :class:`~atiyeh_reports.year.data.YearData`'s results) and writes it as a
snapshot in a folder of its own (never in the data folder: a pickle there would be code that
anyone who can write the data folder runs). It passes the snapshot's path to every notebook as
the ``snapshot`` parameter; :func:`load_year` reads it when given. A notebook opened alone
computes the same year itself.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path

from atiyeh_reports.core.params import Params, load_params
from atiyeh_reports.errors import ParamsError
from atiyeh_reports.lab import explore
from atiyeh_reports.year.data import YearData
from atiyeh_reports.year.read import read_history, read_year

SNAPSHOT = "snapshot.pickle"


def prepare_year(params: Params, data_dir: Path | None = None, *, force: bool = False) -> YearData:
    """One year without its history: ingest (or reuse the clean tables), the insurer's export,
    HQ's record of the year before."""
    return YearData(**read_year(params, data_dir, force=force))


def with_data_dir(params: Params, data_dir: str | Path | None) -> Params:
    """``params`` reading from ``data_dir`` instead of the folder the file names."""
    if not data_dir:
        return params
    return params.model_copy(update={"data_dir": Path(data_dir).resolve()})


def load_year(
    params_path: int | str | Path,
    data_dir: str | Path | None = None,
    overrides: dict[str, object] | None = None,
    *,
    root: str | Path | None = None,
    snapshot: str | Path | None = None,
    input_hashes: list[dict[str, object]] | None = None,
) -> YearData:
    """The year's parameters, clean tables and insurer export, with the history years.

    ``params_path`` is a parameter file (``params/1404.yaml``) or a year (``1404``:
    ``params/<year>.yaml`` of the project, found from any working directory by
    :func:`atiyeh_reports.lab.explore.project_root`, or in ``root``). A year without a
    parameter file raises :class:`~atiyeh_reports.errors.ParamsError` naming the files
    there are. ``snapshot`` is the path a build passes (see the module docstring);
    ``input_hashes`` the raw inputs' hashes it already made for its manifest.
    """
    params = with_data_dir(load_params(explore.params_file(params_path, root), overrides), data_dir)
    if snapshot:
        return read_snapshot(Path(snapshot), params)
    known = input_hashes or ()
    year = YearData(**read_year(params, known=known))
    history: dict[int, YearData] = {}
    for past in sorted(params.history_years):
        fields = read_history(params, past, known)
        if fields is not None:
            # each history year sees the years loaded before it (why a policy is off the list)
            history[past] = YearData(**fields, history=dict(history))
    return replace(year, history=history)


def write_snapshot(year: YearData, folder: Path, name: str = SNAPSHOT) -> Path:
    """Write ``year``, with the results computed for it so far, into the build's own ``folder``."""
    path = Path(folder) / name
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(pickle.dumps(year, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)
    return path


#: The snapshot last read in this process, by (path, size, mtime): a warm kernel that makes the 31
#: province cards reads it once. A new build writes a new file, so a stale entry never matches.
_READ: dict[tuple[str, int, int], YearData] = {}


def read_snapshot(path: Path, params: Params) -> YearData:
    """The year a build wrote with :func:`write_snapshot` (its own file, in its own folder)."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key in _READ:
            return _READ[key]
        year = pickle.loads(path.read_bytes())  # noqa: S301 - the build's own file, passed by path
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as exc:
        raise ParamsError(f"snapshot {path} cannot be read ({exc}); run the notebook without "
                          "`snapshot` to load the year from its data") from None
    if not isinstance(year, YearData) or year.year != params.year:
        raise ParamsError(f"snapshot {path} is not a snapshot of {params.year}; run the notebook "
                          "without `snapshot` to load the year from its data")
    _READ.clear()
    _READ[key] = year
    return year
