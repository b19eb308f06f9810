"""The intake reads forms with calamine (fast) and must see what openpyxl saw.

Each test reads the same workbook twice, once through calamine and once with
openpyxl forced, and expects the same clean tables, findings and summary. The
cases are the places where the two libraries differ: whole numbers (calamine
gives floats), date cells (calamine gives dates), empty cells (calamine gives
''), hidden sheets, merged title cells, formulas' cached values and formula
errors, and files that cannot be opened.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from atiyeh_reports import intake
from atiyeh_reports.intake import Intake, ingest
from atiyeh_reports.intake.quality import UNREADABLE, Problem
from intake_fixtures import FIELDS, child, form_path, make_id, make_params, provinces_dir, write_form


def both_readers(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Intake, Intake]:
    """The intake of ``data_dir`` read as shipped (calamine) and with openpyxl forced."""
    fast = ingest(make_params(data_dir), data_dir)
    with monkeypatch.context() as m:
        m.setattr(intake.reader, "_open", lambda path, checked=None: intake._OpenpyxlBook(path))
        slow = ingest(make_params(data_dir), data_dir)
    return fast, slow


def assert_same(fast: Intake, slow: Intake) -> None:
    for name in ("children", "performance", "findings", "summary"):
        a, b = getattr(fast, name), getattr(slow, name)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
        types_a = [type(v) for v in a.to_numpy().ravel()]
        types_b = [type(v) for v in b.to_numpy().ravel()]
        assert types_a == types_b, f"{name}: cell types differ"
    assert fast.unreadable == slow.unreadable


def set_cached_values(path: Path, values: dict[str, tuple[str, str]]) -> None:
    """Give formula cells a cached value as Excel saves it: ``{"K6": ("str", "تهران")}``."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode("utf-8")
                for ref, (kind, value) in values.items():
                    text, n = re.subn(rf'<c r="{ref}"([^>]*)><f>([^<]*)</f><v\s*/>',
                                      rf'<c r="{ref}" t="{kind}"><f>\2</f><v>{value}</v>', text)
                    assert n == 1, ref
                data = text.encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)


def test_a_dirty_form_reads_the_same_with_both_readers(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [
        child(1, national_id=12345679),  # a number that lost its leading zeros (calamine: 12345679.0)
        child(2, birth_date=dt.datetime(2016, 5, 30), admission_date=dt.date(2020, 1, 5)),  # date cells
        child(3, court_order=dt.datetime(2021, 3, 1)),  # a date cell where text belongs
        child(4, court_order=12345, county=7),  # numbers where text belongs
        child(5, birth_date=13950310),  # a Jalali date typed as a number
        child(6, gender=1, care_type=True),  # nonsense codes
        child(7, first_name="  "),  # spaces only: empty
        None,
        child(8, admission_date=1.5),
        ["", None, "جمع", None, None, None, None, None, None, None, 3],
    ]
    path = write_form(form_path(tmp_path), rows)
    wb = load_workbook(path)
    ws = wb.active
    ws.merge_cells("A1:D1")  # the title merged across columns
    hidden = wb.create_sheet("Sheet9")  # a hidden sheet with a fuller header is not read
    hidden.sheet_state = "hidden"
    for col, name in enumerate(FIELDS, start=1):
        hidden.cell(row=1, column=col, value=name)
    wb.save(path)
    fast, slow = both_readers(tmp_path, monkeypatch)
    assert_same(fast, slow)
    orders = dict(zip(fast.children["national_id"], fast.children["court_order"], strict=True))
    assert "0012345679" in orders
    assert orders[make_id(3)] == "2021-03-01 00:00:00"  # as openpyxl shows a date cell


def test_formulas_are_read_as_their_cached_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_form(form_path(tmp_path), [child(1, county="=A1", court_order="=1+1"), child(2)])
    set_cached_values(path, {"K6": ("str", "شهر ری"), "I6": ("n", "2")})
    fast, slow = both_readers(tmp_path, monkeypatch)
    assert_same(fast, slow)
    assert fast.children[["county", "court_order"]].values.tolist()[0] == ["شهر ری", "2"]


def test_formula_errors_are_read_as_empty_with_a_finding(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # calamine reads an error cell as empty; the intake then reads the file with openpyxl, which
    # shows the error, so that it can be reported where it is
    path = write_form(form_path(tmp_path), [child(1, county="=VLOOKUP(1,A1:A2,2)"), child(2)])
    set_cached_values(path, {"K6": ("e", "#N/A")})
    assert intake._has_error_cells(path)
    fast, slow = both_readers(tmp_path, monkeypatch)
    assert_same(fast, slow)
    assert pd.isna(fast.children["county"].tolist()[0])
    found = fast.findings[fast.findings["value"] == "#N/A"]
    assert found[["row", "column", "action"]].values.tolist() == [[6, "شهرستان", "warning"]]


def test_a_chart_sheet_is_passed_over(tmp_path: Path) -> None:
    # openpyxl cannot open this file at all (it fails on the chart sheet's missing drawing)
    path = write_form(form_path(tmp_path), [child(1)])
    wb = load_workbook(path)
    wb.create_chartsheet("نمودار", 0)
    wb.save(path)
    result = ingest(make_params(tmp_path), tmp_path)
    assert result.children["national_id"].tolist() == [make_id(1)]
    assert not result.unreadable


_CELL = st.one_of(
    st.none(),
    st.text(alphabet="آابپتسیکیكي0123456789۰۱۲۳۴۵۶۷۸۹/- \u200c", max_size=12),
    st.integers(-10, 10**10),
    st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)),
    st.booleans(),
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 50), st.sampled_from(FIELDS), _CELL), max_size=12))
def test_any_cell_reads_the_same_with_both_readers(tmp_path_factory: pytest.TempPathFactory,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   dirt: list[tuple[int, str, object]]) -> None:
    data_dir = tmp_path_factory.mktemp("data")
    rows = [child(n) for n in range(1, 8)]
    for n, name, value in dirt:
        rows[n % len(rows)][name] = value
    write_form(form_path(data_dir), rows)
    assert_same(*both_readers(data_dir, monkeypatch))


def test_an_encrypted_form_is_unreadable_with_the_reason(tmp_path: Path) -> None:
    folder = provinces_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "IR-10_اصفهان.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    found = ingest(make_params(tmp_path), tmp_path).findings.iloc[0]
    assert (found["problem"], found["action"]) == (Problem.UNREADABLE_FILE, UNREADABLE)
    assert "password" in found["detail"]


def test_a_damaged_form_is_unreadable_with_the_reason(tmp_path: Path) -> None:
    path = write_form(form_path(tmp_path), [child(1)])
    path.write_bytes(path.read_bytes()[:1500])  # cut short in transfer
    result = ingest(make_params(tmp_path), tmp_path)
    found = result.findings.iloc[0]
    assert (found["problem"], found["action"]) == (Problem.UNREADABLE_FILE, UNREADABLE)
    assert "Zip" in found["detail"] and result.unreadable[0].startswith(path.name)
