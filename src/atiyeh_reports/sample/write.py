"""A deterministic, realistic sample data set, with its dirt written down.

:func:`write_sample` simulates the programme's children over the years (the
same children persist, older by a year; 17-year-olds age out, some leave care,
new admissions come in), writes each year's 31 returned forms with
:func:`atiyeh_reports.forms.template.write_form` and the insurer's export, and plants
the problems real files show. Every planted problem is listed in
``<out>/planted.json`` so that the intake and reconciliation tests can check
each one is found.

Layout (docs/data-contracts.md)::

    <out>/<Y>/provinces/<code>_<name>.xlsx
    <out>/<Y>/insurer/policies.xlsx      (policies.csv, UTF-8 with BOM, for 1403)
    <out>/planted.json

Each planted entry has ``year``, ``kind``, ``file`` (relative to ``<out>``,
POSIX), ``sheet``, ``row`` (Excel row, 1-based; for the CSV, the line), ``cell``
(e.g. ``'B17'``), ``column`` (the header as written), ``value`` (as written;
Excel dates as ISO text), ``expected`` (the action the intake should take:
``corrected``, ``rejected``, ``warning`` or ``ignored``, or for the insurer
export the reconciliation category of :mod:`atiyeh_reports.insurer.reconciliation`:
``no_policy``, ``not_on_list``, ``duplicate``, ``premium_mismatch``,
``province_mismatch``, ``inactive``, ``matched``), ``province_code``,
``national_id`` (the child's true ID, when there is one) and ``note``.
Entries for things that are absent (a child without a policy) have no cell.

Children rejected by a planted problem (bad check digit, impossible birth
date, no court order, over the age limit) get no policy in the insurer's
export, since HQ's list to the insurer leaves them out.

The same ``seed`` gives byte-identical files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import jdatetime
import pandas as pd

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.core.provinces import name_fa, provinces
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.errors import AtiyehError
from atiyeh_reports.forms.template import (
    FormVariant,
    counties,
    fixed_timestamp,
    form_filename,
    write_form,
    write_table,
)

#: Per-capita premium (Rials) of each year the sample covers or looks back on.
PREMIUMS: dict[int, int] = {1401: 2_500_000, 1402: 2_800_000, 1403: 3_000_000, 1404: 3_600_000}
#: When HQ sent the list to the insurer (params/<Y>.yaml ``insurer.list_date``).
LIST_DATES: dict[int, str] = {1402: "1402/02/18", 1403: "1403/02/20", 1404: "1404/02/15"}
#: Children in the latest year (the service card's recipients) and the yearly growth before it.
CHILDREN_1404 = 9920
GROWTH_PER_YEAR = 310
MIN_PER_PROVINCE = 20
AGE_LIMIT = 18
#: The year whose insurer export is a CSV file.
CSV_YEAR = 1403
LEAVE_CARE_SHARE = 0.03

_ARABIC = str.maketrans({"ی": "ي", "ک": "ك"})
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")

_BOYS = (
    "علی محمد حسین رضا مهدی امیر امیرحسین محمدرضا ابوالفضل علیرضا حسن سجاد یاسین آرین پارسا "
    "کیان امید مصطفی مرتضی جواد سعید احمد یوسف محمدمهدی امیرعلی بنیامین سینا عرفان میلاد هادی "
    "ایلیا آرمین سبحان طاها محمدحسین کوروش پویا نیما بهزاد کامران یاسر کیارش"
).split()
_GIRLS = (
    "فاطمه زهرا مریم زینب سارا نرگس هستی یاسمن نازنین ریحانه کوثر مهسا الهام نیلوفر سمیه "
    "معصومه رقیه حدیثه آیدا ستایش محدثه باران یگانه النا مبینا ترانه نگار کیمیا پریا سحر "
    "شیما مائده ملیکا آوا روژین هانیه کیانا نسترن طاهره رویا"
).split()
_FAMILY = (
    "محمدی حسینی احمدی رضایی موسوی کریمی جعفری رحیمی کاظمی هاشمی قاسمی صادقی عباسی نوری "
    "اکبری ملکی یوسفی حیدری مرادی نظری سلیمانی کرمی زارعی فتحی شریفی امیری بهرامی طاهری "
    "رستمی خسروی قربانی باقری نجفی یزدانی کیانی تهرانی شیرازی فرهادی سبحانی کامرانی غلامی "
    "عسگری ابراهیمی اسماعیلی میرزایی دهقانی پورمحمدی علی‌پور حسن‌زاده قلی‌زاده نادری وکیلی "
    "کاویانی پاکزاد توکلی زمانی مختاری سعیدی نیک‌نام بابایی کوهی"
).split()

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


@dataclass
class _Child:
    national_id: str
    first_name: str
    last_name: str
    gender: str
    birth: dt.date
    guardianship: str
    care_type: str
    court_order: str
    admission: dt.date
    county: str
    province: str


@dataclass(eq=False)
class _Row:
    """A row as written in a form, with the problems planted in it."""

    values: dict[str, object]
    child: _Child | None = None
    plants: list[dict[str, object]] = field(default_factory=list)


@dataclass(frozen=True)
class SampleInfo:
    """What :func:`write_sample` wrote.

    Attributes
    ----------
    out_dir
        The folder written.
    files
        Every file written, sorted.
    planted
        The planted problems, as in ``planted.json``.
    children
        Year → province code → children truly listed (before planted dirt).
    """

    out_dir: Path
    files: tuple[Path, ...]
    planted: tuple[dict[str, object], ...]
    children: dict[int, dict[str, int]]


#: The repository's parameter files, from which the earlier years' allocations are generated.
PARAMS_DIR = Path(__file__).resolve().parents[3] / "params"
#: Self-reported notified credit planted to differ from HQ's record: kind → expected outcome.
NOTIFIED_PLANTS = {
    "notified_as_requirement": "finding",   # the province reports what it needed, not what it was notified
    "notified_typo": "finding",             # one digit typed wrong (100 million Rials off)
    "notified_within_tolerance": "within_tolerance",  # 400,000 Rials off: below checks.money_tolerance
}


def write_sample(out_dir: Path, years: Sequence[int] = (1402, 1403, 1404), seed: int = 1404,
                 params_dir: Path | None = PARAMS_DIR) -> SampleInfo:
    """Write the sample data set for ``years`` under ``out_dir``.

    Parameters
    ----------
    out_dir
        Created if missing; existing files of the same names are overwritten.
    years
        Report years; each must have a premium for itself and the year before
        (:data:`PREMIUMS`).
    seed
        The same seed gives byte-identical files.
    params_dir
        Where ``<year>.yaml`` are: each year with a file there gets HQ's record of
        its allocation, computed from that file with :func:`~atiyeh_reports.allocation.allocate.allocate`, at
        ``<out>/<year>/hq/allocation.csv``; the next year's forms report that
        amount as notified, except a few planted discrepancies
        (:data:`NOTIFIED_PLANTS`). ``None``: no records, forms report
        children × premium as before.

    Returns
    -------
    SampleInfo
    """
    years = sorted(set(years))
    missing = [y for y in years if y not in PREMIUMS or y - 1 not in PREMIUMS]
    if not years or missing:
        raise AtiyehError(
            f"sample years {missing or years}: premiums are known for {sorted(PREMIUMS)} only; "
            "choose years from 1402 to 1404"
        )
    out_dir = Path(out_dir)
    rng = random.Random(f"atiyeh-sample-{seed}")
    listed, leavers = _simulate(rng, range(years[0] - 1, years[-1] + 1))
    files: list[Path] = []
    planted: list[dict[str, object]] = []
    records: dict[int, dict[str, int]] = {}
    active: dict[int, dict[str, int]] = {}  # year → province code → active policies in the export
    for year in years:
        year_rng = random.Random(f"atiyeh-sample-{seed}-{year}")
        forms, variants, year_plants, rejected = _plant_forms(year_rng, year, listed[year], leavers[year])
        folder = layout.provinces_dir(out_dir, year)
        folder.mkdir(parents=True, exist_ok=True)
        record = records.get(year - 1)
        misreport = _misreports(random.Random(f"atiyeh-sample-{seed}-{year}-notified"), record)
        performance: dict[str, dict[str, int]] = {}
        for code, rows in forms.items():
            path = folder / form_filename(code)
            variant = variants.get(code, FormVariant())
            frame = _frame(rows, variant)
            perf = _performance(year_rng, year, listed[year - 1][code], leavers[year][code],
                                None if record is None else record[code], misreport.get(code),
                                active.get(year - 1, {}).get(code))
            performance[code] = perf
            write_form(path, code, year, frame, perf, variant=variant)
            files.append(path)
            planted += _resolve(rows, variant, year, path.relative_to(out_dir).as_posix(), code)
            if code in misreport:
                planted.append(_entry(
                    year, misreport[code], path.relative_to(out_dir).as_posix(), layout.SHEET_PERFORMANCE,
                    layout.PERFORMANCE_HEADER_ROW + 1, f"A{layout.PERFORMANCE_HEADER_ROW + 1}",
                    next(iter(layout.PERFORMANCE_COLUMNS)), perf["credit_notified"],
                    NOTIFIED_PLANTS[misreport[code]], code, None,
                    f"HQ notified {record[code]} Rials in {year - 1}"))
        planted += year_plants
        written = _write_hq_record(out_dir, params_dir, year, listed[year], rejected, performance)
        if written is not None:
            records[year], path = written
            files.append(path)
        path, insurer_plants, active[year] = _write_insurer(year_rng, out_dir, year, listed[year],
                                                            leavers[year], rejected)
        files.append(path)
        planted += insurer_plants
    planted.sort(key=lambda e: (e["year"], e["file"], e["row"] or 0, e["cell"] or "", e["kind"]))
    plan = out_dir / "planted.json"
    plan.write_text(json.dumps(planted, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    files.append(plan)
    counts = {y: {c: len(kids) for c, kids in listed[y].items()} for y in years}
    return SampleInfo(out_dir, tuple(sorted(files)), tuple(planted), counts)


# --- the population ---------------------------------------------------------------------------
def target_children(year: int) -> int:
    """Children listed nationwide in ``year``: 9,920 in 1404, 310 fewer each year before."""
    return CHILDREN_1404 - GROWTH_PER_YEAR * (1404 - year)


def province_quotas(year: int) -> dict[str, int]:
    """Children per province in ``year``: by population, largest remainders, at least 20."""
    total_pop = sum(p.population for p in provinces())
    target = target_children(year)
    exact = {p.code: target * p.population / total_pop for p in provinces()}
    quotas = {c: max(MIN_PER_PROVINCE, int(v)) for c, v in exact.items()}
    short = target - sum(quotas.values())
    for code in sorted(exact, key=lambda c: (int(exact[c]) - exact[c], c))[: max(short, 0)]:
        quotas[code] += 1
    return quotas


# Dates are Gregorian inside (fast arithmetic) and Jalali only when written; the
# conversions are cached because jdatetime objects are slow to make.
@cache
def _jalali(d: dt.date) -> tuple[int, int, int]:
    j = jdatetime.date.fromgregorian(date=d)
    return j.year, j.month, j.day


@cache
def _gregorian(year: int, month: int, day: int) -> dt.date:
    return jdatetime.date(year, month, day).togregorian()


def _age(child: _Child, year: int) -> int:
    """Completed years on 1 Farvardin of ``year``."""
    by, bm, bd = _jalali(child.birth)
    return year - by - (0 if (bm, bd) == (1, 1) else 1)


def _list_date(year: int) -> dt.date:
    y, m, d = (int(x) for x in LIST_DATES.get(year, f"{year}/02/15").split("/"))
    return _gregorian(y, m, d)


def _simulate(rng: random.Random, years: range) -> tuple[dict, dict]:
    """Children listed per year and province, and who left since the year before (and why)."""
    used: set[str] = set()
    listed: dict[int, dict[str, list[_Child]]] = {}
    leavers: dict[int, dict[str, list[tuple[_Child, str]]]] = {}
    for year in years:
        quotas = province_quotas(year)
        listed[year], leavers[year] = {}, {}
        for code in quotas:
            if year == years[0]:
                stay: list[_Child] = []
                gone: list[tuple[_Child, str]] = []
                ages = [rng.randint(0, AGE_LIMIT - 1) for _ in range(quotas[code])]
                start = _gregorian(year - 18, 1, 1)
            else:
                previous = listed[year - 1][code]
                gone = [(c, "age") for c in previous if _age(c, year) >= AGE_LIMIT]
                stay = [c for c in previous if _age(c, year) < AGE_LIMIT]
                leaving = {id(c) for c in stay if rng.random() < LEAVE_CARE_SHARE}
                gone += [(c, "care") for c in stay if id(c) in leaving]
                stay = [c for c in stay if id(c) not in leaving]
                while len(stay) > quotas[code]:
                    gone.append((stay.pop(rng.randrange(len(stay))), "care"))
                ages = [min(rng.randint(0, 12), rng.randint(0, 16)) for _ in range(quotas[code] - len(stay))]
                start = _list_date(year - 1) + dt.timedelta(days=1)
            new = [_new_child(rng, code, year, age, start, used) for age in ages]
            listed[year][code] = stay + sorted(new, key=lambda c: (c.admission, c.national_id))
            leavers[year][code] = gone
    return listed, leavers


def _new_child(rng: random.Random, code: str, year: int, age: int, admitted_from: dt.date,
               used: set[str]) -> _Child:
    birth_year = year - age - 1
    first_day = _gregorian(birth_year, 1, 2)
    last_day = _gregorian(birth_year + 1, 1, 1) - dt.timedelta(days=1)
    birth = first_day + dt.timedelta(days=rng.randint(0, (last_day - first_day).days))
    earliest = max(birth + dt.timedelta(days=7), admitted_from)
    latest = _list_date(year) - dt.timedelta(days=1)
    admission = earliest + dt.timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
    gender = rng.choice(vocab.GENDERS)
    names = _BOYS if gender == vocab.GENDER_MALE else _GIRLS
    places = counties(code)
    return _Child(
        national_id=_new_id(rng, used),
        first_name=rng.choice(names),
        last_name=rng.choice(_FAMILY),
        gender=gender,
        birth=birth,
        guardianship=vocab.ORPHANED if rng.random() < 0.4 else vocab.ILL_SUPERVISED,
        care_type=rng.choices(vocab.CARE_TYPES, weights=(3, 2, 5))[0],
        court_order=_court_order(rng, _jalali(admission)[0]),
        admission=admission,
        county=rng.choices(places, weights=[4] + [1] * (len(places) - 1))[0],
        province=code,
    )


def _new_id(rng: random.Random, used: set[str]) -> str:
    while True:
        nine = f"{rng.randint(1, 999):03d}{rng.randint(0, 999_999):06d}"
        nid = nine + str(check_digit(nine))
        if nid not in used and len(set(nid)) > 1:
            used.add(nid)
            return nid


def _court_order(rng: random.Random, year: int) -> str:
    if rng.random() < 0.75:
        return f"{year % 100:02d}09977{rng.randint(0, 999_999_999):09d}"
    return f"ق/{to_persian_digits(rng.randint(10, 999))}/{to_persian_digits(year)}"


@cache
def _date(d: dt.date) -> str:
    """The Jalali date as the form asks for it: 1403/01/05."""
    y, m, day = _jalali(d)
    return f"{y:04d}/{m:02d}/{day:02d}"


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
    from openpyxl.utils import get_column_letter

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


def _performance(rng: random.Random, year: int, previous: list[_Child],
                 left: list[tuple[_Child, str]], notified: int | None = None,
                 misreport: str | None = None, policies: int | None = None) -> dict[str, int]:
    """The province's performance in ``year - 1``: HQ's notified credit, spent 75–100% of it.

    Without HQ's record (``notified`` None) the province reports children × premium;
    ``policies`` (the active policies of ``year - 1``'s export under the province)
    is reported as issued when known, else a few fewer than the children.
    """
    covered = len(previous)
    needed = covered * PREMIUMS[year - 1]
    notified = needed if notified is None else notified
    spent = notified * rng.randint(750, 1000) // 1000 // 1000 * 1000
    reported = {
        None: notified,
        "notified_as_requirement": needed,
        "notified_typo": notified + 100_000_000,
        "notified_within_tolerance": notified + 400_000,
    }[misreport]
    return {
        "credit_notified": reported,
        "credit_spent": spent,
        "children_covered": covered,
        "policies_issued": policies if policies is not None else covered - rng.randint(0, min(4, covered)),
        "children_left": len(left),
    }


# --- HQ's record of the allocation --------------------------------------------------------------
def _write_hq_record(out_dir: Path, params_dir: Path | None, year: int, listed: dict[str, list[_Child]],
                     rejected: set[str], performance: dict[str, dict[str, int]]
                     ) -> tuple[dict[str, int], Path] | None:
    """Allocate ``year``'s credit from ``params/<year>.yaml`` and write HQ's record of it.

    The eligible children are those listed and not rejected by a planted
    problem; the allocation is :func:`~atiyeh_reports.allocation.allocate.allocate` itself, so the record is
    what that year's build would have notified. None when there is no such file.
    """
    from atiyeh_reports.allocation import record as hq_record
    from atiyeh_reports.allocation.allocate import allocate
    from atiyeh_reports.core.params import load_params

    path = None if params_dir is None else Path(params_dir) / f"{year}.yaml"
    if path is None or not path.is_file():
        return None
    params = load_params(path)
    codes = sorted(listed)
    eligible = {c: sum(1 for k in listed[c] if k.national_id not in rejected) for c in codes}
    premium = params.service.per_capita_premium
    requirement = {c: eligible[c] * premium for c in codes}
    allocated = allocate(params, requirement, performance).allocated
    table = pd.DataFrame({
        "province_code": codes, "province_name": [name_fa(c) for c in codes],
        "eligible_children": [eligible[c] for c in codes],
        "requirement": [requirement[c] for c in codes], "allocated": [allocated[c] for c in codes],
    })
    target = hq_record.hq_dir(out_dir, year) / hq_record.RECORD_FILE
    hq_record.write_allocation_record(hq_record.allocation_record(params, table), target)
    return allocated, target


# --- the insurer's export ----------------------------------------------------------------------
def _write_insurer(rng: random.Random, out_dir: Path, year: int, listed: dict[str, list[_Child]],
                   leavers: dict[str, list[tuple[_Child, str]]], rejected: set[str]):
    """Policies for the children on HQ's list, with the reconciliation cases planted."""
    children = [c for code in sorted(listed) for c in listed[code] if c.national_id not in rejected]
    premium = PREMIUMS[year]
    start = _list_date(year)
    pols: list[dict[str, object]] = []
    notes: list[tuple[int, str, str, str, str]] = []  # (policy index, kind, field, expected, note)
    absent: list[_Child] = []

    def policy(child_id: str, code: str, delay: int, **over: object) -> int:
        pols.append({"national_id": child_id, "province": name_fa(code),
                     "issue": start + dt.timedelta(days=delay), "premium": premium,
                     "status": vocab.POLICY_ACTIVE, **over})
        return len(pols) - 1

    order = list(range(len(children)))
    rng.shuffle(order)
    special = {children[i].national_id: k for k, i in enumerate(order[:17])}
    for child in children:
        k = special.get(child.national_id)
        if k is not None and k < 5:
            absent.append(child)
            continue
        delay = rng.randint(3, 40)
        if k is not None and 5 <= k < 9:
            delay = rng.randint(46, 120)
        idx = policy(child.national_id, child.province, delay)
        if k is None:
            continue
        if 5 <= k < 9:
            notes.append((idx, "late_issue", "issue_date", "matched", f"{delay} days after the list"))
        elif k == 9:
            policy(child.national_id, child.province, delay + rng.randint(5, 30))
            notes.append((len(pols) - 1, "two_active_policies", "national_id", "duplicate",
                          "the later of two active policies"))
        elif k in (10, 11):
            pols[idx]["premium"] = PREMIUMS[year - 1]
            notes.append((idx, "wrong_premium", "premium", "premium_mismatch", "last year's premium"))
        elif k in (12, 13):
            codes = sorted(listed)
            wrong = codes[(codes.index(child.province) + 3) % len(codes)]
            pols[idx]["province"] = name_fa(wrong)
            notes.append((idx, "province_differs", "province", "province_mismatch", f"child in {child.province}"))
        elif k == 14:
            pols[idx]["status"] = vocab.POLICY_CANCELLED
            pols[idx]["issue"] = start + dt.timedelta(days=2)
            notes.append((idx, "cancelled_policy", "status", "inactive", "re-issued as a new active policy"))
            policy(child.national_id, child.province, delay + 10)
        elif k in (15, 16):
            pols[idx]["national_id"] = to_persian_digits(child.national_id)
            notes.append((idx, "persian_digits_id", "national_id", "matched"))
    aged = [c for code in sorted(leavers) for c, why in leavers[code] if why == "age"]
    left = [c for code in sorted(leavers) for c, why in leavers[code] if why == "care"]
    extra: list[tuple[int, str, str, str, str]] = []
    # The first two aged-out children are listed in the forms (over_age_limit); use others here.
    if len(aged) > 4:
        extra.append((policy(aged[3].national_id, aged[3].province, 20), "policy_not_on_list",
                      "national_id", "not_on_list", "child reached the age limit (over_age)"))
        idx = policy(aged[4].national_id, aged[4].province, 25, status=vocab.POLICY_MATURED)
        extra.append((idx, "matured_policy", "status", "inactive", "child reached the age limit"))
    if left:
        extra.append((policy(left[0].national_id, left[0].province, 15), "policy_not_on_list",
                      "national_id", "not_on_list", "child left care (left_care)"))
    used = {c.national_id for code in listed for c in listed[code]}
    used |= {c.national_id for code in leavers for c, _ in leavers[code]}
    for _ in range(2):
        nid = _new_id(rng, used)
        extra.append((policy(nid, rng.choice(sorted(listed)), rng.randint(3, 40)), "policy_unknown_id",
                      "national_id", "not_on_list", "ID of no child (unknown)"))
    notes += extra

    # Rows sorted by issue date as an insurer's system would list them; numbers follow.
    ranked = sorted(range(len(pols)), key=lambda i: (pols[i]["issue"], str(pols[i]["national_id"]), i))
    row_of = {i: n + 2 for n, i in enumerate(ranked)}
    rows = []
    for n, i in enumerate(ranked):
        p = pols[i]
        p["policy_no"] = f"{year}-{n + 1:06d}"
        rows.append([p["policy_no"], p["national_id"], p["province"], _date(p["issue"]), p["premium"], p["status"]])
    folder = layout.insurer_dir(out_dir, year)
    folder.mkdir(parents=True, exist_ok=True)
    headers = list(layout.INSURER_COLUMNS)
    fields = list(layout.INSURER_COLUMNS.values())
    if year == CSV_YEAR:
        path = folder / "policies.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        sheet = None
    else:
        path = folder / "policies.xlsx"
        sheet = "بیمه‌نامه‌ها"
        write_table(path, headers, rows, sheet=sheet, stamp=fixed_timestamp(year))
    file = path.relative_to(out_dir).as_posix()
    from openpyxl.utils import get_column_letter

    key = {"national_id": "national_id", "issue_date": "issue_date", "premium": "premium",
           "province": "province", "status": "status"}
    entries = []
    for idx, kind, fld, expected, *note in notes:
        col = fields.index(key[fld])
        row = row_of[idx]
        value = rows[row - 2][col]
        child_id = str(pols[idx]["national_id"])
        entries.append(_entry(year, kind, file, sheet, row, f"{get_column_letter(col + 1)}{row}",
                              headers[col], value, expected, _province_of(listed, leavers, child_id),
                              _ascii(child_id), note[0] if note else ""))
    for child in absent:
        entries.append(_entry(year, "no_policy", file, sheet, None, None, None, child.national_id,
                              "no_policy", child.province, child.national_id,
                              "eligible child with no policy in the export"))
    codes = {name_fa(c): c for c in listed}
    counts: dict[str, int] = dict.fromkeys(sorted(listed), 0)
    for p in pols:
        if p["status"] == vocab.POLICY_ACTIVE and p["province"] in codes:
            counts[codes[p["province"]]] += 1
    return path, entries, counts


def _ascii(text: str) -> str:
    from atiyeh_reports.core.text import to_ascii_digits

    return to_ascii_digits(text)


def _province_of(listed, leavers, national_id: str) -> str | None:
    nid = _ascii(national_id)
    for code in listed:
        if any(c.national_id == nid for c in listed[code]):
            return code
    for code in leavers:
        if any(c.national_id == nid for c, _ in leavers[code]):
            return code
    return None
