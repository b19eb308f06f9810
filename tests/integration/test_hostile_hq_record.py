"""HQ's record of last year's allocation is a validated input (issue 21 §1).

Each class of hostile or malformed ``allocation.csv`` ends in a :class:`RecordError` (exit 3) naming
the file (relative to the parameter file), the line and the column, raised by
``find_notified_record`` (called once per year by ``year.read.read_year``, before any notebook), or
is read as a listed correction. A record without some provinces is used for the others and every
report names them; with no record at all, the build succeeds on the forms' figures and says so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atiyeh_reports.allocation import record as H
from atiyeh_reports.allocation.views import last_year_source_fa
from atiyeh_reports.analysis.views import formats_fa, notified_source_fa, show_performance
from atiyeh_reports.core.params import history_params, load_params
from atiyeh_reports.core.provenance import NotRegularFile
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.errors import RecordError

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "params" / "1404.yaml").read_text(encoding="utf-8")
HEADER = ",".join(H.RECORD_COLUMNS)
PERSIAN_HEADER = "سال,کد استان,نام استان,تعداد فرزندان,نیاز,اعتبار ابلاغی (ریال)"
CODES = sorted(by_code())
SHOWN = "../data/1403/hq/allocation.csv"  # the data folder's record, as messages name it


def rows(year: int = 1403, codes: list[str] = CODES, allocated: object = None) -> list[str]:
    return [f"{year},{c},{by_code()[c].name_fa},100,360000000,{allocated if allocated is not None else 300_000_000 + i}"
            for i, c in enumerate(codes)]


def setup(tmp_path: Path, text: str | bytes | None = None, *, configured: str | None = None) -> tuple:
    """Parameters at tmp/params/1404.yaml reading tmp/data; the record (if any) in the data folder,
    or at ``configured`` (relative to the parameter file) when given. Returns (params, record path)."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    folder = tmp_path / "params"
    folder.mkdir(exist_ok=True)
    line = f"notified_record: '{configured}'" if configured else "# no record named"
    (folder / "1404.yaml").write_text(
        BASE.replace("data_dir: ../data/sample", "data_dir: ../data")
            .replace("# notified_record: ../outputs/1403/allocation.csv", line), encoding="utf-8")
    params = load_params(folder / "1404.yaml")
    path = (folder / configured) if configured else H.hq_dir(data, 1403) / H.RECORD_FILE
    if text is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return params, path


def refused(params, *says: str, row: int | None = None, column: str | None = None) -> RecordError:
    started = time.monotonic()
    with pytest.raises(RecordError) as caught:
        H.find_notified_record(params)
    err = caught.value
    assert time.monotonic() - started < 5
    assert err.exit_code == 3 and err.file is not None, str(err)
    assert str(err).startswith(f"file {err.file}"), str(err)
    for text in says:
        assert text in str(err), str(err)
    if row is not None:
        assert err.row == row and f"row {row}" in str(err), str(err)
    if column is not None:
        assert err.column == column and f"column {column}" in str(err), str(err)
    return err


# --- the file itself --------------------------------------------------------------------------
def test_a_named_record_that_does_not_exist_is_refused_naming_the_key_and_the_path(tmp_path):
    params, _ = setup(tmp_path, configured="../outputs/1403/allocation.csv")
    err = refused(params, "key 'checks.notified_record' in 1404.yaml", "../outputs/1403/allocation.csv",
                  "does not exist", "remove the key")
    assert err.file == "../outputs/1403/allocation.csv"


def test_a_zero_byte_record_is_refused(tmp_path):
    params, _ = setup(tmp_path, b"")
    err = refused(params, "empty (0 bytes)")
    assert err.file == SHOWN


def test_a_fifo_is_refused_unread(tmp_path):
    params, path = setup(tmp_path)
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    err = refused(params, "a FIFO (named pipe), not a regular file", "not read")
    assert isinstance(err, NotRegularFile)


def test_a_link_to_dev_zero_is_refused_unread(tmp_path):
    params, path = setup(tmp_path)
    path.parent.mkdir(parents=True)
    path.symlink_to("/dev/zero")
    err = refused(params, "a device, not a regular file")
    assert isinstance(err, NotRegularFile) and err.file == SHOWN


def test_a_broken_link_is_refused(tmp_path):
    params, path = setup(tmp_path)
    path.parent.mkdir(parents=True)
    path.symlink_to(tmp_path / "nowhere.csv")
    refused(params, "cannot be opened (a link to nothing)")


def test_500_mb_of_junk_rows_are_refused_by_size_before_reading(tmp_path):
    params, path = setup(tmp_path, HEADER + "\n")
    with path.open("r+b") as fh:  # sparse: 500 MB on paper, nothing on disk
        fh.truncate(500 * 1024 * 1024)
    refused(params, "524,288,000 bytes, over the limit of 1,000,000", "not read")


def test_junk_rows_within_the_size_are_refused_naming_the_line(tmp_path):
    params, _ = setup(tmp_path, "\n".join([HEADER, *rows()[:3], "this is not a row", *rows()[3:]]) + "\n")
    refused(params, "1 cell(s), but the header has 6: 'this is not a row' is not a row of the record",
            row=5, column="B")


def test_too_many_lines_are_refused(tmp_path):
    params, _ = setup(tmp_path, "\n".join([HEADER, *rows(), *(["1403,IR-99,x,1,1,1"] * 300)]) + "\n")
    refused(params, "lines after the header", "one row per province")


def test_binary_junk_is_refused_naming_the_line(tmp_path):
    params, _ = setup(tmp_path, (HEADER + "\n" + rows()[0] + "\n").encode() + b"\x00\x01PK\x03\x04")
    refused(params, "NUL byte", "«CSV UTF-8»", row=3)


# --- encodings and headers --------------------------------------------------------------------
def test_windows_1256_with_persian_headers_is_read_as_a_listed_correction(tmp_path):
    text = "\r\n".join([PERSIAN_HEADER, *rows()]) + "\r\n"
    # Windows-1256 has no Persian yeh (U+06CC): Excel writes the Arabic one, as here.
    params, _ = setup(tmp_path, text.replace("\u06cc", "\u064a").encode("cp1256"))
    record = H.find_notified_record(params)
    assert record.found and not record.partial and len(record.amounts) == 31
    assert record.amounts[CODES[0]] == 300_000_000
    assert any("Windows-1256" in c for c in record.corrections)


def test_utf8_with_bom_persian_digits_and_a_total_row_are_read(tmp_path):
    from atiyeh_reports.core.text import to_persian_digits

    body = [to_persian_digits(r) for r in rows()]
    text = "\n".join([PERSIAN_HEADER, *body, ",,جمع,3100,,9300000000", ",,,,,"]) + "\n"
    params, _ = setup(tmp_path, b"\xef\xbb\xbf" + text.encode("utf-8"))
    record = H.find_notified_record(params)
    assert record.found and sum(record.amounts.values()) == sum(300_000_000 + i for i in range(31))
    assert any("total row" in c for c in record.corrections)


def test_a_header_without_the_amount_column_is_refused_naming_it(tmp_path):
    params, _ = setup(tmp_path, "\n".join(["year,province_code,province_name,eligible_children,requirement",
                                           *(r.rsplit(",", 1)[0] for r in rows())]) + "\n")
    refused(params, "['allocated'] missing", "«اعتبار ابلاغی»", row=1)


def test_two_columns_for_one_field_are_refused_naming_both(tmp_path):
    params, _ = setup(tmp_path, "\n".join([HEADER + ",اعتبار ابلاغی", *(r + ",1" for r in rows())]) + "\n")
    refused(params, "two columns for allocated: F «allocated» and G «اعتبار ابلاغی»", row=1, column="G")


# --- rows and values --------------------------------------------------------------------------
def test_a_province_listed_twice_is_refused_naming_both_lines(tmp_path):
    body = rows()
    params, _ = setup(tmp_path, "\n".join([HEADER, *body, body[4]]) + "\n")
    refused(params, f"{CODES[4]} is listed twice, on lines 6 and 33", row=33, column="province_code")


def test_last_last_years_file_is_refused(tmp_path):
    params, _ = setup(tmp_path, "\n".join([HEADER, *rows(1402)]) + "\n")
    refused(params, "a record of 1402, not of 1403 (last-last year's file?)", row=2, column="year")


def test_a_mixed_year_is_refused_on_its_line(tmp_path):
    body = rows()
    body[9] = body[9].replace("1403,", "1404,", 1)
    params, _ = setup(tmp_path, "\n".join([HEADER, *body]) + "\n")
    refused(params, "a record of 1404, not of 1403", row=11, column="year")


def test_quoted_thousands_separators_are_read_as_listed_corrections(tmp_path):
    body = rows()
    body[0] = body[0].rsplit(",", 1)[0] + ',"1,234,000"'
    body[1] = body[1].rsplit(",", 1)[0] + ",۱٬۲۳۴٬۰۰۰"
    params, _ = setup(tmp_path, "\n".join([HEADER, *body]) + "\n")
    record = H.find_notified_record(params)
    assert record.amounts[CODES[0]] == 1_234_000 and record.amounts[CODES[1]] == 1_234_000
    told = [c for c in record.corrections if "thousands separators" in c]
    assert len(told) == 2 and told[0].startswith("line 2, column allocated")


def test_unquoted_thousands_separators_are_refused_clearly(tmp_path):
    body = rows()
    body[2] = body[2].rsplit(",", 1)[0] + ",1,234,000"
    params, _ = setup(tmp_path, "\n".join([HEADER, *body]) + "\n")
    refused(params, "thousands separators and no quotes", "write 1234000", row=4, column="G")


@pytest.mark.parametrize(("amount", "says"), [
    ("-5000000", "'-5000000' is negative"),
    ("0", "0 Rials allocated to"),
    (str(2**62), "4,611,686,018,427,387,904 is over the bound of 1,000,000,000,000,000"),
    (str(10**20), "100,000,000,000,000,000,000 is over the bound"),
    ("12.5", "'12.5' is not a whole number"),
])
def test_amounts_are_whole_non_negative_and_within_the_parameters_bound(tmp_path, amount, says):
    body = rows()
    body[6] = body[6].rsplit(",", 1)[0] + f",{amount}"
    params, _ = setup(tmp_path, "\n".join([HEADER, *body]) + "\n")
    refused(params, says, row=8, column="allocated")


# --- partial, none, and what the reports say ---------------------------------------------------
def test_a_partial_record_is_used_and_names_the_missing_provinces(tmp_path):
    gone = ["IR-23", "IR-07"]
    params, _ = setup(tmp_path, "\n".join([HEADER, *rows(codes=[c for c in CODES if c not in gone])]) + "\n")
    record = H.find_notified_record(params)
    assert record.found and record.partial and record.missing == ("IR-07", "IR-23")
    assert len(record.sha256) == 64 and record.shown == SHOWN
    from types import SimpleNamespace

    from atiyeh_reports.evaluation.views import notified_source_md

    evaluation = notified_source_md(SimpleNamespace(record=record, params=params)).data
    for sentence in (record.source_fa(), record.assumption_fa(), last_year_source_fa(params, record),
                     notified_source_fa(record), evaluation):
        assert "تهران" in sentence and "فارس" in sentence and "۲ استان" in sentence, sentence
        assert SHOWN in sentence and record.sha256[:16] in sentence and "۱۴۰۳" in sentence


def test_no_record_at_all_is_the_forms_figures_and_the_reports_say_so(tmp_path):
    params, _ = setup(tmp_path)
    record = H.find_notified_record(params)
    assert not record.found and "در دست نبود" in record.source_fa()
    assert "گزارش کرده" in notified_source_fa(None) and "در دست نبود" in notified_source_fa(record)


def test_the_performance_table_gives_the_formats_of_the_columns_it_has():
    import pandas as pd

    perf = pd.DataFrame([{"province_code": c, "performance_year": 1403, "credit_notified": 10, "credit_spent": 5,
                          "children_covered": 2, "policies_issued": 1, "children_left": 0} for c in CODES])
    table, formats = show_performance(perf)
    assert "اعتبار ابلاغی به گزارش استان (ریال)" not in table.columns  # no HQ record, no such column
    assert set(formats["money"]) <= set(table.columns) and "اعتبار ابلاغی (ریال)" in formats["money"]
    assert formats == formats_fa(table)


def test_a_history_year_does_not_inherit_this_years_named_record(tmp_path):
    params, path = setup(tmp_path, "\n".join([HEADER, *rows()]) + "\n", configured="hq-1403.csv")
    assert H.find_notified_record(params).found
    past = history_params(params.model_copy(update={"source": None}), 1403)
    assert past.checks.notified_record is None


# --- through the command line: before any notebook, and a build with no record --------------------
def _data_without(sample_dir: Path, root: Path, *gone: str) -> Path:
    data = root / "data"
    shutil.copytree(sample_dir, data, ignore=shutil.ignore_patterns("clean"))
    for part in gone:
        shutil.rmtree(data / part)
    return data


def _cli(params: Path, out: Path, timeout: int) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "atiyeh_reports.cli", "build", "--year", "1404",
                           "--params", str(params), "--out", str(out), "--no-pack"],
                          capture_output=True, text=True, timeout=timeout, check=False)


def test_a_bad_record_stops_the_build_before_any_notebook(tmp_path, sample_dir):
    data = _data_without(sample_dir, tmp_path)
    record = data / "1403" / "hq" / "allocation.csv"
    lines = record.read_text(encoding="utf-8").splitlines()
    record.write_text("\n".join([*lines, lines[3]]) + "\n", encoding="utf-8")
    folder = tmp_path / "params"
    folder.mkdir()
    (folder / "1404.yaml").write_text(BASE.replace("data_dir: ../data/sample", f"data_dir: {data}"), encoding="utf-8")
    out = tmp_path / "out"
    done = _cli(folder / "1404.yaml", out, 600)
    assert done.returncode == 3, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "notebook" not in done.stderr
    assert "/1403/hq/allocation.csv, row 33, column province_code:" in done.stderr
    assert "listed twice, on lines 4 and 33" in done.stderr
    assert not out.exists()


@pytest.mark.e2e
@pytest.mark.parametrize("kind", ["none", "partial"])
def test_a_build_with_no_record_or_a_partial_one_succeeds_and_every_report_says_so(tmp_path, sample_dir, kind):
    import json

    data = _data_without(sample_dir, tmp_path, *(["1403/hq"] if kind == "none" else []))
    if kind == "partial":  # HQ's record of 1403 without Tehran and Fars
        record = data / "1403" / "hq" / "allocation.csv"
        kept = [ln for ln in record.read_text(encoding="utf-8").splitlines() if ",IR-23," not in ln and ",IR-07," not in ln]
        record.write_text("\n".join(kept) + "\n", encoding="utf-8")
    folder = tmp_path / "params"
    folder.mkdir()
    for year in (1402, 1403, 1404):
        text = (ROOT / "params" / f"{year}.yaml").read_text(encoding="utf-8")
        (folder / f"{year}.yaml").write_text(text.replace("data_dir: ../data/sample", f"data_dir: {data}"),
                                             encoding="utf-8")
    out = tmp_path / "out"
    done = _cli(folder / "1404.yaml", out, 1800)
    assert done.returncode == 0, done.stderr[-4000:]
    entry = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["notified_record"]
    if kind == "none":
        assert entry is None
        says = ["سابقهٔ ابلاغ ستاد برای سال ۱۴۰۳ در دست نبود"]
    else:
        assert entry["path"] == "../data/1403/hq/allocation.csv" and entry["year"] == 1403
        assert entry["missing_provinces"] == ["IR-07", "IR-23"] and len(entry["sha256"]) == 64
        says = ["بی‌ردیف برای ۲ استان", "تهران", "فارس", entry["sha256"][:16], "../data/1403/hq/allocation.csv"]
    for report in ("analysis", "allocation", "evaluation"):
        html = (out / f"{report}.html").read_text(encoding="utf-8")
        for text in says:
            assert text in html, (report, text)
