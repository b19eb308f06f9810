"""Rendering: a notebook becomes a right-to-left HTML page and an A4 PDF with the font embedded."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pypdf
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from atiyeh_reports.fonts import report_font
from atiyeh_reports.render import ReportMeta, report_html, write_pdf

META = ReportMeta(
    title="گزارش تحلیل سالانه",
    service_name="حمایت بیمه تأمین آتیه فرزندان",
    service_id="19041060106",
    year=1404,
    built_jalali="۴ آذر ۱۴۰۵",
    provenance=(("نسخه بسته", "atiyeh_reports 0.1.0"), ("کامیت", "abc1234")),
)


def _notebook() -> nbformat.NotebookNode:
    code = new_code_cell("print('secret code')")
    code.outputs = [new_output("display_data", data={"text/html": "<table class='atiyeh-table'><tr><td>تهران</td></tr></table>"})]
    return new_notebook(cells=[new_markdown_cell("# استان‌ها و **سالانه**"), code])


def test_html_page_is_rtl_persian_self_contained_without_code() -> None:
    page = report_html(_notebook(), META)
    assert '<html lang="fa" dir="rtl">' in page
    assert "data:font/ttf;base64," in page
    assert "گزارش تحلیل سالانه" in page and "تهران" in page
    assert "secret code" not in page  # code cells are not rendered
    assert "۱۴۰۴" in page  # the year in Persian digits
    assert "@top-center" in page and "counter(page, persian)" in page


def _to_unicode_strings(pdf: Path) -> set[str]:
    found = set()
    for page in pypdf.PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            cmap = font.get_object().get("/ToUnicode")
            if cmap is None:
                continue
            data = cmap.get_object().get_data().decode("latin-1")
            for hexes in re.findall(r"<[0-9a-fA-F]+>\s*<([0-9a-fA-F]+)>", data):
                found.add(bytes.fromhex(hexes).decode("utf-16-be", errors="replace"))
    return found


def test_pdf_has_pages_embedded_font_and_logical_text(tmp_path: Path) -> None:
    pdf = write_pdf(report_html(_notebook(), META), tmp_path / "r.pdf")
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert round(float(box.width) / 72 * 25.4) == 210 and round(float(box.height) / 72 * 25.4) == 297
    text = reader.pages[0].extract_text()
    assert "تهران" in text and "سالانه" in text
    # The lam-alef ligature is mapped back to its two letters in logical order.
    if report_font().preferred:
        assert "لا" in _to_unicode_strings(pdf)


def test_fallback_font_warns_instead_of_boxes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from atiyeh_reports import fonts

    monkeypatch.setenv("ATIYEH_FONT_DIR", str(tmp_path))
    fonts.report_font.cache_clear()
    try:
        with pytest.warns(fonts.FontFallbackWarning, match="make fonts"):
            font = fonts.report_font()
        assert not font.preferred and font.regular.is_file()
    finally:
        fonts.report_font.cache_clear()
