"""Builders of malformed and hostile inputs, in code and small, for tests/test_hostile_inputs.py.

A good form comes from :func:`intake_fixtures.write_form`; everything here bends
one: another container (ODS), a zip that unpacks to far more than it weighs, a
sheet that claims or holds a cell at XFD1048576, a FIFO where a form should be,
an insurer export as CSV with another delimiter.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd
from openpyxl import Workbook

from atiyeh_reports.core import layout
from atiyeh_reports.intake import Intake, ingest
from intake_fixtures import FIELD_HEADER, FIELDS, PERF_HEADER, PERFORMANCE, YEAR, child, make_params, write_form

INSURER_HEADER = list(layout.INSURER_COLUMNS)


def forms_dir(data_dir: Path) -> Path:
    folder = layout.provinces_dir(data_dir, YEAR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def insurer_dir(data_dir: Path) -> Path:
    folder = layout.insurer_dir(data_dir, YEAR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# --- workbook containers ----------------------------------------------------------------------
def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(value))}</text:p></table:table-cell>'


def _ods_table(name: str, rows: Sequence[Sequence[object]]) -> str:
    body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)
    return f'<table:table table:name="{escape(name)}">{body}</table:table>'


def write_ods(path: Path, children: Sequence[dict[str, object]], province_title: str = "تهران") -> Path:
    """A returned form as an OpenDocument spreadsheet (what LibreOffice saves), built by hand."""
    top = [[f"{layout.PROVINCE_LABEL}: {province_title}"], [f"{layout.YEAR_LABEL}: ۱۴۰۴"], ["فهرست"], []]
    rows = [*top, [FIELD_HEADER[f] for f in FIELDS], *[[c.get(f) for f in FIELDS] for c in children]]
    perf = [["عملکرد سال قبل"], [PERF_HEADER[f] for f in layout.PERFORMANCE_COLUMNS.values()],
            [PERFORMANCE[f] for f in layout.PERFORMANCE_COLUMNS.values()]]
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:spreadsheet>"
        + _ods_table(layout.SHEET_CHILDREN, rows) + _ods_table(layout.SHEET_PERFORMANCE, perf)
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def convert_with_soffice(source: Path, suffix: str) -> Path | None:
    """``source`` saved by LibreOffice as ``suffix`` (e.g. ``xls``) beside it, or None without soffice."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return None
    out = source.parent / "converted"
    out.mkdir(exist_ok=True)
    profile = source.parent / "lo-profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", suffix,
                    "--outdir", str(out), str(source)], check=True, capture_output=True, timeout=180)
    converted = out / f"{source.stem}.{suffix}"
    return converted if converted.is_file() else None


def add_member(path: Path, name: str, size: int) -> Path:
    """Add a member of ``size`` zero bytes to a workbook: it compresses ~1000:1 (a small zip bomb)."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as z:
        with z.open(name, "w", force_zip64=True) as member:
            block = b"\0" * (1 << 20)
            left = size
            while left > 0:
                member.write(block[: min(left, len(block))])
                left -= len(block)
    return path


def rewrite_sheet_xml(path: Path, change) -> Path:  # noqa: ANN001 - bytes -> bytes
    """Rewrite the first worksheet's XML of a workbook with ``change``."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            dst.writestr(info.filename, data)
    tmp.replace(path)
    return path


def declare_dimension(path: Path, ref: str) -> Path:
    """Make the children sheet declare ``<dimension ref=...>`` (its cells unchanged)."""
    return rewrite_sheet_xml(path, lambda xml: re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), xml))


def add_cached_less_formula(path: Path, ref: str, formula: str) -> Path:
    """Replace the value of cell ``ref`` by a formula with no cached value (what a script writes)."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(/>|>.*?</c>)', re.S)
    cell = f'<c r="{ref}"><f>{escape(formula)}</f></c>'.encode()
    return rewrite_sheet_xml(path, lambda xml: pattern.sub(cell, xml, count=1))


def add_error_cell(path: Path, ref: str, error: str = "#REF!") -> Path:
    """Cell ``ref`` holds an Excel error value (t="e"), as a broken formula leaves it."""
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(/>|>.*?</c>)', re.S)
    cell = f'<c r="{ref}" t="e"><f>1/0</f><v>{error}</v></c>'.encode()
    return rewrite_sheet_xml(path, lambda xml: pattern.sub(cell, xml, count=1))


def make_fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


# --- insurer exports ----------------------------------------------------------------------------
def policy(n: int, national_id: str, premium: object = 3_600_000, status: str = "فعال",
           province: str = "تهران") -> list[object]:
    return [f"P-{n}", national_id, province, "1404/02/20", premium, status]


def write_insurer_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(INSURER_HEADER)
    for row in rows:
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def write_insurer_csv(path: Path, rows: Sequence[Sequence[object]], *, delimiter: str = ",",
                      bom: bool = False) -> Path:
    lines = [delimiter.join(INSURER_HEADER), *(delimiter.join("" if v is None else str(v) for v in r) for r in rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig" if bom else "utf-8")
    return path


__all__ = [
    "INSURER_HEADER", "add_cached_less_formula", "add_error_cell", "add_member", "child", "convert_with_soffice",
    "declare_dimension", "forms_dir", "insurer_dir", "make_fifo", "policy", "rewrite_sheet_xml",
    "write_insurer_csv", "write_insurer_xlsx", "write_ods",
]


# --- running the intake on a hostile folder ---------------------------------------------------
@contextlib.contextmanager
def deadline(seconds: int = 20) -> Iterator[None]:
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""

    def expired(signum, frame):  # noqa: ANN001, ARG001
        raise TimeoutError(f"still running after {seconds} s: something blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def good_form(data_dir: Path, name: str = "IR-10_اصفهان.xlsx", title: str = "اصفهان", first: int = 100,
              n: int = 2) -> Path:
    """A clean form of another province, so that each case shows the others are still read."""
    return write_form(forms_dir(data_dir) / name, [child(first + i) for i in range(n)], province_title=title)


def run(data_dir: Path, **overrides: object) -> Intake:
    with deadline():
        intake = ingest(make_params(data_dir, **overrides), data_dir)
    assert_nothing_lost(data_dir, intake)
    return intake


def assert_nothing_lost(data_dir: Path, intake: Intake) -> None:
    s = intake.summary
    assert (s["rows_read"] == s["accepted"] + s["rejected"]).all(), s
    assert (s["corrected"] <= s["accepted"]).all(), s
    accepted = intake.children.groupby("province_code").size()
    assert all(accepted.get(c, 0) == a for c, a in zip(s["province_code"], s["accepted"], strict=True))
    folder = layout.provinces_dir(data_dir, YEAR)
    entries = {p.name + ("/" if p.is_dir() and not p.is_symlink() else "") for p in folder.iterdir()}
    named = (set(intake.children["source_file"]) | set(intake.findings["file"])
             | set(intake.performance["source_file"]))
    assert entries <= named, f"not accounted for: {entries - named}"


def only(intake: Intake, problem: str) -> pd.Series:
    rows = intake.findings[intake.findings["problem"] == problem]
    assert len(rows) == 1, f"expected one finding {problem!r}, got\n{intake.findings}"
    return rows.iloc[0]


def counts(intake: Intake, code: str) -> list[int]:
    row = intake.summary.set_index("province_code").loc[code]
    return [int(row["rows_read"]), int(row["accepted"]), int(row["rejected"])]
