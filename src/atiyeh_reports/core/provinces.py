"""The 31 provinces: codes, names, population, their counties, and matching what people type.

The reference tables ship with the package (``data/provinces.csv``, a copy of
the project's shared reference; ``data/counties.csv``). Codes are ISO 3166-2:IR (2020 onwards).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from atiyeh_reports.core.text import normalize_key, normalize_text
from atiyeh_reports.errors import AtiyehError, UnknownProvinceError


@dataclass(frozen=True)
class Province:
    code: str
    name_fa: str
    name_en: str
    population: int
    capital_fa: str


@cache
def _rows() -> tuple[dict[str, str], ...]:
    path = resources.files("atiyeh_reports") / "data" / "provinces.csv"
    with path.open(encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


@cache
def provinces() -> tuple[Province, ...]:
    """The 31 provinces in code order."""
    return tuple(
        sorted(
            (
                Province(
                    code=r["code"],
                    name_fa=normalize_text(r["name_fa"]),
                    name_en=r["name_en"],
                    population=int(r["population_2016"]),
                    capital_fa=normalize_text(r["capital_fa"]),
                )
                for r in _rows()
            ),
            key=lambda p: p.code,
        )
    )


@cache
def by_code() -> dict[str, Province]:
    return {p.code: p for p in provinces()}


_PREFIXES = ("استان",)


@cache
def _index() -> dict[str, str]:
    """Comparison key → code, over official names, variants and English names."""
    index: dict[str, str] = {}
    for r in _rows():
        names = [r["name_fa"], r["name_en"], r["code"], *r["spelling_variants_fa"].split("|")]
        names += [n for n in r["name_en_variants"].split("|") if n]
        for name in names:
            key = _key(name)
            if not key:
                continue
            other = index.setdefault(key, r["code"])
            if other != r["code"]:  # pragma: no cover - guards the reference data
                raise RuntimeError(f"spelling {name!r} names both {other} and {r['code']}")
    return index


def _key(name: str) -> str:
    key = normalize_key(name)
    for prefix in _PREFIXES:
        prefix_key = normalize_key(prefix)
        if key.startswith(prefix_key) and len(key) > len(prefix_key):
            key = key[len(prefix_key):]
    return key


def find_province(name: object) -> str | None:
    """The code of the province ``name`` spells, or None when it names none."""
    return _index().get(_key(str(name))) if name is not None else None


def province_code(name: object, *, file: str | None = None, sheet: str | None = None,
                  row: int | None = None, column: str | None = None) -> str:
    """The code of the province ``name`` spells; raise naming the place when it names none."""
    code = find_province(name)
    if code is None:
        raise UnknownProvinceError(
            f"{name!r} is not one of the 31 provinces or a known spelling of one; "
            "write the province's official Persian name (e.g. تهران, آذربایجان شرقی)",
            file=file, sheet=sheet, row=row, column=column,
        )
    return code


def name_fa(code: str) -> str:
    """The official Persian name of a province code."""
    return by_code()[code].name_fa


@cache
def _county_table() -> dict[str, tuple[str, ...]]:
    path = resources.files("atiyeh_reports") / "data" / "counties.csv"
    table: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            table.setdefault(r["province_code"], []).append(r["county_name_fa"])
    return {code: tuple(names) for code, names in table.items()}


def counties(province_code: str) -> tuple[str, ...]:
    """The counties (شهرستان) of a province, its capital's county first.

    The Statistical Centre's 1398 divisions (``data/counties.csv``, source in
    ``data/counties.md``), in its spelling. Reference data for the drop-down
    and the sample; the intake keeps other counties with a warning.
    """
    if province_code not in by_code():
        raise AtiyehError(f"{province_code!r} is not a province code; use one of IR-00 … IR-30")
    return _county_table().get(province_code, ())
