"""The intake against small dirty forms built in code: each dirt, the finding it must produce."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.jalali import fiscal_year_start, parse_jalali
from atiyeh_reports.intake import CHILDREN_COLUMNS, Intake, ingest
from atiyeh_reports.intake.quality import CORRECTED, REJECTED, UNREADABLE, WARNING, Problem
from intake_fixtures import (
    BLANK,
    FIELD_HEADER,
    FIELDS,
    PERFORMANCE,
    child,
    form_path,
    make_id,
    make_params,
    provinces_dir,
    write_form,
)

TEHRAN = "IR-23"
ISFAHAN = "IR-10"


def run(data_dir: Path, rows: list, name: str = "IR-23_تهران.xlsx", **kwargs: object) -> Intake:
    write_form(form_path(data_dir, name), rows, **kwargs)
    return ingest(make_params(data_dir), data_dir)


def found(intake: Intake, problem: str) -> pd.DataFrame:
    return intake.findings[intake.findings["problem"] == problem]


def one(intake: Intake, problem: str) -> pd.Series:
    rows = found(intake, problem)
    assert len(rows) == 1, f"expected one finding {problem!r}, got\n{intake.findings}"
    return rows.iloc[0]


def assert_balanced(intake: Intake) -> None:
    s = intake.summary
    assert (s["rows_read"] == s["accepted"] + s["rejected"]).all()
    accepted = intake.children.groupby("province_code").size()
    for code, count in zip(s["province_code"], s["accepted"], strict=True):
        assert accepted.get(code, 0) == count


# --- a clean form -----------------------------------------------------------------------------
def test_a_clean_form_is_read_whole(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1), child(2, gender="دختر", first_name="زهرا")])
    c = intake.children
    assert list(c.columns) == list(CHILDREN_COLUMNS)
    assert c["national_id"].tolist() == [make_id(1), make_id(2)]
    assert c["source_row"].tolist() == [layout.CHILDREN_HEADER_ROW + 1, layout.CHILDREN_HEADER_ROW + 2]
    assert set(c["province_code"]) == {TEHRAN} and set(c["year"]) == {1404}
    assert c["birth_date"].iloc[0] == parse_jalali("1395/03/10")
    assert c["age"].iloc[0] == 8  # 1395/03/10 → 1404/01/01: eight completed years
    assert intake.findings.empty
    assert intake.summary.to_dict("records") == [
        {"province_code": TEHRAN, "rows_read": 2, "accepted": 2, "corrected": 0, "rejected": 0,
         "blank_rows": 0}]
    assert not intake.needs_attention
    perf = intake.performance.iloc[0]
    assert perf["province_code"] == TEHRAN and perf["performance_year"] == 1403
    assert {f: int(perf[f]) for f in PERFORMANCE} == PERFORMANCE
    assert str(intake.performance["credit_notified"].dtype) == "Int64"


# --- headers ------------------------------------------------------------------------------------
def test_header_spellings_and_english_names_are_mapped(tmp_path: Path) -> None:
    headers = {
        "national_id": "كد  ملي",  # Arabic letters, doubled space
        "last_name": "نام\u200cخانوادگی",  # ZWNJ instead of a space
        "birth_date": "birth_date",  # the English field name
        "court_order": " شماره دستور قضایی ",
    }
    intake = run(tmp_path, [child(1)], headers=headers)
    assert len(intake.children) == 1
    variants = found(intake, Problem.HEADER_VARIANT)
    assert set(variants["column"]) == {"كد  ملي", "نام\u200cخانوادگی", "birth_date", " شماره دستور قضایی "}
    assert set(variants["action"]) == {CORRECTED}
    assert set(variants["row"]) == {layout.CHILDREN_HEADER_ROW}
    assert set(variants["corrected_to"]) == {FIELD_HEADER[f] for f in headers}


def test_a_moved_header_is_found_and_reported(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], header_row=9)
    assert intake.children["source_row"].tolist() == [10]
    finding = one(intake, Problem.HEADER_MOVED)
    assert finding["row"] == 9 and finding["action"] == WARNING


def test_extra_and_reordered_columns(tmp_path: Path) -> None:
    columns = ("last_name", "national_id", "نام پدر", *[f for f in FIELDS if f not in ("last_name", "national_id")])
    rows = [{**child(1, last_name="کریمی"), "نام پدر": "حسن"}]
    intake = run(tmp_path, rows, columns=columns)
    assert intake.children["last_name"].tolist() == ["کریمی"]
    assert intake.children["national_id"].tolist() == [make_id(1)]
    extra = one(intake, Problem.EXTRA_COLUMN)
    assert extra["column"] == "نام پدر" and extra["action"] == WARNING
    assert one(intake, Problem.COLUMNS_REORDERED)["action"] == WARNING


def test_a_renamed_children_sheet_is_found_by_its_headers(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], sheet="Sheet1")
    assert len(intake.children) == 1
    finding = one(intake, Problem.SHEET_RENAMED)
    assert finding["sheet"] == "Sheet1" and finding["corrected_to"] == layout.SHEET_CHILDREN


# --- blank and total rows -------------------------------------------------------------------------
def test_blank_rows_are_skipped_and_counted_and_total_rows_reported(tmp_path: Path) -> None:
    total = ["", None, "جمع", None, None, None, None, None, None, None, None]
    intake = run(tmp_path, [child(1), BLANK, BLANK, child(2), total, BLANK])
    assert len(intake.children) == 2
    s = intake.summary.iloc[0]
    assert (s["rows_read"], s["blank_rows"]) == (2, 2)  # the trailing blank row is not counted
    assert one(intake, Problem.BLANK_ROWS)["value"] == "2"
    total_finding = one(intake, Problem.TOTAL_ROW)
    assert total_finding["row"] == layout.CHILDREN_HEADER_ROW + 5 and total_finding["action"] == WARNING


# --- national IDs -----------------------------------------------------------------------------------
def test_national_ids_are_cleaned_or_rejected(tmp_path: Path) -> None:
    zero_led = "0012345679"
    persian = make_id(2).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    dashed = f"{make_id(3)[:3]}-{make_id(3)[3:9]}-{make_id(3)[9]}"
    wrong_check = make_id(4)[:9] + str((int(make_id(4)[9]) + 1) % 10)
    rows = [
        child(1, national_id=int(zero_led)),
        child(2, national_id=persian),
        child(3, national_id=dashed),
        child(4, national_id=wrong_check),
        child(5, national_id=""),
        child(6, national_id=int(make_id(6))),  # a number that kept every digit: no correction
    ]
    intake = run(tmp_path, rows)
    assert intake.children["national_id"].tolist() == [zero_led, make_id(2), make_id(3), make_id(6)]
    fixed = found(intake, Problem.ID_REFORMATTED)
    assert fixed["row"].tolist() == [6, 7, 8]
    assert fixed["corrected_to"].tolist() == [zero_led, make_id(2), make_id(3)]
    assert fixed["value"].tolist() == ["12345679", persian, dashed]
    assert set(fixed["column"]) == {"کد ملی"} and set(fixed["action"]) == {CORRECTED}
    bad = one(intake, Problem.ID_CHECK_DIGIT)
    assert (bad["row"], bad["value"], bad["action"]) == (9, wrong_check, REJECTED)
    assert one(intake, Problem.ID_UNUSABLE)["row"] == 10
    s = intake.summary.iloc[0]
    assert (s["rows_read"], s["accepted"], s["corrected"], s["rejected"]) == (6, 4, 3, 2)


# --- dates ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "typed",
    ["1395/03/10", "1395-3-10", "۱۳۹۵/۰۳/۱۰", "13950310", 13950310, "1395.03.10", dt.datetime(2016, 5, 30)],
)
def test_birth_dates_in_every_form(tmp_path: Path, typed: object) -> None:
    intake = run(tmp_path, [child(1, birth_date=typed)])
    assert intake.children["birth_date"].tolist() == [dt.date(2016, 5, 30)]
    if typed == "1395/03/10":  # as the form asks for it: nothing rewritten
        assert intake.findings.empty and intake.summary.iloc[0]["corrected"] == 0
    else:  # rewritten to the form's way of writing it: a correction, listed and counted
        assert intake.findings[["column", "problem", "action", "corrected_to"]].values.tolist() == [
            ["تاریخ تولد", Problem.DATE_REFORMATTED, "corrected", "1395/03/10"]]
        assert intake.summary.iloc[0]["corrected"] == 1


def test_impossible_and_future_birth_dates_are_rejected(tmp_path: Path) -> None:
    rows = [child(1, birth_date="1401/12/30"), child(2, birth_date="1405/02/01"), child(3, birth_date="")]
    intake = run(tmp_path, rows)
    assert intake.children.empty
    invalid = found(intake, Problem.BIRTH_INVALID)
    assert invalid["row"].tolist() == [6, 8] and set(invalid["action"]) == {REJECTED}
    assert "29 days" in invalid["detail"].iloc[0]  # 1401 is not a leap year
    future = one(intake, Problem.BIRTH_FUTURE)
    assert (future["row"], future["column"], future["value"]) == (7, "تاریخ تولد", "1405/02/01")


def test_bad_admission_dates_are_kept_empty_with_a_warning(tmp_path: Path) -> None:
    rows = [
        child(1, admission_date="1402/13/01"),
        child(2, admission_date="1394/01/01"),  # before the birth date 1395/03/10
        child(3, admission_date="1405/01/10"),  # after the fiscal year's end
        child(4, admission_date=None),
    ]
    intake = run(tmp_path, rows)
    assert len(intake.children) == 4
    assert intake.children["admission_date"].isna().all()
    for problem, row in [(Problem.ADMISSION_INVALID, 6), (Problem.ADMISSION_BEFORE_BIRTH, 7),
                         (Problem.ADMISSION_FUTURE, 8)]:
        finding = one(intake, problem)
        assert (finding["row"], finding["action"], finding["column"]) == (row, WARNING, "تاریخ پذیرش")
    assert intake.summary.iloc[0]["rejected"] == 0


# --- provinces --------------------------------------------------------------------------------------
def test_title_province_in_any_spelling(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], name="form1.xlsx", province_title="آذربايجان\u200cشرقي")
    assert intake.children["province_code"].tolist() == ["IR-03"]
    assert one(intake, Problem.UNKNOWN_PROVINCE_FILE)["action"] == WARNING
    variant = one(intake, Problem.PROVINCE_TITLE_VARIANT)
    assert (variant["row"], variant["value"], variant["action"], variant["corrected_to"]) == (
        1, "آذربايجان\u200cشرقي", CORRECTED, "آذربایجان شرقی")


def test_the_title_wins_over_the_file_name(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], name="IR-23_تهران.xlsx", province_title="اصفهان")
    assert intake.children["province_code"].tolist() == [ISFAHAN]
    finding = one(intake, Problem.PROVINCE_MISMATCH)
    assert (finding["row"], finding["value"], finding["action"]) == (1, "اصفهان", WARNING)
    assert "IR-23" in finding["detail"]


GOLESTAN = "IR-27"
EAST_AZERBAIJAN = "IR-03"


def test_the_file_name_wins_when_the_title_would_give_a_province_two_forms(tmp_path: Path) -> None:
    """Golestan's form titled East Azerbaijan: East Azerbaijan has its own form, Golestan none."""
    write_form(form_path(tmp_path, "IR-03_آذربایجان_شرقی.xlsx"), [child(1), child(2)],
               province_title="آذربایجان شرقی")
    intake = run(tmp_path, [child(3)], name="IR-27_گلستان.xlsx", province_title="آذربایجان شرقی")
    by_province = intake.children.groupby("province_code")["national_id"].apply(list).to_dict()
    assert by_province == {EAST_AZERBAIJAN: [make_id(1), make_id(2)], GOLESTAN: [make_id(3)]}
    finding = one(intake, Problem.PROVINCE_MISMATCH_FILE)
    assert (finding["file"], finding["row"], finding["action"]) == ("IR-27_گلستان.xlsx", 1, WARNING)
    assert finding["province_code"] == GOLESTAN and finding["corrected_to"] == GOLESTAN
    assert EAST_AZERBAIJAN in finding["detail"] and GOLESTAN in finding["detail"]
    assert found(intake, Problem.SECOND_FORM).empty and found(intake, Problem.PROVINCE_MISMATCH).empty
    assert sorted(intake.performance["province_code"]) == [EAST_AZERBAIJAN, GOLESTAN]
    assert set(intake.findings["province_code"].dropna()) <= {EAST_AZERBAIJAN, GOLESTAN}
    assert_balanced(intake)


def test_a_copied_titles_form_has_its_counties_checked_against_the_province_it_counts_under(
        tmp_path: Path) -> None:
    """Golestan's form titled East Azerbaijan: its Golestan counties are Golestan's, a Tabriz row is not."""
    write_form(form_path(tmp_path, "IR-03_آذربایجان_شرقی.xlsx"), [child(1, county="تبریز")],
               province_title="آذربایجان شرقی")
    intake = run(tmp_path, [child(2, county="گرگان"), child(3, county="بندرگز"), child(4, county="تبریز")],
                 name="IR-27_گلستان.xlsx", province_title="آذربایجان شرقی")
    assert sorted(intake.children.loc[intake.children["province_code"] == GOLESTAN, "national_id"]) == [
        make_id(2), make_id(3), make_id(4)]
    finding = one(intake, Problem.COUNTY_UNKNOWN)  # Tabriz, in Golestan's form; not Gorgan nor Bandar-e Gaz
    assert (finding["file"], finding["value"], finding["province_code"]) == ("IR-27_گلستان.xlsx", "تبریز", GOLESTAN)
    assert one(intake, Problem.PROVINCE_MISMATCH_FILE)["province_code"] == GOLESTAN
    assert set(intake.findings["province_code"].dropna()) <= {EAST_AZERBAIJAN, GOLESTAN}
    assert_balanced(intake)


def test_a_form_is_unreadable_when_both_its_provinces_have_other_forms(tmp_path: Path) -> None:
    write_form(form_path(tmp_path, "IR-03_آذربایجان_شرقی.xlsx"), [child(1)], province_title="آذربایجان شرقی")
    write_form(form_path(tmp_path, "IR-27_گلستان.xlsx"), [child(2)], province_title="گلستان")
    intake = run(tmp_path, [child(3)], name="IR-27_گلستان_دوم.xlsx", province_title="آذربایجان شرقی")
    assert sorted(intake.children["national_id"]) == [make_id(1), make_id(2)]
    finding = one(intake, Problem.PROVINCE_CONFLICT)
    assert (finding["file"], finding["action"]) == ("IR-27_گلستان_دوم.xlsx", UNREADABLE)
    assert "title" in finding["detail"] and "file name" in finding["detail"]
    assert EAST_AZERBAIJAN in finding["detail"] and GOLESTAN in finding["detail"]
    assert intake.unreadable == (f"IR-27_گلستان_دوم.xlsx: {finding['detail']}",)
    assert intake.needs_attention
    assert_balanced(intake)


def test_swapped_titles_each_follow_their_title(tmp_path: Path) -> None:
    """No province gets two forms either way, so the titles win (with a warning on each file)."""
    write_form(form_path(tmp_path, "IR-03_آذربایجان_شرقی.xlsx"), [child(1)], province_title="گلستان")
    intake = run(tmp_path, [child(2)], name="IR-27_گلستان.xlsx", province_title="آذربایجان شرقی")
    codes = dict(zip(intake.children["national_id"], intake.children["province_code"], strict=True))
    assert codes == {make_id(1): GOLESTAN, make_id(2): EAST_AZERBAIJAN}
    assert len(found(intake, Problem.PROVINCE_MISMATCH)) == 2


_CODES = st.sampled_from(["IR-01", "IR-02", "IR-03", "IR-04"])


@given(st.lists(st.tuples(st.one_of(st.none(), _CODES), _CODES), min_size=1, max_size=7))
def test_province_resolution_invariants(pairs: list[tuple[str | None, str]]) -> None:
    """Each form gets its title's or file name's province or None; only a mismatched form gets None;
    no province ends with a mismatched form beside another form."""
    from atiyeh_reports.intake import _Claim, _resolve_provinces

    claims = [_Claim(f"f{i}.xlsx", "s", 1, t, t, n) for i, (t, n) in enumerate(pairs)]
    codes = _resolve_provinces(claims)
    for claim, code in zip(claims, codes, strict=True):
        assert code in {claim.from_title, claim.from_name, None}
        assert code is not None or claim.mismatch
        if not claim.mismatch:
            assert code == claim.default
    for claim, code in zip(claims, codes, strict=True):
        if claim.mismatch and code is not None:
            assert codes.count(code) == 1
        if claim.mismatch and code == claim.from_name:  # the exception: title taken, name free
            assert any(o.default == claim.from_title for o in claims if o is not claim)
            assert not any(o.default == claim.from_name for o in claims)


def test_persian_file_name_gives_the_province_when_the_title_is_unknown(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], name="اصفهان.xlsx", province_title="آتلانتیس")
    assert intake.children["province_code"].tolist() == [ISFAHAN]
    finding = one(intake, Problem.UNKNOWN_PROVINCE_TITLE)
    assert (finding["value"], finding["action"], finding["corrected_to"]) == ("آتلانتیس", CORRECTED, ISFAHAN)


def test_unknown_province_everywhere_makes_the_file_unreadable(tmp_path: Path) -> None:
    write_form(form_path(tmp_path, "IR-10_اصفهان.xlsx"), [child(1)], province_title="اصفهان")
    intake = run(tmp_path, [child(2)], name="form.xlsx", province_title="آتلانتیس")
    finding = one(intake, Problem.NO_PROVINCE)
    assert finding["file"] == "form.xlsx" and finding["action"] == UNREADABLE
    assert "آتلانتیس" in finding["detail"]
    assert intake.unreadable and intake.unreadable[0].startswith("form.xlsx: ")
    assert intake.children["province_code"].tolist() == [ISFAHAN]
    assert intake.needs_attention


def test_a_year_title_of_another_year_is_reported(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], year_title="۱۴۰۳")
    finding = one(intake, Problem.YEAR_MISMATCH)
    assert (finding["row"], finding["value"], finding["action"]) == (2, "۱۴۰۳", WARNING)


# --- text and coded values ---------------------------------------------------------------------------
def test_respelt_county_and_names_are_listed_as_corrections(tmp_path: Path) -> None:
    """The stored text differs from what was typed, so each is a corrected finding (not silent)."""
    intake = run(tmp_path, [child(1, county="  شهر   ري ", first_name="علي ", last_name="كريمي"),
                            child(2, first_name="  مریم ", last_name="رضایی")])
    c = intake.children.iloc[0]
    assert (c["county"], c["first_name"], c["last_name"]) == ("شهر ری", "علی", "کریمی")
    fixed = found(intake, Problem.TEXT_NORMALIZED)
    assert set(fixed["action"]) == {CORRECTED} and set(fixed["row"]) == {6}  # outer spaces alone: no finding
    assert dict(zip(fixed["column"], zip(fixed["value"], fixed["corrected_to"], strict=True), strict=True)) == {
        "شهرستان": ("  شهر   ري ", "شهر ری"), "نام": ("علي ", "علی"), "نام خانوادگی": ("كريمي", "کریمی")}
    assert intake.children.iloc[1]["first_name"] == "مریم"
    assert intake.summary.iloc[0]["corrected"] == 1


@pytest.mark.parametrize(
    ("field", "typed", "canonical"),
    [
        ("gender", "مذكر", vocab.GENDER_MALE),
        ("gender", "F", vocab.GENDER_FEMALE),
        ("guardianship", "بي سرپرست", vocab.ORPHANED),
        ("guardianship", "بد سرپرست", vocab.ILL_SUPERVISED),
        ("care_type", "امين موقت", vocab.CARE_FOSTER),
        ("care_type", "شبانه روزی", vocab.CARE_RESIDENTIAL),
    ],
)
def test_coded_variants_are_standardized(tmp_path: Path, field: str, typed: str, canonical: str) -> None:
    intake = run(tmp_path, [child(1, **{field: typed})])
    assert intake.children[field].tolist() == [canonical]
    finding = one(intake, Problem.VALUE_STANDARDIZED)
    assert (finding["column"], finding["value"], finding["corrected_to"], finding["action"]) == (
        FIELD_HEADER[field], typed, canonical, CORRECTED)
    assert intake.summary.iloc[0]["corrected"] == 1


def test_unknown_gender_rejects_and_unknown_care_warns(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1, gender="نامعلوم"), child(2, care_type="خوابگاه")])
    assert intake.children["national_id"].tolist() == [make_id(2)]
    assert intake.children["care_type"].isna().all()
    assert one(intake, Problem.GENDER_UNKNOWN)["action"] == REJECTED
    assert one(intake, Problem.CARE_UNKNOWN)["action"] == WARNING


@pytest.mark.parametrize("county", ["شهرستان نو", "اصفهان"])  # a newer county; another province's
def test_a_county_not_in_the_list_is_kept_with_a_warning(tmp_path: Path, county: str) -> None:
    intake = run(tmp_path, [child(1, county=county), child(2, county="ملارد"), child(3, county="رباط‌کریم")])
    assert intake.children["county"].tolist() == [county, "ملارد", "رباط‌کریم"]  # all kept, none rejected
    finding = one(intake, Problem.COUNTY_UNKNOWN)  # ملارد is in the 1398 list; «رباط کریم» is spelt there with a space
    assert (finding["row"], finding["value"], finding["action"]) == (6, county, WARNING)
    assert intake.summary.iloc[0]["rejected"] == 0
    assert_balanced(intake)


def test_a_county_spelt_with_hamza_is_the_centres_county(tmp_path: Path) -> None:
    """The Centre writes «قایم شهر»; a clerk types «قائم‌شهر»: the same county, no warning."""
    intake = run(tmp_path, [child(1, county="قائم‌شهر")], name="IR-02_مازندران.xlsx", province_title="مازندران")
    assert intake.children["county"].tolist() == ["قائم‌شهر"]
    assert found(intake, Problem.COUNTY_UNKNOWN).empty


# --- duplicates ---------------------------------------------------------------------------------------
def test_a_child_twice_in_a_province_keeps_the_first(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1, first_name="اول"), child(2), child(1, first_name="دوم")])
    assert intake.children["first_name"].tolist() == ["اول", "علی"]
    finding = one(intake, Problem.DUPLICATE_IN_PROVINCE)
    assert (finding["row"], finding["national_id"], finding["action"]) == (8, make_id(1), REJECTED)
    assert "row 6" in finding["detail"]
    assert_balanced(intake)


def test_a_child_in_two_provinces_counts_where_admitted_later(tmp_path: Path) -> None:
    write_form(form_path(tmp_path, "IR-10_اصفهان.xlsx"), [child(1, admission_date="1402/01/01")],
               province_title="اصفهان")
    intake = run(tmp_path, [child(1, admission_date="1403/06/01")])
    assert intake.children[["province_code", "national_id"]].values.tolist() == [[TEHRAN, make_id(1)]]
    here = one(intake, Problem.DUPLICATE_COUNTED_HERE)
    elsewhere = one(intake, Problem.DUPLICATE_COUNTED_ELSEWHERE)
    assert (here["province_code"], here["action"]) == (TEHRAN, WARNING)
    assert (elsewhere["province_code"], elsewhere["action"], elsewhere["row"]) == (ISFAHAN, REJECTED, 6)
    assert_balanced(intake)


def test_a_tie_between_provinces_goes_to_the_province_of_the_county(tmp_path: Path) -> None:
    """A row copied into another province's form keeps its county: the county's province counts it."""
    write_form(form_path(tmp_path, "IR-10_اصفهان.xlsx"), [child(1, county="تهران")], province_title="اصفهان")
    intake = run(tmp_path, [child(1, county="تهران")])
    assert intake.children["province_code"].tolist() == [TEHRAN]
    assert one(intake, Problem.DUPLICATE_COUNTED_ELSEWHERE)["province_code"] == ISFAHAN


@pytest.mark.parametrize("county", [None, "آتلانتیس"])
def test_a_tie_with_no_telling_county_goes_to_the_lower_code(tmp_path: Path, county: str | None) -> None:
    write_form(form_path(tmp_path, "IR-10_اصفهان.xlsx"), [child(1, county=county)], province_title="اصفهان")
    intake = run(tmp_path, [child(1, county=county)])
    assert intake.children["province_code"].tolist() == [ISFAHAN]
    assert one(intake, Problem.DUPLICATE_COUNTED_ELSEWHERE)["province_code"] == TEHRAN


# --- eligibility ---------------------------------------------------------------------------------------
def test_eligibility_rules(tmp_path: Path) -> None:
    rows = [
        child(1, court_order=None),
        child(2, birth_date="1386/01/01"),  # 18 on 1 Farvardin 1404: at the limit
        child(3, birth_date="1386/01/02"),  # 17
        child(4, birth_date="1404/05/01", admission_date=None),  # born during the year: age 0
        child(5, court_order=12345),  # typed as a number
    ]
    intake = run(tmp_path, rows)
    c = intake.children
    assert c["national_id"].tolist() == [make_id(3), make_id(4), make_id(5)]
    assert c["age"].tolist() == [17, 0, 8]
    assert c["court_order"].tolist()[-1] == "12345"
    assert one(intake, Problem.COURT_ORDER_MISSING)["row"] == 6
    over = one(intake, Problem.OVER_AGE)
    assert (over["row"], over["action"]) == (7, REJECTED) and "limit 18" in over["detail"]
    assert fiscal_year_start(1404) == dt.date(2025, 3, 21)


def test_eligibility_follows_the_parameters(tmp_path: Path) -> None:
    write_form(form_path(tmp_path), [child(1, court_order=None), child(2, guardianship="بی‌سرپرست"),
                                     child(3, guardianship="بدسرپرست")])
    params = make_params(tmp_path, **{"eligibility.require_court_order": False,
                                      "eligibility.guardianship": ["بدسرپرست"]})
    intake = ingest(params, tmp_path)
    assert intake.children["national_id"].tolist() == [make_id(3)]
    assert found(intake, Problem.GUARDIANSHIP_NOT_ELIGIBLE)["row"].tolist() == [6, 7]
    assert found(intake, Problem.COURT_ORDER_MISSING).empty


# --- unreadable files -----------------------------------------------------------------------------------
def test_unreadable_files_do_not_stop_the_others(tmp_path: Path) -> None:
    write_form(form_path(tmp_path), [child(1)])
    folder = provinces_dir(tmp_path)
    (folder / "IR-10_اصفهان.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)  # encrypted
    write_form(folder / "IR-01_گیلان.xlsx", [child(2)], sheet="notes",
               headers={"national_id": "x1", "first_name": "x2", "last_name": "x3", "gender": "x4",
                        "birth_date": "x5", "guardianship": "x6", "court_order": "x7", "county": "x8",
                        "care_type": "x9", "admission_date": "x10"})
    write_form(folder / "IR-02_مازندران.xlsx", [child(3)], columns=[f for f in FIELDS if f != "court_order"])
    intake = ingest(make_params(tmp_path), tmp_path)
    assert intake.children["province_code"].tolist() == [TEHRAN]
    lost = intake.findings[intake.findings["action"] == UNREADABLE].set_index("file")
    assert lost.loc["IR-10_اصفهان.xlsx", "problem"] == Problem.UNREADABLE_FILE
    assert lost.loc["IR-01_گیلان.xlsx", "problem"] == Problem.NO_CHILDREN_SHEET
    assert lost.loc["IR-02_مازندران.xlsx", "problem"] == Problem.MISSING_COLUMNS
    assert "شماره دستور قضایی" in lost.loc["IR-02_مازندران.xlsx", "detail"]
    assert sorted(u.split(":")[0] for u in intake.unreadable) == sorted(lost.index)
    assert set(intake.summary["province_code"]) == {TEHRAN, "IR-10", "IR-01", "IR-02"}
    assert intake.needs_attention


def test_an_empty_folder_gives_empty_tables(tmp_path: Path) -> None:
    provinces_dir(tmp_path).mkdir(parents=True)
    intake = ingest(make_params(tmp_path), tmp_path)
    assert intake.children.empty and intake.summary.empty and intake.findings.empty
    assert list(intake.children.columns) == list(CHILDREN_COLUMNS)


# --- performance ---------------------------------------------------------------------------------------
def test_performance_values_in_text_and_garbage(tmp_path: Path) -> None:
    performance = {"credit_notified": "۱٬۰۰۰٬۰۰۰٬۰۰۰", "credit_spent": "900,000,000 ریال",
                   "children_covered": 250.0, "policies_issued": "نامعلوم", "children_left": None}
    intake = run(tmp_path, [child(1)], performance=performance)
    perf = intake.performance.iloc[0]
    assert (perf["credit_notified"], perf["credit_spent"], perf["children_covered"]) == (
        1_000_000_000, 900_000_000, 250)
    assert pd.isna(perf["policies_issued"]) and pd.isna(perf["children_left"])
    fixed = found(intake, Problem.PERFORMANCE_REFORMATTED)
    assert fixed["corrected_to"].tolist() == ["1000000000", "900000000"]
    assert set(fixed["row"]) == {layout.PERFORMANCE_HEADER_ROW + 1}
    invalid = found(intake, Problem.PERFORMANCE_INVALID)
    assert invalid["column"].tolist() == ["تعداد بیمه‌نامه صادرشده", "تعداد خروج از پوشش"]


def test_a_missing_performance_sheet_is_reported(tmp_path: Path) -> None:
    intake = run(tmp_path, [child(1)], performance=None)
    assert intake.performance.empty
    assert one(intake, Problem.NO_PERFORMANCE_SHEET)["action"] == WARNING
    assert len(intake.children) == 1


# --- the invariant ------------------------------------------------------------------------------------------
_DIRT = {
    "ok": {},
    "bad_id": {"national_id": "12345"},
    "bad_birth": {"birth_date": "1400/02/40"},
    "old": {"birth_date": "1370/01/01"},
    "no_order": {"court_order": None},
    "variant": {"gender": "مونث"},
    "persian_id": "persian",
}


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(sorted(_DIRT)), st.integers(1, 6), st.booleans()),
                min_size=0, max_size=14))
def test_rows_read_is_accepted_plus_rejected_everywhere(tmp_path_factory: pytest.TempPathFactory,
                                                        plan: list[tuple[str, int, bool]]) -> None:
    data_dir = tmp_path_factory.mktemp("data")
    forms: dict[bool, list] = {True: [], False: []}
    for dirt, n, tehran in plan:
        extra = _DIRT[dirt]
        if extra == "persian":
            extra = {"national_id": make_id(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))}
        forms[tehran].append(child(n, **extra))
        if random.Random(n).random() < 0.3:
            forms[tehran].append(BLANK)
    write_form(form_path(data_dir), forms[True])
    write_form(form_path(data_dir, "IR-10_اصفهان.xlsx"), forms[False], province_title="اصفهان")
    intake = ingest(make_params(data_dir), data_dir)
    assert_balanced(intake)
    assert intake.summary["rows_read"].sum() == len(plan)
    # every rejected row has a rejected finding at its place, every corrected row a correction
    rejected = intake.findings[intake.findings["action"] == REJECTED]
    assert len(set(zip(rejected["file"], rejected["row"], strict=True))) == intake.summary["rejected"].sum()
    corrections = intake.findings[intake.findings["action"] == CORRECTED]
    kept = set(zip(intake.children["source_file"], intake.children["source_row"], strict=True))
    corrected_kept = {(f, r) for f, r in zip(corrections["file"], corrections["row"], strict=True)
                      if (f, r) in kept}
    assert len(corrected_kept) == intake.summary["corrected"].sum()
    assert intake.children["national_id"].is_unique


# --- the summary counts every change (issue 9 §6) ----------------------------------------------
_VARIANTS: dict[str, list[object]] = {
    "national_id": [lambda n: make_id(n), lambda n: " " + make_id(n) + " ",
                    lambda n: make_id(n)[:3] + "-" + make_id(n)[3:],
                    lambda n: make_id(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))],
    "first_name": ["علی", " علی ", "علي", "علی  رضا", "محمد\u200c علی"],
    "last_name": ["رضایی", "رضايي", "  کریمی", "كريمي"],
    "gender": ["پسر", "مذکر", " دختر ", "مونث"],
    "birth_date": ["1395/03/10", "1395-3-10", "۱۳۹۵/۰۳/۱۰", "13950310", 13950310, dt.datetime(2016, 5, 30)],
    "guardianship": ["بی‌سرپرست", "بی سرپرست", "بدسرپرست"],
    "court_order": ["ق-1", "ق-۲", "ك-3", 12345],
    "admission_date": ["1400/05/01", "1400-5-1", "۱۴۰۰/۰۵/۰۱", None],
    "county": ["تهران", "شهر ري", "ری ", None],
}


def _typed_as_stored(field: str, typed: object, stored: object) -> bool:
    """Whether the table stores the value exactly as it was typed (outer spaces aside)."""
    from atiyeh_reports.core.jalali import to_jalali_str

    if field in ("birth_date", "admission_date"):
        return isinstance(typed, str) and to_jalali_str(stored) == typed.strip()
    return str(typed).strip() == str(stored)


def test_every_rewritten_accepted_value_is_a_listed_correction(tmp_path: Path) -> None:
    rng = random.Random(9)
    rows = []
    for n in range(1, 61):
        values = {}
        for field, variants in _VARIANTS.items():
            pick = rng.choice(variants)
            values[field] = pick(n) if callable(pick) else pick
        rows.append(child(n, **values))
    write_form(form_path(tmp_path), rows)
    write_form(form_path(tmp_path, "IR-10_اصفهان.xlsx"), [child(100), child(101, gender="مذکر")],
               province_title="اصفهان")
    intake = ingest(make_params(tmp_path), tmp_path)
    assert_balanced(intake)
    corrected = intake.findings[intake.findings["action"] == CORRECTED]
    listed = set(zip(corrected["file"], corrected["row"], corrected["column"], strict=True))
    changed_rows: set[tuple[str, int]] = set()
    for child_row in intake.children.itertuples():
        typed = rows[child_row.source_row - layout.CHILDREN_HEADER_ROW - 1] if child_row.source_file.startswith("IR-23") else None
        if typed is None:
            continue
        for field in _VARIANTS:
            stored = getattr(child_row, field)
            if typed[field] is None or pd.isna(stored):
                continue
            if not _typed_as_stored(field, typed[field], stored):
                key = (child_row.source_file, child_row.source_row, FIELD_HEADER[field])
                assert key in listed, f"{field}: {typed[field]!r} stored as {stored!r} with no correction"
                changed_rows.add(key[:2])
    # the summary's "corrected" is exactly the accepted rows with a correction, in every province
    accepted_rows = set(zip(intake.children["source_file"], intake.children["source_row"], strict=True))
    with_correction = {(f, r) for f, r, _ in listed} & accepted_rows
    assert changed_rows <= with_correction
    by_province = pd.Series([intake.children.set_index(["source_file", "source_row"]).loc[k, "province_code"]
                             for k in with_correction], dtype="str").value_counts()
    s = intake.summary.set_index("province_code")
    for code in s.index:
        assert s.loc[code, "corrected"] == by_province.get(code, 0), code
        assert s.loc[code, "corrected"] <= s.loc[code, "accepted"], code
    assert s.loc[TEHRAN, "corrected"] > 20 and s.loc[ISFAHAN, "corrected"] == 1
