"""Small builders shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

from atiyeh_reports.core.national_id import check_digit


def nid(n: int) -> str:
    """A valid national ID built from ``n``: its first nine digits, then the check digit.

    Nine equal digits (never a valid ID) are moved to the next number.
    """
    first = f"{n:09d}"
    if len(set(first)) == 1:
        first = f"{n + 1:09d}"
    return first + str(check_digit(first))


def svg_texts(fig, *, close: bool = False) -> list[str]:  # noqa: ANN001 - a matplotlib Figure
    """The text elements of a figure, as SVG writes them when text is kept as text."""
    import re

    from atiyeh_reports.present import charts

    svg = charts.to_svg(fig, text_as_paths=False)
    if close:
        charts.close(fig)
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
