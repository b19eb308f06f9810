"""End to end: every problem planted in the sample is found by the intake or the reconciliation.

The sample (:func:`atiyeh_reports.sample.write.write_sample`) lists what it planted in
``planted.json`` with the outcome expected; this file loads the three sample
years through :func:`atiyeh_reports.api.load_year` and checks every entry.

How each expected outcome is checked (decided per kind):

* ``rejected``: a ``rejected`` finding at the entry's file and Excel row, and
  that row is not in the children table (a cross-province copy included: the
  copy carries the county of the province the child lives in, which is where it
  is counted); except for duplicates, the child is not in the table at all.
* ``corrected``: a ``corrected`` finding at the entry's file and row (and
  column, when the entry names one), except:

  - the date kinds (``date_dashes``, ``date_compact``, ``date_persian_digits``,
    ``date_arabic_indic_digits``, ``date_excel``) are pure re-formatting: the
    children table stores the date, not the text, and the same day as typed,
    so nothing stored differs from what was typed. For these the children
    table must hold the date computed here from the planted text with
    jdatetime (independently of the intake's parser);
  - ``children_sheet_renamed`` is about a sheet name, which no row holds: the
    finding is matched by file and sheet.
* ``warning``: a ``warning`` finding at the file (and row when given).
* ``ignored``: the row is not in the children table; a total row and an
  extra column each have a finding saying they were ignored, and a file with
  blank rows between children has the blank-rows finding.
* the insurer's categories: the policy at the entry's file and row (or, for
  ``no_policy``, the child by national ID) is in that reconciliation category.

Beyond the entries: ``rows_read = accepted + rejected`` for every province and
year, and rejected/corrected findings point at real rows of real files, whose
cells (read back with openpyxl for a sample of files) hold the value reported.

Each year is reconciled with its own parameter file (``params/1402.yaml`` ...),
whose premium and list date are the sample's for that year.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import shutil
from collections import defaultdict
from pathlib import Path

import jdatetime
import openpyxl
import pandas as pd
import pytest

import atiyeh_reports.sample as sample
from atiyeh_reports.api import YearData, load_year
from atiyeh_reports.insurer.reconciliation import Reconciliation, reconcile
from atiyeh_reports.intake.quality import CORRECTED, REJECTED, WARNING, Problem, as_text

ROOT = Path(__file__).resolve().parents[2]
YEARS = (1402, 1403, 1404)
DATE_KINDS = {"date_dashes", "date_compact", "date_persian_digits", "date_arabic_indic_digits", "date_excel"}
DATE_FIELD = {"تاریخ تولد": "birth_date", "Birth Date": "birth_date",
              "تاریخ پذیرش": "admission_date", "Admission Date": "admission_date"}
#: Findings that say a row or a column was left out (action ``warning``: nothing was changed).
IGNORED_FINDING = {"total_row": Problem.TOTAL_ROW, "extra_column": Problem.EXTRA_COLUMN}
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


@pytest.fixture(scope="module")
def data_dir(sample_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the session's sample: loading a year writes ``clean/`` beside it."""
    out = tmp_path_factory.mktemp("pipeline") / "sample"
    shutil.copytree(sample_dir, out, ignore=shutil.ignore_patterns("clean"))
    return out


@pytest.fixture(scope="module")
def planted(data_dir: Path) -> list[dict]:
    return json.loads((data_dir / "planted.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def years(data_dir: Path) -> dict[int, YearData]:
    latest = load_year(ROOT / "params" / "1404.yaml", data_dir=data_dir)
    loaded = {**latest.history, latest.year: latest}
    assert sorted(loaded) == list(YEARS)
    return loaded


@pytest.fixture(scope="module")
def reconciled(years: dict[int, YearData]) -> dict[int, Reconciliation]:
    out = {}
    for year, data in years.items():
        params = data.params
        assert params.service.per_capita_premium == sample.PREMIUMS[year]
        assert params.insurer.list_date == sample.LIST_DATES[year]
        history = [years[y].children for y in YEARS if y < year]
        out[year] = reconcile(data.children, data.policies, params, history_children=history)
    return out


def _of(entries: list[dict], *, insurer: bool) -> list[dict]:
    return [e for e in entries if ("/insurer/" in e["file"]) == insurer]


def _name(entry: dict) -> str:
    return entry["file"].rsplit("/", 1)[-1]


def _at(findings: pd.DataFrame, entry: dict, action: str) -> pd.DataFrame:
    """Findings of ``action`` at the entry's file (and row, when the entry has one)."""
    hit = findings[(findings["file"] == _name(entry)) & (findings["action"] == action)]
    if entry["row"] is not None:
        hit = hit[hit["row"] == entry["row"]]
    return hit


def _clean_rows(children: pd.DataFrame) -> set[tuple[str, int]]:
    return set(zip(children["source_file"], children["source_row"].astype(int), strict=True))


def jalali_expected(kind: str, value: str) -> dt.date:
    """The day a planted date means, computed without the intake's parser."""
    if kind == "date_excel":
        return dt.datetime.fromisoformat(value).date()
    text = value.translate(_DIGITS)
    if kind == "date_compact":
        y, m, d = int(text[:4]), int(text[4:6]), int(text[6:])
    else:
        y, m, d = (int(p) for p in re.split(r"[-/]", text))
    return jdatetime.date(y, m, d).togregorian()


# --- the provincial forms ---------------------------------------------------------------------
def test_every_planted_form_problem_is_handled(planted: list[dict], years: dict[int, YearData]) -> None:
    failures = []
    clean = {year: _clean_rows(data.children) for year, data in years.items()}
    for entry in _of(planted, insurer=False):
        if entry["kind"] in sample.NOTIFIED_PLANTS:  # the performance sheet: checked against HQ's record below
            continue
        problem = _form_problem(entry, years[entry["year"]], clean[entry["year"]])
        if problem:
            failures.append(f"{entry['year']} {entry['kind']} {entry['file']} row {entry['row']}: {problem}")
    assert not failures, "\n".join(failures)


def _form_problem(entry: dict, data: YearData, clean: set[tuple[str, int]]) -> str | None:  # noqa: PLR0911
    """What is wrong with how the intake handled one planted entry (None when all is right)."""
    findings, kind, expected = data.findings, entry["kind"], entry["expected"]
    in_table = (_name(entry), entry["row"]) in clean
    if expected == REJECTED:
        if _at(findings, entry, REJECTED).empty:
            return "no rejected finding"
        if in_table:
            return "the rejected row is in the children table"
        # the child itself is gone too, unless another row of it (a duplicate's original) is counted
        if not kind.startswith("duplicate") and entry["national_id"] in set(data.children["national_id"]):
            return "the rejected child is in the children table"
        return None
    if expected == CORRECTED and kind in DATE_KINDS:
        rows = data.children[(data.children["source_file"] == _name(entry))
                             & (data.children["source_row"] == entry["row"])]
        if len(rows) != 1:
            return f"{len(rows)} rows in the children table"
        got = rows.iloc[0][DATE_FIELD[entry["column"]]]
        want = jalali_expected(kind, entry["value"])
        return None if got == want else f"table holds {got}, {entry['value']!r} is {want}"
    if expected == CORRECTED and kind == "children_sheet_renamed":
        hit = findings[(findings["file"] == _name(entry)) & (findings["action"] == CORRECTED)
                       & (findings["sheet"] == entry["sheet"]) & (findings["value"] == entry["sheet"])]
        return None if len(hit) else "no corrected finding naming the sheet"
    if expected == CORRECTED:
        hit = _at(findings, entry, CORRECTED)
        if entry["column"] is not None:
            hit = hit[hit["column"] == entry["column"]]
        return None if len(hit) else f"no corrected finding (column {entry['column']!r})"
    if expected == WARNING:
        return None if len(_at(findings, entry, WARNING)) else "no warning finding"
    if expected == "ignored":
        if in_table and kind != "extra_column":
            return "an ignored row is in the children table"
        if kind in IGNORED_FINDING:
            hit = _at(findings, entry, WARNING)
            hit = hit[hit["problem"] == IGNORED_FINDING[kind]]
            if entry["column"] is not None and kind == "extra_column":
                hit = hit[hit["column"] == entry["column"]]
            return None if len(hit) else "no finding saying it was ignored"
        blank = findings[(findings["file"] == _name(entry)) & (findings["problem"] == Problem.BLANK_ROWS)]
        return None if len(blank) else "no blank-rows finding for the file"
    return f"unknown expected outcome {expected!r}"


def test_golestan_is_read_as_golestan(years: dict[int, YearData], planted: list[dict]) -> None:
    """A title naming another province that has its own form does not move the form there."""
    for entry in planted:
        if entry["kind"] != "title_province_mismatch":
            continue
        data = years[entry["year"]]
        rows = data.children[data.children["source_file"] == _name(entry)]
        assert len(rows) > 0 and set(rows["province_code"]) == {entry["province_code"]}, entry
        assert data.summary.set_index("province_code").loc[entry["province_code"], "accepted"] == len(rows)
        assert sorted(data.performance["province_code"]) == sorted(data.summary["province_code"])
        assert data.performance["province_code"].is_unique


def test_rows_read_equal_accepted_plus_rejected(years: dict[int, YearData]) -> None:
    for year, data in years.items():
        s = data.summary
        assert len(s) == 31 and s["province_code"].is_unique, year
        assert (s["rows_read"] == s["accepted"] + s["rejected"]).all(), year
        accepted = data.children.groupby("province_code").size()
        assert s.set_index("province_code")["accepted"].equals(
            accepted.reindex(s["province_code"], fill_value=0).rename("accepted").astype("int64")), year
        assert not data.unreadable, year


def test_each_corrected_or_rejected_row_is_a_real_cell(years: dict[int, YearData], data_dir: Path) -> None:
    """Every such finding names a real sheet and row; for some files, the cell holds the value reported."""
    rng = random.Random(1404)
    for year, data in years.items():
        f = data.findings
        f = f[f["action"].isin([CORRECTED, REJECTED]) & f["row"].notna()]
        folder = data_dir / str(year) / "provinces"
        files = sorted(set(f["file"]))
        checked = set(rng.sample(files, 3))
        for file in files:
            path = folder / file
            assert path.is_file(), (year, file)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                here = f[f["file"] == file]
                for sheet in set(here["sheet"]):
                    ws = wb[sheet]
                    rows = here[here["sheet"] == sheet]
                    assert rows["row"].max() <= ws.max_row, (year, file, sheet)
                    if file in checked:
                        _assert_cells(list(ws.iter_rows(values_only=True)), rows, (year, file, sheet))
            finally:
                wb.close()


def _assert_cells(grid: list[tuple], findings: pd.DataFrame, where: tuple) -> None:
    headers: dict[str, int] = {}
    for row in grid[:20]:
        for i, cell in enumerate(row):
            if isinstance(cell, str):
                headers.setdefault(cell, i)
    for finding in findings.itertuples():
        cells = grid[int(finding.row) - 1]
        reported = None if pd.isna(finding.value) else finding.value  # an empty cell reports no value
        if pd.isna(finding.column):  # a title finding reports the text after its label ("استان : ...")
            texts = [as_text(c) for c in cells]
            assert reported in texts or any(reported and t and reported in t for t in texts), (where, finding)
            continue
        value = cells[headers[finding.column]] if headers[finding.column] < len(cells) else None
        assert as_text(value) == reported, (where, finding)


# --- the insurer's export ---------------------------------------------------------------------
def test_every_planted_policy_lands_in_its_category(planted: list[dict],
                                                    reconciled: dict[int, Reconciliation]) -> None:
    failures = []
    for entry in _of(planted, insurer=True):
        rec = reconciled[entry["year"]]
        if entry["expected"] == "no_policy":
            got = rec.children.loc[rec.children["national_id"] == entry["national_id"], "category"].tolist()
        else:
            at = (rec.policies["source_file"] == _name(entry)) & (rec.policies["source_row"] == entry["row"])
            got = rec.policies.loc[at, "category"].tolist()
        if got != [entry["expected"]]:
            failures.append(f"{entry['year']} {entry['kind']} row {entry['row']}: {got}, "
                            f"expected {entry['expected']}")
    assert not failures, "\n".join(failures)


def test_unplanted_policies_match(planted: list[dict], reconciled: dict[int, Reconciliation]) -> None:
    """The dirt is what was planted: every other policy and child matches."""
    special: dict[int, set[int]] = defaultdict(set)
    no_policy: dict[int, set[str]] = defaultdict(set)
    for entry in _of(planted, insurer=True):
        if entry["row"] is not None:
            special[entry["year"]].add(entry["row"])
        if entry["expected"] == "no_policy":
            no_policy[entry["year"]].add(entry["national_id"])
    for year, rec in reconciled.items():
        plain = rec.policies[~rec.policies["source_row"].isin(special[year])]
        others = plain[plain["category"] != "matched"]
        # a re-issued policy beside a cancelled one and the earlier of two active policies are planted
        # only through their partner row; they must still match
        assert others.empty, (year, others[["source_row", "category"]].to_dict("records"))
        missing = set(rec.children.loc[rec.children["category"] == "no_policy", "national_id"])
        assert missing == no_policy[year], year


# --- HQ's record, triangulation, indicators and projection on the sample (issue 9) -----------------
def test_self_report_cross_check_finds_exactly_the_planted_discrepancies(planted: list[dict],
                                                                          years: dict[int, YearData]) -> None:
    from atiyeh_reports.allocation.record import find_notified_record, notified_check

    checked = 0
    for year, data in years.items():
        want = {e["province_code"] for e in planted
                if e["year"] == year and e["kind"].startswith("notified_") and e["expected"] == "finding"}
        within = {e["province_code"] for e in planted
                  if e["year"] == year and e["expected"] == "within_tolerance"}
        if not find_notified_record(data.params).found:
            assert not want, f"{year}: discrepancies planted but no HQ record found"
            continue
        check = notified_check(data.params, data.performance)
        assert set(check.loc[check["flagged"], "province_code"]) == want, year
        assert within and within.isdisjoint(want)  # a small difference is planted and not flagged
        assert (check.set_index("province_code").loc[sorted(within), "difference"] != 0).all()
        checked += 1
    assert checked == 2  # 1403 (record of 1402) and 1404 (record of 1403)


def test_no_two_scorecard_indicators_are_equal_in_every_province(years: dict[int, YearData]) -> None:
    from itertools import combinations

    from atiyeh_reports.evaluation.indicators import SCORED, indicators_by_year, scorecard

    latest = years[max(years)]
    card = scorecard(indicators_by_year(latest), latest.params, latest.year)
    assert card[list(SCORED)].notna().all().all()
    for a, b in combinations(SCORED, 2):
        assert not (card[a] - card[b]).abs().lt(1e-9).all(), f"{a} and {b} are one quantity"


def test_the_evaluation_puts_the_funding_gap_among_the_top_findings(years: dict[int, YearData]) -> None:
    from atiyeh_reports.evaluation.bundle import evaluate
    from atiyeh_reports.evaluation.rules import funding_gap

    latest = years[max(years)]
    ev = evaluate(latest)
    top = {f.rule: f for f in ev.findings[:3]}
    assert "funding_gap" in top
    gap = funding_gap(ev.current, latest.params)
    assert top["funding_gap"].rials == gap["gap"] > 0 and top["funding_gap"].children == 0  # money, not children
    assert [f.rials for f in ev.findings] == sorted((f.rials for f in ev.findings), reverse=True)
    # the same quantity with two values in the reports is explained in the triangulation
    t = ev.triangulation
    covered = t[t["quantity"] == "covered"]
    assert covered["value_a"].sum() != covered["value_b"].sum()  # e.g. 9,610 reported vs 9,603 listed
    assert covered["residual"].sum() == 0


def test_backtest_error_is_shown_and_the_new_method_is_closer(years: dict[int, YearData]) -> None:
    from atiyeh_reports.allocation.budget import projection_backtest

    latest = years[max(years)]
    bt = projection_backtest(latest.params, latest.children_by_year).set_index("method")
    assert bt.loc["observed_exits", "actual"] == len(latest.children)
    for method in bt.index:
        assert bt.loc[method, "error"] == pytest.approx(bt.loc[method, "predicted"] - bt.loc[method, "actual"])
    assert abs(bt.loc["observed_exits", "error"]) < abs(bt.loc["age_only", "error"])
