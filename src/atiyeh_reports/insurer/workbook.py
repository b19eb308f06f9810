"""The internal reconciliation workbook (names and IDs: HQ only), child by child and policy by policy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from atiyeh_reports.core.jalali import to_jalali_str
from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.vocab import CATEGORY_FA, CHILD_CATEGORIES, POLICY_CATEGORIES, SUB_REASON_FA  # noqa: F401
from atiyeh_reports.insurer.reconciliation import Reconciliation
from atiyeh_reports.insurer.views import _province_label, counts_fa
from atiyeh_reports.io.xlsx import Table, plain_value, write_tables

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
        return to_jalali_str(value)
    if col == "sub_reason":
        return SUB_REASON_FA.get(str(value), str(value))
    return plain_value(value)


#: The reconciliation workbook's title (document properties and every printed page's header).
RECONCILIATION_TITLE_FA = "پیگیری تطبیق فهرست فرزندان با خروجی بیمه‌گر (ویژهٔ ستاد)"


def write_reconciliation_workbook(rec: Reconciliation, path: str | Path, *, year: int | None = None) -> Path:
    """Write the internal follow-up workbook (contains IDs: not for sharing).

    One right-to-left sheet per category with the cases to follow up (children
    without a policy; policies in every category but ``matched``), and a
    summary sheet with the counts per province. Cells hold values, never
    formulas, so any reader sees the numbers.
    """
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
