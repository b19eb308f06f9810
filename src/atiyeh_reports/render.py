"""Rendering executed notebooks as self-contained Persian HTML and PDF.

nbconvert's ``basic`` template turns the notebook's outputs (no code cells)
into an HTML fragment; we wrap it in our own lean page: ``dir="rtl"``,
``lang="fa"``, the report font embedded as a data URI, a header naming the
service and year, and a provenance box. WeasyPrint prints that page to an A4
PDF with the font embedded, page numbers and the running header. No script
is loaded from the web: the HTML renders offline.

Charts: a notebook shows each chart as SVG and also carries it as a PNG at
print resolution (see :func:`atiyeh_reports.charts.setup`). The HTML page
shows the SVG; :func:`write_pdf` swaps each such SVG for its PNG before
printing, because WeasyPrint re-parses every outlined glyph of an SVG for each
``<use>`` of it (about 2.5 s of CPU for the analysis report's five charts)
while a PNG costs it next to nothing. The PNG is printed at its own
resolution, so a chart keeps its size on the page.
"""

from __future__ import annotations

import base64
import html
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from atiyeh_reports.fonts import Font, report_font


@dataclass(frozen=True)
class ReportMeta:
    """What the page header and the provenance box say."""

    title: str
    service_name: str
    service_id: str
    year: int
    built_jalali: str
    provenance: tuple[tuple[str, str], ...]


def _stylesheet() -> str:
    return (resources.files("atiyeh_reports") / "templates" / "report.css").read_text(encoding="utf-8")


def _font_faces(font: Font) -> str:
    faces = []
    for weight, path in (("400", font.regular), ("700", font.bold)):
        if path is None:
            continue
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        faces.append(
            "@font-face { font-family: '%s'; font-weight: %s; "
            "src: url(data:font/ttf;base64,%s) format('truetype'); }" % (font.family, weight, data)
        )
    return "\n".join(faces)


def notebook_body(nb: nbformat.NotebookNode) -> str:
    """The notebook's markdown and outputs as an HTML fragment, without code or prompts."""
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.log.setLevel(logging.ERROR)
    body, _ = exporter.from_notebook_node(nb)
    return body


def _value_html(value: str) -> str:
    """Hashes, paths and versions read left to right; a Persian value keeps the page's direction."""
    if re.search("[\u0600-\u06ff]", value):
        return html.escape(value)
    return f'<span class="ltr">{html.escape(value)}</span>'


def _provenance_html(meta: ReportMeta) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{_value_html(v)}</td></tr>" for k, v in meta.provenance)
    return (
        '<section class="provenance"><h2>این گزارش از چه ساخته شده است</h2>'
        f"<table>{rows}</table></section>"
    )


def report_html(nb: nbformat.NotebookNode, meta: ReportMeta, font: Font | None = None) -> str:
    """A complete, self-contained right-to-left HTML page for an executed notebook."""
    font = font or report_font()
    from atiyeh_reports.text import to_persian_digits

    year_fa = to_persian_digits(meta.year)
    header = f"{meta.service_name} — {meta.title} — سال {year_fa}"
    return f"""<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="generator" content="atiyeh_reports">
<title>{html.escape(header)}</title>
<style>
{_font_faces(font)}
{_stylesheet().replace('"ReportFont"', f'"{font.family}"')}
@page {{ @top-center {{ content: "{_css_string(header)}"; }} }}
</style>
</head>
<body dir="rtl">
<header class="report-title">
<div class="service">{html.escape(meta.service_name)} (شناسه خدمت <span class="ltr">{html.escape(meta.service_id)}</span>) — سازمان بهزیستی کشور</div>
<div class="subtitle">{html.escape(meta.title)} — سال {year_fa} — تاریخ تهیه: {html.escape(meta.built_jalali)}</div>
</header>
<main>
{notebook_body(nb)}
</main>
{_provenance_html(meta)}
</body>
</html>
"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")


_SVG_IMG = re.compile(r'<img ([^>]*)src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"')


def print_images(page_html: str, nb: nbformat.NotebookNode | None) -> str:
    """``page_html`` with every chart shown as SVG swapped for the PNG the same output carries.

    An SVG without a PNG beside it (in the same output of ``nb``) is left as it is.
    """
    if nb is None:
        return page_html
    pngs: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", ()):
            data = output.get("data", {})
            svg, png = data.get("image/svg+xml"), data.get("image/png")
            if svg and png:
                svg_text = svg if isinstance(svg, str) else "".join(svg)
                key = base64.b64encode(svg_text.encode("utf-8")).decode("ascii")
                pngs[key] = png if isinstance(png, str) else "".join(png)

    def swap(match: re.Match[str]) -> str:
        png = pngs.get(match.group(2))
        if png is None:
            return match.group(0)
        png = png.replace("\n", "")
        return f'<img {match.group(1)}class="print-png" src="data:image/png;base64,{png}"'

    return _SVG_IMG.sub(swap, page_html)


#: A chart's PNG is printed at the resolution it was drawn at, so it has the SVG's size.
_PRINT_CSS = "<style>img.print-png { image-resolution: %ddpi; }</style>\n</head>"


def write_pdf(page_html: str, path: Path, *, notebook: nbformat.NotebookNode | None = None) -> Path:
    """Print a page from :func:`report_html` to an A4 PDF with WeasyPrint.

    With the executed ``notebook`` the page was made from, charts are printed
    from their PNG rather than their SVG (:func:`print_images`).
    """
    from weasyprint import HTML  # imported here: it is slow to import and only needed for PDFs

    from atiyeh_reports.charts import PRINT_DPI

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    page = print_images(page_html, notebook)
    if page != page_html:
        page = page.replace("</head>", _PRINT_CSS % PRINT_DPI, 1)
    HTML(string=page, base_url=str(path.parent)).write_pdf(path)
    return path
