"""The notification workbook: read back with openpyxl and pandas."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from atiyeh_reports.allocation import budget, notify
from atiyeh_reports.core.params import Params
from factories import MILLION, THREE, make_params

EVIL = '=HYPERLINK("http://example.invalid","x")'


@pytest.fixture
def params() -> Params:
    # 25 units exactly: requirement 30M is not covered, nothing below a unit.
    p = make_params(approved_credit=25 * MILLION)
    service = p.service.model_copy(update={"name_fa": EVIL})
    return p.model_copy(update={"service": service})


@pytest.fixture
def workbook(params: Params, tmp_path: Path) -> Path:
    table = budget.allocation_table(params, THREE, None)
    return notify.write_allocation_workbook(params, table, tmp_path / "out" / "1404" / "allocation.xlsx")


def test_total_row_equals_distributable(workbook: Path, params: Params) -> None:
    frame = pd.read_excel(workbook, sheet_name=notify.SHEET_ALLOCATION, header=notify.HEADER_ROW - 1, engine="openpyxl")
    names = frame[budget.ALLOCATION_FA["province_name"]]
    total = frame[names == budget.TOTAL_LABEL].iloc[0]
    assert total[budget.ALLOCATION_FA["allocated"]] == params.budget.distributable == 25 * MILLION
    provinces = frame.iloc[: names.tolist().index(budget.TOTAL_LABEL)]
    assert len(provinces) == 31
    assert provinces[budget.ALLOCATION_FA["allocated"]].sum() == 25 * MILLION
    # the lines below the table account for every Rial of the distributable amount
    notes = dict(zip(names.iloc[32:], frame[budget.ALLOCATION_FA["allocated"]].iloc[32:],
                     strict=True))
    assert notes[budget.LABEL_DISTRIBUTABLE] == params.budget.distributable
    assert notes["توزیع‌نشده (در ستاد می‌ماند)"] == 0
    tehran = provinces[provinces[budget.ALLOCATION_FA["province_name"]] == "تهران"].iloc[0]
    assert tehran[budget.ALLOCATION_FA["allocated"]] == 13 * MILLION  # see test_budget


def test_layout_and_print_setup(workbook: Path, params: Params) -> None:
    wb = openpyxl.load_workbook(workbook)
    assert wb.sheetnames == [notify.SHEET_ALLOCATION, notify.SHEET_PARAMS]
    ws = wb[notify.SHEET_ALLOCATION]
    assert ws.sheet_view.rightToLeft
    assert wb[notify.SHEET_PARAMS].sheet_view.rightToLeft
    assert ws.freeze_panes == "A3"
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.print_title_rows == "$2:$2"
    title = ws.cell(1, 1).value
    assert title.startswith(EVIL) and "۱۴۰۴" in title and budget.METHOD_FA["per_capita"] in title
    money_col = [c.value for c in ws[notify.HEADER_ROW]].index(budget.ALLOCATION_FA["allocated"]) + 1
    assert ws.cell(notify.FIRST_DATA_ROW, money_col).number_format == "#,##0"
    assert isinstance(ws.cell(notify.FIRST_DATA_ROW, money_col).value, int)


def test_no_formulas_anywhere(workbook: Path) -> None:
    wb = openpyxl.load_workbook(workbook)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    with zipfile.ZipFile(workbook) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in zf.read(name) and b"<f " not in zf.read(name)
    # the '=' value survived as text on the parameters sheet
    values = _params_sheet(workbook)
    assert values["service.name_fa"] == EVIL


def test_parameters_sheet_lists_the_budget(workbook: Path, params: Params) -> None:
    values = _params_sheet(workbook, dtype=str)
    assert values["budget.method"] == budget.METHOD_FA["per_capita"]
    assert values["budget.approved_credit"] == str(25 * MILLION)
    assert values["budget.released_share"] == "1"  # 100 %: a share, shown as a percentage
    assert len(values["params_sha256"]) == 64


def _params_sheet(workbook: Path, **kwargs: object) -> dict[str, object]:
    """The parameters sheet as key → value (its columns: label, value, key)."""
    frame = pd.read_excel(workbook, sheet_name=notify.SHEET_PARAMS, engine="openpyxl", **kwargs)
    assert list(frame.columns) == list(notify.PARAMS_HEADERS)
    return dict(zip(frame.iloc[:, 2], frame.iloc[:, 1], strict=True))


def test_performance_weighted_shows_weights(tmp_path: Path) -> None:
    p = make_params(approved_credit=20 * MILLION, method="performance_weighted")
    table = budget.allocation_table(p, THREE, None)
    path = notify.write_allocation_workbook(p, table, tmp_path / "a.xlsx")
    frame = pd.read_excel(path, header=notify.HEADER_ROW - 1, engine="openpyxl")
    assert budget.ALLOCATION_FA["weight"] in frame.columns
    assert frame[budget.ALLOCATION_FA["province_name"]].iloc[31] == budget.TOTAL_LABEL
