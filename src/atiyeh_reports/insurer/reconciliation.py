"""The insurer's export: reading it, and reconciling it with the list of children.

HQ sends the insurer the list of eligible children; the insurer issues one
policy per child and exports what it issued (layout.INSURER_COLUMNS). This
module cleans that export into the ``policies`` table (docs/data-contracts.md)
and puts every child and every policy into exactly one category, so that the
counts per province add up and each case can be followed up.

Categories
----------
Children: ``matched`` (at least one *active* policy carries the child's
national ID, whatever its premium or province) or ``no_policy``.

Policies, decided in this order (the first rule that applies wins):

1. ``inactive``: status cancelled (ابطال) or matured (سررسید). A policy that
   no longer runs covers nobody this year, so its other problems do not matter;
   the sub-reason is the status.
2. ``not_on_list``: active, but its ID is missing/invalid or not among this
   year's eligible children. Sub-reason, told from earlier years' lists when
   given: ``invalid_id``, ``over_age`` (the child was listed before and has
   reached the age limit by 1 Farvardin), ``left_care`` (listed before, not
   now, still under the limit), ``unknown`` (never listed).
3. ``duplicate``: a child has more than one active policy. One of them is
   kept (the one with the right premium, then the right province, then the
   earliest issue date, then the lowest policy number); the others are
   duplicates.
4. ``premium_mismatch``: the kept policy's premium differs from
   ``params.service.per_capita_premium`` (money first: it is what is paid).
5. ``province_mismatch``: the kept policy's province differs from the child's
   (a missing province counts as different).
6. ``matched``: everything agrees.

Each policy is counted under one province: the child's when its ID is on the
list, otherwise the province the insurer recorded (null when neither is known).
So per province, ``children = matched + no_policy`` and ``policies`` is the
sum of the six policy categories.

A missing insurer folder is not an error: early in the year the export has not
arrived yet, and the analysis report must still build. :func:`read_insurer_export`
then returns an empty policies table and one ``warning`` finding saying so.
An unreadable file, or one with no recognisable header, raises :class:`InputError`.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.jalali import parse_jalali
from atiyeh_reports.core.national_id import clean_national_id, ids_in, is_valid
from atiyeh_reports.core.params import Limits, Params
from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.provinces import find_province, name_fa
from atiyeh_reports.core.text import has_format_chars, normalize_key, normalize_text, to_ascii_digits
from atiyeh_reports.core.vocab import CATEGORY_FA, CHILD_CATEGORIES, POLICY_CATEGORIES, SUB_REASON_FA  # noqa: F401
from atiyeh_reports.errors import InputError
from atiyeh_reports.insurer.views import reconciliation_html, reconciliation_repr

__all__ = [
    "CATEGORY_FA",
    "CHILD_CATEGORIES",
    "FINDING_COLUMNS",
    "POLICY_CATEGORIES",
    "POLICY_COLUMNS",
    "Reconciliation",
    "counts_fa",
    "delays_fa",
    "read_insurer_export",
    "reconcile",
    "write_reconciliation_workbook",
]

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
    from atiyeh_reports.intake.common import _Unreadable
    from atiyeh_reports.intake.reader import _check_file, _open, _stray_findings, _without_stray_cells

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
    from openpyxl.utils import get_column_letter

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
    from atiyeh_reports.intake.inventory import INSURER, inventory

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



# --- reconciliation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Reconciliation:
    """Every child and every policy of a year, each in exactly one category.

    Attributes
    ----------
    children
        The children table plus ``category`` (``matched``/``no_policy``). Contains IDs.
    policies
        The policies table plus ``policy_province`` (as the insurer recorded it),
        ``province_code`` (the province it is counted under), ``child_province``,
        ``category``, ``sub_reason`` and ``delay_days`` (issue date − list date).
        Contains IDs.
    counts
        Per province: ``children``, ``matched_children``, ``no_policy``, ``policies``
        and one column per policy category. No IDs.
    delays
        Per province: ``issued`` (policies with a known date), ``median_days``,
        ``p90_days``, ``late`` (issued more than ``max_issue_delay_days`` after the list),
        ``late_uncovered`` (of those, the policies whose child had no policy issued before it:
        the children without a policy for that while).
    list_date
        When HQ sent the list to the insurer (Gregorian).
    max_delay_days
        The threshold ``late`` was counted against.
    """

    children: pd.DataFrame
    policies: pd.DataFrame
    counts: pd.DataFrame
    delays: pd.DataFrame
    list_date: dt.date
    max_delay_days: int

    def __repr__(self) -> str:  # counts only: the tables carry IDs (insurer/views.py)
        return reconciliation_repr(self)

    def _repr_html_(self) -> str:
        return reconciliation_html(self)


def reconcile(children: pd.DataFrame, policies: pd.DataFrame, params: Params, *,
              history_children: Iterable[pd.DataFrame] = ()) -> Reconciliation:
    """Match the insurer's policies with the year's eligible children.

    A loaded year computes it once and keeps it (``y.reconciliation``, :mod:`atiyeh_reports.year`).

    Parameters
    ----------
    children
        children.parquet of the year (``national_id``, ``province_code`` used).
    policies
        policies.parquet of the year.
    params
        ``service.per_capita_premium``, ``insurer.list_date``,
        ``thresholds.max_issue_delay_days``, ``eligibility.age_limit``, ``year``.
    history_children
        Earlier years' children tables (with ``year``, ``national_id``, ``age``),
        used only to tell why a policy is not on the list.

    Returns
    -------
    Reconciliation
        See the module docstring for the categories and their precedence.
    """
    history_children = list(history_children)
    list_date = parse_jalali(params.insurer.list_date)
    kids = children.copy()
    kids = kids.sort_values(["province_code", "national_id"], kind="stable")
    child_province = kids.drop_duplicates("national_id").set_index("national_id")["province_code"]

    pol = policies.copy().reset_index(drop=True)
    pol["policy_province"] = pol["province_code"]
    pol["child_province"] = pol["national_id"].map(child_province)
    on_list = pol["national_id"].notna() & ids_in(pol["national_id"], set(child_province.index))
    active = pol["status"] == vocab.POLICY_ACTIVE
    premium_ok = pol["premium"] == params.service.per_capita_premium
    province_ok = pol["policy_province"].notna() & (pol["policy_province"] == pol["child_province"])

    category = pd.Series(pd.NA, index=pol.index, dtype=object)
    sub_reason = pd.Series(None, index=pol.index, dtype=object)
    category[~active] = "inactive"
    sub_reason[~active] = pol.loc[~active, "status"]

    stray = active & ~on_list
    category[stray] = "not_on_list"
    sub_reason[stray] = _stray_reasons(pol.loc[stray], params, list(history_children))

    live = active & on_list
    order = pd.DataFrame({
        "national_id": pol["national_id"],
        "bad_premium": ~premium_ok,
        "bad_province": ~province_ok,
        "no_date": pol["issue_date"].isna(),
        "issue_date": pol["issue_date"].map(lambda d: d if isinstance(d, dt.date) else dt.date.max),
        "policy_no": pol["policy_no"],
    })[live].sort_values(["national_id", "bad_premium", "bad_province", "no_date", "issue_date",
                          "policy_no"], kind="stable")
    kept = ~order.duplicated("national_id", keep="first")
    extras = order.index[~kept.to_numpy()]
    category[extras] = "duplicate"
    keep_idx = order.index[kept.to_numpy()]
    category[keep_idx] = np.where(
        ~premium_ok[keep_idx], "premium_mismatch",
        np.where(~province_ok[keep_idx], "province_mismatch", "matched"),
    )
    pol["category"] = category.astype(object)
    pol["sub_reason"] = sub_reason
    pol["province_code"] = pol["child_province"].where(on_list, pol["policy_province"])
    pol["delay_days"] = pol["issue_date"].map(
        lambda d: float((d - list_date).days) if isinstance(d, dt.date) else np.nan
    )

    insured_ids = set(pol.loc[live, "national_id"])
    kids = children.copy()
    kids["category"] = np.where(ids_in(kids["national_id"], insured_ids), "matched", "no_policy")
    max_delay = params.thresholds.max_issue_delay_days
    return Reconciliation(
        children=kids,
        policies=pol,
        counts=_counts(kids, pol),
        delays=_delays(pol, max_delay),
        list_date=list_date,
        max_delay_days=max_delay,
    )


def reconcile_year(y: Any) -> Reconciliation:
    """:func:`reconcile` for a loaded year (:class:`atiyeh_reports.api.YearData`), with its history years.

    The evaluation report and the internal follow-up workbook both come from here, so a policy's
    category and sub-reason (e.g. ``left_care``, told from earlier years) are the same in both.
    """
    history = [d.children for _, d in sorted(y.history.items())]
    return reconcile(y.children, y.policies, y.params, history_children=history)


class MatchTooLowError(InputError):
    """The insurer's export matches under ``checks.min_match_share`` of the list's children: an input
    problem (a wrong national-ID column, another year's export), never a result to publish. Exit 3."""


def _share_text(share: float) -> str:
    return f"{share:.2%}" if 0 < share < 0.01 else f"{share:.0%}"


def check_match_share(rec: Reconciliation, params: Params) -> None:
    """Refuse (:class:`MatchTooLowError`, exit 3) a reconciliation matching under
    ``checks.min_match_share`` of the children, saying what was matched.

    Nothing is checked without children or without policies (those are said elsewhere, and need
    ``--accept-missing``).
    """
    children = len(rec.children)
    if children == 0 or len(rec.policies) == 0:
        return
    matched = int((rec.children["category"] == "matched").sum())
    share = matched / children
    least = params.checks.min_match_share
    if share >= least:
        return
    files = sorted({str(f) for f in rec.policies.get("source_file", pd.Series(dtype=object)).dropna()})
    label = next(h for h, f in layout.INSURER_COLUMNS.items() if f == "national_id")
    where = f"{params.year}/insurer/" + (f" ({', '.join(files[:5])})" if files else "")
    raise MatchTooLowError(
        f"the insurer's export matched {matched:,} of {children:,} children ({_share_text(share)}) with its "
        f"{len(rec.policies):,} policies; below checks.min_match_share {_share_text(float(least))}: check "
        f"the export's national-ID column «{label}» (another column of IDs, such as the guardian's? "
        "another year's export?), or, if so few children really have a policy, lower "
        "checks.min_match_share in the parameter file; the evaluation was not published",
        file=where,
    )


def _stray_reasons(stray: pd.DataFrame, params: Params, history: list[pd.DataFrame]) -> list[str]:
    last_seen: dict[str, tuple[int, int]] = {}  # id -> (year, age that year)
    for frame in history:
        if frame is None or len(frame) == 0:
            continue
        for year, nid, age in zip(frame["year"], frame["national_id"], frame["age"], strict=True):
            if pd.isna(nid) or pd.isna(age):
                continue
            if nid not in last_seen or last_seen[nid][0] < int(year):
                last_seen[nid] = (int(year), int(age))
    reasons = []
    for nid in stray["national_id"]:
        if pd.isna(nid) or not is_valid(str(nid)):
            reasons.append("invalid_id")
        elif nid in last_seen:
            year, age = last_seen[nid]
            reasons.append("over_age" if age + (params.year - year) >= params.eligibility.age_limit
                           else "left_care")
        else:
            reasons.append("unknown")
    return reasons


def _tally(province: pd.Series, category: pd.Series, categories: tuple[str, ...]) -> pd.DataFrame:
    keys = pd.DataFrame({"p": province.astype(object).fillna("-").to_numpy(),
                         "c": category.astype(object).to_numpy()})
    table = keys.groupby(["p", "c"]).size().unstack(fill_value=0) if len(keys) else pd.DataFrame()
    return table.reindex(columns=list(categories), fill_value=0)


def _counts(kids: pd.DataFrame, pol: pd.DataFrame) -> pd.DataFrame:
    child = _tally(kids["province_code"], kids["category"], CHILD_CATEGORIES)
    child.columns = ["matched_children", "no_policy"]
    polc = _tally(pol["province_code"], pol["category"], POLICY_CATEGORIES)
    table = child.join(polc, how="outer").fillna(0).astype("int64")
    table.insert(0, "children", table["matched_children"] + table["no_policy"])
    table.insert(3, "policies", table[list(POLICY_CATEGORIES)].sum(axis=1))
    table.index.name = "province_code"
    table = table.reset_index()
    table["province_code"] = table["province_code"].astype(object).replace("-", None)
    return table.sort_values("province_code", na_position="last", kind="stable").reset_index(drop=True)


def _delays(pol: pd.DataFrame, max_delay: int) -> pd.DataFrame:
    dated = pol[pol["delay_days"].notna()]
    # a policy issued after another of the same child (of any status): the child had a policy before it
    by_date = dated.sort_values("delay_days", kind="stable")
    later = by_date["national_id"].notna() & by_date.duplicated("national_id", keep="first")
    later = later.reindex(dated.index)
    rows = []
    for code, group in dated.groupby(dated["province_code"].astype(object).fillna("-"), sort=True):
        days = group["delay_days"].to_numpy(dtype=float)
        first = ~later[group.index].to_numpy(dtype=bool)
        rows.append({
            "province_code": None if code == "-" else code,
            "issued": len(days),
            "median_days": float(np.median(days)),
            "p90_days": float(np.percentile(days, 90)),
            "late": int((days > max_delay).sum()),
            "late_uncovered": int(((days > max_delay) & first).sum()),
        })
    frame = pd.DataFrame(rows, columns=["province_code", "issued", "median_days", "p90_days", "late",
                                        "late_uncovered"])
    return frame.astype({"issued": "int64", "late": "int64", "late_uncovered": "int64",
                         "median_days": float, "p90_days": float})


def _province_label(code: object) -> str:
    return name_fa(str(code)) if isinstance(code, str) and code else "نامشخص"


def counts_fa(rec: Reconciliation) -> pd.DataFrame:
    """Counts per category per province with Persian headers and a national total row. No IDs."""
    table = rec.counts.copy()
    total = table.drop(columns="province_code").sum().to_frame().T
    total.insert(0, "province_code", "جمع کشور")
    table["province_code"] = table["province_code"].map(_province_label)
    table = pd.concat([table, total], ignore_index=True)
    names = {
        "province_code": "استان", "children": "فرزندان واجد شرایط",
        "matched_children": "فرزندان دارای بیمه‌نامه", "no_policy": "فرزندان بدون بیمه‌نامه",
        "policies": "بیمه‌نامه‌ها",
    }
    names.update({c: CATEGORY_FA[c] for c in POLICY_CATEGORIES})
    return table.rename(columns=names)


def delays_fa(rec: Reconciliation) -> pd.DataFrame:
    """Issuance delay per province with Persian headers. No IDs."""
    table = rec.delays.copy()
    table["province_code"] = table["province_code"].map(_province_label)
    return table.rename(columns={
        "province_code": "استان", "issued": "بیمه‌نامه با تاریخ صدور",
        "median_days": "میانهٔ فاصله (روز)", "p90_days": "صدک ۹۰ فاصله (روز)",
        "late": f"صادرشده پس از {rec.max_delay_days} روز",
        "late_uncovered": f"صادرشده پس از {rec.max_delay_days} روز، بی بیمه‌نامهٔ پیشین",
    })


# --- the internal workbook ---------------------------------------------------------------------
_CASE_COLUMNS: dict[str, str] = {
    "policy_no": "شماره بیمه‌نامه", "national_id": "کد ملی", "province_code": "استان",
    "policy_province": "استان در سامانه بیمه‌گر", "issue_date": "تاریخ صدور",
    "premium": "حق بیمه (ریال)", "status": "وضعیت", "sub_reason": "علت",
    "delay_days": "فاصله از ارسال فهرست (روز)", "source_file": "فایل", "source_row": "ردیف",
}
_CHILD_CASE_COLUMNS: dict[str, str] = {
    "national_id": "کد ملی", "first_name": "نام", "last_name": "نام خانوادگی",
    "province_code": "استان", "county": "شهرستان", "source_file": "فایل", "source_row": "ردیف",
}


def _cell_value(col: str, value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if col in ("province_code", "policy_province"):
        return _province_label(value)
    if col == "issue_date" and isinstance(value, dt.date):
        from atiyeh_reports.core.jalali import to_jalali_str

        return to_jalali_str(value)
    if col == "sub_reason":
        return SUB_REASON_FA.get(str(value), str(value))
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


#: The reconciliation workbook's title (document properties and every printed page's header).
RECONCILIATION_TITLE_FA = "پیگیری تطبیق فهرست فرزندان با خروجی بیمه‌گر (ویژهٔ ستاد)"


def write_reconciliation_workbook(rec: Reconciliation, path: str | Path, *, year: int | None = None) -> Path:
    """Write the internal follow-up workbook (contains IDs: not for sharing).

    One right-to-left sheet per category with the cases to follow up (children
    without a policy; policies in every category but ``matched``), and a
    summary sheet with the counts per province. Cells hold values, never
    formulas, so any reader sees the numbers.
    """
    from atiyeh_reports.io.xlsx import Table, write_tables

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = [Table("خلاصه", counts_fa(rec), widths=_min_widths(counts_fa(rec)))]
    sheets: list[tuple[str, pd.DataFrame, dict[str, str]]] = [
        (CATEGORY_FA["no_policy"], rec.children[rec.children["category"] == "no_policy"],
         _CHILD_CASE_COLUMNS),
    ]
    for cat in POLICY_CATEGORIES:
        if cat == "matched":
            continue
        sheets.append((CATEGORY_FA[cat], rec.policies[rec.policies["category"] == cat], _CASE_COLUMNS))
    late = rec.policies[rec.policies["delay_days"] > rec.max_delay_days]
    sheets.append(("صدور با تأخیر", late, _CASE_COLUMNS))
    for title, frame, columns in sheets:
        cols = {c: h for c, h in columns.items() if c in frame.columns}
        out = pd.DataFrame({h: [_cell_value(c, v) for v in frame[c]] for c, h in cols.items()},
                           columns=list(cols.values()))
        tables.append(Table(title[:31], out, widths=_min_widths(out)))
    # Through the one writer: names, counties, file names and policy numbers stay text.
    # Printed pages are headed with the title and the year of the folder it is written in.
    return write_tables(path, tables, stamp=build_time(), title=RECONCILIATION_TITLE_FA, year=year)


def _min_widths(frame: pd.DataFrame) -> dict[str, float]:
    return {str(c): float(max(12, len(str(c)) + 4)) for c in frame.columns}


def _plain(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
