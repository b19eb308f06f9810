"""The row rules: judging each data row of a form, and the performance values."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from atiyeh_reports.core import layout
from atiyeh_reports.core.national_id import is_valid
from atiyeh_reports.core.text import to_ascii_digits
from atiyeh_reports.intake.columns import clean_records
from atiyeh_reports.intake.common import (
    _EXCEL_ERRORS,
    _NATIONAL_ID,
    _NUMBER_JUNK,
    _SHORTEST_LIMIT,
    _TEXT_LIMITS,
    _TOTAL_WORDS,
    PERFORMANCE_FIELDS,
    _county_key,
    _filled,
    _key,
    _province_counties,
)
from atiyeh_reports.intake.quality import CORRECTED, REJECTED, WARNING, Finding, Problem, as_text
from atiyeh_reports.intake.reader import _column_name, _Form, _openpyxl_values
from atiyeh_reports.intake.values import (  # noqa: F401 - the cell rules, importable here too
    _AS_THE_FORM_ASKS,
    _HIDE_DIGITS,
    _SHOW_DIGITS,
    _VOCABULARIES,
    _age,
    _clean_id,
    _coded,
    _order_text,
    _parse_cached,
    _parse_date,
    _parse_uncached,
    _repeated_text,
    _respelt,
    _respelt_text,
    _standard_value,
    _text_or_none,
)


# --- judging rows ---------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rules:
    year: int
    start: dt.date
    end: dt.date
    age_limit: int
    guardianships: frozenset[str]
    require_court_order: bool
    #: What each distinct typed value means, shared by the forms of one year (:mod:`intake.columns`).
    memos: dict = field(default_factory=dict, compare=False, hash=False, repr=False)



@dataclass(slots=True)
class _Row:
    """A row that passed every check of its own (duplicates are judged later)."""

    record: tuple  # the children.parquet values, in CHILDREN_COLUMNS order
    corrected: bool
    findings: tuple[Finding, ...]  # most rows have none: a tuple costs less than a list
    sheet: str | None = None

    @property
    def national_id(self) -> str:
        return self.record[_NATIONAL_ID]


def _judge_row(  # noqa: C901, PLR0912, PLR0915 - one check after another, in the form's order
    cells: Sequence[object], number: int, form: _Form, code: str, rules: _Rules,
) -> tuple[_Row | None, list[Finding]]:
    """Clean one data row: the row (or None when rejected) and its findings."""
    width = len(cells)
    values = {}
    for name, index in form.judged:
        value = cells[index] if index is not None and index < width else None
        values[name] = None if isinstance(value, str) and not value.strip() else value
    (raw_id, raw_first, raw_last, raw_gender, raw_birth, raw_guardianship, raw_care, raw_order,
     raw_admission, raw_county) = values.values()

    findings: list[Finding] = []
    rejected = corrected = False
    nid = _clean_id(raw_id)
    long = [n for n, v in values.items() if type(v) is str and len(v) > _SHORTEST_LIMIT and len(v) > _TEXT_LIMITS[n]]

    def note(name: str, problem: str, action: str, to: str | None = None, detail: str | None = None) -> None:
        nonlocal rejected, corrected
        rejected |= action == REJECTED
        corrected |= action == CORRECTED
        findings.append(Finding(form.file, form.sheet, number, form.header.written.get(name),
                                as_text(values.get(name)), problem, action, to, code, nid, detail))

    if nid is None:
        note("national_id", Problem.ID_UNUSABLE, REJECTED)
    elif not is_valid(nid):
        note("national_id", Problem.ID_CHECK_DIGIT, REJECTED)
    elif nid is not raw_id and (as_text(raw_id) or "").strip() != nid:  # not when a number kept all its digits
        note("national_id", Problem.ID_REFORMATTED, CORRECTED, nid)

    first, last = _text_or_none(raw_first, repeated=True), _text_or_none(raw_last, repeated=True)
    if first is None:
        note("first_name", Problem.NAME_MISSING, REJECTED)
    elif _respelt(raw_first):
        note("first_name", Problem.TEXT_NORMALIZED, CORRECTED, first)
    if last is None:
        note("last_name", Problem.NAME_MISSING, REJECTED)
    elif _respelt(raw_last):
        note("last_name", Problem.TEXT_NORMALIZED, CORRECTED, last)

    gender, standardized = _coded(raw_gender, "gender")
    if gender is None:
        note("gender", Problem.GENDER_UNKNOWN, REJECTED)
    elif standardized:
        note("gender", Problem.VALUE_STANDARDIZED, CORRECTED, gender)

    birth, why, rewritten = _parse_date(raw_birth)
    if birth is None:
        note("birth_date", Problem.BIRTH_INVALID, REJECTED, detail=why)
    elif birth > rules.end:
        note("birth_date", Problem.BIRTH_FUTURE, REJECTED, detail=f"after {rules.end}")
        birth = None
    elif rewritten:
        note("birth_date", Problem.DATE_REFORMATTED, CORRECTED, rewritten)

    guardianship, standardized = _coded(raw_guardianship, "guardianship")
    if guardianship is None:
        note("guardianship", Problem.GUARDIANSHIP_UNKNOWN, REJECTED)
    else:
        if standardized:
            note("guardianship", Problem.VALUE_STANDARDIZED, CORRECTED, guardianship)
        if guardianship not in rules.guardianships:
            note("guardianship", Problem.GUARDIANSHIP_NOT_ELIGIBLE, REJECTED,
                 detail=f"eligible: {', '.join(sorted(rules.guardianships))}")

    care, standardized = _coded(raw_care, "care_type")
    if raw_care is not None and care is None:
        note("care_type", Problem.CARE_UNKNOWN, WARNING)
    elif standardized:
        note("care_type", Problem.VALUE_STANDARDIZED, CORRECTED, care)

    court_order = _order_text(raw_order)
    if court_order is None and rules.require_court_order:
        note("court_order", Problem.COURT_ORDER_MISSING, REJECTED)
    elif type(raw_order) is str and court_order != raw_order.strip():  # normalized once, above
        note("court_order", Problem.TEXT_NORMALIZED, CORRECTED, court_order)

    admission: dt.date | None = None
    if raw_admission is not None:
        admission, why, rewritten = _parse_date(raw_admission)
        if admission is None:
            note("admission_date", Problem.ADMISSION_INVALID, WARNING, detail=why)
        elif admission > rules.end:
            note("admission_date", Problem.ADMISSION_FUTURE, WARNING, detail=f"after {rules.end}")
            admission = None
        elif birth is not None and admission < birth:
            note("admission_date", Problem.ADMISSION_BEFORE_BIRTH, WARNING, detail=f"birth date {birth}")
            admission = None
        elif rewritten:
            note("admission_date", Problem.DATE_REFORMATTED, CORRECTED, rewritten)

    age = None
    if birth is not None:
        age = _age(birth, rules.start)
        if age >= rules.age_limit:
            note("birth_date", Problem.OVER_AGE, REJECTED,
                 detail=f"age {age} on {rules.start}, limit {rules.age_limit}")

    county = _text_or_none(raw_county, repeated=True)
    if county is not None and _respelt(raw_county):
        note("county", Problem.TEXT_NORMALIZED, CORRECTED, county)
    if county is not None and _county_key(county) not in _province_counties(code):
        # The list is 1398's divisions: a newer county (or a typo) is kept, never rejected.
        note("county", Problem.COUNTY_UNKNOWN, WARNING, detail="not in data/counties.csv")

    for name in long:
        note(name, Problem.TEXT_TOO_LONG, WARNING,
             detail=f"{len(values[name]):,} characters; a {name} holds at most {_TEXT_LIMITS[name]}")

    if rejected:
        return None, findings
    record = (rules.year, code, nid, first, last, gender, birth, age, guardianship, care, court_order or "",
              admission, county, form.file, number)
    return _Row(record, corrected, tuple(findings), form.sheet), []


def _is_total(cells: Sequence[object], form: _Form) -> bool:
    index = form.header.columns["national_id"]
    raw_id = cells[index] if index < len(cells) else None
    if _clean_id(raw_id) is not None:
        return False
    for cell in cells:
        if isinstance(cell, str):
            key = _key(cell)
            if key in _TOTAL_WORDS or key.startswith("جمع"):
                return True
    return False


def _without_errors(cells: list, number: int, form: _Form, code: str, findings: list[Finding]) -> list:
    """The row with each Excel error value (``#N/A``, ``#REF!``, ...) read as empty, a finding each."""
    if not any(type(c) is str and c in _EXCEL_ERRORS for c in cells):
        return cells

    out = list(cells)
    for index, value in enumerate(cells):
        if type(value) is str and value in _EXCEL_ERRORS:
            findings.append(Finding(form.file, form.sheet, number, _column_name(form, index), value,
                                    Problem.ERROR_VALUE, WARNING, None, code,
                                    detail="read as empty; fix the formula or type the value"))
            out[index] = None
    return out


def _blank(cells: Sequence[object]) -> bool:
    """True when no cell of a row is filled (stops at the first filled one)."""
    return not any(_filled(c) for c in cells)


@dataclass
class _FileResult:
    code: str
    file: str = ""
    rows: list[_Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    rows_read: int = 0
    rejected: int = 0
    blank_rows: int = 0
    performance: dict[str, object] | None = None


def _read_rows(form: _Form, code: str, rules: _Rules) -> _FileResult:
    """Judge every row below the header: the clean ones column-wise, the others one by one."""
    result = _FileResult(code, form.path.name)
    pending_blank = 0
    file, sheet = form.path.name, form.sheet
    hidden, errors = form.hidden_rows, form.error_cells
    first_row = form.header.row + 1

    def other(cells: list, number: int) -> None:
        """A row not accepted column-wise: blank, hidden, a total, or judged row by row."""
        nonlocal pending_blank
        if errors:
            cells = _without_errors(cells, number, form, code, result.findings)
        if _blank(cells):
            pending_blank += 1
            return
        result.blank_rows += pending_blank
        pending_blank = 0
        if hidden and number in hidden:
            result.findings.append(Finding(file, sheet, number, None, None, Problem.HIDDEN_ROW, WARNING, None,
                                           code, detail="the row is hidden in the form; it was read all the same"))
        if _is_total(cells, form):
            shown = next(as_text(c) for c in cells if _filled(c))
            result.findings.append(Finding(file, sheet, number, None, shown, Problem.TOTAL_ROW, WARNING,
                                           None, code))
            return
        result.rows_read += 1
        row, findings = _judge_row(cells, number, form, code, rules)
        if row is None:
            result.rejected += 1
            result.findings.extend(findings)
        else:
            result.rows.append(row)

    if form.raw is not None and not errors:
        records, kept = clean_records(
            form.raw, form.judged, year=rules.year, code=code, file=file, sheet=sheet,
            written=form.header.written, first_row=first_row, start=rules.start,
            end=rules.end, age_limit=rules.age_limit, guardianships=rules.guardianships,
            require_court_order=rules.require_court_order, skip=hidden, memos=rules.memos)
        count, done = len(records), 0
        # the rows accepted column-wise go in runs (most rows are); the others one at a time, in order
        for offset in [i for i, record in enumerate(records) if record is None] + [count]:
            if offset > done:  # rows done..offset-1: as typed, or with the findings the fast path knows
                result.blank_rows += pending_blank
                pending_blank = 0
                result.rows_read += offset - done
                result.rows.extend(_accepted(records, done, offset, kept, sheet))
            if offset < count:
                other(_openpyxl_values(form.raw[offset]), first_row + offset)
            done = offset + 1
    else:
        for number, cells in enumerate(form.rows, start=first_row):
            other(cells, number)
    if result.rows_read == 0:
        result.findings.append(Finding(file, sheet, form.header.row + 1, None, None, Problem.NO_CHILDREN_ROWS,
                                       WARNING, None, code,
                                       detail="no row below the header names a child: the province has no "
                                              "children this year unless another form lists them"))
    if result.blank_rows:
        result.findings.append(Finding(file, sheet, None, None, str(result.blank_rows), Problem.BLANK_ROWS,
                                       WARNING, None, code, detail=f"{result.blank_rows} blank row(s)"))
    return result


def _accepted(records: list[tuple | None], start: int, end: int,
              kept: dict[int, tuple[tuple[Finding, ...], bool]], sheet: str) -> list[_Row]:
    """The rows of ``records[start:end]`` (all accepted column-wise); ``kept``: their findings, by offset."""
    if not kept:
        return [_Row(record, False, (), sheet) for record in records[start:end]]
    out = []
    for offset in range(start, end):
        extra = kept.get(offset)
        out.append(_Row(records[offset], extra[1], extra[0], sheet) if extra is not None
                   else _Row(records[offset], False, (), sheet))
    return out


def _performance_values(form: _Form, code: str) -> tuple[dict[str, int | None], list[Finding]]:
    file = form.path.name
    if form.performance is None:
        return {}, [Finding(file, form.performance_sheet, None, None, None, Problem.NO_PERFORMANCE_SHEET,
                            WARNING, None, code,
                            detail=f"expected a sheet '{layout.SHEET_PERFORMANCE}' with its headers")]
    values: dict[str, int | None] = {}
    findings: list[Finding] = []
    headers = {f: h for h, f in layout.PERFORMANCE_COLUMNS.items()}
    for name in PERFORMANCE_FIELDS:
        raw = form.performance.get(name)
        column = form.performance_header.get(name, headers[name])
        if type(raw) is str and raw in _EXCEL_ERRORS:
            values[name] = None
            findings.append(Finding(file, form.performance_sheet, form.performance_row, column, raw,
                                    Problem.ERROR_VALUE, WARNING, None, code,
                                    detail="left empty; fix the formula or type the value"))
            continue
        number, reformatted = _whole_number(raw)
        if number is not None and number > _INT64_MAX:
            findings.append(Finding(file, form.performance_sheet, form.performance_row, column, as_text(raw),
                                    Problem.NUMBER_TOO_LARGE, WARNING, None, code,
                                    detail=f"left empty; the largest number held is {_INT64_MAX:,}"))
            number = None
            values[name] = None
            continue
        values[name] = number
        if number is None:
            findings.append(Finding(file, form.performance_sheet, form.performance_row, column, as_text(raw),
                                    Problem.PERFORMANCE_INVALID, WARNING, None, code,
                                    detail="left empty; expected a whole non-negative number"))
        elif reformatted:
            findings.append(Finding(file, form.performance_sheet, form.performance_row, column, as_text(raw),
                                    Problem.PERFORMANCE_REFORMATTED, CORRECTED, str(number), code))
    return values, findings


_INT64_MAX = 2**63 - 1


def _whole_number(value: object) -> tuple[int | None, bool]:
    """(the whole non-negative number a cell holds or None, whether it had to be read from text)."""
    if value is None or isinstance(value, bool):
        return None, False
    if isinstance(value, int):
        return (value, False) if value >= 0 else (None, False)
    if isinstance(value, float):
        return (int(value), False) if value.is_integer() and value >= 0 else (None, False)
    text = _NUMBER_JUNK.sub("", to_ascii_digits(str(value)))
    if text.endswith(".0"):
        text = text[:-2]
    return (int(text), True) if text.isascii() and text.isdigit() else (None, False)
