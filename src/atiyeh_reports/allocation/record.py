"""HQ's own record of the credit it notified to each province (ابلاغ اعتبار).

Every build writes the year's allocation per province to ``allocation.csv``
beside ``allocation.xlsx`` (columns in docs/data-contracts.md): integer Rials,
one row per province in code order, UTF-8, no total row. A later year's build
reads it back as *HQ's record* of what was notified, and prefers it to what the
provinces wrote in their forms: absorption (spent ÷ notified), the allocation's
"change against last year" and the performance weights all use it, and a
province whose self-reported figure differs from the record by more than
``checks.money_tolerance`` Rials is a finding (:func:`notified_check`).

Where the record is looked for (:func:`find_notified_record`), for the report
year Y it is the record of Y-1:

1. ``checks.notified_record`` in the parameter file, relative to that file
   (for example ``../outputs/1403/allocation.csv``, the previous year's output
   folder);
2. ``<data_dir>/<Y-1>/hq/allocation.csv`` (a data folder that archives HQ's
   records with the raw inputs; the sample data set carries its earlier years'
   records there);
3. none: the forms' figures are used, and the assumptions log says so.

A file named by ``checks.notified_record`` must exist, and a file found in
either place must be a usable record of Y-1 (:func:`read_record`: a regular
file under 1 MB; UTF-8 with or without BOM, UTF-16 with BOM or Windows-1256;
English or Persian headers; one row per known province; whole, non-negative
amounts within the parameters' bound; every row of Y-1). Anything else is a
:class:`RecordError` (exit 3) naming file, line and column, raised when the year
is loaded, before any notebook runs: never a silent fallback to the forms.
Thousands separators (``1,234,000``, ``۱٬۲۳۴٬۰۰۰``) in a quoted cell, an
encoding other than UTF-8, a total row and unknown columns are read as listed
corrections (``NotifiedRecord.corrections``). A record without some provinces
is used for the others, and the reports name the missing ones.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from atiyeh_reports.core.params import MAX_RIALS, Params
from atiyeh_reports.core.provenance import NotRegularFile, relative_to_params
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.text import normalize_key, normalize_text, to_ascii_digits, to_persian_digits
from atiyeh_reports.errors import InputError, RecordError

__all__ = [
    "RECORD_COLUMNS", "RECORD_FILE", "NotifiedRecord", "allocation_record", "find_notified_record",
    "notified_check", "read_allocation_record", "with_hq_notified", "write_allocation_record",
]

RECORD_FILE = "allocation.csv"
RECORD_COLUMNS = ("year", "province_code", "province_name", "eligible_children", "requirement",
                  "allocated")
_INTS = ("year", "eligible_children", "requirement", "allocated")

SOURCE_HQ = "hq"
SOURCE_FORM = "form"
#: How each source is named in the reports.
SOURCE_FA = {SOURCE_HQ: "سابقهٔ ابلاغ ستاد", SOURCE_FORM: "گزارش استان در فرم"}


def hq_dir(data_dir: Path, year: int) -> Path:
    """Where a data folder archives HQ's records of a year: ``<data>/<year>/hq/``."""
    return Path(data_dir) / str(year) / "hq"


# --- writing ----------------------------------------------------------------------------------
def allocation_record(params: Params, table: pd.DataFrame) -> pd.DataFrame:
    """The record of a year's allocation from :func:`~atiyeh_reports.allocation.allocate.allocation_table`: int Rials, code order."""
    out = pd.DataFrame({
        "year": params.year,
        "province_code": table["province_code"].astype(str),
        "province_name": table["province_name"].astype(str),
        "eligible_children": table["eligible_children"].astype("int64"),
        "requirement": table["requirement"].astype("int64"),
        "allocated": table["allocated"].astype("int64"),
    })
    return out.sort_values("province_code", kind="stable").reset_index(drop=True)


def write_allocation_record(record: pd.DataFrame, path: Path) -> Path:
    """Write the record as CSV (UTF-8, ``\\n`` line ends, plain integers): same table, same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RECORD_COLUMNS)
    for row in record[list(RECORD_COLUMNS)].itertuples(index=False, name=None):
        writer.writerow([int(v) if c in _INTS else str(v) for c, v in zip(RECORD_COLUMNS, row, strict=True)])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


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


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


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
            raise RecordNotRegular(shown, _kind(info.st_mode))
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


def read_allocation_record(path: Path) -> pd.DataFrame:
    """Read and check an ``allocation.csv``; :class:`RecordError` says what is wrong and where."""
    return read_record(path).frame


# --- finding and using ------------------------------------------------------------------------
@dataclass(frozen=True)
class NotifiedRecord:
    """HQ's record of year ``year``'s notified credit, or why there is none.

    ``amounts`` maps province code to Rials (``None`` when no record is used);
    ``path`` is the file used; ``shown`` the same, relative to the parameter file;
    ``sha256`` its digest; ``missing`` the provinces it has no row for (they keep their
    form's figure); ``corrections`` what was read leniently (an encoding, separators);
    ``tried`` the places looked at; ``problem`` why none is used.
    """

    year: int
    amounts: dict[str, int] | None
    path: Path | None = None
    tried: tuple[Path, ...] = ()
    problem: str | None = None
    total: int = field(default=0)
    shown: str | None = None
    sha256: str | None = None
    missing: tuple[str, ...] = ()
    corrections: tuple[str, ...] = ()

    @property
    def found(self) -> bool:
        return self.amounts is not None

    @property
    def partial(self) -> bool:
        return self.found and bool(self.missing)

    def _file_fa(self) -> str:
        name = self.shown or (self.path.name if self.path else RECORD_FILE)
        digest = f"، sha256:{self.sha256[:16]}" if self.sha256 else ""
        return f"{name}{digest}"

    def missing_fa(self) -> str:
        """The provinces the record has no row for, in a clause (empty when it has all 31)."""
        if not self.partial:
            return ""
        names = "، ".join(by_code()[c].name_fa for c in self.missing)
        return (f"سابقهٔ ستاد برای {to_persian_digits(len(self.missing))} استان ردیفی ندارد ({names})؛ "
                "برای این استان‌ها رقم گزارش خود استان در فرم به کار رفته است")

    def source_fa(self) -> str:
        """The source of last year's notified credit, in a phrase for the reports."""
        y = to_persian_digits(self.year)
        if self.found:
            part = ""
            if self.partial:
                names = "، ".join(by_code()[c].name_fa for c in self.missing)
                part = (f"؛ بی‌ردیف برای {to_persian_digits(len(self.missing))} استان: {names}، که رقم "
                        "گزارش خود استان برایشان به کار رفته است")
            return f"{SOURCE_FA[SOURCE_HQ]} (پروندهٔ {self._file_fa()}، سال {y}{part})"
        return (f"{SOURCE_FA[SOURCE_FORM]} (سابقهٔ ابلاغ ستاد برای سال {y} در دست نبود؛ رقم‌های "
                "گزارش‌شدهٔ استان‌ها به کار رفته است)")

    def assumption_fa(self) -> str:
        """One sentence for the assumptions log."""
        y = to_persian_digits(self.year)
        if self.found:
            part = f" {self.missing_fa()}." if self.partial else ""
            return (f"اعتبار ابلاغی سال {y} از سابقهٔ ابلاغ خود ستاد (پروندهٔ {self._file_fa()}) "
                    "خوانده شده است، نه از فرم استان‌ها؛ جذب اعتبار، «تغییر نسبت به سال قبل» و ضریب‌های "
                    "عملکرد بر همین سابقه استوارند و رقم گزارش‌شدهٔ هر استان با آن مقایسه شده است."
                    f"{part} اعتبار هزینه‌شده همچنان گزارش خود استان است و با اسناد مالی تطبیق نشده است.")
        why = f" ({self.problem})" if self.problem else ""
        return (f"سابقهٔ ابلاغ ستاد برای سال {y} در دست نبود{why}؛ اعتبار ابلاغی و هزینه‌شدهٔ آن سال همان "
                "است که هر استان در فرم خود گزارش کرده و با هیچ منبع دیگری تطبیق نشده است.")


def _base(params: Params) -> Path:
    return Path(params.source).parent if params.source else Path.cwd()


def record_candidates(params: Params) -> list[Path]:
    """Where the record of ``params.year - 1`` is looked for, in order."""
    out = []
    if params.checks.notified_record is not None:
        out.append((_base(params) / params.checks.notified_record).absolute())
    out.append(hq_dir(params.data_dir, params.year - 1) / RECORD_FILE)
    return out


def _shown(params: Params, path: Path) -> str:
    return relative_to_params(path, params.source) if params.source else str(path)


def find_notified_record(params: Params) -> NotifiedRecord:
    """HQ's record of the year before ``params.year`` (see the module docstring for where).

    A record named by ``checks.notified_record`` must be there; one found (in either place) must
    be usable: anything else is a :class:`RecordError` (exit 3), never a silent fallback.
    """
    year = params.year - 1
    tried = tuple(record_candidates(params))
    configured = params.checks.notified_record is not None
    path = tried[0]
    if configured and not os.path.lexists(path):
        where = f" in {Path(params.source).name}" if params.source else ""
        raise RecordError(
            f"key 'checks.notified_record'{where} names {params.checks.notified_record}, which does not exist; "
            f"put HQ's record of {year} there, or remove the key to use {_shown(params, tried[-1])} when "
            "there is one, else the provinces' own figures", file=_shown(params, path))
    if not configured and not os.path.lexists(path):
        return NotifiedRecord(year, None, None, tried)  # a first year, a new installation: the forms
    shown = _shown(params, path)
    read = read_record(path, shown=shown, year=year)
    frame = read.frame
    amounts = dict(zip(frame["province_code"], (int(v) for v in frame["allocated"]), strict=True))
    missing = tuple(c for c in sorted(by_code()) if c not in amounts)
    return NotifiedRecord(year, amounts, path, tried, None, sum(amounts.values()), shown, read.sha256,
                          missing, read.corrections)


def with_hq_notified(params: Params, performance: pd.DataFrame,
                     record: NotifiedRecord | None = None) -> pd.DataFrame:
    """The performance table with ``credit_notified`` taken from HQ's record where there is one.

    Adds ``credit_notified_reported`` (the form's figure), ``credit_notified_hq``
    (nullable; the record's) and ``notified_source`` (``hq`` or ``form``).
    Idempotent: a table that already has ``notified_source`` is returned as it is.
    """
    if "notified_source" in performance.columns or "credit_notified" not in performance.columns:
        return performance
    record = record if record is not None else find_notified_record(params)
    out = performance.copy()
    out["credit_notified_reported"] = out["credit_notified"].astype("Int64")
    amounts = record.amounts or {}
    hq = out["province_code"].map(amounts)
    out["credit_notified_hq"] = pd.array([None if pd.isna(v) else int(v) for v in hq], dtype="Int64")
    use = out["credit_notified_hq"].notna()
    out["credit_notified"] = out["credit_notified_hq"].where(use, out["credit_notified_reported"]).astype("Int64")
    out["notified_source"] = pd.Series(SOURCE_FORM, index=out.index).where(~use, SOURCE_HQ)
    return out


def notified_check(params: Params, performance: pd.DataFrame,
                   record: NotifiedRecord | None = None) -> pd.DataFrame:
    """Each province's self-reported notified credit against HQ's record, flagged beyond the tolerance.

    Columns: province_code, province, reported, hq (nullable Int64 Rials),
    difference (reported − hq), flagged (|difference| > ``checks.money_tolerance``).
    Provinces in code order; empty when there is no record.
    """
    perf = with_hq_notified(params, performance, record)
    columns = ["province_code", "province", "reported", "hq", "difference", "flagged"]
    if not len(perf) or not (perf["notified_source"] == SOURCE_HQ).any():
        return pd.DataFrame(columns=columns)
    if "year" in perf.columns:
        perf = perf[perf["year"] == params.year]
    perf = perf.sort_values("province_code", kind="stable")
    diff = (perf["credit_notified_reported"] - perf["credit_notified_hq"]).astype("Int64")
    out = pd.DataFrame({
        "province_code": perf["province_code"].astype(str).to_numpy(),
        "province": [by_code()[c].name_fa for c in perf["province_code"]],
        "reported": perf["credit_notified_reported"].to_numpy(),
        "hq": perf["credit_notified_hq"].to_numpy(),
        "difference": diff.to_numpy(),
    })
    out["flagged"] = (out["difference"].abs() > params.checks.money_tolerance).fillna(False).astype(bool)
    return out
