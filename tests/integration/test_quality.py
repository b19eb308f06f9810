"""Findings, the summary contract, the quality workbook, and writing/reading the clean tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from atiyeh_reports.intake import ingest, read_clean, write_clean
from atiyeh_reports.intake.contracts import ContractError, validate_children, validate_summary
from atiyeh_reports.intake.quality import FINDING_COLUMNS, REJECTED, Finding, Problem, as_text, findings_frame
from atiyeh_reports.intake.quality_workbook import write_quality_workbook
from intake_fixtures import child, form_path, make_id, make_params, write_form


def test_findings_frame_has_the_contract_columns() -> None:
    frame = findings_frame([
        Finding("a.xlsx", "فرزندان", 7, "کد ملی", "123", Problem.ID_UNUSABLE, REJECTED, None, "IR-23"),
        Finding("b.xlsx", None, None, None, None, Problem.UNREADABLE_FILE, "unreadable"),
    ])
    assert tuple(frame.columns) == FINDING_COLUMNS
    assert FINDING_COLUMNS[:10] == ("file", "sheet", "row", "column", "value", "problem", "action",
                                    "corrected_to", "province_code", "national_id")
    assert str(frame["row"].dtype) == "Int64"
    assert frame["row"].tolist()[0] == 7 and pd.isna(frame["row"].iloc[1])
    assert findings_frame([]).columns.tolist() == list(FINDING_COLUMNS)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, None), (12345678.0, "12345678"), (dt.datetime(2024, 3, 24), "2024-03-24"),
     (dt.date(2024, 3, 24), "2024-03-24"), ("x", "x"), (1.5, "1.5")],
)
def test_as_text_keeps_the_original_readable(value: object, text: str | None) -> None:
    assert as_text(value) == text


def _summary(**changes: int) -> pd.DataFrame:
    row = {"province_code": "IR-23", "rows_read": 5, "accepted": 3, "corrected": 1, "rejected": 2,
           "blank_rows": 0, **changes}
    return pd.DataFrame([row]).astype({"province_code": "str"})


def test_summary_contract_holds_rows_read_to_accepted_plus_rejected() -> None:
    validate_summary(_summary())
    with pytest.raises(ContractError, match="rows_read = accepted"):
        validate_summary(_summary(rows_read=6))
    with pytest.raises(ContractError, match="corrected <= accepted"):
        validate_summary(_summary(corrected=4))


def test_children_contract_reports_every_failure_at_once(tmp_path: Path) -> None:
    write_form(form_path(tmp_path), [child(1), child(2)])
    children = ingest(make_params(tmp_path), tmp_path).children
    broken = children.copy()
    broken.loc[0, "national_id"] = make_id(1)[:9] + "0" if make_id(1)[9] != "0" else make_id(1)[:9] + "1"
    broken.loc[1, "gender"] = "نامعلوم"
    with pytest.raises(ContractError) as info:
        validate_children(broken)
    assert "check_digit" in str(info.value) and "gender" in str(info.value)
    with pytest.raises(ContractError, match="national_id"):
        validate_children(pd.concat([children, children.iloc[[0]]], ignore_index=True))


def test_quality_workbook_is_right_to_left_frozen_and_free_of_formulas(tmp_path: Path) -> None:
    findings = findings_frame([
        Finding("a.xlsx", "فرزندان", 7, "نام", "=HYPERLINK(\"x\")", Problem.NAME_MISSING, REJECTED,
                None, "IR-23", None),
    ])
    path = write_quality_workbook(_summary(), findings, tmp_path / "quality.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["خلاصه", "یافته‌ها"]
    for ws in wb.worksheets:
        assert ws.sheet_view.rightToLeft
        assert ws.freeze_panes == "A2"
        assert ws.column_dimensions["A"].width > 0
    cell = wb["یافته‌ها"]["E2"]
    assert cell.value == "=HYPERLINK(\"x\")" and cell.data_type == "s"
    summary = wb["خلاصه"]
    assert [c.value for c in summary[2]][:3] == ["IR-23", "تهران", 5]
    assert wb["یافته‌ها"]["G2"].value == "رد شد"


def test_write_then_read_clean_gives_the_same_tables(tmp_path: Path) -> None:
    write_form(form_path(tmp_path), [child(1, admission_date=None), child(2, national_id="123")])
    (form_path(tmp_path, "IR-01.xlsx")).write_text("not a workbook")
    intake = ingest(make_params(tmp_path), tmp_path)
    out = tmp_path / "clean" / "1404"
    paths = write_clean(intake, out)
    assert sorted(p.name for p in paths) == ["children.parquet", "findings.parquet", "performance.parquet",
                                             "quality.xlsx", "summary.parquet"]
    back = read_clean(out)
    assert back.year == 1404
    assert back.unreadable == intake.unreadable
    for name in ("children", "performance", "findings", "summary"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(intake, name), check_dtype=False)
    assert back.children["birth_date"].iloc[0] == intake.children["birth_date"].iloc[0]
    assert isinstance(back.children["birth_date"].iloc[0], dt.date)
    assert back.needs_attention


def _core_times(path: Path) -> set[str]:
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        core = archive.read("docProps/core.xml").decode("utf-8")
    return set(re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]+)<", core))


def test_the_clean_quality_workbook_is_stamped_from_its_inputs_not_the_clock(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from atiyeh_reports.core import provenance
    from atiyeh_reports.intake.quality_workbook import clean_stamp, copy_clean_workbook

    write_form(form_path(tmp_path), [child(1), child(2, national_id="123"), child(3, gender="مذکر")])
    intake = ingest(make_params(tmp_path), tmp_path)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first = write_clean(intake, tmp_path / "a")[-1]
    later = dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc)
    monkeypatch.setattr(provenance.dt, "datetime", type("Later", (dt.datetime,), {"now": staticmethod(lambda tz=None: later)}))
    assert provenance.build_time() == later  # the clock did move
    second = write_clean(intake, tmp_path / "b")[-1]
    assert first.read_bytes() == second.read_bytes()
    assert _core_times(first) == {"2025-03-21T00:00:00Z"}  # 1 Farvardin 1404
    assert clean_stamp(1404) == dt.datetime(2025, 3, 21, tzinfo=dt.timezone.utc)

    # the build's copy is those bytes; without a clean copy it writes the same bytes itself
    copied = copy_clean_workbook(tmp_path / "a", intake.summary, intake.findings, 1404, tmp_path / "copy.xlsx")
    assert copied.read_bytes() == first.read_bytes()
    written = copy_clean_workbook(tmp_path / "none", intake.summary, intake.findings, 1404, tmp_path / "w.xlsx")
    assert written.read_bytes() == first.read_bytes()

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    reproducible = write_clean(intake, tmp_path / "c")[-1]
    assert _core_times(reproducible) == {"2023-11-14T22:13:20Z"}
