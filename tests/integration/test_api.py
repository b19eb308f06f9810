"""load_year: a year's results are computed once and travel with it, through the build's snapshot too."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from atiyeh_reports import api
from atiyeh_reports.allocation import record as record_module
from atiyeh_reports.allocation import views as allocation_views
from atiyeh_reports.errors import ParamsError
from atiyeh_reports.evaluation import assumptions_log as assumptions_module
from atiyeh_reports.evaluation import triangulation as triangulation_module
from atiyeh_reports.evaluation import views as evaluation_views
from atiyeh_reports.insurer import reconciliation
from atiyeh_reports.publish import cards
from atiyeh_reports.year import data as data_module
from atiyeh_reports.year import read as year_read
from atiyeh_reports.year.load import write_snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def params_path(tmp_path: Path, sample_dir: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data, ignore=shutil.ignore_patterns("clean"))
    folder = tmp_path / "params"
    folder.mkdir()
    for year in (1402, 1403, 1404):
        raw = yaml.safe_load((ROOT / "params" / f"{year}.yaml").read_text(encoding="utf-8"))
        raw["data_dir"] = str(data)
        (folder / f"{year}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return folder / "1404.yaml"


def test_load_year_reads_the_snapshot_it_is_given_with_its_results(params_path: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    year = api.load_year(params_path)
    rec, table = year.reconciliation, year.allocation
    path = write_snapshot(year, tmp_path)

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("recomputed what the snapshot carries")

    monkeypatch.setattr(year_read, "read_year", never)
    monkeypatch.setattr(reconciliation, "reconcile", never)
    monkeypatch.setattr(data_module, "allocation_table", never)
    again = api.load_year(params_path, snapshot=path)
    pd.testing.assert_frame_equal(again.children, year.children)
    assert sorted(again.history) == sorted(year.history) and again.params == year.params
    pd.testing.assert_frame_equal(again.reconciliation.counts, rec.counts)
    pd.testing.assert_frame_equal(again.allocation, table)


def test_without_a_snapshot_the_year_is_computed_and_nothing_is_written_to_the_data_folder(
        params_path: Path, tmp_path: Path) -> None:
    year = api.load_year(params_path)
    path = write_snapshot(year, tmp_path)
    alone = api.load_year(params_path)
    pd.testing.assert_frame_equal(alone.allocation, api.load_year(params_path, snapshot=path).allocation)
    assert not list(year.params.data_dir.rglob("*.pickle"))


def test_each_result_is_computed_once_per_year(params_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    year = api.load_year(params_path)
    calls: list[str] = []
    real_alloc, real_rec = data_module.allocation_table, data_module.reconcile_year
    monkeypatch.setattr(data_module, "allocation_table", lambda *a: calls.append("allocation") or real_alloc(*a))
    monkeypatch.setattr(data_module, "reconcile_year", lambda y: calls.append("reconcile") or real_rec(y))
    real_match = reconciliation.reconcile
    monkeypatch.setattr(reconciliation, "reconcile", lambda *a, **k: calls.append("match") or real_match(*a, **k))
    for _ in range(3):
        year.allocation, year.reconciliation, year.evaluation, year.indicators  # noqa: B018
        cards.card(year, "IR-23")
    years = len(year.history) + 1
    # each year is matched with the insurer's export once, whatever asks for it (evaluation,
    # triangulation, indicators, cards): no second reconciliation anywhere
    assert sorted(calls) == sorted(["allocation", *["reconcile"] * years, *["match"] * years])


@pytest.mark.parametrize("bad", ["other year", "garbage"])
def test_a_snapshot_that_is_not_this_year_is_refused(params_path: Path, tmp_path: Path, bad: str) -> None:
    year = api.load_year(params_path)
    path = write_snapshot(year, tmp_path)
    if bad == "garbage":
        path.write_bytes(b"not a pickle")
        target = params_path
    else:
        target = params_path.with_name("1403.yaml")
    with pytest.raises(ParamsError, match="snapshot"):
        api.load_year(target, snapshot=path)


def test_the_hq_record_is_read_once_when_the_year_is_loaded(params_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = year_read.find_notified_record
    monkeypatch.setattr(year_read, "find_notified_record", lambda p: reads.append(p.year) or real(p))
    year = api.load_year(params_path)
    assert sorted(reads) == sorted([year.year, *year.history])
    assert year.notified is not None and year.notified.year == year.year - 1
    assert "notified_source" in year.performance.columns

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("HQ's record read again after the year was loaded")

    for module in (record_module, allocation_views, assumptions_module, evaluation_views, triangulation_module):
        monkeypatch.setattr(module, "find_notified_record", never)
    year.allocation, year.evaluation  # noqa: B018
