"""The insurer's export: reading it into the ``policies`` table (docs/data-contracts.md).

A missing insurer folder is not an error: early in the year the export has not
arrived yet, and the analysis report must still build. :func:`read_insurer_export`
then returns an empty policies table and one ``warning`` finding saying so.
An unreadable file, or one with no recognisable header, raises :class:`InputError`;
two columns meaning one field are refused naming both.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.jalali import parse_jalali
from atiyeh_reports.core.national_id import clean_national_id, is_valid
from atiyeh_reports.core.params import Limits, Params
from atiyeh_reports.core.provinces import find_province
from atiyeh_reports.core.text import has_format_chars, normalize_key, normalize_text, to_ascii_digits
from atiyeh_reports.core.vocab import CATEGORY_FA, CHILD_CATEGORIES, POLICY_CATEGORIES, SUB_REASON_FA  # noqa: F401
from atiyeh_reports.errors import InputError
from atiyeh_reports.intake.common import _Unreadable
from atiyeh_reports.intake.inventory import INSURER, inventory
from atiyeh_reports.intake.reader import _check_file, _open, _stray_findings, _without_stray_cells

POLICY_COLUMNS = (
    "policy_no", "national_id", "province_code", "issue_date", "premium", "status",
    "source_file", "source_row",
)
FINDING_COLUMNS = (
    "file", "sheet", "row", "column", "value", "problem", "action", "corrected_to",
    "province_code", "national_id", "detail",
)
_INT64_MAX = 2**63 - 1
#: A premium more than this many times the per-capita premium is absurd (a warning).
ABSURD_PREMIUM_FACTOR = 100

#: Other header spellings accepted (English field names, short Persian forms).
_ENGLISH_HEADERS: dict[str, tuple[str, ...]] = {
    "policy_no": ("policy_no", "policy no", "policy number", "policy"),
    "national_id": ("national_id", "national id", "nationalid", "national code"),
    "province": ("province", "province_code", "province name"),
    "issue_date": ("issue_date", "issue date", "date issued"),
    "premium": ("premium", "premium paid", "premium (rials)", "premium_rials",
                "حق بیمه", "حق بیمه (ریال)", "حق بیمه پرداختی"),
    "status": ("status", "policy status", "policy_status", "وضعیت"),
}
_REQUIRED = ("policy_no", "national_id", "premium", "status")
_HEADER_SEARCH_ROWS = 20
_MONEY_SEPARATORS = re.compile(r"[\s,٬،'\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


# --- reading -------------------------------------------------------------------------------
def _header_index() -> dict[str, str]:
    index = {normalize_key(h): f for h, f in layout.INSURER_COLUMNS.items()}
    for field, names in _ENGLISH_HEADERS.items():
        for name in names:
            index.setdefault(normalize_key(name), field)
    return index


def _read_rows(path: Path, limits: Limits | None = None, stray: list[dict[str, Any]] | None = None
               ) -> tuple[str | None, list[list[Any]]]:
    """Sheet name (None for CSV) and every row's cell values, as the file holds them.

    Workbooks (``.xlsx``, ``.xlsm``, ``.xls``, ``.ods``, any letter case) are
    checked against ``limits`` before they are opened, then read with the
    intake's reader (calamine; openpyxl for what only it reads). A CSV is UTF-8
    with or without a BOM, its delimiter ``,``, ``;`` or a tab (from the first line).
    """

    limits = limits or Limits()
    try:
        if path.stat().st_size > limits.max_file_bytes:
            raise InputError(f"the file is {path.stat().st_size:,} bytes, over limits.max_file_bytes "
                             f"({limits.max_file_bytes:,}); is it the insurer's export?", file=path.name)
        if path.suffix.lower() == ".csv":
            return None, _read_csv(path, limits)
        checked = _check_file(path, limits)
        with tempfile.TemporaryDirectory(prefix="atiyeh-stray-") as scratch:
            source, cells = path, []
            if checked.stray:  # a few cells far beyond the data: read a copy without them, and say so
                source, cells = _without_stray_cells(path, checked, limits, Path(scratch))
                checked = dataclasses.replace(checked, stray=())
            wb = _open(source, checked)
            try:
                sheet = next((n for n in wb.sheetnames if wb.is_worksheet(n)), None)
                if sheet is None:
                    raise InputError("the workbook has no worksheet", file=path.name)
                rows = list(wb.rows(sheet, 0))
            finally:
                wb.close()
        if stray is not None:
            stray.extend(
                _finding(path.name, f.sheet, f.row, f.column, f.value, f.problem, f.action, detail=f.detail)
                for f in _stray_findings(cells, path.name, None))
        return sheet, rows
    except _Unreadable as exc:
        raise InputError(f"cannot read the insurer export: {exc.detail}", file=path.name) from None
    except (OSError, UnicodeDecodeError, ValueError, KeyError, csv.Error) as exc:
        raise InputError(
            f"cannot read the insurer export ({type(exc).__name__}: {exc}); "
            "save it again as .xlsx or UTF-8 .csv",
            file=path.name,
        ) from None


def _read_csv(path: Path, limits: Limits) -> list[list[Any]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        fh.seek(0)
        if fh.read(1) != "\ufeff":
            fh.seek(0)
        rows = []
        for row in csv.reader(fh, delimiter=delimiter):
            rows.append(list(row))
            if len(rows) > limits.max_rows:
                raise InputError(f"more than limits.max_rows ({limits.max_rows:,}) rows", file=path.name)
    return rows


def _find_header(rows: list[list[Any]], path: Path, sheet: str | None) -> tuple[int, dict[int, str]]:
    index = _header_index()
    for i, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        mapping = {
            j: index[normalize_key(cell)]
            for j, cell in enumerate(row)
            if cell is not None and normalize_key(cell) in index
        }
        if all(f in mapping.values() for f in _REQUIRED):
            _refuse_duplicate_columns(row, mapping, i + 1, path, sheet)
            return i, mapping
    raise InputError(
        "no header row with the insurer's columns in the first "
        f"{_HEADER_SEARCH_ROWS} rows; expected {list(layout.INSURER_COLUMNS)}",
        file=path.name, sheet=sheet,
    )


def _refuse_duplicate_columns(row: list[Any], mapping: dict[int, str], row_number: int, path: Path,
                              sheet: str | None) -> None:
    """Two columns of the header meaning the same field (a second «کد ملی»: the guardian's ID?) are
    refused, naming both: reading either one silently could match no policy at all."""

    by_field: dict[str, list[int]] = {}
    for j, field in mapping.items():
        by_field.setdefault(field, []).append(j)
    clashes = {f: js for f, js in by_field.items() if len(js) > 1}
    if not clashes:
        return
    label = {v: k for k, v in layout.INSURER_COLUMNS.items()}
    told = "; ".join(
        f"«{label.get(f, f)}» is given by " + " and ".join(
            f"column {get_column_letter(j + 1)} ({_header_text(row[j])})" for j in js)
        for f, js in clashes.items()
    )
    raise InputError(
        f"the header has more than one column for the same field: {told}; which one holds the "
        "child's value cannot be guessed (a second «کد ملی» is often the guardian's ID): rename or "
        "delete the other column(s) and save the export again",
        file=path.name, sheet=sheet, row=row_number,
    )


def _header_text(value: Any) -> str:
    text = normalize_text(value)
    return f"«{text[:60]}»"


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or normalize_text(value) == ""


def _parse_premium(value: Any) -> int:
    """Premium as int Rials; accepts separators, Persian digits, and whole floats."""
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, int):
        return _fits(value)
    if isinstance(value, float):
        if value != value or not value.is_integer():
            raise ValueError("not a whole number of Rials")
        return _fits(int(value))
    text = _MONEY_SEPARATORS.sub("", to_ascii_digits(normalize_text(value)))
    if text.endswith(".0"):
        text = text[:-2]
    if not re.fullmatch(r"-?\d+", text):
        raise ValueError("not a whole number of Rials")
    return _fits(int(text))


def _fits(number: int) -> int:
    if abs(number) > _INT64_MAX:
        raise OverflowError(f"{number} does not fit a 64-bit integer")
    return number


def _status_index() -> dict[str, str]:
    return {normalize_key(v): status for status, vs in vocab.POLICY_STATUS_VARIANTS.items() for v in vs}


def _empty_policies() -> pd.DataFrame:
    return _policies_frame([])


def _policies_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(POLICY_COLUMNS))
    for col in ("policy_no", "national_id", "province_code", "status", "source_file"):
        frame[col] = pd.Series([r[col] for r in records], dtype="str", index=frame.index)
    frame["issue_date"] = pd.Series([r["issue_date"] for r in records], dtype=object,
                                    index=frame.index)
    frame["premium"] = frame["premium"].astype("int64")
    frame["source_row"] = frame["source_row"].astype("int64")
    return frame


def _findings_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(records, columns=list(FINDING_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame


def read_insurer_export(params: Params, data_dir: str | Path | None = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read and clean every insurer export file of ``params.year``.

    Parameters
    ----------
    params
        The year's parameters (``year``, and ``data_dir`` when ``data_dir`` is None).
    data_dir
        Root of the raw data; ``<data_dir>/<year>/insurer/*.xlsx|*.csv`` is read.

    Returns
    -------
    policies, findings
        ``policies`` follows docs/data-contracts.md (policies.parquet); ``findings``
        has the intake's finding columns. Rows with no policy number, an unknown
        status or an unreadable premium are rejected (the contract needs them);
        an unusable ID, province or date is kept as null with a warning; a policy
        number seen twice keeps its first row.

    Raises
    ------
    InputError
        A file cannot be read or has no header with the insurer's columns.
    """

    root = Path(data_dir) if data_dir else Path(params.data_dir)
    folder = layout.insurer_dir(root, params.year)
    if not folder.is_dir():
        finding = _finding(str(folder), None, None, None, None, NO_FOLDER, "warning",
                           detail="no policies this year: the reports say so, and the build needs "
                                  "--accept-missing")
        return _empty_policies(), _findings_frame([finding])
    found = inventory(root, params.year)
    policies: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = [
        _finding(e.name, None, None, None, None, e.problem or "", "warning", detail=e.detail)
        for e in found.skipped_in(INSURER)
    ]
    seen: dict[str, tuple[str, int]] = {}
    expected = params.service.per_capita_premium
    for path in found.insurer:
        _read_file(path, policies, findings, seen, params.limits, expected)
    if not policies:
        why = ("no file of it is read (see the findings above)" if not found.insurer
               else "its files hold no policy that could be kept")
        findings.append(_finding(f"{INSURER}/", None, None, None, None, NO_POLICIES, "warning",
                                 detail=f"the insurer's export has no policies: {why}"))
    return _policies_frame(policies), _findings_frame(findings)


NO_FOLDER = "پوشهٔ خروجی بیمه‌گر پیدا نشد؛ تطبیق انجام نمی‌شود (insurer folder missing)"
NO_POLICIES = "هیچ بیمه‌نامه‌ای از خروجی بیمه‌گر خوانده نشد؛ تطبیق انجام نمی‌شود (no policies)"
PREMIUM_TOO_LARGE = "حق بیمه بیش از حد بزرگ است (بیش از گنجایش int64)؛ ردیف رد شد"
PREMIUM_NEGATIVE = "حق بیمه منفی است"
FORMAT_REMOVED = ("نویسهٔ نامرئی (مانند کنترل جهت متن U+202E) از متن برداشته شد "
                  "(invisible direction or format characters removed)")
PREMIUM_ZERO = "حق بیمه صفر است"
PREMIUM_ABSURD = "حق بیمه بیش از صد برابر سرانه است"


def _finding(file: str, sheet: str | None, row: int | None, column: str | None, value: Any,
             problem: str, action: str, corrected_to: str | None = None,
             province_code: str | None = None, national_id: str | None = None,
             detail: str | None = None) -> dict[str, Any]:
    return {
        "file": file, "sheet": sheet, "row": row, "column": column,
        "value": None if value is None else str(value), "problem": problem, "action": action,
        "corrected_to": corrected_to, "province_code": province_code, "national_id": national_id,
        "detail": detail,
    }


def _read_file(path: Path, policies: list[dict[str, Any]], findings: list[dict[str, Any]],
               seen: dict[str, tuple[str, int]], limits: Limits | None = None,
               expected_premium: int | None = None) -> None:
    stray: list[dict[str, Any]] = []
    sheet, rows = _read_rows(path, limits, stray)
    findings.extend(stray)
    header_at, mapping = _find_header(rows, path, sheet)
    header_of = {f: str(rows[header_at][j]) for j, f in mapping.items()}
    statuses = _status_index()
    for i in range(header_at + 1, len(rows)):
        raw = {f: (rows[i][j] if j < len(rows[i]) else None) for j, f in mapping.items()}
        if all(_blank(v) for v in raw.values()):
            continue
        excel_row = i + 1
        row_findings: list[dict[str, Any]] = []

        def note(field: str, problem: str, action: str, corrected: str | None = None,
                 *, _raw: dict[str, Any] = raw, _row: int = excel_row,
                 _acc: list[dict[str, Any]] = row_findings, detail: str | None = None) -> None:
            _acc.append(_finding(path.name, sheet, _row, header_of.get(field), _raw.get(field),
                                 problem, action, corrected, detail=detail))

        for field, value in raw.items():  # U+202E and the like: removed, and listed (the ID says its own)
            if field != "national_id" and isinstance(value, str) and has_format_chars(value):
                note(field, FORMAT_REMOVED, "corrected", normalize_text(value))
        record, rejected = _clean_row(raw, note, statuses, expected_premium)
        if not rejected:
            policy_no = record["policy_no"]
            if policy_no in seen:
                first_file, first_row = seen[policy_no]
                note("policy_no", f"شمارهٔ بیمه‌نامه تکراری است (first seen in {first_file} row "
                     f"{first_row}); this row is dropped", "rejected")
                rejected = True
            else:
                seen[policy_no] = (path.name, excel_row)
        for f in row_findings:
            f["province_code"] = record.get("province_code")
            f["national_id"] = record.get("national_id")
        findings.extend(row_findings)
        if not rejected:
            record.update(source_file=path.name, source_row=excel_row)
            policies.append(record)


def _clean_row(raw: dict[str, Any], note: Any, statuses: dict[str, str],
               expected_premium: int | None = None) -> tuple[dict[str, Any], bool]:
    record: dict[str, Any] = {c: None for c in POLICY_COLUMNS}
    rejected = False

    value = raw.get("policy_no")
    if _blank(value):
        note("policy_no", "شمارهٔ بیمه‌نامه خالی است (policy number missing)", "rejected")
        rejected = True
    else:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        record["policy_no"] = normalize_text(value)

    value = raw.get("national_id")
    nid = clean_national_id(value)
    if nid is None or not is_valid(nid):
        note("national_id", "کد ملی نامعتبر است؛ بیمه‌نامه بدون کد ملی نگه داشته شد "
             "(invalid national ID)", "warning")
    else:
        record["national_id"] = nid
        # Anything but the ten ASCII digits themselves (Persian digits, lost zeros, dashes) is a correction.
        if not (isinstance(value, str) and value.strip() == nid):
            note("national_id", "کد ملی به ده رقم لاتین برگردانده شد (digits, leading zeros or separators)",
                 "corrected", nid)

    value = raw.get("province")
    if "province" in raw and not _blank(value):
        code = find_province(value)
        if code is None:
            note("province", f"استان «{normalize_text(value)}» شناخته نشد (unknown province)",
                 "warning")
        record["province_code"] = code
    elif "province" in raw:
        note("province", "استان خالی است (province missing)", "warning")

    value = raw.get("issue_date")
    if "issue_date" in raw:
        try:
            record["issue_date"] = parse_jalali(value)
        except ValueError as exc:
            note("issue_date", f"تاریخ صدور خوانده نشد ({exc})", "warning")

    value = raw.get("premium")
    try:
        premium = record["premium"] = _parse_premium(value)
    except OverflowError as exc:
        note("premium", PREMIUM_TOO_LARGE, "rejected", detail=str(exc))
        rejected = True
    except ValueError:
        note("premium", "حق بیمه عدد صحیح ریال نیست (premium is not whole Rials)", "rejected")
        rejected = True
    else:
        if premium < 0:
            note("premium", PREMIUM_NEGATIVE, "warning", detail="kept; counted as a premium mismatch")
        elif premium == 0:
            note("premium", PREMIUM_ZERO, "warning", detail="kept; counted as a premium mismatch")
        elif expected_premium and premium > ABSURD_PREMIUM_FACTOR * expected_premium:
            note("premium", PREMIUM_ABSURD, "warning",
                 detail=f"per-capita premium {expected_premium:,}; kept; counted as a premium mismatch")

    value = raw.get("status")
    status = statuses.get(normalize_key(value)) if not _blank(value) else None
    if status is None:
        note("status", f"وضعیت بیمه‌نامه نامعلوم است؛ use one of {list(vocab.POLICY_STATUSES)}",
             "rejected")
        rejected = True
    else:
        record["status"] = status
    return record, rejected
