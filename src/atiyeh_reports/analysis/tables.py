"""Who is covered: the yearly analysis of the children the provinces listed.

Pure functions over the clean tables of ``docs/data-contracts.md``. Each takes
frames and returns a new frame with English column names, numbers kept as
numbers (counts and money as ints, shares as floats from 0 to 1). Their Persian
``*_fa`` forms and the charts are in :mod:`atiyeh_reports.analysis.views`.

Privacy: children are a protected group. No function here returns a national
ID or a name. Breakdowns finer than a province (province × gender, …) return
raw counts for internal use and a ``*_safe`` variant that suppresses counts
below ``params.privacy.small_cell_threshold`` through
:func:`atiyeh_reports.present.privacy.suppress_small_counts`; reports show the safe one.

Age bands (:data:`AGE_EDGES`): 0–5 (before school), 6–11 (primary school),
12–14 (lower secondary), 15–17 (upper secondary, the last years before the
age limit of 18). Ages are completed years on 1 Farvardin of the report year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from atiyeh_reports.analysis.common import (  # noqa: F401 - NATIONAL: the old name, kept
    NATIONAL,
    UNKNOWN,
    _last_two,
    _province_names,
    _ratio,
    _require,
    _share,
    _suppress,
    _unique_ids,
    with_total,
)
from atiyeh_reports.core import vocab
from atiyeh_reports.core.national_id import mask_ids
from atiyeh_reports.core.provinces import by_code, provinces
from atiyeh_reports.core.vocab import CARE_TYPES, GENDERS, GUARDIANSHIPS
from atiyeh_reports.errors import AnalysisError
from atiyeh_reports.present.privacy import TOTAL_LABEL

#: Lower edges of the age bands plus the end of the last one (exclusive).
AGE_EDGES: tuple[int, ...] = (0, 6, 12, 15, 18)

_MONEY = ("credit_notified", "credit_spent")


# --- children by province -----------------------------------------------------------------
def province_counts(children: pd.DataFrame) -> pd.Series:
    """Children per province code, over all 31 provinces (0 where none), in code order."""
    _require(children, ["province_code"], "children")
    codes = [p.code for p in provinces()]
    counts = children["province_code"].value_counts().reindex(codes, fill_value=0)
    counts.index.name = "province_code"
    return counts.astype("int64").rename("children")


def children_by_province(children: pd.DataFrame) -> pd.DataFrame:
    """Children per province: count, share of the national total, and per 100,000 people.

    Every one of the 31 provinces has a row (a province with no child listed
    shows 0: absence is information). Population is the 1395 census figure in
    :mod:`atiyeh_reports.core.provinces`.

    Returns
    -------
    DataFrame
        province_code, province, children (int), share (0–1), population (int),
        per_100k (float), in province-code order.
    """
    counts = province_counts(children)
    population = pd.Series({p.code: p.population for p in provinces()}, dtype="int64")
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "province_code": counts.index.astype(str),
            "province": [by_code()[c].name_fa for c in counts.index],
            "children": counts.to_numpy(),
            "share": _share(counts, total).to_numpy(),
            "population": population.reindex(counts.index).to_numpy(),
            "per_100k": (counts / population.reindex(counts.index) * 100_000).to_numpy(),
        }
    )


# --- national breakdowns -------------------------------------------------------------------
def breakdown(children: pd.DataFrame, column: str,
              categories: Sequence[str] = ()) -> pd.DataFrame:
    """Children per value of ``column``: count and share, national.

    Known ``categories`` come first in their order (shown even when 0); a
    missing value is counted as :data:`UNKNOWN`; other values follow, largest
    first.

    Returns
    -------
    DataFrame
        ``column``, children (int), share (0–1).
    """
    _require(children, [column], "children")
    values = children[column].astype("object").where(children[column].notna(), UNKNOWN)
    counts = values.value_counts()
    extra = [v for v in counts.index if v not in categories]
    order = list(categories) + sorted(extra, key=lambda v: (v == UNKNOWN, -counts[v], str(v)))
    counts = counts.reindex(order, fill_value=0).astype("int64")
    return pd.DataFrame(
        {column: pd.Series(order, dtype="str"), "children": counts.to_numpy(),
         "share": _share(counts, int(counts.sum())).to_numpy()}
    )


def children_by_gender(children: pd.DataFrame) -> pd.DataFrame:
    """Children per gender (پسر / دختر), national: gender, children, share."""
    return breakdown(children, "gender", GENDERS)


def children_by_guardianship(children: pd.DataFrame) -> pd.DataFrame:
    """Children per guardianship status (بی‌سرپرست / بدسرپرست), national."""
    return breakdown(children, "guardianship", GUARDIANSHIPS)


def children_by_care_type(children: pd.DataFrame) -> pd.DataFrame:
    """Children per care arrangement, national; a missing arrangement counts as نامشخص."""
    return breakdown(children, "care_type", CARE_TYPES)


def age_band_labels(edges: Sequence[int] = AGE_EDGES) -> list[str]:
    """``(0, 6, 12)`` → ``['0–5', '6–11']``: each band's first and last completed year."""
    return [f"{lo}–{hi - 1}" for lo, hi in zip(edges[:-1], edges[1:])]


def age_bands(ages: pd.Series, edges: Sequence[int] = AGE_EDGES) -> pd.Series:
    """The age band of each age, as an ordered categorical.

    Raises :class:`AnalysisError` when an age falls outside the bands: the
    bands must reach the eligibility age limit (pass ``edges`` ending at it).
    """
    if list(edges) != sorted(set(edges)) or len(edges) < 2:
        raise AnalysisError(f"age band edges {list(edges)} must be at least two increasing ages")
    ages = pd.to_numeric(ages, errors="coerce")
    outside = ages[ages.isna() | (ages < edges[0]) | (ages >= edges[-1])]
    if len(outside):
        raise AnalysisError(
            f"{len(outside)} child(ren) have an age outside {edges[0]}–{edges[-1] - 1} "
            f"(e.g. {sorted(outside.dropna().astype(int).unique().tolist())[:5] or 'missing'}); "
            "the intake keeps only ages below the limit: pass age band edges that end at "
            "params.eligibility.age_limit"
        )
    labels = age_band_labels(edges)
    return pd.cut(ages, bins=list(edges), right=False, labels=labels)


def children_by_age_band(children: pd.DataFrame,
                         edges: Sequence[int] = AGE_EDGES) -> pd.DataFrame:
    """Children per age band (see the module's note on bands): age_band, children, share."""
    _require(children, ["age"], "children")
    banded = pd.DataFrame({"age_band": age_bands(children["age"], edges).astype("str")})
    return breakdown(banded, "age_band", age_band_labels(edges))


def age_gender_table(children: pd.DataFrame, edges: Sequence[int] | None = AGE_EDGES) -> pd.DataFrame:
    """Counts by age band (or single year of age when ``edges`` is None) × gender, national.

    Index: bands youngest first; columns: :data:`vocab.GENDERS`. The input of
    :func:`chart_kinds.population_pyramid`.
    """
    _require(children, ["age", "gender"], "children")
    if edges is None:
        ages = pd.to_numeric(children["age"]).astype("int64")
        rows: list[object] = list(range(int(ages.min()), int(ages.max()) + 1)) if len(ages) else []
        key = ages
    else:
        rows = list(age_band_labels(edges))
        key = age_bands(children["age"], edges).astype("str")
    table = pd.crosstab(key.to_numpy(), children["gender"].to_numpy())
    table = table.reindex(index=rows, columns=list(GENDERS), fill_value=0).astype("int64")
    table.index.name = "age_band" if edges is not None else "age"
    table.columns.name = None
    return table


# --- finer than a province: raw and safe -------------------------------------------------
def province_crosstab(children: pd.DataFrame, column: str,
                      categories: Sequence[str] = ()) -> pd.DataFrame:
    """Counts by province × ``column`` (raw: internal use; reports use the ``_safe`` variant).

    Returns
    -------
    DataFrame
        province_code, province, one int column per category (known
        ``categories`` first, missing values as :data:`UNKNOWN`), total; one row
        per province that listed at least one child, in code order.
    """
    _require(children, ["province_code", column], "children")
    values = children[column].astype("object").where(children[column].notna(), UNKNOWN)
    table = pd.crosstab(children["province_code"].to_numpy(), values.to_numpy())
    extra = sorted(c for c in table.columns if c not in categories)
    table = table.reindex(columns=list(categories) + extra, fill_value=0).astype("int64")
    table = table.loc[sorted(table.index, key=vocab.province_sort_key)]
    out = pd.DataFrame({"province_code": table.index.astype(str),
                        "province": [by_code()[c].name_fa if c in by_code() else c
                                     for c in table.index]})
    for c in table.columns:
        out[c] = table[c].to_numpy()
    out["total"] = table.sum(axis=1).to_numpy().astype("int64")
    return out


def province_crosstab_safe(children: pd.DataFrame, column: str, threshold: int,
                           categories: Sequence[str] = ()) -> pd.DataFrame:
    """:func:`province_crosstab` ready to publish: small counts hidden, totals added.

    Uses :func:`atiyeh_reports.present.privacy.suppress_small_counts` (counts from 1 to
    ``threshold`` − 1 show as ``"<threshold"``, secondary suppressions as
    ``"*"``; it adds the row-total column and the column-total row, both
    labelled جمع).

    Returns
    -------
    DataFrame
        province (Persian name, جمع on the total row), then one object column
        per category and جمع; no province codes.
    """
    raw = province_crosstab(children, column, categories)
    counts = raw.drop(columns=["province_code", "total"]).set_index("province")
    counts.index = counts.index.astype("object")  # the total row's label is added to it
    safe = _suppress(counts, threshold)
    safe.index = [vocab.TOTAL if i == TOTAL_LABEL else i for i in safe.index]  # the total row's one label
    safe.index.name = "province"
    return safe.reset_index()


# --- over the years -------------------------------------------------------------------------
def trend_table(children_by_year: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """One row per year: children, change on the year before, provinces listing, and splits.

    Returns
    -------
    DataFrame
        year, children, change (Int64, <NA> for the first year), growth (float,
        NaN for the first year), provinces (how many listed a child), then one
        count column per gender and per guardianship status, oldest year first.
    """
    rows = []
    for year in sorted(children_by_year):
        frame = children_by_year[year]
        _require(frame, ["province_code", "gender", "guardianship"], f"children ({year})")
        row: dict[str, object] = {
            "year": int(year),
            "children": len(frame),
            "provinces": int(frame["province_code"].nunique()),
        }
        for value in (*GENDERS, *GUARDIANSHIPS):
            column = "gender" if value in GENDERS else "guardianship"
            row[value] = int((frame[column] == value).sum())
        rows.append(row)
    columns = ["year", "children", "provinces", *GENDERS, *GUARDIANSHIPS]
    table = pd.DataFrame(rows, columns=columns).astype("int64")
    change = table["children"].diff().astype("Int64")
    growth = _ratio(table["children"].diff(), table["children"].shift())
    table.insert(2, "change", change)
    table.insert(3, "growth", growth)
    return table


def trend_by_province(children_by_year: Mapping[int, pd.DataFrame]) -> pd.DataFrame:
    """Children per province (rows, all 31) and year (columns, oldest first)."""
    table = pd.DataFrame({int(y): province_counts(children_by_year[y])
                          for y in sorted(children_by_year)})
    table.insert(0, "province", [by_code()[c].name_fa for c in table.index])
    return table.reset_index()


# --- newcomers and leavers -------------------------------------------------------------------
def newcomers_leavers(previous: pd.DataFrame, current: pd.DataFrame, *,
                      age_limit: int | None = None) -> pd.DataFrame:
    """Per province, how the list changed from one year to the next (matched by national ID).

    A child in both years *continues*; one who changed province is counted as
    moved out of the old and moved in to the new one. A *newcomer* is only in
    the current year, a *leaver* only in the previous one; ``aged_out`` counts
    leavers who reached ``age_limit`` (their previous age + 1), when given.
    For every province: previous − leavers − moved_out + moved_in + newcomers
    = current.

    Returns
    -------
    DataFrame
        province_code, province, previous, leavers, aged_out (Int64, <NA> without
        ``age_limit``), moved_out, moved_in, newcomers, continuing, current; one
        row per province listed in either year, in code order, plus a national
        total row (moves cancel out there).
    """
    prev = _unique_ids(previous, "previous year's children")
    curr = _unique_ids(current, "current year's children")
    merged = prev[["national_id", "province_code"]].merge(
        curr[["national_id", "province_code"]], on="national_id", how="outer",
        suffixes=("_prev", "_curr"), indicator=True,
    )
    both = merged["_merge"] == "both"
    moved = both & (merged["province_code_prev"] != merged["province_code_curr"])
    leavers = merged.loc[merged["_merge"] == "left_only", ["national_id", "province_code_prev"]]

    def per_province(mask: pd.Series, column: str) -> pd.Series:
        return merged.loc[mask, column].value_counts()

    codes = sorted(set(prev["province_code"].dropna()) | set(curr["province_code"].dropna()))
    table = pd.DataFrame(index=pd.Index(codes, name="province_code"))
    table["previous"] = prev["province_code"].value_counts()
    table["leavers"] = leavers["province_code_prev"].value_counts()
    if age_limit is not None:
        _require(prev, ["age"], "previous year's children")
        ages = prev.set_index("national_id")["age"]
        old = leavers[leavers["national_id"].map(ages).astype("float64") + 1 >= age_limit]
        table["aged_out"] = old["province_code_prev"].value_counts()
    table["moved_out"] = per_province(moved, "province_code_prev")
    table["moved_in"] = per_province(moved, "province_code_curr")
    table["newcomers"] = per_province(merged["_merge"] == "right_only", "province_code_curr")
    table["continuing"] = per_province(both, "province_code_curr")
    table["current"] = curr["province_code"].value_counts()
    table = table.fillna(0).astype("int64")
    if age_limit is None:
        table.insert(2, "aged_out", pd.array([pd.NA] * len(table), dtype="Int64"))
    table = vocab.in_province_order(table.reset_index()).reset_index(drop=True)
    table.insert(1, "province", _province_names(table["province_code"]).astype("str"))
    sums = ["previous", "leavers", "moved_out", "moved_in", "newcomers", "continuing", "current"]
    if age_limit is not None:
        sums.append("aged_out")
    total = with_total(table, sums=sums)
    total.loc[total.index[-1], ["moved_out", "moved_in"]] = 0  # moves stay inside the country
    return total


# --- provinces' reported performance --------------------------------------------------------
def performance_table(performance: pd.DataFrame, params: object | None = None) -> pd.DataFrame:
    """The previous-year performance each province reported, with a national total.

    Returns
    -------
    DataFrame
        province_code, province, performance_year, credit_notified,
        credit_spent (int64 Rials), absorption (spent / notified, NaN when
        nothing was notified), children_covered, policies_issued, policy_rate
        (policies / children), children_left; in code order, national total last
        (its ratios computed from the totals).
    """
    needed = ["province_code", "performance_year", *_MONEY, "children_covered",
              "policies_issued", "children_left"]
    _require(performance, needed, "performance")
    counts = ["children_covered", "policies_issued", "children_left"]
    money = list(_MONEY)
    # HQ's record is applied when the year is loaded (year/read.py): its columns are there then.
    if params is not None and "notified_source" in performance.columns:
        checked = performance
        if (checked["notified_source"] == "hq").any():
            performance = checked.assign(
                notified_difference=checked["credit_notified_reported"] - checked["credit_notified"])
            needed += ["credit_notified_reported", "notified_difference"]
            money += ["credit_notified_reported", "notified_difference"]
    table = vocab.in_province_order(performance[needed]).reset_index(drop=True)
    table = table.astype({c: "int64" for c in (*money, *counts)})
    table.insert(1, "province", _province_names(table["province_code"]).astype("str"))
    table = with_total(table, sums=[*money, *counts])
    years = performance["performance_year"].dropna().unique()
    table.loc[table.index[-1], "performance_year"] = years[0] if len(years) == 1 else pd.NA
    table.insert(5, "absorption", _ratio(table["credit_spent"], table["credit_notified"]))
    table.insert(8, "policy_rate", _ratio(table["policies_issued"], table["children_covered"]))
    table["performance_year"] = table["performance_year"].astype("Int64")
    return table


# --- intake data quality (no IDs, no names) --------------------------------------------------
def quality_summary(summary: pd.DataFrame) -> pd.DataFrame:
    """Rows read, accepted, corrected and rejected per province, with a national total.

    Returns
    -------
    DataFrame
        province_code, province, rows_read, accepted, corrected, rejected (ints),
        rejected_share (rejected / rows_read), in code order, total last.
    """
    counts = ["rows_read", "accepted", "corrected", "rejected"]
    _require(summary, ["province_code", *counts], "intake summary")
    table = vocab.in_province_order(summary[["province_code", *counts]])
    table = table.astype({c: "int64" for c in counts}).reset_index(drop=True)
    table.insert(1, "province", _province_names(table["province_code"]).astype("str"))
    table = with_total(table, sums=counts)
    table["rejected_share"] = _ratio(table["rejected"], table["rows_read"])
    return table


def findings_by_problem(findings: pd.DataFrame) -> pd.DataFrame:
    """How often each problem was found and what the intake did, without IDs or values.

    Only the problem sentence and the action are kept; any run of 8–10 digits
    in a problem sentence (which could be a national ID) is replaced by ``…``.

    Returns
    -------
    DataFrame
        problem, action, findings (int), provinces (how many provinces had it),
        most frequent first.
    """
    _require(findings, ["problem", "action"], "findings")
    problems = findings["problem"].astype("object").fillna(UNKNOWN).astype("str")
    frame = pd.DataFrame({
        "problem": problems.map(lambda t: mask_ids(t, "…", valid_only=False)),  # the one ID pattern
        "action": findings["action"].astype("object").fillna(UNKNOWN).astype("str"),
        "province_code": (findings["province_code"] if "province_code" in findings.columns
                          else pd.Series(pd.NA, index=findings.index)).astype("object"),
    })
    grouped = frame.groupby(["problem", "action"], sort=False, dropna=False)
    table = pd.DataFrame({
        "findings": grouped.size().astype("int64"),
        "provinces": grouped["province_code"].nunique().astype("int64"),
    }).reset_index()
    table = table.sort_values(["findings", "problem", "action"], ascending=[False, True, True],
                              kind="stable")
    return table.reset_index(drop=True)


# --- headline numbers -------------------------------------------------------------------------
def headline_figures(children_by_year: Mapping[int, pd.DataFrame], *,
                     expected_recipients: int | None = None,
                     summary: pd.DataFrame | None = None) -> list[tuple[str, object]]:
    """The report's summary numbers as (Persian label, value) pairs, latest year.

    Values are ints or floats (shares from 0 to 1), for
    :func:`display.key_values` after :func:`headline_figures_fa` formats them.
    """
    if not children_by_year:
        raise AnalysisError("no year of children given: pass y.children_by_year")
    year = max(children_by_year)
    children = children_by_year[year]
    total = len(children)
    pairs: list[tuple[str, object]] = [
        ("سال گزارش", int(year)),
        (vocab.ELIGIBLE, total),
        ("استان‌های دارای فرزند در فهرست", int(children["province_code"].nunique())),
    ]
    for row in children_by_gender(children).itertuples():
        pairs.append((f"سهم {row.gender}", row.share))
    for row in children_by_guardianship(children).itertuples():
        pairs.append((f"سهم {row.guardianship}", row.share))
    if expected_recipients:
        pairs.append(("نسبت به تعداد پیش‌بینی‌شده در شناسنامه خدمت", total / expected_recipients))
    pair = _last_two(children_by_year)
    if pair is not None:
        before = len(children_by_year[pair[0]])
        pairs.append((f"تغییر نسبت به {pair[0]}", total - before))
    if summary is not None and len(summary):
        rows_read = int(summary["rows_read"].sum())
        pairs.append(("سهم ردیف‌های ردشده در پذیرش داده", int(summary["rejected"].sum()) / rows_read
                      if rows_read else float("nan")))
    return pairs
