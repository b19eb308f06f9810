"""The parameter loader: the one way in, strict, with errors naming file and key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from atiyeh_reports.errors import ParamsError
from atiyeh_reports.params import load_params, params_digest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("year", [1402, 1403, 1404])
def test_bundled_parameter_files_load(year: int) -> None:
    params = load_params(ROOT / "params" / f"{year}.yaml")
    assert params.year == year
    assert params.service.id == "19041060106"
    assert params.data_dir == (ROOT / "data" / "sample").resolve()


def test_shares_are_exact_and_credit_is_whole_rials() -> None:
    params = load_params(ROOT / "params" / "1404.yaml")
    b = params.budget
    assert b.released_share == Decimal("0.85")
    assert b.released_credit == 35_712_000_000 * 85 // 100
    assert b.reserve == 607_104_000  # 2% of 30,355,200,000, exact
    assert b.distributable == b.released_credit - b.reserve


def test_reserve_rounds_up_so_distributable_never_exceeds_released(tmp_path: Path) -> None:
    params = _write(tmp_path, {"budget.approved_credit": 1_000_001, "budget.released_share": 1,
                               "budget.reserve_share": "0.333"})
    assert params.budget.reserve == 333_001  # 333,000.333 rounded up
    assert params.budget.distributable + params.budget.reserve == params.budget.released_credit


def _write(tmp_path: Path, overrides: dict) -> object:
    raw = yaml.safe_load((ROOT / "params" / "1404.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_params(path, overrides)


def test_overrides_use_dotted_keys(tmp_path: Path) -> None:
    params = _write(tmp_path, {"budget.released_share": "0.6", "privacy.small_cell_threshold": 10})
    assert params.budget.released_share == Decimal("0.6")
    assert params.privacy.small_cell_threshold == 10


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"budget.released_shar": 0.5}, "key 'budget.released_shar' is not a known parameter"),
        ({"budget.released_share": "lots"}, "key 'budget.released_share'"),
        ({"budget.released_share": 1.5}, "key 'budget.released_share'"),
        ({"service.per_capita_premium": -1}, "key 'service.per_capita_premium'"),
        ({"budget.method": "equal"}, "key 'budget.method'"),
        ({"eligibility.guardianship": ["یتیم"]}, "unknown guardianship"),
        ({"budget.performance_weights.absorption": 0.9}, "must add up to 1"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path: Path, change: dict, expected: str) -> None:
    with pytest.raises(ParamsError) as info:
        _write(tmp_path, change)
    assert expected in str(info.value)
    assert "p.yaml" in str(info.value)


def test_missing_key_is_named(tmp_path: Path) -> None:
    raw = yaml.safe_load((ROOT / "params" / "1404.yaml").read_text(encoding="utf-8"))
    del raw["budget"]["approved_credit"]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"p\.yaml: key 'budget\.approved_credit' is missing"):
        load_params(path)


def test_missing_file_and_broken_yaml(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match="parameter file not found"):
        load_params(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("year: 1404\nbudget: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"broken\.yaml: not valid YAML"):
        load_params(broken)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("1404\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="mapping"):
        load_params(scalar)


def test_params_are_frozen_and_digest_is_stable() -> None:
    a = load_params(ROOT / "params" / "1404.yaml")
    b = load_params(ROOT / "params" / "1404.yaml")
    assert params_digest(a) == params_digest(b)
    with pytest.raises(Exception):
        a.year = 1405  # type: ignore[misc]
    c = load_params(ROOT / "params" / "1404.yaml", {"budget.released_share": "0.9"})
    assert params_digest(c) != params_digest(a)


def test_data_dir_is_relative_to_the_file(tmp_path: Path) -> None:
    params = _write(tmp_path, {"data_dir": "somewhere/else"})
    assert params.data_dir == (tmp_path / "somewhere" / "else").resolve()
