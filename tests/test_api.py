"""load_year: the build's snapshot is read when it was made from the same inputs, and only then."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from atiyeh_reports import api, insurer

ROOT = Path(__file__).resolve().parents[1]


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


def test_load_year_reads_the_snapshot_with_its_reconciliation(params_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    year = api.load_year(params_path)
    rec = insurer.reconcile_year(year)
    api.write_snapshot(year)
    monkeypatch.setattr(insurer, "_RECONCILED", {})

    def no_ingest(*args: object, **kwargs: object) -> None:
        raise AssertionError("load_year recomputed a year it had a snapshot of")

    monkeypatch.setattr(api, "prepare_year", no_ingest)
    again = api.load_year(params_path)
    pd.testing.assert_frame_equal(again.children, year.children)
    assert sorted(again.history) == sorted(year.history) and again.params == year.params
    monkeypatch.setattr(insurer, "_reconcile", no_ingest)
    pd.testing.assert_frame_equal(insurer.reconcile_year(again).counts, rec.counts)


@pytest.mark.parametrize("change", ["input", "override", "history params"])
def test_a_snapshot_of_other_inputs_is_not_read(params_path: Path, change: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    year = api.load_year(params_path)
    api.write_snapshot(year)
    overrides = None
    if change == "input":
        form = sorted((year.params.data_dir / "1403" / "provinces").glob("*.xlsx"))[0]
        form.write_bytes(form.read_bytes() + b"\0")
    elif change == "override":
        overrides = {"budget.released_share": 0.5}
    else:
        sibling = params_path.with_name("1403.yaml")
        sibling.write_text(sibling.read_text(encoding="utf-8").replace("1403", "1403", 1) + "\n# edited\n",
                           encoding="utf-8")
        raw = yaml.safe_load(sibling.read_text(encoding="utf-8"))
        raw["service"]["per_capita_premium"] += 1
        sibling.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    called = []
    real = api.prepare_year
    monkeypatch.setattr(api, "prepare_year", lambda *a, **k: called.append(1) or real(*a, **k))
    api.load_year(params_path, overrides=overrides)
    assert called
