"""One returned form read whole: what the year's loop needs of it, in a form a helper process can send.

:func:`_read_file` is the body of the intake's loop over the forms: check the
zip package, open the workbook, find its sheets and province, judge its rows
and read its performance values. It returns a :class:`_Read` (the form was
read) or a :class:`_Lost` (it could not be; with the reason), and never keeps
the workbook open. :func:`_pack` and :func:`_unpack` turn either into plain
tuples and back (a :class:`_Row` or :class:`Finding` object costs ~10 times
more to pickle than its values), for :mod:`atiyeh_reports.intake.pool`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

from atiyeh_reports.core.params import Limits
from atiyeh_reports.intake import reader
from atiyeh_reports.intake.claims import _Claim, _form_province, _province_from_name
from atiyeh_reports.intake.common import _Unreadable
from atiyeh_reports.intake.quality import Finding, Problem, _finding_values
from atiyeh_reports.intake.reader import _header_findings, _read_form, _sheet_findings
from atiyeh_reports.intake.rules import _FileResult, _performance_values, _read_rows, _Row, _Rules


@dataclass
class _Read:
    """A form that was read: which province it claims, its rows, performance values and file findings."""

    claim: _Claim
    result: _FileResult
    values: dict[str, int | None]
    findings: list[Finding]


@dataclass
class _Lost:
    """A form that could not be read: why, and the findings made before that was known."""

    file: str
    problem: str
    detail: str
    findings: list[Finding]
    code: str | None  # the province its file name names, if any


def _read_file(path: Path, year: int, rules: _Rules, limits: Limits, code: str | None = None) -> _Read | _Lost:
    """Read one form; a file that cannot be read is a :class:`_Lost`, never an exception.

    Its rows are judged (their counties checked) under ``code`` when given: the
    province the year's other forms decided it counts under; else under the
    province its title (or file name) names.
    """
    file_findings: list[Finding] = []
    try:
        try:
            checked = reader._check_file(path, limits)
        except OSError as exc:  # it vanished, or may not be read
            raise _Unreadable(Problem.UNREADABLE_FILE, f"cannot open it ({exc.strerror})") from None
        with contextlib.ExitStack() as scratch:
            source, stray = path, []
            if checked.stray:  # a few cells far beyond the data: read a copy without them, and say so
                folder = Path(scratch.enter_context(tempfile.TemporaryDirectory(prefix="atiyeh-stray-")))
                source, stray = reader._without_stray_cells(path, checked, limits, folder)
                checked = dataclasses.replace(checked, stray=())
            wb = reader._open(source, checked)  # looked up at call time: tests swap the reader
            try:
                form = _read_form(wb, path)
                claim = _form_province(form, year, file_findings)
                code = code or claim.default  # a second read judges rows under the province it counts under
                file_findings.extend(reader._stray_findings(stray, path.name, code))
                file_findings.extend(_header_findings(form, code))
                file_findings.extend(_sheet_findings(form, wb, checked, code))
                result = _read_rows(form, code, rules)
                values, perf_findings = _performance_values(form, code)
            finally:
                wb.close()
    except _Unreadable as exc:
        return _Lost(path.name, exc.problem, exc.detail, file_findings, _province_from_name(path))
    result.findings[:0] = perf_findings
    return _Read(claim, result, values, file_findings)


# --- plain values, for a helper process to send ---------------------------------------------
def _pack_findings(findings: list[Finding] | tuple[Finding, ...]) -> list[tuple]:
    return list(map(_finding_values, findings))


def _unpack_findings(values: list[tuple]) -> list[Finding]:
    return [Finding(*v) for v in values]


def _pack(outcome: _Read | _Lost) -> tuple:
    """``outcome`` as nested tuples of plain values (what :func:`_unpack` turns back)."""
    if isinstance(outcome, _Lost):
        return ("lost", outcome.file, outcome.problem, outcome.detail, _pack_findings(outcome.findings),
                outcome.code)
    result = outcome.result
    sheet = result.rows[0].sheet if result.rows else None
    # most rows are a record alone: the others (findings, a correction, another sheet) by position
    extras = {i: (row.corrected, _pack_findings(row.findings), row.sheet)
              for i, row in enumerate(result.rows)
              if row.corrected or row.findings or row.sheet != sheet}
    packed = (result.code, result.file, [row.record for row in result.rows], extras, sheet,
              _pack_findings(result.findings), result.rows_read, result.rejected, result.blank_rows,
              result.performance)
    return ("read", outcome.claim, packed, outcome.values, _pack_findings(outcome.findings))


def _unpack(packed: tuple) -> _Read | _Lost:
    if packed[0] == "lost":
        _, file, problem, detail, findings, code = packed
        return _Lost(file, problem, detail, _unpack_findings(findings), code)
    _, claim, result, values, findings = packed
    code, file, records, extras, sheet, result_findings, rows_read, rejected, blank_rows, performance = result
    rows = [_Row(record, False, (), sheet) for record in records]
    for i, (corrected, row_findings, row_sheet) in extras.items():
        rows[i] = _Row(records[i], corrected, tuple(_unpack_findings(row_findings)), row_sheet)
    return _Read(claim, _FileResult(code, file, rows, _unpack_findings(result_findings), rows_read, rejected,
                                    blank_rows, performance), values, _unpack_findings(findings))
