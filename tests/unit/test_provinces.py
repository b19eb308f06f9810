"""Provinces: every known spelling finds its code; unknown names raise naming the value."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from atiyeh_reports.core.provinces import by_code, find_province, name_fa, province_code, provinces
from atiyeh_reports.errors import InputError, UnknownProvinceError


def _reference() -> list[dict[str, str]]:
    path = resources.files("atiyeh_reports") / "data" / "provinces.csv"
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


SPELLINGS = [
    (row["code"], name)
    for row in _reference()
    for name in [
        row["name_fa"], row["name_en"], row["code"],
        *row["spelling_variants_fa"].split("|"), *row["name_en_variants"].split("|"),
    ]
    if name
]


def test_thirty_one_provinces_with_unique_codes() -> None:
    codes = [p.code for p in provinces()]
    assert len(codes) == 31 == len(set(codes))
    assert codes == sorted(codes)
    assert all(p.population > 0 for p in provinces())


@pytest.mark.parametrize(("code", "spelling"), SPELLINGS)
def test_every_spelling_in_the_reference_finds_its_code(code: str, spelling: str) -> None:
    assert find_province(spelling) == code


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("استان تهران", "IR-23"),
        ("  تهران ", "IR-23"),
        ("استان: تهران".replace(":", ""), "IR-23"),
        ("آذربايجان\u200cغربي", "IR-04"),
        ("كرمانشاه", "IR-05"),
        ("سیستان‌وبلوچستان", "IR-11"),
        ("tehran", "IR-23"),
    ],
)
def test_typed_variants_find_their_code(typed: str, code: str) -> None:
    assert find_province(typed) == code


def test_official_name_round_trips_through_the_code() -> None:
    for p in provinces():
        assert find_province(name_fa(p.code)) == p.code
        assert by_code()[p.code] is p


@pytest.mark.parametrize("unknown", ["آتلانتیس", "استان", "", "تهرانن", None])
def test_unknown_names_are_none(unknown: object) -> None:
    assert find_province(unknown) is None


def test_unknown_name_raises_naming_the_value_and_the_place() -> None:
    with pytest.raises(UnknownProvinceError) as info:
        province_code("آتلانتیس", file="IR-99.xlsx", sheet="فرزندان", row=2, column="B")
    message = str(info.value)
    assert "آتلانتیس" in message and "IR-99.xlsx" in message and "row 2" in message
    assert isinstance(info.value, InputError)
    assert info.value.file == "IR-99.xlsx"
