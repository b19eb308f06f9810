"""The `atiyeh` command: forms, and a filled-in form read back unchanged by ingest."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from atiyeh_reports.cli import EXIT_ATTENTION, main
from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.core.params import load_params
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.intake import ingest

ROOT = Path(__file__).resolve().parents[2]


def _nid(nine: str) -> str:
    return nine + str(check_digit(nine))


def test_forms_command_writes_31_right_to_left_forms(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["forms", "--year", "1405", "--out", str(tmp_path)]) == 0
    files = sorted(tmp_path.glob("*.xlsx"))
    assert len(files) == 31
    assert {f.name.split("_")[0] for f in files} == {p.code for p in provinces()}
    wb = openpyxl.load_workbook(files[0])
    assert wb[layout.SHEET_CHILDREN].sheet_view.rightToLeft
    assert "31 forms" in capsys.readouterr().err


def test_a_form_filled_in_as_sent_is_read_back_unchanged(tmp_path: Path) -> None:
    """What a province types into the form HQ sent comes out of ingest as typed."""
    main(["forms", "--year", "1404", "--out", str(tmp_path / "sent")])
    typed = [
        # national_id, first, last, gender, birth, guardianship, care, court order, admission, county
        (_nid("001234567"), "زهرا", "کریمی", vocab.GENDER_FEMALE, "1395/07/12", vocab.ORPHANED,
         vocab.CARE_FOSTER, "9809977001", "1401/02/01", "تهران"),
        (_nid("002345678"), "امیر‌حسین", "رضایی", vocab.GENDER_MALE, "1390/01/05", vocab.ILL_SUPERVISED,
         vocab.CARE_RESIDENTIAL, "ق/۱۲۳/۱۴۰۲", "1402/11/30", "ری"),
        (_nid("003456789"), "مریم", "احمدی", vocab.GENDER_FEMALE, "1403/12/30", vocab.ILL_SUPERVISED,
         vocab.CARE_OWN_FAMILY, "12-445", "1404/01/15", "تهران"),
    ]
    data = tmp_path / "data"
    forms_dir = layout.provinces_dir(data, 1404)
    forms_dir.mkdir(parents=True)
    sent = tmp_path / "sent" / "IR-23_تهران_1404.xlsx"
    wb = openpyxl.load_workbook(sent)
    ws = wb[layout.SHEET_CHILDREN]
    headers = {ws.cell(layout.CHILDREN_HEADER_ROW, c).value: c for c in range(1, ws.max_column + 1)}
    for i, record in enumerate(typed, 1):
        row = layout.CHILDREN_HEADER_ROW + i
        ws.cell(row, headers["ردیف"]).value = i
        for header, value in zip(list(layout.CHILDREN_COLUMNS)[1:], record, strict=True):
            ws.cell(row, headers[header]).value = value
    perf = wb[layout.SHEET_PERFORMANCE]
    perf_headers = {perf.cell(layout.PERFORMANCE_HEADER_ROW, c).value: c for c in range(1, perf.max_column + 1)}
    values = dict(zip(layout.PERFORMANCE_COLUMNS, (9_000_000_000, 8_100_000_000, 3, 3, 1), strict=True))
    for header, value in values.items():
        perf.cell(layout.PERFORMANCE_HEADER_ROW + 1, perf_headers[header]).value = value
    wb.save(forms_dir / sent.name)

    params = load_params(ROOT / "params" / "1404.yaml")
    result = ingest(params, data)
    assert result.unreadable == ()
    assert result.summary.set_index("province_code").loc["IR-23", ["rows_read", "accepted", "rejected"]].tolist() == [3, 3, 0]
    got = result.children.sort_values("national_id").reset_index(drop=True)
    assert got["province_code"].tolist() == ["IR-23"] * 3
    assert got["national_id"].tolist() == [t[0] for t in typed]
    assert got["first_name"].tolist() == [t[1] for t in typed]
    assert got["last_name"].tolist() == [t[2] for t in typed]
    assert got["gender"].tolist() == [t[3] for t in typed]
    assert got["guardianship"].tolist() == [t[5] for t in typed]
    assert got["care_type"].tolist() == [t[6] for t in typed]
    assert got["county"].tolist() == [t[9] for t in typed]
    assert got["birth_date"].tolist() == [dt.date(2016, 10, 3), dt.date(2011, 3, 25), dt.date(2025, 3, 20)]
    assert got["admission_date"].tolist() == [dt.date(2022, 4, 21), dt.date(2024, 2, 19), dt.date(2025, 4, 4)]
    assert not (result.findings["action"].isin(["rejected", "corrected"])).any(), result.findings
    perf_row = result.performance.set_index("province_code").loc["IR-23"]
    assert [int(perf_row[f]) for f in layout.PERFORMANCE_COLUMNS.values()] == list(values.values())


def test_ingest_command_reports_unreadable_forms_and_still_cleans_the_rest(
    tmp_path: Path, sample_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    shutil.copytree(sample_dir / "1404", data / "1404")
    (layout.provinces_dir(data, 1404) / "IR-25_قم.xlsx").write_bytes(b"this is not a workbook")
    code = main(["ingest", "--year", "1404", "--params", str(ROOT / "params" / "1404.yaml"), "--data", str(data)])
    err = capsys.readouterr().err
    assert code == EXIT_ATTENTION
    assert "IR-25_قم.xlsx" in err and "needs attention" in err
    clean = layout.clean_dir(data, 1404)
    children = pd.read_parquet(clean / "children.parquet")
    assert children["province_code"].nunique() >= 29 and "IR-25" not in set(children["province_code"])
    assert (clean / "quality.xlsx").is_file()


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize("tty", [True, False])
def test_build_progress_rewrites_the_cell_line_only_on_a_terminal(tty: bool) -> None:
    from atiyeh_reports.cli import Progress

    stream = _Stream(tty)
    progress = Progress(stream)
    for message in ("[1/3] analysis: executing analysis.ipynb", "[1/3] analysis: cell 1/3",
                    "[1/3] analysis: cell 2/3", "[2/3] allocation: executing allocation.ipynb"):
        progress(message)
    progress.close()
    out = stream.getvalue()
    if tty:
        assert out.count("\n") == 3 and "\r\033[K[1/3] analysis: cell 2/3\n[2/3]" in out
    else:
        assert out.splitlines() == [
            "[1/3] analysis: executing analysis.ipynb", "[1/3] analysis: cell 1/3",
            "[1/3] analysis: cell 2/3", "[2/3] allocation: executing allocation.ipynb"]
