"""Rendering executed notebooks as self-contained Persian HTML and PDF.

nbconvert's ``basic`` template turns the notebook's outputs (no code cells)
into an HTML fragment; we wrap it in our own lean page: ``dir="rtl"``,
``lang="fa"``, the report font embedded as a data URI, a header naming the
service and year, and a provenance box. WeasyPrint prints that page to an A4
PDF with the font embedded, page numbers and the running header. No script
is loaded from the web: the HTML renders offline.

Charts: a notebook shows each chart as SVG and also carries it as a PNG at
print resolution (see :func:`atiyeh_reports.present.charts.setup`). The HTML page
shows the SVG; :func:`write_pdf` swaps each such SVG for its PNG before
printing, because WeasyPrint re-parses every outlined glyph of an SVG for each
``<use>`` of it (about 2.5 s of CPU for the analysis report's five charts)
while a PNG costs it next to nothing. The PNG is printed at its own
resolution, so a chart keeps its size on the page.
"""

from __future__ import annotations

import base64
import functools
import html
import logging
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from atiyeh_reports.present.fonts import Font, report_font


@dataclass(frozen=True)
class ReportMeta:
    """What the page header and the provenance box say."""

    title: str
    service_name: str
    service_id: str
    year: int
    built_jalali: str
    provenance: tuple[tuple[str, str], ...]
    #: a one- or two-page document (the province card): smaller type, tighter spacing
    compact: bool = False


def _stylesheet() -> str:
    return (resources.files("atiyeh_reports") / "templates" / "report.css").read_text(encoding="utf-8")


@functools.lru_cache(maxsize=8)
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


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """One exporter per process: building one (traitlets, the Jinja environment) costs more than using it."""
    exporter = HTMLExporter(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.log.setLevel(logging.ERROR)
    return exporter


def notebook_body(nb: nbformat.NotebookNode) -> str:
    """The notebook's markdown and outputs as an HTML fragment, without code or prompts."""
    body, _ = _exporter().from_notebook_node(nb)
    return _with_alt_text(body, nb)


_NO_ALT = 'alt="No description has been provided for this image"'
CHART_ALT = "نمودار"


def _with_alt_text(body: str, nb: nbformat.NotebookNode) -> str:
    """Put each chart's Persian alt text (``charts.alt_text``, kept in the output's metadata) on its image.

    nbconvert writes an SVG output as a base64 ``<img>`` and ignores its metadata,
    then gives every image without an alt an English placeholder; an image
    without our metadata gets «نمودار» instead.
    """
    alts: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime in ("image/svg+xml", "image/png"):
                alt = output.get("metadata", {}).get(mime, {}).get("alt")
                data = output.get("data", {}).get(mime)
                if alt and data:
                    key = base64.b64encode(data.encode("utf-8")).decode("ascii") if mime == "image/svg+xml" else data
                    alts[key.strip()] = alt

    def fix(match: re.Match) -> str:
        alt = alts.get(match.group(2).strip(), CHART_ALT)
        return f'<img alt="{html.escape(alt)}" src="data:{match.group(1)};base64,{match.group(2)}'

    body = re.sub(r'<img alt="No description has been provided for this image" src="data:(image/[a-z+]+);base64,([^"]*)',
                  fix, body)
    return body.replace(_NO_ALT, f'alt="{CHART_ALT}"')


def _value_html(value: str) -> str:
    """Hashes, paths and versions read left to right; a Persian value keeps the page's direction."""
    if re.search("[\u0600-\u06ff]", value):
        return html.escape(value)
    return f'<span class="ltr">{html.escape(value)}</span>'


def _provenance_html(meta: ReportMeta) -> str:
    if meta.compact:  # the card: the same facts as one small paragraph, so that it fits its two pages
        items = "؛ ".join(f"<b>{html.escape(k)}:</b> {_value_html(v)}" for k, v in meta.provenance)
        return ('<section class="provenance"><h2 id="provenance">این گزارش از چه ساخته شده است</h2>'
                f'<p class="provenance-line">{items}</p></section>')
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{_value_html(v)}</td></tr>" for k, v in meta.provenance)
    return (
        '<section class="provenance"><h2 id="provenance">این گزارش از چه ساخته شده است</h2>'
        f"<table>{rows}</table></section>"
    )


AGENCY = "سازمان بهزیستی کشور"
PARENT_AGENCY = "وزارت تعاون، کار و رفاه اجتماعی"
_HEADING = re.compile(r"<h([1-6])([^>]*)>(.*?)</h\1>", re.S)
_ID = re.compile(r'\bid="([^"]*)"')


def _plain(fragment: str) -> str:
    """A heading's text without its tags (the anchor link nbconvert adds included)."""
    fragment = re.sub(r'<a class="anchor-link".*?</a>', "", fragment, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def contents(body: str, *, levels: tuple[int, ...] = (2, 3)) -> tuple[str, list[tuple[int, str, str]]]:
    """Give every heading an id and list the contents: (level, id, text) of headings at ``levels``.

    nbconvert's ids are the heading's text, percent-encoded, which WeasyPrint's
    ``target-counter`` and some browsers do not match reliably: every heading gets
    ``sec-N`` in document order instead (and loses nbconvert's hidden ¶ link).
    Returns the body with the ids in place and the entries in document order.
    """
    entries: list[tuple[int, str, str]] = []
    counter = 0

    def visit(match: re.Match) -> str:
        nonlocal counter
        level, attrs, inner = int(match.group(1)), match.group(2), match.group(3)
        counter += 1
        ident = f"sec-{counter}"
        attrs = _ID.sub("", attrs) + f' id="{ident}"'
        inner = re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S)
        if level in levels:
            entries.append((level, ident, _plain(inner)))
        return f"<h{level}{attrs}>{inner}</h{level}>"

    return _HEADING.sub(visit, body), entries


def _contents_html(entries: list[tuple[int, str, str]]) -> str:
    items = "".join(
        f'<li class="toc-{level}"><a href="#{html.escape(ident)}">{html.escape(text)}</a></li>'
        for level, ident, text in entries
    )
    return (
        '<nav class="toc" aria-labelledby="toc-title"><h2 id="toc-title" class="toc-title">فهرست مطالب</h2>'
        f"<ol>{items}</ol></nav>"
    )


def _cover_html(meta: ReportMeta, year_fa: str) -> str:
    e = html.escape
    return f"""<header class="report-title cover">
<div class="agency">{e(AGENCY)}<span class="parent"> — {e(PARENT_AGENCY)}</span></div>
<div class="service">{e(meta.service_name)} (شناسه خدمت <span class="ltr">{e(meta.service_id)}</span>)</div>
<div class="cover-title">{e(meta.title)}</div>
<div class="subtitle">سال {year_fa} — تاریخ تهیه: {e(meta.built_jalali)}</div>
<div class="approval"><span>تأیید: نام و سمت مقام تأییدکننده ………………………</span><span>امضا و تاریخ ………………</span></div>
</header>"""


def _prepare_body(body: str) -> str:
    """Every table in a box of its own, which scrolls sideways on a phone (print ignores it)."""
    body = re.sub(r"<table\b", '<div class="table-scroll"><table', body)
    body = body.replace("</table>", "</table></div>")
    return body


def page_head(title: str, styles: str) -> str:
    """The start of every page the package writes (reports, letters): RTL Persian, a viewport,
    the title, then ``styles`` in a ``<style>`` element, up to and including ``<body dir="rtl">``."""
    return f"""<!DOCTYPE html>
<html lang="fa" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="atiyeh_reports">
<title>{html.escape(title)}</title>
<style>
{styles}
</style>
</head>
<body dir="rtl">"""


def report_html(nb: nbformat.NotebookNode, meta: ReportMeta, font: Font | None = None) -> str:
    """A complete, self-contained right-to-left HTML page for an executed notebook.

    A cover block (agency, service and id, title, year, Jalali date, a place for
    the approving official), the contents (links here, page numbers in the PDF
    through ``target-counter``), the notebook's outputs and the provenance box.

    A compact document (a two-page province card) has no contents: on two pages
    they say little, and their page numbers make WeasyPrint lay every page out
    twice (about 0.8 s a card).
    """
    font = font or report_font()
    from atiyeh_reports.core.text import to_persian_digits

    year_fa = to_persian_digits(meta.year)
    header = f"{meta.service_name} — {meta.title} — سال {year_fa}"
    body, entries = contents(_prepare_body(notebook_body(nb)))
    return page_head(header, f"""{font_faces(font)}
{_stylesheet().replace('"ReportFont"', f'"{font.family}"')}
@page {{ @top-center {{ content: "{_css_string(header)}"; }} }}{_COMPACT_CSS if meta.compact else ""}""") + f"""
{_cover_html(meta, year_fa)}
{"" if meta.compact else _contents_html(entries + [(2, "provenance", "این گزارش از چه ساخته شده است")])}
<main>
{body}
</main>
{_provenance_html(meta)}
</body>
</html>
"""


#: Added for a compact document (:attr:`ReportMeta.compact`): the card fits two pages.
_COMPACT_CSS = """
body { font-size: 9.5pt; line-height: 1.55; }
h2 { font-size: 12pt; margin-top: 0.8em; margin-bottom: 0.3em; }
.report-title { margin-bottom: 0.6em; }
.report-title .cover-title { font-size: 15pt; }
table { margin: 0.3em 0 0.6em; font-size: 8.5pt; }
.table-scroll { margin: 0.3em 0 0.6em; }
.card-row { display: flex; flex-wrap: wrap; gap: 0 1.2em; align-items: flex-start; }
.card-row > .card-cell { flex: 1 1 13em; min-width: 0; }
.card-row td, .card-row th { white-space: normal; }
.provenance { margin-top: 0.6em; font-size: 7.5pt; }
.provenance-line { margin: 0; line-height: 1.5; text-align: right; }
@media print {
  .card-row { display: table; width: 100%; table-layout: fixed; border-spacing: 0; }
  .card-row > .card-cell { display: table-cell; vertical-align: top; padding-left: 0.8em; }
  .card-row > .card-cell:last-child { padding-left: 0; }
}"""


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


def _fonts_by_file(page: str) -> str:
    """The page with the report font's data URIs pointing at the font files instead.

    The HTML carries the font inline (it must stand alone); WeasyPrint embeds the same
    file either way, but tokenizing a megabyte of base64 costs it about half a second a page.
    """
    font = report_font()
    inline = font_faces(font, embed=True)
    return page.replace(inline, font_faces(font, embed=False), 1) if inline else page


def write_pdf(page_html: str, path: Path, *, attachments: tuple[Path, ...] = (),
              notebook: nbformat.NotebookNode | None = None) -> Path:
    """Print a page to an archival A4 PDF (PDF/A-3u, tagged) with WeasyPrint.

    ``attachments`` are embedded as associated files (PDF/A-3 allows it), e.g.
    the allocation workbook in the allocation report. The document's and the
    attachments' dates are the build time, so the same inputs give the same bytes.
    With the executed ``notebook`` the page was made from, charts are printed
    from their PNG rather than their SVG (:func:`print_images`).
    """
    from weasyprint import HTML, Attachment  # imported here: it is slow to import and only needed for PDFs

    from atiyeh_reports.core.provenance import build_time
    from atiyeh_reports.present.charts import PRINT_DPI

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    page = print_images(page_html, notebook)
    if page != page_html:
        page = page.replace("</head>", _PRINT_CSS % PRINT_DPI, 1)
    page = _fonts_by_file(page)
    stamp = build_time()
    document = HTML(string=page, base_url=str(path.parent)).render(pdf_tags=True)
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


def warm_up() -> None:
    """Print a small page with the report font and stylesheet, the way every document is printed.

    A process that prints documents calls this once before the first one: WeasyPrint
    loads the fonts, nbconvert its templates and the stylesheet is read, off the
    first document's time. The page is written to a temporary folder and removed.
    """
    import tempfile

    from atiyeh_reports.core.text import to_persian_digits

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "## گزارش\n\nمتن فارسی با رقم " + to_persian_digits(1404) + "\n\n| الف | ب |\n|---|---|\n| ۱ | ۲ |")])
    meta = ReportMeta(title="گزارش", service_name="خدمت", service_id="0", year=1404, built_jalali="۱۴۰۴",
                      provenance=(("ساخته از", "—"),))
    with tempfile.TemporaryDirectory(prefix="atiyeh-warm-") as folder:
        write_pdf(report_html(nb, meta), Path(folder) / "warm-up.pdf", notebook=nb)
