"""Tests of the yearly analysis: counts, shares, bands, trends, movements, performance, quality."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atiyeh_reports.analysis import tables as a
from atiyeh_reports.analysis import views as v
from atiyeh_reports.core import vocab
from atiyeh_reports.core.provinces import by_code, provinces
from atiyeh_reports.core.vocab import (
    CARE_FOSTER,
    CARE_RESIDENTIAL,
    CARE_TYPES,
    GENDER_FEMALE,
    GENDER_MALE,
    GENDERS,
    GUARDIANSHIPS,
    ILL_SUPERVISED,
    ORPHANED,
)
from atiyeh_reports.present import charts

CODES = [p.code for p in provinces()]


def child(nid: str, province: str = "IR-23", gender: str = GENDER_MALE, age: int = 7,
          guardianship: str = ORPHANED, care: str | None = CARE_RESIDENTIAL) -> dict[str, object]:
    return {"national_id": nid, "province_code": province, "gender": gender, "age": age,
            "guardianship": guardianship, "care_type": care, "first_name": "سارا",
            "last_name": "احمدی"}


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(child("0")))


@pytest.fixture
def children() -> pd.DataFrame:
    return frame(
        child("0000000001", "IR-23", GENDER_MALE, 2),
        child("0000000002", "IR-23", GENDER_FEMALE, 6, ILL_SUPERVISED, CARE_FOSTER),
        child("0000000003", "IR-23", GENDER_FEMALE, 17, care=None),
        child("0000000004", "IR-07", GENDER_FEMALE, 12),
    )


children_strategy = st.lists(
    st.tuples(st.sampled_from(CODES), st.sampled_from(GENDERS), st.integers(0, 17),
              st.sampled_from(GUARDIANSHIPS), st.sampled_from([*CARE_TYPES, None])),
    max_size=40,
).map(lambda rows: frame(*(child(f"{i:010d}", *r) for i, r in enumerate(rows))))


# --- by province ----------------------------------------------------------------------------
def test_children_by_province_counts_shares_and_rates(children):
    table = children_by_province = a.children_by_province(children)
    assert list(table["province_code"]) == CODES  # all 31, zeros included
    tehran = table.set_index("province_code").loc["IR-23"]
    assert tehran["children"] == 3 and tehran["share"] == 0.75
    assert tehran["province"] == by_code()["IR-23"].name_fa
    assert tehran["per_100k"] == pytest.approx(3 / by_code()["IR-23"].population * 100_000)
    assert table.set_index("province_code").loc["IR-01", "children"] == 0
    assert children_by_province["children"].dtype == "int64"


@settings(max_examples=30, deadline=None)
@given(children_strategy)
def test_province_counts_add_up_to_the_children(kids):
    table = a.children_by_province(kids)
    assert table["children"].sum() == len(kids)
    if len(kids):
        assert table["share"].sum() == pytest.approx(1)
    assert (table["children"] >= 0).all()


def test_children_by_province_fa_is_sorted_with_a_total_and_persian_headers(children):
    table = v.children_by_province_fa(children)
    assert "کد استان" not in table.columns
    counts = table[v.COLUMNS_FA["children"]]
    assert counts.iloc[-1] == 4 and table[v.COLUMNS_FA["province"]].iloc[-1] == a.NATIONAL
    # the reports' one province order: alphabetical by official name (vocab.province_sort_key)
    names = list(table[v.COLUMNS_FA["province"]].iloc[:-1])
    assert names == sorted(names, key=vocab.persian_sort_key) and names[0] == "آذربایجان شرقی"
    assert table[v.COLUMNS_FA["share"]].iloc[-1] == 1.0
    total_pop = sum(p.population for p in provinces())
    assert table[v.COLUMNS_FA["per_100k"]].iloc[-1] == pytest.approx(4 / total_pop * 100_000)


# --- national breakdowns --------------------------------------------------------------------
def test_breakdown_orders_categories_counts_missing_as_unknown(children):
    care = a.children_by_care_type(children)
    assert list(care["care_type"]) == [*CARE_TYPES, a.UNKNOWN]
    assert list(care["children"]) == [2, 1, 0, 1]
    assert care["share"].sum() == pytest.approx(1)
    gender = a.children_by_gender(children)
    assert list(gender["gender"]) == list(GENDERS) and list(gender["children"]) == [1, 3]


def test_breakdown_keeps_unexpected_values_after_the_known_ones():
    kids = frame(child("1", care="چادر"), child("2", care="چادر"), child("3"))
    care = a.children_by_care_type(kids)
    assert list(care["care_type"])[-1] == "چادر" and care["children"].iloc[-1] == 2


def test_age_bands_cover_the_documented_ranges():
    bands = a.age_bands(pd.Series([0, 5, 6, 11, 12, 14, 15, 17]))
    assert list(bands.astype(str)) == ["0–5", "0–5", "6–11", "6–11", "12–14", "12–14",
                                       "15–17", "15–17"]
    assert a.age_band_labels((0, 10, 20)) == ["0–9", "10–19"]


@pytest.mark.parametrize("age", [18, -1, None])
def test_age_outside_the_bands_is_an_error_that_says_what_to_do(age):
    with pytest.raises(a.AnalysisError, match="age_limit"):
        a.age_bands(pd.Series([3, age], dtype="float64"))


def test_children_by_age_band_and_age_gender_table(children):
    bands = a.children_by_age_band(children)
    assert list(bands["children"]) == [1, 1, 1, 1]
    table = a.age_gender_table(children)
    assert list(table.columns) == list(GENDERS)
    assert table.loc["0–5", GENDER_MALE] == 1 and table.loc["15–17", GENDER_FEMALE] == 1
    assert table.to_numpy().sum() == len(children)
    single = a.age_gender_table(children, edges=None)
    assert list(single.index) == list(range(2, 18)) and single.to_numpy().sum() == 4


# --- finer than a province ------------------------------------------------------------------
def test_province_crosstab_counts_each_cell(children):
    table = a.province_crosstab(children, "gender", GENDERS).set_index("province_code")
    assert table.loc["IR-23", GENDER_FEMALE] == 2 and table.loc["IR-07", GENDER_MALE] == 0
    assert (table["total"] == table[list(GENDERS)].sum(axis=1)).all()
    assert "national_id" not in table.columns


def test_province_crosstab_safe_suppresses_small_cells():
    pytest.importorskip("atiyeh_reports.present.privacy")
    kids = frame(*(child(f"{i:010d}", "IR-23", GENDER_MALE) for i in range(6)),
                 *(child(f"{i:010d}", "IR-23", GENDER_FEMALE) for i in range(6, 12)),
                 child("0000000099", "IR-07", GENDER_FEMALE),
                 *(child(f"{i:010d}", "IR-07", GENDER_MALE) for i in range(20, 27)))
    safe = a.province_crosstab_safe(kids, "gender", 5, GENDERS).set_index("province")
    fars = by_code()["IR-07"].name_fa
    assert safe.loc[fars, GENDER_FEMALE] == "<5"  # the lone girl is hidden
    raw = a.province_crosstab(kids, "gender", GENDERS).set_index("province")
    for name in raw.index:  # every count still shown is the true count
        for gender in GENDERS:
            shown_value = safe.loc[name, gender]
            assert isinstance(shown_value, str) or shown_value == raw.loc[name, gender]
    assert safe.loc[vocab.TOTAL, "جمع"] == len(kids)
    assert "province_code" not in safe.columns and "total" not in safe.columns
    # whatever else is hidden, the girl's count cannot be worked out from what is shown
    shown = safe.drop(index=vocab.TOTAL).drop(columns="جمع")
    assert (shown == "<5").sum().sum() >= 1 and (shown.map(lambda v: isinstance(v, str))
                                                .sum().sum() >= 2)
    fa = v.province_by_gender_safe(kids, 5)
    assert v.COLUMNS_FA["province"] in fa.columns


# --- trends ----------------------------------------------------------------------------------
def test_trend_table_changes_between_years(children):
    earlier = children.iloc[:2]
    table = a.trend_table({1404: children, 1403: earlier})  # order of the mapping is irrelevant
    assert list(table["year"]) == [1403, 1404]
    assert list(table["children"]) == [2, 4]
    assert pd.isna(table["change"].iloc[0]) and table["change"].iloc[1] == 2
    assert table["growth"].iloc[1] == 1.0
    assert table[GENDER_FEMALE].iloc[1] == 3 and table[ORPHANED].iloc[1] == 3
    assert list(table["provinces"]) == [1, 2]
    by_province = a.trend_by_province({1403: earlier, 1404: children}).set_index("province_code")
    assert by_province.loc["IR-23", 1403] == 2 and by_province.loc["IR-07", 1404] == 1


# --- newcomers and leavers ---------------------------------------------------------------------
def test_newcomers_leavers_matches_by_national_id():
    previous = frame(
        child("0000000001", "IR-23", age=17),  # ages out
        child("0000000002", "IR-23", age=5),  # leaves for another reason
        child("0000000003", "IR-23"),  # moves to IR-07
        child("0000000004", "IR-07"),  # stays
    )
    current = frame(
        child("0000000003", "IR-07"),
        child("0000000004", "IR-07"),
        child("0000000005", "IR-01"),  # new
    )
    table = a.newcomers_leavers(previous, current, age_limit=18).set_index("province")
    tehran, fars, gilan = (table.loc[by_code()[c].name_fa] for c in ("IR-23", "IR-07", "IR-01"))
    assert (tehran["previous"], tehran["leavers"], tehran["aged_out"], tehran["moved_out"],
            tehran["current"]) == (3, 2, 1, 1, 0)
    assert (fars["moved_in"], fars["continuing"], fars["newcomers"], fars["current"]) == (1, 2, 0, 2)
    assert gilan["newcomers"] == 1
    total = table.loc[a.NATIONAL]
    assert (total["previous"], total["leavers"], total["newcomers"], total["current"]) == (4, 2, 1, 3)
    assert total["moved_in"] == total["moved_out"] == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from(CODES[:4]),
                          st.sampled_from(CODES[:4])), max_size=30))
def test_newcomers_leavers_balance_in_every_province(people):
    previous = frame(*(child(f"{i:010d}", p) for i, (was, _, p, _) in enumerate(people) if was))
    current = frame(*(child(f"{i:010d}", c) for i, (_, now, _, c) in enumerate(people) if now))
    table = a.newcomers_leavers(previous, current)
    body = table.iloc[:-1]
    balance = (body["previous"] - body["leavers"] - body["moved_out"] + body["moved_in"]
               + body["newcomers"])
    assert (balance == body["current"]).all()
    assert table["current"].iloc[-1] == len(current)
    assert table["aged_out"].isna().all()


def test_repeated_national_ids_are_a_contract_error(children):
    doubled = pd.concat([children, children.iloc[:1]])
    with pytest.raises(a.AnalysisError, match="more than once"):
        a.newcomers_leavers(doubled, children)


def test_newcomers_leavers_fa_uses_the_last_two_years(children):
    table = v.newcomers_leavers_fa({1402: children.iloc[:1], 1403: children.iloc[:2],
                                    1404: children})
    assert table[v.COLUMNS_FA["previous"]].iloc[-1] == 2
    assert table[v.COLUMNS_FA["newcomers"]].iloc[-1] == 2
    assert v.newcomers_leavers_fa({1404: children}).empty


# --- performance --------------------------------------------------------------------------------
@pytest.fixture
def performance() -> pd.DataFrame:
    return pd.DataFrame({
        "year": 1404, "performance_year": 1403, "province_code": ["IR-23", "IR-07"],
        "credit_notified": [9_000_000_000, 0], "credit_spent": [8_100_000_000, 0],
        "children_covered": [2_500, 10], "policies_issued": [2_400, 9], "children_left": [100, 1],
        "source_file": ["a.xlsx", "b.xlsx"],
    })


def test_performance_table_has_ratios_and_a_national_total(performance):
    before = performance.copy()
    table = a.performance_table(performance)
    pd.testing.assert_frame_equal(performance, before)  # input untouched
    assert list(table["province_code"].iloc[:2]) == ["IR-23", "IR-07"]  # تهران before فارس
    assert table["credit_notified"].dtype == "int64" and table["credit_spent"].dtype == "int64"
    tehran, fars, total = table.to_dict("records")
    assert math.isnan(fars["absorption"])  # nothing notified: no ratio, no crash
    assert tehran["absorption"] == pytest.approx(0.9)
    assert total["province"] == a.NATIONAL and total["credit_notified"] == 9_000_000_000
    assert total["absorption"] == pytest.approx(0.9)
    assert total["policy_rate"] == pytest.approx(2_409 / 2_510)
    assert total["performance_year"] == 1403
    assert isinstance(table["credit_spent"].sum(), (int, np.integer))
    assert "source_file" not in v.performance_table_fa(performance).columns
    assert "سال عملکرد" not in v.performance_table_fa(performance).columns  # one year: said by the heading


def test_performance_table_fa_keeps_the_year_when_provinces_differ(performance):
    mixed = performance.assign(performance_year=[1402] + [1403] * (len(performance) - 1))
    assert "سال عملکرد" in v.performance_table_fa(mixed).columns


def test_performance_table_names_a_missing_column(performance):
    with pytest.raises(a.AnalysisError, match="credit_spent"):
        a.performance_table(performance.drop(columns=["credit_spent"]))


# --- data quality ---------------------------------------------------------------------------------
def test_quality_summary_totals_and_rejected_share():
    summary = pd.DataFrame({"province_code": ["IR-23", "IR-07"], "rows_read": [10, 0],
                            "accepted": [8, 0], "corrected": [3, 0], "rejected": [2, 0]})
    table = a.quality_summary(summary)
    assert list(table["rows_read"]) == [10, 0, 10]  # تهران, فارس, total
    assert math.isnan(table["rejected_share"].iloc[1])
    assert table["rejected_share"].iloc[-1] == pytest.approx(0.2)
    assert v.COLUMNS_FA["rejected_share"] in v.quality_summary_fa(summary).columns


def test_findings_by_problem_counts_without_ids_or_values():
    findings = pd.DataFrame({
        "file": "f.xlsx", "sheet": "s", "row": [3, 4, 5], "column": "کد ملی",
        "value": ["0012345678", "0012345679", "x"],
        "problem": ["کد ملی 0012345678 رقم کنترل نادرست", "کد ملی 0012345679 رقم کنترل نادرست",
                    "تاریخ تولد نامعتبر"],
        "action": ["rejected", "rejected", "corrected"], "corrected_to": None,
        "province_code": ["IR-23", "IR-07", "IR-23"],
        "national_id": ["0012345678", "0012345679", None],
    })
    table = a.findings_by_problem(findings)
    assert list(table.columns) == ["problem", "action", "findings", "provinces"]
    assert table.iloc[0].to_dict() == {"problem": "کد ملی … رقم کنترل نادرست",
                                       "action": "rejected", "findings": 2, "provinces": 2}
    assert "0012345678" not in table.to_string()
    assert v.findings_by_problem_fa(findings)[v.COLUMNS_FA["action"]].iloc[0] == "رد شد"


# --- privacy across the module ---------------------------------------------------------------------
def test_no_table_carries_names_or_national_ids(children, performance):
    tables = [
        a.children_by_province(children), a.children_by_gender(children),
        a.children_by_age_band(children), a.province_crosstab(children, "care_type", CARE_TYPES),
        a.trend_table({1404: children}), a.newcomers_leavers(children.iloc[:2], children),
    ]
    for table in tables:
        assert not {"national_id", "first_name", "last_name"} & set(table.columns)
        assert "0000000001" not in table.to_string()


# --- headline numbers and charts ----------------------------------------------------------------------
def test_headline_figures_and_their_persian_form(children):
    pairs = dict(a.headline_figures({1403: children.iloc[:1], 1404: children},
                                    expected_recipients=8))
    assert pairs[vocab.ELIGIBLE] == 4 and pairs["سال گزارش"] == 1404
    assert pairs[f"سهم {GENDER_FEMALE}"] == 0.75
    assert pairs["تغییر نسبت به 1403"] == 3
    assert pairs["نسبت به تعداد پیش‌بینی‌شده در شناسنامه خدمت"] == 0.5
    fa = dict(v.headline_figures_fa({1404: children}, expected_recipients=8))
    assert fa[vocab.ELIGIBLE] == "۴ نفر" and fa["سال گزارش"] == "۱۴۰۴"
    grown = dict(v.headline_figures_fa({1403: children.iloc[:1], 1404: children}))
    assert grown["تغییر نسبت به ۱۴۰۳"] == "۳ نفر افزایش"
    shrunk = dict(v.headline_figures_fa({1403: children, 1404: children.iloc[:1]}))
    assert shrunk["تغییر نسبت به ۱۴۰۳"] == "۳ نفر کاهش"
    assert fa["نسبت به تعداد پیش‌بینی‌شده در شناسنامه خدمت"] == "۵۰٫۰٪"
    with pytest.raises(a.AnalysisError):
        a.headline_figures({})


def test_report_charts_are_figures(children):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        figures = [v.children_by_province_chart(children), v.per_100k_chart(children),
                   v.age_pyramid_chart(children), v.care_type_chart(children),
                   v.trend_chart({1403: children.iloc[:2], 1404: children})]
    for fig in figures:
        assert isinstance(fig, charts.Figure) and fig.axes
        charts.close(fig)


def test_performance_table_puts_hq_record_beside_the_forms_figure(performance, params, tmp_path):
    """The year loader applies HQ's record (year/read.py); the analysis shows both figures."""
    from atiyeh_reports.allocation.record import RECORD_FILE, hq_dir, with_hq_notified

    folder = hq_dir(tmp_path, 1403)
    folder.mkdir(parents=True)
    (folder / RECORD_FILE).write_text(
        "year,province_code,province_name,eligible_children,requirement,allocated\n"
        "1403,IR-23,تهران,1,1,8000000000\n", encoding="utf-8")
    p = params.model_copy(update={"data_dir": tmp_path})
    assert "credit_notified_reported" not in a.performance_table(performance, p)  # the analysis reads no record
    table = a.performance_table(with_hq_notified(p, performance), p).set_index("province_code")
    reported = int(performance.set_index("province_code").loc["IR-23", "credit_notified"])
    assert table.loc["IR-23", "credit_notified"] == 8_000_000_000  # HQ's record
    assert table.loc["IR-23", "credit_notified_reported"] == reported
    assert table.loc["IR-23", "notified_difference"] == reported - 8_000_000_000
    total = table.iloc[-1]
    assert total["credit_notified"] == table["credit_notified"].iloc[:-1].sum()  # adds to its total


def test_age_pyramid_counts_each_year_of_age_and_refuses_unequal_bands(children):
    table = a.age_gender_table(children, None)
    assert list(table.index) == list(range(int(children["age"].min()), int(children["age"].max()) + 1))
    with pytest.raises(a.AnalysisError, match="equal width"):
        v.age_pyramid_chart(children, a.AGE_EDGES)


# --- the no-data note moved from intake.inventory to analysis.views -------------------------------
def test_no_data_note_lives_in_views_and_the_old_intake_names_still_answer():
    import importlib
    import types

    from atiyeh_reports import intake
    from atiyeh_reports.core.provinces import provinces

    inventory_module = importlib.import_module("atiyeh_reports.intake.inventory")  # not the function
    codes = [p.code for p in provinces() if p.code != "IR-23"]
    data = types.SimpleNamespace(children=pd.DataFrame({"province_code": codes}), summary=pd.DataFrame(),
                                 findings=pd.DataFrame(), policies=pd.DataFrame())
    note = v.no_data_note_fa(data)
    assert "۱ استان" in note and by_code()["IR-23"].name_fa in note and "فرمی نرسید" in note
    assert "بیمه‌گر" in note
    for old in (intake, inventory_module):
        with pytest.warns(DeprecationWarning, match="analysis.views"):
            assert old.no_data_note_fa is v.no_data_note_fa
    with pytest.raises(AttributeError):
        intake.no_such_name  # noqa: B018
