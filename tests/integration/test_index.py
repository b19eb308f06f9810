"""outputs/<year>/index.html (publish.index): every shareable file linked, nothing personal, RTL at 390 px."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from atiyeh_reports.allocation import budget
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.errors import BuildError
from atiyeh_reports.pipeline.build import REPORTS
from atiyeh_reports.present.privacy import scan_for_personal_data, visible_text
from atiyeh_reports.publish.index import INDEX, MANIFEST, format_size, index_entries, write_index
from atiyeh_reports.publish.letters import file_stem, write_letters
from factories import MILLION, NAMES, children_31, make_params, nid

PROVENANCE = (
    ("پرونده پارامترها", "1404.yaml  sha256:0123456789abcdef"),
    ("داده‌های ورودی", "۳۴ پرونده؛ sha256 ترکیبی 89abcdef01234567 (فهرست کامل در manifest.json)"),
    ("نسخه بسته", "atiyeh_reports 0.1.0"),
    ("کامیت", "0123abc"),
    ("تاریخ ساخت", "۳ آذر ۱۴۰۴"),
)
UNKNOWN = ("notes.md", "extra/پرونده دیگر.txt", "cards/IR-99_نامعلوم.pdf", "letters/readme.txt")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """A build folder: fake reports and workbooks, real letters for three provinces, cards for two,
    files the index does not know, an internal/ folder and hidden files."""
    params = make_params(approved_credit=400 * MILLION)
    table = budget.allocation_table(params, children_31(), None)
    out = tmp_path_factory.mktemp("year") / "1404"
    write_letters(params, table[table["province_code"].isin(["IR-00", "IR-23", "IR-30"])], out / "letters",
                  provenance="test")
    for report in REPORTS:
        for suffix, size in ((".html", 2_400_000), (".pdf", 120_000), (".ipynb", 500)):
            (out / f"{report.name}{suffix}").write_bytes(b"x" * size)
    (out / "allocation.xlsx").write_bytes(b"x" * 9000)
    (out / "allocation.csv").write_text("year,province_code\n", encoding="utf-8")
    (out / "cards").mkdir()
    for code, name in (("IR-23", "تهران"), ("IR-00", "مرکزی")):
        for suffix in (".pdf", ".html"):
            (out / "cards" / f"{file_stem(code, name)}{suffix}").write_bytes(b"c" * 3000)
    for rel in UNKNOWN:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text("x", encoding="utf-8")
    (out / "internal" / "followup").mkdir(parents=True)
    (out / "internal" / "quality.xlsx").write_bytes(b"q")
    (out / "internal" / "followup" / f"{nid(123)}.xlsx").write_bytes(b"q")  # internal: never looked at
    (out / ".atiyeh-output").write_text("marker", encoding="utf-8")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764000000")
    write_index(out, params=params, provenance=PROVENANCE)
    (out / MANIFEST).write_text("{}", encoding="utf-8")  # the build writes it just after the index
    return out, params


def _page(out: Path) -> str:
    return (out / INDEX).read_text(encoding="utf-8")


def _hrefs(page: str) -> list[str]:
    return re.findall(r'<a href="([^"]*)"', page)


def _shareable(out: Path) -> set[str]:
    """Written here independently of the index: every file but internal/, hidden files and the page."""
    return {p.relative_to(out).as_posix() for p in out.rglob("*")
            if p.is_file() and p.relative_to(out).parts[0] != "internal"
            and not any(part.startswith(".") for part in p.relative_to(out).parts)
            and p.name not in (INDEX, MANIFEST)}


def test_every_shareable_file_is_linked_once_and_every_link_resolves(folder) -> None:
    out, _ = folder
    files = [unquote(h) for h in _hrefs(_page(out)) if not h.startswith("#")]
    assert sorted(f for f in files if f != MANIFEST) == sorted(_shareable(out))
    assert len(_shareable(out)) == 9 + 2 + 6 + 4 + len(UNKNOWN)  # reports, workbooks, letters, cards, others
    for href in _hrefs(_page(out)):
        parts = urlsplit(href)
        assert not parts.scheme and not parts.netloc and not href.startswith("/"), href
        if href.startswith("#"):
            assert f'id="{href[1:]}"' in _page(out), href
        else:
            assert (out / unquote(parts.path)).is_file(), href
            assert re.fullmatch(r"[A-Za-z0-9_./%\-]+", href), href  # Persian names percent-encoded


def test_internal_and_hidden_files_are_not_linked(folder) -> None:
    out, _ = folder
    page = _page(out)
    assert "quality.xlsx" not in page and ".atiyeh-output" not in page
    assert not [h for h in _hrefs(page) if unquote(h).startswith("internal")]
    assert "(۲ پرونده) نام و کد ملی فرزندان را دارد" in visible_text(page).replace("\n", " ")


def test_sections_national_then_each_province_then_other(folder) -> None:
    out, _ = folder
    entries, internal = index_entries(out)
    assert internal == 2
    sections = [e.section for e in entries]
    assert sections == sorted(sections, key=lambda s: (s != "national", s == "other"))
    titles = {e.path: e.title for e in entries}
    for report in REPORTS:  # the build's own titles
        assert titles[f"{report.name}.html"] == titles[f"{report.name}.pdf"] == report.title
    tehran = [e.path for e in entries if e.section == "IR-23"]
    stem = file_stem("IR-23", "تهران")
    assert tehran == [f"letters/{stem}.pdf", f"letters/{stem}.docx", f"cards/{stem}.pdf", f"cards/{stem}.html"]
    assert [e.path for e in entries if e.section == "IR-30"] == [f"letters/{file_stem('IR-30', 'البرز')}.pdf",
                                                                f"letters/{file_stem('IR-30', 'البرز')}.docx"]
    assert sorted(e.path for e in entries if e.section == "other") == sorted(UNKNOWN)
    page = _page(out)
    other = page[page.index('id="other"'):page.index('id="provenance"')]
    assert all(rel in other for rel in UNKNOWN)  # listed by their path, in their own section
    for p in provinces():
        assert f'id="{p.code}"' in page and f'href="#{p.code}"' in page
    assert page.count("برای این استان پرونده‌ای ساخته نشده است") == 31 - 3


def test_sizes_and_provenance(folder) -> None:
    out, _ = folder
    text = visible_text(_page(out))
    assert "۲٫۳ مگابایت" in text and "۱۱۷٫۲ کیلوبایت" in text  # 2,400,000 and 120,000 bytes
    for key, value in PROVENANCE:
        assert key in text and value in text
    assert f'href="{MANIFEST}"' in _page(out)
    assert [format_size(n) for n in (0, 1023, 1024, 1536, 1024 * 1024)] == [
        "۰ بایت", "۱۰۲۳ بایت", "۱٫۰ کیلوبایت", "۱٫۵ کیلوبایت", "۱٫۰ مگابایت"]


def test_no_id_or_name_on_the_page(folder) -> None:
    out, _ = folder
    page = _page(out)
    ids = list(children_31()["national_id"])
    assert scan_for_personal_data(visible_text(page), NAMES) == []
    assert scan_for_personal_data(re.sub(r"<style>.*?</style>", "", page, flags=re.S), NAMES) == []
    assert not [i for i in ids if i in page]


def test_a_file_named_like_an_id_is_refused_not_published(folder, tmp_path: Path) -> None:
    out, params = folder
    copy = tmp_path / "1404"
    shutil.copytree(out, copy)
    (copy / f"{nid(4242)}.pdf").write_bytes(b"x")
    with pytest.raises(BuildError, match="looks like a national ID") as err:
        write_index(copy, params=params, provenance=PROVENANCE)
    assert nid(4242) not in str(err.value)


def test_same_folder_same_bytes(folder, tmp_path: Path) -> None:
    out, params = folder
    first = _page(out).encode("utf-8")
    copy = tmp_path / "again"
    shutil.copytree(out, copy)
    (copy / INDEX).unlink()
    (copy / MANIFEST).unlink()
    assert write_index(copy, params=params, provenance=PROVENANCE).read_bytes() == first


def test_readable_on_a_390_px_phone(folder) -> None:
    import browsercheck

    if browsercheck.CHROMIUM is None:
        pytest.skip("chromium is not installed (make chromium): the 390 px check needs a browser")
    out, _ = folder
    found = browsercheck.check_page(out / INDEX, width=390)
    assert found["viewport"] and found["scrollWidth"] <= 390, found["scrollWidth"]
    assert found["links"] and all(link["lands"] for link in found["links"])
