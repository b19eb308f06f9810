"""The charts every report uses, drawn the same way.

:func:`setup` registers the report font with matplotlib and sets one clean
style: A4-portrait width, Persian digits on the axes. In a notebook each chart
is shown as one PNG drawn at print resolution (:data:`PRINT_DPI`), with its
size at 96 px per inch and its Persian alt text in the output's metadata: the
HTML report shows it at the width it has on the page (sharp on a phone's 2x or
3x screen too), and the PDF prints the same image. One raster draw is about
a third of the cost of an SVG with outlined text plus a PNG (the SVG's glyph
outlines were most of a chart's time), and WeasyPrint lays a PNG out at no
cost while it re-parses an outlined glyph for every use of it. SVG stays
available (``setup(inline_format="svg")`` or ``"svg+png"``; text as outlines,
``svg.fonttype = 'path'``, so a reader needs no Persian font).

matplotlib 3.11 shapes Persian text itself: labels are passed as plain Persian
strings. Do **not** run them through ``arabic_reshaper``/``python-bidi``: with
3.11 that makes them come out reversed.

Every chart function returns a :class:`matplotlib.figure.Figure` built without
:mod:`matplotlib.pyplot`, so nothing is kept in pyplot's figure registry and a
notebook never leaks figures or shows one twice: the figure is shown once,
as the value of the cell that returns it.

Examples
--------
>>> import pandas as pd
>>> from atiyeh_reports import charts
>>> font = charts.setup()  # doctest: +SKIP
>>> fig = charts.bar_by_province(pd.Series({"IR-23": 120, "IR-07": 80}), "فرزندان", "تعداد")
>>> isinstance(fig, charts.Figure)
True
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.ticker import FuncFormatter, MaxNLocator

from atiyeh_reports.display import fmt_decimal
from atiyeh_reports.fonts import Font, report_font
from atiyeh_reports.provinces import by_code
from atiyeh_reports.text import to_persian_digits

__all__ = [
    "COLORS",
    "Figure",
    "HIGHLIGHT",
    "PAGE_WIDTH_IN",
    "bar_by_province",
    "close",
    "figure_context",
    "label_fa",
    "number_fa",
    "persian_formatter",
    "population_pyramid",
    "setup",
    "stacked_bars",
    "to_svg",
    "trend_lines",
    "waterfall",
    "year_formatter",
]

#: Width of the text block of an A4 portrait page with 2 cm margins (17 cm), in inches.
PAGE_WIDTH_IN = 6.7
#: Raster resolution when a PNG is asked for (print quality).
PRINT_DPI = 200
#: A calm, colour-blind-safe palette (Okabe-Ito), first colour for the main series.
COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")
#: Colour of highlighted bars (e.g. the province a report is about).
HIGHLIGHT = "#D55E00"
_MUTED = "#9DB9D3"
_INCREASE = "#009E73"
_DECREASE = "#D55E00"
_TOTAL = "#0072B2"

_STYLE: dict[str, Any] = {
    "figure.figsize": (PAGE_WIDTH_IN, PAGE_WIDTH_IN * 0.6),
    "figure.dpi": 100,
    "figure.constrained_layout.use": True,
    # The constrained layout already keeps every label inside the figure; a margin of
    # about 0.1 in replaces "tight" cropping, which drew each chart twice.
    "figure.constrained_layout.w_pad": 0.1,
    "figure.constrained_layout.h_pad": 0.1,
    "savefig.dpi": PRINT_DPI,
    "savefig.bbox": None,
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": mpl.cycler(color=list(COLORS)),
    "axes.unicode_minus": False,
    "legend.frameon": False,
}


def setup(font: Font | None = None, *, inline_format: str = "png") -> Font:
    """Register the report font with matplotlib and apply the report style.

    Call once per process (the notebooks call it in their import cell); calling
    again is harmless. Sets ``font.family`` to ``[font.family, "DejaVu Sans"]``
    so a glyph missing from the report font falls back to DejaVu Sans rather
    than a box.

    Parameters
    ----------
    font
        The font to use; :func:`atiyeh_reports.fonts.report_font` by default.
    inline_format
        Format notebooks show figures in: ``"png"`` (default: at
        :data:`PRINT_DPI`, shown and printed at its page width), ``"svg"``
        (vector, text as outlines) or ``"svg+png"`` (both: the HTML report
        shows the SVG, the PDF prints the PNG). Ignored outside IPython.

    Returns
    -------
    Font
        The font registered, so a caller can say which one the report uses.
    """
    font = font or report_font()
    fontManager.addfont(str(font.regular))
    if font.bold is not None:
        fontManager.addfont(str(font.bold))
    mpl.rcParams.update(_STYLE)
    mpl.rcParams["svg.hashsalt"] = "atiyeh_reports"  # stable element ids: same data, same SVG bytes
    mpl.rcParams["font.family"] = [font.family, "DejaVu Sans"]
    _set_inline_format(inline_format)
    return font


def _set_inline_format(fmt: str) -> None:
    """Tell a running IPython kernel which format to show figures in."""
    if fmt not in ("svg", "png", "svg+png"):
        raise ValueError(f"inline_format must be 'svg+png', 'svg' or 'png', not {fmt!r}")
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    if fmt == "png":
        set_matplotlib_formats("png", dpi=PRINT_DPI, bbox_inches=None)
    elif fmt == "svg+png":
        set_matplotlib_formats("svg", "png", dpi=PRINT_DPI, bbox_inches=None)
    else:
        set_matplotlib_formats("svg", bbox_inches=None)
    _show_with_alt_text(get_ipython(), fmt)


def alt_text(fig: Figure) -> str:
    """What a chart shows, in Persian, for the ``alt`` of its image in the reports.

    The figure's label when a chart function set one (``fig.set_label``), else
    its titles and axis labels: «نمودار: <title>؛ محور افقی: …؛ محور عمودی: …».
    """
    label = fig.get_label()
    if label:
        return label
    parts = []
    title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    titles = [title] if title else []
    titles += [ax.get_title(loc) for ax in fig.axes for loc in ("center", "right", "left") if ax.get_title(loc)]
    if titles:
        parts.append("نمودار: " + "؛ ".join(dict.fromkeys(titles)))
    else:
        parts.append("نمودار")
    for ax in fig.axes[:1]:
        if ax.get_xlabel():
            parts.append(f"محور افقی: {ax.get_xlabel()}")
        if ax.get_ylabel():
            parts.append(f"محور عمودی: {ax.get_ylabel()}")
    return "؛ ".join(parts)


def _show_with_alt_text(ip: Any, fmt: str) -> None:
    """Show figures in ``fmt`` with their :func:`alt_text` in the output's metadata.

    A PNG also carries its size in CSS pixels (96 per inch), so the HTML shows it
    at the chart's width on the page and the PDF prints it at :data:`PRINT_DPI`.
    """
    from IPython.core.pylabtools import print_figure

    formats = ("svg", "png") if fmt == "svg+png" else (fmt,)
    for one in formats:  # "svg+png": both outputs carry the alt text (the PDF prints the PNG)
        mime = "image/svg+xml" if one == "svg" else "image/png"
        options = {"bbox_inches": None} if one == "svg" else {"bbox_inches": None, "dpi": PRINT_DPI}

        def show(fig: Figure, one: str = one, options: dict = options) -> tuple[object, dict[str, object]]:
            data = print_figure(fig, one, **options)
            metadata: dict[str, object] = {"alt": alt_text(fig)}
            if one == "png" and fmt == "png":
                width, height = _png_size(data)
                metadata.update(width=round(width * 96 / PRINT_DPI), height=round(height * 96 / PRINT_DPI))
            return data, metadata

        ip.display_formatter.formatters[mime].for_type(Figure, show)


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height in pixels, from a PNG's header."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --- numbers and labels -----------------------------------------------------------------
def number_fa(value: float, *, decimals: int = 0) -> str:
    """A number in Persian digits with thousands separators (``1234`` → ``'۱٬۲۳۴'``).

    Uses the separators of :mod:`atiyeh_reports.display` (``٬`` for thousands,
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


def close(fig: Figure) -> None:
    """Release a figure's memory (and drop it from pyplot if it was made there)."""
    import matplotlib.pyplot as plt

    fig.clear()
    plt.close(fig)


@contextmanager
def figure_context(fig: Figure) -> Iterator[Figure]:
    """Use a figure inside ``with`` and close it afterwards.

    >>> with figure_context(waterfall([("الف", 10), ("ب", -3)], "نمونه")) as fig:
    ...     svg = to_svg(fig)
    """
    try:
        yield fig
    finally:
        close(fig)


def to_svg(fig: Figure, *, text_as_paths: bool = True) -> str:
    """The figure as SVG text.

    ``text_as_paths=False`` keeps text as ``<text>`` elements, which tests use
    to read the labels back.
    """
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "path" if text_as_paths else "none"}):
        fig.savefig(buf, format="svg")
    return buf.getvalue()


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


# --- charts ---------------------------------------------------------------------------------
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
        (e.g. :data:`atiyeh_reports.vocab.GENDERS`).
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
