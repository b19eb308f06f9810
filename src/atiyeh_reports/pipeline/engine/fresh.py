"""Is a build's output still current? Decided from file hashes, before any heavy import.

A full build records, in its manifest, a ``freshness`` entry: the resolved
parameter file and its SHA-256 (and those of the history years' parameter
files beside it), the data folder, the notebooks' hashes and the code's
fingerprint. :func:`unchanged` recomputes those, lists and hashes the raw
inputs again, re-hashes every output the manifest lists, and says whether
everything is as recorded. It uses the standard library only (no pandas,
pydantic, nbformat or WeasyPrint), so ``atiyeh build`` with nothing to do
returns in a fraction of a second and rewrites nothing.

Anything it cannot confirm (no manifest, an older manifest without the entry,
a changed or unreadable file) makes it answer "changed", and the full build,
which checks each report separately, decides what to run.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from atiyeh_reports import __version__
from atiyeh_reports.core import layout
from atiyeh_reports.core.provenance import OUTSIDE, code_fingerprint, file_hashes, relative_to_params, sha256_file

MANIFEST = "manifest.json"


def freshness(params_path: Path, data_dir: Path, notebook_dir: Path, reports: Iterable[str],
              history_years: Iterable[int], *, data_dir_given: bool, pack: bool = True) -> dict[str, object]:
    """What a build's outputs depend on, as hashes (stored in the manifest as ``freshness``).

    ``data_dir_given``: the data folder came from ``--data`` rather than the parameter file.
    """
    params_path = Path(params_path).resolve()
    siblings = {}
    for year in sorted(history_years):
        sibling = params_path.with_name(f"{year}.yaml")
        siblings[str(year)] = sha256_file(sibling) if sibling.is_file() else None
    notebooks = {}
    for name in sorted(reports):
        path = Path(notebook_dir) / f"{name}.ipynb"
        notebooks[name] = sha256_file(path) if path.is_file() else None
    return {
        "package_version": __version__,
        "code": code_fingerprint(),
        # Relative to the parameter file, as everywhere in the manifest (no absolute path).
        "params_file": params_path.name,
        "params_sha256": sha256_file(params_path),
        "history_params_sha256": siblings,
        "data_dir": relative_to_params(Path(data_dir).resolve(), params_path),
        "data_dir_given": bool(data_dir_given),
        "notebook_dir": relative_to_params(Path(notebook_dir).resolve(), params_path),
        "notebooks": notebooks,
        "pack": bool(pack),
    }


def input_hashes(data_dir: Path, year: int, history_years: Iterable[int],
                 records: Iterable[Path] = ()) -> list[dict[str, object]]:
    """``[{path, sha256, bytes}]`` of the raw inputs of ``year`` and its history years.

    ``records``: the places HQ's record of last year's allocation may be
    (``hq_record.record_candidates``); those that exist are inputs too.
    """
    files = layout.raw_inputs(data_dir, year)
    for past in history_years:
        files += layout.raw_inputs(data_dir, past)
    found = [Path(p) for p in records if Path(p).is_file()]
    return file_hashes(files + found, Path(data_dir))


def read_manifest(out_dir: Path) -> dict | None:
    try:
        manifest = json.loads((Path(out_dir) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def unchanged(params_path: Path, out_dir: Path, notebook_dir: Path, *, data_dir: Path | None = None,
              expected_year: int | None = None, accept_unreadable: bool = False,
              accept_missing: bool = False, pack: bool = True, internal_dir: Path | None = None) -> dict | None:
    """The previous manifest when nothing a build depends on changed, else ``None``.

    Parameters
    ----------
    params_path, data_dir, notebook_dir
        As given to the build (``data_dir=None``: the parameter file's own).
    out_dir
        The output folder holding ``manifest.json``.
    expected_year
        The year the command asked for; a mismatch is left to the full build to report.
    accept_unreadable, accept_missing
        A previous build that skipped unreadable forms, or accepted provinces without
        data, is current only with the same flag.
    """
    manifest = read_manifest(out_dir)
    if not manifest:
        return None
    recorded = manifest.get("freshness")
    params = manifest.get("params") or {}
    if not isinstance(recorded, dict) or not isinstance(params, dict):
        return None
    try:
        year = int(manifest["year"])
        history = [int(y) for y in params.get("history_years", ())]
        if expected_year is not None and year != expected_year:
            return None
        if (manifest.get("intake") or {}).get("unreadable") and not accept_unreadable:
            return None
        if (manifest.get("intake") or {}).get("provinces_without_data") and not accept_missing:
            return None
        here = Path(params_path).resolve()
        if here.name != recorded["params_file"]:
            return None
        data = Path(data_dir).resolve() if data_dir is not None else (here.parent / recorded["data_dir"]).resolve()
        now = freshness(params_path, data, notebook_dir, recorded["notebooks"], history,
                        data_dir_given=data_dir is not None, pack=pack)
        if now != recorded:
            return None
        # Where HQ's record may be, worked out again as the build does (the manifest may only name
        # a file outside the project by a placeholder); a named one outside it is looked for anew.
        named = (params.get("checks") or {}).get("notified_record")
        if isinstance(named, str) and named.startswith(OUTSIDE + "/"):
            return None
        records = layout.record_candidates(here, data, year, named)
        if input_hashes(data, year, history, records) != manifest.get("inputs"):
            return None
        internal = manifest.get("internal") or {}
        checks = [(Path(out_dir), o) for o in manifest.get("outputs", ())]
        if internal.get("outputs"):  # the internal tree asked for (default beside out_dir) must hold them
            if internal_dir is None:
                return None
            checks += [(Path(internal_dir), o) for o in internal["outputs"]]
        for folder, output in checks:
            path = folder / output["path"]
            if not path.is_file() or path.stat().st_size != output.get("bytes", -1):
                return None
            if sha256_file(path) != output["sha256"]:
                return None
    except (OSError, KeyError, TypeError, ValueError):
        return None
    return manifest
