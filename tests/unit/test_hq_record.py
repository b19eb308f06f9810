"""HQ's record of what it notified: written, read back, found, and used instead of the forms."""

from __future__ import annotations

import pandas as pd
import pytest

from atiyeh_reports.allocation import record as H

HEADER = "year,province_code,province_name,eligible_children,requirement,allocated\n"


def _table() -> pd.DataFrame:
    return pd.DataFrame({"province_code": ["IR-23", "IR-07"], "province_name": ["تهران", "فارس"],
                         "eligible_children": [3, 2], "requirement": [9_000_000, 6_000_000],
                         "allocated": [8_000_000, 5_000_000]})


def _perf(year: int = 1404, **reported: int) -> pd.DataFrame:
    return pd.DataFrame([{"year": year, "province_code": c, "credit_notified": v, "credit_spent": v // 2}
                         for c, v in reported.items()])


def test_record_round_trips_with_integer_rials_in_code_order(params, tmp_path):
    record = H.allocation_record(params, _table())
    assert list(record["province_code"]) == ["IR-07", "IR-23"] and set(record["year"]) == {params.year}
    path = H.write_allocation_record(record, tmp_path / H.RECORD_FILE)
    first = path.read_bytes()
    H.write_allocation_record(record, path)
    assert path.read_bytes() == first  # same table, same bytes
    back = H.read_allocation_record(path)
    assert back["allocated"].dtype == "int64" and back["allocated"].sum() == 13_000_000
    assert list(back.columns) == list(H.RECORD_COLUMNS)


@pytest.mark.parametrize(("text", "message"), [
    ("year,province_code\n1403,IR-23\n", "missing"),
    (HEADER + "1403,IR-23,تهران,1,1,12.5\n", "row 2, column allocated"),
    (HEADER + "1403,IR-99,x,1,1,1\n", "IR-99"),
    (HEADER + "1403,IR-23,تهران,1,1,1\n1403,IR-23,تهران,1,1,1\n", "listed twice, on lines 2 and 3"),
])
def test_a_bad_record_says_what_and_where(tmp_path, text, message):
    path = tmp_path / H.RECORD_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(H.RecordError, match=message):
        H.read_allocation_record(path)


def _with_record(params, tmp_path, year: int, rows: str, where: str = "data"):
    if where == "data":
        folder = H.hq_dir(tmp_path, year)
        folder.mkdir(parents=True)
        (folder / H.RECORD_FILE).write_text(HEADER + rows, encoding="utf-8")
        return params.model_copy(update={"data_dir": tmp_path})
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "elsewhere.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    checks = params.checks.model_copy(update={"notified_record": path})
    return params.model_copy(update={"checks": checks, "data_dir": tmp_path / "empty"})


def test_found_in_the_data_folder_or_where_the_parameter_says(params, tmp_path):
    none = H.find_notified_record(params)
    assert not none.found and "در دست نبود" in none.assumption_fa()
    p = _with_record(params, tmp_path, 1403, "1403,IR-23,تهران,1,1,7000000\n")
    assert H.find_notified_record(p).amounts == {"IR-23": 7_000_000}
    q = _with_record(params, tmp_path / "q", 1403, "1403,IR-07,فارس,1,1,5000000\n", where="param")
    found = H.find_notified_record(q)
    assert found.amounts == {"IR-07": 5_000_000} and found.path.name == "elsewhere.csv"
    assert "سابقهٔ ابلاغ ستاد" in found.source_fa()


def test_a_record_of_another_year_is_refused_not_passed_over(params, tmp_path):
    p = _with_record(params, tmp_path, 1403, "1402,IR-23,تهران,1,1,7000000\n")
    with pytest.raises(H.RecordError, match=r"row 2, column year: a record of 1402, not of 1403"):
        H.find_notified_record(p)


def test_hq_record_replaces_the_forms_figure_and_the_check_flags_beyond_tolerance(params, tmp_path):
    p = _with_record(params, tmp_path, 1403,
                     "1403,IR-23,تهران,1,1,8000000\n1403,IR-07,فارس,1,1,5000000\n")
    tol = p.checks.money_tolerance
    perf = _perf(**{"IR-23": 8_000_000 + tol, "IR-07": 5_000_000 + tol + 1, "IR-10": 4_000_000})
    out = H.with_hq_notified(p, perf)
    by = out.set_index("province_code")
    assert by.loc["IR-23", "credit_notified"] == 8_000_000 and by.loc["IR-23", "notified_source"] == "hq"
    assert by.loc["IR-10", "credit_notified"] == 4_000_000 and by.loc["IR-10", "notified_source"] == "form"
    assert H.with_hq_notified(p, out) is out  # idempotent
    assert perf["credit_notified"].tolist()[0] == 8_000_000 + tol  # input untouched
    check = H.notified_check(p, perf).set_index("province_code")
    assert check["flagged"].to_dict() == {"IR-07": True, "IR-10": False, "IR-23": False}
    assert check.loc["IR-07", "difference"] == tol + 1
