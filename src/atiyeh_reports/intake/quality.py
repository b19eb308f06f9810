"""What the intake found wrong in the returned forms, and the workbook HQ reads it in.

One :class:`Finding` per problem: where it is (file, sheet, Excel row, column
as written), the original value, a fixed Persian sentence naming the problem
(so findings of one kind group together), what the intake did
(``corrected`` / ``rejected`` / ``warning`` / ``unreadable``), and specifics
(``detail``: the other province of a duplicate, why a date is impossible).

``quality.xlsx`` carries names and national IDs: it is for HQ only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter

import pandas as pd

CORRECTED = "corrected"
REJECTED = "rejected"
WARNING = "warning"
UNREADABLE = "unreadable"
ACTIONS = (CORRECTED, REJECTED, WARNING, UNREADABLE)


class Problem:
    """The problem sentences, one per kind of finding (Persian, for HQ staff)."""

    # whole files
    UNREADABLE_FILE = "فایل باز نمی‌شود (xlsx نیست، خراب است یا رمز دارد)"
    NO_CHILDREN_SHEET = "برگه فرزندان پیدا نشد"
    MISSING_COLUMNS = "ستون‌های لازم در برگه فرزندان نیست"
    NO_PROVINCE = "استان فرم نه از عنوان فرم معلوم است نه از نام فایل"
    UNKNOWN_PROVINCE_TITLE = "نام استان در عنوان فرم شناخته نیست؛ استان از نام فایل گرفته شد"
    UNKNOWN_PROVINCE_FILE = "نام فایل نام هیچ استانی نیست؛ استان از عنوان فرم گرفته شد"
    PROVINCE_MISMATCH = "استان عنوان فرم با استان نام فایل یکی نیست؛ عنوان فرم ملاک است"
    PROVINCE_MISMATCH_FILE = (
        "استان عنوان فرم با استان نام فایل یکی نیست؛ استان عنوان فرم دیگری دارد، پس نام فایل ملاک است"
    )
    PROVINCE_CONFLICT = (
        "استان فرم معلوم نیست: استان عنوان و استان نام فایل هر دو فرم دیگری دارند؛ عنوان یا نام فایل را درست کنید"
    )
    PROVINCE_TITLE_VARIANT = "نام استان در عنوان فرم به شکل دیگری نوشته شده است؛ به نام رسمی خوانده شد"
    SECOND_FORM = "برای این استان بیش از یک فرم رسیده است"
    YEAR_MISMATCH = "سال عنوان فرم با سال گزارش یکی نیست"
    SHEET_RENAMED = "نام برگه فرزندان تغییر کرده است؛ برگه از روی عنوان ستون‌ها پیدا شد"
    HEADER_MOVED = "سطر عنوان ستون‌ها جابه‌جا شده است"
    HEADER_VARIANT = "عنوان ستون با فرم فرق دارد؛ به ستون فرم نسبت داده شد"
    EXTRA_COLUMN = "ستون ناشناخته نادیده گرفته شد"
    DUPLICATE_COLUMN = "ستون تکراری؛ ستون نخست خوانده شد"
    COLUMNS_REORDERED = "ترتیب ستون‌ها با فرم فرق دارد"
    BLANK_ROWS = "سطرهای خالی میان داده‌ها نادیده گرفته شد"
    TOTAL_ROW = "سطر جمع نادیده گرفته شد"
    NO_PERFORMANCE_SHEET = "برگه عملکرد سال قبل پیدا نشد"
    # entries of the input folders that are not read (intake.inventory), and hostile files
    SKIPPED_FORMAT = "فایل خوانده نشد: قالب آن فرم نیست (xlsx، xlsm، xls یا ods)"
    SKIPPED_SUBFOLDER = "پوشهٔ فرعی خوانده نشد؛ فرم‌ها باید مستقیم در همین پوشه باشند"
    SKIPPED_FOLDER_NAMED_LIKE_FORM = "این یک پوشه است با نامی مانند فرم؛ خوانده نشد"
    SKIPPED_LINK = "پیوند (میان‌بر) خوانده نشد؛ خود فایل را در پوشه بگذارید"
    SKIPPED_LOCK_FILE = "فایل قفل اکسل خوانده نشد (فرم هنگام رونوشت باز بوده است)"
    SKIPPED_HIDDEN = "فایل پنهان خوانده نشد"
    SKIPPED_EMPTY = "فایل خالی است (صفر بایت)؛ خوانده نشد"
    SKIPPED_SPECIAL = "فایل معمولی نیست (لوله، دستگاه یا سوکت)؛ باز نشد"
    SKIPPED_INACCESSIBLE = "فایل در دسترس نیست (اجازهٔ خواندن ندارد)"
    TOO_LARGE = "فایل یا برگه بیش از حد بزرگ است (حد در پارامترهای limits)؛ خوانده نشد"
    STRAY_CELL = "خانهٔ پرشده‌ای بسیار دور از داده‌ها (فراتر از حد limits)؛ خوانده نشد و باقی برگه خوانده شد"
    PROVINCE_NO_DATA = "از این استان داده‌ای نرسیده است؛ استان در تخصیص صفر می‌گیرد"
    NO_CHILDREN_ROWS = "فرم عنوان ستون‌ها را دارد ولی هیچ فرزندی در آن نیست"
    MERGED_CELLS = "خانه‌های ادغام‌شده در ناحیهٔ داده‌ها"
    FORMULA_NO_VALUE = "فرمول بدون مقدار ذخیره‌شده؛ خانه خالی خوانده شد"
    ERROR_VALUE = "مقدار خطای اکسل در خانه (مانند #VALUE! یا #N/A)"
    TEXT_TOO_LONG = "متن بیش از اندازهٔ این ستون است"
    HIDDEN_ROW = "سطر پنهان خوانده شد"
    HIDDEN_SHEET = "برگهٔ پنهان خوانده شد"
    NUMBER_TOO_LARGE = "عدد بیش از حد بزرگ است (بیش از گنجایش int64)"
    # rows
    ID_UNUSABLE = "کد ملی خالی است یا ده رقم نمی‌شود"
    ID_CHECK_DIGIT = "رقم کنترل کد ملی نادرست است"
    ID_REFORMATTED = "کد ملی به ده رقم لاتین برگردانده شد"
    NAME_MISSING = "نام یا نام خانوادگی خالی است"
    GENDER_UNKNOWN = "جنسیت نامعلوم است"
    VALUE_STANDARDIZED = "مقدار به شکل استاندارد فرم برگردانده شد"
    TEXT_NORMALIZED = "املای متن یکسان شد (ی و ک عربی، فاصله‌های اضافه یا نویسه‌های نامرئی مانند کنترل جهت متن)"
    DATE_REFORMATTED = "تاریخ از شکل دیگری به شکل فرم (سال/ماه/روز شمسی) برگردانده شد"
    BIRTH_INVALID = "تاریخ تولد خالی یا نامعتبر است"
    BIRTH_FUTURE = "تاریخ تولد پس از پایان سال مالی است"
    ADMISSION_INVALID = "تاریخ پذیرش نامعتبر است؛ خالی گذاشته شد"
    ADMISSION_FUTURE = "تاریخ پذیرش پس از پایان سال مالی است؛ خالی گذاشته شد"
    ADMISSION_BEFORE_BIRTH = "تاریخ پذیرش پیش از تاریخ تولد است؛ خالی گذاشته شد"
    GUARDIANSHIP_UNKNOWN = "وضعیت سرپرستی نامعلوم است"
    GUARDIANSHIP_NOT_ELIGIBLE = "وضعیت سرپرستی مشمول این سال نیست"
    CARE_UNKNOWN = "نوع نگهداری نامعلوم است؛ خالی گذاشته شد"
    COUNTY_UNKNOWN = (
        "شهرستان در فهرست شهرستان‌های این استان (تقسیمات ۱۳۹۸) نیست؛ همان‌طور نگه داشته شد"
    )
    COURT_ORDER_MISSING = "شماره دستور قضایی ندارد"
    OVER_AGE = "سن در یکم فروردین به حد سنی رسیده است"
    DUPLICATE_IN_PROVINCE = "کد ملی در همین استان تکراری است؛ ردیف نخست نگه داشته شد"
    DUPLICATE_COUNTED_HERE = "کد ملی در استان دیگری هم آمده است؛ در این استان شمرده شد"
    DUPLICATE_COUNTED_ELSEWHERE = "کد ملی در استان دیگری هم آمده است؛ در آن استان شمرده شد"
    PERFORMANCE_INVALID = "مقدار عملکرد خالی یا نامعتبر است"
    PERFORMANCE_REFORMATTED = "عدد عملکرد از متن خوانده شد (ارقام فارسی یا جداکننده)"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place; the columns of ``findings.parquet`` (and ``detail``)."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    problem: str
    action: str
    corrected_to: str | None = None
    province_code: str | None = None
    national_id: str | None = None
    detail: str | None = None


FINDING_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Finding))
#: A finding's values in column order (``dataclasses.astuple`` deep-copies each: slow for many).
_finding_values = attrgetter(*FINDING_COLUMNS)
SUMMARY_COLUMNS = ("province_code", "rows_read", "accepted", "corrected", "rejected", "blank_rows")


def as_text(value: object) -> str | None:
    """A cell's original value as text, for the ``value`` column (None stays None)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def findings_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """The findings as a table with the contract's columns (``row`` nullable Int64)."""
    rows = list(map(_finding_values, findings))
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS), dtype="object")
    for column in FINDING_COLUMNS:
        if column == "row":
            frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
        else:
            frame[column] = frame[column].astype("str").where(frame[column].notna(), None)
    return frame


def empty_summary() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str" if c == "province_code" else "int64")
                         for c in SUMMARY_COLUMNS})


# --- the workbook -----------------------------------------------------------------------------
SUMMARY_HEADERS_FA = {
    "province_code": "کد استان",
    "province": "استان",
    "rows_read": "سطرهای خوانده‌شده",
    "accepted": "پذیرفته",
    "corrected": "اصلاح‌شده (از پذیرفته‌ها)",
    "rejected": "رد شده",
    "blank_rows": "سطرهای خالی",
}
FINDING_HEADERS_FA = {
    "file": "فایل",
    "sheet": "برگه",
    "row": "سطر",
    "column": "ستون",
    "value": "مقدار",
    "problem": "مشکل",
    "action": "اقدام",
    "corrected_to": "مقدار اصلاح‌شده",
    "province_code": "کد استان",
    "national_id": "کد ملی",
    "detail": "توضیح",
}
ACTIONS_FA = {CORRECTED: "اصلاح شد", REJECTED: "رد شد", WARNING: "هشدار", UNREADABLE: "ناخوانا"}


def summary_counts(summary: pd.DataFrame, columns: Sequence[str] = SUMMARY_COLUMNS) -> pd.DataFrame:
    """The summary with every count as int64, in code order (for writing and comparing)."""
    table = summary[list(columns)].sort_values("province_code", kind="stable").reset_index(drop=True)
    return table.astype({c: "int64" for c in columns if c != "province_code"})
