"""The sample's children, simulated over the years.

The same children persist from one year to the next, older by a year: those who
reach :data:`AGE_LIMIT` age out, a few leave care (:data:`LEAVE_CARE_SHARE`), and
new admissions fill each province up to its quota (:func:`province_quotas`).
Dates are Gregorian inside and written as Jalali text (:func:`_date`).

The underscored names are the ``sample`` package's own (:mod:`.dirt`,
:mod:`.insurer_export` and :mod:`.write` use them); they are not a public interface.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import cache

import jdatetime

from atiyeh_reports.core import vocab
from atiyeh_reports.core.national_id import check_digit
from atiyeh_reports.core.provinces import counties, provinces
from atiyeh_reports.core.text import to_persian_digits

#: Per-capita premium (Rials) of each year the sample covers or looks back on.
PREMIUMS: dict[int, int] = {1401: 2_500_000, 1402: 2_800_000, 1403: 3_000_000, 1404: 3_600_000}
#: When HQ sent the list to the insurer (params/<Y>.yaml ``insurer.list_date``).
LIST_DATES: dict[int, str] = {1402: "1402/02/18", 1403: "1403/02/20", 1404: "1404/02/15"}
#: Children in the latest year (the service card's recipients) and the yearly growth before it.
CHILDREN_1404 = 9920
GROWTH_PER_YEAR = 310
MIN_PER_PROVINCE = 20
AGE_LIMIT = 18
LEAVE_CARE_SHARE = 0.03

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
