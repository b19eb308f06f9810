"""Small builders shared by the tests (fixtures live in conftest.py)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from atiyeh_reports.allocation import budget, notify
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.provinces import provinces
from atiyeh_reports.core.text import to_ascii_digits

A, BB, C = "IR-23", "IR-10", "IR-07"  # Tehran, Isfahan, Fars


def nid(n: int) -> str:
    """A valid national ID built from ``n``: its first nine digits, then the check digit.

    Nine equal digits (never a valid ID) are moved to the next number.
    """
    first = f"{n:09d}"
    if len(set(first)) == 1:
        first = f"{n + 1:09d}"
    return first + str(check_digit(first))


def svg_texts(fig, *, close: bool = False) -> list[str]:  # noqa: ANN001 - a matplotlib Figure
    """The text elements of a figure, as SVG writes them when text is kept as text."""
    import re

    from atiyeh_reports.present import charts

    svg = charts.to_svg(fig, text_as_paths=False)
    if close:
        charts.close(fig)
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


# --- parameters and budget tables built in code ---------------------------------------------
MILLION = 1_000_000


def make_params(**budget: Any) -> Params:
    """Small parameters built in code; ``budget`` overrides budget keys, ``premium`` the premium."""
    premium = budget.pop("premium", 3 * MILLION)
    raw: dict[str, Any] = {
        "year": 1404,
        "data_dir": "/nonexistent",
        "service": {
            "id": "19041060106",
            "name_fa": "حمایت بیمه تأمین آتیه فرزندان",
            "per_capita_premium": premium,
            "expected_recipients": 10,
        },
        "budget": {
            "approved_credit": 25 * MILLION,
            "released_share": Decimal("1"),
            "reserve_share": Decimal("0"),
            "rounding_unit": MILLION,
            "method": "per_capita",
            "performance_weights": {
                "absorption": Decimal("0.5"),
                "coverage": Decimal("0.5"),
                "floor": Decimal("0.8"),
                "cap": Decimal("1.2"),
            },
            "premium_growth": Decimal("0.25"),
            **budget,
        },
        "eligibility": {"age_limit": 18},
        "thresholds": {
            "coverage_target": Decimal("0.95"),
            "absorption_target": Decimal("0.9"),
            "max_issue_delay_days": 45,
            "data_quality_target": Decimal("0.05"),
        },
        "privacy": {},
        "insurer": {"list_date": "1404/02/15"},
    }
    return Params.model_validate(raw)


def make_children(counts: dict[str, int], ages: list[int] | None = None) -> pd.DataFrame:
    codes = [code for code, n in counts.items() for _ in range(n)]
    ages = ages if ages is not None else [5] * len(codes)
    return pd.DataFrame(
        {
            "province_code": pd.Series(codes, dtype="str"),
            "national_id": pd.Series([f"{i:010d}" for i in range(len(codes))], dtype="str"),
            "age": pd.Series(ages, dtype="int64"),
        }
    )


def make_performance(rows: dict[str, tuple[int, int, int, int]], year: int = 1404) -> pd.DataFrame:
    """rows: code → (credit_notified, credit_spent, children_covered, policies_issued)."""
    return pd.DataFrame(
        [
            {
                "year": year,
                "performance_year": year - 1,
                "province_code": code,
                "credit_notified": n,
                "credit_spent": s,
                "children_covered": cov,
                "policies_issued": pol,
                "children_left": 0,
                "source_file": f"{code}.xlsx",
            }
            for code, (n, s, cov, pol) in rows.items()
        ]
    )


THREE = make_children({A: 5, BB: 3, C: 2})  # requirements 15, 9, 6 million at 3M each


# --- reconciliation frames -------------------------------------------------------------------
def children_frame(rows: list[tuple[str, str]], year: int = 1404, age: int = 10) -> pd.DataFrame:
    return pd.DataFrame({
        "year": year,
        "province_code": [p for p, _ in rows],
        "national_id": [n for _, n in rows],
        "first_name": "نام", "last_name": "خانواده",
        "age": age, "county": None,
        "source_file": "f.xlsx", "source_row": range(6, 6 + len(rows)),
    })


def policies_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (policy_no, national_id, province_code, issue_date, premium, status)."""
    frame = pd.DataFrame(rows, columns=["policy_no", "national_id", "province_code", "issue_date",
                                        "premium", "status"])
    frame["premium"] = frame["premium"].astype("int64")
    frame["source_file"] = "x.xlsx"
    frame["source_row"] = range(2, 2 + len(frame))
    return frame


LIST = dt.date(2025, 5, 5)  # 1404/02/15
PREMIUM = 3_600_000


# --- a year of 31 provinces ---------------------------------------------------------------
NAMES = ("زهرا", "محمدرضا")


def children_31() -> pd.DataFrame:
    codes = [p.code for p in provinces() for _ in range(3 + int(p.code[3:]) % 7)]
    return pd.DataFrame({
        "province_code": pd.Series(codes, dtype="str"),
        "national_id": pd.Series([f"{4000000000 + i:010d}" for i in range(len(codes))], dtype="str"),
        "first_name": [NAMES[i % 2] for i in range(len(codes))],
        "age": pd.Series([5] * len(codes), dtype="int64"),
    })


def docx_text(path: Path) -> str:
    """The text runs of a DOCX, in order (what a reader of the letter sees)."""
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", xml))


def workbook_amounts(workbook: Path) -> dict[str, int]:
    """Province code → the amount notified, as allocation.xlsx says."""
    ws = openpyxl.load_workbook(workbook, read_only=True)[notify.SHEET_ALLOCATION]
    rows = list(ws.iter_rows(min_row=notify.HEADER_ROW, values_only=True))
    header = list(rows[0])
    name, amount = header.index(budget.ALLOCATION_FA["province_name"]), header.index(budget.ALLOCATION_FA["allocated"])
    by_name = {p.name_fa: p.code for p in provinces()}
    return {by_name[r[name]]: int(r[amount]) for r in rows[1:] if r[name] in by_name}


def digits_amount(text: str) -> int:
    """The amount a letter gives in digits."""
    match = re.search(r"مبلغ ابلاغی به عدد\s*([۰-۹٬]+) ریال", text)
    assert match, text[:300]
    return int(to_ascii_digits(match.group(1)).replace("٬", ""))


# --- reading Persian number words back, written here independently of num2words ------------------
_UNITS = {
    "صفر": 0, "یک": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "هفت": 7, "هشت": 8, "نه": 9,
    "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15, "شانزده": 16,
    "هفده": 17, "هجده": 18, "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60,
    "هفتاد": 70, "هشتاد": 80, "نود": 90, "صد": 100, "یکصد": 100, "دویست": 200, "سیصد": 300,
    "چهارصد": 400, "پانصد": 500, "ششصد": 600, "هفتصد": 700, "هشتصد": 800, "نهصد": 900,
}
_SCALES = {"هزار": 10**3, "میلیون": 10**6, "میلیارد": 10**9, "بیلیون": 10**9, "تریلیون": 10**12}


def words_to_int(words: str) -> int:
    """«سه میلیارد و چهارصد و پنجاه و شش میلیون ریال» → 3456000000."""
    tokens = [t for t in words.removesuffix(" ریال").split(" ") if t != "و"]
    total = group = 0
    for token in tokens:
        if token in _UNITS:
            group += _UNITS[token]
        elif token in _SCALES:
            total += (group or 1) * _SCALES[token]  # «هزار و یک»: a bare scale word means one of it
            group = 0
        else:
            raise ValueError(f"not a number word: {token!r} in {words!r}")
    return total + group


def run_cli(*argv: str) -> tuple[int, str]:
    """``atiyeh`` run in this process: its exit code and what it wrote to stderr (never a traceback)."""
    import contextlib
    import io

    from atiyeh_reports.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv))
    text = err.getvalue()
    assert "Traceback" not in text
    return code, text
