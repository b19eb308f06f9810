"""The parameter loader: the one way in, strict, with errors naming file and key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from atiyeh_reports.core.params import load_params, params_digest
from atiyeh_reports.errors import ParamsError

ROOT = Path(__file__).resolve().parents[2]


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


# --- everything checked before any work (issue 8 §3, §5) ------------------------------------------
BUNDLED = (ROOT / "params" / "1404.yaml").read_text(encoding="utf-8")


def _text_file(tmp_path: Path, text: str | bytes, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _edited(old: str, new: str) -> str:
    assert old in BUNDLED, old  # the fixture edits a line the bundled file really has
    return BUNDLED.replace(old, new, 1)


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[nth - 1]


def test_a_key_given_twice_is_refused_naming_key_and_both_lines(tmp_path: Path) -> None:
    text = _edited("  reserve_share: 0.02", "  reserve_share: 0.02\n  released_share: 0.5")
    path = _text_file(tmp_path, text)
    first, second = _line_of(text, "released_share:"), _line_of(text, "released_share:", 2)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == (
        f"{path}: key 'budget.released_share' is given twice, on lines {first} and {second}; keep one"
    )
    assert info.value.exit_code == 2


def test_a_top_level_key_given_twice_and_the_same_key_in_two_sections_is_fine(tmp_path: Path) -> None:
    with pytest.raises(ParamsError, match=r"key 'year' is given twice, on lines 4 and \d+"):
        load_params(_text_file(tmp_path, BUNDLED + "\nyear: 1405\n"))
    # 'floor' in performance_weights and 'floor_last_year' etc.: same names in different mappings are not duplicates.
    assert load_params(_text_file(tmp_path, BUNDLED, "ok.yaml")).year == 1404


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("1404/13/01", "key 'insurer.list_date': month 13 of '1404/13/01' does not exist (1–12)"),
        ("1404/02/32", "key 'insurer.list_date': '1404/02/32': اردیبهشت 1404 has 31 days, not 32"),
        ("1404/12/30", "key 'insurer.list_date': '1404/12/30': اسفند 1404 has 29 days, not 30 (not a leap year)"),
        ("1404/00/10", "key 'insurer.list_date': month 0 of '1404/00/10' does not exist (1–12)"),
        ("yesterday", "key 'insurer.list_date': not a Jalali date: 'yesterday'"),
        ("2025/05/05", "key 'insurer.list_date': year 2025 of '2025/05/05' is not a plausible Jalali year"),
        ("1400/02/15", "key 'insurer.list_date': 1400/02/15 is not in 1403 or 1404; a date left over from another year"),
    ],
)
def test_list_date_must_be_a_real_jalali_date_of_the_year(tmp_path: Path, date: str, expected: str) -> None:
    path = _text_file(tmp_path, _edited("list_date: 1404/02/15", f"list_date: {date}"))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value).startswith(f"{path}: {expected}")
    assert info.value.exit_code == 2


def test_list_date_leap_day_of_a_leap_year_and_dashes_are_accepted(tmp_path: Path) -> None:
    from atiyeh_reports.core.jalali import is_leap

    assert is_leap(1403) and not is_leap(1404)
    leap = _edited("list_date: 1404/02/15", "list_date: 1403/12/30")  # 1403 is a leap year
    assert load_params(_text_file(tmp_path, leap)).insurer.list_date == "1403/12/30"
    # YAML reads 1404-02-15 as a Gregorian date; the numbers are kept as the Jalali date typed.
    dashed = _edited("list_date: 1404/02/15", "list_date: 1404-02-15")
    assert load_params(_text_file(tmp_path, dashed, "d.yaml")).insurer.list_date == "1404/02/15"


@pytest.mark.parametrize("key", ["province_floors", "province_caps"])
@pytest.mark.parametrize("code", ["IR-99", "تهران", "ir-23"])
def test_unknown_province_codes_in_floors_and_caps(tmp_path: Path, key: str, code: str) -> None:
    path = _text_file(tmp_path, _edited(f"{key}: {{}}", f"{key}: {{{code}: 1000000}}"))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value).startswith(
        f"{path}: key 'budget.{key}': unknown province code(s) [{code!r}]; use ISO 3166-2:IR codes"
    )


def test_known_codes_in_floors_and_caps_load(tmp_path: Path) -> None:
    text = _edited("province_floors: {}", "province_floors: {IR-23: 2000000000}")
    text = text.replace("province_caps: {}", "province_caps: {IR-10: 5000000000}")
    b = load_params(_text_file(tmp_path, text)).budget
    assert b.province_floors == {"IR-23": 2_000_000_000} and b.province_caps == {"IR-10": 5_000_000_000}


def test_floors_above_the_distributable_amount_are_refused_up_front(tmp_path: Path) -> None:
    path = _text_file(tmp_path, _edited("province_floors: {}", "province_floors: {IR-23: 900000000000000}"))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value).startswith(
        f"{path}: key 'budget.province_floors': the floors add up to 900,000,000,000,000 Rials"
    )
    assert "more than the distributable 29,748,096,000 Rials" in str(info.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("approved_credit: 35712000000", "approved_credit: 99999999999999999999999",
         "key 'budget.approved_credit': Input should be less than or equal to 1000000000000000"),
        ("per_capita_premium: 3600000", "per_capita_premium: 9300000000000000000",
         "key 'service.per_capita_premium': Input should be less than or equal to 100000000000"),
        ("expected_recipients: 9920", "expected_recipients: 10000000000",
         "key 'service.expected_recipients': Input should be less than or equal to 10000000"),
        ("rounding_unit: 1000000", "rounding_unit: 10000000000000000",
         "key 'budget.rounding_unit': Input should be less than or equal to 1000000000000000"),
        ("province_caps: {}", "province_caps: {IR-23: 100000000000000000000}",
         "key 'budget.province_caps': amounts must be between 0 and 1,000,000,000,000,000 Rials"),
    ],
)
def test_magnitudes_that_would_overflow_int64_are_refused(tmp_path: Path, old: str, new: str, expected: str) -> None:
    path = _text_file(tmp_path, _edited(old, new))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value).startswith(f"{path}: {expected}")


def test_the_largest_accepted_amounts_stay_inside_int64() -> None:
    from atiyeh_reports.core.params import INT64_MAX, MAX_CHILDREN, MAX_PREMIUM, MAX_RIALS

    assert MAX_CHILDREN * MAX_PREMIUM < INT64_MAX  # requirement = children × premium, projected too
    assert 31 * MAX_RIALS < INT64_MAX  # sums of floors, caps and allocations over the provinces


def test_a_projected_premium_beyond_the_bound_is_refused(tmp_path: Path) -> None:
    text = _edited("premium_growth: 0.25", "premium_growth: 5").replace("projection_years: 3", "projection_years: 10")
    path = _text_file(tmp_path, text)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value).startswith(
        f"{path}: key 'budget.premium_growth': 5 over 10 years takes the premium to {3_600_000 * 6**10:,} Rials, "
        "beyond 100,000,000,000: lower the growth or projection_years"
    )


def test_year_must_match_the_command(tmp_path: Path) -> None:
    path = ROOT / "params" / "1404.yaml"
    with pytest.raises(ParamsError) as info:
        load_params(path, expected_year=1405)
    assert str(info.value) == (
        f"{path}: key 'year' is 1404, but the command asked for --year 1405; "
        "pass --params params/1405.yaml or --year 1404"
    )
    assert load_params(path, expected_year=1404).year == 1404


def test_a_file_that_is_not_utf8_names_its_line(tmp_path: Path) -> None:
    """Saved as 'ANSI' (Windows-1256) by a Persian Windows editor: the first Persian line is named."""
    path = _text_file(tmp_path, BUNDLED.encode("cp1256", errors="replace"))
    first_persian = next(i for i, line in enumerate(BUNDLED.splitlines(), 1) if not line.isascii())
    byte = next(b for b in BUNDLED.splitlines()[first_persian - 1].encode("cp1256", errors="replace") if b > 127)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == (
        f"{path}: line {first_persian}: not UTF-8 text (byte {byte:#04x}); save the file as UTF-8"
    )
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "is a folder, not a parameter file; pass the .yaml file inside it"),
        (lambda p: p.write_text("", encoding="utf-8"), "the parameter file is empty; copy params/1404.yaml and edit it"),
        (lambda p: p.write_text("# only comments\n\n   \n", encoding="utf-8"),
         "the parameter file is empty; copy params/1404.yaml and edit it"),
        (lambda p: None, "parameter file not found; copy params/1404.yaml and edit it"),
        (lambda p: p.write_text("- 1404\n- 1405\n", encoding="utf-8"),
         "expected a mapping of keys at the top level (key: value lines)"),
        (lambda p: p.write_bytes(b"a: 1\n" * 300_000), "is larger than 1,048,576 bytes: not a parameter file"),
    ],
)
def test_a_parameter_file_that_is_not_one(tmp_path: Path, make, expected: str) -> None:  # noqa: ANN001
    path = tmp_path / "1404.yaml"
    make(path)
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path}: {expected}"
    assert info.value.exit_code == 2


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    import os

    path = tmp_path / "1404.yaml"
    os.mkfifo(path)
    with pytest.raises(ParamsError) as info:
        load_params(path)  # opening a FIFO for reading would block forever
    assert str(info.value) == f"{path}: is not a regular file (a pipe or device?); pass a .yaml file"


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    assert load_params(_text_file(tmp_path, "\ufeff" + BUNDLED)).year == 1404
