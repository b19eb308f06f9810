"""Formatting at the edge: numbers and tables as a Persian reader expects them.

Computations keep integers and floats; these helpers turn them into Persian
digits with thousands separators only when a table or a sentence is shown.
Tables come out as right-to-left HTML that nbconvert keeps and WeasyPrint
prints; the report stylesheet (``render``) styles the ``atiyeh-table`` class.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from decimal import Decimal
from fractions import Fraction
from numbers import Integral, Number
from typing import TYPE_CHECKING

import pandas as pd

from atiyeh_reports.core.text import to_persian_digits

if TYPE_CHECKING:
    from IPython.display import HTML, Markdown  # noqa: PLC0415 - IPython only when a table is shown

THOUSANDS = "٬"  # Arabic thousands separator, U+066C
DECIMAL = "٫"  # Arabic decimal separator, U+066B
MISSING = "–"
WIDE_COLUMNS = 7  # a table with this many columns or more prints in a smaller type
XWIDE_COLUMNS = 10
WRAP_CHARS = 24  # text cells longer than this may wrap; shorter ones (names, words) stay on one line
YEAR_RANGE = range(1300, 1501)  # Jalali years, written without a thousands separator


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


# --- the one rounding rule -------------------------------------------------------------------
def exact(value: object) -> Fraction:
    """The exact number a value stands for: a float as the decimal it prints as (``0.785`` is
    0.785, not the binary 0.78500000000000003108...), ints, Decimals and Fractions as they are."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, Decimal):
        return Fraction(value)
    return Fraction(Decimal(str(value)))  # str of a float (numpy's too) is its shortest repr


def round_half_up(value: object, decimals: int = 0) -> Decimal:
    """Every figure shown is rounded here: half up (away from zero), on the exact decimal.

    ``value`` is read by :func:`exact` (so 78.5 → 79, 89.85 → 89.9 and 2.5 → 3, where
    float formatting and :func:`round` give 78, 89.8 and 2); the result has exactly
    ``decimals`` places (``Decimal('89.90')`` for two).
    """
    scaled = exact(value) * 10**decimals
    units = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(-units if scaled < 0 else units).scaleb(-decimals)


def fmt_decimal(value: object, decimals: int = 0, *, grouping: bool = True) -> str:
    """:func:`round_half_up` in Persian digits, with thousands separators unless ``grouping`` is False."""
    if isinstance(value, float) and math.isinf(value):  # numpy's floats too; nothing to round
        return "∞" if value > 0 else "-∞"
    text = format(round_half_up(value, decimals), f"{',' if grouping else ''}.{decimals}f")
    return to_persian_digits(text.replace(",", "\0").replace(".", DECIMAL).replace("\0", THOUSANDS))


def fmt_int(value: object) -> str:
    """``12345`` → ``۱۲٬۳۴۵``; strings (e.g. a suppressed ``<5``) pass through in Persian digits."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        return to_persian_digits(value)
    return fmt_decimal(value)


def fmt_rials(value: object) -> str:
    """An amount in Rials with separators (no unit: the column header carries it)."""
    return fmt_int(value)


def fmt_million(value: object, decimals: int = 0) -> str:
    """An amount in Rials shown in million Rials, rounded half up to ``decimals`` places."""
    if _is_missing(value):
        return MISSING
    return fmt_decimal(Fraction(int(value), 1_000_000), decimals)


def fmt_pct(value: object, decimals: int = 1) -> str:
    """A share (0.953) as a percentage (``۹۵٫۳٪``)."""
    if _is_missing(value):
        return MISSING
    infinite = isinstance(value, float) and math.isinf(value)
    return fmt_decimal(value if infinite else exact(value) * 100, decimals) + "٪"


def fmt_number(value: object, decimals: int = 1) -> str:
    """A float with ``decimals`` places in Persian digits; ints as :func:`fmt_int`."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        return to_persian_digits(value)
    if isinstance(value, (int,)) or (isinstance(value, float) and value.is_integer() and decimals == 0):
        return fmt_int(value)
    return fmt_decimal(value, decimals)


def fmt_year(value: object) -> str:
    """A Jalali year as written in Persian text: ``1403`` → ``۱۴۰۳`` (no thousands separator)."""
    if _is_missing(value):
        return MISSING
    if isinstance(value, str):
        return to_persian_digits(value)
    return to_persian_digits(str(int(value)))


def _cell(value: object, decimals: int | None = None) -> str:
    if _is_missing(value):
        return MISSING
    if isinstance(value, bool):
        return "بله" if value else "خیر"
    if isinstance(value, Number) and not isinstance(value, bool):
        if decimals is None:
            decimals = 0 if float(value).is_integer() else 1
        return fmt_number(value, decimals)
    return to_persian_digits(value) if isinstance(value, str) else str(value)


def _is_year_column(name: object, column: pd.Series) -> bool:
    """A column headed «سال …» whose values are all whole Jalali years."""
    if not str(name).strip().startswith("سال"):
        return False
    values = [v for v in column if not _is_missing(v)]
    return bool(values) and all(
        isinstance(v, Number) and not isinstance(v, bool) and float(v).is_integer() and int(v) in YEAR_RANGE
        for v in values
    )


def _column_decimals(column: pd.Series) -> int | None:
    """One number of decimals for a whole numeric column (``۱٫۰`` beside ``۱٫۲``, not ``۱``)."""
    values = [v for v in column if isinstance(v, Number) and not isinstance(v, bool) and not _is_missing(v)]
    if not values:
        return None
    return 0 if all(float(v).is_integer() for v in values) else 1


def _numeric_column(column: pd.Series) -> bool:
    """Numbers, or numbers mixed with suppressed counts such as ``<5``."""
    if pd.api.types.is_bool_dtype(column):
        return False
    if pd.api.types.is_numeric_dtype(column):
        return True
    values = [v for v in column if not _is_missing(v)]
    return bool(values) and all(
        (isinstance(v, Number) and not isinstance(v, bool)) or (isinstance(v, str) and v.startswith("<"))
        for v in values
    )


def table_html(
    df: pd.DataFrame,
    *,
    money: Iterable[str] = (),
    million: Iterable[str] = (),
    percent: Iterable[str] = (),
    integers: Iterable[str] = (),
    years: Iterable[str] = (),
    status: Iterable[str] = (),
    caption: str | None = None,
    total_row: bool = False,
    index: bool = False,
    classes: Sequence[str] = (),
) -> str:
    """Render ``df`` as a right-to-left HTML table with Persian digits.

    ``money``: int Rials with separators; ``million``: int Rials shown in million
    Rials; ``percent``: shares (0–1) as percentages; ``integers``: counts;
    ``years``: Jalali years, without a thousands separator (a column headed
    «سال …» holding only years is treated so without being named).
    Other columns: numbers get Persian digits, with the same number of
    decimals down a column; text is escaped as it is. Headers get Persian
    digits too (``پس از 45 روز`` → ``پس از ۴۵ روز``).
    ``total_row`` styles the last row as a total. ``status``: columns of status
    words (سبز، زرد، قرمز، منطبق، بی‌توضیح ...), each shown as a coloured badge in
    its own cell (:data:`BADGE_CLASSES`; the word stays, colour is never the only sign).

    Layout classes for the stylesheet: ``wide`` (7 columns or more) and
    ``xwide`` (10 or more) print in a smaller type so that the table fits the
    page; short text cells (names, one-word statuses) do not wrap, longer
    ones get ``class="wrap"``.
    """
    formatters = {}
    for col in money:
        formatters[col] = fmt_rials
    for col in million:
        formatters[col] = fmt_million
    for col in percent:
        formatters[col] = fmt_pct
    for col in integers:
        formatters[col] = fmt_int
    for col in years:
        formatters[col] = fmt_year
    unknown = set(formatters) - set(df.columns)
    if unknown:
        raise KeyError(f"show_table: no column(s) {sorted(unknown)} in {list(df.columns)}")
    frame = df.reset_index() if index else df
    for col in frame.columns:
        if col not in formatters and _is_year_column(col, frame[col]):
            formatters[col] = fmt_year
    badged = set(status)
    if badged - set(frame.columns):
        raise KeyError(f"show_table: no column(s) {sorted(badged - set(frame.columns))} in {list(frame.columns)}")
    head = "".join(f"<th>{html.escape(to_persian_digits(str(c)))}</th>" for c in frame.columns)
    numeric = {c for c in frame.columns if c in formatters or _numeric_column(frame[c])}
    decimals = {c: _column_decimals(frame[c]) for c in numeric if c not in formatters}
    rows = []
    n = len(frame)
    for i, record in enumerate(frame.itertuples(index=False, name=None)):
        cells = []
        for col, value in zip(frame.columns, record, strict=True):
            text = formatters[col](value) if col in formatters else _cell(value, decimals.get(col))
            if col in badged:
                cells.append(badge_html(text))
                continue
            if col in numeric:
                cls = ' class="num"'
            elif len(text) > WRAP_CHARS:
                cls = ' class="wrap"'
            else:
                cls = ""
            cells.append(f"<td{cls}>{html.escape(text)}</td>")
        tr_cls = ' class="total"' if total_row and i == n - 1 else ""
        rows.append(f"<tr{tr_cls}>{''.join(cells)}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    width = len(frame.columns)
    size = ["xwide"] if width >= XWIDE_COLUMNS else ["wide"] if width >= WIDE_COLUMNS else []
    cls = " ".join(["atiyeh-table", *size, *classes])
    return (
        f'<table class="{cls}" dir="rtl">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


#: Status words and the CSS class (templates/report.css) of their badge's colour.
BADGE_CLASSES: dict[str, str] = {
    "سبز": "badge-green", "زرد": "badge-amber", "قرمز": "badge-red", "نامعلوم": "badge-none",
    "منطبق": "badge-green", "توضیح‌دار": "badge-amber", "بی‌توضیح": "badge-red",
    "نیازمند بررسی": "badge-red",
}


def badge_html(word: str) -> str:
    """One status cell: the word in a coloured badge (``badge-none`` for a word without a colour)."""
    kind = BADGE_CLASSES.get(word, "badge-none")
    return f'<td class="status"><span class="badge {kind}">{html.escape(word)}</span></td>'


def show_table(df: pd.DataFrame, **kwargs: object) -> HTML:
    """:func:`table_html` wrapped for display in a notebook."""
    from IPython.display import HTML  # noqa: PLC0415 - IPython only when a table is shown

    return HTML(table_html(df, **kwargs))  # type: ignore[arg-type]


#: What :func:`prose` escapes: HTML's own characters (a file name ``<img src=x onerror=…>.csv``
#: would be a live tag: Markdown passes HTML through) and a link's or an image's brackets.
_PROSE_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "[": "\\[", "]": "\\]"})


def prose(text: str) -> Markdown:
    """Generated sentences, shown as Markdown (digits already Persian where wanted).

    The sentences quote inputs (a file name, a county, the programme's name): HTML in them is
    escaped, so it shows as typed and is never markup; ``**bold**`` and lists still work.
    """
    from IPython.display import Markdown  # noqa: PLC0415 - IPython only when a table is shown

    return Markdown(str(text).translate(_PROSE_ESCAPES))


def key_values(pairs: Iterable[tuple[str, object]], *, caption: str | None = None) -> HTML:
    """A two-column label/value table (e.g. headline numbers), values pre-formatted or ints."""
    frame = pd.DataFrame(
        [(label, value if isinstance(value, str) else fmt_int(value)) for label, value in pairs],
        columns=["شاخص", "مقدار"],
    )
    return show_table(frame, caption=caption)
