"""The kinds of chart the reports draw: bars by province, trend lines, a population pyramid,
stacked bars and a waterfall.

Each returns a :class:`matplotlib.figure.Figure` made without :mod:`matplotlib.pyplot`,
in the style :func:`atiyeh_reports.present.charts.setup` sets; the names are importable
from :mod:`atiyeh_reports.present.charts` as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from atiyeh_reports.present.chart_base import (
    COLORS,
    HIGHLIGHT,
    _finish,
    _new_figure,
    _right_to_left,
    label_fa,
    number_fa,
    persian_formatter,
    year_formatter,
)

__all__ = ["Figure", "bar_by_province", "population_pyramid", "stacked_bars", "trend_lines", "waterfall"]

_MUTED = "#9DB9D3"
_INCREASE = "#009E73"
_DECREASE = "#D55E00"
_TOTAL = "#0072B2"


def bar_by_province(
    values: pd.Series,
    title: str,
    xlabel: str,
    *,
    sort: bool = True,
    highlight: str | Iterable[str] | None = None,
    scale: int = 1,
    value_labels: bool = True,
    decimals: int = 0,
) -> Figure:
    """Horizontal bars, one per province, with Persian province names on the axis.

    Reads right to left: names on the right, bars growing to the left, the
    largest at the top when ``sort``.

    Parameters
    ----------
    values
        Numbers indexed by province code (``IR-23``); missing values are drawn as 0.
    title, xlabel
        Persian title and axis label.
    sort
        Largest first; otherwise the order of ``values``.
    highlight
        A province code, or several, to draw in :data:`HIGHLIGHT`.
    scale
        Divide the numbers by this on the axis only (``1_000_000`` for million Rials).
    value_labels
        Write each bar's value at its end.
    decimals
        Decimals of the value labels (e.g. 1 for rates).
    """
    data = pd.to_numeric(values, errors="raise").fillna(0)
    if sort:
        data = data.sort_values(ascending=False, kind="stable")
    marked = {highlight} if isinstance(highlight, str) else set(highlight or ())
    labels = [label_fa(code) for code in data.index]
    colors = [HIGHLIGHT if code in marked else COLORS[0] for code in data.index]
    fig = _new_figure(height_in=max(2.0, 0.8 + 0.24 * len(data)))
    ax = fig.add_subplot()
    positions = np.arange(len(data))
    ax.barh(positions, data.to_numpy(dtype=float), color=colors, height=0.7)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # first row at the top
    ax.invert_xaxis()  # bars grow from right to left
    ax.yaxis.tick_right()
    ax.spines["left"].set_visible(False)
    ax.spines["right"].set_visible(True)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="y", visible=False)
    ax.xaxis.set_major_formatter(persian_formatter(scale=scale))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=scale == 1))
    ax.set_xlabel(xlabel)
    if value_labels:
        texts = [number_fa(v / scale, decimals=decimals) for v in data.to_numpy(dtype=float)]
        ax.bar_label(ax.containers[0], labels=texts, padding=2, fontsize=8)
        ax.margins(x=0.12)
    return _finish(fig, ax, title)


def trend_lines(
    frame: pd.DataFrame,
    title: str,
    ylabel: str,
    *,
    scale: int = 1,
    decimals: int = 0,
) -> Figure:
    """One line per column over the years of the index.

    Parameters
    ----------
    frame
        Index: years (int); columns: series, named in Persian (the legend shows them).
    title, ylabel
        Persian title and axis label.
    scale, decimals
        The axis shows ``value / scale`` with this many decimals.
    """
    fig = _new_figure(0.5)
    ax = fig.add_subplot()
    years = [int(y) for y in frame.index]
    for i, column in enumerate(frame.columns):
        ax.plot(years, frame[column].to_numpy(dtype=float), marker="o",
                color=COLORS[i % len(COLORS)], label=label_fa(column))
    ax.set_xticks(years)
    ax.xaxis.set_major_formatter(year_formatter())
    ax.yaxis.set_major_formatter(persian_formatter(scale=scale, decimals=decimals))
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0)
    if len(frame.columns) > 1:
        ax.legend(loc="best")
    return _finish(fig, ax, title)


def population_pyramid(
    counts: pd.DataFrame,
    title: str,
    *,
    left: str | None = None,
    right: str | None = None,
    xlabel: str = "تعداد",
    ylabel: str | None = None,
) -> Figure:
    """A population pyramid: age groups up the middle, one gender on each side.

    ``xlabel`` names the unit of the bars, ``ylabel`` the age axis (each row one
    year of age, or one band of equal width).

    Parameters
    ----------
    counts
        Index: ages or age bands, youngest first; two columns, one per gender
        (e.g. :data:`atiyeh_reports.core.vocab.GENDERS`).
    left, right
        Which column goes on which side; the first two columns by default.
    """
    if counts.shape[1] < 2 and (left is None or right is None):
        raise ValueError("population_pyramid needs two columns (one per gender)")
    left = left if left is not None else counts.columns[0]
    right = right if right is not None else counts.columns[1]
    fig = _new_figure(height_in=max(2.5, 1.0 + 0.3 * len(counts)))
    ax = fig.add_subplot()
    positions = np.arange(len(counts))
    lvals = counts[left].fillna(0).to_numpy(dtype=float)
    rvals = counts[right].fillna(0).to_numpy(dtype=float)
    ax.barh(positions, -lvals, color=COLORS[0], label=label_fa(left), height=0.8)
    ax.barh(positions, rvals, color=COLORS[1], label=label_fa(right), height=0.8)
    ax.set_yticks(positions, [label_fa(v) for v in counts.index])
    ax.axvline(0, color="#555555", linewidth=0.8)
    limit = max(lvals.max(initial=0), rvals.max(initial=0)) * 1.1 or 1
    ax.set_xlim(-limit, limit)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, symmetric=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: number_fa(abs(x))))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    fig.legend(loc="outside lower center", ncols=2)
    return _finish(fig, ax, title)


def stacked_bars(
    frame: pd.DataFrame,
    title: str,
    ylabel: str,
    *,
    share: bool = False,
    scale: int = 1,
) -> Figure:
    """Vertical bars, one per row of ``frame``, stacked from its columns.

    Parameters
    ----------
    frame
        Index: the bars (years, provinces, categories); columns: the parts,
        named in Persian (the legend shows them).
    share
        Draw each bar as shares of its total (0–100%) instead of counts.
    scale
        Divide the numbers by this on the axis only.
    """
    data = frame.fillna(0).astype(float)
    if share:
        totals = data.sum(axis=1).replace(0, np.nan)
        data = data.div(totals, axis=0).fillna(0) * 100
    fig = _new_figure(0.55)
    ax = fig.add_subplot()
    positions = np.arange(len(data))
    bottom = np.zeros(len(data))
    for i, column in enumerate(data.columns):
        heights = data[column].to_numpy()
        ax.bar(positions, heights, bottom=bottom, color=COLORS[i % len(COLORS)],
               label=label_fa(column), width=0.7)
        bottom = bottom + heights
    ax.set_xticks(positions, [label_fa(v) for v in data.index],
                  rotation=90 if len(data) > 8 else 0)
    _right_to_left(ax)
    if share:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _pos: number_fa(x) + "٪"))
        ax.set_ylim(0, 100)
    else:
        ax.yaxis.set_major_formatter(persian_formatter(scale=scale))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    fig.legend(loc="outside lower center", ncols=min(3, len(data.columns)))
    return _finish(fig, ax, title)


def waterfall(
    steps: Sequence[tuple[str, int]],
    title: str,
    *,
    total_label: str | None = "مانده",
    ylabel: str = "میلیون ریال",
    scale: int = 1_000_000,
) -> Figure:
    """A waterfall: a starting amount, then signed changes, then what is left.

    Used for the budget: approved credit, minus what the treasury did not
    release, minus the HQ reserve, … down to what is distributed.

    Parameters
    ----------
    steps
        ``(label, amount)`` pairs in Rials (ints). The first is the starting
        total; each next one is a change (negative to subtract).
    total_label
        Label of a final bar showing the running total; ``None`` draws none.
    ylabel, scale
        The axis shows ``amount / scale`` (million Rials by default); the
        amounts themselves stay integer Rials.
    """
    if not steps:
        raise ValueError("waterfall needs at least one step (the starting amount)")
    labels = [label for label, _ in steps]
    amounts = [int(amount) for _, amount in steps]
    bottoms, heights, colors = [0], [amounts[0]], [_TOTAL]
    running = amounts[0]
    for amount in amounts[1:]:
        bottoms.append(running + min(amount, 0))
        heights.append(abs(amount))
        colors.append(_INCREASE if amount >= 0 else _DECREASE)
        running += amount
    shown = list(amounts)
    if total_label is not None:
        labels.append(total_label)
        bottoms.append(0)
        heights.append(running)
        colors.append(_TOTAL)
        shown.append(running)
    fig = _new_figure(0.55)
    ax = fig.add_subplot()
    positions = np.arange(len(labels))
    bars = ax.bar(positions, heights, bottom=bottoms, color=colors, width=0.6)
    ax.bar_label(bars, labels=[number_fa(v / scale) for v in shown], padding=2, fontsize=8)
    ax.set_xticks(positions, labels)
    _right_to_left(ax)
    ax.yaxis.set_major_formatter(persian_formatter(scale=scale))
    ax.grid(axis="x", visible=False)
    ax.set_ylabel(ylabel)
    ax.margins(y=0.12)
    return _finish(fig, ax, title)
