"""De-duplication of national IDs within and across provinces."""

from __future__ import annotations

import datetime as dt

from atiyeh_reports.intake.common import (
    _ADMISSION,
    _COUNTY,
    _FIELD_HEADER,
    _NATIONAL_ID,
    _PROVINCE,
    _SOURCE_FILE,
    _SOURCE_ROW,
    _county_key,
    _province_counties,
)
from atiyeh_reports.intake.quality import REJECTED, WARNING, Finding, Problem
from atiyeh_reports.intake.rules import _FileResult, _Row


# --- de-duplication -------------------------------------------------------------------------
def _deduplicate(results: list[_FileResult]) -> None:
    """Reject repeated national IDs in place: within a province, then across provinces."""
    first_seen: dict[str, dict[str, _Row]] = {}
    # an ID in two or more provinces: only those are gathered, not every ID (found in the same pass)
    province_of: dict[str, str] = {}
    shared: set[str] = set()
    for result in results:
        code = result.code
        seen = first_seen.setdefault(code, {})
        kept: list[_Row] = []
        for row in result.rows:
            nid = row.record[_NATIONAL_ID]
            original = seen.setdefault(nid, row)
            if original is row:
                kept.append(row)
                if province_of.setdefault(nid, code) != code:
                    shared.add(nid)
                continue
            result.rejected += 1
            result.findings.extend(row.findings)
            result.findings.append(_duplicate_finding(
                row, Problem.DUPLICATE_IN_PROVINCE, REJECTED,
                f"kept {original.record[_SOURCE_FILE]} row {original.record[_SOURCE_ROW]}"))
        result.rows = kept

    del province_of, first_seen
    by_id: dict[str, list[tuple[_FileResult, _Row]]] = {}
    for result in results if shared else ():
        for row in result.rows:
            if row.record[_NATIONAL_ID] in shared:
                by_id.setdefault(row.record[_NATIONAL_ID], []).append((result, row))
    dropped: set[int] = set()
    for entries in by_id.values():
        winner_result, winner = min(entries, key=_counting_order)
        others = [(r, row) for r, row in entries if row is not winner]
        where = ", ".join(f"{r.code} ({row.record[_SOURCE_FILE]} row {row.record[_SOURCE_ROW]})"
                          for r, row in others)
        winner.findings = (*winner.findings, _duplicate_finding(winner, Problem.DUPLICATE_COUNTED_HERE,
                                                                WARNING, f"also in {where}"))
        for result, row in others:
            dropped.add(id(row))
            result.rejected += 1
            result.findings.extend(row.findings)
            result.findings.append(_duplicate_finding(
                row, Problem.DUPLICATE_COUNTED_ELSEWHERE, REJECTED,
                f"counted in {winner_result.code} ({winner.record[_SOURCE_FILE]} row "
                f"{winner.record[_SOURCE_ROW]})"))
    if dropped:
        for result in results:
            result.rows = [row for row in result.rows if id(row) not in dropped]


def _counting_order(entry: tuple[_FileResult, _Row]) -> tuple:
    """Later admission first (empty = earliest), then a county of the form's own province,
    then lower province code, then file and row."""
    result, row = entry
    admission = row.record[_ADMISSION] or dt.date.min
    county = row.record[_COUNTY]
    elsewhere = county is None or _county_key(county) not in _province_counties(result.code)
    return (-admission.toordinal(), elsewhere, result.code, row.record[_SOURCE_FILE], row.record[_SOURCE_ROW])


def _duplicate_finding(row: _Row, problem: str, action: str, detail: str) -> Finding:
    r = row.record
    return Finding(str(r[_SOURCE_FILE]), row.sheet, int(r[_SOURCE_ROW]), _FIELD_HEADER["national_id"],
                   str(r[_NATIONAL_ID]), problem, action, None, str(r[_PROVINCE]),
                   str(r[_NATIONAL_ID]), detail)
