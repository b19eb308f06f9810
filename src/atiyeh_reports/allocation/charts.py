"""Charts of the allocation report, drawn with :mod:`atiyeh_reports.present.charts`.

Each function takes the library's tables (integer Rials) and returns a
:class:`matplotlib.figure.Figure`; amounts are divided by a million on the
axes only. Call :func:`atiyeh_reports.present.charts.setup` once first (the notebooks
do, in their import cell) so the report font is registered.
"""

from __future__ import annotations

import pandas as pd

from atiyeh_reports.allocation.views import (
    LABEL_APPROVED,
    LABEL_RESERVE,
    PROJECTION_FA,
)
from atiyeh_reports.core.params import Params
from atiyeh_reports.present import chart_base, chart_kinds

MILLION = 1_000_000
MILLION_RIALS = "میلیون ریال"


def budget_waterfall_chart(params: Params, requirement: pd.DataFrame | int) -> chart_kinds.Figure:
    """Approved → not released → HQ reserve → distributable, with the total requirement as a line.

    ``requirement`` is a frame with a ``requirement`` column (the requirement or
    allocation table) or the total in Rials.
    """
    b = params.budget
    total = int(requirement) if isinstance(requirement, int) else int(
        requirement["requirement"].sum()
    )
    fig = chart_kinds.waterfall(
        [
            (LABEL_APPROVED, b.approved_credit),
            ("تخصیص‌نیافته", -(b.approved_credit - b.released_credit)),
            (LABEL_RESERVE, -b.reserve),
        ],
        "از اعتبار مصوب تا اعتبار قابل توزیع",
        total_label="قابل توزیع",
        ylabel=MILLION_RIALS,
        scale=MILLION,
    )
    ax = fig.axes[0]
    # the line and its label sit at the left end, over the distributable bar it compares with
    ax.axhline(total, color=chart_base.HIGHLIGHT, linestyle="--", linewidth=1.2)
    ax.annotate(
        f"نیاز کل: {chart_base.number_fa(total / MILLION)}",
        xy=(0.01, total), xycoords=("axes fraction", "data"),
        xytext=(0, 3), textcoords="offset points", ha="left", va="bottom",
        color=chart_base.HIGHLIGHT, fontsize=8,
    )
    ax.set_ylim(top=max(ax.get_ylim()[1], total * 1.12))
    return fig


def allocation_chart(table: pd.DataFrame) -> chart_kinds.Figure:
    """Credit notified to each province (million Rials), largest first."""
    values = table.set_index("province_code")["allocated"]
    return chart_kinds.bar_by_province(
        values, "اعتبار ابلاغی امسال به هر استان", f"اعتبار ابلاغی ({MILLION_RIALS})", scale=MILLION
    )


def projection_chart(projection: pd.DataFrame) -> chart_kinds.Figure:
    """Required credit by year (million Rials): this year and the projected ones."""
    frame = projection.set_index("year")[["requirement"]].rename(
        columns={"requirement": PROJECTION_FA["requirement"].split(" (")[0]}
    )
    return chart_kinds.trend_lines(frame, "اعتبار مورد نیاز هر سال: امسال و برآورد سال‌های آینده",
                                   f"اعتبار مورد نیاز ({MILLION_RIALS})", scale=MILLION)
