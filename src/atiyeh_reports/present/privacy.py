"""Keeping children unidentifiable in what is shared outside HQ.

Two tools:

* :func:`suppress_small_counts` hides small counts in breakdowns finer than a
  province (county × gender, county × care type, ...).
* :func:`scan_for_personal_data` looks for national IDs and names in rendered
  text; the end-to-end tests run it over every HTML and PDF report.

Suppression rule
----------------
1. *Primary*: a count ``0 < n < threshold`` is shown as ``"<threshold"`` (e.g. ``<5``).
   Zeros are shown: a zero identifies nobody.
2. *Secondary*: row totals (when the table has two columns or more), column
   totals (two rows or more) and the grand total are published. A hidden cell
   must not be computable from them. The set of hidden cells is checked with
   linear algebra: cell *k* can be recovered exactly when its unit vector lies
   in the row space of the published line equations restricted to the hidden
   cells. While some hidden cell can be recovered, one more cell sharing a line
   with it is hidden: the smallest positive
   visible count (preferring the cell that leaves the fewest recoverable ones).
   Secondary cells show as ``*``.
   This also covers the classic case of a line with a single hidden cell.

The check is about exact recovery from totals; it is what the tests assert.
Bounds (a primary cell is known to be below the threshold) can still narrow a
hidden value to a range, as with any cell-suppression scheme.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from html.parser import HTMLParser

import numpy as np
import pandas as pd

from atiyeh_reports.core.national_id import id_candidates, is_valid
from atiyeh_reports.core.text import normalize_text, to_ascii_digits

__all__ = ["SECONDARY", "TOTAL_LABEL", "scan_for_personal_data", "suppress_small_counts",
           "suppression_mask"]

SECONDARY = "*"
TOTAL_LABEL = "جمع"


def _equations(shape: tuple[int, int]) -> list[np.ndarray]:
    """Boolean masks of the published lines (row totals, column totals, grand total)."""
    n_rows, n_cols = shape
    lines = []
    if n_cols >= 2:
        for i in range(n_rows):
            m = np.zeros(shape, dtype=bool)
            m[i, :] = True
            lines.append(m)
    if n_rows >= 2:
        for j in range(n_cols):
            m = np.zeros(shape, dtype=bool)
            m[:, j] = True
            lines.append(m)
    lines.append(np.ones(shape, dtype=bool))
    return lines


def recoverable_cells(hidden: np.ndarray) -> list[tuple[int, int]]:
    """Hidden cells whose value follows exactly from the published totals.

    Each published line gives one equation over the hidden cells it contains;
    a cell is recoverable when its unit vector is in the span of those equations.
    """
    cells = [tuple(ix) for ix in np.argwhere(hidden)]
    if not cells:
        return []
    eq = np.array([[1.0 if line[c] else 0.0 for c in cells] for line in _equations(hidden.shape)])
    rank = np.linalg.matrix_rank(eq)
    found = []
    for k, cell in enumerate(cells):
        unit = np.zeros(len(cells))
        unit[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([eq, unit])) == rank:
            found.append((int(cell[0]), int(cell[1])))
    return found


def _candidates(hidden: np.ndarray, exposed: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Visible cells that share a published line with a recoverable cell."""
    n_rows, n_cols = hidden.shape
    near = set()
    for i, j in exposed:
        if n_cols >= 2:
            near.update((i, c) for c in range(n_cols))
        if n_rows >= 2:
            near.update((r, j) for r in range(n_rows))
    near = {ix for ix in near if not hidden[ix]}
    return sorted(near) or [ix for ix in np.ndindex(hidden.shape) if not hidden[ix]]


def suppression_mask(table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """``"primary"``, ``"secondary"`` or ``""`` for each cell of a table of counts.

    Secondary cells are added one at a time, greedily: among the visible cells
    sharing a line with a recoverable cell, the one that leaves the fewest
    recoverable cells, then the smallest positive count, then the smallest count.
    """
    values = table.to_numpy(dtype="int64")
    primary = (values > 0) & (values < threshold)
    hidden = primary.copy()
    exposed = recoverable_cells(hidden)
    while exposed:
        best = None
        for ix in _candidates(hidden, exposed):
            trial = hidden.copy()
            trial[ix] = True
            left = recoverable_cells(trial)
            key = (len(left), values[ix] == 0, values[ix], ix)
            if best is None or key < best[0]:
                best = (key, ix, left)
        if best is None:  # every cell is hidden already
            break
        hidden[best[1]] = True
        exposed = best[2]
    mask = np.where(primary, "primary", np.where(hidden, "secondary", ""))
    return pd.DataFrame(mask, index=table.index, columns=table.columns)


def suppress_small_counts(table: pd.DataFrame, threshold: int, *, margins: bool = True,
                          total_label: str = TOTAL_LABEL) -> pd.DataFrame:
    """A breakdown of counts ready to publish: small counts hidden, totals added.

    Parameters
    ----------
    table
        Counts (non-negative integers), e.g. counties × gender. Not changed.
    threshold
        ``params.privacy.small_cell_threshold``: counts from 1 to threshold − 1 are hidden.
    margins
        Add a row-total column (two columns or more) and a column-total row (two rows or
        more), computed from the true counts: these are what the reader can add up.

    Returns
    -------
    DataFrame
        Object cells: ints where shown, ``"<5"`` for primary and ``"*"`` for
        secondary suppression (see the module docstring for the rule).
    """
    if (table.to_numpy() < 0).any():
        raise ValueError("suppress_small_counts needs non-negative counts")
    mask = suppression_mask(table, threshold)
    out = pd.DataFrame({
        col: pd.Series([
            f"<{threshold}" if m == "primary" else SECONDARY if m == "secondary" else int(v)
            for v, m in zip(table[col], mask[col], strict=True)
        ], index=table.index, dtype=object)
        for col in table.columns
    }, index=table.index, columns=table.columns)
    if margins:
        n_rows, n_cols = table.shape
        if n_cols >= 2:
            out[total_label] = pd.Series([int(v) for v in table.sum(axis=1)], index=table.index,
                                         dtype=object)
        if n_rows >= 2:
            totals = table.sum(axis=0).astype("int64").map(int).tolist()
            if n_cols >= 2:
                totals.append(int(table.to_numpy().sum()))
            out = pd.concat([out, pd.DataFrame([totals], index=[total_label], columns=out.columns,
                                               dtype=object)])
    return out


# --- scanning rendered text ------------------------------------------------------------------
_HEX = frozenset("0123456789abcdefABCDEF")


def _inside_hex_token(text: str, start: int, end: int) -> bool:
    """True when ``text[start:end]`` is part of a longer hexadecimal token with letters in it
    (a commit hash or a SHA-256 in a provenance box), not an ID standing on its own."""
    left, right = start, end
    while left > 0 and text[left - 1] in _HEX:
        left -= 1
    while right < len(text) and text[right] in _HEX:
        right += 1
    token = text[left:right]
    return (right - left) >= 12 and (left < start or right > end) and any(c in "abcdefABCDEF" for c in token)


def scan_for_personal_data(text: str, names: Iterable[str] = ()) -> list[str]:
    """Things in ``text`` that look like a child's identity: valid national IDs and ``names``.

    Finds 10-digit runs (ASCII, Persian or Arabic-Indic digits, optionally with a
    space, dash, slash, dot or ZWNJ between digits) whose check digit is valid.
    Numbers grouped in thousands (``1,234,567,890``, ``۱٬۲۳۴٬۵۶۷٬۸۹۰``) are money
    in a report, not IDs, and are skipped. Names match after
    :func:`~atiyeh_reports.core.text.normalize_text` as whole words.

    Returns
    -------
    list of str
        The matched texts as they appear (IDs) and the names found; empty when clean.
    """
    found: list[str] = []
    for match, digits in id_candidates(text):  # the one ID pattern (core.national_id.ID_LIKE)
        raw = match.group(0)
        if _inside_hex_token(text, match.start(), match.end()):
            continue
        if len(re.sub(r"\D", "", to_ascii_digits(raw))) == 10 and is_valid(digits):
            found.append(raw)
    found.extend(_names_in(text, names))
    return found


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^\w]+", normalize_text(text).replace("\u200c", " ")) if w]


def _names_in(text: str, names: Iterable[str]) -> list[str]:
    """The ``names`` that stand in ``text`` as whole words (ZWNJ and spaces alike).

    Looks up every run of words of a name's length in a set, so scanning a long
    report for ten thousand names stays fast.
    """
    wanted: dict[tuple[str, ...], str] = {}
    for name in names:
        key = tuple(_words(name))
        if key:
            wanted.setdefault(key, name)
    if not wanted:
        return []
    words = _words(text)
    lengths = sorted({len(k) for k in wanted})
    found: dict[str, None] = {}
    for i in range(len(words)):
        for n in lengths:
            hit = wanted.get(tuple(words[i : i + n]))
            if hit is not None:
                found[hit] = None
    return list(found)


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in {"style", "script"}:
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in {"style", "script"} and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    """What a reader of an HTML page sees: text nodes, one per line, without styles, scripts or images."""
    parser = _TextOnly()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def notebook_text(notebook_json: str) -> str:
    """What a reader of an executed notebook sees: markdown, code, and text and HTML outputs (not images)."""

    nb = json.loads(notebook_json)
    parts: list[str] = []
    for cell in nb.get("cells", []):
        parts.append("".join(cell.get("source", "")))
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            data = output.get("data", {})
            parts.append("".join(data.get("text/plain", "")))
            if "text/html" in data:
                parts.append(visible_text("".join(data["text/html"])))
            if "text/markdown" in data:
                parts.append("".join(data["text/markdown"]))
    return "\n".join(parts)
