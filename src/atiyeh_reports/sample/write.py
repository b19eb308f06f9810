"""A deterministic, realistic sample data set, with its dirt written down.

:func:`write_sample` simulates the programme's children over the years (the
same children persist, older by a year; 17-year-olds age out, some leave care,
new admissions come in), writes each year's 31 returned forms with
:func:`atiyeh_reports.forms.write.write_form` and the insurer's export, and plants
the problems real files show. Every planted problem is listed in
``<out>/planted.json`` so that the intake and reconciliation tests can check
each one is found.

Layout (docs/data-contracts.md)::

    <out>/<Y>/provinces/<code>_<name>.xlsx
    <out>/<Y>/insurer/policies.xlsx      (policies.csv, UTF-8 with BOM, for 1403)
    <out>/planted.json

Each planted entry has ``year``, ``kind``, ``file`` (relative to ``<out>``,
POSIX), ``sheet``, ``row`` (Excel row, 1-based; for the CSV, the line), ``cell``
(e.g. ``'B17'``), ``column`` (the header as written), ``value`` (as written;
Excel dates as ISO text), ``expected`` (the action the intake should take:
``corrected``, ``rejected``, ``warning`` or ``ignored``, or for the insurer
export the reconciliation category of :mod:`atiyeh_reports.insurer.reconciliation`:
``no_policy``, ``not_on_list``, ``duplicate``, ``premium_mismatch``,
``province_mismatch``, ``inactive``, ``matched``), ``province_code``,
``national_id`` (the child's true ID, when there is one) and ``note``.
Entries for things that are absent (a child without a policy) have no cell.

Children rejected by a planted problem (bad check digit, impossible birth
date, no court order, over the age limit) get no policy in the insurer's
export, since HQ's list to the insurer leaves them out.

The same ``seed`` gives byte-identical files.

The children are simulated in :mod:`.population`, the dirt is planted and
``planted.json`` written in :mod:`.dirt`, the insurer's export is written in
:mod:`.insurer_export`; this module writes the forms, the performance they
report and HQ's record of each year's allocation.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from atiyeh_reports.allocation import record as hq_record
from atiyeh_reports.allocation.allocate import allocate
from atiyeh_reports.core import layout
from atiyeh_reports.core.params import load_params
from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.forms.template import FormVariant, form_filename
from atiyeh_reports.forms.write import write_form
from atiyeh_reports.sample.dirt import (
    _frame,
    _misreport_entry,
    _misreports,
    _plant_forms,
    _resolve,
    _write_planted,
)
from atiyeh_reports.sample.insurer_export import _write_insurer
from atiyeh_reports.sample.population import PREMIUMS, _Child, _simulate


@dataclass(frozen=True)
class SampleInfo:
    """What :func:`write_sample` wrote.

    Attributes
    ----------
    out_dir
        The folder written.
    files
        Every file written, sorted.
    planted
        The planted problems, as in ``planted.json``.
    children
        Year → province code → children truly listed (before planted dirt).
    """

    out_dir: Path
    files: tuple[Path, ...]
    planted: tuple[dict[str, object], ...]
    children: dict[int, dict[str, int]]


def write_sample(out_dir: Path, years: Sequence[int] = (1402, 1403, 1404), seed: int = 1404, *,
                 params_dir: Path | None) -> SampleInfo:
    """Write the sample data set for ``years`` under ``out_dir``.

    Parameters
    ----------
    out_dir
        Created if missing; existing files of the same names are overwritten.
    years
        Report years; each must have a premium for itself and the year before
        (:data:`PREMIUMS`).
    seed
        The same seed gives byte-identical files.
    params_dir
        Where ``<year>.yaml`` are (``atiyeh sample`` passes the project's ``params/``):
        each year with a file there gets HQ's record of
        its allocation, computed from that file with :func:`~atiyeh_reports.allocation.allocate.allocate`, at
        ``<out>/<year>/hq/allocation.csv``; the next year's forms report that
        amount as notified, except a few planted discrepancies
        (:data:`NOTIFIED_PLANTS`). ``None``: no records, forms report
        children × premium as before.

    Returns
    -------
    SampleInfo
    """
    years = sorted(set(years))
    missing = [y for y in years if y not in PREMIUMS or y - 1 not in PREMIUMS]
    if not years or missing:
        raise AtiyehError(
            f"sample years {missing or years}: premiums are known for {sorted(PREMIUMS)} only; "
            "choose years from 1402 to 1404"
        )
    out_dir = Path(out_dir)
    rng = random.Random(f"atiyeh-sample-{seed}")
    listed, leavers = _simulate(rng, range(years[0] - 1, years[-1] + 1))
    files: list[Path] = []
    planted: list[dict[str, object]] = []
    records: dict[int, dict[str, int]] = {}
    active: dict[int, dict[str, int]] = {}  # year → province code → active policies in the export
    for year in years:
        year_rng = random.Random(f"atiyeh-sample-{seed}-{year}")
        forms, variants, year_plants, rejected = _plant_forms(year_rng, year, listed[year], leavers[year])
        folder = layout.provinces_dir(out_dir, year)
        folder.mkdir(parents=True, exist_ok=True)
        record = records.get(year - 1)
        misreport = _misreports(random.Random(f"atiyeh-sample-{seed}-{year}-notified"), record)
        performance: dict[str, dict[str, int]] = {}
        for code, rows in forms.items():
            path = folder / form_filename(code)
            variant = variants.get(code, FormVariant())
            frame = _frame(rows, variant)
            perf = _performance(year_rng, year, listed[year - 1][code], leavers[year][code],
                                None if record is None else record[code], misreport.get(code),
                                active.get(year - 1, {}).get(code))
            performance[code] = perf
            write_form(path, code, year, frame, perf, variant=variant)
            files.append(path)
            planted += _resolve(rows, variant, year, path.relative_to(out_dir).as_posix(), code)
            if code in misreport:
                planted.append(_misreport_entry(year, misreport[code], path.relative_to(out_dir).as_posix(),
                                                perf["credit_notified"], code, record[code]))
        planted += year_plants
        written = _write_hq_record(out_dir, params_dir, year, listed[year], rejected, performance)
        if written is not None:
            records[year], path = written
            files.append(path)
        path, insurer_plants, active[year] = _write_insurer(year_rng, out_dir, year, listed[year],
                                                            leavers[year], rejected)
        files.append(path)
        planted += insurer_plants
    files.append(_write_planted(out_dir, planted))
    counts = {y: {c: len(kids) for c, kids in listed[y].items()} for y in years}
    return SampleInfo(out_dir, tuple(sorted(files)), tuple(planted), counts)


def _performance(rng: random.Random, year: int, previous: list[_Child],
                 left: list[tuple[_Child, str]], notified: int | None = None,
                 misreport: str | None = None, policies: int | None = None) -> dict[str, int]:
    """The province's performance in ``year - 1``: HQ's notified credit, spent 75–100% of it.

    Without HQ's record (``notified`` None) the province reports children × premium;
    ``policies`` (the active policies of ``year - 1``'s export under the province)
    is reported as issued when known, else a few fewer than the children.
    """
    covered = len(previous)
    needed = covered * PREMIUMS[year - 1]
    notified = needed if notified is None else notified
    spent = notified * rng.randint(750, 1000) // 1000 // 1000 * 1000
    reported = {
        None: notified,
        "notified_as_requirement": needed,
        "notified_typo": notified + 100_000_000,
        "notified_within_tolerance": notified + 400_000,
    }[misreport]
    return {
        "credit_notified": reported,
        "credit_spent": spent,
        "children_covered": covered,
        "policies_issued": policies if policies is not None else covered - rng.randint(0, min(4, covered)),
        "children_left": len(left),
    }


# --- HQ's record of the allocation --------------------------------------------------------------
def _write_hq_record(out_dir: Path, params_dir: Path | None, year: int, listed: dict[str, list[_Child]],
                     rejected: set[str], performance: dict[str, dict[str, int]]
                     ) -> tuple[dict[str, int], Path] | None:
    """Allocate ``year``'s credit from ``params/<year>.yaml`` and write HQ's record of it.

    The eligible children are those listed and not rejected by a planted
    problem; the allocation is :func:`~atiyeh_reports.allocation.allocate.allocate` itself, so the record is
    what that year's build would have notified. None when there is no such file.
    """

    path = None if params_dir is None else Path(params_dir) / f"{year}.yaml"
    if path is None or not path.is_file():
        return None
    params = load_params(path)
    codes = sorted(listed)
    eligible = {c: sum(1 for k in listed[c] if k.national_id not in rejected) for c in codes}
    premium = params.service.per_capita_premium
    requirement = {c: eligible[c] * premium for c in codes}
    allocated = allocate(params, requirement, performance).allocated
    table = pd.DataFrame({
        "province_code": codes, "province_name": [name_fa(c) for c in codes],
        "eligible_children": [eligible[c] for c in codes],
        "requirement": [requirement[c] for c in codes], "allocated": [allocated[c] for c in codes],
    })
    target = hq_record.hq_dir(out_dir, year) / hq_record.RECORD_FILE
    hq_record.write_allocation_record(hq_record.allocation_record(params, table), target)
    return allocated, target
