"""``outputs/<year>/index.html``: one page that links every shareable file of a year's build.

:func:`write_index` walks the output folder (the build's staging folder, after
every report, workbook, letter and card is written and before ``manifest.json``)
and lists every file in it, each with its Persian title, format and size, and a
relative link:

1. the national documents: the three reports (HTML, PDF, executed notebook),
   ``allocation.xlsx``, HQ's record ``allocation.csv``;
2. one section per province (all 31, code order): its letter (``letters/<stem>.pdf|docx``)
   and its card (``cards/<stem>.pdf|html``), ``<stem>`` being
   :func:`atiyeh_reports.publish.letters.file_stem`; a province without files says so;
3. "other files": anything not recognised, listed by its path, never dropped;
4. the provenance summary (parameter file and hash, inputs and their combined
   hash, package version, commit, build date in Jalali) and a link to ``manifest.json``.

Not linked: ``internal/`` (names and national IDs: HQ only; the page says how many
files it holds and that they are not for sharing), hidden files (the output
folder's marker, a workbook being written) and the page itself. The page carries
no child's name or national ID: file names, titles, sizes and hashes only.
"""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from urllib.parse import quote

from atiyeh_reports.core.jalali import format_jalali_fa
from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.core.reports import REPORTS
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.errors import BuildError
from atiyeh_reports.present.display import fmt_decimal
from atiyeh_reports.present.fonts import report_font
from atiyeh_reports.present.privacy import scan_for_personal_data
from atiyeh_reports.present.render import AGENCY, PARENT_AGENCY, _stylesheet, _value_html, font_faces, page_head
from atiyeh_reports.publish.letters import file_stem

__all__ = ["INDEX", "Entry", "index_entries", "index_html", "write_index"]

INDEX = "index.html"
MANIFEST = "manifest.json"
INTERNAL = "internal"
TITLE = "فهرست خروجی‌ها"

FORMATS = {
    ".html": "HTML", ".pdf": "PDF", ".docx": "Word DOCX", ".xlsx": "Excel XLSX", ".csv": "CSV",
    ".json": "JSON", ".ipynb": "Jupyter IPYNB", ".txt": "TXT", ".png": "PNG", ".svg": "SVG",
}
#: Per-province folders and what their files are.
PROVINCE_FOLDERS = {"letters": "ابلاغیه اعتبار", "cards": "کارنامه استان"}
_SUFFIX_ORDER = {".pdf": 0, ".html": 1, ".docx": 2, ".xlsx": 3, ".csv": 4, ".ipynb": 5}

_CSS = """
.index-note { border: 1px solid #e0c36a; background: #fdf6dd; padding: 6px 10px; font-size: 9.5pt; }
table.files { width: 100%; }
table.files td.title { white-space: normal; width: 45%; }
table.files td.path { white-space: normal; overflow-wrap: anywhere; }
table.files td.links { white-space: normal; }
table.files td.links a { display: inline-block; color: #16324f; margin-left: 1.2em; white-space: nowrap; }
table.files .fmt, table.files .size { unicode-bidi: isolate; }
table.files .size { font-variant-numeric: tabular-nums; color: #444; }
.province-nav ol { display: flex; flex-wrap: wrap; gap: 0.2em 0.9em; list-style: none; padding: 0; }
.province-nav li { margin: 0; }
.province-nav h2.toc-title { font-size: 11pt; }
section.province h3 { margin-bottom: 0.2em; }
p.none { color: #555; font-size: 9.5pt; margin: 0.2em 0 0.8em; }
"""


@dataclass(frozen=True)
class Entry:
    """One linked file: its path relative to the output folder (POSIX), title, format and size."""

    path: str
    title: str
    format: str
    size: int
    section: str  # "national", a province code, or "other"

    @property
    def href(self) -> str:
        return quote(self.path, safe="/")


def format_size(size: int) -> str:
    """Bytes in Persian digits: «۵۱۲ بایت», «۱۲٫۳ کیلوبایت», «۱٫۲ مگابایت»."""
    if size < 1024:
        return f"{to_persian_digits(size)} بایت"
    value, unit = ((Fraction(size, 1024), "کیلوبایت") if size < 1024 * 1024
                   else (Fraction(size, 1024 * 1024), "مگابایت"))
    return f"{fmt_decimal(value, 1, grouping=False)} {unit}"


def _format(path: Path) -> str:
    return FORMATS.get(path.suffix.lower(), path.suffix.lstrip(".").upper() or "—")


def _walk(out_dir: Path) -> tuple[list[Path], int]:
    """The shareable files (relative, sorted) and how many files ``internal/`` holds."""
    shared, internal = [], 0
    for root, dirs, files in os.walk(out_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        rel_root = Path(root).relative_to(out_dir)
        for name in sorted(files):
            rel = rel_root / name
            if rel.parts[0] == INTERNAL:
                internal += 1
            elif not name.startswith(".") and rel.as_posix() not in (INDEX, MANIFEST):
                shared.append(rel)
    return shared, internal


def _national_titles() -> dict[str, tuple[int, str]]:
    """File name → (order, Persian title) of the national documents, titles from core.reports.REPORTS."""

    titles: dict[str, tuple[int, str]] = {}
    for n, report in enumerate(REPORTS):
        for suffix, rank in _SUFFIX_ORDER.items():
            titles[f"{report.name}{suffix}"] = (n * 10 + rank, report.title)
    titles["allocation.xlsx"] = (titles["allocation.xlsx"][0], "جدول ابلاغ اعتبار به استان‌ها — پیوست ابلاغیه‌ها")
    titles["allocation.csv"] = (titles["allocation.csv"][0], "سابقه ابلاغ ستاد (برای ساخت گزارش سال بعد)")
    return titles


def index_entries(out_dir: str | Path) -> tuple[list[Entry], int]:
    """Every shareable file of ``out_dir`` as an :class:`Entry`, in page order, and the count of
    files under ``internal/`` (not linked)."""

    out_dir = Path(out_dir)
    files, internal = _walk(out_dir)
    national = _national_titles()
    stems = {file_stem(p.code, p.name_fa): (i, p) for i, p in enumerate(provinces())}
    ranked: list[tuple[tuple, Entry]] = []
    for rel in files:
        size, fmt, key = (out_dir / rel).stat().st_size, _format(rel), rel.as_posix()
        folder = rel.parts[0] if len(rel.parts) == 2 else None
        if len(rel.parts) == 1 and key in national:
            order, title = national[key]
            ranked.append(((0, order, key), Entry(key, title, fmt, size, "national")))
        elif folder in PROVINCE_FOLDERS and rel.stem in stems:
            i, p = stems[rel.stem]
            folder_rank = list(PROVINCE_FOLDERS).index(folder)
            ranked.append(((1, i, folder_rank, _SUFFIX_ORDER.get(rel.suffix, 9), key),
                           Entry(key, f"{PROVINCE_FOLDERS[folder]} استان {p.name_fa}", fmt, size, p.code)))
        else:
            ranked.append(((2, key), Entry(key, key, fmt, size, "other")))
    return [e for _, e in sorted(ranked, key=lambda r: r[0])], internal


def _rows(entries: Sequence[Entry], *, path_title: bool = False) -> str:
    """One row per document (title), its files side by side: «PDF · ۲۴٫۹ کیلوبایت» each a link."""
    e = html.escape
    grouped: dict[str, list[Entry]] = {}
    for x in entries:
        grouped.setdefault(x.title, []).append(x)
    cls = "path" if path_title else "title"
    rows = "".join(
        f'<tr><td class="{cls}">{e(title)}</td><td class="links">'
        + "".join(f'<a href="{e(x.href)}"><span class="fmt">{e(x.format)}</span> '
                  f'(<span class="size">{e(format_size(x.size))}</span>)</a>' for x in files)
        + "</td></tr>"
        for title, files in grouped.items()
    )
    return ('<div class="table-scroll"><table class="files"><thead><tr><th>عنوان</th>'
            f'<th>پرونده‌ها (قالب و اندازه)</th></tr></thead><tbody>{rows}</tbody></table></div>')


def _provenance(rows: Sequence[tuple[str, str]]) -> str:

    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{_value_html(v)}</td></tr>" for k, v in rows)
    return ('<section class="provenance"><h2 id="provenance">این خروجی‌ها از چه ساخته شده‌اند</h2>'
            f'<div class="table-scroll"><table>{body}</table></div>'
            f'<p>فهرست کامل ورودی‌ها و خروجی‌ها با sha256 هر پرونده: <a href="{MANIFEST}">'
            f'<span class="ltr">{MANIFEST}</span></a></p></section>')


def _internal_note(internal: int, internal_dir: str | None) -> str:
    """Where the workbooks with names and IDs are: a separate tree (the build's), or an ``internal/`` here."""
    if internal:
        return (f'پوشه <span class="ltr">{INTERNAL}/</span> ({to_persian_digits(internal)} پرونده) نام و کد ملی '
                "فرزندان را دارد، ویژه ستاد است و در این فهرست پیوند ندارد.")
    where = f' (<bdi dir="ltr">{html.escape(internal_dir)}</bdi>)' if internal_dir else ""
    return ("کارپوشه‌های دارای نام و کد ملی فرزندان (کیفیت داده، تطبیق با بیمه‌گر و پیگیری هر استان) در "
            f"پوشه‌ای جداگانه{where}، بیرون از این پوشه، و ویژه ستادند و در این فهرست پیوند ندارند.")


def index_html(entries: Sequence[Entry], internal: int, *, year: int, service_name: str, service_id: str,
               built_jalali: str, provenance: Sequence[tuple[str, str]], font_css: str = "",
               font_family: str = "Vazirmatn", internal_dir: str | None = None) -> str:
    """The page: cover, contents, national documents, a section per province, other files, provenance."""

    e = html.escape
    year_fa = to_persian_digits(year)
    title = f"{TITLE} — {service_name} — سال {year_fa}"
    national = [x for x in entries if x.section == "national"]
    other = [x for x in entries if x.section == "other"]
    styles = _stylesheet().replace('"ReportFont"', f'"{font_family}"')
    parts = [page_head(title, f"{font_css}\n{styles}\n{_CSS}"), f"""
<header class="report-title cover">
<div class="agency">{e(AGENCY)}<span class="parent"> — {e(PARENT_AGENCY)}</span></div>
<div class="service">{e(service_name)} (شناسه خدمت <span class="ltr">{e(service_id)}</span>)</div>
<div class="cover-title">{e(TITLE)} سال {year_fa}</div>
<div class="subtitle">تاریخ تهیه: {e(built_jalali)} — {to_persian_digits(len(entries))} پرونده</div>
</header>
<nav class="toc" aria-labelledby="toc-title"><h2 id="toc-title" class="toc-title">فهرست مطالب</h2><ol>
<li class="toc-2"><a href="#national">گزارش‌ها و جدول‌های کشوری</a></li>
<li class="toc-2"><a href="#provinces">استان‌ها: ابلاغیه و کارنامه</a></li>
<li class="toc-2"><a href="#other">پرونده‌های دیگر</a></li>
<li class="toc-2"><a href="#provenance">این خروجی‌ها از چه ساخته شده‌اند</a></li>
</ol></nav>
<main>
<p class="index-note">همه پرونده‌های این فهرست بدون نام و کد ملی فرزندان‌اند و می‌توان آنها را فرستاد.
{_internal_note(internal, internal_dir)}</p>
<section id="national"><h2>گزارش‌ها و جدول‌های کشوری</h2>
{_rows(national) if national else '<p class="none">پرونده‌ای نیست.</p>'}
</section>
<section id="provinces"><h2>استان‌ها: ابلاغیه و کارنامه</h2>
<nav class="toc province-nav" aria-labelledby="province-nav-title"><h2 id="province-nav-title" class="toc-title">استان‌ها</h2><ol>"""]
    parts.append("".join(f'<li><a href="#{p.code}">{e(p.name_fa)}</a></li>' for p in provinces()))
    parts.append("</ol></nav>")
    for p in provinces():
        mine = [x for x in entries if x.section == p.code]
        parts.append(f'<section class="province"><h3 id="{p.code}">{e(p.name_fa)} '
                     f'<span class="ltr">{p.code}</span></h3>')
        parts.append(_rows(mine) if mine else '<p class="none">برای این استان پرونده‌ای ساخته نشده است.</p>')
        parts.append("</section>")
    parts.append(f"""</section>
<section id="other"><h2>پرونده‌های دیگر</h2>
{_rows(other, path_title=True) if other else '<p class="none">پرونده دیگری نیست.</p>'}
</section>
</main>
{_provenance(provenance)}
</body>
</html>
""")
    return "\n".join(parts)


def _refuse_personal_names(entries: Sequence[Entry], out_dir: Path) -> None:
    """A file whose path looks like a national ID would put it on the page: refuse, without quoting it."""

    flagged = [x for x in entries if scan_for_personal_data(x.path)]
    if flagged:
        raise BuildError(
            f"{len(flagged)} file(s) in {out_dir} have a name holding what looks like a national ID; "
            "the index would publish it. Rename or move them (under internal/ if they are for HQ only)"
        )


def write_index(out_dir: str | Path, *, params, provenance: Sequence[tuple[str, str]],  # noqa: ANN001
                embed_font: bool = True, internal_dir: str | None = None) -> Path:
    """Write ``<out_dir>/index.html`` linking every shareable file there (see the module docstring).

    Parameters
    ----------
    out_dir
        The year's output folder (the build's staging folder), everything else already written.
    params
        The year's :class:`~atiyeh_reports.core.params.Params` (year, service name and id).
    provenance
        The provenance rows the reports carry (``build._provenance_rows(params, inputs)``).
    embed_font
        Embed the report font (a self-contained page, ~330 KB); without it the page uses the
        reader's Persian fonts.

    The same folder and provenance give the same bytes (the date is the build time).

    Raises
    ------
    BuildError
        A shareable file's path holds what looks like a national ID (the page would show it).
    """

    out_dir = Path(out_dir)
    entries, internal = index_entries(out_dir)
    _refuse_personal_names(entries, out_dir)
    font = report_font()
    font_css = font_faces(font) if embed_font else ""
    page = index_html(entries, internal, year=params.year, service_name=params.service.name_fa,
                      service_id=params.service.id, built_jalali=format_jalali_fa(build_time().date()),
                      provenance=provenance, font_css=font_css, font_family=font.family,
                      internal_dir=internal_dir)
    path = out_dir / INDEX
    partial = out_dir / f".{INDEX}.partial"
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, path)
    return path
