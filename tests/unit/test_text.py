"""Text normalization: idempotence, spellings that must meet, digits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atiyeh_reports.core.text import (
    ZWNJ,
    normalize_key,
    normalize_text,
    to_ascii_digits,
    to_persian_digits,
)

# Text like what the forms carry: Persian and Arabic letters, digits of three
# scripts, spaces of several kinds, ZWNJ and other invisible marks, diacritics.
persianish = st.text(
    alphabet=st.sampled_from(
        list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ")
        + list("يكةۀەأإٱؤئىـ")
        + list("0123456789۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
        + [" ", "\t", "\n", "\u00a0", "\u202f", ZWNJ, "\u200d", "\u200e", "\u200f", "\ufeff"]
        + ["\u064b", "\u064e", "\u0650", "\u0651", "\u0652", "\u0654", "\u0670"]
        + list("abcXYZ-/.")
    ),
    max_size=30,
)


@given(persianish)
def test_normalize_text_is_idempotent(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once


@given(st.text(max_size=30))
def test_normalize_text_is_idempotent_on_any_unicode(s: str) -> None:
    once = normalize_text(s)
    assert normalize_text(once) == once


@given(persianish)
def test_normalize_key_is_idempotent_and_alphanumeric(s: str) -> None:
    key = normalize_key(s)
    assert normalize_key(key) == key
    assert all(ch.isalnum() for ch in key)


@given(st.text(max_size=30))
def test_normalize_key_is_idempotent_on_any_unicode(s: str) -> None:
    key = normalize_key(s)
    assert normalize_key(key) == key


@given(persianish)
def test_normalized_text_has_no_doubled_spaces_or_edge_spaces(s: str) -> None:
    out = normalize_text(s)
    assert "  " not in out
    assert out == out.strip(" " + ZWNJ)
    assert not set(out) & set("يكۀة\u200d\u200e\u200f\ufeff\u00a0")


@pytest.mark.parametrize(
    "spelling",
    ["آذربایجان شرقی", "آذربايجان شرقي", "آذربایجان\u200cشرقی", "آذربایجانشرقی", " آذربایجان   شرقی "],
)
def test_spellings_share_one_key(spelling: str) -> None:
    assert normalize_key(spelling) == normalize_key("آذربایجان شرقی")


def test_normalize_text_keeps_one_zwnj_and_fixes_letters() -> None:
    assert normalize_text(" كرمانشاه  ") == "کرمانشاه"
    assert normalize_text("بی \u200c سرپرست") == "بی\u200cسرپرست"
    assert normalize_text("خانة") == "خانه"
    assert normalize_text("۱۲٣") == "123"
    assert normalize_text(None) == ""


@given(st.text(alphabet="0123456789", max_size=20))
def test_digits_round_trip(digits: str) -> None:
    persian = to_persian_digits(digits)
    assert all(ch in "۰۱۲۳۴۵۶۷۸۹" for ch in persian)
    assert to_ascii_digits(persian) == digits


@given(st.text(max_size=20))
def test_to_ascii_digits_leaves_no_persian_or_arabic_digits(s: str) -> None:
    out = to_ascii_digits(s)
    assert not set(out) & set("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩")
    assert len(out) == len(s)
