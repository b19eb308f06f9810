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

This module is the setup and the output (alt text, SVG, PNG, closing a figure).
The kinds of chart (:func:`bar_by_province`, :func:`trend_lines`,
:func:`population_pyramid`, :func:`stacked_bars`, :func:`waterfall`) are in
:mod:`atiyeh_reports.present.chart_kinds`, and the palette, the page width and the
Persian number and label formatters they share in :mod:`atiyeh_reports.present.chart_base`;
both are importable from here as before.

Examples
--------
>>> import pandas as pd
>>> from atiyeh_reports.present import charts
>>> font = charts.setup()  # doctest: +SKIP
>>> fig = charts.bar_by_province(pd.Series({"IR-23": 120, "IR-07": 80}), "فرزندان", "تعداد")
>>> isinstance(fig, charts.Figure)
True
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager

from atiyeh_reports.present.chart_base import (
    COLORS,
    HIGHLIGHT,
    PAGE_WIDTH_IN,
    label_fa,
    number_fa,
    persian_formatter,
    year_formatter,
)
from atiyeh_reports.present.chart_kinds import (
    bar_by_province,
    population_pyramid,
    stacked_bars,
    trend_lines,
    waterfall,
)
from atiyeh_reports.present.fonts import Font, report_font

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

#: Raster resolution when a PNG is asked for (print quality).
PRINT_DPI = 200

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
        The font to use; :func:`atiyeh_reports.present.fonts.report_font` by default.
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
        from IPython import get_ipython  # noqa: PLC0415 - IPython/matplotlib's pyplot only in a notebook
    except ImportError:  # pragma: no cover - IPython comes with the notebook stack
        return
    if get_ipython() is None:
        return
    from matplotlib_inline.backend_inline import set_matplotlib_formats  # noqa: PLC0415 - IPython/matplotlib's pyplot only in a notebook

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
    from IPython.core.pylabtools import print_figure  # noqa: PLC0415 - IPython/matplotlib's pyplot only in a notebook

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


def close(fig: Figure) -> None:
    """Release a figure's memory (and drop it from pyplot if it was made there)."""
    import matplotlib.pyplot as plt  # noqa: PLC0415 - IPython/matplotlib's pyplot only in a notebook

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
