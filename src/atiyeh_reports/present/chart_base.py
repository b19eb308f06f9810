"""What every kind of chart is drawn with: the page width, the palette, Persian numbers and labels.

Shared by :mod:`atiyeh_reports.present.chart_kinds` (which draws with them) and
:mod:`atiyeh_reports.present.charts` (whose style uses the page width and the palette,
and which re-exports the public names here).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present.display import fmt_decimal

__all__ = ["COLORS", "HIGHLIGHT", "PAGE_WIDTH_IN", "label_fa", "number_fa", "persian_formatter", "year_formatter"]

#: Width of the text block of an A4 portrait page with 2 cm margins (17 cm), in inches.
PAGE_WIDTH_IN = 6.7
#: A calm, colour-blind-safe palette (Okabe-Ito), first colour for the main series.
COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
#: Colour of highlighted bars (e.g. the province a report is about).
HIGHLIGHT = "#D55E00"


# --- numbers and labels -----------------------------------------------------------------
def number_fa(value: float, *, decimals: int = 0) -> str:
    """A number in Persian digits with thousands separators (``1234`` → ``'۱٬۲۳۴'``).

    Uses the separators of :mod:`atiyeh_reports.present.display` (``٬`` for thousands,
    ``٫`` for decimals), so a chart and the table beside it write numbers alike.
    """
    return fmt_decimal(value, decimals)


def persian_formatter(*, scale: int = 1, decimals: int = 0) -> FuncFormatter:
    """A tick formatter writing ``value / scale`` in Persian digits with separators.

    ``scale=1_000_000`` shows Rials as million Rials; the data stay in Rials.
    """
    return FuncFormatter(lambda x, _pos: number_fa(x / scale, decimals=decimals))


def year_formatter() -> FuncFormatter:
    """A tick formatter for years: Persian digits, no separator (``1404`` → ``'۱۴۰۴'``)."""
    return FuncFormatter(lambda x, _pos: fmt_decimal(x, grouping=False))


def label_fa(value: object) -> str:
    """How a category is written on an axis.

    A province code becomes the province's Persian name, a number is written in
    Persian digits, anything else is shown as it is.
    """
    if isinstance(value, str):
        province = by_code().get(value)
        return province.name_fa if province else to_persian_digits(value)
    if isinstance(value, (int, np.integer)):
        return to_persian_digits(str(int(value)))
    return to_persian_digits(str(value))


# --- figure helpers -----------------------------------------------------------------------
def _new_figure(height_ratio: float = 0.6, *, height_in: float | None = None) -> Figure:
    height = height_in if height_in is not None else PAGE_WIDTH_IN * height_ratio
    return Figure(figsize=(PAGE_WIDTH_IN, height), layout="constrained")


def _right_to_left(ax: Any) -> None:
    """Put the first category on the right and the value axis on the right, as Persian reads."""
    ax.invert_xaxis()
    ax.yaxis.tick_right()
    ax.yaxis.set_label_position("right")
    ax.spines["left"].set_visible(False)
    ax.spines["right"].set_visible(True)


def _finish(fig: Figure, ax: Any, title: str) -> Figure:
    ax.set_title(title, loc="right")
    return fig
