"""The analyst's questions in one line: a year from anywhere, a province, a comparison, an export.

:func:`atiyeh_reports.api.load_year` finds the project from any working directory
(:func:`project_root`) and the methods of the year it returns delegate here:

>>> from atiyeh_reports.api import load_year
>>> y = load_year(1404)
>>> tehran = y.province("تهران")           # any spelling the intake accepts, or a code
>>> tehran.code, tehran.name
('IR-23', 'تهران')
>>> change = y.compare(1403)               # one row per province, and the whole country
>>> change.iloc[-1]["province"]
'کل کشور'

The tables an analyst sees (:func:`view`) carry the province's name beside its code and each
date as Jalali text beside it, and leave out names and national IDs; the clean tables
(``y.children`` ...) keep the stored contract (docs/data-contracts.md) and are internal.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from atiyeh_reports.core import layout
from atiyeh_reports.core.jalali import to_jalali_str
from atiyeh_reports.core.national_id import mask_ids as _mask_ids
from atiyeh_reports.core.provinces import by_code, name_fa, province_code
from atiyeh_reports.core.text import normalize_key, to_persian_digits
from atiyeh_reports.core.vocab import POLICY_ACTIVE
from atiyeh_reports.errors import ParamsError
from atiyeh_reports.evaluation import indicators as ind
from atiyeh_reports.evaluation.indicators import indicators_by_year
from atiyeh_reports.present.summary import cap, fa_value, html_table, n, pct, shape

__all__ = [
    "MAIN_INDICATORS", "PERSONAL_COLUMNS", "ROOT_ENV", "TABLES", "ProvinceData", "compare",
    "mask_ids", "params_file", "project_root", "province", "view",
]

#: Set this to the project folder when the working directory is outside it and the package is
#: not installed from it (``pip install -e``).
ROOT_ENV = "ATIYEH_ROOT"
PROJECT_NAME = "atiyeh-reports"
#: The year object's tables, in the order they are shown.
TABLES = ("children", "performance", "findings", "summary", "policies", "insurer_findings")
#: Columns that identify a child: left out of every view (the judicial order number too).
PERSONAL_COLUMNS = ("national_id", "first_name", "last_name", "court_order")
#: The indicators :func:`compare` puts side by side (see :mod:`atiyeh_reports.evaluation.indicators`).
MAIN_INDICATORS = ("eligible", "insured", "coverage", "policies", "issued_late", "credit_notified",
                   "credit_spent", "absorption", "rejected_share")
_PROVINCE_COLUMNS = {"province_code": "province", "child_province": "child_province_name",
                     "policy_province": "policy_province_name"}
MASK = "[کد ملی]"
PERSONAL_MASK = "[حذف شد]"


# --- where the project is ---------------------------------------------------------------------
def _is_project(folder: Path) -> bool:
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    try:
        return tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {}).get(
            "name") == PROJECT_NAME
    except (OSError, tomllib.TOMLDecodeError):
        return False


def project_root(start: str | Path | None = None) -> Path:
    """The project folder: ``$ATIYEH_ROOT``, else the first folder up from ``start`` (default:
    the working directory) whose pyproject.toml names ``atiyeh-reports``, else the folder this
    package was installed from in development mode.

    >>> (project_root("/") / "params").is_dir()
    True
    """
    env = os.environ.get(ROOT_ENV)
    if env:
        if not _is_project(Path(env)):
            raise ParamsError(f"${ROOT_ENV}={env} is not the atiyeh_reports project "
                              "(no pyproject.toml naming atiyeh-reports there)")
        return Path(env).resolve()
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents, *Path(__file__).resolve().parents):
        if _is_project(folder):
            return folder
    raise ParamsError(
        f"cannot find the atiyeh_reports project from {here}: pass root=... (the folder with "
        f"pyproject.toml and params/), set ${ROOT_ENV}, or give the parameter file's path"
    )


def params_file(year_or_path: int | str | Path, root: str | Path | None = None) -> Path:
    """The parameter file of a year (``params/<year>.yaml`` in the project), or the path given.

    A year without a file raises :class:`ParamsError` naming the files there are.
    """
    if not (isinstance(year_or_path, int) or str(year_or_path).strip().isdigit()):
        return Path(year_or_path)
    year = int(year_or_path)
    folder = Path(root).resolve() / "params" if root is not None else project_root() / "params"
    path = folder / f"{year}.yaml"
    if path.is_file():
        return path
    there = sorted(p.name for p in folder.glob("*.yaml")) if folder.is_dir() else []
    listed = ", ".join(there) if there else "none"
    raise ParamsError(
        f"no parameter file for {year}: {path} does not exist (parameter files in {folder}: "
        f"{listed}); copy the latest one to {year}.yaml and set its year, or pass a path"
    )


# --- what an analyst sees -----------------------------------------------------------------------
def mask_ids(text: object) -> object:
    """``text`` with every valid national ID in it replaced by «[کد ملی]»
    (:func:`atiyeh_reports.core.national_id.mask_ids`); other values as given."""
    return _mask_ids(text, MASK)


def _personal_header_keys() -> tuple[str, ...]:

    fields = {f for f in PERSONAL_COLUMNS}
    names = [h for h, f in layout.CHILDREN_COLUMNS.items() if f in fields]
    names += [*fields, *(f.replace("_", " ") for f in fields), "national code", "court order no"]
    return tuple(sorted({normalize_key(n) for n in names if normalize_key(n)}, key=len, reverse=True))


def _names_personal(header: object) -> bool:
    """Whether a finding's column header (as typed) is a name, ID or judicial order column."""
    if not isinstance(header, str):
        return False
    key = normalize_key(header)
    return any(key == k or (len(k) >= 5 and key.startswith(k)) for k in _personal_header_keys())


def _hide_personal_values(table: pd.DataFrame) -> pd.DataFrame:
    """In a findings table, the typed and corrected values of name, ID and order cells hidden
    (a finding about a header keeps the header text)."""
    if not {"column", "value"} <= set(table.columns) or not len(table):
        return table
    personal = table["column"].map(_names_personal) & (table["value"] != table["column"])
    out = table.copy()
    for col in ("value", "corrected_to"):
        if col in out:
            out[col] = out[col].where(~personal | out[col].isna(), PERSONAL_MASK)
    return out


def _jalali(value: object) -> str | None:
    if isinstance(value, pd.Timestamp):
        value = value.date()
    return to_jalali_str(value) if isinstance(value, dt.date) else None


def _is_date_column(column: pd.Series) -> bool:
    if pd.api.types.is_datetime64_any_dtype(column):
        return True
    values = column.dropna()
    return bool(len(values)) and all(isinstance(v, dt.date) for v in values.head(50))


def view(table: pd.DataFrame) -> pd.DataFrame:
    """A table as an analyst sees it: a new frame, the stored one is left as it is.

    - beside each province code column, the province's Persian name (``province`` beside
      ``province_code``);
    - beside each date column, the date in the Jalali calendar as text (``birth_date_jalali``:
      ``1390/05/12``);
    - no names, national IDs or judicial order numbers: those columns are left out, a
      finding's typed or corrected value in such a column shows as «[حذف شد]», and an ID in
      any other text cell as «[کد ملی]».

    >>> import datetime as dt, pandas as pd
    >>> t = pd.DataFrame({"province_code": ["IR-23"], "national_id": ["0012345679"],
    ...                   "issue_date": [dt.date(2025, 3, 21)]})
    >>> view(t).columns.tolist()
    ['province_code', 'province', 'issue_date', 'issue_date_jalali']
    >>> view(t).iloc[0].tolist()[1::2]
    ['تهران', '1404/01/01']
    """
    out: dict[str, pd.Series] = {}
    names = by_code()
    table = _hide_personal_values(table)
    for col in table.columns:
        series = table[col]
        if col in PERSONAL_COLUMNS:
            continue
        if col in _PROVINCE_COLUMNS:
            out[col] = series
            if _PROVINCE_COLUMNS[col] not in table.columns:
                out[_PROVINCE_COLUMNS[col]] = series.map(
                    lambda c: names[c].name_fa if isinstance(c, str) and c in names else None)
            continue
        if _is_date_column(series):
            out[col] = series
            out[f"{col}_jalali"] = series.map(_jalali)
            continue
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[col] = series.map(mask_ids)
            continue
        out[col] = series
    return pd.DataFrame(out, index=table.index)


# --- a province -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProvinceData:
    """One province's share of a year: its tables as views (no names, no IDs) and indicators."""

    year: int
    code: str
    name: str
    children: pd.DataFrame
    performance: pd.DataFrame
    findings: pd.DataFrame
    summary: pd.DataFrame
    policies: pd.DataFrame
    indicators: pd.DataFrame  # one row per year loaded (history years first)

    def __repr__(self) -> str:
        return province_repr(self)

    def _repr_html_(self) -> str:
        return province_html(self)


def province(y: Any, name: str) -> ProvinceData:
    """That province's tables and indicators in year ``y``.

    ``name`` is any spelling the intake accepts (Arabic ي/ك, ZWNJ or space, a leading «استان»,
    the English name) or the code (``IR-23``); an unknown name raises
    :class:`~atiyeh_reports.errors.UnknownProvinceError`.

    >>> from atiyeh_reports.api import load_year
    >>> y = load_year(1404)
    >>> p = y.province("استان  تهران")
    >>> len(p.children) == int((y.children["province_code"] == "IR-23").sum())
    True
    >>> p.indicators["year"].tolist()
    [1402, 1403, 1404]
    """

    code = province_code(name, column="province")
    pick = {t: getattr(y, t) for t in ("children", "performance", "findings", "summary", "policies")}
    tables = {t: view(f[f["province_code"] == code].reset_index(drop=True)) for t, f in pick.items()}
    table = y.indicators if hasattr(y, "indicators") else indicators_by_year(y)  # the year's, computed once
    return ProvinceData(year=y.year, code=code, name=name_fa(code),
                        indicators=table[table["province_code"] == code].reset_index(drop=True),
                        **tables)


# --- two years side by side -----------------------------------------------------------------------
def compare(y: Any, other: Any, indicators: tuple[str, ...] = MAIN_INDICATORS
            ) -> pd.DataFrame:
    """The main indicators of each province in ``other`` and in ``y``'s year, with the change.

    Columns: ``province_code``, ``province``, then for each indicator ``<name>_<earlier year>``,
    ``<name>_<later year>`` and ``<name>_change`` (later − earlier; for shares such as coverage
    the change is in points, as a share: -0.05 is five points down). The last row is the whole
    country (code None), its shares recomputed from the sums. A province missing in one year
    has empty values there. ``other`` is a year (loaded with ``y``, or read from the same data
    folder) or another loaded year.

    >>> from atiyeh_reports.api import load_year
    >>> t = load_year(1404).compare(1403)
    >>> t.columns[:5].tolist()
    ['province_code', 'province', 'eligible_1403', 'eligible_1404', 'eligible_change']
    >>> bool((t["eligible_change"] == t["eligible_1404"] - t["eligible_1403"]).all())
    True
    """

    a, b = sorted([other, y], key=lambda d: d.year)
    if a.year == b.year:
        raise ParamsError(f"compare {y.year} with another year, not with itself")
    frames = []
    for d in (a, b):
        table = ind.province_indicators(d.children, d.policies, d.performance, d.summary, d.params)
        nat = ind.national_indicators(table).assign(province_code=None, province="کل کشور")
        frames.append(pd.concat([table, nat], ignore_index=True).set_index(
            pd.concat([table["province_code"], pd.Series(["-"])], ignore_index=True)))
    first, second = frames
    keys = [k for k in dict.fromkeys([*first.index, *second.index]) if k != "-"] + ["-"]
    out = pd.DataFrame(index=pd.Index(keys))
    out["province_code"] = [None if k == "-" else k for k in keys]
    out["province"] = ["کل کشور" if k == "-" else name_fa(k) for k in keys]
    for k in indicators:
        before, after = first[k].reindex(keys), second[k].reindex(keys)
        numeric = "Int64" if pd.api.types.is_integer_dtype(first[k]) and pd.api.types.is_integer_dtype(
            second[k]) else float
        out[f"{k}_{a.year}"] = before.astype(numeric)
        out[f"{k}_{b.year}"] = after.astype(numeric)
        out[f"{k}_change"] = after.astype(numeric) - before.astype(numeric)
    national = out.index == "-"
    body = out[~national].sort_values("province_code", kind="stable")
    return pd.concat([body, out[national]]).reset_index(drop=True)


def tables_of(y: Any) -> Mapping[str, pd.DataFrame]:
    """The year object's tables by name, in :data:`TABLES` order."""
    return {t: getattr(y, t) for t in TABLES}


# --- a province ---------------------------------------------------------------------------------
def _province_lines(p: Any) -> list[tuple[str, str, str]]:
    current = p.indicators[p.indicators["year"] == p.year]
    row = current.iloc[0] if len(current) else pd.Series(dtype=object)
    return [
        ("eligible children", "فرزندان واجد شرایط", n(len(p.children))),
        ("active policies", "بیمه‌نامه‌های فعال", n(_active_policies(p.policies))),
        ("coverage", "پوشش بیمه", pct(row.get("coverage"))),
        (f"credit notified {p.year - 1} (Rials)", "اعتبار ابلاغی سال قبل (ریال)",
         n(row.get("credit_notified"))),
        (f"credit spent {p.year - 1} (Rials)", "اعتبار هزینه‌شدهٔ سال قبل (ریال)",
         n(row.get("credit_spent"))),
        ("absorption", "جذب اعتبار", pct(row.get("absorption"))),
        ("rows rejected at intake", "ردیف‌های ردشده", n(row.get("rejected"))),
    ]


def province_repr(p: Any) -> str:
    tables = ("children", "performance", "findings", "summary", "policies", "indicators")
    lines = [f"ProvinceData {p.code} ({p.name}) {p.year}"]
    lines += [f"  {t:<13}{shape(getattr(p, t))}" for t in tables]
    lines += [f"  {label:<34}{value}" for label, _, value in _province_lines(p)]
    return cap("\n".join(lines))


def province_html(p: Any) -> str:
    rows = [(fa, fa_value(v)) for _, fa, v in _province_lines(p)]
    return html_table(rows, ["شاخص", "مقدار"],
                       f"استان {p.name} ({p.code}) — سال {to_persian_digits(p.year)}")


def _active_policies(policies: pd.DataFrame) -> int:
    return int((policies["status"] == POLICY_ACTIVE).sum()) if "status" in policies else 0
