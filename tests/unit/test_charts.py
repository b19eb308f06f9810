"""Tests of the chart toolkit: fonts, Persian text in logical order, numbers, shapes."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.font_manager import FontProperties, findfont

from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.core.text import to_ascii_digits
from atiyeh_reports.present import chart_base, chart_kinds, charts
from atiyeh_reports.present.fonts import Font, report_font
from factories import svg_texts

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


pytestmark = pytest.mark.usefixtures("chart_style")


# --- set-up ------------------------------------------------------------------------------
def test_setup_makes_text_resolve_to_the_report_font():
    font = report_font()
    assert list(mpl.rcParams["font.family"]) == [font.family, "DejaVu Sans"]
    resolved = findfont(FontProperties(family=mpl.rcParams["font.family"]), fallback_to_default=False)
    assert resolved == str(font.regular)


def test_setup_with_another_font_uses_that_font():
    font = Font("DejaVu Sans", Path(DEJAVU), None)
    assert charts.setup(font) == font
    assert mpl.rcParams["font.family"][0] == "DejaVu Sans"
    resolved = findfont(FontProperties(family=mpl.rcParams["font.family"]))
    assert Path(resolved).name == "DejaVuSans.ttf"  # matplotlib may prefer its own copy


def test_setup_draws_svg_text_as_outlines_so_readers_need_no_font():
    assert mpl.rcParams["svg.fonttype"] == "path"
    fig = chart_kinds.trend_lines(pd.DataFrame({"الف": [1, 2]}, index=[1403, 1404]), "عنوان", "محور")
    assert "<text" not in charts.to_svg(fig)


def test_setup_rejects_an_unknown_inline_format():
    with pytest.raises(ValueError, match="inline_format"):
        charts.setup(inline_format="gif")


def _shown(fmt: str) -> tuple[dict, dict]:
    """What a notebook shows for a chart after ``setup(inline_format=fmt)``: data and metadata."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    charts.setup(inline_format=fmt)
    fig = chart_kinds.trend_lines(pd.DataFrame({"الف": [1, 2]}, index=[1403, 1404]), "عنوان نمودار", "محور")
    data, metadata = shell.display_formatter.format(fig)
    charts.close(fig)
    return data, metadata


def test_a_notebook_shows_a_chart_as_one_png_sized_for_the_page():
    """One raster draw per chart: the HTML shows it at its width on the page, the PDF prints it."""
    try:
        data, metadata = _shown("png")
    finally:
        charts.setup()
    assert "image/png" in data and "image/svg+xml" not in data
    png = data["image/png"]
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width == round(chart_base.PAGE_WIDTH_IN * charts.PRINT_DPI)  # the page's width at print resolution
    assert metadata["image/png"]["width"] == round(width * 96 / charts.PRINT_DPI)  # 6.7 in at 96 px/in
    assert metadata["image/png"]["height"] == round(height * 96 / charts.PRINT_DPI)
    assert metadata["image/png"]["alt"].startswith("نمودار: عنوان نمودار")


def test_svg_stays_available_with_the_png_for_print():
    try:
        data, metadata = _shown("svg+png")
    finally:
        charts.setup()
    assert {"image/png", "image/svg+xml"} <= set(data)
    assert "width" not in metadata["image/png"]  # the HTML shows the SVG; the PDF prints the PNG at its dpi
    assert metadata["image/svg+xml"]["alt"] == metadata["image/png"]["alt"]


# --- numbers ------------------------------------------------------------------------------
def test_number_fa_writes_persian_digits_with_separators():
    assert chart_base.number_fa(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert chart_base.number_fa(-5357) == "-۵٬۳۵۷"
    assert chart_base.number_fa(1234.56, decimals=1) == "۱٬۲۳۴٫۶"


def test_number_fa_writes_numbers_like_the_tables_do():
    from atiyeh_reports.present import display

    assert chart_base.number_fa(9_920) == display.fmt_int(9_920)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_number_fa_round_trips_to_the_same_integer(n):
    assert int(to_ascii_digits(chart_base.number_fa(n)).replace("٬", "")) == n


def test_formatters_scale_for_display_only_and_years_have_no_separator():
    assert chart_base.persian_formatter(scale=1_000_000)(35_712_000_000, 0) == "۳۵٬۷۱۲"
    assert chart_base.year_formatter()(1404, 0) == "۱۴۰۴"


def test_label_fa_names_provinces_and_writes_numbers_in_persian():
    assert chart_base.label_fa("IR-23") == name_fa("IR-23")
    assert chart_base.label_fa(np.int64(12)) == "۱۲"
    assert chart_base.label_fa("۰–۵") == "۰–۵"


# --- charts -------------------------------------------------------------------------------
def test_charts_keeps_serving_the_kinds_and_the_formatters() -> None:
    # The kinds moved to chart_kinds and their palette and formatters to chart_base;
    # charts.bar_by_province and the rest stay the same objects.
    for module in (chart_kinds, chart_base):
        for name in module.__all__:
            assert getattr(charts, name) is getattr(module, name), name
            assert name in charts.__all__, name


def test_bar_by_province_writes_persian_text_in_logical_order():
    title = "فرزندان تحت پوشش به تفکیک استان"
    fig = chart_kinds.bar_by_province(pd.Series({"IR-23": 5, "IR-07": 9}), title, "تعداد فرزندان")
    texts = svg_texts(fig)
    for label in (title, "تعداد فرزندان", name_fa("IR-23"), name_fa("IR-07")):
        assert label in texts
    assert title[::-1] not in charts.to_svg(fig, text_as_paths=False)
    assert "۹" in texts  # value labels in Persian digits
    assert not any(re.search("[0-9]", t) for t in texts)


def test_bar_by_province_sorts_largest_first_and_highlights():
    values = pd.Series({"IR-01": 3, "IR-23": 10, "IR-07": 7})
    fig = chart_kinds.bar_by_province(values, "t", "x", highlight="IR-07")
    ax = fig.axes[0]
    fig.canvas.draw()
    # y axis is inverted: the first tick is drawn at the top
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        name_fa("IR-23"), name_fa("IR-07"), name_fa("IR-01")
    ]
    widths = [p.get_width() for p in ax.patches]
    assert widths == [10, 7, 3]
    colors = [mpl.colors.to_hex(p.get_facecolor()) for p in ax.patches]
    assert colors[1] == chart_base.HIGHLIGHT.lower() and colors[0] != colors[1]


def test_bar_by_province_value_labels_can_have_decimals():
    fig = chart_kinds.bar_by_province(pd.Series({"IR-23": 3.64}), "t", "x", decimals=1)
    assert "۳٫۶" in svg_texts(fig)


def test_bar_by_province_keeps_order_when_not_sorting():
    values = pd.Series({"IR-01": 3, "IR-23": 10})
    ax = chart_kinds.bar_by_province(values, "t", "x", sort=False).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [name_fa("IR-01"), name_fa("IR-23")]


def test_trend_lines_one_line_per_series_with_persian_years():
    frame = pd.DataFrame({"فرزندان": [80, 91, 99], "بیمه‌نامه": [76, 88, 95]}, index=[1402, 1403, 1404])
    fig = chart_kinds.trend_lines(frame, "روند", "تعداد")
    ax = fig.axes[0]
    assert len(ax.lines) == 2
    assert list(ax.lines[1].get_ydata()) == [76, 88, 95]
    texts = svg_texts(fig)
    assert {"۱۴۰۲", "۱۴۰۳", "۱۴۰۴", "فرزندان", "بیمه‌نامه"} <= set(texts)


def test_population_pyramid_puts_one_gender_on_each_side():
    counts = pd.DataFrame({"پسر": [3, 4], "دختر": [5, 6]}, index=["۰–۵", "۶–۱۱"])
    fig = chart_kinds.population_pyramid(counts, "هرم سنی")
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == [-3, -4, 5, 6]
    texts = svg_texts(fig)
    assert {"پسر", "دختر", "۰–۵", "هرم سنی"} <= set(texts)
    assert not any(t.startswith("-") for t in texts)  # both sides count up from zero


def test_population_pyramid_needs_two_columns():
    with pytest.raises(ValueError, match="two columns"):
        chart_kinds.population_pyramid(pd.DataFrame({"پسر": [1]}), "t")


def test_stacked_bars_as_shares_fill_each_bar_to_100():
    frame = pd.DataFrame({"الف": [1, 0, 3], "ب": [3, 0, 1]}, index=["IR-23", "IR-07", "IR-01"])
    ax = chart_kinds.stacked_bars(frame, "t", "y", share=True).axes[0]
    heights = np.array([p.get_height() for p in ax.patches]).reshape(2, 3)
    assert heights.sum(axis=0).tolist() == [100, 0, 100]  # an empty bar stays empty
    assert heights[0].tolist() == [25, 0, 75]


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=0, max_value=10**13),
    st.lists(st.integers(min_value=-(10**11), max_value=10**11), max_size=5),
)
def test_waterfall_last_bar_is_the_start_plus_every_change(start, changes):
    steps = [("آغاز", start)] + [(f"گام {i}", c) for i, c in enumerate(changes)]
    fig = chart_kinds.waterfall(steps, "t", total_label="مانده")
    patches = fig.axes[0].patches
    assert len(patches) == len(steps) + 1
    assert patches[-1].get_height() == start + sum(changes)
    running = start
    for patch, change in zip(patches[1:], changes):
        top = patch.get_y() + patch.get_height()
        assert {patch.get_y(), top} == {running, running + change}
        running += change
    charts.close(fig)


def test_waterfall_labels_show_million_rials_and_need_a_step():
    fig = chart_kinds.waterfall([("اعتبار مصوب", 35_712_000_000), ("ذخیره", -607_000_000)], "بودجه")
    texts = svg_texts(fig)
    assert {"۳۵٬۷۱۲", "-۶۰۷", "۳۵٬۱۰۵", "اعتبار مصوب", "مانده", "بودجه"} <= set(texts)
    with pytest.raises(ValueError, match="at least one step"):
        chart_kinds.waterfall([], "t")


def test_charts_do_not_leak_into_pyplot():
    before = plt.get_fignums()
    frame = pd.DataFrame({"الف": [1, 2]}, index=[1403, 1404])
    with charts.figure_context(chart_kinds.trend_lines(frame, "t", "y")) as fig:
        assert isinstance(fig, charts.Figure)
    chart_kinds.bar_by_province(pd.Series({"IR-23": 1}), "t", "x")
    assert plt.get_fignums() == before
    assert fig.axes == []  # closed figures are cleared
