"""Small dirty returned forms, built in code for the intake tests.

Nothing here depends on :mod:`atiyeh_reports.forms` or the sample generator:
the workbooks are written with plain openpyxl so that the intake is tested
against the layout constants, not against the form writer.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

from atiyeh_reports.core import layout
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.core.params import Params, load_params

ROOT = Path(__file__).resolve().parents[1]
PARAMS_1404 = ROOT / "params" / "1404.yaml"
YEAR = 1404
FIELD_HEADER = {f: h for h, f in layout.CHILDREN_COLUMNS.items()}
PERF_HEADER = {f: h for h, f in layout.PERFORMANCE_COLUMNS.items()}
FIELDS = tuple(layout.CHILDREN_COLUMNS.values())

#: A blank row in ``rows``.
BLANK = None


def make_id(n: int) -> str:
    """A valid national ID from a number (first nine digits from ``n``, never 000 first)."""
    first_nine = f"{100000000 + n % 900000000:09d}"
    nid = first_nine + str(check_digit(first_nine))
    return nid if len(set(nid)) > 1 else make_id(n + 1)


def child(n: int = 1, **overrides: object) -> dict[str, object]:
    """A valid, eligible child as typed in a form (field → cell value)."""
    row: dict[str, object] = {
        "row": n,
        "national_id": make_id(n),
        "first_name": "علی",
        "last_name": "رضایی",
        "gender": "پسر",
        "birth_date": "1395/03/10",
        "guardianship": "بی‌سرپرست",
        "care_type": "مرکز شبانه‌روزی",
        "court_order": f"ق-{n}",
        "admission_date": "1400/05/01",
        "county": "تهران",
    }
    row.update(overrides)
    return row


PERFORMANCE = {
    "credit_notified": 1_000_000_000,
    "credit_spent": 900_000_000,
    "children_covered": 250,
    "policies_issued": 240,
    "children_left": 12,
}


def write_form(
    path: Path,
    rows: Sequence[Mapping[str, object] | Sequence[object] | None],
    *,
    province_title: str | None = "تهران",
    year_title: str | None = "۱۴۰۴",
    header_row: int = layout.CHILDREN_HEADER_ROW,
    sheet: str = layout.SHEET_CHILDREN,
    headers: Mapping[str, str] | None = None,
    columns: Sequence[str] = FIELDS,
    performance: Mapping[str, object] | None = PERFORMANCE,
    performance_headers: Mapping[str, str] | None = None,
    guide: bool = True,
) -> Path:
    """Write a returned form: titles, a children header on ``header_row``, then ``rows``.

    ``rows`` items are a dict (field → value, written under ``columns``), a list
    (raw cells, written as they are) or None (a blank row). ``headers`` replaces
    the header text of some fields (or names extra columns listed in ``columns``).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    if province_title is not None:
        ws["A1"] = f"{layout.PROVINCE_LABEL}: {province_title}"
    if year_title is not None:
        ws["A2"] = f"{layout.YEAR_LABEL}: {year_title}"
    ws["A3"] = "فهرست فرزندان مشمول بیمه تأمین آتیه"
    names = dict(FIELD_HEADER, **(headers or {}))
    for col, name in enumerate(columns, start=1):
        ws.cell(row=header_row, column=col, value=names.get(name, name))
    for offset, row in enumerate(rows, start=1):
        if row is None:
            continue
        values = [row.get(name) for name in columns] if isinstance(row, Mapping) else list(row)
        for col, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=header_row + offset, column=col, value=value)
    if performance is not None:
        perf = wb.create_sheet(layout.SHEET_PERFORMANCE)
        perf["A1"] = "عملکرد سال قبل"
        perf_names = dict(PERF_HEADER, **(performance_headers or {}))
        for col, name in enumerate(layout.PERFORMANCE_COLUMNS.values(), start=1):
            perf.cell(row=layout.PERFORMANCE_HEADER_ROW, column=col, value=perf_names[name])
            perf.cell(row=layout.PERFORMANCE_HEADER_ROW + 1, column=col, value=performance.get(name))
    if guide:
        wb.create_sheet(layout.SHEET_GUIDE)["A1"] = "راهنما"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def provinces_dir(data_dir: Path) -> Path:
    return layout.provinces_dir(data_dir, YEAR)


def form_path(data_dir: Path, name: str = "IR-23_تهران.xlsx") -> Path:
    return provinces_dir(data_dir) / name


def make_params(data_dir: Path, **overrides: object) -> Params:
    """The 1404 parameters with ``data_dir`` (and dotted ``overrides``) replaced."""
    return load_params(PARAMS_1404, {"data_dir": str(data_dir), **overrides})


def random_children(rng: random.Random, n: int, start: int = 0) -> list[dict[str, object]]:
    """``n`` valid children with distinct IDs (for property tests and benchmarks)."""
    out = []
    for i in range(start, start + n):
        birth = dt.date(2009, 1, 1) + dt.timedelta(days=rng.randrange(0, 5000))
        out.append(child(i + 1, birth_date=birth, admission_date=None,
                         gender=rng.choice(["پسر", "دختر"]),
                         guardianship=rng.choice(["بی‌سرپرست", "بدسرپرست"])))
    return out
