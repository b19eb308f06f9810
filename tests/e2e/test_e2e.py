"""End to end: build the sample year with the real notebooks and read back what it rendered."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pypdf
import pytest
import yaml

from atiyeh_reports.api import load_year
from atiyeh_reports.core.text import ZWNJ
from atiyeh_reports.pipeline.build import REPORTS, build_year
from atiyeh_reports.present.display import fmt_rials
from pagecheck import pdf_text

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


EPOCH = "1764000000"  # a fixed build time (SOURCE_DATE_EPOCH), so two builds can be compared byte for byte


@pytest.fixture(scope="module")
def params_path(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "1404.yaml").read_text(encoding="utf-8"))
    raw["data_dir"] = str(sample_dir)
    params = tmp_path_factory.mktemp("e2e-params") / "1404.yaml"
    params.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return params


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, params_path: Path) -> Path:
    out = tmp_path_factory.mktemp("e2e") / "outputs" / "1404"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build_year(params_path, out_dir=out, progress=lambda m: None)
    return out


@pytest.fixture(scope="module")
def year(built: Path, params_path: Path) -> object:
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    # The manifest's data_dir is relative to the parameter file (issue 8 §8).
    return load_year(ROOT / "params" / "1404.yaml", data_dir=params_path.parent / manifest["data_dir"])


def as_extracted(phrase: str) -> str:
    """How a phrase reads back from a PDF: pdftotext drops the ZWNJ and (for any PDF producer,
    WeasyPrint and Chromium alike) writes the two letters of the lam-alef ligature reversed,
    although the PDF's ToUnicode map has them in order (test_render checks that map)."""
    phrase = phrase.replace(ZWNJ, "")
    return phrase.replace("لا", "ال") if shutil.which("pdftotext") else phrase


def test_every_report_in_every_format(built: Path) -> None:
    for report in REPORTS:
        for suffix in (".ipynb", ".html", ".pdf"):
            assert (built / f"{report.name}{suffix}").stat().st_size > 1000
    assert (built / "allocation.xlsx").is_file()
    assert (built / "manifest.json").is_file()
    from atiyeh_reports.core.layout import internal_dir

    assert {p.name for p in internal_dir(built).iterdir()} >= {"quality.xlsx", "reconciliation.xlsx"}


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.name)
def test_pdf_reads_back_in_persian_in_logical_order(built: Path, report: object) -> None:
    # the ezafe mark (U+0654, «بیمهٔ») comes back out of place from pdftotext: compare without it
    text = pdf_text(built / f"{report.name}.pdf").replace("\u0654", "")
    for phrase in (report.title, "حمایت بیمه تأمین آتیه فرزندان", "این گزارش از چه ساخته شده است"):
        assert as_extracted(phrase) in text, phrase
    assert len(pypdf.PdfReader(built / f"{report.name}.pdf").pages) >= 2


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.name)
def test_pdf_embeds_the_report_font(built: Path, report: object) -> None:
    reader = pypdf.PdfReader(built / f"{report.name}.pdf")
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    fonts.add(str(font.get("/BaseFont")))
    assert any("Vazirmatn" in f for f in fonts), fonts


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.name)
def test_html_is_self_contained_and_right_to_left(built: Path, report: object) -> None:
    html = (built / f"{report.name}.html").read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in html
    assert "data:font/ttf;base64," in html
    assert not re.search(r"<script[^>]+src=", html), "the HTML must not load scripts"
    assert not re.search(r"""(src|href)=["']https?://""", html), "the HTML must not load from the web"
    assert report.title in html
    assert "In&nbsp;[" not in html and "def " not in html  # no code cells


def test_allocation_total_is_the_distributable_amount_in_html_pdf_and_xlsx(built: Path, year: object) -> None:
    """Every Rial of the distributable amount is accounted for, and the three outputs say the same."""
    from atiyeh_reports.allocation import budget

    params = year.params
    table = budget.allocation_table(params, year.children, year.performance)
    totals = budget.allocation_totals(params, table)
    assert int(table["allocated"].sum()) == totals.allocated
    assert totals.allocated + totals.unallocated + totals.sub_unit_remainder == params.budget.distributable
    assert 0 <= totals.sub_unit_remainder < params.budget.rounding_unit
    assert totals.allocated % params.budget.rounding_unit == 0

    wb = openpyxl.load_workbook(built / "allocation.xlsx")
    ws = wb.worksheets[0]
    numbers = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, int)]
    assert totals.allocated in numbers and params.budget.distributable in numbers
    assert not any(isinstance(c.value, str) and c.value.startswith("=") for row in ws.iter_rows() for c in row)
    html = (built / "allocation.html").read_text(encoding="utf-8")
    pdf = pdf_text(built / "allocation.pdf")
    for amount in (totals.allocated, params.budget.distributable):
        assert fmt_rials(amount) in html
        assert fmt_rials(amount) in pdf


def test_no_names_or_national_ids_in_shared_reports(built: Path, year: object) -> None:
    from atiyeh_reports.present.privacy import notebook_text, scan_for_personal_data, visible_text

    children = year.children
    full_names = tuple(
        sorted({f"{f} {l}" for f, l in zip(children["first_name"], children["last_name"], strict=True)})
    )
    for report in REPORTS:
        for text in (
            visible_text((built / f"{report.name}.html").read_text(encoding="utf-8")),
            pdf_text(built / f"{report.name}.pdf"),
            notebook_text((built / f"{report.name}.ipynb").read_text(encoding="utf-8")),
        ):
            assert len(text) > 1000
            assert scan_for_personal_data(text, names=full_names) == [], report.name
    # The scan does find them when they are there.
    planted = f"{children['national_id'].iloc[0]} {full_names[0]}"
    assert len(scan_for_personal_data(planted, names=full_names)) == 2


def test_manifest_lists_inputs_outputs_and_parameters(built: Path, params_path: Path) -> None:
    from atiyeh_reports.core.provenance import sha256_file

    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert not Path(manifest["data_dir"]).is_absolute() and manifest["params_file"] == params_path.name
    data_dir = params_path.parent / manifest["data_dir"]
    assert len([i for i in manifest["inputs"] if "/provinces/" in i["path"]]) >= 31 * 2
    for item in manifest["inputs"]:
        assert sha256_file(data_dir / item["path"]) == item["sha256"]
    for item in manifest["outputs"]:
        assert sha256_file(built / item["path"]) == item["sha256"]
    assert manifest["params"]["year"] == 1404
    assert manifest["package_version"]


def test_same_inputs_and_parameters_give_byte_identical_outputs(
    built: Path, params_path: Path, tmp_path: Path
) -> None:
    from atiyeh_reports.core.provenance import sha256_file

    again = tmp_path / "1404"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build_year(params_path, out_dir=again, progress=lambda m: None)
    first = {p.relative_to(built): sha256_file(p) for p in built.rglob("*") if p.is_file()}
    second = {p.relative_to(again): sha256_file(p) for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    differ = sorted(str(k) for k in first if first[k] != second[k])
    assert differ == []


@pytest.mark.parametrize("report", [r.name for r in REPORTS])
def test_reports_use_one_term_per_concept(built: Path, report: str) -> None:
    """No retired variant of a term (vocab.RETIRED) is left in a rendered report's text."""
    import html as html_lib

    from atiyeh_reports.core import vocab

    page = (built / f"{report}.html").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    left = {old: new for old, new in vocab.RETIRED.items() if old in text}
    assert not left, f"{report}: retired terms still used (old → new): {left}"
    assert vocab.TOTAL in text


def test_the_build_writes_hq_record_of_its_allocation(built: Path, year: object) -> None:
    from atiyeh_reports.allocation import budget
    from atiyeh_reports.allocation.record import RECORD_FILE, read_allocation_record

    record = read_allocation_record(built / RECORD_FILE)  # beside allocation.xlsx
    table = budget.allocation_table(year.params, year.children, year.performance)
    assert set(record["year"]) == {1404} and len(record) == 31
    assert int(record["allocated"].sum()) == budget.allocation_totals(year.params, table).allocated
    assert dict(zip(record["province_code"], record["allocated"], strict=True)) == dict(
        zip(table["province_code"], table["allocated"], strict=True))


# --- the letters and the document (issue 11) -------------------------------------------------------
def test_letters_match_allocation_xlsx_and_are_listed(built: Path, year: object) -> None:
    import zipfile

    from atiyeh_reports.present.privacy import scan_for_personal_data
    from factories import digits_amount as _digits_amount
    from factories import docx_text as _docx_text
    from factories import words_to_int
    from factories import workbook_amounts as _workbook_amounts

    expected = _workbook_amounts(built / "allocation.xlsx")
    letters = sorted((built / "letters").iterdir())
    assert len(letters) == 62 and len(expected) == 31
    listed = {o["path"] for o in json.loads((built / "manifest.json").read_text(encoding="utf-8"))["outputs"]}
    children = year.children
    names = tuple(sorted({f"{f} {l}" for f, l in zip(children["first_name"], children["last_name"], strict=True)}))
    for path in letters:
        assert f"letters/{path.name}" in listed
        assert len(pypdf.PdfReader(path).pages) == 1 if path.suffix == ".pdf" else zipfile.is_zipfile(path)
        if path.suffix == ".docx":
            text = _docx_text(path)
            amount = _digits_amount(text)
            assert amount == expected[path.stem.split("_")[0]]
            words = re.search(r"مبلغ ابلاغی به حروف(.*? ریال)", text).group(1)
            assert words_to_int(words) == amount
        else:
            text = pdf_text(path)
        assert scan_for_personal_data(text, names=names) == [], path.name


def test_allocation_pdf_carries_the_workbook(built: Path) -> None:
    reader = pypdf.PdfReader(built / "allocation.pdf")
    assert reader.attachments["allocation.xlsx"] == [(built / "allocation.xlsx").read_bytes()]


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.name)
def test_no_heading_ends_a_page_and_no_table_starts_short(built: Path, report: object) -> None:

    from pagecheck import render, stranded_headings, table_starts

    document = render((built / f"{report.name}.html").read_text(encoding="utf-8"))
    assert len(document.pages) == len(pypdf.PdfReader(built / f"{report.name}.pdf").pages)
    assert stranded_headings(document) == []
    assert [t for t in table_starts(document) if t[1] < min(3, t[2])] == []


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.name)
def test_html_reads_on_a_390px_phone_and_contents_links_land(built: Path, report: object) -> None:

    from browsercheck import CHROMIUM, check_page

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make browser installs it when run as root)")
    result = check_page(built / f"{report.name}.html", width=390)
    assert result["viewport"] and result["innerWidth"] == 390
    assert result["scrollWidth"] <= 390, "the page scrolls sideways on a phone"
    assert len(result["links"]) >= 3
    assert [link["text"] for link in result["links"] if not (link["found"] and link["lands"])] == []


@pytest.mark.parametrize("report", REPORTS, ids=lambda r: r.name)
def test_charts_carry_persian_alt_text_naming_what_they_show(built: Path, report: object) -> None:
    page = (built / f"{report.name}.html").read_text(encoding="utf-8")
    charts = [tag for tag in re.findall(r"<img\b[^>]*>", page) if 'src="data:image/' in tag]
    assert charts, "no chart found"
    # One PNG per chart, with its size on the page (the HTML shows it at the width the PDF prints).
    assert all('src="data:image/png;base64,' in tag and re.search(r'\bwidth="?\d+', tag) for tag in charts), charts
    alts = [re.search(r'\balt="([^"]*)"', tag).group(1) for tag in charts if re.search(r'\balt="', tag)]
    assert len(alts) == len(charts), "a chart without alt text"
    assert all(alt.startswith("نمودار: ") and len(alt) > 20 for alt in alts), alts
    assert len(set(alts)) == len(alts)


# --- the province pack (issue 11) ---------------------------------------------------------------
def _stems() -> list[str]:
    from atiyeh_reports.core.provinces import provinces
    from atiyeh_reports.pipeline.pack import stem

    return [stem(p.code) for p in provinces()]


def test_every_province_gets_its_letter_card_and_followup_workbook(built: Path) -> None:
    from atiyeh_reports.core.layout import internal_dir

    stems = _stems()
    assert len(stems) == 31
    assert sorted(p.name for p in (built / "cards").iterdir()) == sorted(
        f"{s}{suffix}" for s in stems for suffix in (".html", ".pdf"))
    assert sorted(p.name for p in (built / "letters").iterdir()) == sorted(
        f"{s}{suffix}" for s in stems for suffix in (".docx", ".pdf"))
    for s in stems:
        assert 1 <= len(pypdf.PdfReader(built / "cards" / f"{s}.pdf").pages) <= 2, s
    # Names and IDs live in the internal tree beside outputs/, never in the shared folder.
    internal = internal_dir(built)
    assert internal == built.parent.parent / "internal" / built.name
    assert not (built / "internal").exists()
    assert {"quality.xlsx", "reconciliation.xlsx", "README.txt"} <= {p.name for p in internal.iterdir()}
    assert "برای هم‌رسانی نیست" in (internal / "README.txt").read_text(encoding="utf-8")
    assert sorted(p.stem for p in (internal / "followup").glob("*.xlsx")) == sorted(stems)
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert "folder" not in manifest["internal"]  # where it is depends on --out, not on the inputs
    assert {o["path"] for o in manifest["internal"]["outputs"]} >= {"quality.xlsx", "reconciliation.xlsx"}
    assert not any(o["path"].startswith("internal") for o in manifest["outputs"])


def _card_value(page: str, label: str) -> str:
    from atiyeh_reports.present.privacy import visible_text

    text = visible_text(page)
    match = re.search(re.escape(label) + r"\s+([۰-۹٬]+)", text)
    assert match, label
    return match.group(1)


def test_each_card_shows_the_amount_of_allocation_xlsx(built: Path) -> None:

    from atiyeh_reports.core.text import to_ascii_digits
    from factories import workbook_amounts as _workbook_amounts

    expected = _workbook_amounts(built / "allocation.xlsx")
    for s in _stems():
        page = (built / "cards" / f"{s}.html").read_text(encoding="utf-8")
        shown = int(to_ascii_digits(_card_value(page, "اعتبار ابلاغی (ریال)")).replace("٬", ""))
        assert shown == expected[s.split("_")[0]], s
        assert f"کارنامهٔ استان {s.split('_', 1)[1].replace('_', ' ')}" in page


def test_nothing_in_the_shared_folder_carries_a_name_or_national_id(built: Path, year: object) -> None:
    """Every file of outputs/<year>/, whatever its format, scanned for the year's names and IDs."""
    import zipfile

    from atiyeh_reports.present.privacy import notebook_text, scan_for_personal_data, visible_text
    from factories import docx_text as _docx_text

    children = year.children
    names = tuple(sorted({f"{f} {l}" for f, l in zip(children["first_name"], children["last_name"], strict=True)}))
    ids = set(children["national_id"].dropna()) | set(year.policies["national_id"].dropna())
    assert len(ids) > 9000
    scanned = 0
    for path in sorted(p for p in built.rglob("*") if p.is_file()):
        if path.suffix == ".pdf":
            text = pdf_text(path)
        elif path.suffix == ".html":
            text = visible_text(path.read_text(encoding="utf-8"))
        elif path.suffix == ".ipynb":
            text = notebook_text(path.read_text(encoding="utf-8"))
        elif path.suffix == ".docx":
            text = _docx_text(path)
        else:
            # Tables for machines: Rial amounts are plain 10-digit numbers there, and some pass the
            # ID check digit, so these are searched for the year's own IDs, not for the pattern.
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as z:
                    text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
            else:
                text = path.read_text(encoding="utf-8")
            assert set(re.findall(r"(?<!\d)\d{10}(?!\d)", text)) & ids == set(), path.relative_to(built)
            assert [n for n in names if n in text] == [], path.relative_to(built)
            scanned += 1
            continue
        assert scan_for_personal_data(text, names=names) == [], path.relative_to(built)
        scanned += 1
    assert scanned >= 3 * 3 + 62 + 62 + 3


def test_no_heading_ends_a_page_of_any_card(built: Path) -> None:

    from pagecheck import render, stranded_headings, table_starts

    for s in _stems():
        document = render((built / "cards" / f"{s}.html").read_text(encoding="utf-8"))
        assert len(document.pages) == len(pypdf.PdfReader(built / "cards" / f"{s}.pdf").pages), s
        assert stranded_headings(document) == [], s
        assert [t for t in table_starts(document) if t[1] < min(3, t[2])] == [], s


def test_every_card_reads_on_a_390px_phone(built: Path) -> None:

    from browsercheck import CHROMIUM, check_page

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make chromium installs it when run as root)")
    for s in _stems():
        result = check_page(built / "cards" / f"{s}.html", width=390)
        assert result["viewport"] and result["scrollWidth"] <= 390, s
        assert [link["text"] for link in result["links"] if not (link["found"] and link["lands"])] == [], s


def test_the_index_links_every_shared_file_and_reads_on_a_phone(built: Path) -> None:
    from urllib.parse import unquote

    from browsercheck import CHROMIUM, check_page

    page = (built / "index.html").read_text(encoding="utf-8")
    hrefs = {unquote(h) for h in re.findall(r'href="([^"#][^"]*)"', page)}
    shared = {p.relative_to(built).as_posix() for p in built.rglob("*")
              if p.is_file() and not p.name.startswith(".") and p.name != "index.html"}
    assert shared - hrefs == set()  # every file of the shareable tree is linked
    assert {h for h in hrefs if not (built / h).is_file()} == set()  # and every link resolves
    assert all(f"cards/{s}.pdf" in hrefs and f"letters/{s}.docx" in hrefs for s in _stems())
    assert "بیرون از این پوشه" in page and "internal/1404" not in page  # the same page wherever it is built
    assert not any(h.startswith("..") for h in hrefs)
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (make chromium installs it when run as root)")
    result = check_page(built / "index.html", width=390)
    assert result["viewport"] and result["scrollWidth"] <= 390
    assert [link["text"] for link in result["links"] if not (link["found"] and link["lands"])] == []
