"""The allocation letters (publish.letters, publish.docx): amounts, words, one page, RTL, privacy."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from atiyeh_reports.allocation import budget, notify
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.core.text import to_ascii_digits
from atiyeh_reports.publish import amount_in_words, letter_for, letters, write_letters
from atiyeh_reports.publish.docx import letter_document, write_letter_docx
from factories import MILLION, NAMES, children_31, make_params, words_to_int
from factories import digits_amount as _digits_amount
from factories import docx_text as _docx_text
from factories import workbook_amounts as _workbook_amounts


@pytest.mark.parametrize(
    ("rials", "words"),
    [
        (3_456_000_000, "سه میلیارد و چهارصد و پنجاه و شش میلیون ریال"),
        (35_712_000_000, "سی و پنج میلیارد و هفتصد و دوازده میلیون ریال"),
        (2_000_005, "دو میلیون و پنج ریال"),
        (1_001, "هزار و یک ریال"),
        (101_000_000, "صد و یک میلیون ریال"),
        (1_000_001_000, "یک میلیارد و هزار ریال"),  # «هزار» alone is one thousand
        (0, "صفر ریال"),
    ],
)
def test_amount_in_words_by_hand(rials: int, words: str) -> None:
    assert amount_in_words(rials) == words


@given(st.integers(min_value=0, max_value=10**13))
def test_amount_in_words_reads_back(rials: int) -> None:
    assert words_to_int(amount_in_words(rials)) == rials


def test_a_negative_amount_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        amount_in_words(-1)


# --- a year of 31 provinces, built in code ----------------------------------------------------------
@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    params = make_params(approved_credit=400 * MILLION)  # the requirement (558M) is not covered
    children = children_31()
    table = budget.allocation_table(params, children, None)
    out = tmp_path_factory.mktemp("letters")
    workbook = notify.write_allocation_workbook(params, table, out / "allocation.xlsx")
    written = write_letters(params, table, out / "letters", provenance="test")
    return params, children, table, workbook, written


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_one_pdf_and_one_docx_per_province(year: tuple) -> None:
    *_, written = year
    assert [p.suffix for p in written] == [".pdf", ".docx"] * 31
    assert {p.stem.split("_")[0] for p in written} == {p.code for p in provinces()}


def test_each_letter_amount_is_its_row_of_allocation_xlsx_in_digits_and_words(year: tuple) -> None:
    params, _, table, workbook, written = year
    expected = _workbook_amounts(workbook)
    assert len(expected) == 31 and sum(expected.values()) == params.budget.distributable // MILLION * MILLION
    for letter in letters(params, table):
        assert letter.allocated == expected[letter.province_code]
        assert words_to_int(letter.amount_words) == letter.allocated
    names = {p.code: p.name_fa for p in provinces()}
    for path in (p for p in written if p.suffix == ".docx"):  # the PDFs: see the next test
        code = path.stem.split("_")[0]
        text = _docx_text(path)
        assert _digits_amount(text) == expected[code]
        assert amount_in_words(expected[code]) in text
        assert f"اداره کل بهزیستی استان {names[code]}" in text


def test_the_pdf_carries_the_amount_and_is_one_page(year: tuple) -> None:
    *_, workbook, written = year
    expected = _workbook_amounts(workbook)
    for path in (p for p in written if p.suffix == ".pdf"):
        reader = PdfReader(path)
        assert len(reader.pages) == 1, path.name
        text = to_ascii_digits(_pdf_text(path))
        amount = f"{expected[path.stem.split('_')[0]]:,}".replace(",", "٬")
        # pypdf reads a number inside right-to-left text in visual order: 7٬000٬000 comes out 000٬000٬7
        assert amount in text or amount[::-1] in text, path.name
        assert amount_in_words(expected[path.stem.split("_")[0]]) in text.replace("\n", " "), path.name


def test_the_pdf_is_pdfa_3u_and_tagged(year: tuple) -> None:
    path = next(p for p in year[-1] if p.suffix == ".pdf")
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xmp) and re.search(r'pdfaid:conformance(="|>)U', xmp)
    intent = root["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1" and "/DestOutputProfile" in intent
    assert root["/MarkInfo"]["/Marked"] and "/StructTreeRoot" in root


def test_the_docx_is_right_to_left(year: tuple) -> None:
    path = next(p for p in year[-1] if p.suffix == ".docx")
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    paragraphs = re.findall(r"<w:p[ >].*?</w:p>", xml, flags=re.S)
    assert paragraphs and all("<w:bidi/>" in p for p in paragraphs)
    runs = re.findall(r"<w:r>.*?</w:r>", xml, flags=re.S)
    assert runs and all("<w:rtl/>" in r and 'w:cs="Tahoma"' in r for r in runs)
    assert xml.count("<w:bidiVisual/>") == 3  # head, amount and signature tables read right to left


def test_no_child_name_or_id_in_any_letter(year: tuple) -> None:
    _, children, *_, written = year
    for path in written:
        text = _docx_text(path) if path.suffix == ".docx" else to_ascii_digits(_pdf_text(path))
        raw = path.read_bytes()
        for nid in children["national_id"]:
            assert nid not in text and nid.encode() not in raw
        for name in NAMES:
            assert name not in text


def test_letters_are_byte_reproducible(year: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    params, _, table, *_ = year
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    letter = letter_for(params, table, "IR-23")
    first = write_letter_docx(letter, tmp_path / "a.docx").read_bytes()
    assert write_letter_docx(letter, tmp_path / "b.docx").read_bytes() == first
    with zipfile.ZipFile(tmp_path / "a.docx") as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 11, 24, 16, 0, 0)}
        core = z.read("docProps/core.xml").decode()
    assert "2025-11-24T16:00:00Z" in core
    from atiyeh_reports.publish.letters import write_letter_pdf

    pdf = write_letter_pdf(letter, tmp_path / "a.pdf").read_bytes()
    assert write_letter_pdf(letter, tmp_path / "b.pdf").read_bytes() == pdf


def test_the_computation_names_the_provinces_own_numbers(year: tuple) -> None:
    params, _, table, *_ = year
    row = table[table["province_code"] == "IR-23"].iloc[0]
    text = to_ascii_digits(letter_for(params, table, "IR-23").computation).replace("٬", ",")
    assert f"{int(row['eligible_children'])} فرزند" in text
    assert f"{int(row['requirement']):,} ریال" in text
    assert f"{int(row['allocated']):,} ریال" in text
    assert "کمتر از نیاز کل" in text  # not covered, so pro rata


def test_a_covered_requirement_is_notified_as_it_is() -> None:
    params = make_params(approved_credit=10_000 * MILLION)
    table = budget.allocation_table(params, children_31(), None)
    letter = letter_for(params, table, "IR-00")
    assert letter.allocated == int(table.loc[table["province_code"] == "IR-00", "requirement"].iloc[0])
    assert "پوشش می‌دهد" in letter.computation


def test_an_unknown_province_is_refused(year: tuple) -> None:
    params, _, table, *_ = year
    with pytest.raises(budget.BudgetError, match="IR-99"):
        letter_for(params, table, "IR-99")


@pytest.mark.skipif(not (shutil.which("soffice") and Path("/usr/lib/libreoffice/program/libswlo.so").exists()),
                    reason="LibreOffice Writer is not installed (make officetools installs it as root)")
def test_libreoffice_opens_the_docx_as_one_right_to_left_page(year: tuple, tmp_path: Path) -> None:
    path = next(p for p in year[-1] if p.suffix == ".docx")
    copy = shutil.copy(path, tmp_path / "letter.docx")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(copy)],
                   check=True, capture_output=True, timeout=180)
    reader = PdfReader(tmp_path / "letter.pdf")
    assert len(reader.pages) == 1
    assert amount_in_words(year[2]["allocated"].iloc[0]).split(" ")[0] in reader.pages[0].extract_text()


def test_letter_document_title_names_the_province(year: tuple) -> None:
    params, _, table, *_ = year
    doc = letter_document(letter_for(params, table, "IR-10"))
    assert "اصفهان" in doc.core_properties.title
