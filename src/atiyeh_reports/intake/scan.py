"""What a form's zip package says before any reader parses it: size limits, error cells, merges.

:func:`_check_file` refuses a file whose size, unpacked size or sheet extent is
absurd (a zip bomb, a stray cell at XFD1048576) before calamine or openpyxl
would allocate a grid for it, and tells the reader what the sheets' XML holds
beyond their values: formula error cells, merged ranges, hidden rows and
formulas saved without a value (findings the readers cannot give).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import unescape

from openpyxl.utils import column_index_from_string, get_column_letter

from atiyeh_reports.core.params import Limits
from atiyeh_reports.intake.common import _Unreadable
from atiyeh_reports.intake.quality import Problem

#: An encrypted (password-protected) xlsx is an OLE compound file, as is an old .xls.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURE = b"PK\x03\x04"
#: A cell holding a formula error (t="e"), the one value calamine reads as empty.
_ERROR_CELL_MARKS = (b't="e"', b"t='e'")
_ZIP_SUFFIXES = (".xlsx", ".xlsm", ".ods")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*?\bref="([^"]*)"')
_REF = re.compile(r"\$?([A-Za-z]{1,3})?\$?(\d+)?$")


@dataclass
class _SheetFacts:
    """What a worksheet's XML says beyond its values (for findings; refs as Excel writes them)."""

    merged: set[str] = field(default_factory=set)  # "A6:B7"
    hidden_rows: set[int] = field(default_factory=set)
    formulas_without_value: set[str] = field(default_factory=set)  # "C7"


@dataclass(frozen=True)
class _Checked:
    """What :func:`_check_file` learnt of a file it let through."""

    zip: bool = False  # an xlsx/xlsm/ods package
    error_cells: bool = False  # a worksheet holds a formula error cell (t="e")
    sheets: dict[str, _SheetFacts] = field(default_factory=dict)  # by sheet name (xlsx/xlsm)
    #: zip members of worksheets holding a few stray cells beyond the limits (read without them:
    #: :func:`_without_stray_cells`)
    stray: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Stray:
    """A cell beyond ``limits.max_rows`` / ``max_columns`` that was left out when the sheet was read."""

    sheet: str  # the sheet's name (its zip member's file name when the workbook does not say)
    ref: str  # "XFD1048576"
    row: int
    limit: str  # "max_rows", "max_columns" or "max_rows and limits.max_columns"


#: A sheet with at most this many cells beyond the limits, at most one of them just beyond a
#: limit (on row ``max_rows + 1``, in column ``max_columns + 1``), is read without them, each
#: listed as a finding; more, or data going on across a limit, are real data over it: refused.
MAX_STRAY_CELLS = 20


def _check_file(path: Path, limits: Limits | None = None) -> _Checked:
    """Refuse, before any reader sees it, a file whose size, unpacked size or sheet extent is absurd.

    Looks at the file's size, the zip members' declared uncompressed sizes, each
    worksheet's ``<dimension>`` and the cell references it really holds
    (streamed, in bounded memory). Raises :class:`_Unreadable` (``TOO_LARGE``)
    naming the limit and how to raise it. Also returns whether a worksheet
    holds a formula error cell (so the reader that shows them is used) and, per
    sheet, its merged ranges, hidden rows and formulas without a cached value.
    """
    limits = limits or Limits()
    size = path.stat().st_size
    if size > limits.max_file_bytes:
        raise _Unreadable(Problem.TOO_LARGE, f"the file is {size:,} bytes, over limits.max_file_bytes "
                                             f"({limits.max_file_bytes:,})")
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == _OLE_SIGNATURE and path.suffix.lower() != ".xls":
        raise _Unreadable(Problem.UNREADABLE_FILE,
                          "the file is encrypted (password-protected) or an old .xls renamed to "
                          f"{path.suffix}; save it again as .xlsx without a password")
    if not head.startswith(_ZIP_SIGNATURE):
        return _Checked()
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unpacked = sum(i.file_size for i in infos)
            if unpacked > limits.max_uncompressed_bytes:
                raise _Unreadable(
                    Problem.TOO_LARGE,
                    f"the workbook unpacks to {unpacked:,} bytes ({size:,} on disk), over "
                    f"limits.max_uncompressed_bytes ({limits.max_uncompressed_bytes:,}); a zip bomb, "
                    "or a form far larger than any real one",
                )
            errors = False
            facts: dict[str, _SheetFacts] = {}
            stray: list[str] = []
            for info in infos:
                name = info.filename
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    found = facts[name] = _SheetFacts()
                    try:
                        errors |= _scan_sheet(archive, info, limits, found)
                    except _StrayCells as cells:
                        errors |= cells.errors
                        stray.append(name)
            named = _sheet_names(archive) if any(_worth_telling(f) for f in facts.values()) else {}
            return _Checked(zip=True, error_cells=errors,
                            sheets={named[m]: f for m, f in facts.items() if m in named}, stray=tuple(stray))
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError, NotImplementedError):
        return _Checked()  # not a readable zip: the reader says why


def _worth_telling(facts: _SheetFacts) -> bool:
    return bool(facts.merged or facts.hidden_rows or facts.formulas_without_value)


_SHEET_TAG = re.compile(rb'<(?:\w+:)?sheet\b[^>]*>')
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')


def _sheet_names(archive: zipfile.ZipFile) -> dict[str, str]:
    """Zip member of each worksheet → its sheet name (from workbook.xml and its relationships)."""

    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", rels):
        attrs = dict(_ATTR.findall(tag))
        target = attrs.get(b"Target", b"").decode("utf-8")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attrs.get(b"Id", b"").decode()] = target
    out = {}
    for tag in _SHEET_TAG.findall(workbook):
        attrs = dict(_ATTR.findall(tag))
        rid = next((v for k, v in attrs.items() if k.endswith(b":id")), b"").decode()
        if rid in targets and b"name" in attrs:
            out[targets[rid]] = unescape(attrs[b"name"].decode("utf-8"), {"&quot;": '"', "&apos;": "'"})
    return out


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+(?::[A-Z]+\d+)?)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\b([^>]*?\bhidden="(?:1|true)"[^>]*)>')
_ROW_R = re.compile(rb'\br="(\d+)"')
_FORMULA_ONLY = re.compile(
    rb'<(?:\w+:)?c\b([^>]*)>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>'
)
_CELL_R = re.compile(rb'\br="([A-Z]+\d+)"')
#: At most this many refs of one kind are kept per sheet (a finding each).
_MAX_FACTS = 1000


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits,
                facts: _SheetFacts | None = None) -> bool:
    """Check one worksheet's declared and real extent; return whether it has a formula error cell.

    Also collects its merged ranges, hidden rows and formulas without a cached value into ``facts``.
    """
    facts = facts if facts is not None else _SheetFacts()
    sheet = info.filename.rsplit("/", 1)[-1]
    far = _far_pattern(limits)
    errors = False
    first = True
    tail = b""
    declared: str | None = None
    beyond: dict[int, tuple[str, str, int]] = {}  # offset in the sheet -> (what, limit, value)
    offset = 0
    with archive.open(info) as member:
        while chunk := member.read(1 << 20):
            window = tail + chunk
            if first:
                first = False
                found = _DIMENSION.search(window)
                declared = found.group(1).decode("ascii", "replace") if found else None
            # a one-byte search first where it can say "no" for a whole window (memchr is ~10x faster)
            errors = errors or _ERROR_CELL_MARKS[0] in window or (b"'" in window and _ERROR_CELL_MARKS[1] in window)
            _check_far(window, far, limits, beyond, offset - len(tail))
            if len(beyond) > MAX_STRAY_CELLS:
                break
            _collect(window, facts)
            tail = chunk[-4096:]
            offset += len(chunk)
    if beyond:
        what, limit, value = beyond[min(beyond)]
        if len(beyond) > MAX_STRAY_CELLS:  # real data over the limits: refused, as any sheet too large
            _too_large(sheet, f"{what} and more than {MAX_STRAY_CELLS} other cells or rows beyond the limits",
                       limit, value)
        raise _StrayCells(errors)  # a few stray cells: the sheet is read without them (_without_stray_cells)
    if declared:
        _check_extent(sheet, declared, limits, "declares")
    return errors


def _far_pattern(limits: Limits) -> re.Pattern[bytes]:
    """A cell reference (its letters) or a row's ``r`` (digits alone) that may lie beyond the limits."""
    col_letters = len(get_column_letter(limits.max_columns + 1))
    row_digits = len(str(limits.max_rows + 1))
    # only references at least as long as the first one over a limit can be over it: real forms
    # have none, so the scan costs a search per chunk, not a match per cell
    # (a literal first, so that the regex engine jumps from one ' r="' to the next)
    # one pattern for both (a cell's letters, or a row's r, which is digits alone): one pass, not two
    return re.compile(rb' r="(?:\$?([A-Z]{%d,3})\$?\d|(\d{%d,})")' % (col_letters, row_digits))


class _StrayCells(Exception):
    """A worksheet holds a few cells beyond the limits, and nothing else over them."""

    def __init__(self, errors: bool) -> None:
        super().__init__(errors)
        self.errors = errors  # whether it holds a formula error cell too


def _check_far(window: bytes, far: re.Pattern[bytes], limits: Limits,
               beyond: dict[int, tuple[str, str, int]], start: int) -> None:
    """Note in ``beyond`` each cell (a far column) or row (a far row) of ``window`` beyond the limits,
    by its offset in the sheet (``start`` is the window's), so that the overlap of two windows counts once."""
    for match in far.finditer(window):
        letters, digits = match.groups()
        if letters is not None:
            column = column_index_from_string(letters.decode("ascii"))
            if column > limits.max_columns:
                beyond[start + match.start()] = (
                    f"has a cell in column {letters.decode()} (column {column:,})", "max_columns", limits.max_columns)
        elif int(digits) > limits.max_rows:
            beyond[start + match.start()] = (f"has a cell on row {int(digits):,}", "max_rows", limits.max_rows)
        if len(beyond) > MAX_STRAY_CELLS:
            return


def _collect(window: bytes, facts: _SheetFacts) -> None:
    if b"mergeCell" in window and len(facts.merged) < _MAX_FACTS:
        facts.merged.update(m.decode() for m in _MERGE.findall(window))
    if b"hidden=" in window and len(facts.hidden_rows) < _MAX_FACTS:
        for attrs in _HIDDEN_ROW.findall(window):
            number = _ROW_R.search(attrs)
            if number:
                facts.hidden_rows.add(int(number.group(1)))
    # "<f" and ":" first: a sheet without formulas costs a search and a one-byte search, not three searches
    if ((b"<f" in window and (b"<f>" in window or b"<f " in window)) or (b":" in window and b":f>" in window)) \
            and len(facts.formulas_without_value) < _MAX_FACTS:
        for attrs in _FORMULA_ONLY.findall(window):
            ref = _CELL_R.search(attrs)
            if ref:
                facts.formulas_without_value.add(ref.group(1).decode())


def _check_extent(sheet: str, ref: str, limits: Limits, verb: str) -> None:
    corner = ref.split(":")[-1]
    match = _REF.match(corner)
    if not match:
        return
    letters, digits = match.groups()
    if letters and column_index_from_string(letters.upper()) > limits.max_columns:
        _too_large(sheet, f"{verb} the range {ref}", "max_columns", limits.max_columns)
    if digits and int(digits) > limits.max_rows:
        _too_large(sheet, f"{verb} the range {ref}", "max_rows", limits.max_rows)


def _too_large(sheet: str, what: str, limit: str, value: int) -> None:
    raise _Unreadable(
        Problem.TOO_LARGE,
        f"worksheet {sheet} {what}, over limits.{limit} ({value:,}); delete the stray cells beyond the "
        f"children's rows and columns and save again (or raise limits.{limit} in the parameters)",
    )


_ROW_ELEMENT = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL_ELEMENT = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>.*?</(?:\w+:)?c>)", re.S)
_ROW_END = re.compile(rb"</(?:\w+:)?row>")
_DIMENSION_ELEMENT = re.compile(rb"<(?:\w+:)?dimension\b[^>]*/>")
_SPANS = re.compile(rb'\sspans="[^"]*"')
_CELL_REF = re.compile(rb'\br="\$?([A-Z]{1,3})\$?(\d+)"')


def _without_stray_cells(path: Path, checked: _Checked, limits: Limits, to: Path) -> tuple[Path, list[_Stray]]:
    """A copy of the workbook at ``path`` (written into the folder ``to``) without the cells and rows
    beyond the limits in the worksheets ``checked.stray`` names, and those cells.

    Each such worksheet is streamed one block of whole rows at a time: a row beyond
    ``limits.max_rows`` is left out with its cells, a cell beyond ``limits.max_columns`` is left
    out of its row, and the sheet's ``<dimension>`` (which spans the stray cell) is dropped, so
    that no reader allocates a grid for it. Every other member is copied as it is.
    """
    copy = to / f"without-stray{path.suffix.lower()}"
    removed: list[_Stray] = []
    far = _far_pattern(limits)
    # a scratch copy, read once: the fastest compression
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as dst:
        names = _sheet_names(src)
        for info in src.infolist():
            if info.filename not in checked.stray:
                dst.writestr(info, src.read(info.filename), compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
                continue
            sheet = names.get(info.filename, info.filename.rsplit("/", 1)[-1])
            with src.open(info) as member, dst.open(info.filename, "w", force_zip64=True) as out:
                tail = b""
                first = True
                while chunk := member.read(1 << 20):
                    window = tail + chunk
                    ends = [m.end() for m in _ROW_END.finditer(window, max(0, len(tail) - 16))]
                    cut = ends[-1] if ends else 0
                    block, tail = window[:cut], window[cut:]
                    if first and cut:
                        block, first = _DIMENSION_ELEMENT.sub(b"", block, count=1), False
                    # only a block with a reference beyond the limits is taken apart, row by row
                    out.write(_drop_far(block, sheet, limits, removed) if far.search(block) else block)
                if first:
                    tail = _DIMENSION_ELEMENT.sub(b"", tail, count=1)
                out.write(_drop_far(tail, sheet, limits, removed))
    _refuse_real_data(removed, limits)
    return copy, removed


def _refuse_real_data(removed: list[_Stray], limits: Limits) -> None:
    """Refuse (``TOO_LARGE``) when what lies beyond the limits is data, not a few stray cells."""
    if not removed:
        return
    first = removed[0]
    # data going on across a limit: two cells or more just beyond it (one is only a stray cell)
    on_row = [c for c in removed if c.row == limits.max_rows + 1]
    on_column = [c for c in removed
                 if column_index_from_string(c.ref.rstrip("0123456789")) == limits.max_columns + 1]
    edge = on_row[0] if len(on_row) > 1 else on_column[0] if len(on_column) > 1 else None
    if edge is not None:
        limit = "max_rows" if edge.row == limits.max_rows + 1 else "max_columns"
        _too_large(edge.sheet, f"goes on beyond the limits (cell {edge.ref})", limit, getattr(limits, limit))
    if len(removed) > MAX_STRAY_CELLS:
        _too_large(first.sheet, f"has {len(removed):,} cells beyond the limits (the first {first.ref}), more "
                                f"than {MAX_STRAY_CELLS} stray cells", first.limit.split(" ")[0],
                   limits.max_rows if first.limit.startswith("max_rows") else limits.max_columns)


def _drop_far(block: bytes, sheet: str, limits: Limits, removed: list[_Stray]) -> bytes:
    def row(match: re.Match[bytes]) -> bytes:
        attrs, cells = match.group(1), match.group(2) or b""
        number = _ROW_R.search(attrs)
        if number and int(number.group(1)) > limits.max_rows:
            refs = [m.group(1).decode() + m.group(2).decode() for m in _CELL_REF.finditer(cells)]
            for ref in refs or [f"A{int(number.group(1))}"]:
                wide = column_index_from_string(ref.rstrip("0123456789")) > limits.max_columns
                removed.append(_Stray(sheet, ref, int(number.group(1)),
                                      "max_rows and limits.max_columns" if wide else "max_rows"))
            return b""
        kept = _CELL_ELEMENT.sub(cell, cells)
        if kept == cells:
            return match.group(0)
        whole, at = match.group(0), match.start(0)
        head, end = whole[: match.start(2) - at], whole[match.end(2) - at:]
        return _SPANS.sub(b"", head, count=1) + kept + end  # its spans covered the stray cell

    def cell(match: re.Match[bytes]) -> bytes:
        ref = _CELL_REF.search(match.group(1))
        if ref and column_index_from_string(ref.group(1).decode()) > limits.max_columns:
            removed.append(_Stray(sheet, ref.group(1).decode() + ref.group(2).decode(), int(ref.group(2)),
                                  "max_columns"))
            return b""
        if ref and int(ref.group(2)) > limits.max_rows:  # a row without r="...": its cells say where
            removed.append(_Stray(sheet, ref.group(1).decode() + ref.group(2).decode(), int(ref.group(2)),
                                  "max_rows"))
            return b""
        return match.group(0)

    return _ROW_ELEMENT.sub(row, block)
