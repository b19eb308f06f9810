"""to_excel: any table as a right-to-left sheet with Persian headers, formats, and no formulas."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from atiyeh_reports.lab.export import header_fa, number_format, to_excel


def _table() -> pd.DataFrame:
    return pd.DataFrame({
        "province_code": ["IR-23", "IR-07"],
        "province": ["تهران", "فارس"],
        "eligible": pd.array([1647, None], dtype="Int64"),
        "coverage": [0.999, 0.95],
        "credit_spent": [3_737_085_000, 1_000_000],
        "issue_date": [dt.date(2025, 5, 7), None],
        "problem": ["=HYPERLINK(\"http://x\")", "+1"],
        "coverage_change": [-0.05, 0.01],
        "eligible_1403": [1600, 300],
    })


def test_a_right_to_left_sheet_with_persian_headers_and_formats(tmp_path) -> None:
    path = to_excel(_table(), tmp_path / "deep" / "t.xlsx")
    ws = load_workbook(path).active
    assert ws.sheet_view.rightToLeft and ws.freeze_panes == "A2"
    headers = [c.value for c in ws[1]]
    assert headers == ["کد استان", "استان", "واجد شرایط", "پوشش بیمه", "اعتبار هزینه‌شده (ریال)",
                       "تاریخ صدور", "مشکل", "تغییر پوشش بیمه", "واجد شرایط ۱۴۰۳"]
    assert all(c.font.bold for c in ws[1])
    assert (ws["C2"].value, ws["C2"].number_format) == (1647, "#,##0")
    assert ws["C3"].value is None
    assert (ws["D2"].value, ws["D2"].number_format) == (0.999, "0.0%")
    assert (ws["E2"].value, ws["E2"].number_format) == (3_737_085_000, "#,##0")
    assert ws["F2"].value == dt.datetime(2025, 5, 7) and ws["F2"].number_format == "yyyy-mm-dd"
    assert ws["H2"].number_format == "0.0%" and ws["I2"].number_format == "#,##0"


def test_text_never_becomes_a_formula(tmp_path) -> None:
    path = to_excel(_table(), tmp_path / "t.xlsx")
    ws = load_workbook(path).active
    assert ws["G2"].value == "=HYPERLINK(\"http://x\")" and ws["G2"].data_type == "s"
    assert ws["G3"].value == "+1" and ws["G3"].data_type == "s"
    header = load_workbook(to_excel(pd.DataFrame({"=SUM(A1)": [1]}), tmp_path / "h.xlsx")).active["A1"]
    assert header.value == "=SUM(A1)" and header.data_type == "s"


def test_same_table_same_bytes(tmp_path) -> None:
    a = to_excel(_table(), tmp_path / "a.xlsx").read_bytes()
    b = to_excel(_table(), tmp_path / "b.xlsx").read_bytes()
    assert a == b


def test_a_series_and_a_named_index_become_columns(tmp_path) -> None:
    counts = pd.Series([3, 4], index=pd.Index(["IR-23", "IR-07"], name="province_code"), name="eligible")
    ws = load_workbook(to_excel(counts, tmp_path / "s.xlsx")).active
    assert [c.value for c in ws[1]] == ["کد استان", "واجد شرایط"]
    assert [c.value for c in ws["A"]][1:] == ["IR-23", "IR-07"]


@pytest.mark.parametrize(("name", "expected"), [
    ("coverage", "پوشش بیمه"), ("absorption_1404", "نسبت جذب ۱۴۰۴"), ("credit_spent_change",
     "تغییر اعتبار هزینه‌شده (ریال)"), ("کد ملی", "کد ملی"), ("unknown_thing", "unknown_thing"),
])
def test_headers(name: str, expected: str) -> None:
    assert header_fa(name) == expected


def test_number_formats() -> None:
    assert number_format("rejected_share", pd.Series([0.1])) == "0.0%"
    assert number_format("children", pd.Series([1, 2])) == "#,##0"
    assert number_format("median_delay_days", pd.Series([1.5])) == "#,##0.00"
    assert number_format("province", pd.Series(["تهران"])) == "General"
