"""Charts of the evaluation report, drawn with the shared style of :mod:`atiyeh_reports.present.charts`.

Each function takes an :class:`atiyeh_reports.evaluation.bundle.Evaluation` and returns a
:class:`matplotlib.figure.Figure`; provinces below target are highlighted and the
target is drawn as a dashed line, so the reader sees who needs follow-up.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present import chart_kinds
from atiyeh_reports.present.display import fmt_pct

__all__ = ["absorption_chart", "coverage_chart"]


def _with_target(fig: Figure, target_pct: float, label: str) -> Figure:
    ax = fig.axes[0]
    ax.axvline(target_pct, color="#555555", linestyle="--", linewidth=1)
    # beside the line, on the side of the shorter bars (away from the value labels at the bar ends),
    # with a white box so that the line and the bars do not run through the words
    left, right = ax.get_xlim()
    towards_zero_on_screen_right = left > right  # the right-to-left axis: zero at the right
    ax.annotate(label, xy=(target_pct, 1.0), xycoords=("data", "axes fraction"),
                xytext=(4 if towards_zero_on_screen_right else -4, 2), textcoords="offset points",
                ha="left" if towards_zero_on_screen_right else "right", va="bottom", fontsize=8,
                bbox={"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none"})
    return fig


def _share_chart(current: pd.DataFrame, column: str, target: float, title: str, xlabel: str
                 ) -> Figure:
    values = (current.set_index("province_code")[column].astype(float) * 100).dropna()
    below = [code for code, v in values.items() if v < target * 100]
    fig = chart_kinds.bar_by_province(values, title, xlabel, highlight=below, decimals=1)
    return _with_target(fig, target * 100, f"هدف {fmt_pct(target, 0)}")


def coverage_chart(ev: Any) -> Figure:
    """Coverage (insured / eligible) per province, with the target line."""
    target = float(ev.params.thresholds.coverage_target)
    year = to_persian_digits(ev.params.year)
    return _share_chart(ev.current, "coverage", target, f"پوشش بیمه به تفکیک استان، {year}",
                        "درصد فرزندان واجد شرایط دارای بیمه‌نامهٔ فعال")


def absorption_chart(ev: Any) -> Figure:
    """Absorption (spent / notified) of the performance year per province, with the target line."""
    target = float(ev.params.thresholds.absorption_target)
    year = to_persian_digits(ev.params.year - 1)
    hq = "notified_source" in ev.current and (ev.current["notified_source"] == "hq").all()
    source = "سابقهٔ ستاد" if hq else "گزارش استان"
    return _share_chart(ev.current, "absorption", target, f"جذب اعتبار به تفکیک استان، {year}",
                        f"درصد اعتبار ابلاغی ({source}) که هزینه شد")
