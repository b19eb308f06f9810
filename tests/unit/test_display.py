"""Formatting at the edge: Persian digits, separators, right-to-left tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atiyeh_reports.core.text import to_ascii_digits
from atiyeh_reports.present.display import fmt_int, fmt_million, fmt_pct, fmt_year, table_html


def test_numbers_in_persian_digits_with_separators() -> None:
    assert fmt_int(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert fmt_int(None) == "–"
    assert fmt_int("<5") == "<۵"
    assert fmt_million(29_748_096_000) == "۲۹٬۷۴۸"
    assert fmt_million(1_500_000, 1) == "۱٫۵"
    assert fmt_million(2_500_000) == "۳"  # half up
    assert fmt_pct(0.9531) == "۹۵٫۳٪"


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_fmt_int_round_trips(n: int) -> None:
    assert int(to_ascii_digits(fmt_int(n)).replace("٬", "")) == n


def test_table_is_rtl_with_total_row_and_escaped_text() -> None:
    df = pd.DataFrame({"استان": ["تهران", "<b>", "جمع"], "مبلغ": [1000, 2000, 3000]})
    html = table_html(df, money=["مبلغ"], total_row=True, caption="جدول")
    assert 'dir="rtl"' in html and "<caption>جدول</caption>" in html
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert '<tr class="total"><td>جمع</td><td class="num">۳٬۰۰۰</td></tr>' in html


def test_unknown_column_is_an_error() -> None:
    with pytest.raises(KeyError, match="no column"):
        table_html(pd.DataFrame({"a": [1]}), money=["b"])


def test_suppressed_counts_align_as_numbers() -> None:
    html = table_html(pd.DataFrame({"استان": ["قم"], "پسر": pd.Series([12], dtype=object), "دختر": ["<5"]}))
    assert '<td class="num">۱۲</td><td class="num">&lt;۵</td>' in html


def test_year_columns_have_no_thousands_separator() -> None:
    df = pd.DataFrame({"سال": [1402, 1403], "سال عملکرد": [1401, 1402], "تعداد": [1402, 9913]})
    html = table_html(df)
    assert '<td class="num">۱۴۰۲</td><td class="num">۱۴۰۱</td><td class="num">۱٬۴۰۲</td>' in html


def test_a_named_year_column_and_one_outside_the_year_range() -> None:
    df = pd.DataFrame({"دوره": [1404], "سال‌ها": [2500]})
    html = table_html(df, years=["دوره"])
    assert ">۱۴۰۴<" in html and ">۲٬۵۰۰<" in html


def test_headers_get_persian_digits() -> None:
    html = table_html(pd.DataFrame({"صادرشده پس از 45 روز": [1]}))
    assert "<th>صادرشده پس از ۴۵ روز</th>" in html and "45" not in html


def test_a_float_column_keeps_one_number_of_decimals() -> None:
    html = table_html(pd.DataFrame({"نسبت": [1.0, 1.25]}))
    assert '<td class="num">۱٫۰</td>' in html
    assert '<td class="num">۱</td>' not in html


@pytest.mark.parametrize(("columns", "expected"), [(6, "atiyeh-table"), (7, "atiyeh-table wide"), (10, "atiyeh-table xwide")])
def test_wide_tables_get_a_class_for_smaller_type(columns: int, expected: str) -> None:
    html = table_html(pd.DataFrame({f"c{i}": [i] for i in range(columns)}))
    assert f'<table class="{expected}"' in html


def test_long_text_may_wrap_and_short_text_may_not() -> None:
    long_text = "کد ملی در استان دیگری هم آمده است؛ در این استان شمرده شد"
    html = table_html(pd.DataFrame({"مشکل": [long_text], "اقدام": ["اصلاح شد"]}))
    assert f'<td class="wrap">{long_text}</td><td>اصلاح شد</td>' in html


@given(st.integers(min_value=1300, max_value=1500))
def test_fmt_year_round_trips(year: int) -> None:
    assert int(to_ascii_digits(fmt_year(year))) == year


def test_table_classes_cannot_collide_with_icon_fonts() -> None:
    # Font Awesome (bundled by JupyterLab) styles `.fa-<name>:before` with an icon glyph: a table
    # class such as `fa-table` then shows a missing-glyph box under the header.
    html = table_html(pd.DataFrame({f"c{i}": [i] for i in range(10)}))
    classes = html.split('class="', 1)[1].split('"', 1)[0].split()
    assert "atiyeh-table" in classes
    icon_prefixes = ("fa", "fa-", "fas", "far", "glyphicon", "bi-", "icon-", "material-icons", "jp-")
    assert not [c for c in classes if c in icon_prefixes or c.startswith(icon_prefixes[1:])]


def test_status_columns_are_coloured_badges_in_their_own_cells() -> None:
    import pandas as pd

    from atiyeh_reports.present.display import table_html

    html = table_html(pd.DataFrame({"پوشش": [0.95, 0.5], "وضعیت": ["سبز", "واژهٔ تازه"]}),
                      percent=["پوشش"], status=["وضعیت"])
    assert '<td class="num">۹۵٫۰٪</td><td class="status"><span class="badge badge-green">سبز</span></td>' in html
    assert '<span class="badge badge-none">واژهٔ تازه</span>' in html  # a word without a colour: still shown
    assert 'dir="rtl"' in html
    css = (Path(__file__).resolve().parents[2] / "src/atiyeh_reports/templates/report.css").read_text("utf-8")
    assert all(f".{c}" in css for c in ("badge-green", "badge-amber", "badge-red", "badge-none"))


# --- the one rounding rule ------------------------------------------------------------------
def test_halves_round_up_on_the_decimal_a_float_prints_as() -> None:
    """78.5% is 79%, 89.85 is 89.9: float formatting rounds the binary value (just below) half to even."""
    from decimal import Decimal
    from fractions import Fraction

    import numpy as np

    from atiyeh_reports.present.display import fmt_number, round_half_up

    assert round_half_up(2.5) == 3 and round_half_up(-2.5) == -3 and round_half_up(0.5) == 1
    assert round_half_up(89.85, 1) == Decimal("89.9") and round_half_up(np.float64(89.85), 1) == Decimal("89.9")
    assert round_half_up(Fraction(157, 200) * 100) == 79 and round_half_up(Fraction(1, 3), 2) == Decimal("0.33")
    assert fmt_pct(157 / 200, 0) == "۷۹٪"  # Isfahan's 78.5%
    assert fmt_number(89.85) == "۸۹٫۹" and fmt_number(np.float64(1234.25), 1) == "۱٬۲۳۴٫۳"
    assert fmt_number(-0.04) == "۰٫۰"  # no minus on a zero
    assert fmt_int(2.5) == "۳"
    assert fmt_number(float("inf")) == "∞" and fmt_pct(-np.inf) == "-∞٪"  # nothing to round, no crash


def test_every_formatter_rounds_halves_up() -> None:
    """Each module's figures go through display.round_half_up: a half is rounded up wherever it is shown."""
    import importlib
    from decimal import Decimal
    from fractions import Fraction

    from atiyeh_reports.allocation import scenarios
    from atiyeh_reports.allocation import views as budget
    from atiyeh_reports.evaluation import indicators, triangulation
    from atiyeh_reports.evaluation import wording as evaluation
    from atiyeh_reports.present import charts
    from atiyeh_reports.present import summary as summaries
    from atiyeh_reports.publish import letter

    index = importlib.import_module("atiyeh_reports.publish.index")

    assert evaluation._rials_million(2_500_000) == "۳ میلیون ریال"
    assert evaluation._pct(0.785) == "۷۹٪" and evaluation._n(2.5) == "۳"
    assert triangulation._amount(2_500_000, "ریال") == "۳ میلیون ریال"
    assert budget._fa_share(Decimal("0.00125")) == "۰٫۱۳٪" and budget._fa_share(Decimal("0.02")) == "۲٪"
    assert budget._fa_weight(Fraction(10625, 10000)) == "۱٫۰۶۳"
    assert scenarios._half_up(Fraction(-5, 2)) == -3
    assert indicators.pp_text(0.0125) == "۱٫۳ واحد درصد افزایش"
    assert indicators.pp_text(-0.0125) == "۱٫۳ واحد درصد کاهش"
    assert charts.number_fa(2.5) == "۳" and charts.number_fa(1234.25, decimals=1) == "۱٬۲۳۴٫۳"
    assert letter._fa_share(Fraction(1, 800)) == "۰٫۱۳٪"
    assert summaries.pct(0.0025) == "0.3%" and summaries.n(2.5) == "3"
    assert index.format_size(1280) == "۱٫۳ کیلوبایت"  # 1.25 KB
