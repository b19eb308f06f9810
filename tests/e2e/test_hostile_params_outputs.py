"""Hostile parameter files and output locations, met through the `atiyeh` command (issue 8 §3–§8).

Each case asserts its exact message and exit code, that there is no traceback,
and that nothing outside the package's own outputs was touched. The cases
stop before any long work, so they are quick; the kill-during-build,
concurrent-build, verify and no-formula tests run a build of the sample with
tiny stand-in notebooks (marked e2e).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from atiyeh_reports.cli import parser
from atiyeh_reports.core import layout
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.errors import EXIT_CODES
from atiyeh_reports.pipeline import outdir
from atiyeh_reports.pipeline.build import REPORTS, build_year
from factories import run_cli as run

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "params" / "1404.yaml").read_text(encoding="utf-8")
HOSTILE = ('=HYPERLINK("http://example.invalid","click")', "+1", "-2", "@SUM(A1:A9)")


def write_params(folder: Path, text: str, name: str = "1404.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _with_data(text: str, data: Path) -> str:
    return text.replace("data_dir: ../data/sample", f"data_dir: {data}")


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    """A valid 1404 parameter file whose data folder does not matter (the cases stop before it)."""
    return write_params(tmp_path / "params", _with_data(BASE, tmp_path / "data"))


def _build(params: Path, out: Path, *extra: str) -> tuple[int, str]:
    return run("build", "--year", "1404", "--params", str(params), "--out", str(out), *extra)


# --- hostile parameter files: exit 2, the key named ------------------------------------------
def _replace(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def _insert_after(key: str, line: str) -> str:
    lines = BASE.splitlines()
    at = next(n for n, text in enumerate(lines) if text.strip().startswith(f"{key}:"))
    return "\n".join([*lines[: at + 1], line, *lines[at + 1:]]) + "\n"


def _line_of(text: str, key: str, nth: int = 0) -> int:
    return [n for n, t in enumerate(text.splitlines(), 1) if t.strip().startswith(f"{key}:")][nth]


PARAM_CASES = {
    "duplicate key": (
        _insert_after("reserve_share", "  reserve_share: 0.5"),
        lambda p, text: f"key 'budget.reserve_share' is given twice, on lines "
                        f"{_line_of(text, 'reserve_share')} and {_line_of(text, 'reserve_share', 1)}; keep one",
    ),
    "list date month 13": (
        _replace("list_date: 1404/02/15", "list_date: 1404/13/01"),
        lambda p, t: "key 'insurer.list_date': month 13 of '1404/13/01' does not exist (1–12) (got '1404/13/01')",
    ),
    "list date day 32": (
        _replace("list_date: 1404/02/15", "list_date: 1404/02/32"),
        lambda p, t: "key 'insurer.list_date': '1404/02/32': اردیبهشت 1404 has 31 days, not 32 (got '1404/02/32')",
    ),
    "30 Esfand of a common year": (
        _replace("list_date: 1404/02/15", "list_date: 1404/12/30"),
        lambda p, t: "key 'insurer.list_date': '1404/12/30': اسفند 1404 has 29 days, not 30 (not a leap year) "
                     "(got '1404/12/30')",
    ),
    "unknown province in floors": (
        _replace("province_floors: {}", "province_floors: {IR-77: 1000000}"),
        lambda p, t: "key 'budget.province_floors': unknown province code(s) ['IR-77']; use ISO 3166-2:IR "
                     "codes IR-00 … IR-30, such as IR-23 (got {'IR-77': 1000000})",
    ),
    "province name instead of code in caps": (
        _replace("province_caps: {}", "province_caps: {تهران: 1000000}"),
        lambda p, t: "key 'budget.province_caps': unknown province code(s) ['تهران']; use ISO 3166-2:IR "
                     "codes IR-00 … IR-30, such as IR-23 (got {'تهران': 1000000})",
    ),
    "credit beyond int64": (
        _replace("approved_credit: 35712000000", "approved_credit: 99999999999999999999"),
        lambda p, t: "key 'budget.approved_credit': Input should be less than or equal to 1000000000000000 "
                     "(got 99999999999999999999)",
    ),
}


@pytest.mark.parametrize("case", list(PARAM_CASES))
def test_hostile_parameter_file_is_refused_with_the_key_named(case: str, tmp_path: Path) -> None:
    text, expected = PARAM_CASES[case]
    params = write_params(tmp_path / "params", text)
    out = tmp_path / "out"
    code, err = _build(params, out)
    assert (code, err) == (2, f"error: {params}: {expected(params, text)}\n")
    assert not out.exists() and not list(tmp_path.glob(".out.*"))  # refused before any work


def test_a_parameter_file_that_is_not_utf8(tmp_path: Path) -> None:
    params = tmp_path / "1404.yaml"
    # Saved by an editor in Latin-1: the first non-ASCII byte is on line 3.
    params.write_bytes(b"year: 1404\nlanguage: fa\n# r\xe9sum\xe9\n")
    assert run("build", "--year", "1404", "--params", str(params)) == (
        2, f"error: {params}: line 3: not UTF-8 text (byte 0xe9); save the file as UTF-8\n")


def test_a_parameter_file_that_is_a_folder_missing_or_empty(tmp_path: Path) -> None:
    folder = tmp_path / "params"
    folder.mkdir()
    assert run("ingest", "--year", "1404", "--params", str(folder)) == (
        2, f"error: {folder}: is a folder, not a parameter file; pass the .yaml file inside it\n")
    missing = tmp_path / "1404.yaml"
    assert run("ingest", "--year", "1404", "--params", str(missing)) == (
        2, f"error: {missing}: parameter file not found; copy params/1404.yaml and edit it\n")
    empty = write_params(tmp_path, "# only a comment\n\n", "empty.yaml")
    assert run("build", "--year", "1404", "--params", str(empty)) == (
        2, f"error: {empty}: the parameter file is empty; copy params/1404.yaml and edit it\n")


@pytest.mark.parametrize("command", ["ingest", "build"])
def test_year_not_matching_the_parameter_file_is_exit_2_in_every_command(command: str, good: Path) -> None:
    code, err = run(command, "--year", "1403", "--params", str(good))
    assert (code, err) == (2, f"error: {good}: key 'year' is 1404, but the command asked for --year 1403; "
                              "pass --params params/1403.yaml or --year 1404\n")


@pytest.mark.parametrize("year", ["1389", "1501", "2025", "-1"])
def test_forms_year_out_of_range(year: str, tmp_path: Path) -> None:
    code, err = run("forms", "--year", year, "--out", str(tmp_path / "forms"))
    hint = " (a Gregorian year? 2025 is about 1404 in the Jalali calendar)" if year == "2025" else ""
    assert (code, err) == (2, f"error: --year {year}: forms are written for Jalali years 1390–1500{hint}; "
                              "pass e.g. --year 1405\n")
    assert not (tmp_path / "forms").exists()


# --- hostile output locations: exit 6 or 7, nothing of theirs touched ------------------------
def test_out_is_a_foreign_folder_that_is_not_empty(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "home"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"years of work")
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code, err = _build(good, out)
    assert code == 6
    assert err == (f"error: output folder {out} holds 2 file(s) this package did not write (notes.txt, "
                   "thesis.docx); nothing was changed. Pass --out with an empty or new folder, or an earlier "
                   "build's folder\n")
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "thesis.docx"]
    assert (out / "thesis.docx").read_bytes() == b"years of work"


def test_out_is_a_file(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(b"%PDF")
    assert _build(good, out) == (
        6, f"error: output folder {out} is a file, not a folder; move it away or pass another --out\n")
    assert out.read_bytes() == b"%PDF"


def test_out_under_a_file(good: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "outputs"
    blocker.write_text("not a folder", encoding="utf-8")
    out = blocker / "1404"
    assert _build(good, out) == (
        6, f"error: cannot make output folder {out}: {blocker} is a file, not a folder\n")
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_out_on_a_full_disk(good: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outdir, "free_bytes", lambda folder: 1024)
    out = tmp_path / "out"
    code, err = _build(good, out)
    assert code == 6
    assert err == (f"error: cannot write the output folder {out}: the disk is full ({tmp_path}); "
                   "nothing was built. Pass --out with a writable folder\n")
    assert not out.exists() and not list(tmp_path.glob(".out.building-*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders; see the full-disk case")
def test_out_in_a_read_only_folder(good: Path, tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code, err = _build(good, parent / "1404")
    finally:
        parent.chmod(0o755)
    assert code == 6 and "permission denied" in err


def test_out_locked_by_another_build(good: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with outdir.claim(out):
        code, err = _build(good, out)
    assert code == 7
    assert err == (f"error: output folder {out} is being built by process {os.getpid()} (started "
                   f"{_started(err)}); wait for that build to finish (or stop it) and run this one again. "
                   "Nothing was changed\n")


def _started(err: str) -> str:
    found = re.search(r"\(started ([0-9: -]+)\)", err)
    assert found, err
    return found.group(1)


def test_forms_refuse_a_folder_of_another_years_forms(tmp_path: Path) -> None:
    out = tmp_path / "forms"
    assert run("forms", "--year", "1404", "--out", str(out))[0] == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert all(name.endswith("_1404.xlsx") for name in before if name.endswith(".xlsx"))
    code, err = run("forms", "--year", "1405", "--out", str(out))
    assert code == 6 and str(out) in err and "1404" in err and "1405" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert run("forms", "--year", "1404", "--out", str(out))[0] == 0  # the same year again is fine
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_verify_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    assert run("verify", str(tmp_path)) == (
        8, f"error: {tmp_path}: has no manifest.json; is it a build's output folder?\n")
    assert run("verify", str(tmp_path / "none")) == (
        8, f"error: {tmp_path / 'none'}: no such folder; pass a build's output folder, e.g. outputs/1404\n")


# --- messages, not tracebacks ------------------------------------------------------------------
def test_every_exit_code_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Errors and exit codes", 1)[1].split("\n## ", 1)[0]
    for code in EXIT_CODES:
        assert re.search(rf"^\|\s*{code}\s*\|", section, re.MULTILINE), f"exit code {code} not in the README table"


def test_every_command_and_option_has_a_description() -> None:
    import argparse

    top = parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    assert set(sub.choices) == {"sample", "forms", "ingest", "build", "verify"}
    for name, command in sub.choices.items():
        assert command.description, name
        assert any(c.dest == name and c.help for c in sub._choices_actions), name
        for action in command._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"atiyeh {name} {action.option_strings or action.dest}: no help"


def test_an_unexpected_error_is_one_line_and_a_log_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import atiyeh_reports.core.provenance as provenance

    def bug(folder: Path) -> dict:
        raise KeyError("a child's name")

    monkeypatch.setattr(provenance, "verify_outputs", bug)
    monkeypatch.setenv("ATIYEH_LOG_DIR", str(tmp_path / "logs"))
    code, err = run("verify", str(tmp_path))
    assert code == 70
    assert len(err.splitlines()) == 1 and "child" not in err  # the message may quote data: not shown
    logs = list((tmp_path / "logs").glob("error-*.log"))
    assert len(logs) == 1 and str(logs[0]) in err
    assert re.fullmatch(rf"internal error: KeyError in \w+\.py:\d+ \(a bug in atiyeh_reports; the full "
                        rf"traceback is in {re.escape(str(logs[0]))}; please report it with that file\)\n", err)
    text = logs[0].read_text(encoding="utf-8")
    assert "Traceback" in text and "a child's name" in text
    assert logs[0].stat().st_mode & 0o777 == 0o600


# --- builds of the sample (stand-in notebooks) -------------------------------------------------
def _notebooks(folder: Path, sleep: float = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for report in REPORTS:
        params = new_code_cell('params_path = "../params/1404.yaml"\ndata_dir = ""')
        params.metadata["tags"] = ["parameters"]
        cells = [params, new_markdown_cell(f"# آزمون {report.name}"),
                 new_code_cell("from atiyeh_reports.core.params import load_params\n"
                               "p = load_params(params_path)\nprint('سال', p.year)")]
        if sleep:
            cells.append(new_code_cell(f"import time\ntime.sleep({sleep})"))
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{report.name}.ipynb")
    return folder


def _nid(nine: str) -> str:
    return nine + str(check_digit(nine))


def _plant_hostile(data: Path) -> list[str]:
    """Hostile strings in a form's file name, children's names and counties, and policy numbers."""
    from atiyeh_reports.forms.write import write_form
    from atiyeh_reports.io.xlsx import put

    forms = layout.provinces_dir(data, 1404)
    for old in forms.glob("IR-23_*"):
        old.unlink()
    name = f'{HOSTILE[0].replace("/", "-")}_IR-23_تهران.xlsx'
    children = pd.DataFrame(
        [
            {"row": i + 1, "national_id": _nid(f"0{71234560 + i:08d}"), "first_name": HOSTILE[i],
             "last_name": HOSTILE[(i + 1) % 4], "gender": "دختر", "birth_date": "1395/07/12",
             "guardianship": "بی‌سرپرست", "care_type": "مرکز شبانه‌روزی", "court_order": f"98-{i}",
             "admission_date": "1401/02/01", "county": HOSTILE[(i + 2) % 4]}
            for i in range(4)
        ]
        + [{"row": 5, "national_id": _nid("071234999"), "first_name": "سارا", "last_name": "نادری",
            "gender": HOSTILE[3], "birth_date": "1395/07/12", "guardianship": "بی‌سرپرست",
            "court_order": "98-9", "county": "تهران"}],
        dtype=object,
    )
    write_form(forms / name, "IR-23", 1404, children,
               {"credit_notified": 9_000_000_000, "credit_spent": 8_000_000_000, "children_covered": 4,
                "policies_issued": 4, "children_left": 0})
    export = layout.insurer_dir(data, 1404) / "policies.xlsx"
    wb = openpyxl.load_workbook(export)
    ws = wb.worksheets[0]
    row = ws.max_row
    for i, policy in enumerate(HOSTILE):
        values = [policy, _nid(f"0{81234560 + i:08d}"), "تهران", "1404/03/01", 3_600_000, "فعال"]
        for col, value in enumerate(values, start=1):
            put(ws, row + 1 + i, col, value)
    wb.save(export)
    return [name, *HOSTILE]


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("hostile")
    data = root / "data"
    shutil.copytree(sample_dir / "1404", data / "1404")
    planted = _plant_hostile(data)
    text = _with_data(BASE, data).replace("history_years: [1402, 1403]", "history_years: []")
    text = text.replace("name_fa: حمایت بیمه تأمین آتیه فرزندان", f"name_fa: '{HOSTILE[0]}'")
    params = write_params(root / "params", text)
    notebooks = _notebooks(root / "notebooks")
    shutil.copy(ROOT / "notebooks" / "card.ipynb", notebooks / "card.ipynb")  # the real pack: follow-ups too
    out = root / "outputs" / "1404"
    build_year(params, out_dir=out, notebook_dir=notebooks, progress=lambda m: None)
    return {"root": root, "params": params, "notebooks": notebooks, "out": out, "data": data,
            "planted": planted}


def _texts(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)}


@pytest.mark.e2e
def test_no_workbook_a_build_writes_holds_a_formula(hostile_build: dict) -> None:
    out = hostile_build["out"]
    internal = layout.internal_dir(out)
    books = (sorted(out.rglob("*.xlsx")) + sorted(internal.rglob("*.xlsx"))
             + sorted(layout.clean_dir(hostile_build["data"], 1404).glob("*.xlsx")))
    names = {p.relative_to(out).as_posix() if p.is_relative_to(out)
             else "internal/" + p.relative_to(internal).as_posix() if p.is_relative_to(internal) else p.name
             for p in books}
    assert {"allocation.xlsx", "internal/quality.xlsx", "internal/reconciliation.xlsx"} <= names
    assert len([n for n in names if n.startswith("internal/followup/")]) == 31
    seen: set[str] = set()
    for book in books:
        with zipfile.ZipFile(book) as z:
            for part in z.namelist():
                if part.startswith("xl/worksheets/"):
                    assert not re.search(rb"<f[\s>/]", z.read(part)), f"{book.name}: {part} holds a formula"
        wb = openpyxl.load_workbook(book)
        formulas = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
                    for c in row if c.data_type == "f"]
        assert formulas == [], f"{book.name}: {formulas[:5]}"
        seen |= _texts(book)
    # The hostile strings did reach the workbooks (as text): the check above is not vacuous.
    planted = hostile_build["planted"]
    for text in (*HOSTILE, planted[0]):
        assert any(text in value for value in seen), text


@pytest.mark.e2e
def test_verify_names_changed_missing_and_extra_files(hostile_build: dict, tmp_path: Path) -> None:
    out = tmp_path / "1404"
    shutil.copytree(hostile_build["out"], out)
    assert run("verify", str(out)) == (0, f"{out}: every output matches manifest.json\n")
    (out / "analysis.html").write_text("<p>edited</p>", encoding="utf-8")
    (out / "allocation.pdf").unlink()
    (out / "letters" / "notes.txt").write_text("extra", encoding="utf-8")
    code, err = run("verify", str(out))
    assert (code, err) == (8, f"error: {out}: the outputs differ from manifest.json (1 changed, 1 missing, 1 extra):\n"
                              "  changed: analysis.html\n  missing: allocation.pdf\n  extra: letters/notes.txt\n"
                              "rebuild the year (atiyeh build) to get outputs that match their manifest\n")


@pytest.mark.e2e
def test_outputs_follow_the_umask_and_record_no_absolute_path(hostile_build: dict) -> None:
    out = hostile_build["out"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask
    assert (out / "allocation.xlsx").stat().st_mode & 0o777 == 0o666 & ~umask
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(hostile_build["root"]) not in manifest and str(Path.home()) + "/" not in manifest


def _subprocess_build(params: Path, out: Path, notebooks: Path) -> subprocess.Popen:
    code = (
        "import sys; from pathlib import Path; from atiyeh_reports.pipeline.build import build_year; "
        "build_year(Path(sys.argv[1]), out_dir=Path(sys.argv[2]), notebook_dir=Path(sys.argv[3]), "
        "progress=lambda m: print(m, flush=True), pack=False)"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(params), str(out), str(notebooks)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _wait_for_staging(out: Path, proc: subprocess.Popen, timeout: float = 180) -> Path:
    """The staging folder of the running build, once a notebook has been written into it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for staging in out.parent.glob(f".{out.name}.building-*"):
            if any(staging.glob("*.ipynb")) or any(staging.glob("*.html")):
                return staging
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else "build ended early"
        time.sleep(0.2)
    raise AssertionError("the build never started writing its staging folder")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.e2e
def test_a_killed_build_leaves_earlier_outputs_and_the_next_build_cleans_up(hostile_build: dict,
                                                                            tmp_path: Path) -> None:
    out = tmp_path / "outputs" / "1404"
    shutil.copytree(hostile_build["out"], out)
    before = _snapshot(out)
    slow = _notebooks(tmp_path / "slow", sleep=60)  # changed notebooks: every report is rebuilt
    proc = _subprocess_build(hostile_build["params"], out, slow)
    try:
        staging = _wait_for_staging(out, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its notebook kernel, mid-build
        proc.wait(timeout=30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    assert staging.is_dir()  # left behind, as a killed process leaves it
    assert _snapshot(out) == before  # earlier outputs intact
    assert run("verify", str(out))[0] == 0

    result = build_year(hostile_build["params"], out_dir=out, notebook_dir=hostile_build["notebooks"],
                        progress=lambda m: None, pack=False)
    assert not staging.exists() and not list(out.parent.glob(f".{out.name}.building-*"))
    assert result.out_dir == out and run("verify", str(out))[0] == 0


@pytest.mark.e2e
def test_a_second_build_of_the_same_folder_refuses(hostile_build: dict, tmp_path: Path) -> None:
    out = tmp_path / "outputs" / "1404"
    shutil.copytree(hostile_build["out"], out)
    before = _snapshot(out)
    proc = _subprocess_build(hostile_build["params"], out, _notebooks(tmp_path / "slow", sleep=60))
    try:
        staging = _wait_for_staging(out, proc)
        code, err = _build(hostile_build["params"], out)
        assert code == 7
        assert err.startswith(f"error: output folder {out} is being built by process {proc.pid} (started ")
        assert staging.is_dir() and proc.poll() is None  # the first build goes on undisturbed
        assert _snapshot(out) == before
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()


# --- paths relative to the parameter file ------------------------------------------------------
def test_two_clones_of_the_same_inputs_hash_the_same(tmp_path: Path) -> None:
    from atiyeh_reports.allocation.notify import flatten_params
    from atiyeh_reports.core.params import load_params, params_digest, params_json

    def clone(where: Path, data: str = "../data/sample") -> Path:
        (where / "data" / "sample").mkdir(parents=True)
        return write_params(where / "params", BASE.replace("data_dir: ../data/sample", f"data_dir: {data}"))

    first = load_params(clone(tmp_path / "one"))
    second = load_params(clone(tmp_path / "elsewhere" / "two"))
    assert first.data_dir != second.data_dir  # two absolute paths ...
    assert params_digest(first) == params_digest(second)  # ... one digest
    assert flatten_params(first) == flatten_params(second)  # allocation.xlsx's parameter sheet
    assert str(tmp_path) not in params_json(first)
    moved = load_params(clone(tmp_path / "three", data="../data/sample/."))
    other = load_params(clone(tmp_path / "four", data="../data"))
    assert params_digest(moved) == params_digest(first)  # the same folder spelt another way
    assert params_digest(other) != params_digest(first)  # another folder: another digest


def test_sample_out_under_a_file_is_an_output_error(tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("a file", encoding="utf-8")
    code, err = run("sample", "--out", str(blocker / "sample"))
    assert code == 6
    assert err.startswith(f"error: cannot write {blocker}") and "Not a directory" in err
    assert err.endswith("; choose a writable folder with room (--out), then run again\n")
    assert blocker.read_text(encoding="utf-8") == "a file"


def test_verify_refuses_a_manifest_naming_files_outside_its_folder(tmp_path: Path) -> None:
    import json

    (tmp_path / "manifest.json").write_text(json.dumps(
        {"service_id": "19041060106", "outputs": [{"path": "../../etc/passwd", "sha256": "0" * 64}]}),
        encoding="utf-8")
    assert run("verify", str(tmp_path)) == (
        8, f"error: {tmp_path / 'manifest.json'}: lists paths outside the folder (../../etc/passwd); "
           "the manifest was edited, rebuild the year\n")
