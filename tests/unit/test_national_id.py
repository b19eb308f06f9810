"""The national ID: the check digit, and undoing what Excel and typists do to it."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from atiyeh_reports.core.national_id import check_digit, clean_national_id, is_valid

nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


def _remainder(first_nine: str) -> int:
    return sum(int(d) * (10 - i) for i, d in enumerate(first_nine)) % 11


def _valid_id(first_nine: str) -> str:
    return first_nine + str(check_digit(first_nine))


def test_check_digit_by_hand() -> None:
    # 0,0,1,2,3,4,5,6,7 weighted 10..2: 8+14+18+20+20+18+14 = 112; 112 mod 11 = 2; 11-2 = 9
    assert _remainder("001234567") == 2
    assert check_digit("001234567") == 9
    assert is_valid("0012345679")
    assert not is_valid("0012345674")
    # Remainders 0 and 1 are the check digit itself: 1*10 + 1*2 = 12 ≡ 1; 2*10 + 1*2 = 22 ≡ 0.
    assert check_digit("100000001") == 1
    assert check_digit("200000001") == 0


@pytest.mark.parametrize("bad", ["12345678", "0012345", "", "abc", "00123456", "1234-5678"])
def test_check_digit_needs_nine_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="nine ASCII digits"):
        check_digit(bad)


@given(nine_digits)
def test_a_built_id_is_valid(first_nine: str) -> None:
    assume(len(set(first_nine + str(check_digit(first_nine)))) > 1)
    assert is_valid(_valid_id(first_nine))


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_a_single_digit_change_fails(first_nine: str, position: int, delta: int) -> None:
    good = _valid_id(first_nine)
    digits = list(good)
    digits[position] = str((int(digits[position]) + delta) % 10)
    changed = "".join(digits)
    # The official rule maps remainders 1 and 10 both to check digit 1, so a
    # change that moves the remainder between them is the one it cannot see.
    if position < 9 and {_remainder(good[:9]), _remainder(changed[:9])} == {1, 10}:
        assert is_valid(changed) == (len(set(changed)) > 1)
    else:
        assert not is_valid(changed)


def test_the_remainder_1_or_10_blind_spot_exists() -> None:
    # Documented, not a bug: 1000000011 (remainder 1) and 3000000011 (remainder 10,
    # a single digit apart) both carry check digit 1, so both are valid.
    assert _remainder("100000001") == 1 and _remainder("300000001") == 10
    assert is_valid("1000000011") and is_valid("3000000011")


@pytest.mark.parametrize("same", [str(d) * 10 for d in range(10)])
def test_ten_equal_digits_are_never_valid(same: str) -> None:
    assert not is_valid(same)


@pytest.mark.parametrize("bad", ["۰۰۱۲۳۴۵۶۷۹", "001234567", "00123456799", " 0012345679", 12345679, None])
def test_is_valid_wants_ten_ascii_digits_as_text(bad: object) -> None:
    assert not is_valid(bad)  # type: ignore[arg-type]


@given(nine_digits.filter(lambda s: not s.startswith("000")))
def test_clean_restores_ids_stored_as_numbers(first_nine: str) -> None:
    nid = _valid_id(first_nine)
    assert clean_national_id(int(nid)) == nid
    assert clean_national_id(float(int(nid))) == nid
    assert clean_national_id(str(int(nid))) == nid
    assert clean_national_id(f"{int(nid)}.0") == nid


@pytest.mark.parametrize(
    "typed",
    ["۰۰۱۲۳۴۵۶۷۹", "٠٠١٢٣٤٥٦٧٩", "001-234567-9", "001 234 567 9", " 0012345679 ",
     "0012345679\u200f", 12345679, 12345679.0, "12345679.0"],
)
def test_clean_undoes_digits_spaces_and_dashes(typed: object) -> None:
    assert clean_national_id(typed) == "0012345679"


@pytest.mark.parametrize(
    "hopeless", [None, "", True, float("nan"), 1234567.5, "12345", "12345678901", "abc", "۰۰۱۲x۴۵۶۷۹"]
)
def test_clean_gives_none_when_it_cannot_be_an_id(hopeless: object) -> None:
    assert clean_national_id(hopeless) is None


@given(st.lists(st.one_of(
    st.text(alphabet="0123456789", min_size=10, max_size=10),
    st.text(alphabet="0123456789", min_size=0, max_size=12),
    st.text(alphabet="0123456789۰۱۲۳۴۵۶۷۸۹ -", min_size=10, max_size=10),
    st.integers(0, 10**10), st.none(),
), max_size=40))
def test_valid_mask_agrees_with_is_valid(ids: list) -> None:
    from atiyeh_reports.core.national_id import valid_mask

    assert valid_mask(ids).tolist() == [is_valid(i) for i in ids]


def test_valid_mask_on_known_ids() -> None:
    from atiyeh_reports.core.national_id import valid_mask

    good = "001234567" + str(check_digit("001234567"))
    assert valid_mask([good, "1111111111", good[:9] + str((int(good[9]) + 1) % 10), None]).tolist() == [
        True, False, False, False]


def test_ids_in_is_membership_with_missing_never_in() -> None:
    import pandas as pd

    from atiyeh_reports.core.national_id import ids_in

    ids = pd.Series(["0012345679", None, "1234567891", "0012345679"], dtype="str")
    assert ids_in(ids, {"0012345679"}).tolist() == [True, False, False, True]
    assert ids_in(ids, ["1234567891"]).tolist() == [False, False, True, False]
    assert ids_in(ids, set()).tolist() == [False] * 4
    assert ids_in(ids, {"0012345679"}).tolist() == ids.isin({"0012345679"}).tolist()
