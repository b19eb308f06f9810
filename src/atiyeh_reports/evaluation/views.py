"""The evaluation notebook's pieces (formatting at the edge): each takes an :class:`Evaluation`.

``*_html`` pieces are tables (IPython ``HTML``), ``*_md`` pieces Markdown prose; no piece shows an ID.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from atiyeh_reports.allocation.record import find_notified_record
from atiyeh_reports.core.vocab import TOTAL, persian_sort_key
from atiyeh_reports.evaluation import indicators as ind
from atiyeh_reports.evaluation.assumptions_log import assumptions, assumptions_fa, history_param_files
from atiyeh_reports.evaluation.bundle import Evaluation
from atiyeh_reports.evaluation.rules import findings_fa, follow_up_fa
from atiyeh_reports.evaluation.triangulation import triangulation_fa, triangulation_summary, triangulation_summary_fa
from atiyeh_reports.insurer.views import counts_fa, delays_fa
from atiyeh_reports.present.display import prose, show_table, table_html


def _alphabetical(table: pd.DataFrame, column: str = "استان", total: bool = False) -> pd.DataFrame:
    """Rows in the reports' province order (alphabetical names); a total row stays last."""
    body, tail = (table.iloc[:-1], table.iloc[-1:]) if total else (table, table.iloc[0:0])
    body = body.assign(_k=body[column].astype(str).map(persian_sort_key)).sort_values("_k", kind="stable")
    return pd.concat([body.drop(columns="_k"), tail], ignore_index=True)


def headline_html(ev: Evaluation) -> Any:
    """The summary page's key numbers as a two-column table."""
    return show_table(ev.headline())


def reconciliation_html(ev: Evaluation) -> Any:
    """Children and policies per category per province (counts only, no IDs)."""
    table = _alphabetical(counts_fa(ev.rec), total=True)
    table.iloc[-1, 0] = TOTAL  # one label for every total row
    return show_table(table, integers=[c for c in table.columns if c != "استان"], total_row=True,
                      caption="نتیجهٔ تطبیق فهرست فرزندان با خروجی بیمه‌گر")


def delays_html(ev: Evaluation) -> Any:
    """Issuance delay per province."""
    return show_table(_alphabetical(delays_fa(ev.rec)))


def scorecard_html(ev: Evaluation) -> Any:
    """The scorecard with the rank, each value and, in its own column, its light as a coloured badge."""
    from IPython.display import HTML  # noqa: PLC0415 - IPython only when a notebook shows a table

    table = _alphabetical(ind.scorecard_fa(ev.card))
    lights = [c for c in table.columns if c.startswith("وضعیت")]
    percent = [c for c in table.columns if c not in ("رتبه", "استان", *lights)]
    return HTML(table_html(table, percent=percent, integers=["رتبه"], status=lights,
                           caption="کارنامهٔ استان‌ها (سبز: در حد هدف، زرد: نزدیک هدف، قرمز: دور از هدف)"))


def yoy_html(ev: Evaluation) -> Any:
    """This year against last year, per province and nationally."""
    table = _alphabetical(ind.yoy_fa(ev.yoy), total=True)
    percent = [c for c in table.columns if ("پوشش" in c or "جذب" in c) and not c.startswith("تغییر")]
    return show_table(table, percent=percent, integers=[c for c in table.columns if "واجد" in c])


def findings_html(ev: Evaluation) -> Any:
    """Every finding, most important first."""
    return show_table(findings_fa(ev.findings), million=["در معرض (میلیون ریال)"],
                      integers=["فرزندان درگیر"])


def follow_up_html(ev: Evaluation) -> Any:
    """Provinces that need follow-up, with the reasons."""
    return show_table(_alphabetical(follow_up_fa(ev.follow_up)))


def assumptions_html(ev: Evaluation) -> Any:
    """The assumptions and caveats log, rated for quality and impact."""
    return show_table(assumptions_fa(assumptions(ev.params, history_param_files(ev.params), ev.record)))


def top_findings_md(ev: Evaluation) -> Any:
    """The three most important findings as Markdown sentences."""
    return prose(ev.top_findings())


def triangulation_html(ev: Evaluation) -> Any:
    """The national row of every two-source quantity, with its explanation."""
    return show_table(triangulation_summary_fa(triangulation_summary(ev.triangulation)), status=["وضعیت"],
                      caption="هر کمیتی که دو منبع گزارش می‌کنند (جمع کشور)")


def triangulation_flagged_html(ev: Evaluation) -> Any:
    """The province rows whose difference is left unexplained (counts and last year's notified credit)."""
    table = triangulation_fa(ev.triangulation, ("covered", "exits", "policies", "notified"))
    if table.empty:
        return prose("در شمار فرزندان، خروج‌ها، بیمه‌نامه‌ها و اعتبار ابلاغی سال قبل اختلاف بی‌توضیحی میان منابع نیست.")
    return show_table(table, caption="استان‌هایی که اختلاف دو منبع در آن‌ها توضیح ندارد")


def notified_source_md(ev: Evaluation) -> Any:
    """Where last year's notified credit came from, in a sentence."""
    record = ev.record if ev.record is not None else find_notified_record(ev.params)
    return prose(f"اعتبار ابلاغی سال قبل در این گزارش از {record.source_fa()} "
                 "آمده است؛ اعتبار هزینه‌شده گزارش خود استان‌هاست.")


def definitions_html(ev: Evaluation) -> Any:
    """Every indicator's definition, source and base."""
    return show_table(ind.definitions_fa(), caption="تعریف، منبع و پایهٔ هر شاخص")
