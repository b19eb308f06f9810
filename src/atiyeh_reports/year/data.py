"""The year, loaded once and handed on.

A :class:`YearData` carries the year's validated parameters, its clean tables, HQ's record of last
year's allocation (already applied to ``performance``: ``credit_notified`` is HQ's figure where the
record has one), and the history years. What is computed from them is computed on first use and
travels with the object, also through the build's snapshot:

* :attr:`YearData.reconciliation`: the list against the insurer's export;
* :attr:`YearData.allocation`: the credit allocation table;
* :attr:`YearData.indicators`: the province indicators of every year loaded;
* :attr:`YearData.evaluation`: indicators, cross-checks and findings.

Make a changed copy with :func:`dataclasses.replace` (which drops these results), never with
``YearData(**y.__dict__)`` (which would carry them in as keyword arguments).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from atiyeh_reports.allocation.allocate import allocation_table
from atiyeh_reports.allocation.record import NotifiedRecord
from atiyeh_reports.core.layout import shown_path as where
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.core.vocab import POLICY_ACTIVE
from atiyeh_reports.errors import ParamsError
from atiyeh_reports.evaluation.bundle import Evaluation, evaluate
from atiyeh_reports.evaluation.indicators import indicators_by_year
from atiyeh_reports.insurer.reconciliation import Reconciliation, reconcile_year
from atiyeh_reports.lab import explore
from atiyeh_reports.present.summary import cap, column_sum, fa_value, html_table, n, shape
from atiyeh_reports.year.read import read_history

TABLE_FA = {
    "children": "فرزندان", "performance": "عملکرد سال قبل", "findings": "یافته‌های کیفیت داده",
    "summary": "خلاصهٔ ورود داده", "policies": "بیمه‌نامه‌ها", "insurer_findings": "یافته‌های خروجی بیمه‌گر",
    "indicators": "شاخص‌ها",
}


@dataclass(frozen=True)
class YearData:
    """A year's parameters and clean tables (see docs/data-contracts.md).

    Its ``repr`` is a short summary, never a name or a national ID:

    >>> from atiyeh_reports.api import load_year
    >>> text = repr(load_year(1404))
    >>> text.splitlines()[0].startswith("YearData 1404")
    True
    >>> len(text) < 2000
    True
    """

    params: Params
    children: pd.DataFrame
    performance: pd.DataFrame
    findings: pd.DataFrame
    summary: pd.DataFrame
    policies: pd.DataFrame
    insurer_findings: pd.DataFrame
    unreadable: tuple[str, ...] = ()
    history: dict[int, YearData] = field(default_factory=dict)
    #: HQ's record of the year before (read once, when the year was loaded); ``None`` if not looked for.
    notified: NotifiedRecord | None = None

    @property
    def year(self) -> int:
        return self.params.year

    @property
    def children_by_year(self) -> dict[int, pd.DataFrame]:
        """Children of every year loaded, oldest first, this year last."""
        years = {y: d.children for y, d in sorted(self.history.items())}
        years[self.year] = self.children
        return years

    @property
    def performance_by_year(self) -> dict[int, pd.DataFrame]:
        years = {y: d.performance for y, d in sorted(self.history.items())}
        years[self.year] = self.performance
        return years

    # --- computed once, on first use -----------------------------------------------------------
    @cached_property
    def reconciliation(self) -> Reconciliation:
        """The list against the insurer's export, with the history years' children."""
        return reconcile_year(self)

    @cached_property
    def allocation(self) -> pd.DataFrame:
        """The credit allocation table (:func:`atiyeh_reports.allocation.allocate.allocation_table`)."""
        return allocation_table(self.params, self.children, self.performance)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """Province indicators of every year loaded, each year with its own reconciliation."""
        return indicators_by_year(self)

    @cached_property
    def evaluation(self) -> Evaluation:
        """Indicators, cross-checks, findings and follow-ups (:func:`atiyeh_reports.evaluation.bundle.evaluate`)."""
        return evaluate(self)

    # --- for analysts (lab/explore.py) -----------------------------------------------------------
    def view(self, table: str) -> pd.DataFrame:
        """A table as an analyst sees it: province names, Jalali dates, no names or IDs
        (:func:`atiyeh_reports.lab.explore.view`); ``table`` is one of ``explore.TABLES``."""
        if table not in explore.TABLES:
            raise KeyError(f"no table {table!r}; the tables are {', '.join(explore.TABLES)}")
        return explore.view(getattr(self, table))

    def province(self, name: str) -> explore.ProvinceData:
        """That province's tables and indicators (:func:`atiyeh_reports.lab.explore.province`)."""
        return explore.province(self, name)

    def compare(self, other: int | YearData) -> pd.DataFrame:
        """Main indicators per province in two years (:func:`atiyeh_reports.lab.explore.compare`)."""
        return explore.compare(self, self._loaded(other))

    def _loaded(self, other: int | YearData) -> YearData:
        """``other`` as a loaded year: this one, a history year, or read from the same data folder."""
        if not isinstance(other, int):
            return other
        if other == self.year:
            return self
        if other in self.history:
            return self.history[other]
        fields = read_history(self.params, other)
        if fields is None:
            have = sorted([*self.history, self.year])
            raise ParamsError(f"no data for {other} in {self.params.data_dir} (loaded years: "
                              f"{', '.join(map(str, have))}); compare with one of them")
        return YearData(**fields)

    def __repr__(self) -> str:
        return year_repr(self)

    def _repr_html_(self) -> str:
        return year_html(self)


def _active(policies: pd.DataFrame) -> int:
    return int((policies["status"] == POLICY_ACTIVE).sum()) if "status" in policies else 0


def _totals(y: Any) -> list[tuple[str, str, str]]:
    """(English label, Persian label, value) of a year's main totals."""
    children = y.children
    provinces = children["province_code"].nunique() if "province_code" in children else 0
    rejected = column_sum(y.summary, "rejected")
    return [
        ("eligible children", "فرزندان واجد شرایط", n(len(children))),
        ("provinces with children", "استان‌های دارای فرزند", n(provinces)),
        ("forms read (performance rows)", "فرم‌های خوانده‌شده", n(len(y.performance))),
        ("rows rejected at intake", "ردیف‌های ردشده", n(rejected)),
        ("policies in the insurer's export", "بیمه‌نامه‌های خروجی بیمه‌گر", n(len(y.policies))),
        ("active policies", "بیمه‌نامه‌های فعال", n(_active(y.policies))),
        (f"credit notified {y.year - 1} (Rials)", f"اعتبار ابلاغی {to_persian_digits(y.year - 1)} (ریال)",
         n(column_sum(y.performance, "credit_notified"))),
        (f"credit spent {y.year - 1} (Rials)", f"اعتبار هزینه‌شده {to_persian_digits(y.year - 1)} (ریال)",
         n(column_sum(y.performance, "credit_spent"))),
        ("approved credit (Rials)", "اعتبار مصوب (ریال)", n(y.params.budget.approved_credit)),
    ]



def year_repr(y: Any) -> str:
    """The year object in a few lines: source, tables with their shapes, main totals."""
    history = ", ".join(str(k) for k in sorted(y.history)) or "none"
    lines = [
        f"YearData {y.year}: parameters {where(y.params.source)}, data {where(y.params.data_dir)}, "
        f"history years {history}",
        "tables (clean, internal: y.view(name) shows them with province names, Jalali dates, no IDs):",
    ]
    lines += [f"  {name:<17}{shape(frame)}" for name, frame in explore.tables_of(y).items()]
    lines.append("totals:")
    lines += [f"  {label:<34}{value}" for label, _, value in _totals(y)]
    if y.unreadable:
        lines.append(f"unreadable forms: {len(y.unreadable)} (see y.unreadable)")
    return cap("\n".join(lines))


def year_html(y: Any) -> str:
    """The year object as JupyterLab shows it: two small right-to-left tables in Persian."""
    history = "، ".join(to_persian_digits(k) for k in sorted(y.history)) or "ندارد"
    head = (f"<p>داده‌های سال {to_persian_digits(y.year)} — پارامترها: "
            f"<code>{html.escape(where(y.params.source))}</code>، داده‌ها: "
            f"<code>{html.escape(where(y.params.data_dir))}</code>، سال‌های پیشین: {history}</p>")
    tables = html_table(
        [(f"{TABLE_FA[n]} ({n})", fa_value(f"{len(f):,}"), fa_value(str(f.shape[1])))
         for n, f in explore.tables_of(y).items()],
        ["جدول", "سطر", "ستون"], "جدول‌ها (بدون نام و کد ملی: y.view(name))")
    totals = html_table([(fa, fa_value(v)) for _, fa, v in _totals(y)], ["شاخص", "مقدار"], "جمع‌ها")
    return f'<div dir="rtl">{head}{tables}{totals}</div>'
