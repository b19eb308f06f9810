"""The province card (publish.cards): what each table says, checked against the year's own tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from atiyeh_reports.api import YearData, load_year
from atiyeh_reports.core.text import to_ascii_digits
from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.present.privacy import scan_for_personal_data
from atiyeh_reports.publish import cards

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def year(sample_dir: Path) -> YearData:
    return load_year(ROOT / "params" / "1404.yaml", data_dir=sample_dir)


def _n(text: str) -> int:
    return int(to_ascii_digits(str(text)).replace("٬", "").replace(",", ""))


def test_breakdowns_add_up_to_the_province_children(year: YearData) -> None:
    c = cards.card(year, "IR-23")
    kids = year.children[year.children["province_code"] == "IR-23"]
    assert c.children == len(kids) > 0
    for table in (c.by_gender, c.by_age_band, c.by_care_type):
        assert table.iloc[-1, 0] == "جمع" and _n(table["فرزندان"].iloc[-1]) == len(kids)
        shown = [v for v in table["فرزندان"].iloc[:-1] if not str(v).startswith("کمتر")]
        assert sum(_n(v) for v in shown) <= len(kids)
    girls = int((kids["gender"] == "دختر").sum())
    assert _n(c.by_gender.set_index("جنسیت").loc["دختر", "فرزندان"]) == girls


def test_small_counts_are_suppressed(year: YearData) -> None:
    code = min(year.children["province_code"].unique(),
               key=lambda p: int((year.children["province_code"] == p).sum()))
    c = cards.card(year, code)
    threshold = year.params.privacy.small_cell_threshold
    values = [str(v) for t in (c.by_gender, c.by_age_band, c.by_care_type) for v in t["فرزندان"]]
    for v in values:
        assert v.startswith("کمتر از") or _n(v) == 0 or _n(v) >= threshold, v
    kids = year.children[year.children["province_code"] == code]
    counts = kids["care_type"].value_counts()
    if ((counts > 0) & (counts < threshold)).any():
        assert any(v.startswith("کمتر از") for v in c.by_care_type["فرزندان"])


def test_allocation_is_the_allocation_table_row(year: YearData) -> None:
    from atiyeh_reports.allocation import budget

    table = budget.allocation_table(year.params, year.children, year.performance).set_index("province_code")
    for code in ("IR-23", "IR-16", "IR-01"):
        c = cards.card(year, code)
        shown = dict(zip(c.allocation["شاخص"], c.allocation["مقدار"], strict=True))
        assert _n(shown["اعتبار ابلاغی (ریال)"]) == int(table.loc[code, "allocated"])
        assert _n(shown["فرزندان واجد شرایط"]) == int(table.loc[code, "eligible_children"])
        assert "ریال" in c.computation and "×" in c.computation


def test_indicators_keep_the_status_word_in_its_own_column(year: YearData) -> None:
    c = cards.card(year, "IR-23")
    assert list(c.indicators.columns) == ["شاخص", "استان", "کشور", "هدف", "وضعیت"]
    assert len(c.indicators) == 5
    assert set(c.indicators["وضعیت"]) <= {"سبز", "زرد", "قرمز", "نامعلوم"}
    assert not any(w in str(v) for v in c.indicators["استان"] for w in ("سبز", "زرد", "قرمز"))
    assert "رتبهٔ استان" in c.indicators.attrs["rank"]


def test_crosschecks_are_the_province_rows_of_the_triangulation(year: YearData) -> None:
    from atiyeh_reports.evaluation.triangulation import triangulation_table

    tri = triangulation_table(year)
    for code in ("IR-23", "IR-05"):
        c = cards.card(year, code)
        mine = tri[tri["province_code"] == code]
        assert len(c.crosschecks) == len(mine)
        assert (c.crosschecks["وضعیت"] == "نیازمند بررسی").sum() == int(mine["flagged"].sum())
        # «منطبق» (matched) only where the two values are equal; an explained difference says so
        assert (c.crosschecks["وضعیت"] == "منطبق").sum() == int(((mine["difference"] == 0) & ~mine["flagged"]).sum())


def test_followup_counts_add_up(year: YearData) -> None:
    c = cards.card(year, "IR-23")
    assert c.followup["مورد"].iloc[-1] == "جمع"
    assert c.followup["شمار"].iloc[-1] == c.followup["شمار"].iloc[:-1].sum() == c.followup_total


def test_the_cards_share_the_year_results_computed_once(year: YearData, monkeypatch: pytest.MonkeyPatch) -> None:
    cards.card(year, "IR-23")

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a second card recomputed a result of the year")

    from atiyeh_reports.year import data as data_module

    for name in ("allocation_table", "reconcile_year", "indicators_by_year", "evaluate"):
        monkeypatch.setattr(data_module, name, never)
    assert cards.card(year, "IR-01").code == "IR-01"


def test_an_unknown_province_is_refused(year: YearData) -> None:
    with pytest.raises(AtiyehError):
        cards.card(year, "آتلانتیس")


def test_a_card_carries_no_name_or_national_id(year: YearData) -> None:
    kids = year.children
    names = tuple(sorted({f"{f} {l}" for f, l in zip(kids["first_name"], kids["last_name"], strict=True)}))
    c = cards.card(year, "IR-23")
    text = " ".join(t.to_string() for t in (c.by_gender, c.by_age_band, c.by_care_type, c.allocation,
                                            c.indicators, c.crosschecks, c.quality, c.followup))
    assert scan_for_personal_data(text + c.computation + repr(c), names=names) == []
