"""Rendering executed notebooks as self-contained Persian HTML and PDF.

nbconvert's ``basic`` template turns the notebook's outputs (no code cells)
into an HTML fragment; we wrap it in our own lean page: ``dir="rtl"``,
``lang="fa"``, the report font embedded as a data URI, a header naming the
service and year, and a provenance box. WeasyPrint prints that page to an A4
PDF with the font embedded, page numbers and the running header. No script
is loaded from the web: the HTML renders offline.
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


def font_faces(font: Font, *, embed: bool = True) -> str:
    """``@font-face`` rules for the font's regular and bold files.

    ``embed`` writes them as data URIs (a self-contained HTML file); without it
    they point at the files, for a page that is only printed to PDF (WeasyPrint
    embeds the font either way, and tokenizing a data URI costs it about a second).
    """
    faces = []
    for weight, path in (("400", font.regular), ("700", font.bold)):
        if path is None:
            continue
        if embed:
            src = "data:font/ttf;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")
        else:
            src = Path(path).resolve().as_uri()
        faces.append(
            "@font-face { font-family: '%s'; font-weight: %s; "
            "src: url(%s) format('truetype'); }" % (font.family, weight, src)
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
{font_faces(font)}
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


def write_pdf(page_html: str, path: Path, *, attachments: tuple[Path, ...] = ()) -> Path:
    """Print a page to an archival A4 PDF (PDF/A-3u, tagged) with WeasyPrint.

    ``attachments`` are embedded as associated files (PDF/A-3 allows it), e.g.
    the allocation workbook in the allocation report. The document's and the
    attachments' dates are the build time, so the same inputs give the same bytes.
    """
    from weasyprint import HTML, Attachment  # imported here: it is slow to import and only needed for PDFs

    from atiyeh_reports.provenance import build_time

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    stamp = build_time()
    document = HTML(string=page_html, base_url=str(path.parent)).render(pdf_tags=True)
    document.metadata.created = document.metadata.modified = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    document.metadata.generator = "atiyeh_reports (WeasyPrint)"
    files = [
        Attachment(filename=str(a), name=Path(a).name, created=stamp.replace(tzinfo=None),
                   modified=stamp.replace(tzinfo=None), relationship="Data",
                   description="پیوست: " + Path(a).name)
        for a in attachments
    ]
    document.write_pdf(path, pdf_variant="pdf/a-3u", pdf_tags=True, attachments=files or None)
    return path
