"""The sample data set: reproducible, realistic in size, and its planted problems where it says."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.utils.datetime import from_excel

from atiyeh_reports.core import layout
from atiyeh_reports.core.national_id import clean_national_id, is_valid
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.sample.population import LIST_DATES, PREMIUMS, province_quotas, target_children
from atiyeh_reports.sample.write import write_sample

ROOT = Path(__file__).resolve().parents[2]
YEARS = (1402, 1403, 1404)
STANDARD_HEADERS = list(layout.CHILDREN_COLUMNS)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def planted(sample_dir: Path) -> list[dict]:
    return json.loads((sample_dir / "planted.json").read_text(encoding="utf-8"))


_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def _xlsx_cells(path: Path, sheet: str, max_row: int = 10**9) -> dict[str, object]:
    """Cell values of one sheet up to ``max_row``, read straight from the XML (openpyxl is too slow here).

    An independent reader: the round trip through openpyxl is tested in test_forms.
    """
    main = "{%s}" % _NS["m"]
    with zipfile.ZipFile(path) as zf:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        rid = next(s.get(f"{{{_NS['r']}}}id") for s in book.iter(f"{main}sheet") if s.get("name") == sheet)
        target = next(r.get("Target") for r in rels if r.get("Id") == rid)
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            root = ET.fromstring(zf.read("xl/sharedStrings.xml"))
            shared = ["".join(t.text or "" for t in si.iter(f"{main}t")) for si in root]
        xml = zf.read("xl/" + target.lstrip("/").removeprefix("xl/"))
    cells: dict[str, object] = {}
    for _event, c in ET.iterparse(io.BytesIO(xml)):
        if c.tag == f"{main}row" and int(c.get("r")) >= max_row:
            break
        if c.tag != f"{main}c":
            continue
        kind, v = c.get("t"), c.find(f"{main}v")
        if kind == "inlineStr":
            cells[c.get("r")] = "".join(t.text or "" for t in c.iter(f"{main}t"))
        elif v is None:
            continue
        elif kind == "s":
            cells[c.get("r")] = shared[int(v.text)]
        elif kind in ("str", "b"):
            cells[c.get("r")] = v.text if kind == "str" else v.text == "1"
        else:
            cells[c.get("r")] = int(v.text) if v.text.lstrip("-").isdigit() else float(v.text)
    return cells


def _read_rows(path: Path, sheet: str | None = None) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    return rows


#: Reading a whole year with openpyxl takes many seconds on CI; the bulk checks read
#: the twelve smallest provinces (every year) and the forms holding planted bad IDs.
SMALL = {p.code for p in sorted(provinces(), key=lambda p: p.population)[:12]}


@pytest.fixture(scope="module")
def standard_forms(sample_dir: Path, planted: list[dict]) -> dict[int, dict[str, list[dict]]]:
    """Children rows (header → value, plus the Excel row) of the chosen forms laid out as sent."""
    bad_files = {e["file"] for e in planted if e["kind"] == "bad_check_digit"}
    out: dict[int, dict[str, list[dict]]] = {}
    for year in (1403, 1404):
        out[year] = {}
        for path in sorted(layout.provinces_dir(sample_dir, year).glob("*.xlsx")):
            relative = path.relative_to(sample_dir).as_posix()
            if path.name.split("_")[0] not in SMALL and relative not in bad_files:
                continue
            wb = openpyxl.load_workbook(path, read_only=True)
            if layout.SHEET_CHILDREN not in wb.sheetnames:
                continue
            rows = list(wb[layout.SHEET_CHILDREN].iter_rows(values_only=True))
            wb.close()
            header = rows[layout.CHILDREN_HEADER_ROW - 1]
            if list(header) != STANDARD_HEADERS:
                continue
            out[year][path.name] = [
                {"excel_row": i, **dict(zip(header, r))}
                for i, r in enumerate(rows[layout.CHILDREN_HEADER_ROW:], start=layout.CHILDREN_HEADER_ROW + 1)
            ]
    return out


def test_same_seed_gives_byte_identical_files(sample_dir: Path, tmp_path: Path) -> None:
    # The simulation runs from the first year on, so a run of 1402 alone must
    # write exactly the 1402 files of the full run.
    info = write_sample(tmp_path, years=(1402,), params_dir=ROOT / "params")
    assert info.children[1402] == province_quotas(1402)
    written = [p for p in info.files if p.name != "planted.json"]
    assert len(written) == 33  # 31 forms, the insurer's export, HQ's record of the 1402 allocation
    for path in written:
        twin = sample_dir / path.relative_to(tmp_path)
        assert _digest(path) == _digest(twin), path.name


def test_layout_of_the_sample(sample_dir: Path) -> None:
    for year in YEARS:
        names = sorted(p.name for p in layout.provinces_dir(sample_dir, year).glob("*.xlsx"))
        assert [n.split("_")[0] for n in names] == [p.code for p in provinces()]
        insurer = sorted(p.name for p in layout.insurer_dir(sample_dir, year).iterdir())
        assert insurer == (["policies.csv"] if year == 1403 else ["policies.xlsx"])
    raw = (layout.insurer_dir(sample_dir, 1403) / "policies.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw.decode("utf-8-sig").splitlines()[0].split(",") == list(layout.INSURER_COLUMNS)


def test_counts_per_year() -> None:
    assert target_children(1404) == 9920
    assert 9000 <= target_children(1402) < target_children(1403) < 9920
    for year in YEARS:
        quotas = province_quotas(year)
        assert sum(quotas.values()) == target_children(year)
        assert min(quotas.values()) >= 20
        assert quotas["IR-23"] == max(quotas.values())


@given(st.integers(min_value=1390, max_value=1404))
def test_quotas_add_up_and_follow_population(year: int) -> None:
    quotas = province_quotas(year)
    assert sum(quotas.values()) == target_children(year)
    pops = {p.code: p.population for p in provinces()}
    ranked = sorted(quotas, key=lambda c: pops[c])
    assert all(quotas[a] <= quotas[b] + 1 for a, b in zip(ranked, ranked[1:]))


def test_forms_hold_about_the_listed_children(standard_forms: dict) -> None:
    for year, forms in standard_forms.items():
        quotas = province_quotas(year)
        assert len([n for n in forms if n.split("_")[0] in SMALL]) >= 6
        for name, rows in forms.items():
            with_id = [r for r in rows if r["کد ملی"] is not None]
            assert abs(len(with_id) - quotas[name.split("_")[0]]) <= 4, name


def test_ids_valid_except_planted_bad_ones(standard_forms: dict, planted: list[dict]) -> None:
    bad = {(e["year"], e["file"].split("/")[-1], e["row"]) for e in planted if e["kind"] == "bad_check_digit"}
    seen_bad = set()
    for year, forms in standard_forms.items():
        for name, rows in forms.items():
            for r in rows:
                if r["کد ملی"] is None:
                    continue
                nid = clean_national_id(r["کد ملی"])
                key = (year, name, r["excel_row"])
                if key in bad:
                    assert nid is not None and not is_valid(nid)
                    seen_bad.add(key)
                else:
                    assert nid is not None and is_valid(nid), (key, r["کد ملی"])
    assert seen_bad  # at least one planted bad ID fell in a standard form


def test_children_persist_across_years(standard_forms: dict) -> None:
    def people(year: int) -> dict[str, tuple]:
        return {
            r["کد ملی"]: (r["نام"], r["نام خانوادگی"], r["تاریخ تولد"], r["جنسیت"])
            for rows in standard_forms[year].values() for r in rows
            if isinstance(r["کد ملی"], str) and r["کد ملی"].isascii() and r["کد ملی"].isdigit()
        }

    both = standard_forms[1403].keys() & standard_forms[1404].keys()
    assert len(both) >= 6
    standard_forms = {y: {n: f for n, f in forms.items() if n in both} for y, forms in standard_forms.items()}
    before, after = people(1403), people(1404)
    common = before.keys() & after.keys()
    assert len(common) > 0.8 * len(before)
    same = sum(before[k] == after[k] for k in common)
    assert same >= len(common) - 40  # only planted dirt may differ
    assert len(after.keys() - before.keys()) > 0.04 * len(after)  # new admissions


def test_performance_of_previous_year(sample_dir: Path, planted: list[dict]) -> None:
    from atiyeh_reports.allocation.record import RECORD_FILE, hq_dir, read_allocation_record

    quotas = province_quotas(1403)
    frame = read_allocation_record(hq_dir(sample_dir, 1403) / RECORD_FILE)
    record = dict(zip(frame["province_code"], frame["allocated"], strict=True))
    misreported = {e["province_code"] for e in planted if e["year"] == 1404 and e["kind"].startswith("notified_")}
    assert len(misreported) == 3
    for path in sorted(layout.provinces_dir(sample_dir, 1404).glob("*.xlsx")):
        rows = _read_rows(path, layout.SHEET_PERFORMANCE)
        assert "۱۴۰۳" in rows[0][0]
        perf = dict(zip(layout.PERFORMANCE_COLUMNS.values(), rows[layout.PERFORMANCE_HEADER_ROW]))
        covered = perf["children_covered"]
        code = path.name.split("_")[0]
        assert covered == quotas[code]
        # the notified credit is HQ's record of 1403 (allocated from params/1403.yaml), except
        # the discrepancies planted and listed in planted.json
        notified = record[code]
        if code not in misreported:
            assert perf["credit_notified"] == notified
        assert notified <= covered * PREMIUMS[1403]  # the 1403 credit did not cover every child
        assert 0.75 * notified <= perf["credit_spent"] <= notified
        assert 0 < perf["policies_issued"] <= covered + 2  # the insurer's active policies of 1403
        assert 0 < perf["children_left"] < covered
        assert all(isinstance(v, int) for v in perf.values())


def test_planted_entries_point_at_their_values(sample_dir: Path, planted: list[dict]) -> None:
    by_file: dict[tuple[str, str | None], list[dict]] = defaultdict(list)
    for e in planted:
        by_file[(e["file"], e["sheet"])].append(e)
    kinds = {e["kind"] for e in planted}
    for (file, sheet), entries in by_file.items():
        path = sample_dir / file
        if path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as fh:
                lines = list(csv.reader(fh))
            for e in entries:
                if e["cell"] is None:
                    assert all(e["value"] != line[1] for line in lines)
                    continue
                col = lines[0].index(e["column"])
                assert lines[e["row"] - 1][col] == str(e["value"]), e
            continue
        last = None if "/insurer/" in file else max(e["row"] or 1 for e in entries)
        cells = _xlsx_cells(path, sheet, last or 10**9)
        for e in entries:
            if e["cell"] is None:  # a child without a policy (checked in the CSV export)
                assert e["kind"] == "no_policy"
                continue
            value = cells.get(e["cell"])
            if e["kind"] == "date_excel":
                value = from_excel(value).isoformat()
            assert value == e["value"], e
            if e["column"] is not None and "/provinces/" in file:
                # The column's header, somewhere above the cell, is the one the entry names.
                letter = "".join(ch for ch in e["cell"] if ch.isalpha())
                above = [cells.get(f"{letter}{r}") for r in range(1, e["row"] + 1)]
                assert e["column"] in above, e
        if path.suffix == ".xlsx" and "/insurer/" in file:
            ids = {v for k, v in cells.items() if k.startswith("B")}
            assert all(e["value"] not in ids for e in entries if e["kind"] == "no_policy")
    wanted = {
        "arabic_letters", "persian_digits_id", "id_lost_leading_zeros", "id_with_separators",
        "bad_check_digit", "duplicate_in_province", "duplicate_across_provinces", "blank_row",
        "total_row", "date_dashes", "date_compact", "date_persian_digits", "date_excel",
        "impossible_date", "birth_after_admission", "over_age_limit", "no_court_order",
        "gender_variant", "province_title_variant", "header_row_moved", "columns_reordered",
        "english_headers", "children_sheet_renamed", "title_province_mismatch",
        "arabic_letters_header", "no_policy", "policy_unknown_id", "policy_not_on_list",
        "two_active_policies", "wrong_premium", "province_differs", "cancelled_policy",
        "matured_policy", "late_issue",
    }
    assert wanted <= kinds
    assert {e["year"] for e in planted} == set(YEARS)


def test_planted_children_facts(sample_dir: Path, planted: list[dict]) -> None:
    for e in planted:
        if e["kind"] == "id_lost_leading_zeros":
            assert isinstance(e["value"], int) and e["national_id"].startswith("00")
            assert str(e["value"]).zfill(10) == e["national_id"]
        if e["kind"] == "impossible_date":
            y, m, d = (int(x) for x in e["value"].split("/"))
            assert m == 13 or (m, d) == (12, 30)
        if e["kind"] == "late_issue":
            assert int(e["note"].split()[0]) > 45
        if e["kind"] == "gender_variant":
            assert e["value"] in ("مذکر", "مونث", "M", "F")


def test_list_dates_match_the_parameter_files() -> None:
    for path in sorted((ROOT / "params").glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        if raw["year"] in LIST_DATES:
            assert raw["insurer"]["list_date"] == LIST_DATES[raw["year"]], path.name
            assert raw["service"]["per_capita_premium"] == PREMIUMS[raw["year"]], path.name


def test_years_without_premium_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AtiyehError, match="1399"):
        write_sample(tmp_path, years=(1399,), params_dir=None)


def test_the_command_passes_the_projects_params_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # write_sample no longer finds params/ by climbing from its own file; `atiyeh sample` passes the
    # project's folder (lab.explore.project_root), also when run from a folder outside the project.
    from atiyeh_reports import cli
    from atiyeh_reports.sample import write

    seen: list[Path | None] = []

    def fake(out_dir: Path, *, seed: int, params_dir: Path | None) -> object:
        seen.append(params_dir)
        return write.SampleInfo(out_dir, (), (), {})

    monkeypatch.setattr(write, "write_sample", fake)
    monkeypatch.delenv("ATIYEH_ROOT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["sample", "--out", str(tmp_path / "sample")]) == 0
    assert seen == [ROOT / "params"]
