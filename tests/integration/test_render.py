"""Rendering: a notebook becomes a right-to-left HTML page and an A4 PDF with the font embedded."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pypdf
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from atiyeh_reports.present.fonts import report_font
from atiyeh_reports.present.render import ReportMeta, report_html, write_pdf

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
    from atiyeh_reports.present import fonts

    monkeypatch.setenv("ATIYEH_FONT_DIR", str(tmp_path))
    fonts.report_font.cache_clear()
    try:
        with pytest.warns(fonts.FontFallbackWarning, match="make fonts"):
            font = fonts.report_font()
        assert not font.preferred and font.regular.is_file()
    finally:
        fonts.report_font.cache_clear()


# --- the document: cover, contents, alt text, page breaks -----------------------------------------
def _long_notebook(paragraphs: int = 0, rows: int = 30) -> nbformat.NotebookNode:
    """Filler paragraphs, then a heading cell and a table cell (as the reports' notebooks are made)."""
    filler = [new_markdown_cell("## مقدمه\n\n" + "\n\n".join(["یک سطر متن آزمایشی."] * paragraphs))]
    table = new_code_cell("t")
    body = "".join(f"<tr><td>استان {i}</td><td class='num'>{i * 1000}</td></tr>" for i in range(rows))
    table.outputs = [new_output("display_data", data={
        "text/html": f"<table><thead><tr><th>استان</th><th>مبلغ</th></tr></thead><tbody>{body}</tbody></table>"})]
    return new_notebook(cells=[*filler, new_markdown_cell("### جدول استان‌ها"), table,
                               new_markdown_cell("## پایان\n\nمتن پایانی.")])


def test_cover_contents_and_viewport() -> None:
    page = report_html(_long_notebook(1, 3), META)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    cover = page[page.index('<header class="report-title cover">'):page.index("</header>")]
    for part in ("سازمان بهزیستی کشور", "19041060106", "حمایت بیمه تأمین آتیه فرزندان", "گزارش تحلیل سالانه",
                 "۱۴۰۴", "۴ آذر ۱۴۰۵", "تأیید"):
        assert part in cover, part
    toc = page[page.index('<nav class="toc"'):page.index("</nav>")]
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc)
    assert [text for _, text in links] == ["مقدمه", "جدول استان‌ها", "پایان", "این گزارش از چه ساخته شده است"]
    for ident, text in links:  # every link has exactly one heading with that id, and it is that heading
        assert len(re.findall(f'id="{ident}"', page)) == 1
        assert re.search(f'<h[23][^>]*id="{ident}"[^>]*>{text}', page), text
    assert "target-counter(attr(href), page" in page and 'class="anchor-link"' not in page


def test_tables_scroll_in_their_own_box() -> None:
    page = report_html(_long_notebook(0, 3), META)
    body = page[page.index("<main>"):page.index("</main>")]
    assert body.count('<div class="table-scroll"><table') == body.count("<table") == 1


def test_charts_get_persian_alt_text() -> None:
    from matplotlib.figure import Figure

    from atiyeh_reports.present.charts import alt_text

    fig = Figure()
    ax = fig.add_subplot()
    ax.set_title("پوشش بیمه به تفکیک استان", loc="right")  # as the chart functions set it
    ax.set_xlabel("درصد")
    assert alt_text(fig) == "نمودار: پوشش بیمه به تفکیک استان؛ محور افقی: درصد"
    fig.set_label("سهم هر استان از اعتبار")
    assert alt_text(fig) == "سهم هر استان از اعتبار"
    # Two charts whose SVG differs only near the end: each keeps its own alt.
    svg = "<svg xmlns='http://www.w3.org/2000/svg' width='10pt' height='10pt'>" + " " * 300 + "<g id='%s'/></svg>"
    chart = new_code_cell("c")
    chart.outputs = [
        new_output("display_data", data={"image/svg+xml": svg % "a", "text/plain": "<Figure>"},
                   metadata={"image/svg+xml": {"alt": "نمودار الف"}}),
        new_output("display_data", data={"image/svg+xml": svg % "b", "text/plain": "<Figure>"},
                   metadata={"image/svg+xml": {"alt": "نمودار ب"}}),
        new_output("display_data", data={"image/svg+xml": svg % "c"}),
    ]
    page = report_html(new_notebook(cells=[chart]), META)
    assert re.findall(r'<img alt="([^"]*)"', page) == ["نمودار الف", "نمودار ب", "نمودار"]
    assert "No description" not in page


# With the cover and contents on page 1, these fillers bring the page foot to: the heading of the
# first section (14), the table's second row (37), the table's heading (38).
CRITICAL = (14, 37, 38)


def _without_rules(page: str) -> str:
    return (page.replace("break-after: avoid", "break-after: auto").replace("orphans: 3", "orphans: 1")
            .replace("tbody tr:nth-child(-n+2) { break-after: avoid; }", ""))


@pytest.mark.parametrize("paragraphs", CRITICAL)
def test_no_heading_ends_a_page_and_tables_start_with_three_rows(paragraphs: int) -> None:
    from pagecheck import render, stranded_headings, table_starts

    document = render(report_html(_long_notebook(paragraphs, 40), META))
    assert len(document.pages) >= 2
    assert stranded_headings(document) == []
    for page, rows_here, rows in table_starts(document):
        assert rows_here >= min(3, rows), (page, rows_here)


def test_the_checkers_see_what_the_rules_prevent() -> None:
    """Without the stylesheet's rules the same pages strand a heading and start a table short."""
    from pagecheck import render, stranded_headings, table_starts

    if not report_font().preferred:
        pytest.skip("the critical fillers are measured with Vazirmatn (run `make fonts`)")

    stranded, short = [], []
    for paragraphs in CRITICAL:
        document = render(_without_rules(report_html(_long_notebook(paragraphs, 40), META)))
        stranded += [paragraphs for _ in stranded_headings(document)]
        short += [paragraphs for _, here, rows in table_starts(document) if here < min(3, rows)]
    assert stranded == [14, 38] and short == [37]


def test_pdf_is_pdfa_with_bookmarks_and_attachment(tmp_path: Path) -> None:
    attachment = tmp_path / "allocation.xlsx"
    attachment.write_bytes(b"PK fake workbook")
    pdf = write_pdf(report_html(_long_notebook(2, 5), META), tmp_path / "r.pdf", attachments=(attachment,))
    reader = pypdf.PdfReader(pdf)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)U', xmp)
    assert root["/OutputIntents"][0].get_object()["/S"] == "/GTS_PDFA1"
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert "مقدمه" in titles and "فهرست مطالب" not in titles
    assert reader.attachments == {"allocation.xlsx": [b"PK fake workbook"]}


def test_pdf_prints_a_chart_from_its_png_and_the_html_keeps_the_svg(tmp_path: Path) -> None:
    import base64

    from atiyeh_reports.present.render import print_images

    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    lone = svg.replace('width="10" height="10"/>', 'width="5" height="5"/>')
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/"
           "eL9GtQAAAABJRU5ErkJggg==")
    nb = _notebook()
    both = new_code_cell("chart")
    both.outputs = [new_output("display_data", data={"image/svg+xml": svg, "image/png": png})]
    alone = new_code_cell("other")
    alone.outputs = [new_output("display_data", data={"image/svg+xml": lone})]
    nb.cells += [both, alone]
    page = report_html(nb, META)
    assert page.count("data:image/svg+xml;base64,") == 2 and "image/png" not in page  # HTML: SVG
    printed = print_images(page, nb)
    assert f"data:image/png;base64,{png}" in printed
    assert base64.b64encode(lone.encode()).decode() in printed  # no PNG beside it: left as SVG
    assert base64.b64encode(svg.encode()).decode() not in printed
    assert print_images(page, None) == page
    pdf = write_pdf(page, tmp_path / "c.pdf", notebook=nb)
    assert pypdf.PdfReader(pdf).pages[0].images  # the PNG is in the PDF


def test_warm_up_prints_a_page_the_way_documents_are_printed_and_leaves_nothing(monkeypatch) -> None:  # noqa: ANN001
    from atiyeh_reports.present import render

    printed: list[Path] = []
    real = render.write_pdf

    def spy(page: str, path: Path, **kwargs: object) -> Path:
        result = real(page, path, **kwargs)
        assert path.read_bytes().startswith(b"%PDF")
        printed.append(path)
        return result

    monkeypatch.setattr(render, "write_pdf", spy)
    render.warm_up()
    assert len(printed) == 1 and not printed[0].parent.exists()
