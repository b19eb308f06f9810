"""More hostile inputs (issue 21 §2, §6, §7, §8): markup and bidi controls, the insurer's columns,
the parameters' texts, nesting and aliases, and far stray cells.

Like tests/test_hostile_inputs.py, each case asserts what the package says (the message, naming
file, sheet, row, column or key, and its exit code, or the finding) and that nothing was lost.
Fixtures come from tests/hostile_fixtures.py and tests/intake_fixtures.py; anything that could
run long runs under a deadline. The one build (markup and bidi planted everywhere, every shared
file scanned) is marked e2e.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from atiyeh_reports.errors import InputError, ParamsError
from atiyeh_reports.insurer.export import read_insurer_export
from factories import run_cli
from hostile_fixtures import INSURER_HEADER, deadline, insurer_dir, policy, write_insurer_csv, write_insurer_xlsx
from intake_fixtures import make_id, make_params

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "params" / "1404.yaml").read_text(encoding="utf-8")
NAME_LINE = "name_fa: حمایت بیمهٔ تأمین آتیهٔ فرزندان"
MARKUP = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
RLO, LRI = "\u202e", "\u2066"
PDF_, PDI = "\u202c", "\u2069"  # pop directional formatting, pop directional isolate
#: The bidirectional controls no shared file may hold (issue 21 §2).
BIDI = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))


def params_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "params" / "1404.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def build_refused(tmp_path: Path, text: str) -> tuple[int, str, float]:
    """``atiyeh build`` of a parameter file: (exit code, stderr, seconds); nothing may be written."""
    path = params_file(tmp_path, text)
    out = tmp_path / "out"
    started = time.monotonic()
    with deadline(60):
        code, err = run_cli("build", "--year", "1404", "--params", str(path), "--out", str(out))
    assert not out.exists()
    return code, err, time.monotonic() - started


# --- §7 parameters: nesting, aliases ------------------------------------------------------------
def test_twenty_thousand_nested_brackets_are_exit_2_at_once(tmp_path):
    code, err, seconds = build_refused(tmp_path, BASE + "x: " + "[" * 20_000 + "\n")
    assert code == 2 and seconds < 10
    assert err.startswith(f"error: {tmp_path / 'params' / '1404.yaml'}: line ")
    assert "nested more than 20 deep" in err and "RecursionError" not in err


def test_deep_nesting_under_a_known_key_is_refused_too(tmp_path):
    with pytest.raises(ParamsError, match="nested more than 20 deep"):
        from atiyeh_reports.core.params import load_params

        load_params(params_file(tmp_path, BASE.replace("province_caps: {}", "province_caps: "
                                                       + "{a: " * 30 + "1" + "}" * 30)))


ALIAS_BOMB = "".join(
    f"z{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9) if i else ', '.join(['lol'] * 9)}]\n" for i in range(9)
)


def test_an_alias_bomb_under_an_unknown_key_is_refused_at_once(tmp_path):
    code, err, seconds = build_refused(tmp_path, BASE + ALIAS_BOMB)
    assert code == 2 and seconds < 10, (seconds, err)
    assert "a YAML alias (*l0)" in err and "write the value out" in err
    line = (BASE + ALIAS_BOMB).splitlines().index(ALIAS_BOMB.splitlines()[1]) + 1
    assert f": line {line}: " in err


def test_an_alias_of_a_harmless_value_is_refused_too(tmp_path):
    text = BASE.replace("province_caps: {}", "province_caps: &caps {}").replace(
        "province_floors: {}", "province_floors: {}\n  x_caps: *caps")
    from atiyeh_reports.core.params import load_params

    with pytest.raises(ParamsError, match=r"line \d+: a YAML alias \(\*caps\)"):
        load_params(params_file(tmp_path, text))


def test_the_duplicate_key_check_still_names_both_lines(tmp_path):
    text = BASE.replace("  count_tolerance: 0", "  count_tolerance: 0\n  count_tolerance: 1")
    code, err, _ = build_refused(tmp_path, text)
    assert code == 2 and "key 'checks.count_tolerance' is given twice" in err


# --- §7 parameters: text fields ------------------------------------------------------------------
@pytest.mark.parametrize(("name", "says"), [
    ("ب" * 201, "201 characters; a programme name holds at most 200 (one line): shorten it"),
    ("ب" * 284, "284 characters; a programme name holds at most 200"),  # DOCX properties take 255
    ("b" * 900_000, "900,000 characters; a programme name holds at most 200"),  # 0.9 MB: was 15 minutes of CPU
    ('"حمایت\\u0007آتیه"', "character 6 is a control character (U+0007); a programme name is one line"),
    ('"حمایت\\nآتیه"', "character 6 is a control character (U+000A)"),
    ('"حمایت\\ud800آتیه"', "character 6 is a lone surrogate (U+D800), which no file can store"),
    (f'"حمایت{RLO}آتیه"', "character 6 is an invisible format character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    (f'"حمایت{LRI}آتیه"', "U+2066 LEFT-TO-RIGHT ISOLATE"),
    ('"   "', "a programme name is empty"),
])
def test_a_programme_name_that_is_not_a_line_is_exit_2_before_the_build(tmp_path, name, says):
    text = BASE.replace(NAME_LINE, f"name_fa: {name}")
    assert text != BASE
    code, err, seconds = build_refused(tmp_path, text)
    assert code == 2 and seconds < 20
    assert "key 'service.name_fa': " in err and says in err, err
    assert len(err) < 600  # a 0.9 MB name is not echoed back


def test_a_name_at_its_limit_with_zwnj_and_markup_loads(tmp_path):
    from atiyeh_reports.core.params import load_params

    name = ("حمایت\u200cها " + MARKUP)[:200].ljust(200, "ب")
    params = load_params(params_file(tmp_path, BASE.replace(NAME_LINE, f"name_fa: '{name}'")))
    assert params.service.name_fa == name  # markup is text: escaped wherever it is shown
    from atiyeh_reports.publish.letters import LETTER_TITLE  # noqa: F401 - the letters module loads

    subject = f"ابلاغ اعتبار «{name}» سال ۱۴۰۴"
    assert len(subject) <= 255  # what a DOCX core property holds


@pytest.mark.parametrize(("key", "value", "says"), [
    ("data_dir", '"../data/sa\\0mple"', "key 'data_dir': character 11 is a control character (U+0000)"),
    ("data_dir", "a" * 300, "is 300 bytes; a file or folder name holds at most 255 bytes"),
    ("notified_record", f'"x{RLO}.csv"', "key 'checks.notified_record': character 2 is an invisible format"),
    ("notified_record", '"a\\tb.csv"', "key 'checks.notified_record': character 2 is a control character"),
])
def test_paths_a_file_system_cannot_hold_are_exit_2(tmp_path, key, value, says):
    old = {"data_dir": "data_dir: ../data/sample",
           "notified_record": "# notified_record: ../outputs/1403/allocation.csv"}[key]
    text = BASE.replace(old, f"{old.split(':')[0].lstrip('# ')}: {value}")
    assert text != BASE
    code, err, _ = build_refused(tmp_path, text)
    assert code == 2 and says in err, err


def test_lists_of_years_and_shares_are_a_handful(tmp_path):
    from atiyeh_reports.core.params import load_params

    text = BASE.replace("sensitivity_shares: [0.6, 0.7, 0.8, 0.9, 1.0]",
                        "sensitivity_shares: [" + ", ".join(["0.5"] * 5000) + "]")
    with pytest.raises(ParamsError, match="key 'budget.sensitivity_shares': .*at most 20"):
        load_params(params_file(tmp_path, text))


@pytest.mark.parametrize(("old", "new", "says"), [
    ("list_date: 1404/02/15", "list_date: 2024-13-45",
     "line 48: the value '2024-13-45' cannot be read (month must be in 1..12); a Jalali date is written 1404/02/15"),
    ("year: 1404", "year: 1" + "0" * 5000, "line 4: the value '1000000000000000000000000000000000000000' cannot be "
                                          "read (a number of more than 4,300 digits)"),
    ("history_years: [1402, 1403]", "history_years: [99999999999999999999]",
     "key 'history_years.0': Input should be less than or equal to 1500"),
    ("data_dir: ../data/sample", "data_dir: [a, b]", "key 'data_dir': expected a folder's path (text), got list"),
    ('id: "19041060106"', 'id: "1904106010\u0666"', "key 'service.id': String should match pattern '^[0-9]{11}$'"),
    ("list_date: 1404/02/15", "list_date: '" + "1" * 5000 + "'",
     "key 'insurer.list_date': String should have at most 40 characters"),
])
def test_values_yaml_or_a_document_cannot_take_are_exit_2_naming_line_or_key(tmp_path, old, new, says):
    from atiyeh_reports.core.params import load_params

    assert old in BASE
    with pytest.raises(ParamsError) as err:
        load_params(params_file(tmp_path, BASE.replace(old, new)))
    assert says in str(err.value) and err.value.exit_code == 2


def test_thirty_thousand_unknown_keys_are_told_as_ten_and_a_count(tmp_path):
    from atiyeh_reports.core.params import load_params

    with pytest.raises(ParamsError) as err:
        load_params(params_file(tmp_path, BASE + "".join(f"k{i}: {i}\n" for i in range(30_000))))
    message = str(err.value)
    assert message.count("is not a known parameter") == 10 and "and 29,990 more problem(s)" in message
    assert len(message) < 2000


def test_min_match_share_is_a_share_with_a_default(tmp_path):
    from decimal import Decimal

    assert make_params(tmp_path).checks.min_match_share == Decimal("0.5")
    with pytest.raises(ParamsError, match="key 'checks.min_match_share'"):
        make_params(tmp_path, **{"checks.min_match_share": 1.5})


# --- §6 the insurer's columns -------------------------------------------------------------------
def _with_second_id_column(path: Path, header: str = "کد ملی") -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.active
    ws.cell(1, len(INSURER_HEADER) + 1, header)
    for r in range(2, ws.max_row + 1):
        ws.cell(r, len(INSURER_HEADER) + 1, make_id(900 + r))  # the guardian's ID
    wb.save(path)
    return path


def test_a_second_national_id_column_is_refused_naming_both(tmp_path):
    path = write_insurer_xlsx(insurer_dir(tmp_path) / "export.xlsx", [policy(1, make_id(1))])
    _with_second_id_column(path)
    with pytest.raises(InputError) as err:
        read_insurer_export(make_params(tmp_path), tmp_path)
    message = str(err.value)
    assert err.value.exit_code == 3
    assert message.startswith("file export.xlsx, sheet Sheet, row 1: the header has more than one column")
    assert "«کد ملی» is given by column B («کد ملی») and column G («کد ملی»)" in message
    assert "guardian" in message and "rename or delete" in message


def test_the_same_field_under_a_persian_and_an_english_header_is_refused(tmp_path):
    rows = [policy(1, make_id(1))]
    path = write_insurer_csv(insurer_dir(tmp_path) / "export.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",status", lines[1] + ",فعال"]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"file export.csv, row 1: .*column F \(«وضعیت.*\) and column G "
                                         r"\(«status»\)"):
        read_insurer_export(make_params(tmp_path), tmp_path)


def test_a_guardian_id_column_with_its_own_header_is_only_an_extra_column(tmp_path):
    path = write_insurer_xlsx(insurer_dir(tmp_path) / "export.xlsx", [policy(1, make_id(1))])
    _with_second_id_column(path, "کد ملی سرپرست")
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies["national_id"].tolist() == [make_id(1)] and findings.empty


def test_a_second_id_column_stops_the_build_with_exit_3(tmp_path, sample_dir):
    import shutil

    data = tmp_path / "data"
    shutil.copytree(sample_dir / "1404", data / "1404")
    export = next((data / "1404" / "insurer").iterdir())
    _with_second_id_column(export)
    text = BASE.replace("data_dir: ../data/sample", f"data_dir: {data}")
    path = params_file(tmp_path, text)
    out = tmp_path / "out"
    with deadline(300):
        code, err = run_cli("build", "--year", "1404", "--params", str(path), "--out", str(out))
    assert code == 3, err
    assert f"error: file {export.name}" in err and "more than one column for the same field" in err
    assert not (out / "evaluation.html").exists()


def _sample_copy(tmp_path: Path, sample_dir: Path) -> tuple[Path, Path]:
    """A copy of the sample's 1404 inputs and a parameter file reading them."""
    import shutil

    data = tmp_path / "data"
    shutil.copytree(sample_dir / "1404", data / "1404")
    return data, params_file(tmp_path, BASE.replace("data_dir: ../data/sample", f"data_dir: {data}"))


def _replace_ids(export: Path, keep_every: int = 0) -> int:
    """Put another valid national ID (a guardian's) in the export's «کد ملی» column; keep every
    ``keep_every``-th row's own. Returns how many rows were changed."""
    from openpyxl import load_workbook

    wb = load_workbook(export)
    ws = wb.active
    changed = 0
    for r in range(2, ws.max_row + 1):
        if keep_every and r % keep_every == 0:
            continue
        ws.cell(r, 2, make_id(500_000 + r))
        changed += 1
    wb.save(export)
    return changed


def test_a_reconciliation_matching_nothing_stops_the_build_with_exit_3(tmp_path, sample_dir):
    data, path = _sample_copy(tmp_path, sample_dir)
    _replace_ids(data / "1404" / "insurer" / "policies.xlsx")
    out = tmp_path / "out"
    with deadline(300):
        code, err = run_cli("build", "--year", "1404", "--params", str(path), "--out", str(out))
    assert code == 3, err
    import re

    assert re.search(r"error: file 1404/insurer/ \(policies\.xlsx\): the insurer's export matched [01] of "
                     r"[\d,]+ children \(0(\.01)?%\) with its [\d,]+ policies; below checks\.min_match_share 50%: "
                     r"check the export's national-ID column «کد ملی»", err), err
    assert "the evaluation was not published" in err and len([ln for ln in err.splitlines() if "error" in ln]) == 1
    assert not out.exists() or not (out / "evaluation.html").exists()


def test_the_match_share_is_checked_against_the_parameter(tmp_path, sample_dir):
    from atiyeh_reports.api import load_year
    from atiyeh_reports.insurer.reconciliation import MatchTooLowError, check_match_share, reconcile_year

    data, path = _sample_copy(tmp_path, sample_dir)
    _replace_ids(data / "1404" / "insurer" / "policies.xlsx", keep_every=3)  # about a third kept
    y = load_year(path, data_dir=data)
    rec = reconcile_year(y)
    matched = int((rec.children["category"] == "matched").sum())
    share = matched / len(rec.children)
    assert 0.2 < share < 0.4
    with pytest.raises(MatchTooLowError, match=rf"matched {matched:,} of {len(rec.children):,} children") as err:
        check_match_share(rec, y.params)
    assert err.value.exit_code == 3
    lower = y.params.model_copy(update={"checks": y.params.checks.model_copy(update={"min_match_share": 0.2})})
    check_match_share(rec, lower)  # the official who knows it is so lowers the share: no error


# --- §8 a far stray cell is a finding -------------------------------------------------------------
from atiyeh_reports.core import layout  # noqa: E402
from atiyeh_reports.intake.quality import UNREADABLE, WARNING, Problem  # noqa: E402
from hostile_fixtures import counts, declare_dimension, forms_dir, good_form, only, run  # noqa: E402  # noqa: E402
from intake_fixtures import child, write_form  # noqa: E402

TEHRAN, ISFAHAN = "IR-23", "IR-10"


def _form_with(tmp_path: Path, cells: dict[str, object], n: int = 314) -> Path:
    from openpyxl import load_workbook

    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(i) for i in range(1, n + 1)])
    wb = load_workbook(path)
    for ref, value in cells.items():
        wb[layout.SHEET_CHILDREN][ref] = value
    wb.save(path)
    return path


@pytest.mark.parametrize("ref", ["K1048576", "XFD1048576", "L6", "GR6", "GS6", "GT7", "A500001", "K600000"])
def test_one_typed_cell_far_away_keeps_the_provinces_314_children(tmp_path, ref):
    _form_with(tmp_path, {ref: "x"})
    good_form(tmp_path)
    with deadline(60):
        intake = run(tmp_path)
    assert counts(intake, TEHRAN) == [314, 314, 0] and not intake.unreadable
    far = ref in ("XFD1048576", "K1048576", "GS6", "GT7", "A500001", "K600000")  # beyond 200 columns, 500,000 rows
    stray = intake.findings[intake.findings["problem"] == Problem.STRAY_CELL]
    if not far:
        assert stray.empty
        return
    finding = only(intake, Problem.STRAY_CELL)
    row = int(ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert finding[["file", "sheet", "row", "column", "value", "action", "province_code"]].tolist() == [
        "IR-23_تهران.xlsx", layout.SHEET_CHILDREN, row, ref.rstrip("0123456789"), ref, WARNING, TEHRAN]
    assert f"cell {ref} lies beyond limits." in finding["detail"] and "save the form again" in finding["detail"]


def test_a_few_stray_cells_are_each_listed_with_their_address(tmp_path):
    refs = ["XFD1", "K1048576", "ZZ9000", "A1048000"]
    _form_with(tmp_path, {r: "x" for r in refs}, n=3)
    intake = run(tmp_path)
    stray = intake.findings[intake.findings["problem"] == Problem.STRAY_CELL]
    assert sorted(stray["value"]) == sorted(refs) and counts(intake, TEHRAN) == [3, 3, 0]


def test_a_stray_cell_with_an_error_value_elsewhere_still_reads_the_error(tmp_path):
    from hostile_fixtures import add_error_cell

    path = _form_with(tmp_path, {"XFD1048576": 1}, n=2)
    add_error_cell(path, "K7", "#REF!")
    intake = run(tmp_path)
    assert only(intake, Problem.STRAY_CELL)["value"] == "XFD1048576"
    assert only(intake, Problem.ERROR_VALUE)["row"] == 7 and counts(intake, TEHRAN) == [2, 2, 0]


def test_a_stray_cell_and_a_lying_dimension(tmp_path):
    path = _form_with(tmp_path, {"XFD1048576": "x"}, n=2)
    declare_dimension(path, "A1:XFD1048576")  # what Excel writes for it
    intake = run(tmp_path)
    assert only(intake, Problem.STRAY_CELL)["value"] == "XFD1048576" and counts(intake, TEHRAN) == [2, 2, 0]


def test_real_rows_over_the_row_limit_are_still_refused(tmp_path):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(i) for i in range(1, 61)])  # rows 6..65
    good_form(tmp_path)
    intake = run(tmp_path, **{"limits.max_rows": 60})
    finding = only(intake, Problem.TOO_LARGE)
    assert finding["action"] == UNREADABLE and "limits.max_rows" in finding["detail"]
    assert "goes on beyond the limits (cell A61)" in finding["detail"]
    assert counts(intake, ISFAHAN) == [2, 2, 0]


def test_many_rows_over_the_row_limit_are_refused_as_data_not_stray_cells(tmp_path):
    write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(i) for i in range(1, 101)])
    intake = run(tmp_path, **{"limits.max_rows": 50})
    detail = only(intake, Problem.TOO_LARGE)["detail"]
    assert "limits.max_rows" in detail and "more than 20" in detail


def test_a_wide_sheet_of_real_columns_is_still_refused(tmp_path):
    _form_with(tmp_path, {f"{chr(65 + i)}{r}": "x" for i in range(12, 20) for r in range(6, 10)}, n=4)
    intake = run(tmp_path, **{"limits.max_columns": 12})
    assert "limits.max_columns" in only(intake, Problem.TOO_LARGE)["detail"]


# --- §2 unit: format characters and escaping ------------------------------------------------------
def test_the_format_characters_removed_are_all_of_unicodes_but_zwnj():
    import sys
    import unicodedata

    from atiyeh_reports.core.text import FORMAT_RANGES, normalize_text

    listed = {c for a, b in FORMAT_RANGES for c in range(a, b + 1)}
    cf = {c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"}
    assert cf <= listed, sorted(map(hex, cf - listed))
    typed = "".join(map(chr, sorted(cf)))
    assert normalize_text(f"علی{typed}\u200cرضا") == "علی\u200cرضا"  # only the half-space stays


@pytest.mark.parametrize(("typed", "clean"), [
    (f"{RLO}تهران", "تهران"), (f"{LRI}مرکز شبانه‌روزی{PDI}", "مرکز شبانه‌روزی"),
    ("عل\u200bی", "علی"), ("ساوه\u00ad", "ساوه"), (f"\u202bکرج{PDF_}", "کرج"),
])
def test_normalize_text_removes_bidi_controls_and_keeps_zwnj(typed, clean):
    from atiyeh_reports.core.text import has_format_chars, normalize_text

    assert normalize_text(typed) == clean and has_format_chars(typed) and not has_format_chars(clean)


def test_an_id_pasted_with_direction_marks_is_read_and_a_correction():
    from atiyeh_reports.core.national_id import clean_national_id

    assert clean_national_id(f"{RLO}{make_id(7)}{PDF_}") == make_id(7)


def test_prose_shows_markup_as_text_and_keeps_bold():
    from nbconvert.filters import markdown2html

    from atiyeh_reports.present.display import prose

    page = markdown2html(prose(f"**هشدار** از {MARKUP}.csv و {SCRIPT} [x](javascript:alert(1))").data)
    assert "<strong>هشدار</strong>" in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert _Tags(page).live() == [] and "<a " not in page


def test_the_manifest_writes_format_characters_as_escapes():
    import json

    from atiyeh_reports.core.text import json_escape_format_chars

    text = json_escape_format_chars(json.dumps({"path": f"1404/provinces/{RLO}x{PDF_}.xlsx\U000e0001"},
                                               ensure_ascii=False))
    assert not BIDI & set(text) and "\\u202e" in text
    assert json.loads(text)["path"] == f"1404/provinces/{RLO}x{PDF_}.xlsx\U000e0001"


def test_an_export_with_direction_marks_lists_each_removal(tmp_path):
    from atiyeh_reports.insurer.export import FORMAT_REMOVED

    write_insurer_csv(insurer_dir(tmp_path) / "e.csv", [
        [f"{RLO}P-1{PDF_}", f"{RLO}{make_id(1)}", f"{LRI}تهران{PDI}", f"{RLO}1404/02/20", f"{RLO}3600000",
         f"{RLO}فعال"]])
    policies, findings = read_insurer_export(make_params(tmp_path), tmp_path)
    assert policies[["policy_no", "national_id", "province_code", "premium", "status"]].values.tolist() == [
        ["P-1", make_id(1), "IR-23", 3_600_000, "فعال"]]
    removed = findings[findings["problem"] == FORMAT_REMOVED]
    assert removed["column"].tolist() == [INSURER_HEADER[0], *INSURER_HEADER[2:]]
    assert (removed["action"] == "corrected").all()


# --- §2 markup and bidi controls in every text field of every input kind, one build, every shared file --


def _bidi(text: str) -> str:
    """``text`` wrapped in an override and an isolate (what reverses a name on screen)."""
    return f"{RLO}{LRI}{text}{PDI}{PDF_}"


def _plant_in_forms(folder: Path, provinces: int = 3) -> list[tuple[str, int, str]]:
    """Markup and bidi controls in the text cells of a few forms (names, county, coded words, court
    order, dates, the title's province, a performance number); one form's file name holds markup.
    Returns (file, row, field) of each planted cell."""
    from openpyxl import load_workbook

    from atiyeh_reports.intake.common import _HEADER_FIELDS, _find_header

    planted = []
    forms = sorted(folder.glob("IR-*.xlsx"))[:provinces]
    for k, path in enumerate(forms):
        wb = load_workbook(path)
        ws = wb[layout.SHEET_CHILDREN]
        top = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=1, max_row=12)]
        header = _find_header(top, _HEADER_FIELDS)
        assert header is not None, path.name
        cols = header.columns
        title = ws.cell(1, 1).value
        ws.cell(1, 1, title.replace(": ", f": {RLO}", 1) + PDF_)  # the province in the title row
        for r in range(header.row + 1, header.row + 41):
            def cell(field: str, ws=ws, r=r, cols=cols) -> object:
                return ws.cell(r, cols[field] + 1)
            if cell("national_id").value is None:
                break
            for field, value in (
                ("first_name", f"{MARKUP}{_bidi(str(cell('first_name').value))}"),
                ("last_name", f"{SCRIPT}{_bidi(str(cell('last_name').value))}"),
                ("gender", _bidi(str(cell("gender").value))),
                ("guardianship", _bidi(str(cell("guardianship").value))),
                ("court_order", _bidi(str(cell("court_order").value))),
            ):
                cell(field).value = value
                planted.append((path.name, r, field))
            if cell("care_type").value:
                cell("care_type").value = _bidi(str(cell("care_type").value))
                planted.append((path.name, r, "care_type"))
            if isinstance(cell("admission_date").value, str):
                cell("admission_date").value = _bidi(cell("admission_date").value)
            # a county the list does not know is kept and shown: markup; a known one: bidi controls
            county = cell("county").value
            cell("county").value = f"{MARKUP}{SCRIPT}" if r % 7 == 0 else _bidi(str(county))
            planted.append((path.name, r, "county"))
        perf = wb[layout.SHEET_PERFORMANCE]
        perf.cell(3, 3, _bidi(str(perf.cell(3, 3).value)))
        wb.save(path)
        if k < 2:  # file names: markup in one, a direction override in another
            renamed = f"{MARKUP}_{path.name}" if k == 0 else f"{RLO}{path.stem}{PDF_}{path.suffix}"
            path.rename(path.with_name(renamed))
            planted = [(renamed if f == path.name else f, r, c) for f, r, c in planted]
    return planted


def _plant_in_export(export: Path, rows: int = 60) -> None:
    """Markup and bidi controls in the insurer export's text columns (policy number, province,
    issue date, status)."""
    from openpyxl import load_workbook

    wb = load_workbook(export)
    ws = wb.active
    for r in range(2, 2 + rows):
        ws.cell(r, 1, f"{MARKUP}{_bidi(str(ws.cell(r, 1).value))}")  # policy number
        ws.cell(r, 3, _bidi(str(ws.cell(r, 3).value)))  # province
        ws.cell(r, 4, _bidi(str(ws.cell(r, 4).value)))  # issue date
        ws.cell(r, 6, _bidi(str(ws.cell(r, 6).value)))  # status
    wb.save(export)


class _Tags:
    """Every start tag of an HTML page, with its attributes."""

    def __init__(self, page: str) -> None:
        from html.parser import HTMLParser

        tags: list[tuple[str, dict[str, str | None]]] = []

        class Parser(HTMLParser):
            def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN202
                tags.append((tag, dict(attrs)))

            handle_startendtag = handle_starttag

        parser = Parser(convert_charrefs=True)
        parser.feed(page)
        parser.close()
        self.tags = tags

    def live(self) -> list[str]:
        """Tags that run something or fetch something from elsewhere: none of ours does."""
        out = []
        for tag, attrs in self.tags:
            if tag in {"script", "iframe", "object", "embed", "form", "base"}:
                out.append(tag)
            out += [f"{tag} {k}" for k in attrs if k.startswith("on")]
            src = attrs.get("src") or ""
            if tag == "img" and not src.startswith("data:image/"):
                out.append(f"img src={src!r}")
            href = (attrs.get("href") or "").strip().lower()
            if href.startswith(("javascript:", "data:", "vbscript:")):
                out.append(f"{tag} href={href[:30]!r}")
        return out


def _shared_text(path: Path) -> str:
    """Everything a shared file says, as text (a workbook's or a letter's XML, a PDF's text layer)."""
    import zipfile

    if path.suffix in {".xlsx", ".docx"}:
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist()
                             if n.endswith((".xml", ".rels")))
    if path.suffix == ".pdf":
        # the PDF's own text layer: pdftotext wraps every run it prints in embedding marks
        # (U+202A-U+202C) of its own, which are not in the document
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    if path.suffix == ".png":
        return ""
    return path.read_bytes().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def marked_build(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict:
    import shutil

    from atiyeh_reports.pipeline.build import build_year

    root = tmp_path_factory.mktemp("marked")
    data = root / "data"
    shutil.copytree(sample_dir, data)
    planted = _plant_in_forms(layout.provinces_dir(data, 1404))
    _plant_in_export(layout.insurer_dir(data, 1404) / "policies.xlsx")
    folder = root / "params"
    folder.mkdir()
    record = folder / f"{MARKUP}.csv"  # HQ's record of 1403, under a hostile file name
    shutil.copy(data / "1403" / "hq" / "allocation.csv", record)
    name = f"حمایت بیمهٔ تأمین آتیهٔ فرزندان {MARKUP} {SCRIPT}"
    text = (BASE.replace("data_dir: ../data/sample", f"data_dir: {data}")
            .replace(NAME_LINE, f"name_fa: '{name}'")
            .replace("# notified_record: ../outputs/1403/allocation.csv", f"notified_record: '{record.name}'"))
    params = folder / "1404.yaml"
    params.write_text(text, encoding="utf-8")
    out = root / "outputs" / "1404"
    result = build_year(params, out_dir=out, progress=lambda m: None)
    return {"out": out, "internal": result.internal_dir, "planted": planted, "name": name, "data": data}


@pytest.mark.e2e
def test_no_shared_file_holds_live_markup_or_a_bidi_control(marked_build: dict) -> None:
    import json

    out = marked_build["out"]
    files = sorted(p for p in out.rglob("*") if p.is_file())
    assert len(files) > 100
    escaped = 0
    for path in files:
        shown = path.relative_to(out).as_posix()
        text = _shared_text(path)
        assert not BIDI & set(text), f"{shown}: {[hex(ord(c)) for c in BIDI & set(text)]}"
        if path.suffix == ".html":
            assert _Tags(text).live() == [], shown
            assert MARKUP not in text and "<script>" not in text, shown
            escaped += "&lt;img src=x onerror=alert(1)&gt;" in text
        elif path.suffix == ".ipynb":
            for cell in json.loads(text)["cells"]:
                for output in cell.get("outputs", []):
                    data = output.get("data", {})
                    for mime in ("text/html", "text/markdown"):
                        shown_text = "".join(data.get(mime, ""))
                        assert MARKUP not in shown_text and "<script>" not in shown_text, (shown, mime)
                        assert _Tags(shown_text).live() == [], (shown, mime)
    # not vacuous: the programme's name and the record's file name did reach the pages, as text
    assert escaped >= 3 + 31  # the three reports and every card carry the programme's name
    allocation = (out / "allocation.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in allocation  # HQ's record, named
    from pagecheck import pdf_text

    assert "img src=x onerror=alert" in pdf_text(out / "allocation.pdf")  # shown as typed (pypdf may mirror brackets)
    from factories import docx_text as _docx_text

    letter = next((out / "letters").glob("*.docx"))
    assert MARKUP in _docx_text(letter).replace("&lt;", "<").replace("&gt;", ">")


@pytest.mark.e2e
def test_every_planted_bidi_control_is_a_listed_correction(marked_build: dict) -> None:
    from atiyeh_reports.insurer.export import FORMAT_REMOVED
    from atiyeh_reports.intake import ingest

    data = marked_build["data"]
    params = make_params(data)
    intake = ingest(params, data)
    f = intake.findings
    corrected = f[(f["action"] == "corrected") & f["value"].map(lambda v: isinstance(v, str) and bool(BIDI & set(v)))]
    assert not corrected["corrected_to"].map(lambda v: bool(BIDI & set(str(v)))).any()
    listed = set(zip(corrected["file"], corrected["row"], strict=True))
    planted = {(file, row) for file, row, _ in marked_build["planted"]}
    assert planted <= listed, sorted(planted - listed)[:5]
    kids = intake.children
    for column in ("first_name", "last_name", "county", "care_type", "court_order", "gender", "guardianship"):
        assert not kids[column].map(lambda v: bool(BIDI & set(str(v)))).any(), column
    policies, found = read_insurer_export(params, data)
    assert (found["problem"] == FORMAT_REMOVED).sum() >= 60 * 3  # policy number, province, status, date
    for column in policies.columns:
        assert not policies[column].map(lambda v: bool(BIDI & set(str(v)))).any(), column


def test_a_programme_name_at_its_limit_fits_the_letters_docx_properties(tmp_path, sample_dir):
    """What the parameter check lets through, a document accepts: 200 characters with markup and
    a half-space in the programme's name make a letter whose DOCX subject and title fit 255."""
    import zipfile

    from atiyeh_reports.allocation import budget
    from atiyeh_reports.api import load_year
    from atiyeh_reports.publish.docx import write_letter_docx
    from atiyeh_reports.publish.letters import letter_for

    name = ("حمایت\u200cها " + MARKUP + " ").ljust(200, "ب")
    data, path = _sample_copy(tmp_path, sample_dir)
    path.write_text(path.read_text(encoding="utf-8").replace(NAME_LINE, f"name_fa: '{name}'"), encoding="utf-8")
    y = load_year(path, data_dir=data)
    assert y.params.service.name_fa == name
    table = budget.allocation_table(y.params, y.children, None)
    letter = letter_for(y.params, table, "IR-23")
    docx = write_letter_docx(letter, tmp_path / "letter.docx")
    with zipfile.ZipFile(docx) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    import re
    from html import unescape

    for tag in ("dc:subject", "dc:title"):
        value = unescape(re.search(rf"<{tag}>(.*?)</{tag}>", core, re.S).group(1))
        assert len(value) <= 255, (tag, len(value))
    assert MARKUP in unescape(core)  # as text: the XML escapes it


def test_a_stray_cell_in_another_sheet_is_listed_under_that_sheet(tmp_path):
    from openpyxl import load_workbook

    path = write_form(forms_dir(tmp_path) / "IR-23_تهران.xlsx", [child(1), child(2)])
    wb = load_workbook(path)
    wb[layout.SHEET_PERFORMANCE]["XFD1048576"] = 5
    wb.create_sheet("یادداشت")["K1048576"] = "x"
    wb.save(path)
    intake = run(tmp_path)
    stray = intake.findings[intake.findings["problem"] == Problem.STRAY_CELL]
    assert sorted(zip(stray["sheet"], stray["value"], strict=True)) == sorted(
        [(layout.SHEET_PERFORMANCE, "XFD1048576"), ("یادداشت", "K1048576")])
    assert counts(intake, TEHRAN) == [2, 2, 0]
    assert intake.performance.set_index("province_code").loc[TEHRAN, "children_covered"] == 250
