"""Every workbook the package writes prints: one page wide, headed, footed, header rows repeated.

And the two points of issue 11 that live in the same workbooks: the allocation's parameters
sheet (Persian labels, typed values) and the form's date check.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest
import yaml

from atiyeh_reports.allocation import budget, notify
from atiyeh_reports.core import layout, vocab
from atiyeh_reports.forms.template import date_check
from atiyeh_reports.forms.write import write_form
from atiyeh_reports.insurer.reconciliation import reconcile
from atiyeh_reports.insurer.workbook import write_reconciliation_workbook
from atiyeh_reports.intake.quality import REJECTED, Finding, Problem, findings_frame
from atiyeh_reports.intake.quality_workbook import write_quality_workbook
from atiyeh_reports.io import xlsx as workbook
from atiyeh_reports.lab.export import to_excel

ROOT = Path(__file__).resolve().parents[2]
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
#: CT_Worksheet's child elements in the order the schema requires (ECMA-376 Part 1, 18.3.1.99).
WORKSHEET_ORDER = [
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
    "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate",
    "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting", "dataValidations",
    "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
    "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
    "legacyDrawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts", "extLst",
]


# --- the workbooks ---------------------------------------------------------------------------
def _form(tmp: Path) -> Path:
    children = pd.DataFrame({"national_id": ["0012345678"], "first_name": ["علی"],
                             "birth_date": ["1395/02/03"], "admission_date": ["1400/01/15"]})
    return write_form(tmp / "IR-23.xlsx", "IR-23", 1404, children, {"policies_issued": 12})


def _allocation(tmp: Path) -> Path:
    from factories import MILLION, THREE, make_params

    p = make_params(approved_credit=25 * MILLION)
    path = tmp / "allocation" / "allocation.xlsx"
    return notify.write_allocation_workbook(p, budget.allocation_table(p, THREE, None), path)


def _quality(tmp: Path) -> Path:
    findings = findings_frame([Finding("a.xlsx", "فرزندان", 7, "نام", "x", Problem.NAME_MISSING, REJECTED,
                                       None, "IR-23", None)])
    summary = pd.DataFrame({"province_code": ["IR-23"], "rows_read": [8], "accepted": [7], "corrected": [0],
                            "rejected": [1], "blank_rows": [0]})
    (tmp / "1404" / "internal").mkdir(parents=True, exist_ok=True)
    return write_quality_workbook(summary, findings, tmp / "1404" / "internal" / "quality.xlsx")


def _reconciliation(tmp: Path, params) -> Path:  # noqa: ANN001
    from factories import LIST, PREMIUM, children_frame, nid, policies_frame

    kids = children_frame([("IR-23", nid(11)), ("IR-23", nid(22))])
    pols = policies_frame([("1", nid(11), "IR-10", LIST, PREMIUM, vocab.POLICY_ACTIVE)])
    return write_reconciliation_workbook(reconcile(kids, pols, params), tmp / "1404" / "internal" / "r.xlsx")


def _export(tmp: Path) -> Path:
    table = pd.DataFrame({"year": [1403, 1404], "province": ["تهران", "قم"], "eligible": [1200, 35_000],
                          "coverage": [0.95, 0.9]})
    return to_excel(table, tmp / "1404" / "t.xlsx")


def _insurer_export(tmp: Path) -> Path:
    (tmp / "1404" / "insurer").mkdir(parents=True)
    return workbook.write_table(tmp / "1404" / "insurer" / "x.xlsx", ["a", "b"], [[1, "x"]], sheet="export",
                                stamp=dt.datetime(2025, 3, 21))


WRITERS = {"form": _form, "allocation": _allocation, "quality": _quality, "reconciliation": _reconciliation,
           "export": _export, "insurer_export": _insurer_export}


@pytest.fixture(params=list(WRITERS))
def written(request: pytest.FixtureRequest, tmp_path: Path, params) -> tuple[str, Path]:  # noqa: ANN001
    write = WRITERS[request.param]
    path = write(tmp_path, params) if request.param == "reconciliation" else write(tmp_path)
    return request.param, path


# --- every sheet prints ---------------------------------------------------------------------------
def test_every_sheet_prints_one_page_wide_headed_and_footed(written: tuple[str, Path]) -> None:
    name, path = written
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        where = f"{name}: {ws.title}"
        assert ws.sheet_properties.pageSetUpPr.fitToPage, where
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, where
        assert ws.page_setup.orientation in ("portrait", "landscape"), where
        assert ws.print_title_rows, where  # the header row(s) on every printed page
        assert ws.sheet_view.rightToLeft, where
        assert ws.oddHeader.center.text, where
        assert "سال ۱۴۰۴" in ws.oddHeader.right.text, where
        footer = ws.oddFooter.center.text
        assert footer == workbook.FOOTER_FA and "صفحهٔ &P از &N" in footer, where


def test_the_sheet_xml_keeps_the_schema_order_after_the_rows_are_streamed_in(written: tuple[str, Path]) -> None:
    name, path = written
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        for sheet in sheets:
            root = ElementTree.fromstring(zf.read(sheet))
            tags = [child.tag.removeprefix(MAIN) for child in root]
            assert {"sheetData", "pageSetup", "headerFooter"} <= set(tags), (name, sheet, tags)
            positions = [WORKSHEET_ORDER.index(t) for t in tags]
            assert positions == sorted(positions), (name, sheet, tags)
        assert b"_xlnm.Print_Titles" in zf.read("xl/workbook.xml")


def test_wide_sheets_print_landscape_narrow_ones_portrait(tmp_path: Path) -> None:
    wide = pd.DataFrame({f"ستون {i}": ["x" * 20] for i in range(6)})  # 6 × 22 > PORTRAIT_WIDTH
    narrow = pd.DataFrame({"الف": [1], "ب": [2]})
    path = workbook.write_tables(tmp_path / "w.xlsx", [workbook.Table("پهن", wide), workbook.Table("باریک", narrow)],
                                 stamp=dt.datetime(2025, 3, 21), title="آزمون", year=1404)
    wb = openpyxl.load_workbook(path)
    assert wb["پهن"].page_setup.orientation == "landscape"
    assert wb["باریک"].page_setup.orientation == "portrait"
    assert wb["پهن"].oddHeader.center.text == "\u200fآزمون\u200f"


def test_the_header_says_the_title_and_year_given_and_defaults_visibly(tmp_path: Path) -> None:
    table = [workbook.Table("برگه", pd.DataFrame({"a": [1]}))]
    stamp = dt.datetime(2025, 3, 21)
    given = openpyxl.load_workbook(workbook.write_tables(tmp_path / "g.xlsx", table, stamp=stamp,
                                                         title="پیگیری A&B", year=1403)).active
    assert given.oddHeader.center.text == "\u200fپیگیری A&&B\u200f"  # '&' starts a field code: doubled
    assert given.oddHeader.right.text == "\u200fسال ۱۴۰۳\u200f"  # between right-to-left marks
    # no title, no year anywhere: the sheet's name heads the page, and no year is made up
    bare = openpyxl.load_workbook(workbook.write_tables(tmp_path / "b.xlsx", table, stamp=stamp)).active
    assert bare.oddHeader.center.text == "\u200fبرگه\u200f" and not bare.oddHeader.right.text
    # the year folder the workbook is written in (a build's staging folder too)
    staged = tmp_path / ".1402.building-a1450b" / "internal" / "s.xlsx"
    staged.parent.mkdir(parents=True)
    assert openpyxl.load_workbook(workbook.write_tables(staged, table, stamp=stamp)).active \
        .oddHeader.right.text == "\u200fسال ۱۴۰۲\u200f"


def test_a_long_title_is_cut_to_what_excel_takes(tmp_path: Path) -> None:
    table = [workbook.Table("برگه", pd.DataFrame({"a": [1]}))]
    ws = openpyxl.load_workbook(workbook.write_tables(tmp_path / "l.xlsx", table, stamp=dt.datetime(2025, 3, 21),
                                                      title="عنوان " * 100, year=1404)).active
    header = ws.oddHeader
    assert len(header.center.text) + len(header.right.text) + 20 <= 255 and header.center.text.endswith("…\u200f")


def test_print_setup_keeps_what_a_sheet_set_itself(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "2:3"
    ws["A1"] = "x"
    path = workbook.save_workbook(wb, tmp_path / "k.xlsx", dt.datetime(2025, 3, 21), title="t", year=1404)
    ws = openpyxl.load_workbook(path).active
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$2:$3"


def test_the_form_repeats_its_header_row_and_is_headed_with_the_province(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(_form(tmp_path))
    children = wb[layout.SHEET_CHILDREN]
    row = layout.CHILDREN_HEADER_ROW
    assert children.print_title_rows == f"${row}:${row}"
    assert "تهران" in children.oddHeader.center.text
    assert children.page_setup.orientation == "landscape"
    assert wb[layout.SHEET_GUIDE].print_title_rows and wb[layout.SHEET_PERFORMANCE].print_title_rows


# --- years print as plain numbers ----------------------------------------------------------------
def test_year_cells_are_plain_numbers(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_export(tmp_path)).active
    assert ws["A2"].value == 1403 and ws["A2"].number_format == "0"
    assert ws["C2"].number_format == "#,##0"  # counts keep their separators
    params_ws = openpyxl.load_workbook(_allocation(tmp_path))[notify.SHEET_PARAMS]
    year = {params_ws.cell(r, 3).value: params_ws.cell(r, 2) for r in range(2, params_ws.max_row + 1)}["year"]
    assert year.value == 1404 and year.number_format == "0"


# --- the parameters sheet -------------------------------------------------------------------------
def _keys_of(node: object, prefix: str = "") -> list[str]:
    if isinstance(node, dict) and node:
        return [k for key, value in node.items() for k in _keys_of(value, f"{prefix}.{key}" if prefix else key)]
    return [prefix]


def test_every_key_of_the_parameter_file_has_a_persian_label(params) -> None:  # noqa: ANN001
    raw = yaml.safe_load((ROOT / "params" / "1404.yaml").read_text(encoding="utf-8"))
    keys = [k for k in _keys_of(raw) if k != "data_dir"]  # data_dir is never written (a server path)
    assert keys and all(k in notify.PARAM_LABELS_FA for k in keys), \
        [k for k in keys if k not in notify.PARAM_LABELS_FA]
    # ... and every key the sheet writes, defaults included
    written = [key for key, _ in notify.flatten_params(params)]
    assert [k for k in written if k not in notify.PARAM_LABELS_FA] == []
    assert all(re.search("[\u0600-\u06ff]", label) for label, _ in notify.PARAM_LABELS_FA.values())


def test_an_unknown_key_shows_as_itself_not_silently() -> None:
    label, kind = notify.param_label("budget.new_knob")
    assert label == f"{notify.UNLABELLED}: budget.new_knob" and kind == notify.TEXT
    assert notify.param_label("budget.province_floors.IR-23")[0].endswith(": تهران")


def test_the_parameters_sheet_has_typed_values(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_allocation(tmp_path))[notify.SHEET_PARAMS]
    assert [c.value for c in ws[1]] == list(notify.PARAMS_HEADERS)
    rows = {ws.cell(r, 3).value: (ws.cell(r, 1).value, ws.cell(r, 2)) for r in range(2, ws.max_row + 1)}
    label, share = rows["budget.released_share"]
    assert label == "سهم تخصیص از اعتبار مصوب"
    assert share.value == 1.0 and share.number_format == "0.0%"
    assert rows["thresholds.coverage_target"][1].number_format == "0.0%"
    money = rows["budget.approved_credit"][1]
    assert money.value == 25_000_000 and money.number_format == "#,##0"
    assert rows["eligibility.require_court_order"][1].value in (notify.YES, notify.NO)
    assert rows["budget.floor_last_year"][1].value == notify.NO
    assert rows["insurer.list_date"][1].value == "1404/02/15" and rows["insurer.list_date"][1].data_type == "s"
    assert rows["budget.method"][1].value == budget.METHOD_FA["per_capita"]
    assert rows["budget.sensitivity_shares"][1].value.startswith("60%، 70%")
    assert rows["budget.performance_weights.cap"][1].number_format == "0.00"  # a factor, not a share
    assert rows["budget.province_floors"][1].value == notify.NONE_FA
    assert len(rows["params_sha256"][1].value) == 64


# --- the form's date columns ----------------------------------------------------------------------
def test_the_date_columns_are_checked_and_the_drop_downs_kept(tmp_path: Path) -> None:
    ws = openpyxl.load_workbook(_form(tmp_path))[layout.SHEET_CHILDREN]
    headers = {ws.cell(layout.CHILDREN_HEADER_ROW, c).value: c for c in range(1, ws.max_column + 1)}
    by_column: dict[str, object] = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            by_column[re.match(r"[A-Z]+", rng.coord).group()] = dv
    from openpyxl.utils import get_column_letter

    first = layout.CHILDREN_HEADER_ROW + 1
    for field in ("birth_date", "admission_date"):
        header = next(h for h, f in layout.CHILDREN_COLUMNS.items() if f == field)
        letter = get_column_letter(headers[header])
        dv = by_column[letter]
        assert dv.type == "custom" and dv.showErrorMessage and "تاریخ" in dv.error
        assert dv.formula1 == date_check(f"{letter}{first}")
    kinds = {f: by_column[get_column_letter(headers[h])].type for h, f in layout.CHILDREN_COLUMNS.items()
             if get_column_letter(headers[h]) in by_column}
    assert kinds["gender"] == kinds["county"] == kinds["care_type"] == "list"


DATES_TYPED = {  # what a province types → whether the check lets it through
    "1403/01/05": True, "1403/1/5": True, "14030105": True, "۱۴۰۳/۰۱/۰۵": True, "1403-01-05": True,
    "03/01/05": False, "2024/03/24": False, "1403/01/05/1": False, "abc": False,
}


def test_the_date_check_is_a_short_formula_of_its_first_cell() -> None:
    formula = date_check("J6")
    assert len(formula) <= 255  # Excel's limit for a validation formula
    assert "J6" in formula and "J7" not in formula and not formula.startswith("=")
    from atiyeh_reports.core.jalali import parse_jalali

    for typed, ok in DATES_TYPED.items():
        if ok:
            parse_jalali(typed)  # everything the check lets through, the intake reads


def test_the_date_check_evaluated_by_a_spreadsheet(tmp_path: Path) -> None:
    """LibreOffice evaluates the check (as a cell formula, in a scratch workbook) on typed text."""

    from hostile_fixtures import convert_with_soffice

    wb = openpyxl.Workbook()
    ws = wb.active
    typed = [*DATES_TYPED, 45375]  # the last: a date cell (a serial number)
    for r, value in enumerate(typed, start=1):
        cell = ws.cell(r, 1, value)
        if isinstance(value, str):
            cell.number_format, cell.data_type = "@", "s"
        ws.cell(r, 2, "=" + date_check(f"A{r}"))
    wb.save(tmp_path / "check.xlsx")
    converted = convert_with_soffice(tmp_path / "check.xlsx", "csv")
    if converted is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    results = [line.rsplit(",", 1)[1] for line in converted.read_text(errors="replace").splitlines()]
    assert results == [("TRUE" if ok else "FALSE") for ok in DATES_TYPED.values()] + ["TRUE"]
