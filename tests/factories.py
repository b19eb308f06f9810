"""Small builders shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from atiyeh_reports.national_id import check_digit


def nid(n: int) -> str:
    """A valid national ID built from ``n``: its first nine digits, then the check digit.

    Nine equal digits (never a valid ID) are moved to the next number.
    """
    first = f"{n:09d}"
    if len(set(first)) == 1:
        first = f"{n + 1:09d}"
    return first + str(check_digit(first))
