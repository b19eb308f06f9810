"""Reading a whole year: every form of ``<data>/<Y>/provinces/`` into an :class:`Intake`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from atiyeh_reports.jalali import fiscal_year_end, fiscal_year_start
from atiyeh_reports.params import Params
from atiyeh_reports.quality import UNREADABLE, WARNING, Finding, Problem, findings_frame
from atiyeh_reports.intake.claims import (
    _Claim,
    _form_province,
    _mismatch_finding,
    _province_from_name,
    _relabel,
    _resolve_provinces,
)
from atiyeh_reports.intake.common import _Unreadable
from atiyeh_reports.intake.dedupe import _deduplicate
from atiyeh_reports.intake.inventory import PROVINCES, inventory, skipped_findings
from atiyeh_reports.intake.frames import (
    _children_frame,
    _performance_frame,
    _sort_findings,
    _summary_frame,
    Intake,
)
from atiyeh_reports.intake import reader
from atiyeh_reports.intake.reader import _header_findings, _read_form, _sheet_findings
from atiyeh_reports.intake.rules import _FileResult, _performance_values, _read_rows, _Rules

# --- the year -------------------------------------------------------------------------------
def ingest(params: Params, data_dir: Path | None = None) -> Intake:
    """Read every returned form of ``params.year`` into the clean tables.

    Parameters
    ----------
    params
        The year's parameters; ``eligibility`` decides who is kept.
    data_dir
        The raw data folder (``<data_dir>/<Y>/provinces/``: every entry is read or
        reported, see :mod:`atiyeh_reports.intake.inventory`); defaults to
        ``params.data_dir``.

    Returns
    -------
    Intake
        Children validated against :class:`atiyeh_reports.schema.ChildrenSchema`.
    """
    with _without_cyclic_gc():
        return _ingest(params, data_dir)


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


def _ingest(params: Params, data_dir: Path | None) -> Intake:
    from atiyeh_reports.schema import validate_children, validate_summary

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
    for path in entries.forms:
        file_findings: list[Finding] = []
        try:
            try:
                checked = reader._check_file(path, params.limits)
            except OSError as exc:  # it vanished, or may not be read
                raise _Unreadable(Problem.UNREADABLE_FILE, f"cannot open it ({exc.strerror})") from None
            wb = reader._open(path, checked)  # looked up at call time: tests swap the reader
            try:
                form = _read_form(wb, path)
                claim = _form_province(form, year, file_findings)
                code = claim.default
                file_findings.extend(_header_findings(form, code))
                file_findings.extend(_sheet_findings(form, wb, checked, code))
                result = _read_rows(form, code, rules)
                values, perf_findings = _performance_values(form, code)
            finally:
                wb.close()
        except _Unreadable as exc:
            code = _province_from_name(path)
            unreadable.append(f"{path.name}: {exc.detail}")
            if code:
                unreadable_codes.add(code)
            findings.extend(file_findings)
            findings.append(Finding(path.name, None, None, None, None, exc.problem, UNREADABLE, None, code,
                                    detail=exc.detail))
            continue
        result.findings[:0] = perf_findings
        read.append((claim, result, values, file_findings))

    # which province each form counts for is known only once every form's title and name are read
    results: list[_FileResult] = []
    performance: list[dict[str, object]] = []
    seen_forms: dict[str, str] = {}
    codes = _resolve_provinces([claim for claim, *_ in read])
    for (claim, result, values, file_findings), code in zip(read, codes, strict=True):
        if claim.mismatch:
            mismatch = _mismatch_finding(claim, code)
            if code is None:
                unreadable.append(f"{claim.file}: {mismatch.detail}")
                findings.append(mismatch)
                continue
            file_findings.insert(0, mismatch)
        if code != result.code:
            result = _relabel(result, code)
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
