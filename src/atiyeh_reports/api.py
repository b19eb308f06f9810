"""One call for an analyst: a year's validated parameters and clean tables.

>>> from atiyeh_reports.api import load_year, to_excel
>>> y = load_year(1404)            # from any folder: the project is found (or root=...)
>>> tehran = y.province("تهران")   # that province's tables (views) and indicators
>>> change = y.compare(1403)       # main indicators per province, both years and the change

``repr(y)`` and its JupyterLab display are a short summary without names or IDs
(:mod:`atiyeh_reports.summaries`); ``y.view("children")`` is a table with province
names and Jalali dates and without names or IDs (:mod:`atiyeh_reports.explore`);
``to_excel(table, path)`` writes any table as a right-to-left sheet
(:mod:`atiyeh_reports.export`).

The clean tables are read from ``<data_dir>/clean/<year>/`` when they were
made from the same raw inputs, eligibility parameters and code; otherwise the
year is ingested again and the clean tables rewritten. Earlier years named in
``history_years`` are loaded the same way, each with its own ``params/<year>.yaml``
when there is one (else with this year's parameters and the year changed).

Computed once per build: the build loads the year once, reconciles it once,
and writes both as a snapshot (``<data_dir>/clean/<year>/snapshot.pickle``)
keyed by everything they were made from (the validated parameters of the year
and its history years, the hashes of every raw input, the code, the Python and
pandas versions). :func:`load_year` in each notebook reads that snapshot when
its key matches what it would load, and computes the year itself otherwise, so
a notebook opened alone in JupyterLab or run with the papermill CLI gives the
same result either way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from atiyeh_reports import explore, layout, summaries
from atiyeh_reports.errors import InputError
from atiyeh_reports.export import to_excel
from atiyeh_reports.layout import raw_inputs  # noqa: F401 - public here too (it lives with the layout)
from atiyeh_reports.params import Params, load_params, params_json
from atiyeh_reports.provenance import code_fingerprint, digest_of, file_hashes

STAMP = "inputs.json"
SNAPSHOT = "snapshot.pickle"
__all__ = ["YearData", "load_year", "prepare_year", "to_excel"]


@dataclass(frozen=True)
class YearData:
    """A year's parameters and clean tables (see docs/data-contracts.md)."""

    params: Params
    children: pd.DataFrame
    performance: pd.DataFrame
    findings: pd.DataFrame
    summary: pd.DataFrame
    policies: pd.DataFrame
    insurer_findings: pd.DataFrame
    unreadable: tuple[str, ...] = ()
    history: dict[int, YearData] = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.params.year

    @property
    def children_by_year(self) -> dict[int, pd.DataFrame]:
        """Children of every year loaded, oldest first, this year last."""
        years = {y: d.children for y, d in sorted(self.history.items())}
        years[self.year] = self.children
        return years

    @property
    def performance_by_year(self) -> dict[int, pd.DataFrame]:
        years = {y: d.performance for y, d in sorted(self.history.items())}
        years[self.year] = self.performance
        return years

    # --- for analysts (explore.py, summaries.py) ---------------------------------------------
    def view(self, table: str) -> pd.DataFrame:
        """A table as an analyst sees it: province names, Jalali dates, no names or IDs
        (:func:`atiyeh_reports.explore.view`); ``table`` is one of ``explore.TABLES``."""
        if table not in explore.TABLES:
            raise KeyError(f"no table {table!r}; the tables are {', '.join(explore.TABLES)}")
        return explore.view(getattr(self, table))

    def province(self, name: str) -> explore.ProvinceData:
        """That province's tables and indicators (:func:`atiyeh_reports.explore.province`)."""
        return explore.province(self, name)

    def compare(self, other: int | YearData) -> pd.DataFrame:
        """Main indicators per province in two years (:func:`atiyeh_reports.explore.compare`)."""
        return explore.compare(self, other)

    def __repr__(self) -> str:
        return summaries.year_repr(self)

    def _repr_html_(self) -> str:
        return summaries.year_html(self)


def check_data_dir(data_dir: Path, year: int) -> None:
    """Fail early, saying what is expected, when a year's raw inputs are not there."""
    from atiyeh_reports.intake.inventory import FORM_SUFFIXES, PROVINCES, inventory

    forms = layout.provinces_dir(data_dir, year)
    if not Path(data_dir).is_dir():
        raise InputError(
            f"data folder {data_dir} does not exist; pass --data DIR (or DATA_DIR=...) pointing at a "
            f"folder with <year>/provinces/*.xlsx, or run `make sample` for the sample data"
        )
    if not forms.is_dir():
        raise InputError(
            f"no returned forms for {year}: expected the folder {forms} with one workbook per province"
        )
    found = inventory(data_dir, year)
    if not found.forms:
        skipped = found.skipped_in(PROVINCES)
        listed = "".join(f"\n  {e.line()}" for e in skipped[:20])
        more = f"\n  ... and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        raise InputError(
            f"no readable returned form for {year} in {forms} (read: {', '.join(FORM_SUFFIXES)}, any "
            f"letter case); {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} not read{listed}{more}"
        )


def _stamp(params: Params, data_dir: Path) -> dict[str, object]:
    from atiyeh_reports.intake.inventory import inventory

    found = inventory(data_dir, params.year)
    return {
        "year": params.year,
        "inputs": file_hashes(found.files(), data_dir),
        "skipped": found.stamp(),
        "eligibility": digest_of(params.eligibility.model_dump_json(), params.service.model_dump_json(),
                                 params.limits.model_dump_json()),
        "code": code_fingerprint(),
    }


def prepare_year(params: Params, data_dir: Path | None = None, *, force: bool = False) -> YearData:
    """Ingest a year (or reuse its clean tables when still current) and read the insurer's export."""
    from atiyeh_reports import insurer, intake

    data_dir = Path(data_dir or params.data_dir)
    check_data_dir(data_dir, params.year)
    clean = layout.clean_dir(data_dir, params.year)
    stamp = _stamp(params, data_dir)
    stamp_file = clean / STAMP
    current = (
        not force
        and stamp_file.is_file()
        and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp
    )
    if current:
        result = intake.read_clean(clean)
        policies = pd.read_parquet(clean / "policies.parquet")
        insurer_findings = pd.read_parquet(clean / "insurer_findings.parquet")
    else:
        result = intake.ingest(params, data_dir)
        clean.mkdir(parents=True, exist_ok=True)
        intake.write_clean(result, clean)
        policies, insurer_findings = insurer.read_insurer_export(params, data_dir)
        # Each file written beside its place, then renamed: two processes may clean one year at once.
        _replaced(clean / "policies.parquet", lambda p: policies.to_parquet(p, index=False))
        _replaced(clean / "insurer_findings.parquet", lambda p: insurer_findings.to_parquet(p, index=False))
        _replaced(stamp_file, lambda p: p.write_text(json.dumps(stamp, ensure_ascii=False, indent=1),
                                                     encoding="utf-8"))
    return YearData(
        params=params,
        children=result.children,
        performance=result.performance,
        findings=result.findings,
        summary=result.summary,
        policies=policies,
        insurer_findings=insurer_findings,
        unreadable=tuple(result.unreadable),
    )


def _replaced(path: Path, write: object) -> None:
    import os

    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    write(partial)  # type: ignore[operator]
    os.replace(partial, path)


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
) -> YearData:
    """The year's parameters, clean tables and insurer export, with the history years.

    ``params_path`` is a parameter file (``params/1404.yaml``) or a year (``1404``:
    ``params/<year>.yaml`` of the project, found from any working directory by
    :func:`atiyeh_reports.explore.project_root`, or in ``root``). A year without a
    parameter file raises :class:`~atiyeh_reports.errors.ParamsError` naming the files
    there are.
    """
    params = with_data_dir(load_params(_params_file(params_path, root), overrides), data_dir)
    key = snapshot_key(params)
    cached = _read_snapshot(params, key)
    if cached is not None:
        return cached
    year = prepare_year(params)
    history = {}
    for past in params.history_years:
        if layout.provinces_dir(params.data_dir, past).is_dir():
            history[past] = prepare_year(history_params(params, past))
    return YearData(**{**year.__dict__, "history": history})


def snapshot_key(params: Params) -> str:
    """A digest of everything :func:`load_year` reads for ``params`` (see the module docstring)."""
    import platform

    parts: list[object] = [code_fingerprint(), platform.python_version(), pd.__version__,
                           params_json(params)]
    parts.append(json.dumps(file_hashes(raw_inputs(params.data_dir, params.year), params.data_dir)))
    for past in params.history_years:
        parts.append(params_json(history_params(params, past)))
        parts.append(json.dumps(file_hashes(raw_inputs(params.data_dir, past), params.data_dir)))
    return digest_of(*parts)


def write_snapshot(year: YearData) -> Path:
    """Write ``year`` (with the reconciliations computed for it so far) for the notebooks to read."""
    import os
    import pickle

    from atiyeh_reports import insurer

    path = layout.clean_dir(year.params.data_dir, year.year) / SNAPSHOT
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"key": snapshot_key(year.params), "year": year,
               "reconciliations": dict(insurer._RECONCILED)}
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(path)
    return path


def _read_snapshot(params: Params, key: str) -> YearData | None:
    """The year from the build's snapshot when its key is ``key``, else ``None``."""
    import pickle

    from atiyeh_reports import insurer

    path = layout.clean_dir(params.data_dir, params.year) / SNAPSHOT
    try:
        stat = path.stat()
    except OSError:
        return None
    # A warm kernel runs many documents on one snapshot (the 31 province cards): it is read once.
    # Same file (size, mtime), same key, same parameter file: the very same YearData is returned.
    memo = (str(path), stat.st_size, stat.st_mtime_ns, key, str(params.source))
    if _SNAPSHOT_MEMO.get("key") == memo:
        return _SNAPSHOT_MEMO["year"]
    try:
        # Our own file, written by write_snapshot into the data folder it describes.
        payload = pickle.loads(path.read_bytes())  # noqa: S301
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("key") != key:
        return None
    for rec_key, rec in payload.get("reconciliations", {}).items():
        insurer.remember_reconciliation(rec_key, rec)
    year = payload["year"]
    # The parameter file may have moved or been copied: report the one actually read.
    year = YearData(**{**year.__dict__, "params": params})
    _SNAPSHOT_MEMO.clear()
    _SNAPSHOT_MEMO.update(key=memo, year=year)
    return year


#: The last snapshot read in this process (see :func:`_read_snapshot`).
_SNAPSHOT_MEMO: dict[str, object] = {}


def history_params(params: Params, year: int) -> Params:
    """The parameters of an earlier year: its own file beside this one when there is one
    (its premium, list date and credit were that year's), else this year's with the year changed.
    Either way the data come from this run's data folder."""
    own = Path(params.source).with_name(f"{year}.yaml") if params.source else None
    if own is not None and own.is_file():
        past = load_params(own)
        return past.model_copy(update={"data_dir": params.data_dir, "history_years": ()})
    return params.model_copy(update={"year": year, "history_years": ()})


def _params_file(params_path: int | str | Path, root: str | Path | None = None) -> Path:
    return explore.params_file(params_path, root)
