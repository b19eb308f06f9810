"""The analyst's API: finding the project, views, a province, two years compared, safe reprs."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from atiyeh_reports.api import YearData, load_year
from atiyeh_reports.errors import ParamsError, UnknownProvinceError
from atiyeh_reports.lab import explore
from atiyeh_reports.present import summary as summaries
from atiyeh_reports.present.privacy import scan_for_personal_data
from factories import nid

ROOT = Path(__file__).resolve().parents[2]


def _project(folder: Path, name: str = "atiyeh-reports", years: tuple[int, ...] = ()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(f'[project]\nname = "{name}"\n', encoding="utf-8")
    (folder / "params").mkdir(exist_ok=True)
    for year in years:
        shutil.copy(ROOT / "params" / f"{year}.yaml", folder / "params" / f"{year}.yaml")
    return folder


# --- where the project is ----------------------------------------------------------------------
def test_the_project_is_found_by_walking_up_from_the_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(explore.ROOT_ENV, raising=False)
    root = _project(tmp_path / "proj")
    deep = root / "notebooks" / "scratch"
    deep.mkdir(parents=True)
    assert explore.project_root(deep) == root.resolve()
    monkeypatch.chdir(deep)
    assert explore.project_root() == root.resolve()


def test_another_projects_pyproject_is_passed_over(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(explore.ROOT_ENV, raising=False)
    outer = _project(tmp_path / "outer")
    inner = _project(outer / "inner", name="something-else")
    assert explore.project_root(inner) == outer.resolve()


def test_the_env_var_names_the_project_and_must_be_one(tmp_path, monkeypatch) -> None:
    root = _project(tmp_path / "proj")
    monkeypatch.setenv(explore.ROOT_ENV, str(root))
    assert explore.project_root(tmp_path) == root.resolve()
    monkeypatch.setenv(explore.ROOT_ENV, str(tmp_path / "nothing"))
    with pytest.raises(ParamsError, match=explore.ROOT_ENV):
        explore.project_root()


def test_a_missing_year_names_the_parameter_files_there_are(tmp_path) -> None:
    root = _project(tmp_path / "proj", years=(1402, 1403))
    assert explore.params_file(1403, root) == root.resolve() / "params" / "1403.yaml"
    with pytest.raises(ParamsError) as err:
        explore.params_file(1405, root)
    assert "1405" in str(err.value) and "1402.yaml, 1403.yaml" in str(err.value)
    with pytest.raises(ParamsError, match="1402.yaml, 1403.yaml"):
        load_year(1405, root=root)


def test_a_path_is_taken_as_it_is(tmp_path) -> None:
    assert explore.params_file(tmp_path / "x.yaml") == tmp_path / "x.yaml"


# --- views ----------------------------------------------------------------------------------------
def _children() -> pd.DataFrame:
    return pd.DataFrame({
        "year": [1404, 1404],
        "province_code": ["IR-23", "IR-07"],
        "national_id": [nid(12345), nid(67890)],
        "first_name": ["سارا", "علی"],
        "last_name": ["کاظمی", "رضایی"],
        "birth_date": [dt.date(2010, 3, 21), dt.date(2012, 9, 1)],
        "court_order": ["ق/1/1400", "ق/2/1401"],
        "county": ["تهران", "شیراز"],
    })


def test_a_view_has_province_names_and_jalali_dates_and_no_identities() -> None:
    children = _children()
    before = children.copy()
    v = explore.view(children)
    assert v.columns.tolist() == ["year", "province_code", "province", "birth_date",
                                  "birth_date_jalali", "county"]
    assert v["province"].tolist() == ["تهران", "فارس"]
    assert v["birth_date_jalali"].tolist() == ["1389/01/01", "1391/06/11"]
    pd.testing.assert_frame_equal(children, before)  # the stored table is left as it is


def test_a_view_hides_personal_values_in_findings_and_ids_in_text() -> None:
    findings = pd.DataFrame({
        "column": ["نام", "كد ملي", "First Name", "جنسیت", None],
        "value": ["سارا", nid(5), "First Name", "مذکر", f"تکرار {nid(7)} در فارس"],
        "corrected_to": ["سارا", nid(5), "نام", "پسر", None],
        "province_code": ["IR-23", "IR-23", None, "IR-23", "IR-14"],
        "national_id": [nid(1), nid(5), None, None, nid(7)],
    })
    v = explore.view(findings)
    assert v["value"].tolist() == ["[حذف شد]", "[حذف شد]", "First Name", "مذکر", "تکرار [کد ملی] در فارس"]
    assert v["corrected_to"].tolist()[:4] == ["[حذف شد]", "[حذف شد]", "نام", "پسر"]
    assert "national_id" not in v and v["province"].tolist()[0] == "تهران"
    assert scan_for_personal_data(v.to_string(), ["سارا"]) == []
    assert scan_for_personal_data(findings.to_string(), ["سارا"])  # the check can fail


def test_mask_ids_leaves_numbers_that_are_not_ids() -> None:
    not_an_id = nid(3)[:9] + str((int(nid(3)[9]) + 1) % 10)
    assert explore.mask_ids(f"{nid(3)} و {not_an_id}") == f"[کد ملی] و {not_an_id}"
    assert explore.mask_ids(12) == 12


# --- the sample year -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def year(sample_dir: Path) -> YearData:
    return load_year(ROOT / "params" / "1404.yaml", data_dir=sample_dir)


def test_load_year_by_number_works_from_outside_the_project(tmp_path, monkeypatch, sample_dir) -> None:
    monkeypatch.delenv(explore.ROOT_ENV, raising=False)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # under the system's temporary folder, outside the repository
    assert not (elsewhere / "params").exists()
    y = load_year(1404, data_dir=sample_dir)
    assert y.year == 1404 and Path(y.params.source) == ROOT / "params" / "1404.yaml"
    assert sorted(y.history) == [1402, 1403]


def _names(y: YearData) -> list[str]:
    return sorted(set(y.children["first_name"]) | set(y.children["last_name"]))


def test_the_year_object_shows_a_short_summary_without_ids_or_names(year: YearData) -> None:
    from atiyeh_reports.evaluation.bundle import evaluate

    names = _names(year)
    ev = evaluate(year)
    shown = {
        "year": (repr(year), year._repr_html_()),
        "province": (repr(year.province("IR-23")), year.province("IR-23")._repr_html_()),
        "evaluation": (repr(ev), ev._repr_html_()),
        "reconciliation": (repr(ev.rec), ev.rec._repr_html_()),
        "params": (repr(year.params), str(year.params)),
    }
    for what, (text, rich) in shown.items():
        assert len(text) <= summaries.MAX_CHARS, what
        assert scan_for_personal_data(text, names) == [], what
        assert scan_for_personal_data(rich, names) == [], what
    # The guard can fail: the tables themselves print IDs.
    assert scan_for_personal_data(year.children.head(20).to_string())
    text = repr(year)
    assert text.startswith("YearData 1404") and "1402, 1403" in text
    for table in explore.TABLES:
        frame = getattr(year, table)
        assert f"{table:<17}{len(frame):,} rows x {frame.shape[1]} columns" in text
    assert f"{len(year.children):,}" in text
    assert f"{int(year.performance['credit_spent'].sum()):,}" in text


def test_view_by_name(year: YearData) -> None:
    v = year.view("policies")
    assert "province" in v and "issue_date_jalali" in v and "national_id" not in v
    assert len(v) == len(year.policies)
    with pytest.raises(KeyError, match="children"):
        year.view("kids")


@pytest.mark.parametrize("spelling", ["تهران", "استان تهران", " تهران ", "IR-23", "Tehran"])
def test_a_province_by_any_spelling(year: YearData, spelling: str) -> None:
    p = year.province(spelling)
    assert (p.code, p.name) == ("IR-23", "تهران")
    assert len(p.children) == int((year.children["province_code"] == "IR-23").sum())
    assert set(p.policies["province_code"]) <= {"IR-23"}
    assert p.indicators["province_code"].unique().tolist() == ["IR-23"]
    assert "national_id" not in p.children and "first_name" not in p.children


def test_arabic_letters_in_a_province_name(year: YearData) -> None:
    assert year.province("آذربايجان شرقي").code == year.province("آذربایجان‌شرقی").code


def test_an_unknown_province_says_so(year: YearData) -> None:
    with pytest.raises(UnknownProvinceError, match="نیشابور"):
        year.province("نیشابور")


def test_compare_two_years(year: YearData) -> None:
    t = year.compare(1403)
    assert t["province"].iloc[-1] == "کل کشور" and pd.isna(t["province_code"].iloc[-1])
    body = t.iloc[:-1]
    assert body["province_code"].is_monotonic_increasing
    for k in explore.MAIN_INDICATORS:
        assert {f"{k}_1403", f"{k}_1404", f"{k}_change"} <= set(t.columns)
    prev = year.history[1403].children["province_code"].value_counts()
    cur = year.children["province_code"].value_counts()
    for _, row in body.iterrows():
        assert row["eligible_1403"] == prev.get(row["province_code"], 0)
        assert row["eligible_1404"] == cur.get(row["province_code"], 0)
        assert row["eligible_change"] == row["eligible_1404"] - row["eligible_1403"]
    nat = t.iloc[-1]
    assert nat["eligible_1404"] == len(year.children) and nat["eligible_1403"] == len(year.history[1403].children)
    assert nat["credit_spent_1404"] == body["credit_spent_1404"].sum()
    assert nat["coverage_change"] == pytest.approx(nat["coverage_1404"] - nat["coverage_1403"])


def test_compare_needs_another_year_with_data(year: YearData) -> None:
    with pytest.raises(ParamsError, match="1402, 1403, 1404"):
        year.compare(1390)
    with pytest.raises(ParamsError, match="itself"):
        year.compare(1404)


def test_the_parameters_repr_is_one_line(params) -> None:
    text = repr(params)
    assert "\n" not in text and "year=1404" in text and "approved_credit=35,712,000,000" in text
    assert len(text) < 400 and len(params.model_dump_json()) > len(text)


# --- the explore notebook ---------------------------------------------------------------------------
def test_the_explore_notebook_is_thin_and_not_a_report() -> None:
    import json
    import re

    from atiyeh_reports.pipeline.build import REPORTS

    assert "explore" not in {r.name for r in REPORTS}
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "$(filter-out notebooks/explore.ipynb," in makefile and "lab.py explore.ipynb" in makefile
    nb = json.loads((ROOT / "notebooks" / "explore.ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and not [c for c in code if re.search(r"^\s*(def|for|while|class) ", c, re.M)]
    assert all(not c.get("outputs") for c in nb["cells"] if c["cell_type"] == "code")  # saved clean
    text = "\n".join(code)
    for call in ("load_year(1404)", ".province(", ".compare(1403)", "to_excel(", "evaluate(y)"):
        assert call in text
