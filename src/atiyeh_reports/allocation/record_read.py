"""Reading HQ's record (``allocation.csv``) with the rigour of a form: what :mod:`record` reads.

A regular file (checked with ``fstat`` before a byte is read) of at most :data:`MAX_RECORD_BYTES`;
UTF-8 with or without BOM, UTF-16 with BOM or Windows-1256; English or Persian headers; one row per
known province; whole, non-negative amounts within the parameters' bound; every row of the year
asked for. Every problem is a :class:`~atiyeh_reports.errors.RecordError` (exit 3) naming file, row
and column; what is read leniently (an encoding, separators, a total row) is a listed correction.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from atiyeh_reports.core.layout import file_kind
from atiyeh_reports.core.params import MAX_RIALS
from atiyeh_reports.core.provenance import NotRegularFile
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import normalize_key, normalize_text, to_ascii_digits
from atiyeh_reports.errors import InputError, RecordError

__all__ = ["HEADER_NAMES", "MAX_RECORD_BYTES", "RECORD_COLUMNS", "RecordNotRegular", "RecordRead", "read_record"]

RECORD_COLUMNS = ("year", "province_code", "province_name", "eligible_children", "requirement",
                  "allocated")
INTS = ("year", "eligible_children", "requirement", "allocated")
_INTS = INTS

#: A record is 31 rows of a few numbers: anything bigger is not HQ's record (the same bound as a
#: parameter file's). Checked with ``fstat`` before a byte is read.
MAX_RECORD_BYTES = 1_000_000
#: More rows than this is not one row per province, whatever the bytes.
MAX_RECORD_ROWS = 200
#: Rials: the parameters' bound on every credit (``core.params.MAX_RIALS``).
MAX_AMOUNT = MAX_RIALS
#: Children: the parameters' bound on recipients.
MAX_CHILDREN = 10**7

#: Header spellings read, after :func:`~atiyeh_reports.core.text.normalize_key` (Persian headers as
#: HQ's staff type them in Excel; a unit in brackets, «(ریال)», is ignored).
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "year": ("year", "سال", "سال ابلاغ"),
    "province_code": ("province_code", "کد استان", "کد"),
    "province_name": ("province_name", "نام استان", "استان"),
    "eligible_children": ("eligible_children", "تعداد فرزندان", "فرزندان", "فرزندان واجد شرایط",
                          "تعداد فرزندان واجد شرایط"),
    "requirement": ("requirement", "نیاز", "اعتبار مورد نیاز", "نیاز اعتبار"),
    "allocated": ("allocated", "اعتبار ابلاغی", "ابلاغی", "اعتبار ابلاغ شده", "ابلاغ"),
}
_HEADER_KEYS = {normalize_key(name): col for col, names in HEADER_NAMES.items() for name in names}
_UNIT = re.compile(r"\s*[(\[（].*[)\]）]\s*$")
_GROUPED = re.compile(r"\d{1,3}(?:[,\u066c\u060c']\d{3})+")
_SEPARATORS = str.maketrans("", "", ",\u066c\u060c'")
_DELIMITERS = (",", ";", "\t", "\u061b")  # ؛ : the list separator of Persian Windows
_TOTAL_WORDS = {normalize_key(w) for w in ("جمع", "جمع کل", "کل", "کل کشور", "total", "sum")}
_FIX = ("fix the file, or remove checks.notified_record (and <data>/<Y-1>/hq/allocation.csv) to use "
        "the provinces' own figures")


class RecordNotRegular(RecordError, NotRegularFile):
    """HQ's record is a FIFO, a device, a socket or a folder: refused unread (exit 3)."""

    def __init__(self, path: str | Path, kind: str) -> None:
        InputError.__init__(self, f"HQ's record is {kind}, not a regular file; it was not read: put "
                                  "the allocation.csv itself there", file=path)
        self.path = Path(path)


@dataclass(frozen=True)
class RecordRead:
    """What :func:`read_record` found: the table, the corrections made, the digest, the bytes."""

    frame: pd.DataFrame
    corrections: tuple[str, ...]
    sha256: str
    size: int
    encoding: str


def _read_bytes(path: Path, shown: str) -> bytes:
    """The file's bytes: a regular file within :data:`MAX_RECORD_BYTES`, checked before reading."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        why = "a link to nothing" if os.path.islink(path) and not path.exists() else (exc.strerror or str(exc))
        raise RecordError(f"HQ's record cannot be opened ({why}); {_FIX}", file=shown) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise RecordNotRegular(shown, file_kind(info.st_mode))
        if info.st_size == 0:
            raise RecordError("HQ's record is empty (0 bytes); put the allocation.csv the build of last "
                              f"year wrote there, or {_FIX[len('fix the file, or '):]}", file=shown)
        if info.st_size > MAX_RECORD_BYTES:
            raise RecordError(f"HQ's record is {info.st_size:,} bytes, over the limit of "
                              f"{MAX_RECORD_BYTES:,} (a record is one line per province, a few kilobytes); "
                              "it was not read: is this the right file?", file=shown)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_RECORD_BYTES:
        raise RecordError(f"HQ's record grew over the limit of {MAX_RECORD_BYTES:,} bytes while read", file=shown)
    return data


def _decode(data: bytes, shown: str) -> tuple[str, str, list[str]]:
    """Text, encoding and corrections: UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1256."""
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8):], "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16", ["read as UTF-16 (Excel's «Unicode text»)"]
        except UnicodeDecodeError:
            raise RecordError("HQ's record starts as UTF-16 but is not; save it as «CSV UTF-8»",
                              file=shown) from None
    else:
        encoding = "utf-8"
    if b"\0" in data:
        line = data[:data.index(b"\0")].count(b"\n") + 1
        raise RecordError("a NUL byte: this is not a text (CSV) file; save the record as «CSV UTF-8»",
                          file=shown, row=line)
    try:
        return data.decode("utf-8"), encoding, []
    except UnicodeDecodeError as exc:
        bad = exc.start
    text = data.decode("cp1256", errors="replace")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if "\ufffd" not in text and _header_columns(_split(first, _delimiter(first))):
        return text, "cp1256", ["read as Windows-1256 (as Excel on Persian Windows saves CSV), not UTF-8"]
    raise RecordError(f"not UTF-8 text (byte 0x{data[bad]:02x}) nor Windows-1256 with the record's "
                      "header; save the file as «CSV UTF-8»", file=shown, row=data[:bad].count(b"\n") + 1)


def _delimiter(line: str) -> str:
    return max(_DELIMITERS, key=line.count) if any(d in line for d in _DELIMITERS) else ","


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _header_columns(cells: list[str]) -> dict[int, str]:
    """Position → record column for each header cell that names one."""
    out = {}
    for i, cell in enumerate(cells):
        key = normalize_key(_UNIT.sub("", normalize_text(cell)))
        if key in _HEADER_KEYS:
            out[i] = _HEADER_KEYS[key]
    return out


def _letter(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _integer(text: str, col: str, where: dict[str, object], corrections: list[str]) -> int:
    raw = text
    text = to_ascii_digits(normalize_text(text)).replace(" ", "")
    if _GROUPED.fullmatch(text):
        text = text.translate(_SEPARATORS)
        corrections.append(f"line {where['row']}, column {col}: {raw!r} read as {int(text)} "
                           "(thousands separators removed)")
    if text.startswith(("-", "\u2212")) and text.lstrip("-\u2212").isdigit():
        raise RecordError(f"{raw!r} is negative; a {col} is 0 or more Rials/children: correct the row",
                          **where)
    if not text.isdigit() or not text.isascii():
        raise RecordError(f"{raw!r} is not a whole number (write plain digits, for example 1234000, "
                          "without decimals or units)", **where)
    return int(text)


def read_record(path: Path, *, shown: str | None = None, year: int | None = None) -> RecordRead:
    """Read and check HQ's record with the rigour of a form; :class:`RecordError` names what and where.

    ``shown``: how the file is named in messages (the path relative to the parameter file).
    ``year``: the year the record must be of (every row's ``year``).
    """
    path = Path(path)
    shown = shown or str(path)
    data = _read_bytes(path, shown)
    digest = hashlib.sha256(data).hexdigest()
    text, encoding, corrections = _decode(data, shown)
    lines = text.splitlines()
    head_at = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if head_at is None:
        raise RecordError("HQ's record holds no text (only blank lines)", file=shown)
    delimiter = _delimiter(lines[head_at])
    if delimiter != ",":
        corrections.append(f"read with {'tab' if delimiter == chr(9) else repr(delimiter)} as the delimiter")
    header = [c.strip() for c in _split(lines[head_at], delimiter)]
    columns = _header_columns(header)
    seen: dict[str, int] = {}
    for i, col in sorted(columns.items()):
        if col in seen:
            raise RecordError(f"two columns for {col}: {_letter(seen[col])} «{header[seen[col]]}» and "
                              f"{_letter(i)} «{header[i]}»; delete or rename one", file=shown,
                              row=head_at + 1, column=_letter(i))
        seen[col] = i
    missing = [c for c in RECORD_COLUMNS if c not in seen]
    if missing:
        raise RecordError(
            f"column(s) {missing} missing from the header {header}; expected {list(RECORD_COLUMNS)} "
            f"(or in Persian: {', '.join('«' + HEADER_NAMES[c][1] + '»' for c in missing)})",
            file=shown, row=head_at + 1)
    ignored = [f"{_letter(i)} «{h}»" for i, h in enumerate(header) if i not in columns and h]
    if ignored:
        corrections.append(f"column(s) {', '.join(ignored)} not read (not part of a record)")
    if len(lines) - head_at - 1 > MAX_RECORD_ROWS:
        raise RecordError(f"{len(lines) - head_at - 1:,} lines after the header; a record has one row per "
                          f"province (31), at most {MAX_RECORD_ROWS}: is this the right file?", file=shown)
    rows: list[dict[str, object]] = []
    first_line: dict[str, int] = {}
    for n, line in enumerate(lines[head_at + 1:], start=head_at + 2):
        cells = [c.strip() for c in _split(line, delimiter)]
        if not any(cells):
            continue  # a blank line, or Excel's empty row of commas
        if len(cells) > len(header) and any(cells[len(header):]):
            raise RecordError(f"{len(cells)} cells, but the header has {len(header)}: a number written with "
                              "thousands separators and no quotes (1,234,000)? write 1234000, or quote it",
                              file=shown, row=n, column=_letter(len(header)))
        if len(cells) <= max(seen.values()):
            raise RecordError(f"{len(cells)} cell(s), but the header has {len(header)}: {line[:60]!r} is not a "
                              "row of the record; delete it or fill the row", file=shown, row=n,
                              column=_letter(len(cells)))
        value = {col: cells[i] for col, i in seen.items()}
        if not value["province_code"] and ({normalize_key(value["province_name"]), normalize_key(value["year"])}
                                           & _TOTAL_WORDS):
            corrections.append(f"line {n}: a total row, not read")
            continue
        code = normalize_text(value["province_code"]).upper()
        where = {"file": shown, "row": n, "column": "province_code"}
        if code not in by_code():
            raise RecordError(f"{value['province_code']!r} is not a province code; use the ISO 3166-2:IR "
                              "codes of allocation.csv (IR-23 for Tehran, ...)", **where)
        if code in first_line:
            raise RecordError(f"{code} is listed twice, on lines {first_line[code]} and {n}; keep one row "
                              "per province", **where)
        first_line[code] = n
        row: dict[str, object] = {"province_code": code, "province_name": value["province_name"], "_line": n}
        for col in _INTS:
            row[col] = _integer(value[col], col, {"file": shown, "row": n, "column": col}, corrections)
        for col, bound in (("allocated", MAX_AMOUNT), ("requirement", MAX_AMOUNT),
                           ("eligible_children", MAX_CHILDREN)):
            if int(row[col]) > bound:
                raise RecordError(f"{int(row[col]):,} is over the bound of {bound:,} (the parameters' bound); "
                                  "a unit slipped? correct the row", file=shown, row=n, column=col)
        if row["allocated"] == 0 and int(row["eligible_children"]) > 0:
            raise RecordError(f"0 Rials allocated to {code} with {row['eligible_children']:,} eligible "
                              "children; if nothing was notified, delete the row (the province's own "
                              "figure is then used, and the reports name it)",
                              file=shown, row=n, column="allocated")
        rows.append(row)
    if not rows:
        raise RecordError("no province row under the header", file=shown, row=head_at + 1)
    years = sorted({int(r["year"]) for r in rows})
    want = [year] if year is not None else years[:1]
    for r in rows:
        if int(r["year"]) not in want:
            which = ("last-last year's file?" if year is not None and int(r["year"]) == year - 1 else
                     "another year's file?")
            raise RecordError(f"a record of {r['year']}, not of {want[0]} ({which}); use HQ's record of "
                              f"{want[0]}", file=shown, row=int(r["_line"]), column="year")
    frame = pd.DataFrame(rows).sort_values("province_code", kind="stable").reset_index(drop=True)
    frame = frame.astype({c: "int64" for c in _INTS})
    return RecordRead(frame[list(RECORD_COLUMNS)], tuple(corrections), digest, len(data), encoding)
