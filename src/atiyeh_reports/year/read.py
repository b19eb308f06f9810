"""A year's tables from disk: its clean tables (ingested again when stale), the insurer's export
and HQ's record of the year before. The only reading the year package does; what is read here
becomes a :class:`~atiyeh_reports.year.data.YearData` one level up."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from atiyeh_reports.allocation.record import find_notified_record, with_hq_notified
from atiyeh_reports.core import layout
from atiyeh_reports.core.params import Params, history_params
from atiyeh_reports.core.provenance import code_fingerprint, digest_of, file_hashes
from atiyeh_reports.errors import InputError
from atiyeh_reports.insurer.export import read_insurer_export
from atiyeh_reports.intake import ingest, read_clean, write_clean
from atiyeh_reports.intake.inventory import FORM_SUFFIXES, PROVINCES, inventory

STAMP = "inputs.json"


def check_data_dir(data_dir: Path, year: int) -> None:
    """Fail early, saying what is expected, when a year's raw inputs are not there."""
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


def _stamp(params: Params, data_dir: Path, known: Iterable[dict[str, object]] = ()) -> dict[str, object]:
    found = inventory(data_dir, params.year)
    return {
        "year": params.year,
        "inputs": file_hashes(found.files(), data_dir, known),
        "skipped": found.stamp(),
        "eligibility": digest_of(params.eligibility.model_dump_json(), params.service.model_dump_json(),
                                 params.limits.model_dump_json()),
        "code": code_fingerprint(),
    }


def read_year(params: Params, data_dir: Path | None = None, *, force: bool = False,
              known: Iterable[dict[str, object]] = ()) -> dict[str, Any]:
    """The fields of a year's :class:`~atiyeh_reports.year.data.YearData` (without history).

    Ingests the forms (or reuses the clean tables when made from the same inputs, eligibility
    parameters and code), reads the insurer's export, and reads HQ's record of the year before
    once, applying it to ``performance``. ``known``: the raw inputs' hashes the caller already
    has (a build hashes them once for its manifest), so no file is hashed twice.
    """
    data_dir = Path(data_dir or params.data_dir)
    check_data_dir(data_dir, params.year)
    # HQ's record first: a record that cannot be used stops the build at once (exit 3), before the
    # forms are ingested and long before any notebook runs.
    notified = find_notified_record(params)
    clean = layout.clean_dir(data_dir, params.year)
    stamp = _stamp(params, data_dir, known)
    stamp_file = clean / STAMP
    current = (
        not force
        and stamp_file.is_file()
        and json.loads(stamp_file.read_text(encoding="utf-8")) == stamp
    )
    if current:
        result = read_clean(clean)
        policies = pd.read_parquet(clean / "policies.parquet")
        insurer_findings = pd.read_parquet(clean / "insurer_findings.parquet")
    else:
        result = ingest(params, data_dir)
        clean.mkdir(parents=True, exist_ok=True)
        write_clean(result, clean)
        policies, insurer_findings = read_insurer_export(params, data_dir)
        # Each file written beside its place, then renamed: two processes may clean one year at once.
        _replaced(clean / "policies.parquet", lambda p: policies.to_parquet(p, index=False))
        _replaced(clean / "insurer_findings.parquet", lambda p: insurer_findings.to_parquet(p, index=False))
        _replaced(stamp_file, lambda p: p.write_text(json.dumps(stamp, ensure_ascii=False, indent=1),
                                                     encoding="utf-8"))
    return dict(
        params=params,
        children=result.children,
        performance=with_hq_notified(params, result.performance, notified),
        findings=result.findings,
        summary=result.summary,
        policies=policies,
        insurer_findings=insurer_findings,
        unreadable=tuple(result.unreadable),
        notified=notified,
    )


def read_history(params: Params, year: int, known: Iterable[dict[str, object]] = ()) -> dict[str, Any] | None:
    """An earlier year's fields with its own parameters, or ``None`` when it has no data."""
    if not layout.provinces_dir(params.data_dir, year).is_dir():
        return None
    return read_year(history_params(params, year), known=known)


def _replaced(path: Path, write: Callable[[Path], object]) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    write(partial)
    os.replace(partial, path)
