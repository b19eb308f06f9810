"""Small-count suppression and the scan for personal data."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.present.privacy import (
    recoverable_cells,
    scan_for_personal_data,
    suppress_small_counts,
    suppression_mask,
)
from factories import nid


def brute_force_solutions(published: pd.DataFrame, hidden: np.ndarray, limit: int) -> list[dict]:
    """Every assignment of hidden cells (0..limit) consistent with the published totals."""
    n_rows, n_cols = hidden.shape
    cells = [tuple(ix) for ix in np.argwhere(hidden)]
    body = published.iloc[:n_rows, :n_cols]
    row_tot = published.iloc[:n_rows, n_cols] if n_cols >= 2 else None
    col_tot = published.iloc[n_rows, :n_cols] if n_rows >= 2 else None
    known = np.where(hidden, 0, body.to_numpy(dtype=object)).astype(int)
    sols = []
    for combo in itertools.product(range(limit + 1), repeat=len(cells)):
        grid = known.copy()
        for (i, j), v in zip(cells, combo, strict=True):
            grid[i, j] = v
        if row_tot is not None and not (grid.sum(axis=1) == row_tot.to_numpy(dtype=int)).all():
            continue
        if col_tot is not None and not (grid.sum(axis=0) == col_tot.to_numpy(dtype=int)).all():
            continue
        sols.append(dict(zip(cells, combo, strict=True)))
    return sols


def test_a_lone_small_cell_gets_a_partner_in_its_row_and_column():
    table = pd.DataFrame({"پسر": [3, 10, 12], "دختر": [8, 9, 20]}, index=["الف", "ب", "ج"])
    out = suppress_small_counts(table, 5)
    assert out.loc["الف", "پسر"] == "<5"
    mask = suppression_mask(table, 5)
    hidden = (mask != "").to_numpy()
    assert (hidden.sum(axis=1) != 1).all() and (hidden.sum(axis=0) != 1).all()
    assert recoverable_cells(hidden) == []
    # totals are the true ones
    assert out.loc["جمع", "جمع"] == 62 and out.loc["الف", "جمع"] == 11
    # and brute force finds more than one value for the small cell
    sols = brute_force_solutions(out, hidden, 14)
    assert len({s[(0, 0)] for s in sols}) > 1
    # the input is not changed
    assert table.loc["الف", "پسر"] == 3


def test_bridge_between_two_blocks_is_also_protected():
    # hidden cells forming two 2x2 blocks joined by one more cell: the joining cell
    # would be recoverable although each line has two hidden cells.
    hidden = np.zeros((4, 4), dtype=bool)
    hidden[0:2, 0:2] = True
    hidden[2:4, 2:4] = True
    assert recoverable_cells(hidden) == []
    hidden[1, 2] = True
    assert (1, 2) in recoverable_cells(hidden)


def test_one_column_breakdown_hides_a_second_cell():
    table = pd.DataFrame({"تعداد": [2, 30, 40]}, index=["الف", "ب", "ج"])
    out = suppress_small_counts(table, 5)
    assert out.loc["الف", "تعداد"] == "<5" and out.loc["ب", "تعداد"] == "*"
    assert out.loc["جمع", "تعداد"] == 72 and "جمع" not in out.columns


def test_zeros_and_large_counts_stay_visible():
    table = pd.DataFrame({"a": [0, 10], "b": [7, 12]})
    out = suppress_small_counts(table, 5)
    assert out.iloc[0, 0] == 0 and out.iloc[1, 1] == 12


@settings(max_examples=40, deadline=None)
@given(arrays(np.int64, st.tuples(st.integers(1, 4), st.integers(1, 4)), elements=st.integers(0, 12)),
       st.integers(2, 6))
def test_no_hidden_cell_can_be_recovered_from_totals(values, threshold):
    table = pd.DataFrame(values)
    mask = suppression_mask(table, threshold)
    hidden = (mask != "").to_numpy()
    assert ((values > 0) & (values < threshold) <= hidden).all()  # every small count hidden
    if hidden.any() and not hidden.all():
        assert recoverable_cells(hidden) == []
    out = suppress_small_counts(table, threshold)
    shown = out.iloc[: values.shape[0], : values.shape[1]].to_numpy()
    for (i, j), h in np.ndenumerate(hidden):
        assert isinstance(shown[i, j], str) == h


def test_brute_force_agrees_on_a_small_table():
    table = pd.DataFrame([[1, 6], [7, 2]])
    out = suppress_small_counts(table, 5)
    hidden = (suppression_mask(table, 5) != "").to_numpy()
    sols = brute_force_solutions(out, hidden, 16)
    for cell in map(tuple, np.argwhere(hidden)):
        assert len({s[cell] for s in sols}) > 1


# --- scanning ---------------------------------------------------------------------------
def test_scan_finds_ids_in_any_digits_and_with_separators():
    good = nid(123456)
    persian = to_persian_digits(good)
    dashed = f"{good[:3]}-{good[3:9]}-{good[9]}"
    text = f"کد {good} و {persian} و {dashed} و نامعتبر 1234567890"
    found = scan_for_personal_data(text)
    assert found == [good, persian, dashed]


def test_scan_ignores_money_and_longer_numbers():
    money = "1,785,600,000"  # ten digits grouped in thousands: an amount
    assert scan_for_personal_data(f"اعتبار {money} ریال و ۱٬۷۸۵٬۶۰۰٬۰۰۰ ریال") == []
    assert scan_for_personal_data("شماره 9" + nid(5) + "1") == []


def test_scan_finds_names_whatever_their_spelling():
    text = "گزارش: فرزند علي  رضايي در استان"
    assert scan_for_personal_data(text, names=["علی رضایی", "مریم"]) == ["علی رضایی"]
    assert scan_for_personal_data("علیرضا", names=["علی"]) == []


def test_visible_text_skips_styles_and_images_and_names_scan_fast() -> None:
    from atiyeh_reports.present.privacy import scan_for_personal_data, visible_text

    html = ("<style>.a{}</style><p>علی رضایی</p><img src='data:image/svg+xml;base64,MTIzNDU2Nzg5MA=='>"
            "<svg><path d='M 428 1750 551 309 81 0 0 0 1 0'/></svg><td>۱۲۳</td><td>۴۵۶</td>")
    text = visible_text(html)
    assert "علی رضایی" in text and "path" not in text and ".a" not in text
    names = [f"نام{i} خانواده{i}" for i in range(20000)] + ["علی رضایی"]
    assert scan_for_personal_data(text, names=names) == ["علی رضایی"]
    assert scan_for_personal_data("علی‌رضایی", names=["علی رضایی"]) == ["علی رضایی"]
    assert scan_for_personal_data("علی رضاییان", names=["علی رضایی"]) == []


def test_a_valid_id_inside_a_commit_hash_is_not_an_id_but_one_beside_text_is() -> None:
    """A 10-digit run with a valid check digit inside a hex hash (the provenance box) is not a child's
    ID; the same digits standing alone, or after Persian text, are."""
    from atiyeh_reports.core.national_id import is_valid
    from atiyeh_reports.present.privacy import scan_for_personal_data

    digits = next(f"{n:09d}{c}" for n in range(123456789, 123456999) for c in range(10)
                  if is_valid(f"{n:09d}{c}"))
    assert scan_for_personal_data(f"commit 6c6f1b05de{digits}a6") == []
    assert scan_for_personal_data(f"sha256:{digits}ffe") == []
    assert scan_for_personal_data(f"کد ملی {digits}") == [digits]
    assert scan_for_personal_data(f"{digits}") == [digits]
