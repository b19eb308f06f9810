"""The problems real returned files show, planted in the sample's forms and written down.

:func:`_plant_forms` takes each province's rows (one per child of
:mod:`.population`) and plants the dirt the intake must cope with: Arabic
letters and digits, IDs with separators or a wrong check digit, dates in other
forms or impossible, missing court orders, duplicates, blank and total rows, and
forms that depart from the one HQ sent (:class:`~atiyeh_reports.forms.template.FormVariant`).
Each planted problem becomes an entry of ``<out>/planted.json`` (:func:`_write_planted`;
the fields are described in :mod:`atiyeh_reports.sample.write`), naming the cell that shows it.
:data:`NOTIFIED_PLANTS` are the performance sheets that misreport last year's notified credit.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import jdatetime
import pandas as pd
from openpyxl.utils import get_column_letter

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.forms.template import FormVariant, form_filename
from atiyeh_reports.sample.population import _age, _Child, _date, _jalali

_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

#: English headers one returned form uses (the intake should recognise them).
ENGLISH_HEADERS: dict[str, str] = {
    "row": "Row", "national_id": "National ID", "first_name": "First Name",
    "last_name": "Last Name", "gender": "Gender", "birth_date": "Birth Date",
    "guardianship": "Guardianship", "care_type": "Care Type", "court_order": "Court Order No",
    "admission_date": "Admission Date", "county": "County",
}
#: Title cells written in variant spellings, one per year in turn.
_VARIANT_TITLES = (
    ("IR-03", "استان آذربايجان شرقي"),
    ("IR-05", "استان: كرمانشاه"),
    ("IR-09", "استان : خراسان‌رضوی"),
    ("IR-00", "استان مركزي"),
)
_RENAMED_SHEETS = ("لیست فرزندان", "Sheet1", "فرزندان مشمول")


@dataclass(eq=False)
class _Row:
    """A row as written in a form, with the problems planted in it."""

    values: dict[str, object]
    child: _Child | None = None
    plants: list[dict[str, object]] = field(default_factory=list)


#: Self-reported notified credit planted to differ from HQ's record: kind → expected outcome.
NOTIFIED_PLANTS = {
    "notified_as_requirement": "finding",   # the province reports what it needed, not what it was notified
    "notified_typo": "finding",             # one digit typed wrong (100 million Rials off)
    "notified_within_tolerance": "within_tolerance",  # 400,000 Rials off: below checks.money_tolerance
}


def _values(child: _Child) -> dict[str, object]:
    return {
        "national_id": child.national_id, "first_name": child.first_name,
        "last_name": child.last_name, "gender": child.gender, "birth_date": _date(child.birth),
        "guardianship": child.guardianship, "care_type": child.care_type,
        "court_order": child.court_order, "admission_date": _date(child.admission),
        "county": child.county,
    }


# --- planting dirt in the forms -----------------------------------------------------------------
def _plant(row: _Row, kind: str, column: str | None, expected: str, note: str = "") -> None:
    row.plants.append({"kind": kind, "field": column, "expected": expected, "note": note})


def _plant_forms(rng: random.Random, year: int, listed: dict[str, list[_Child]],
                 leavers: dict[str, list[tuple[_Child, str]]]):
    """Rows per province with dirt planted, the form variants, file-level plants, rejected IDs."""
    forms = {code: [_Row(_values(c), c) for c in kids] for code, kids in listed.items()}
    codes = sorted(forms)
    variants: dict[str, FormVariant] = {}
    structural = rng.sample(codes, 6)
    title_code, title = _VARIANT_TITLES[year % len(_VARIANT_TITLES)]
    structural = [c for c in structural if c != title_code][:5]
    moved, reordered, english, renamed, mismatch = structural
    other = name_fa(codes[(codes.index(mismatch) + 7) % len(codes)])
    variants[moved] = FormVariant(header_row=layout.CHILDREN_HEADER_ROW + 2)
    extra_order = ("row", "last_name", "first_name", "national_id", "gender", "birth_date",
                   "guardianship", "care_type", "court_order", "admission_date", "county", "توضیحات")
    variants[reordered] = FormVariant(columns=extra_order)
    variants[english] = FormVariant(headers=ENGLISH_HEADERS)
    variants[renamed] = FormVariant(children_sheet=_RENAMED_SHEETS[year % len(_RENAMED_SHEETS)])
    variants[mismatch] = FormVariant(title=f"{layout.PROVINCE_LABEL}: {other}")
    variants[title_code] = FormVariant(title=title)
    arabic_headers = next(c for c in codes if c not in variants and c >= codes[year % 20])
    variants[arabic_headers] = FormVariant(
        headers={h_field: h.translate(_ARABIC) for h, h_field in layout.CHILDREN_COLUMNS.items()}
    )
    for i, row in enumerate(forms[reordered]):
        row.values["توضیحات"] = "انتقال از مرکز دیگر" if i % 40 == 7 else None

    pool = [r for code in codes for r in forms[code]]
    rng.shuffle(pool)
    taken: set[int] = set()

    def pick(test=lambda r: True) -> _Row | None:
        for r in pool:
            if id(r) not in taken and test(r):
                taken.add(id(r))
                return r
        return None

    def has_yk(text: str) -> bool:
        return "ی" in text or "ک" in text

    rejected: set[str] = set()
    for _ in range(3):
        r = pick(lambda r: has_yk(r.values["first_name"]) or has_yk(r.values["last_name"]))
        col = "first_name" if has_yk(r.values["first_name"]) else "last_name"
        r.values[col] = r.values[col].translate(_ARABIC)
        _plant(r, "arabic_letters", col, "corrected")
    for _ in range(2):
        r = pick(lambda r: has_yk(r.values["county"]))
        r.values["county"] = r.values["county"].translate(_ARABIC)
        _plant(r, "arabic_letters", "county", "corrected")
    for kind, digits in (("persian_digits_id", "p"), ("persian_digits_id", "p"), ("arabic_indic_digits_id", "a")):
        r = pick()
        nid = r.values["national_id"]
        r.values["national_id"] = to_persian_digits(nid) if digits == "p" else nid.translate(_ARABIC_DIGITS)
        _plant(r, kind, "national_id", "corrected")
    for _ in range(2):
        r = pick(lambda r: r.values["national_id"].startswith("00"))
        if r is not None:
            r.values["national_id"] = int(r.values["national_id"])
            _plant(r, "id_lost_leading_zeros", "national_id", "corrected")
    for fmt in ("{a}-{b}-{c}", "{a} {b} {c}"):
        r = pick()
        nid = r.values["national_id"]
        r.values["national_id"] = fmt.format(a=nid[:3], b=nid[3:9], c=nid[9])
        _plant(r, "id_with_separators", "national_id", "corrected")
    for _ in range(3):
        r = pick()
        nid = r.values["national_id"]
        wrong = nid[:9] + str((int(nid[9]) + rng.randint(1, 9)) % 10)
        r.values["national_id"] = wrong
        rejected.add(nid)
        _plant(r, "bad_check_digit", "national_id", "rejected", f"true ID {nid}")
    date_plants = (
        ("date_dashes", lambda d: "{}-{}-{}".format(*_jalali(d))),
        ("date_compact", lambda d: "{}{:02d}{:02d}".format(*_jalali(d))),
        ("date_persian_digits", lambda d: to_persian_digits(_date(d))),
        ("date_arabic_indic_digits", lambda d: _date(d).translate(_ARABIC_DIGITS)),
        ("date_excel", lambda d: dt.datetime.combine(d, dt.time())),
    )
    for i, (kind, write) in enumerate(date_plants * 2):
        r = pick()
        col = ("birth_date", "admission_date")[i % 2]
        r.values[col] = write(r.child.birth if col == "birth_date" else r.child.admission)
        _plant(r, kind, col, "corrected")
    r = pick()
    by = _jalali(r.child.birth)[0]
    y = by if not jdatetime.date(by, 1, 1).isleap() else by - 1
    r.values["birth_date"] = f"{y}/12/30"
    rejected.add(r.child.national_id)
    _plant(r, "impossible_date", "birth_date", "rejected", f"{y} is not a leap year: Esfand has 29 days")
    r = pick()
    by, _bm, bd = _jalali(r.child.birth)
    r.values["birth_date"] = f"{by}/13/{bd:02d}"
    rejected.add(r.child.national_id)
    _plant(r, "impossible_date", "birth_date", "rejected", "month 13")
    r = pick(lambda r: _age(r.child, year) >= 1)
    r.values["admission_date"] = _date(r.child.birth - dt.timedelta(days=rng.randint(30, 300)))
    _plant(r, "birth_after_admission", "admission_date", "warning")
    for _ in range(2):
        r = pick()
        r.values["court_order"] = None
        rejected.add(r.child.national_id)
        _plant(r, "no_court_order", "court_order", "rejected")
    for word in ("مذکر", "مونث", "M", "F"):
        want = vocab.GENDER_MALE if word in ("مذکر", "M") else vocab.GENDER_FEMALE
        r = pick(lambda r, want=want: r.values["gender"] == want)
        r.values["gender"] = word
        _plant(r, "gender_variant", "gender", "corrected")

    # Extra rows: a child over the age limit, duplicates, blank rows, a total row.
    aged = [(c, why) for code in codes for c, why in leavers[code] if why == "age"]
    for child, _why in aged[:2]:
        row = _Row(_values(child), child)
        _plant(row, "over_age_limit", "birth_date", "rejected", f"{_age(child, year)} on 1 Farvardin {year}")
        forms[child.province].insert(rng.randint(0, len(forms[child.province])), row)
    for _ in range(2):
        r = pick()
        copy = _Row(dict(r.values), r.child)
        _plant(copy, "duplicate_in_province", "national_id", "rejected", "second row of the same child")
        rows = forms[r.child.province]
        rows.insert(rng.randint(rows.index(r) + 1, len(rows)), copy)
    r = pick()
    elsewhere = codes[(codes.index(r.child.province) + 1 + rng.randrange(len(codes) - 1)) % len(codes)]
    copy = _Row(dict(r.values), r.child)
    _plant(copy, "duplicate_across_provinces", "national_id", "rejected",
           f"also listed by {r.child.province}, where the child lives")
    forms[elsewhere].insert(rng.randint(0, len(forms[elsewhere])), copy)
    for code in rng.sample(codes, 2):
        blank = _Row({})
        _plant(blank, "blank_row", None, "ignored")
        forms[code].insert(rng.randint(1, len(forms[code]) - 1), blank)
    total_code = rng.choice(codes)
    kids = sum(1 for r in forms[total_code] if r.child is not None)
    total = _Row({"row": "جمع", "first_name": f"{kids} نفر"})
    _plant(total, "total_row", "row", "ignored")
    forms[total_code].append(total)

    for rows in forms.values():
        n = 0
        for r in rows:
            if r.child is not None:
                n += 1
                r.values["row"] = n
    file_plants = _variant_plants(year, variants, moved, reordered, english, renamed, mismatch,
                                  title_code, arabic_headers)
    return forms, variants, file_plants, rejected


def _variant_plants(year: int, variants: dict[str, FormVariant], moved: str, reordered: str,
                    english: str, renamed: str, mismatch: str, title_code: str,
                    arabic_headers: str) -> list[dict[str, object]]:
    """One entry per departure from the sent form, pointing at the cell that shows it."""
    out = []

    def entry(code: str, kind: str, cell: str, row: int, value: object, expected: str,
              column: str | None = None, note: str = "") -> None:
        variant = variants[code]
        out.append(_entry(year, kind, _form_path(year, code), variant.children_sheet, row, cell,
                          column, value, expected, code, None, note))

    h = layout.CHILDREN_HEADER_ROW
    # A moved header and reordered columns change no value: the intake reads them by header and warns.
    entry(moved, "header_row_moved", "B" + str(h + 2), h + 2, "کد ملی", "warning", "کد ملی",
          f"header on row {h + 2}, not {h}")
    entry(reordered, "columns_reordered", "B" + str(h), h, "نام خانوادگی", "warning",
          "نام خانوادگی", "last name before first name, ID in column D")
    entry(reordered, "extra_column", "L" + str(h), h, "توضیحات", "ignored", "توضیحات")
    entry(english, "english_headers", "B" + str(h), h, "National ID", "corrected", "National ID")
    entry(renamed, "children_sheet_renamed", "A1", 1, f"{layout.PROVINCE_LABEL}: {name_fa(renamed)}",
          "corrected", None, f"children sheet named {variants[renamed].children_sheet!r}")
    entry(mismatch, "title_province_mismatch", "A1", 1, variants[mismatch].title, "warning", None,
          "the file name is right; the title names another province")
    entry(title_code, "province_title_variant", "A1", 1, variants[title_code].title, "corrected")
    entry(arabic_headers, "arabic_letters_header", "B" + str(h), h, "كد ملي", "corrected", "كد ملي")
    return out


def _form_path(year: int, code: str) -> str:
    return f"{year}/provinces/{form_filename(code)}"


def _entry(year, kind, file, sheet, row, cell, column, value, expected, code, nid, note) -> dict:
    if isinstance(value, dt.datetime):
        value = value.isoformat()
    return {"year": year, "kind": kind, "file": file, "sheet": sheet, "row": row, "cell": cell,
            "column": column, "value": value, "expected": expected, "province_code": code,
            "national_id": nid, "note": note}


def _frame(rows: list[_Row], variant: FormVariant) -> pd.DataFrame:
    columns = variant.column_order()
    return pd.DataFrame([[r.values.get(c) for c in columns] for r in rows], columns=list(columns),
                        dtype=object)


def _resolve(rows: list[_Row], variant: FormVariant, year: int, file: str, code: str) -> list[dict]:
    """Turn each row's plants into entries naming the Excel cell."""

    order = variant.column_order()
    out = []
    for i, r in enumerate(rows):
        excel_row = variant.header_row + 1 + i
        for p in r.plants:
            col = p["field"] or "row"
            cell = f"{get_column_letter(order.index(col) + 1)}{excel_row}"
            value = r.values.get(col)
            header = variant.header(col) if p["field"] else None
            out.append(_entry(year, p["kind"], file, variant.children_sheet, excel_row, cell, header,
                              value, p["expected"], code, r.child.national_id if r.child else None,
                              p["note"]))
    return out


def _misreports(rng: random.Random, record: dict[str, int] | None) -> dict[str, str]:
    """Provinces whose form will misreport last year's notified credit: code → kind."""
    if record is None:
        return {}
    codes = rng.sample(sorted(record), len(NOTIFIED_PLANTS))
    return dict(zip(codes, NOTIFIED_PLANTS, strict=True))


def _misreport_entry(year: int, kind: str, file: str, value: object, code: str, notified: int) -> dict:
    """The entry of a performance sheet that misreports the credit HQ notified in ``year - 1``."""
    return _entry(
        year, kind, file, layout.SHEET_PERFORMANCE,
        layout.PERFORMANCE_HEADER_ROW + 1, f"A{layout.PERFORMANCE_HEADER_ROW + 1}",
        next(iter(layout.PERFORMANCE_COLUMNS)), value,
        NOTIFIED_PLANTS[kind], code, None,
        f"HQ notified {notified} Rials in {year - 1}")


def _write_planted(out_dir: Path, planted: list[dict[str, object]]) -> Path:
    """Write ``<out>/planted.json``, the entries sorted by year, file and cell (``planted`` is sorted in place)."""
    planted.sort(key=lambda e: (e["year"], e["file"], e["row"] or 0, e["cell"] or "", e["kind"]))
    plan = out_dir / "planted.json"
    plan.write_text(json.dumps(planted, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return plan
