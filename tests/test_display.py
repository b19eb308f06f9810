"""Formatting at the edge: Persian digits, separators, right-to-left tables."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from atiyeh_reports.display import fmt_int, fmt_million, fmt_pct, table_html
from atiyeh_reports.text import to_ascii_digits


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
