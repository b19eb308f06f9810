"""Reading the insurer's export and reconciling it with the children."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.jalali import parse_jalali
from atiyeh_reports.errors import InputError
from atiyeh_reports.insurer.export import read_insurer_export
from atiyeh_reports.insurer.reconciliation import CHILD_CATEGORIES, POLICY_CATEGORIES, reconcile
from atiyeh_reports.insurer.views import counts_fa, delays_fa
from atiyeh_reports.insurer.workbook import write_reconciliation_workbook
from factories import LIST, PREMIUM, children_frame, nid, policies_frame

HEADER = list(layout.INSURER_COLUMNS)




def write_xlsx(path: Path, rows: list[list[object]], title_rows: int = 0) -> Path:
    wb = Workbook()
    ws = wb.active
    for _ in range(title_rows):
        ws.append(["خروجی سامانه بیمه‌گر"])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


# --- reading -----------------------------------------------------------------------------
def test_reads_xlsx_with_lower_header_and_cleans_values(tmp_path, params):
    folder = tmp_path / "1404" / "insurer"
    short_id = nid(1234567)  # starts with two zeros: Excel keeps it as a number
    write_xlsx(folder / "export.xlsx", [
        ["P-1", int(short_id), "تهران", "1404/02/20", "3,600,000", "فعال"],
        ["P-2", "۰۰۱۲۳۴۵۶۷۸", "استان اصفهان", "۱۴۰۴-۳-۱", 3600000, "باطل"],
        [None, None, None, None, None, None],
        ["P-3", nid(55555), "كرمانشاه", dt.datetime(2025, 6, 1), "۳٬۶۰۰٬۰۰۰", "matured"],
    ], title_rows=2)
    policies, findings = read_insurer_export(params, data_dir=tmp_path)
    assert list(policies["policy_no"]) == ["P-1", "P-2", "P-3"]
    assert policies.loc[0, "national_id"] == short_id
    assert policies.loc[0, "province_code"] == "IR-23"
    assert policies.loc[0, "issue_date"] == parse_jalali("1404/02/20")
    assert policies.loc[2, "issue_date"] == dt.date(2025, 6, 1)
    assert list(policies["premium"]) == [PREMIUM] * 3
    assert policies["premium"].dtype == "int64"
    assert list(policies["status"]) == [vocab.POLICY_ACTIVE, vocab.POLICY_CANCELLED,
                                        vocab.POLICY_MATURED]
    assert list(policies["source_row"]) == [4, 5, 7]  # header on row 3, blank row 6 skipped
    # 0012345678 fails its check digit: kept without an ID, with a warning naming the row
    assert pd.isna(policies.loc[1, "national_id"])
    bad = findings[findings["column"] == "کد ملی"]
    assert set(bad["action"]) == {"corrected", "warning"}
    assert bad.loc[bad["action"] == "corrected", "corrected_to"].item() == short_id
    assert bad.loc[bad["action"] == "warning", "row"].item() == 5


def test_an_id_typed_in_persian_digits_is_listed_as_corrected(tmp_path, params):
    folder = tmp_path / "1404" / "insurer"
    good = nid(98765432)
    persian = good.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    write_xlsx(folder / "export.xlsx", [
        ["P-1", persian, "تهران", "1404/02/20", 3600000, "فعال"],
        ["P-2", good, "تهران", "1404/02/20", 3600000, "فعال"],
    ])
    policies, findings = read_insurer_export(params, data_dir=tmp_path)
    assert list(policies["national_id"]) == [good, good]
    fixed = findings[findings["action"] == "corrected"]
    assert list(fixed["row"]) == [2] and fixed["corrected_to"].item() == good


def test_reads_csv_with_bom_and_english_headers(tmp_path, params):
    folder = tmp_path / "1404" / "insurer"
    folder.mkdir(parents=True)
    text = ("policy_no,national_id,province,issue_date,premium,status\n"
            f"A1,{nid(777)},Tehran,14040301,3600000,active\n")
    (folder / "export.csv").write_text(text, encoding="utf-8-sig")
    policies, findings = read_insurer_export(params, data_dir=tmp_path)
    assert policies.loc[0, "national_id"] == nid(777)
    assert policies.loc[0, "province_code"] == "IR-23"
    assert policies.loc[0, "source_row"] == 2
    assert findings.empty


def test_rejects_rows_the_contract_cannot_hold(tmp_path, params):
    folder = tmp_path / "1404" / "insurer"
    write_xlsx(folder / "a.xlsx", [
        ["P-1", nid(1), "تهران", "1404/02/20", "سه میلیون", "فعال"],
        ["P-2", nid(2), "تهران", "1404/02/20", PREMIUM, "نمی‌دانم"],
        [None, nid(3), "تهران", "1404/02/20", PREMIUM, "فعال"],
        ["P-4", nid(4), "ناکجاآباد", "1404/13/01", PREMIUM, "فعال"],
        ["P-4", nid(4), "تهران", "1404/02/20", PREMIUM, "فعال"],
    ])
    policies, findings = read_insurer_export(params, data_dir=tmp_path)
    assert list(policies["policy_no"]) == ["P-4"]
    assert pd.isna(policies.loc[0, "province_code"]) and pd.isna(policies.loc[0, "issue_date"])
    rejected = findings[findings["action"] == "rejected"]
    assert sorted(rejected["row"].tolist()) == [2, 3, 4, 6]
    assert {"استان", "تاریخ صدور"} <= set(findings.loc[findings["action"] == "warning", "column"])
    assert set(findings.columns) == {"file", "sheet", "row", "column", "value", "problem", "action",
                                     "corrected_to", "province_code", "national_id", "detail"}


def test_missing_folder_gives_empty_table_and_a_warning(tmp_path, params):
    policies, findings = read_insurer_export(params, data_dir=tmp_path)
    assert policies.empty and list(policies.columns)[:2] == ["policy_no", "national_id"]
    assert findings["action"].tolist() == ["warning"]


def test_unreadable_file_and_missing_header_name_the_file(tmp_path, params):
    folder = tmp_path / "1404" / "insurer"
    folder.mkdir(parents=True)
    (folder / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="broken.xlsx"):
        read_insurer_export(params, data_dir=tmp_path)
    (folder / "broken.xlsx").unlink()
    (folder / "noheader.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(InputError, match="noheader.csv"):
        read_insurer_export(params, data_dir=tmp_path)


# --- reconciliation --------------------------------------------------------------------------


def test_reconcile_puts_each_case_in_its_category(params):
    assert parse_jalali(params.insurer.list_date) == LIST
    a, b, c, d, e, f = (nid(i) for i in (11, 22, 33, 44, 55, 66))
    kids = children_frame([("IR-23", a), ("IR-23", b), ("IR-10", c), ("IR-10", d), ("IR-10", e)])
    day = LIST + dt.timedelta(days=10)
    pols = policies_frame([
        ("1", a, "IR-23", day, PREMIUM, vocab.POLICY_ACTIVE),              # matched
        ("2", a, "IR-23", day, PREMIUM, vocab.POLICY_ACTIVE),              # duplicate of 1
        ("3", b, "IR-23", day, PREMIUM + 1, vocab.POLICY_ACTIVE),          # premium mismatch
        ("4", c, "IR-23", day, PREMIUM, vocab.POLICY_ACTIVE),              # province mismatch
        ("5", f, "IR-10", day, PREMIUM, vocab.POLICY_ACTIVE),              # not on list
        ("6", d, "IR-10", day, PREMIUM, vocab.POLICY_CANCELLED),           # inactive
        ("7", None, "IR-10", None, PREMIUM, vocab.POLICY_ACTIVE),          # no ID: not on list
    ])
    rec = reconcile(kids, pols, params)
    got = dict(zip(rec.policies["policy_no"], rec.policies["category"], strict=True))
    assert got == {"1": "matched", "2": "duplicate", "3": "premium_mismatch",
                   "4": "province_mismatch", "5": "not_on_list", "6": "inactive",
                   "7": "not_on_list"}
    kid_cat = dict(zip(rec.children["national_id"], rec.children["category"], strict=True))
    # d's only policy is cancelled, e has none
    assert kid_cat == {a: "matched", b: "matched", c: "matched", d: "no_policy", e: "no_policy"}
    counts = rec.counts.set_index("province_code")
    # policy 4 is counted under the child's province (IR-10), not the insurer's (IR-23)
    assert counts.loc["IR-10", "province_mismatch"] == 1
    assert counts.loc["IR-23", "policies"] == 3 and counts.loc["IR-10", "policies"] == 4
    assert counts.loc["IR-10", "no_policy"] == 2
    # the inputs are not changed
    assert "category" not in kids.columns and "category" not in pols.columns


def test_duplicate_keeps_the_policy_with_the_right_premium(params):
    a = nid(11)
    kids = children_frame([("IR-23", a)])
    pols = policies_frame([
        ("1", a, "IR-23", LIST, PREMIUM * 2, vocab.POLICY_ACTIVE),
        ("2", a, "IR-23", LIST + dt.timedelta(days=3), PREMIUM, vocab.POLICY_ACTIVE),
    ])
    rec = reconcile(kids, pols, params)
    assert rec.policies["category"].tolist() == ["duplicate", "matched"]


def test_not_on_list_sub_reasons_come_from_history(params):
    old, left, never = nid(101), nid(202), nid(303)
    history = children_frame([("IR-23", old)], year=1403, age=17)
    history = pd.concat([history, children_frame([("IR-23", left)], year=1403, age=9)])
    pols = policies_frame([
        (str(i), n, "IR-23", LIST, PREMIUM, vocab.POLICY_ACTIVE)
        for i, n in enumerate((old, left, never, "1234567890"))
    ])
    rec = reconcile(children_frame([("IR-23", nid(9))]), pols, params, history_children=[history])
    assert rec.policies["sub_reason"].tolist() == ["over_age", "left_care", "unknown", "invalid_id"]


def test_issuance_delay_per_province(params):
    ids = [nid(i) for i in range(1, 6)]
    kids = children_frame([("IR-23", n) for n in ids])
    delays = [0, 10, 20, 50, 100]
    pols = policies_frame([
        (str(i), n, "IR-23", LIST + dt.timedelta(days=dd), PREMIUM, vocab.POLICY_ACTIVE)
        for i, (n, dd) in enumerate(zip(ids, delays, strict=True))
    ])
    rec = reconcile(kids, pols, params)
    row = rec.delays.set_index("province_code").loc["IR-23"]
    assert row["median_days"] == 20
    assert row["p90_days"] == pytest.approx(80)  # linear between 50 and 100
    assert row["late"] == 2  # 50 and 100 > 45
    assert "IR-23" not in "".join(map(str, delays_fa(rec).iloc[:, 0]))


def test_a_late_second_policy_leaves_no_child_uninsured(params):
    """A child insured on day 27 and again on day 56 had a policy all along; one insured on day 56 did not."""
    twice, once, cancelled_first = nid(1), nid(2), nid(3)
    kids = children_frame([("IR-23", twice), ("IR-23", once), ("IR-10", cancelled_first)])
    pols = policies_frame([
        ("A", twice, "IR-23", LIST + dt.timedelta(days=56), PREMIUM, vocab.POLICY_ACTIVE),  # the second policy, late
        ("B", twice, "IR-23", LIST + dt.timedelta(days=27), PREMIUM, vocab.POLICY_ACTIVE),
        ("C", once, "IR-23", LIST + dt.timedelta(days=56), PREMIUM, vocab.POLICY_ACTIVE),
        ("D", cancelled_first, "IR-10", LIST + dt.timedelta(days=5), PREMIUM, vocab.POLICY_CANCELLED),
        ("E", cancelled_first, "IR-10", LIST + dt.timedelta(days=90), PREMIUM, vocab.POLICY_ACTIVE),
    ])
    delays = reconcile(kids, pols, params).delays.set_index("province_code")
    assert delays.loc["IR-23", "late"] == 2 and delays.loc["IR-23", "late_uncovered"] == 1
    # a child whose earlier policy was cancelled had a policy before: not claimed uninsured
    assert delays.loc["IR-10", "late"] == 1 and delays.loc["IR-10", "late_uncovered"] == 0


ID_POOL = [nid(i) for i in range(1, 13)]
PROVINCES = ["IR-23", "IR-10", "IR-07"]


@st.composite
def frames(draw):
    kid_ids = draw(st.lists(st.sampled_from(ID_POOL), unique=True, max_size=8))
    kids = children_frame([(draw(st.sampled_from(PROVINCES)), n) for n in kid_ids])
    rows = []
    for i in range(draw(st.integers(0, 15))):
        rows.append((
            f"P{i}",
            draw(st.one_of(st.none(), st.sampled_from(ID_POOL))),
            draw(st.one_of(st.none(), st.sampled_from(PROVINCES))),
            draw(st.one_of(st.none(), st.just(LIST + dt.timedelta(days=i * 7)))),
            draw(st.sampled_from([PREMIUM, PREMIUM + 1000])),
            draw(st.sampled_from(vocab.POLICY_STATUSES)),
        ))
    return kids, policies_frame(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_counts_add_up_in_every_province(params, data):
    kids, pols = data
    rec = reconcile(kids, pols, params)
    assert len(rec.policies) == len(pols) and rec.policies["category"].isin(POLICY_CATEGORIES).all()
    assert len(rec.children) == len(kids) and rec.children["category"].isin(CHILD_CATEGORIES).all()
    c = rec.counts
    assert (c["children"] == c["matched_children"] + c["no_policy"]).all()
    assert (c["policies"] == c[list(POLICY_CATEGORIES)].sum(axis=1)).all()
    assert c["children"].sum() == len(kids) and c["policies"].sum() == len(pols)
    # at most one non-duplicate active policy per child
    live = rec.policies[rec.policies["category"].isin(
        ["matched", "premium_mismatch", "province_mismatch"])]
    assert not live["national_id"].duplicated().any()
    assert set(live["national_id"]) == set(
        rec.children.loc[rec.children["category"] == "matched", "national_id"])


def test_workbook_has_a_sheet_per_category_with_values(tmp_path, params):
    a, b = nid(11), nid(22)
    kids = children_frame([("IR-23", a), ("IR-23", b)])
    pols = policies_frame([("1", a, "IR-10", LIST, PREMIUM, vocab.POLICY_ACTIVE)])
    rec = reconcile(kids, pols, params)
    path = write_reconciliation_workbook(rec, tmp_path / "internal" / "reconciliation.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames[0] == "خلاصه" and len(wb.sheetnames) == 8
    assert all(ws.sheet_view.rightToLeft for ws in wb.worksheets)
    no_policy = wb["بدون بیمه‌نامه"]
    assert [c.value for c in no_policy[2]][0] == b
    mismatch = wb["مغایرت استان"]
    assert mismatch.cell(2, 3).value == "تهران" and mismatch.cell(2, 4).value == "اصفهان"
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    summary = counts_fa(rec)
    assert summary.iloc[-1, 0] == "جمع کشور" and summary.iloc[-1, 1] == 2


def test_a_loaded_year_is_reconciled_with_its_history(params):
    """The internal workbook and the evaluation report share reconcile_year: same sub-reasons."""
    from types import SimpleNamespace

    from atiyeh_reports.insurer.reconciliation import reconcile_year

    left = nid(202)
    past = SimpleNamespace(children=children_frame([("IR-23", left)], year=1403, age=9))
    pols = policies_frame([("1", left, "IR-23", LIST, PREMIUM, vocab.POLICY_ACTIVE)])
    year = SimpleNamespace(children=children_frame([("IR-23", nid(9))]), policies=pols, params=params,
                           history={1403: past})
    assert reconcile_year(year).policies["sub_reason"].tolist() == ["left_care"]
    assert reconcile(year.children, pols, params).policies["sub_reason"].tolist() == ["unknown"]


def test_a_reconciliation_is_pure_same_inputs_same_result_inputs_unchanged(params):
    a, b = nid(11), nid(12)
    kids = children_frame([("IR-23", a), ("IR-23", b)])
    pols = policies_frame([("1", a, "IR-23", LIST, PREMIUM, vocab.POLICY_ACTIVE)])
    kids_before, pols_before = kids.copy(), pols.copy()
    first, second = reconcile(kids, pols, params), reconcile(kids.copy(), pols.copy(), params)
    pd.testing.assert_frame_equal(first.counts, second.counts)
    pd.testing.assert_frame_equal(kids, kids_before)
    pd.testing.assert_frame_equal(pols, pols_before)
    changed = pols.copy()
    changed.loc[0, "premium"] = PREMIUM + 1
    assert reconcile(kids, changed, params).policies["category"].tolist() == ["premium_mismatch"]
