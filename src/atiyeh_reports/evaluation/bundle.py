"""Evaluation: the evaluation of a year, computed once (:func:`evaluate`) for the notebook to show.

Its repr sits beside the type: counts only, since the reconciliation's tables carry IDs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atiyeh_reports.allocation.record import NotifiedRecord, notified_check
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.evaluation import indicators as ind
from atiyeh_reports.evaluation.headline import headline_fa, headline_numbers
from atiyeh_reports.evaluation.rules import Finding, findings_markdown, follow_up_list, key_findings
from atiyeh_reports.evaluation.triangulation import triangulation_table
from atiyeh_reports.insurer.reconciliation import Reconciliation, reconcile_year
from atiyeh_reports.insurer.views import reconciliation_html, reconciliation_repr
from atiyeh_reports.present.summary import cap, fa_value, html_table

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """The evaluation of a year, computed once for the notebook to show piece by piece."""

    params: Params
    table: pd.DataFrame  # province indicators, every year loaded
    rec: Reconciliation
    card: pd.DataFrame
    yoy: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    follow_up: pd.DataFrame = field(default_factory=pd.DataFrame)
    triangulation: pd.DataFrame = field(default_factory=pd.DataFrame)
    notified: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: HQ's record of the year before, as read when the year was loaded
    record: NotifiedRecord | None = None

    @property
    def current(self) -> pd.DataFrame:
        return self.table[self.table["year"] == self.params.year]

    def headline(self) -> pd.DataFrame:
        return headline_fa(headline_numbers(self.current, self.rec, self.params))

    def top_findings(self) -> str:
        return findings_markdown(self.findings, 3)

    def __repr__(self) -> str:  # counts only: rec's tables carry IDs (evaluation_repr below)
        return evaluation_repr(self)

    def _repr_html_(self) -> str:
        return evaluation_html(self)


def evaluate(y: Any) -> Evaluation:
    """Reconcile, compute indicators, scorecard, findings and follow-ups for a :class:`YearData`."""
    params = y.params
    rec = y.reconciliation if hasattr(y, "reconciliation") else reconcile_year(y)
    table = y.indicators if hasattr(y, "indicators") else ind.indicators_by_year(y)
    card = ind.scorecard(table, params, params.year)
    yoy = ind.yoy_table(table, params.year)
    record = getattr(y, "notified", None)
    tri = triangulation_table(y, getattr(y, "allocation", None))
    findings = key_findings(table[table["year"] == params.year], rec, params, yoy, tri)
    return Evaluation(params=params, table=table, rec=rec, card=card, yoy=yoy, findings=findings,
                      follow_up=follow_up_list(card, rec), triangulation=tri,
                      notified=notified_check(params, y.performance, record), record=record)


# --- what an evaluation shows on screen: counts of findings, follow-ups and lights ----------------
def _severities(findings: Iterable[Any]) -> dict[str, int]:
    out = {"high": 0, "medium": 0, "low": 0}
    for f in findings:
        out[f.severity] = out.get(f.severity, 0) + 1
    return out


def evaluation_repr(ev: Any) -> str:
    years = sorted(int(v) for v in ev.table["year"].unique())
    sev = _severities(ev.findings)
    lines = [
        f"Evaluation {ev.params.year}: years {', '.join(map(str, years))}, "
        f"{ev.card['province_code'].nunique()} provinces scored",
        f"  findings: {len(ev.findings)} (high {sev['high']}, medium {sev['medium']}, low {sev['low']})",
        f"  provinces to follow up: {len(ev.follow_up)}",
        f"  red lights: {int(ev.card['reds'].sum()) if 'reds' in ev.card else 0}",
    ]
    lines += ["  " + line for line in reconciliation_repr(ev.rec).splitlines()]
    return cap("\n".join(lines))


def evaluation_html(ev: Any) -> str:
    sev = _severities(ev.findings)
    rows = [
        ("یافته‌ها", fa_value(str(len(ev.findings)))),
        ("یافته‌های با اهمیت زیاد", fa_value(str(sev["high"]))),
        ("استان‌های نیازمند پیگیری", fa_value(str(len(ev.follow_up)))),
        ("شاخص‌های قرمز", fa_value(str(int(ev.card["reds"].sum()) if "reds" in ev.card else 0))),
    ]
    return (html_table(rows, ["شاخص", "مقدار"], f"ارزیابی سال {to_persian_digits(ev.params.year)}")
            + reconciliation_html(ev.rec))
