"""Reading a whole year: every form of ``<data>/<Y>/provinces/`` into an :class:`Intake`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from atiyeh_reports.core import layout
from atiyeh_reports.core.jalali import fiscal_year_end, fiscal_year_start
from atiyeh_reports.core.params import Params
from atiyeh_reports.intake.claims import (
    _Claim,
    _mismatch_finding,
    _province_from_name,
    _relabel,
    _resolve_provinces,
)
from atiyeh_reports.intake.contracts import validate_children, validate_summary
from atiyeh_reports.intake.dedupe import _deduplicate
from atiyeh_reports.intake.files import _Lost, _Read, _read_file
from atiyeh_reports.intake.frames import (
    Intake,
    _children_frame,
    _performance_frame,
    _sort_findings,
    _summary_frame,
)
from atiyeh_reports.intake.inventory import PROVINCES, inventory, skipped_findings
from atiyeh_reports.intake.pool import read_forms
from atiyeh_reports.intake.quality import UNREADABLE, WARNING, Finding, Problem, findings_frame
from atiyeh_reports.intake.rules import _FileResult, _Rules


# --- the year -------------------------------------------------------------------------------
def ingest(params: Params, data_dir: Path | None = None, *, workers: int | None = None) -> Intake:
    """Read every returned form of ``params.year`` into the clean tables.

    Parameters
    ----------
    params
        The year's parameters; ``eligibility`` decides who is kept.
    data_dir
        The raw data folder (``<data_dir>/<Y>/provinces/``: every entry is read or
        reported, see :mod:`atiyeh_reports.intake.inventory`); defaults to
        ``params.data_dir``.
    workers
        How many processes read the forms (this one included; see
        :mod:`atiyeh_reports.intake.pool`): None (the default) uses every core
        (at most 4) for a large year and this process alone for a small one
        (under 16 MB of forms, ~300,000 rows); 1 reads them here, one after another. The tables
        and findings are the same either way.

    Returns
    -------
    Intake
        Children validated against :class:`atiyeh_reports.intake.contracts.ChildrenSchema`.
    """
    with _without_cyclic_gc():
        return _ingest(params, data_dir, workers)


@contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """Pause Python's cycle collector while a year is read.

    The intake makes a few objects per row (records, findings) and no reference
    cycles; each collection would walk every object made so far, which for a
    million rows costs seconds. Reference counting still frees everything.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _ingest(params: Params, data_dir: Path | None, workers: int | None) -> Intake:

    year = params.year
    rules = _Rules(
        year=year, start=fiscal_year_start(year), end=fiscal_year_end(year),
        age_limit=params.eligibility.age_limit,
        guardianships=frozenset(params.eligibility.guardianship),
        require_court_order=params.eligibility.require_court_order,
    )
    findings: list[Finding] = []
    unreadable: list[str] = []
    unreadable_codes: set[str] = set()
    read: list[tuple[_Claim, _FileResult, dict[str, int | None], list[Finding]]] = []
    entries = inventory(Path(data_dir or params.data_dir), year)
    findings.extend(skipped_findings(entries.skipped_in(PROVINCES), _province_from_name))
    scratch = layout.clean_dir(Path(data_dir or params.data_dir), year)
    for outcome in read_forms(entries.forms, year, rules, params.limits, workers, scratch=scratch):
        if isinstance(outcome, _Lost):
            unreadable.append(f"{outcome.file}: {outcome.detail}")
            if outcome.code:
                unreadable_codes.add(outcome.code)
            findings.extend(outcome.findings)
            findings.append(Finding(outcome.file, None, None, None, None, outcome.problem, UNREADABLE, None,
                                    outcome.code, detail=outcome.detail))
            continue
        read.append((outcome.claim, outcome.result, outcome.values, outcome.findings))

    # which province each form counts for is known only once every form's title and name are read
    results: list[_FileResult] = []
    performance: list[dict[str, object]] = []
    seen_forms: dict[str, str] = {}
    codes = _resolve_provinces([claim for claim, *_ in read])
    paths = {path.name: path for path in entries.forms}
    for (claim, result, values, file_findings), code in zip(read, codes, strict=True):
        if code is not None and code != result.code:
            # read again, its rows judged under the province it counts under (a copied title's
            # province has other counties); should it have gone meanwhile, its rows are relabelled below
            again = _read_file(paths[claim.file], year, rules, params.limits, code)
            if isinstance(again, _Read) and again.claim == claim:
                result, values, file_findings = again.result, again.values, again.findings
        if claim.mismatch:
            mismatch = _mismatch_finding(claim, code)
            if code is None:
                unreadable.append(f"{claim.file}: {mismatch.detail}")
                findings.append(mismatch)
                continue
            file_findings.insert(0, mismatch)
        if code != result.code:
            result = _relabel(result, code)
        if code != claim.default:
            file_findings = [replace(f, province_code=code) if f.province_code == claim.default else f
                             for f in file_findings]
        findings.extend(file_findings)
        if code in seen_forms:
            findings.append(Finding(claim.file, None, None, None, claim.file, Problem.SECOND_FORM, WARNING,
                                    None, code, detail=f"first form: {seen_forms[code]}"))
        elif values:
            performance.append({"year": year, "performance_year": year - 1, "province_code": code,
                                **values, "source_file": claim.file})
        seen_forms.setdefault(code, claim.file)
        results.append(result)
    del read

    _deduplicate(results)
    for result in results:
        findings.extend(result.findings)
        for row in result.rows:
            findings.extend(row.findings)
    summary_table = _summary_frame(results, unreadable_codes - set(seen_forms))
    children_table = _children_frame(results)
    del results  # the rows are in the table now: let a large year's records go before validating
    children = validate_children(children_table)
    summary = validate_summary(summary_table)
    return Intake(
        year=year,
        children=children,
        performance=_performance_frame(performance),
        findings=_sort_findings(findings_frame(findings)),
        summary=summary,
        unreadable=tuple(unreadable),
    )
