"""A corpus of malformed and hostile inputs (issue 8): each gets its exact finding or error, and nothing is lost.

Every case asserts two things: what the package says about the bad input (the
finding's problem and action, or the error and its exit code), and that nothing
was lost on the way: for every province ``rows_read = accepted + rejected``,
and every entry of the input folders is either read or named in a finding.
The fixtures are built in code (tests/hostile_fixtures.py); anything that could
block (a FIFO) runs under a deadline so it can never hang the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from atiyeh_reports.analysis.views import no_data_note_fa
from atiyeh_reports.api import check_data_dir, raw_inputs
from atiyeh_reports.core import layout
from atiyeh_reports.core.provenance import NotRegularFile, file_hashes, sha256_file
from atiyeh_reports.errors import InputError
from atiyeh_reports.insurer.export import (
    NO_FOLDER,
    NO_POLICIES,
    PREMIUM_ABSURD,
    PREMIUM_NEGATIVE,
    PREMIUM_TOO_LARGE,
    PREMIUM_ZERO,
    read_insurer_export,
)
from atiyeh_reports.intake import inventory, provinces_without_data
from atiyeh_reports.intake.quality import UNREADABLE, WARNING, Problem
from hostile_fixtures import (
    add_member,
    convert_with_soffice,
    counts,
    deadline,
    declare_dimension,
    forms_dir,
    good_form,
    insurer_dir,
    make_fifo,
    only,
    policy,
    run,
    write_insurer_csv,
    write_insurer_xlsx,
    write_ods,
)
from intake_fixtures import YEAR, child, make_id, make_params, write_form

TEHRAN, ISFAHAN, GILAN = "IR-23", "IR-10", "IR-01"


# --- 1. every file is accounted for: formats that are read --------------------------------------
@pytest.mark.parametrize("name", ["IR-23_تهران.XLSX", "IR-23_تهران.Xlsx", "IR-23_تهران.xlsm", "IR-23_تهران.XLSM"])
def test_upper_case_and_macro_suffixes_are_read(tmp_path, name):
    write_form(forms_dir(tmp_path) / name, [child(1), child(2), child(3)])
    good_form(tmp_path)
    intake = run(tmp_path)
    assert counts(intake, TEHRAN) == [3, 3, 0]
    assert set(intake.children["source_file"]) == {name, "IR-10_اصفهان.xlsx"}


def test_an_ods_form_is_read(tmp_path):
    write_ods(forms_dir(tmp_path) / "IR-23_تهران.ods", [child(1), child(2)])
    good_form(tmp_path)
    intake = run(tmp_path)
    assert counts(intake, TEHRAN) == [2, 2, 0]
    assert intake.performance.set_index("province_code").loc[TEHRAN, "children_covered"] == 250


def test_an_xls_form_is_read(tmp_path):
    source = write_form(tmp_path / "src" / "IR-23_تهران.xlsx", [child(1), child(2)])
    try:
        xls = convert_with_soffice(source, "xls")
    except Exception as exc:  # noqa: BLE001 - LibreOffice missing or broken: say so
        pytest.skip(f"LibreOffice could not write an .xls here: {exc}")
    if xls is None:
        pytest.skip("LibreOffice (soffice) is not installed: cannot write an .xls to read back")
    (forms_dir(tmp_path) / xls.name).write_bytes(xls.read_bytes())
    import shutil

    shutil.rmtree(tmp_path / "src")
    intake = run(tmp_path)
    assert counts(intake, TEHRAN) == [2, 2, 0]


# --- 1. entries that are not read, each with its reason ------------------------------------------
@pytest.mark.parametrize(("name", "content", "problem"), [
    ("IR-23_تهران.pdf", b"%PDF-1.4 a scanned form", Problem.SKIPPED_FORMAT),
    ("IR-23_تهران.csv", "کد ملی,نام\n".encode(), Problem.SKIPPED_FORMAT),
    ("IR-23_تهران", b"PK\x03\x04 no suffix", Problem.SKIPPED_FORMAT),
    ("~$IR-23_تهران.xlsx", b"\x00lock", Problem.SKIPPED_LOCK_FILE),
    (".~lock.IR-23_تهران.xlsx#", b"lock", Problem.SKIPPED_LOCK_FILE),
    (".IR-23_تهران.xlsx", b"PK\x03\x04", Problem.SKIPPED_HIDDEN),
    ("IR-23_تهران.xlsx", b"", Problem.SKIPPED_EMPTY),
])
def test_a_file_that_is_not_read_is_named_with_its_reason(tmp_path, name, content, problem):
    (forms_dir(tmp_path) / name).write_bytes(content)
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, problem)
    assert finding["file"] == name and finding["action"] == WARNING and finding["detail"]
    assert not (intake.children["source_file"] == name).any()
    found = inventory(tmp_path, YEAR)
    assert [e.name for e in found.skipped] == [name]
    assert [p.name for p in found.forms] == ["IR-10_اصفهان.xlsx"]
    # the province whose form it was has no data, and says why
    assert provinces_without_data(intake)[TEHRAN] == "no form was received"


def test_a_sub_folder_is_named_with_the_forms_inside_it(tmp_path):
    write_form(forms_dir(tmp_path) / "received" / "IR-23_تهران.xlsx", [child(1)])
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, Problem.SKIPPED_SUBFOLDER)
    assert finding["file"] == "received/"
    assert "IR-23_تهران.xlsx" in finding["detail"] and "move them up" in finding["detail"]
    assert TEHRAN in provinces_without_data(intake)


def test_a_folder_named_like_a_form_is_not_read(tmp_path):
    (forms_dir(tmp_path) / "IR-23_تهران.xlsx").mkdir()
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, Problem.SKIPPED_FOLDER_NAMED_LIKE_FORM)
    assert finding["file"] == "IR-23_تهران.xlsx/" and finding["province_code"] == TEHRAN


@pytest.mark.parametrize("target", ["form", "broken", "dev-zero"])
def test_a_symbolic_link_is_not_followed(tmp_path, target):
    real = write_form(tmp_path / "elsewhere" / "IR-23_تهران.xlsx", [child(1)])
    link = forms_dir(tmp_path) / "IR-23_تهران.xlsx"
    link.symlink_to({"form": real, "broken": tmp_path / "gone.xlsx", "dev-zero": Path("/dev/zero")}[target])
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, Problem.SKIPPED_LINK)
    assert finding["file"] == link.name
    assert {"form": "a regular file", "broken": "broken link", "dev-zero": "a device"}[target] in finding["detail"]
    assert link not in raw_inputs(tmp_path, YEAR)
    with deadline():
        hashed = file_hashes(raw_inputs(tmp_path, YEAR), tmp_path)
    assert [h["path"] for h in hashed] == [f"{YEAR}/provinces/IR-10_اصفهان.xlsx"]


# --- 2. non-regular files are refused before they are opened or hashed ---------------------------
def test_a_fifo_named_like_a_form_is_refused_unopened(tmp_path):
    fifo = make_fifo(forms_dir(tmp_path) / "IR-23_تهران.xlsx")
    good_form(tmp_path)
    intake = run(tmp_path)  # under a deadline: opening the FIFO would block for ever
    finding = only(intake, Problem.SKIPPED_SPECIAL)
    assert finding["file"] == fifo.name and "FIFO" in finding["detail"]
    with deadline():
        hashed = file_hashes(raw_inputs(tmp_path, YEAR), tmp_path)
    assert fifo.name not in {Path(h["path"]).name for h in hashed}


def test_hashing_refuses_a_fifo_and_a_device_without_reading(tmp_path):
    fifo = make_fifo(tmp_path / "pipe.xlsx")
    with deadline(), pytest.raises(NotRegularFile, match="not a regular file") as err:
        sha256_file(fifo)
    assert err.value.exit_code == 3
    with deadline(), pytest.raises(NotRegularFile):
        file_hashes([Path("/dev/zero")], tmp_path)


def test_a_fifo_in_the_insurer_folder_is_refused_and_no_policies_is_said(tmp_path):
    make_fifo(insurer_dir(tmp_path) / "policies.csv")
    with deadline():
        policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies.empty
    assert findings["problem"].tolist() == [Problem.SKIPPED_SPECIAL, NO_POLICIES]
    assert findings["file"].tolist() == ["policies.csv", "insurer/"]


# --- 2. absurd sizes are refused before a reader allocates them ---------------------------------
def test_a_stray_cell_at_xfd1048576_is_a_finding_and_the_form_is_read(tmp_path):
    # issue 21 §8 changed this: a far stray cell in a small sheet is listed, not a refusal
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    wb = load_workbook(path)
    wb[layout.SHEET_CHILDREN]["XFD1048576"] = "x"
    wb.save(path)
    good_form(tmp_path)
    intake = run(tmp_path)  # default limits
    finding = only(intake, Problem.STRAY_CELL)
    assert finding["action"] == WARNING and finding["value"] == "XFD1048576" and "XFD1048576" in finding["detail"]
    assert not intake.unreadable
    assert counts(intake, TEHRAN) == [1, 1, 0] and counts(intake, ISFAHAN) == [2, 2, 0]


def test_a_stray_cell_far_right_is_a_finding_even_when_the_dimension_hides_it(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    wb = load_workbook(path)
    wb[layout.SHEET_CHILDREN]["XFD7"] = "x"
    wb.save(path)
    declare_dimension(path, "A1:K6")  # the declared range lies; the cell is still there
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, Problem.STRAY_CELL)
    assert finding[["row", "column", "value"]].tolist() == [7, "XFD", "XFD7"]
    assert "limits.max_columns" in finding["detail"] and counts(intake, TEHRAN) == [1, 1, 0]


def test_a_stray_cell_far_down_is_a_finding(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    wb = load_workbook(path)
    wb[layout.SHEET_CHILDREN]["A900000"] = "x"
    wb.save(path)
    declare_dimension(path, "A1:K6")
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, Problem.STRAY_CELL)
    assert finding[["row", "value"]].tolist() == [900_000, "A900000"] and "limits.max_rows" in finding["detail"]
    assert counts(intake, TEHRAN) == [1, 1, 0]


def test_a_declared_absurd_dimension_is_refused(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    declare_dimension(path, "A1:K2000000")
    good_form(tmp_path)
    intake = run(tmp_path)
    detail = only(intake, Problem.TOO_LARGE)["detail"]
    assert "declares the range A1:K2000000" in detail and "limits.max_rows" in detail


def test_a_zip_bomb_is_refused_by_its_unpacked_size(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    add_member(path, "xl/media/padding.bin", 3_000_000)
    assert path.stat().st_size < 100_000  # small on disk
    good_form(tmp_path)
    intake = run(tmp_path, **{"limits.max_uncompressed_bytes": 2_000_000})
    detail = only(intake, Problem.TOO_LARGE)["detail"]
    assert "unpacks to" in detail and "limits.max_uncompressed_bytes" in detail
    assert counts(intake, ISFAHAN) == [2, 2, 0]


def test_a_file_over_the_size_limit_is_refused_unopened(tmp_path):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(i) for i in range(1, 150)])
    good_form(tmp_path)
    intake = run(tmp_path, **{"limits.max_file_bytes": 10_000})
    assert "limits.max_file_bytes" in only(intake, Problem.TOO_LARGE)["detail"]


def test_the_limits_are_parameters_with_generous_defaults(tmp_path):
    limits = make_params(tmp_path).limits
    assert limits.max_rows >= 100_000 and limits.max_columns >= 50
    assert limits.max_uncompressed_bytes >= 500_000_000
    from atiyeh_reports.errors import ParamsError

    with pytest.raises(ParamsError, match="limits.max_rows"):
        make_params(tmp_path, **{"limits.max_rows": 0})


# --- 2. broken containers ----------------------------------------------------------------------
@pytest.mark.parametrize(("content", "says"), [
    (b"this is not a workbook at all", "UNREADABLE"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "encrypted"),
    (b"PK\x03\x04" + b"\x14\0" * 20, "UNREADABLE"),  # a zip cut short
])
def test_a_broken_file_is_unreadable_and_the_others_read(tmp_path, content, says):
    (forms_dir(tmp_path) / "IR-23_تهران.xlsx").write_bytes(content)
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = intake.findings[intake.findings["action"] == UNREADABLE].iloc[0]
    assert finding["file"] == "IR-23_تهران.xlsx"
    if says == "encrypted":
        assert "encrypted" in finding["detail"]
    else:
        assert finding["problem"] == Problem.UNREADABLE_FILE
    assert counts(intake, ISFAHAN) == [2, 2, 0]


# --- 2. numbers too large for int64 ----------------------------------------------------------
@pytest.mark.parametrize("value", [10**30, "۱۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰۰", 1e300])
def test_a_performance_number_too_large_for_int64_is_a_finding(tmp_path, value):
    from intake_fixtures import PERFORMANCE

    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)],
               performance={**PERFORMANCE, "credit_notified": value})
    intake = run(tmp_path)
    finding = only(intake, Problem.NUMBER_TOO_LARGE)
    assert finding["column"] == "اعتبار ابلاغی (ریال)" and finding["row"] == layout.PERFORMANCE_HEADER_ROW + 1
    assert pd.isna(intake.performance.loc[0, "credit_notified"])
    assert intake.performance.loc[0, "credit_spent"] == PERFORMANCE["credit_spent"]


# --- 3. readable but suspicious --------------------------------------------------------------
def test_a_form_with_headers_and_no_children(tmp_path):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [])
    good_form(tmp_path)
    intake = run(tmp_path)
    finding = only(intake, Problem.NO_CHILDREN_ROWS)
    assert finding["sheet"] == layout.SHEET_CHILDREN and finding["row"] == layout.CHILDREN_HEADER_ROW + 1
    assert counts(intake, TEHRAN) == [0, 0, 0]
    assert provinces_without_data(intake)[TEHRAN] == "its form lists no children"


def test_a_form_whose_every_row_is_rejected_leaves_its_province_without_data(tmp_path):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1, national_id="123"), child(2, gender="?")])
    good_form(tmp_path)
    intake = run(tmp_path)
    assert counts(intake, TEHRAN) == [2, 0, 2]
    assert provinces_without_data(intake)[TEHRAN] == "every row of its form was rejected"


# --- the build and the terminal: no province is allocated zero without a word -------------------
def test_no_data_note_names_the_provinces_and_an_empty_export(tmp_path):
    good_form(tmp_path)
    intake = run(tmp_path)
    note = no_data_note_fa(intake)
    assert "۳۰ استان" in note and "تهران" in note and "اصفهان" not in note

    class Year:  # what the notebooks hand over: a YearData with its policies
        children, summary, findings = intake.children, intake.summary, intake.findings
        policies = pd.DataFrame()

    assert "بیمه‌گر" in no_data_note_fa(Year())


def test_check_data_dir_names_what_is_there_when_no_form_is_readable(tmp_path):
    (forms_dir(tmp_path) / "IR-23_تهران.pdf").write_bytes(b"%PDF")
    (forms_dir(tmp_path) / "old").mkdir()
    with pytest.raises(InputError, match="no readable returned form") as err:
        check_data_dir(tmp_path, YEAR)
    assert "provinces/IR-23_تهران.pdf: not read" in str(err.value) and "provinces/old/" in str(err.value)
    assert err.value.exit_code == 3


def test_ingest_command_lists_what_it_did_not_read_and_exits_5(tmp_path, params_copy, capsys):
    from atiyeh_reports.cli import EXIT_ATTENTION, main

    good_form(tmp_path)
    (forms_dir(tmp_path) / "IR-23_تهران.ods.zip").write_bytes(b"PK")
    write_insurer_xlsx(insurer_dir(tmp_path) / "p.xlsx", [policy(1, make_id(100))])
    with deadline(60):
        code = main(["ingest", "--year", str(YEAR), "--params", str(params_copy), "--data", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_ATTENTION
    assert "provinces/IR-23_تهران.ods.zip: not read: '.zip' is not read" in err
    assert "30 province(s) have no accepted child" in err and "IR-23 تهران: no form was received" in err


def test_build_refuses_provinces_without_data_naming_them(tmp_path, params_copy, capsys):
    from atiyeh_reports.cli import main

    good_form(tmp_path)
    write_insurer_xlsx(insurer_dir(tmp_path) / "p.xlsx", [policy(1, make_id(100))])
    out = tmp_path / "out"
    with deadline(120):
        code = main(["build", "--year", str(YEAR), "--params", str(params_copy), "--data", str(tmp_path),
                     "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 5
    assert "30 province(s) of 1404 have no accepted child" in err and "IR-23 تهران" in err
    assert "--accept-missing" in err
    assert not (out / "manifest.json").exists() and not list(out.glob("*.html"))


def test_a_new_skipped_entry_changes_the_input_stamp(tmp_path):
    from atiyeh_reports.year.read import _stamp

    good_form(tmp_path)
    params = make_params(tmp_path)
    before = _stamp(params, tmp_path)
    (forms_dir(tmp_path) / "IR-23_تهران.pdf").write_bytes(b"%PDF")
    after = _stamp(params, tmp_path)
    assert before["inputs"] == after["inputs"] and before["skipped"] != after["skipped"]


# --- insurer exports -------------------------------------------------------------------------
@pytest.mark.parametrize(("delimiter", "bom"), [(";", True), (";", False), (",", False), ("\t", True)])
def test_insurer_csv_in_any_usual_dialect(tmp_path, delimiter, bom):
    write_insurer_csv(insurer_dir(tmp_path) / "export.CSV", [policy(1, make_id(1)), policy(2, make_id(2))],
                      delimiter=delimiter, bom=bom)
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies["national_id"].tolist() == [make_id(1), make_id(2)]
    assert policies["premium"].tolist() == [3_600_000, 3_600_000]
    assert findings.empty


def test_insurer_workbook_with_an_upper_case_suffix_and_other_files_beside_it(tmp_path):
    folder = insurer_dir(tmp_path)
    write_insurer_xlsx(folder / "EXPORT.XLSX", [policy(1, make_id(1))])
    (folder / "readme.docx").write_bytes(b"PK")
    (folder / "~$EXPORT.XLSX").write_bytes(b"lock")
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies["policy_no"].tolist() == ["P-1"]
    assert dict(zip(findings["file"], findings["problem"], strict=True)) == {
        "readme.docx": Problem.SKIPPED_FORMAT, "~$EXPORT.XLSX": Problem.SKIPPED_LOCK_FILE}


@pytest.mark.parametrize(("premium", "problem", "action"), [
    (10**30, PREMIUM_TOO_LARGE, "rejected"),
    ("۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹۹", PREMIUM_TOO_LARGE, "rejected"),
    (-3_600_000, PREMIUM_NEGATIVE, "warning"),
    (0, PREMIUM_ZERO, "warning"),
    (3_600_000_000, PREMIUM_ABSURD, "warning"),
])
def test_insurer_premiums_that_make_no_sense(tmp_path, premium, problem, action):
    write_insurer_csv(insurer_dir(tmp_path) / "e.csv", [policy(1, make_id(1), premium), policy(2, make_id(2))])
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert findings[["row", "column", "problem", "action"]].values.tolist() == [
        [2, "حق بیمه پرداختی (ریال)", problem, action]]
    kept = ["P-2"] if action == "rejected" else ["P-1", "P-2"]
    assert policies["policy_no"].tolist() == kept  # nothing lost: each row kept or listed as rejected
    assert str(policies["premium"].dtype) == "int64"


def test_an_export_with_a_header_and_no_rows_says_no_policies(tmp_path):
    write_insurer_xlsx(insurer_dir(tmp_path) / "export.xlsx", [])
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies.empty and findings["problem"].tolist() == [NO_POLICIES]


def test_a_missing_insurer_folder_is_a_stated_finding(tmp_path):
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies.empty and findings["problem"].tolist() == [NO_FOLDER]


def test_an_insurer_zip_bomb_is_an_input_error_naming_the_file(tmp_path):
    path = write_insurer_xlsx(insurer_dir(tmp_path) / "export.xlsx", [policy(1, make_id(1))])
    add_member(path, "xl/media/padding.bin", 3_000_000)
    with pytest.raises(InputError, match="export.xlsx.*limits.max_uncompressed_bytes") as err:
        read_insurer_export(make_params(tmp_path, **{"limits.max_uncompressed_bytes": 2_000_000}), tmp_path)
    assert err.value.exit_code == 3


def test_an_insurer_sheet_with_a_stray_cell_at_xfd1048576_is_read_and_the_cell_listed(tmp_path):
    # issue 21 §8 changed this: a far stray cell in a small sheet is listed, not a refusal
    path = write_insurer_xlsx(insurer_dir(tmp_path) / "export.xlsx", [policy(1, make_id(1))])
    wb = load_workbook(path)
    wb.active["XFD1048576"] = 1
    wb.save(path)
    with deadline():
        policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies["policy_no"].tolist() == ["P-1"]
    assert findings[["row", "column", "value", "problem"]].values.tolist() == [
        [1048576, "XFD", "XFD1048576", Problem.STRAY_CELL]]


def test_inputs_hashed_are_exactly_the_files_read(tmp_path):
    good_form(tmp_path)
    write_insurer_csv(insurer_dir(tmp_path) / "e.csv", [policy(1, make_id(1))])
    (forms_dir(tmp_path) / "notes.txt").write_text("x")
    (insurer_dir(tmp_path) / ".hidden.csv").write_text("x")
    os.symlink(forms_dir(tmp_path) / "IR-10_اصفهان.xlsx", forms_dir(tmp_path) / "link.xlsx")
    files = raw_inputs(tmp_path, YEAR)
    assert [p.name for p in files] == ["IR-10_اصفهان.xlsx", "e.csv"]
    assert [e.shown for e in inventory(tmp_path, YEAR).skipped] == [
        "provinces/link.xlsx", "provinces/notes.txt", "insurer/.hidden.csv"]


# --- 3. findings for what is suspicious but readable, each with sheet, row and column ----------
def _edit(path: Path, change) -> Path:  # noqa: ANN001 - worksheet -> None
    wb = load_workbook(path)
    change(wb[layout.SHEET_CHILDREN])
    wb.save(path)
    return path


def test_merged_cells_in_the_data_area(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1), child(2, first_name=None)])
    _edit(path, lambda ws: ws.merge_cells("C6:C7"))  # the first name of row 6 spread over row 7
    intake = run(tmp_path)
    finding = only(intake, Problem.MERGED_CELLS)
    assert finding[["sheet", "row", "column", "value"]].tolist() == [layout.SHEET_CHILDREN, 6, "نام", "C6:C7"]
    assert counts(intake, TEHRAN) == [2, 1, 1]  # row 7's first name is empty: rejected, and listed


def test_merged_title_cells_above_the_header_are_not_a_finding(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    _edit(path, lambda ws: ws.merge_cells("A3:K3"))
    intake = run(tmp_path)
    assert not (intake.findings["problem"] == Problem.MERGED_CELLS).any()


def test_a_formula_without_a_cached_value(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1), child(2)])
    _edit(path, lambda ws: ws.__setitem__("K7", "=UPPER(K6)"))  # openpyxl saves no result
    intake = run(tmp_path)
    finding = only(intake, Problem.FORMULA_NO_VALUE)
    assert finding[["row", "column", "value"]].tolist() == [7, "شهرستان", "K7"]
    assert counts(intake, TEHRAN) == [2, 2, 0]


@pytest.mark.parametrize(("ref", "error", "column", "accepted"), [
    ("C6", "#VALUE!", "نام", 0),  # a name that is an error: empty, so the row is rejected
    ("K6", "#REF!", "شهرستان", 1),
    ("J6", "#N/A", "تاریخ پذیرش", 1),
    ("L6", "#DIV/0!", "L", 1),  # a column outside the form's: still reported
])
def test_excel_error_values_in_any_field(tmp_path, ref, error, column, accepted):
    from hostile_fixtures import add_error_cell

    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    if ref.startswith("L"):
        _edit(path, lambda ws: ws.__setitem__("L6", 0))
    add_error_cell(path, ref, error)
    intake = run(tmp_path)
    finding = only(intake, Problem.ERROR_VALUE)
    assert finding[["sheet", "row", "column", "value"]].tolist() == [layout.SHEET_CHILDREN, 6, column, error]
    assert counts(intake, TEHRAN) == [1, accepted, 1 - accepted]


def test_an_error_value_in_the_performance_sheet(tmp_path):
    from intake_fixtures import PERFORMANCE

    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)],
               performance={**PERFORMANCE, "credit_spent": "#REF!"})
    intake = run(tmp_path)
    finding = only(intake, Problem.ERROR_VALUE)
    assert finding[["sheet", "column"]].tolist() == [layout.SHEET_PERFORMANCE, "اعتبار هزینه‌شده (ریال)"]
    assert pd.isna(intake.performance.loc[0, "credit_spent"])


@pytest.mark.parametrize(("field", "length", "column"), [
    ("first_name", 51, "نام"), ("last_name", 500, "نام خانوادگی"), ("county", 5000, "شهرستان"),
    ("court_order", 61, "شماره دستور قضایی"),
])
def test_text_longer_than_its_field_can_hold(tmp_path, field, length, column):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1, **{field: "ب" * length}), child(2)])
    intake = run(tmp_path)
    finding = only(intake, Problem.TEXT_TOO_LONG)
    assert finding[["row", "column", "action"]].tolist() == [6, column, WARNING]
    assert f"{length:,} characters" in finding["detail"]


def test_text_at_its_field_limit_is_not_a_finding(tmp_path):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1, first_name="ب" * 50, county="ج" * 60)])
    assert not (run(tmp_path).findings["problem"] == Problem.TEXT_TOO_LONG).any()


def test_hidden_rows_that_were_read(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1), child(2), child(3)])

    def hide(ws):  # noqa: ANN001
        ws.row_dimensions[7].hidden = True
        ws.row_dimensions[2].hidden = True  # a title row: not a data row, not a finding

    _edit(path, hide)
    intake = run(tmp_path)
    finding = only(intake, Problem.HIDDEN_ROW)
    assert finding[["sheet", "row"]].tolist() == [layout.SHEET_CHILDREN, 7]
    assert counts(intake, TEHRAN) == [3, 3, 0]


def test_a_hidden_children_sheet_that_was_read(tmp_path):
    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1)])
    wb = load_workbook(path)
    wb[layout.SHEET_CHILDREN].sheet_state = "hidden"
    wb.active = wb.sheetnames.index(layout.SHEET_PERFORMANCE)
    wb.save(path)
    intake = run(tmp_path)
    finding = only(intake, Problem.HIDDEN_SHEET)
    assert finding["sheet"] == layout.SHEET_CHILDREN
    assert counts(intake, TEHRAN) == [1, 1, 0]


def test_entries_not_read_are_in_quality_xlsx(tmp_path):
    from atiyeh_reports.intake import write_clean

    good_form(tmp_path)
    (forms_dir(tmp_path) / "IR-23_تهران.pdf").write_bytes(b"%PDF")
    make_fifo(forms_dir(tmp_path) / "IR-01_گیلان.xlsx")
    intake = run(tmp_path)
    write_clean(intake, tmp_path / "clean")
    ws = load_workbook(tmp_path / "clean" / "quality.xlsx", read_only=True)["یافته‌ها"]
    rows = list(ws.iter_rows(values_only=True))
    files = {r[0]: r for r in rows[1:]}
    assert Problem.SKIPPED_FORMAT in files["IR-23_تهران.pdf"]
    assert Problem.SKIPPED_SPECIAL in files["IR-01_گیلان.xlsx"]


def test_build_with_accept_missing_says_what_is_missing_and_builds(tmp_path, params_copy):
    import nbformat
    import yaml
    from nbformat.v4 import new_code_cell, new_notebook

    from atiyeh_reports.pipeline.build import REPORTS, build_year

    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for report in REPORTS:  # stand-ins: the note as every real notebook shows it
        params = new_code_cell('params_path = ""\ndata_dir = ""')
        params.metadata["tags"] = ["parameters"]
        nb = new_notebook(cells=[params, new_code_cell(
            "from atiyeh_reports.api import load_year\nfrom atiyeh_reports.analysis.views import no_data_note_fa\n"
            "print(no_data_note_fa(load_year(params_path, data_dir=data_dir)))")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, notebooks / f"{report.name}.ipynb")
    good_form(tmp_path)
    (forms_dir(tmp_path) / "IR-23_تهران.pdf").write_bytes(b"%PDF")
    write_insurer_xlsx(insurer_dir(tmp_path) / "p.xlsx", [policy(1, make_id(100))])
    raw = yaml.safe_load(params_copy.read_text(encoding="utf-8"))
    raw["data_dir"] = str(tmp_path)
    params_copy.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    said: list[str] = []
    result = build_year(params_copy, out_dir=tmp_path / "out" / "1404", notebook_dir=notebooks,
                        progress=said.append, accept_missing=True, pack=False)
    assert any(s.startswith("provinces/IR-23_تهران.pdf: not read") for s in said)
    assert any("accepted (--accept-missing): 30 province(s)" in s for s in said)
    executed = nbformat.read(result.out_dir / "analysis.ipynb", as_version=4)
    shown = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "۳۰ استان" in shown and "تهران (فرمی نرسید)" in shown
    import json

    manifest = json.loads((result.out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["intake"]["provinces_without_data"]["IR-23"] == "no form was received"
    assert [i["path"] for i in manifest["inputs"]] == ["1404/insurer/p.xlsx", "1404/provinces/IR-10_اصفهان.xlsx"]
