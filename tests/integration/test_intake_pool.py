"""Reading a year's forms in helper processes (intake.pool) gives exactly what reading them here gives.

The helpers are fresh interpreters (``python -m atiyeh_reports.intake.pool``):
these tests compare the tables, findings and summary of both ways on a dirty
multi-form year, make sure the helpers really read forms, that a helper that
fails or cannot start changes nothing, and that a script calling ``ingest`` with
no ``if __name__ == "__main__":`` guard still works.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from atiyeh_reports.intake import Intake, ingest, pool
from intake_fixtures import child, form_path, make_params, provinces_dir, write_form

ROOT = Path(__file__).resolve().parents[2]


def assert_same(a: Intake, b: Intake) -> None:
    for name in ("children", "performance", "findings", "summary"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)
    assert a.unreadable == b.unreadable


@pytest.fixture(scope="module")
def dirty_year(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Eight forms: clean, dirty, a child in two provinces, a title naming another province, two unreadable."""
    data = tmp_path_factory.mktemp("pool")
    write_form(form_path(data), [child(i) for i in range(1, 40)])
    write_form(form_path(data, "IR-10_اصفهان.xlsx"), [
        child(100), child(101, national_id="۱۲۳"), child(102, gender="مذکر"), None,
        child(103, first_name="علي"), child(104, birth_date="1403-1-5"), child(5),  # 5: also in Tehran's
        child(105, county="جایی"), {"row": "جمع", "national_id": None},
    ], province_title="اصفهان")
    write_form(form_path(data, "IR-07_فارس.xlsx"), [child(200 + i, guardianship="بدسرپرست") for i in range(9)],
               province_title="فارس")
    write_form(form_path(data, "IR-08_کرمان.xlsx"), [child(300), child(301, care_type="؟")],
               province_title="تهران")  # a title copied from Tehran's form
    write_form(form_path(data, "IR-21_یزد.xlsx"), [child(400, admission_date="1390/01/01",
                                                            birth_date="1395/01/01")], province_title="یزد")
    write_form(form_path(data, "IR-22_هرمزگان.xlsx"), [], province_title="هرمزگان")
    (provinces_dir(data) / "IR-25_قم.xlsx").write_bytes(b"not a workbook")
    write_form(form_path(data, "IR-26_قزوین.xlsx"), [child(500)], province_title=None)
    (provinces_dir(data) / "IR-26_قزوین.xlsx").write_bytes(
        (provinces_dir(data) / "IR-26_قزوین.xlsx").read_bytes()[:300])  # cut short
    return data


def test_helpers_give_the_same_tables_as_one_process(dirty_year: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = make_params(dirty_year)
    serial = ingest(params, dirty_year, workers=1)
    assert serial.unreadable and len(serial.findings) > 10  # the comparison has something to compare
    read_here: list[str] = []
    real_read, real_claim = pool._read_file, pool._claim

    def counted(path: Path, *args: object) -> object:
        read_here.append(path.name)
        return real_read(path, *args)

    def leave_half(folder: str, index: int, *, else_mine: bool = False) -> bool:
        # this process leaves every other form to the helper (which then claims and reads it)
        return False if index % 2 else real_claim(folder, index, else_mine=else_mine)

    monkeypatch.setattr(pool, "_read_file", counted)
    monkeypatch.setattr(pool, "_claim", leave_half)
    parallel = ingest(params, dirty_year, workers=2)
    assert_same(serial, parallel)
    assert 0 < len(read_here) < 8, read_here  # the helper read the forms left to it


def test_the_sample_year_reads_the_same_with_helpers(sample_dir: Path) -> None:
    params = make_params(sample_dir)
    assert_same(ingest(params, sample_dir, workers=1), ingest(params, sample_dir, workers=3))


_GARBAGE = ("import os, pickle, sys; folder = pickle.load(sys.stdin.buffer)[0]\n"
            "for i in range(1, 9, 2): open(os.path.join(folder, f'{i}.done'), 'wb').write(b'garbage')")


@pytest.mark.parametrize("helper", [["-c", "raise SystemExit(3)"], ["-c", _GARBAGE], None],
                         ids=["dies", "leaves-garbage", "cannot-start"])
def test_a_helper_that_fails_or_cannot_start_changes_nothing(dirty_year: Path, monkeypatch: pytest.MonkeyPatch,
                                                            helper: list[str] | None) -> None:
    params = make_params(dirty_year)
    serial = ingest(params, dirty_year, workers=1)
    real_claim = pool._claim
    monkeypatch.setattr(pool, "_claim", lambda folder, index, *, else_mine=False:
                        False if index % 2 else real_claim(folder, index, else_mine=else_mine))
    if helper is None:
        monkeypatch.setattr(pool.sys, "executable", "/nonexistent/python")
    else:
        monkeypatch.setattr(pool, "_HELPER", helper)
    assert_same(serial, ingest(params, dirty_year, workers=2))


def test_a_script_without_a_main_guard_can_use_helpers(dirty_year: Path, tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(f"""
        from pathlib import Path
        from atiyeh_reports.intake import ingest
        from atiyeh_reports.core.params import load_params

        data = Path({str(dirty_year)!r})
        params = load_params(Path({str(ROOT / "params" / "1404.yaml")!r}), {{"data_dir": str(data)}})
        result = ingest(params, data, workers=2)
        print("children", len(result.children), "findings", len(result.findings))
    """), encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    serial = ingest(make_params(dirty_year), dirty_year, workers=1)
    assert done.stdout.splitlines() == [f"children {len(serial.children)} findings {len(serial.findings)}"]


def test_small_years_are_read_in_one_process(dirty_year: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forms = sorted(provinces_dir(dirty_year).iterdir())
    assert pool.default_workers(forms) == 1  # a few KB: a helper would cost more than it saves
    monkeypatch.setattr(pool, "PARALLEL_BYTES", 1)
    monkeypatch.setattr(pool, "_cores", lambda: 2)
    assert pool.default_workers(forms) == 2
    assert pool.default_workers(forms[:1]) == 1


def test_no_temporary_folder_means_one_process(dirty_year: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params = make_params(dirty_year)
    serial = ingest(params, dirty_year, workers=1)

    def refused(*args: object, **kwargs: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pool.tempfile, "mkdtemp", refused)
    monkeypatch.setattr(pool._Helper, "start", lambda *a: pytest.fail("a helper was started"))
    assert_same(serial, ingest(params, dirty_year, workers=2))


def test_the_helpers_folder_is_in_the_clean_folder_and_a_dead_intakes_is_removed(
        dirty_year: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The helpers' folder holds rows with names and IDs: beside the data, never left by a killed intake."""
    from atiyeh_reports.core import layout

    params = make_params(dirty_year)
    scratch = layout.clean_dir(dirty_year, params.year)
    scratch.mkdir(parents=True, exist_ok=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = scratch / f"{pool._PREFIX}{dead.stdout.strip()}-x"  # a killed intake's folder
    left.mkdir()
    (left / "3.done").write_bytes(b"rows of a killed intake")
    mine = scratch / f"{pool._PREFIX}{__import__('os').getpid()}-y"  # a running intake's folder
    mine.mkdir()
    made: list[str] = []
    real = pool.tempfile.mkdtemp

    def mkdtemp(*args: object, **kwargs: object) -> str:
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(pool.tempfile, "mkdtemp", mkdtemp)
    assert_same(ingest(params, dirty_year, workers=1), ingest(params, dirty_year, workers=2))
    assert len(made) == 1 and Path(made[0]).parent == scratch and not Path(made[0]).exists()
    assert not left.exists() and mine.is_dir()
    mine.rmdir()
