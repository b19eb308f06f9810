"""The provincial form: layout, protection, drop-downs, filled forms, reproducible bytes."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import time
import zipfile
from importlib import resources
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.provinces import counties, find_province, provinces
from atiyeh_reports.core.text import normalize_key, normalize_text
from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.forms.template import SHEET_LISTS, FormVariant, form_filename, form_rows
from atiyeh_reports.forms.write import write_form, write_forms

HEADER = layout.CHILDREN_HEADER_ROW


def _validations(ws) -> dict[str, object]:
    """Data validations keyed by the letter of the column they cover."""
    out = {}
    for dv in ws.data_validations.dataValidation:
        ref = str(dv.sqref)
        out["".join(ch for ch in ref.split(":")[0] if ch.isalpha())] = dv
    return out


def _letter(ws, header: str, row: int = HEADER) -> str:
    for cell in ws[row]:
        if cell.value == header:
            return cell.column_letter
    raise AssertionError(f"header {header!r} not on row {row}")


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("forms") / form_filename("IR-16")
    return write_form(path, "IR-16", 1404)


def test_children_sheet_is_rtl_with_titles_and_header(blank: Path) -> None:
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames[0] == layout.SHEET_CHILDREN
    ws = wb[layout.SHEET_CHILDREN]
    assert ws.sheet_view.rightToLeft
    assert ws["A1"].value == "استان: ایلام"
    assert ws["A2"].value == "سال: ۱۴۰۴"
    assert [c.value for c in ws[HEADER]] == list(layout.CHILDREN_COLUMNS)
    assert ws.freeze_panes == f"A{HEADER + 1}"
    assert all(ws.column_dimensions[c.column_letter].width >= 6 for c in ws[HEADER])


def test_titles_and_header_locked_data_cells_open(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)[layout.SHEET_CHILDREN]
    assert ws.protection.sheet
    for ref in ("A1", "A2", f"B{HEADER}", f"K{HEADER}"):
        assert ws[ref].protection.locked, ref
    rows = form_rows("IR-16")
    assert ws.max_row == HEADER + rows
    for ref in (f"A{HEADER + 1}", f"B{HEADER + rows}", f"K{HEADER + 1}"):
        assert not ws[ref].protection.locked, ref


def test_national_id_column_is_text_with_length_check(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)[layout.SHEET_CHILDREN]
    col = _letter(ws, "کد ملی")
    assert ws[f"{col}{HEADER + 1}"].number_format == "@"
    assert ws[f"{col}{HEADER + form_rows('IR-16')}"].number_format == "@"
    dv = _validations(ws)[col]
    assert (dv.type, dv.operator, dv.formula1) == ("textLength", "equal", "10")
    assert str(dv.sqref) == f"{col}{HEADER + 1}:{col}{HEADER + form_rows('IR-16')}"


@pytest.mark.parametrize(
    ("header", "values"),
    [("جنسیت", vocab.GENDERS), ("وضعیت سرپرستی", vocab.GUARDIANSHIPS), ("نوع نگهداری", vocab.CARE_TYPES)],
)
def test_coded_columns_have_dropdowns(blank: Path, header: str, values: tuple[str, ...]) -> None:
    ws = openpyxl.load_workbook(blank)[layout.SHEET_CHILDREN]
    dv = _validations(ws)[_letter(ws, header)]
    assert dv.type == "list"
    assert dv.formula1.strip('"').split(",") == list(values)


def test_county_dropdown_refers_to_hidden_list_of_the_province(blank: Path) -> None:
    wb = openpyxl.load_workbook(blank)
    ws = wb[layout.SHEET_CHILDREN]
    dv = _validations(ws)[_letter(ws, "شهرستان")]
    assert dv.type == "list"
    sheet, cells = dv.formula1.split("!")
    assert sheet == SHEET_LISTS
    lists = wb[SHEET_LISTS]
    assert lists.sheet_state == "hidden"
    start, end = cells.replace("$", "").split(":")
    listed = [c.value for row in lists[start:end] for c in row]
    assert listed == list(counties("IR-16"))
    assert "ایلام" in listed


def test_dates_carry_a_hint(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)[layout.SHEET_CHILDREN]
    for header in ("تاریخ تولد", "تاریخ پذیرش"):
        col = _letter(ws, header)
        assert "1403/01/05" in ws[f"{col}{HEADER}"].comment.text
        assert "1403/01/05" in _validations(ws)[col].prompt


def test_performance_sheet_names_previous_year(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)[layout.SHEET_PERFORMANCE]
    assert ws.sheet_view.rightToLeft and ws.protection.sheet
    assert "۱۴۰۳" in ws["A1"].value
    row = layout.PERFORMANCE_HEADER_ROW
    assert [c.value for c in ws[row]] == list(layout.PERFORMANCE_COLUMNS)
    assert all(not c.protection.locked for c in ws[row + 1])
    assert ws["A1"].protection.locked


def test_guide_explains_dates_and_ids(blank: Path) -> None:
    ws = openpyxl.load_workbook(blank)[layout.SHEET_GUIDE]
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert ws.sheet_view.rightToLeft
    assert "1403/01/05" in text and "۱۰ رقم" in text
    assert all(header in text for header in layout.CHILDREN_COLUMNS)


def test_write_forms_writes_31_distinct_provinces(tmp_path: Path) -> None:
    paths = write_forms(1403, tmp_path)
    assert len(paths) == 31 and len({p.name for p in paths}) == 31
    assert (tmp_path / "IR-23_تهران_1403.xlsx") in paths  # the year is in every name
    assert {p.name.split("_")[0] for p in paths} == {p.code for p in provinces()}
    for path, province in zip(paths, provinces()):
        # Reading 31 workbooks with openpyxl is slow; look for the titles in the sheet's XML.
        with zipfile.ZipFile(path) as zf:
            strings = zf.read("xl/worksheets/sheet1.xml").decode()
        assert f"<t>استان: {province.name_fa}</t>" in strings, path.name
        assert "<t>سال: ۱۴۰۳</t>" in strings
    ws = openpyxl.load_workbook(paths[-1])[layout.SHEET_CHILDREN]
    assert find_province(ws["A1"].value.split(":", 1)[1]) == paths[-1].name.split("_")[0]


def test_forms_are_byte_identical(tmp_path: Path) -> None:
    a = write_form(tmp_path / "a.xlsx", "IR-23", 1404)
    time.sleep(1.1)  # openpyxl stamps the time to the second
    b = write_form(tmp_path / "b.xlsx", "IR-23", 1404)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()


def _row_numbers(path: Path) -> dict[str, list[int]]:
    """Sheet XML part -> the r of every <row> element, in document order."""
    import re

    with zipfile.ZipFile(path) as archive:
        return {
            name: [int(n) for n in re.findall(r'<row\b[^>]*\br="(\d+)"', archive.read(name).decode("utf-8"))]
            for name in archive.namelist()
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml")
        }


@pytest.mark.parametrize("header_row", [HEADER, HEADER + 3])
def test_each_row_element_is_written_once_in_order(tmp_path: Path, header_row: int) -> None:
    """Two <row r="6"> elements made Excel offer a repair and readers drop one of them."""
    children = pd.DataFrame({"national_id": ["0012345679", "0012345687"], "first_name": ["مریم", "علی"]})
    filled = write_form(tmp_path / "f.xlsx", "IR-23", 1404, children,
                        variant=FormVariant(header_row=header_row))
    blank_form = write_form(tmp_path / "b.xlsx", "IR-16", 1404)
    for path in (filled, blank_form):
        for part, numbers in _row_numbers(path).items():
            assert numbers == sorted(set(numbers)), (path.name, part)
    children_rows = _row_numbers(filled)["xl/worksheets/sheet1.xml"]
    assert children_rows[-len(children) - 20:][0] == header_row + 1
    ws = openpyxl.load_workbook(filled)[layout.SHEET_CHILDREN]
    assert ws.cell(header_row + 1, 2).value == "0012345679"  # the first data row survives reading


def test_form_rows_scale_with_population() -> None:
    assert form_rows("IR-23") > form_rows("IR-16")
    assert all(200 <= form_rows(p.code) <= 3000 for p in provinces())


def test_filled_form_keeps_values_as_given(tmp_path: Path) -> None:
    children = pd.DataFrame(
        {
            "row": [1, 2, None],
            "national_id": ["0012345679", 12345679, None],
            "first_name": ["=1+1", "علي", None],
            "last_name": ["<Kar> & co", " کریمی ", None],
            "birth_date": ["1403/01/05", dt.datetime(2024, 3, 25), None],
            "gender": ["M", "دختر", None],
        }
    )
    perf = {"credit_notified": 360_000_000, "credit_spent": 300_000_000, "children_left": 3}
    path = write_form(tmp_path / "f.xlsx", "IR-23", 1404, children, perf)
    wb = openpyxl.load_workbook(path)
    ws = wb[layout.SHEET_CHILDREN]
    r = HEADER + 1
    got = {h: (ws.cell(r, i + 1).value, ws.cell(r + 1, i + 1).value)
           for i, h in enumerate(layout.CHILDREN_COLUMNS.values())}
    assert got["national_id"] == ("0012345679", 12345679)
    assert got["first_name"] == ("=1+1", "علي")
    assert ws.cell(r, 3).data_type == "s"  # text, not a formula
    assert got["last_name"] == ("<Kar> & co", " کریمی ")
    assert got["birth_date"] == ("1403/01/05", dt.datetime(2024, 3, 25))
    assert got["county"] == (None, None)
    assert all(c.value is None for c in ws[r + 2])  # the NaN row stays blank
    assert ws.max_row == HEADER + 3 + 20
    perf_ws = wb[layout.SHEET_PERFORMANCE]
    values = dict(zip(layout.PERFORMANCE_COLUMNS.values(), (c.value for c in perf_ws[3])))
    assert values == {**dict.fromkeys(layout.PERFORMANCE_COLUMNS.values()), **perf}


def test_variant_moves_header_renames_and_reorders(tmp_path: Path) -> None:
    children = pd.DataFrame({"national_id": ["0012345679"], "first_name": ["مریم"], "تلفن": ["0912"]})
    variant = FormVariant(
        header_row=8,
        children_sheet="Sheet1",
        title="استان آذربايجان شرقي",
        headers={"national_id": "National ID"},
        columns=("first_name", "national_id", "تلفن"),
    )
    path = write_form(tmp_path / "v.xlsx", "IR-03", 1404, children, variant=variant)
    ws = openpyxl.load_workbook(path)["Sheet1"]
    assert ws["A1"].value == "استان آذربايجان شرقي"
    assert [c.value for c in ws[8]] == ["نام", "National ID", "تلفن"]
    assert [c.value for c in ws[9]] == ["مریم", "0012345679", "0912"]
    assert str(_validations(ws)["B"].sqref) == "B9:B29"


def test_bad_arguments_raise_named_errors(tmp_path: Path) -> None:
    with pytest.raises(AtiyehError, match="IR-99"):
        write_form(tmp_path / "x.xlsx", "IR-99", 1404)
    with pytest.raises(AtiyehError, match="header_row"):
        write_form(tmp_path / "x.xlsx", "IR-23", 1404, variant=FormVariant(header_row=2))
    with pytest.raises(AtiyehError, match="rows=1"):
        write_form(tmp_path / "x.xlsx", "IR-23", 1404, pd.DataFrame({"first_name": ["a", "b"]}), rows=1)


def test_counties_reference_is_clean_and_complete() -> None:
    path = resources.files("atiyeh_reports") / "data" / "counties.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 434  # the Statistical Centre's 1398 divisions
    assert len({r["county_code"] for r in rows}) == len(rows)
    assert {r["province_code"] for r in rows} == {p.code for p in provinces()}
    for p in provinces():
        names = counties(p.code)
        assert names, p.code
        assert len({normalize_key(n) for n in names}) == len(names), p.code
        assert all(normalize_text(n) == n for n in names), p.code  # standard ی/ک, no stray spaces
        # the capital's county first (Yasuj lies in Boyer-Ahmad county)
        capital = "بویراحمد" if p.code == "IR-17" else p.capital_fa
        assert normalize_key(names[0]) == normalize_key(capital), p.code
    tehran = {normalize_key(n) for n in counties("IR-23")}
    for missing_before in ("ملارد", "قدس", "بهارستان", "پردیس", "فیروزکوه", "پیشوا", "قرچک"):
        assert normalize_key(missing_before) in tehran


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
                min_size=1, max_size=20))
def test_any_text_round_trips(tmp_path: Path, texts: list[str]) -> None:
    children = pd.DataFrame({"first_name": texts}, dtype=object)
    path = write_form(tmp_path / "t.xlsx", "IR-16", 1404, children, rows=len(texts))
    ws = openpyxl.load_workbook(path)[layout.SHEET_CHILDREN]
    got = [ws.cell(HEADER + 1 + i, 3).value for i in range(len(texts))]
    # Control characters cannot be stored in xlsx at all; everything else comes back as written.
    assert [g or "" for g in got] == [ILLEGAL_CHARACTERS_RE.sub("", t) for t in texts]


def test_children_sheet_prints_landscape_one_page_wide_with_the_header_repeated(tmp_path: Path) -> None:
    path = write_form(tmp_path / "f.xlsx", "IR-25", 1405)
    ws = openpyxl.load_workbook(path)[layout.SHEET_CHILDREN]
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == f"${layout.CHILDREN_HEADER_ROW}:${layout.CHILDREN_HEADER_ROW}"


def test_forms_of_another_year_are_never_overwritten(tmp_path: Path) -> None:
    from atiyeh_reports.errors import OutputError
    from atiyeh_reports.forms.template import form_year

    sent = write_forms(1404, tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(OutputError) as info:
        write_forms(1405, tmp_path)
    assert str(info.value) == (
        f"forms folder {tmp_path} already holds 31 form(s) of 1404 ({sent[0].name}, ...); nothing was "
        "written. Write the forms of 1405 to their own folder, e.g. --out outputs/forms/1405"
    )
    assert info.value.exit_code == 6
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    # The same year again rewrites its own forms, byte for byte.
    assert write_forms(1404, tmp_path) == sent
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    # A form named the old way (no year in the name) is recognised by its year title row.
    legacy = tmp_path / "IR-23_تهران.xlsx"
    sent[23].rename(legacy)
    assert form_year(legacy) == 1404
    with pytest.raises(OutputError, match="form"):
        write_forms(1406, tmp_path)


@pytest.mark.parametrize("year", [2026, 1389, 1501, 0, -1404])
def test_forms_year_out_of_range_is_a_parameter_error(tmp_path: Path, year: int) -> None:
    from atiyeh_reports.errors import ParamsError

    with pytest.raises(ParamsError) as info:
        write_forms(year, tmp_path / "f")
    assert str(info.value) == (
        f"--year {year}: forms are written for the Jalali years 1390–1500 (a Gregorian year or a typo?)"
    )
    assert info.value.exit_code == 2
    assert not (tmp_path / "f").exists()


def test_forms_folder_that_is_a_file(tmp_path: Path) -> None:
    from atiyeh_reports.errors import OutputError

    (tmp_path / "f").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        write_forms(1404, tmp_path / "f")
    assert str(info.value) == f"forms folder {tmp_path / 'f'} is a file, not a folder; pass another --out"
