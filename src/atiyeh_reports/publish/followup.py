"""The follow-up workbook (internal): one per province, with that province's cases only.

Step 5 of the cycle is «پایش و پیگیری از طریق سامانه بیمه‌گر». HQ sends each
province the cases it must act on: the children on its list without a policy,
the policies that do not match the list, and the rows of its returned form
that the intake rejected, each with its reason. Names and national IDs are in
it because the province must act on them; that is why it is **internal** (it
goes to ``internal/``, never into the shareable tree) and why each province
gets only its own cases.

Which province a case belongs to
--------------------------------
* A child: the province whose list it is on (``rec.children.province_code``).
* A policy: the reconciliation's own attribution (:mod:`atiyeh_reports.insurer.reconciliation`):
  «بیمه‌نامه‌ای که کد ملی‌اش در فهرست است در استان فرزند شمرده می‌شود»; a
  policy whose ID is not on the list goes to the province the insurer
  recorded. A policy with neither (no usable ID, no province) goes to no
  province's workbook: :func:`unassigned_policies` lists it, and HQ follows it
  up from ``internal/reconciliation.xlsx``.
* A rejected form row: the province of the form (``findings.province_code``).

The categories (:data:`CATEGORIES`) and their counts come from one function,
:func:`followup_cases`, so the report card's «موارد نیازمند پیگیری»
(:func:`followup_counts`) is the workbook's row count, category by category.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from atiyeh_reports.core.jalali import format_jalali_fa, to_jalali_str
from atiyeh_reports.core.layout import file_stem
from atiyeh_reports.core.national_id import clean_national_id
from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.provinces import by_code, name_fa, provinces
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.insurer.reconciliation import SUB_REASON_FA, Reconciliation
from atiyeh_reports.intake.quality import REJECTED, UNREADABLE
from atiyeh_reports.io.xlsx import Table, plain_value, write_tables

__all__ = [
    "CATEGORIES",
    "GUIDE_SHEET",
    "SHEET_FA",
    "followup_cases",
    "followup_counts",
    "unassigned_policies",
    "write_followup_workbooks",
]

#: The follow-up categories, in the workbook's sheet order.
CATEGORIES = (
    "no_policy", "not_on_list", "duplicate", "premium_mismatch", "province_mismatch", "inactive",
    "rejected_rows",
)
#: Policy categories of the reconciliation that are cases (every one but ``matched``).
_POLICY_CASES = ("not_on_list", "duplicate", "premium_mismatch", "province_mismatch", "inactive")
#: Sheet titles (at most 31 characters, none of ``[]:*?/\\``).
SHEET_FA: dict[str, str] = {
    "no_policy": "فرزندان بدون بیمه‌نامه",
    "not_on_list": "بیمه‌نامه خارج از فهرست",
    "duplicate": "بیمه‌نامه تکراری",
    "premium_mismatch": "مغایرت حق بیمه",
    "province_mismatch": "مغایرت استان",
    "inactive": "بیمه‌نامه باطل یا سررسید",
    "rejected_rows": "ردیف‌های ردشده فرم",
}
GUIDE_SHEET = "راهنما"
#: What the province does with each category (the guide sheet says it).
WHAT_TO_DO: dict[str, str] = {
    "no_policy": "این فرزندان در فهرست استان هستند ولی بیمه‌گر برایشان بیمه‌نامه فعالی ثبت نکرده است. "
                 "صدور بیمه‌نامه را از نمایندگی بیمه‌گر پیگیری کنید، یا اگر فرزند از پوشش خارج شده "
                 "است، آن را در فرم سال بعد گزارش کنید.",
    "not_on_list": "بیمه‌گر این بیمه‌نامه‌ها را در استان ثبت کرده ولی کد ملی در فهرست امسال نیست "
                   "(ستون «علت»). اگر فرزند واجد شرایط است کد ملی را در فرم اصلاح کنید؛ "
                   "وگرنه لغو بیمه‌نامه را از بیمه‌گر بخواهید.",
    "duplicate": "برای این فرزندان بیش از یک بیمه‌نامه فعال هست؛ یکی نگه داشته شده و اینها اضافه‌اند. "
                 "ابطال بیمه‌نامه‌های اضافه و برگشت حق بیمه را از بیمه‌گر بخواهید.",
    "premium_mismatch": "حق بیمه این بیمه‌نامه‌ها با سرانه مصوب برابر نیست (ستون «اختلاف با سرانه»). "
                        "اصلاح مبلغ را از بیمه‌گر بخواهید.",
    "province_mismatch": "این فرزندان در فهرست این استان هستند ولی بیمه‌گر بیمه‌نامه را در استان دیگری "
                         "ثبت کرده است. اصلاح استان را در سامانه بیمه‌گر بخواهید.",
    "inactive": "این بیمه‌نامه‌ها باطل یا سررسید شده‌اند و امسال کسی را پوشش نمی‌دهند. اگر فرزند هنوز "
                "واجد شرایط است، بیمه‌نامه تازه بخواهید.",
    "rejected_rows": "این ردیف‌های فرم بازگشتی استان در پذیرش رد شدند (ستون «علت»). ردیف را در فرم "
                     "درست کنید و فرم اصلاح‌شده را به ستاد بفرستید؛ فرزند ردیف ردشده در فهرست نیست.",
}

_CHILD_COLUMNS: dict[str, str] = {
    "national_id": "کد ملی", "first_name": "نام", "last_name": "نام خانوادگی", "gender": "جنسیت",
    "birth_date": "تاریخ تولد", "county": "شهرستان", "source_file": "فایل", "source_row": "ردیف",
}
_POLICY_COLUMNS: dict[str, str] = {
    "policy_no": "شماره بیمه‌نامه", "national_id": "کد ملی", "first_name": "نام",
    "last_name": "نام خانوادگی", "policy_province": "استان در سامانه بیمه‌گر",
    "issue_date": "تاریخ صدور", "premium": "حق بیمه (ریال)", "premium_gap": "اختلاف با سرانه (ریال)",
    "status": "وضعیت", "sub_reason": "علت", "source_file": "فایل بیمه‌گر", "source_row": "ردیف",
}
_REJECTED_COLUMNS = ("فایل", "برگه", "ردیف", "ستون", "مقدار", "علت", "توضیح", "کد ملی")
_MONEY = ("حق بیمه (ریال)", "اختلاف با سرانه (ریال)")


# --- the cases --------------------------------------------------------------------------------
def _text(value: Any) -> Any:
    """A cell as the workbook shows it: Jalali dates as text, else as the reconciliation workbook
    writes it (numpy scalars as Python, NA as empty: :func:`atiyeh_reports.io.xlsx.plain_value`)."""

    if isinstance(value, dt.date) and not pd.isna(value):  # NaT is a date too: it is empty

        return to_jalali_str(value)
    return plain_value(value)


def _table(frame: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    cols = {c: h for c, h in columns.items() if c in frame.columns}
    return pd.DataFrame({h: [_text(v) for v in frame[c]] for c, h in cols.items()},
                        columns=list(cols.values()))


def _by_province(frame: pd.DataFrame, key: str = "province_code") -> dict[str, pd.DataFrame]:
    return {str(code): part for code, part in frame.groupby(key, sort=False)} if len(frame) else {}


def _children_cases(rec: Reconciliation) -> dict[str, pd.DataFrame]:
    kids = rec.children
    cases = kids[kids["category"] == "no_policy"]
    order = [c for c in ("source_file", "source_row", "national_id") if c in cases.columns]
    return {code: _table(part, _CHILD_COLUMNS)
            for code, part in _by_province(cases.sort_values(order, kind="stable")).items()}


def _policy_cases(rec: Reconciliation, premium: int) -> dict[str, dict[str, pd.DataFrame]]:
    pol = rec.policies
    cases = pol[pol["category"].isin(_POLICY_CASES) & pol["province_code"].notna()]
    # Names from the list of the province the policy is counted under, matched on ID *and*
    # province: a policy whose ID is on the list is counted in the child's province (the
    # attribution rule), so it is named there and no other province's child is named anywhere.
    named = [c for c in ("first_name", "last_name") if c in rec.children.columns]
    names = rec.children[["national_id", "province_code", *named]].drop_duplicates(["national_id", "province_code"])
    cases = cases.drop(columns=[c for c in named if c in cases.columns]).merge(
        names, how="left", on=["national_id", "province_code"], validate="many_to_one")
    cases = cases.assign(
        policy_province=cases["policy_province"].map(lambda c: name_fa(c) if isinstance(c, str) and c else None),
        sub_reason=cases["sub_reason"].map(lambda r: SUB_REASON_FA.get(r, r) if isinstance(r, str) else None),
        premium_gap=cases["premium"] - premium,
    ).sort_values(["policy_no"], kind="stable")
    out: dict[str, dict[str, pd.DataFrame]] = {}
    for (code, category), part in cases.groupby(["province_code", "category"], sort=False):
        out.setdefault(str(code), {})[str(category)] = _table(part, _policy_columns(str(category)))
    return out


def _policy_columns(category: str) -> dict[str, str]:
    """The policy columns a category's sheet shows: the gap only for premiums, the reason where there is one."""
    columns = dict(_POLICY_COLUMNS)
    if category != "premium_mismatch":
        columns.pop("premium_gap")
    if category != "not_on_list":  # an inactive policy's reason is its status
        columns.pop("sub_reason")
    return columns


def _joined(values: pd.Series) -> str | None:
    seen = [str(v) for v in dict.fromkeys(values) if v is not None and not (not isinstance(v, str) and pd.isna(v))]
    return "؛ ".join(seen) or None


WITHHELD = "کد ملی در فهرست استان دیگری شمرده شده است؛ برای هماهنگی با ستاد تماس بگیرید"


def _rejected_rows(findings: pd.DataFrame | None, listed: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """Per province, one line per rejected row of its forms (a row's reasons joined), and one per
    form that could not be used at all (``row`` empty): the intake's ``rejected``/``unreadable``.

    ``listed`` maps each listed child's ID to its province. A row rejected because its ID is
    counted in another province (a duplicate across provinces) carries that province's child:
    its ID, the value holding it and the detail (which names the other form and row) are
    withheld, and the province finds the row by file and row number.
    """
    if findings is None or not len(findings):
        return {}
    mine = findings[findings["province_code"].notna()
                    & ((findings["action"] == REJECTED)
                       | ((findings["action"] == UNREADABLE) & findings["row"].isna()))]
    if not len(mine):
        return {}

    keys = [mine["province_code"].astype(str), mine["file"].astype(object).fillna(""),
            mine["sheet"].astype(object).fillna(""), mine["row"].astype("Int64").fillna(-1).astype("int64")]
    rows: dict[str, list[tuple]] = {}
    for (code, file, sheet, row), group in mine.groupby(keys, sort=True):
        ids = [v for v in group["national_id"] if isinstance(v, str) and v]
        nid = ids[0] if ids else None
        values, details = group["value"], group["detail"]
        if nid is not None and listed.get(nid, code) != code:
            values = values.map(lambda v, nid=nid: None if isinstance(v, str) and clean_national_id(v) == nid else v)
            nid, details = None, pd.Series([WITHHELD])
        rows.setdefault(code, []).append((
            file or None, sheet or None, None if row < 0 else int(row), _joined(group["column"]),
            _joined(values), _joined(group["problem"]), _joined(details), nid))
    return {code: pd.DataFrame(r, columns=list(_REJECTED_COLUMNS)) for code, r in rows.items()}


def _empty(category: str) -> pd.DataFrame:
    headers = (list(_CHILD_COLUMNS.values()) if category == "no_policy"
               else list(_REJECTED_COLUMNS) if category == "rejected_rows" else list(_policy_columns(category).values()))
    return pd.DataFrame(columns=headers)


def _all_cases(data: Any, rec: Reconciliation) -> dict[str, dict[str, pd.DataFrame]]:
    """Every province's cases at once (one pass over each table), code → sheet title → table."""
    children = _children_cases(rec)
    policies = _policy_cases(rec, data.params.service.per_capita_premium)
    kids = rec.children
    rejected = _rejected_rows(data.findings, dict(zip(kids["national_id"], kids["province_code"], strict=True)))
    empty = {c: _empty(c) for c in CATEGORIES}  # one per category, shared: building frames is slow
    out = {}
    for p in provinces():
        tables = {"no_policy": children.get(p.code), **policies.get(p.code, {}),
                  "rejected_rows": rejected.get(p.code)}
        out[p.code] = {SHEET_FA[c]: tables[c] if tables.get(c) is not None else empty[c] for c in CATEGORIES}
    return out


def followup_cases(data: Any, rec: Reconciliation, province_code: str) -> dict[str, pd.DataFrame]:
    """The province's cases, sheet title (Persian) → table with Persian headers, in :data:`CATEGORIES` order.

    Parameters
    ----------
    data
        The loaded year (:class:`atiyeh_reports.api.YearData`): ``findings`` and ``params`` are read.
    rec
        Its reconciliation (:func:`atiyeh_reports.insurer.reconciliation.reconcile_year`).
    province_code
        ISO 3166-2:IR code, e.g. ``IR-23``.

    Every table has its headers even when it has no rows. Contains names and IDs.
    """
    if province_code not in by_code():
        raise KeyError(f"unknown province code {province_code!r}")
    return _all_cases(data, rec)[province_code]


def _counts(cases: Mapping[str, Mapping[str, pd.DataFrame]]) -> pd.DataFrame:
    rows = []
    for p in provinces():
        counts = {c: len(cases[p.code][SHEET_FA[c]]) for c in CATEGORIES}
        rows.append({"province_code": p.code, "province_name": p.name_fa, **counts,
                     "total": sum(counts.values())})
    frame = pd.DataFrame(rows, columns=["province_code", "province_name", *CATEGORIES, "total"])
    return frame.astype({c: "int64" for c in (*CATEGORIES, "total")})


def followup_counts(data: Any, rec: Reconciliation) -> pd.DataFrame:
    """Per province (all 31, code order): ``province_code``, ``province_name``, one count per
    category of :data:`CATEGORIES` and ``total``: the rows of :func:`followup_cases`' tables."""
    return _counts(_all_cases(data, rec))


def unassigned_policies(rec: Reconciliation) -> pd.DataFrame:
    """Policies that are cases but belong to no province (no ID on the list, no province recorded).

    They are in no province's workbook; HQ follows them up (``internal/reconciliation.xlsx``).
    """
    pol = rec.policies
    return pol[pol["province_code"].isna() & pol["category"].isin(_POLICY_CASES)]


# --- the workbook -----------------------------------------------------------------------------
def _guide(province: str, year: int, tables: Mapping[str, pd.DataFrame], built: str) -> pd.DataFrame:

    total = sum(len(t) for t in tables.values())
    rows: list[tuple[str, object, str]] = [
        ("کارپوشه پیگیری", None, f"موارد نیازمند پیگیری استان {province} در سال {to_persian_digits(year)}، "
                                 "از تطبیق فهرست فرزندان با سامانه بیمه‌گر و پذیرش فرم بازگشتی استان."),
        ("محرمانه", None, "این کارپوشه نام و کد ملی فرزندان را دارد و تنها برای کارشناسان بهزیستی همین "
                          "استان است. آن را منتشر نکنید، پیوست نامه نکنید و برای کسی جز مسئول پیگیری "
                          "نفرستید. هر استان تنها موارد خودش را دریافت می‌کند."),
        ("تاریخ تهیه", None, built),
        ("جمع موارد", total, "موردی برای پیگیری نیست؛ این کارپوشه جز همین راهنما برگه‌ای ندارد." if total == 0
         else "هر برگه یک دسته از موارد است؛ کار هر دسته در ردیف خودش آمده است."),
    ]
    for category in CATEGORIES:
        title = SHEET_FA[category]
        n = len(tables[title])
        rows.append((f"برگه {title}", n, WHAT_TO_DO[category] if n else "موردی نیست (این برگه در کارپوشه نیامده است)."))
    rows.append(("پس از پیگیری", None, "نتیجه را در فرم سال بعد (برگه عملکرد) گزارش کنید؛ ستاد پس از "
                                       "دریافت فرم و خروجی تازه بیمه‌گر دوباره تطبیق می‌دهد."))
    return pd.DataFrame(rows, columns=["موضوع", "شمار موارد", "شرح و اقدام"], dtype=object)


def write_followup_workbooks(data: Any, rec: Reconciliation, folder: str | Path) -> list[Path]:
    """One workbook per province, ``<folder>/<code>_<name>.xlsx``, in province-code order.

    A guide sheet first (what the workbook is, that it is confidential, what to do with each
    category and how many cases it has), then one right-to-left sheet per category that has
    cases (a category without any is only a «۰» line of the guide), written
    through :func:`atiyeh_reports.io.xlsx.write_tables` (values, never formulas; the build
    time as the document time, so the same inputs give the same bytes). A province with no
    case still gets its workbook, whose guide says so. Contains names and IDs: put ``folder``
    under ``internal/``.
    """

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = build_time()
    built = format_jalali_fa(stamp.date())
    written = []
    cases = _all_cases(data, rec)
    for p in provinces():
        tables = cases[p.code]
        sheets = [Table(GUIDE_SHEET, _guide(p.name_fa, data.params.year, tables, built),
                        widths={"موضوع": 26, "شمار موارد": 12, "شرح و اقدام": 100})]
        for title, frame in tables.items():
            if not len(frame):  # the guide says «۰»; an empty sheet would only cost time
                continue
            formats = {h: "#,##0" for h in _MONEY if h in frame.columns}
            sheets.append(Table(title, frame, formats=formats))
        written.append(write_tables(folder / f"{file_stem(p.code)}.xlsx", sheets, stamp=stamp,
                                    title=f"پیگیری {p.name_fa}", year=data.params.year))
    return written
