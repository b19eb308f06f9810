"""The reports' terms and their one order of provinces."""

from __future__ import annotations

import pandas as pd

from atiyeh_reports.core import vocab
from atiyeh_reports.core.provinces import provinces


def test_provinces_sort_in_persian_alphabetical_order():
    names = [p.name_fa for p in sorted(provinces(), key=lambda p: vocab.persian_sort_key(p.name_fa))]
    assert names[:2] == ["آذربایجان شرقی", "آذربایجان غربی"] and names[-1] == "یزد"
    # پ، چ، ژ، گ and ک sit in the Persian alphabet, not where Unicode puts them
    assert names.index("چهارمحال و بختیاری") < names.index("خراسان جنوبی")
    assert names.index("کرمان") < names.index("گلستان") < names.index("لرستان")


def test_in_province_order_keeps_rows_without_a_province_last():
    frame = pd.DataFrame({"province_code": ["IR-21", None, "IR-03", "IR-23"], "n": [1, 2, 3, 4]})
    assert vocab.in_province_order(frame)["n"].tolist() == [3, 4, 1, 2]  # آذربایجان، تهران، یزد، —


def test_retired_variants_are_not_the_terms_in_use():
    in_use = (vocab.PROGRAMME, vocab.ELIGIBLE, vocab.INSURED, vocab.COVERED_REPORTED, vocab.TOTAL)
    for old in vocab.RETIRED:
        assert not any(old in term for term in in_use), old
