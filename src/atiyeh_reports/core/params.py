"""The one way in for a year's parameters.

``params/<year>.yaml`` holds everything a year's run depends on. :func:`load_params`
parses and validates it into a frozen, typed :class:`Params`; an unknown key, a
missing key or a wrong type stops the run with a message naming the file and
the key. Paths in the file are relative to the file itself.

Everything a notebook will use is checked here, before any work starts, so a
mistake stops the run at once with exit 2 and the key named, not minutes later
inside a notebook: a key given twice (YAML would silently keep the second), a
Jalali date that does not exist (month 13, day 32, 30 Esfand of a common
year), an unknown province code, an amount so large that a computation with it
would overflow 64-bit integers, a file that is missing, empty, a folder, or
not UTF-8 text.

Shares are decimals (``0.9``), read exactly: YAML floats are re-read from
their text so that ``approved × released_share`` is computed in exact
arithmetic and rounded down to whole Rials.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from atiyeh_reports.core.jalali import fiscal_year_start, parse_jalali
from atiyeh_reports.core.layout import shown_path
from atiyeh_reports.core.param_file import (  # noqa: F401 - the limits, importable here too
    MAX_DEPTH,
    MAX_LIST_ITEMS,
    MAX_NAME_CHARS,
    MAX_PARAMS_BYTES,
    _a_path,
    _one_line,
    _read_yaml,
    path_problem,
    text_problem,
)
from atiyeh_reports.core.provenance import relative_to_params
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.core.vocab import GUARDIANSHIPS
from atiyeh_reports.errors import ParamsError

#: The Jalali years the package runs for (parameter files and ``atiyeh forms`` alike).
FIRST_YEAR, LAST_YEAR = 1390, 1500
#: The largest amount of Rials a parameter may hold (10^15, about 30,000 times the
#: programme's yearly credit). Bounds like these keep every computation the package
#: does with the parameters (children × premium over the projection, approved ×
#: share, sums over provinces) inside 64-bit integers, whose limit is about 9.2 × 10^18.
MAX_RIALS = 10**15
#: The largest premium per child a parameter, or its projection, may reach.
MAX_PREMIUM = 10**11
#: Children a year are counted in int64 too; with MAX_PREMIUM, 10^7 children stay below 2^63.
MAX_CHILDREN = 10**7
INT64_MAX = 2**63 - 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Decimal

def _exact_share(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def _province_codes(value: dict[str, int]) -> dict[str, int]:

    unknown = sorted(set(value) - set(by_code()))
    if unknown:
        raise ValueError(
            f"unknown province code(s) {unknown}; use ISO 3166-2:IR codes IR-00 … IR-30, such as IR-23"
        )
    too_big = {c: v for c, v in value.items() if not 0 <= v <= MAX_RIALS}
    if too_big:
        raise ValueError(f"amounts must be between 0 and {MAX_RIALS:,} Rials, got {too_big}")
    return value


class Service(_Strict):
    id: str = Field(pattern=r"^[0-9]{11}$", max_length=11)
    name_fa: str
    per_capita_premium: int = Field(gt=0, le=MAX_PREMIUM, description="Rials per child per year")
    expected_recipients: int = Field(gt=0, le=MAX_CHILDREN)

    _name = field_validator("name_fa")(_one_line(MAX_NAME_CHARS, "a programme name"))


class PerformanceWeights(_Strict):
    """How ``performance_weighted`` turns last year's performance into a weight."""

    absorption: Share = Field(ge=0, le=1, description="blend weight of spent / notified")
    coverage: Share = Field(ge=0, le=1, description="blend weight of policies / children")
    floor: Share = Field(gt=0, description="lowest weight a province can get")
    cap: Share = Field(gt=0, description="highest weight a province can get")

    _shares = field_validator("absorption", "coverage", "floor", "cap", mode="before")(_exact_share)

    @model_validator(mode="after")
    def _check(self) -> PerformanceWeights:
        if self.absorption + self.coverage != 1:
            raise ValueError("absorption + coverage must add up to 1")
        if self.floor > self.cap:
            raise ValueError("floor must not be above cap")
        return self


class Budget(_Strict):
    approved_credit: int = Field(ge=0, le=MAX_RIALS, description="اعتبار مصوب, Rials")
    released_share: Share = Field(ge=0, le=1, description="تخصیص: share of approved released")
    reserve_share: Share = Field(ge=0, le=1, description="share of released kept at HQ")
    rounding_unit: int = Field(gt=0, le=MAX_RIALS, description="allocations are multiples of this many Rials")
    method: Literal["per_capita", "performance_weighted"] = "per_capita"
    performance_weights: PerformanceWeights
    floor_last_year: bool = Field(
        False, description="never notify a province less than last year's notified credit"
    )
    province_floors: dict[str, int] = Field(default_factory=dict)
    province_caps: dict[str, int] = Field(default_factory=dict)
    sensitivity_shares: tuple[Share, ...] = Field((
        Decimal("0.6"), Decimal("0.7"), Decimal("0.8"), Decimal("0.9"), Decimal("1"),
    ), max_length=MAX_LIST_ITEMS)
    projection_years: int = Field(3, ge=0, le=10)
    premium_growth: Share = Field(ge=0, le=5, description="yearly growth of the premium")

    _shares = field_validator("released_share", "reserve_share", "premium_growth", mode="before")(
        _exact_share
    )
    _codes = field_validator("province_floors", "province_caps")(_province_codes)

    @model_validator(mode="after")
    def _floors_fit(self) -> Budget:
        unit = self.rounding_unit
        if sum(-(-f // unit) for f in self.province_floors.values()) > self.distributable // unit:
            raise ValueError(
                f"key 'budget.province_floors': the floors add up to {sum(self.province_floors.values()):,} Rials (in whole units of "
                f"{unit:,}), more than the distributable {self.distributable:,} Rials; lower the floors or "
                "raise the released credit"
            )
        return self

    @field_validator("sensitivity_shares", mode="before")
    @classmethod
    def _exact_list(cls, value: Any) -> Any:
        return [_exact_share(v) for v in value] if isinstance(value, list) else value

    @property
    def released_credit(self) -> int:
        """Approved × released share, rounded down to whole Rials."""
        return int((self.approved_credit * self.released_share).to_integral_value(ROUND_FLOOR))

    @property
    def reserve(self) -> int:
        """Released × reserve share, rounded up so the distributable amount never exceeds it."""
        exact = self.released_credit * self.reserve_share
        return int(-((-exact).to_integral_value(ROUND_FLOOR)))

    @property
    def distributable(self) -> int:
        return self.released_credit - self.reserve


class Eligibility(_Strict):
    age_limit: int = Field(gt=0, le=25, description="eligible while younger than this on 1 Farvardin")
    guardianship: tuple[str, ...] = GUARDIANSHIPS
    require_court_order: bool = True

    @field_validator("guardianship")
    @classmethod
    def _known(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in value if v not in GUARDIANSHIPS]
        if unknown:
            raise ValueError(f"unknown guardianship value(s) {unknown}; use {list(GUARDIANSHIPS)}")
        return value


class Thresholds(_Strict):
    coverage_target: Share = Field(ge=0, le=1)
    absorption_target: Share = Field(ge=0, le=1)
    max_issue_delay_days: int = Field(ge=0)
    data_quality_target: Share = Field(ge=0, le=1, description="highest acceptable rejected share")

    _shares = field_validator(
        "coverage_target", "absorption_target", "data_quality_target", mode="before"
    )(_exact_share)


class Privacy(_Strict):
    small_cell_threshold: int = Field(5, ge=1)


class Insurer(_Strict):
    list_date: str = Field(max_length=40,
                           description="Jalali date HQ sent the list of children to the insurer (1404/02/15)")

    @field_validator("list_date", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # YAML reads 1404-02-15 as a (Gregorian) date object: keep the numbers as typed, Jalali.
        if isinstance(value, dt.date):
            return f"{value.year:04d}/{value.month:02d}/{value.day:02d}"
        return value

    @field_validator("list_date")
    @classmethod
    def _a_real_date(cls, value: str) -> str:

        parse_jalali(value)  # ValueError with the reason: month 13, day 32, not a leap year
        return value


class Checks(_Strict):
    """Cross-checks of figures two sources report, and how findings are weighed (issue 9).

    ``notified_record`` is HQ's own record of the credit it notified to each
    province in the year before (the ``allocation.csv`` a build writes beside
    ``allocation.xlsx``), relative to the parameter file. When it is not set or
    the file is not there, ``<data_dir>/<year-1>/hq/allocation.csv`` is tried,
    then the provinces' own forms are used (and the assumptions log says so).
    """

    notified_record: Path | None = Field(
        None, description="HQ's allocation record of the year before, relative to this file")
    money_tolerance: int = Field(
        1_000_000, ge=0, description="Rials; two sources differing by more are flagged")
    count_tolerance: int = Field(
        0, ge=0, description="children or policies; two sources differing by more are flagged")
    stakes_high_rials: int = Field(
        1_000_000_000, ge=0, description="a finding with at least this much at stake is high severity")
    stakes_medium_rials: int = Field(
        100_000_000, ge=0, description="a finding with at least this much at stake is medium severity")
    min_match_share: Share = Field(
        Decimal("0.5"), ge=0, le=1,
        description="the insurer's export must match at least this share of the list's children, "
                    "else the evaluation is not published (a wrong national-ID column?)")

    _path = field_validator("notified_record", mode="before")(_a_path)
    _share = field_validator("min_match_share", mode="before")(_exact_share)

    @model_validator(mode="after")
    def _ordered(self) -> Checks:
        if self.stakes_medium_rials > self.stakes_high_rials:
            raise ValueError("stakes_medium_rials must not be above stakes_high_rials")
        return self


class Limits(_Strict):
    """How big an input file may be before it is refused unread (a zip bomb, a stray cell at
    XFD1048576). Generous for real forms; a file over a limit is reported and the others read."""

    max_file_bytes: int = Field(200_000_000, gt=0, description="size of one input file on disk")
    max_uncompressed_bytes: int = Field(
        1_000_000_000, gt=0, description="what a workbook's zip members unpack to, all together"
    )
    max_rows: int = Field(500_000, gt=0, description="rows of one sheet (declared or real)")
    max_columns: int = Field(200, gt=0, le=16384, description="columns of one sheet (declared or real)")


class Params(_Strict):
    """Everything a year's run depends on. Build it with :func:`load_params`."""

    year: int = Field(ge=FIRST_YEAR, le=LAST_YEAR)
    language: Literal["fa"] = "fa"
    data_dir: Path = Field(description="raw inputs: <data_dir>/<year>/provinces, /insurer")
    history_years: tuple[Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)], ...] = Field(
        default=(), max_length=MAX_LIST_ITEMS, description="earlier years to compare")
    service: Service
    budget: Budget
    eligibility: Eligibility
    thresholds: Thresholds
    privacy: Privacy
    insurer: Insurer
    checks: Checks = Field(default_factory=Checks)


    limits: Limits = Field(default_factory=Limits, description="input sizes refused unread")
    source: Path | None = Field(None, description="the file these were read from")

    def __repr__(self) -> str:  # one line; the whole set is params.model_dump()
        b = self.budget
        text = (
            f"Params(year={self.year}, source={shown_path(self.source)}, data_dir={shown_path(self.data_dir)}, "
            f"history_years={list(self.history_years)}, premium={self.service.per_capita_premium:,}, "
            f"approved_credit={b.approved_credit:,}, released_share={b.released_share}, "
            f"method={b.method}, age_limit={self.eligibility.age_limit})"
        )
        return text if len(text) <= 2000 else text[:1999] + "…"

    __str__ = __repr__

    @model_validator(mode="after")
    def _fits(self) -> Params:

        listed = parse_jalali(self.insurer.list_date)
        if not fiscal_year_start(self.year - 1) <= listed < fiscal_year_start(self.year + 1):
            raise ValueError(
                f"key 'insurer.list_date': {self.insurer.list_date} is not in {self.year - 1} or {self.year}; "
                "a date left over from another year's file?"
            )
        # The projection grows the premium every year; it must stay computable.
        premium = Decimal(self.service.per_capita_premium)
        for _ in range(self.budget.projection_years):
            premium *= 1 + self.budget.premium_growth
        if premium > MAX_PREMIUM:
            raise ValueError(
                f"key 'budget.premium_growth': {self.budget.premium_growth} over {self.budget.projection_years} years "
                f"takes the premium to {int(premium):,} Rials, beyond {MAX_PREMIUM:,}: lower the growth "
                "or projection_years"
            )
        return self


#: A parameter file is a page of text; anything bigger is not one.
#: At most this many problems of one parameter file are told (the rest are counted).
MAX_PROBLEMS_SHOWN = 10


def load_params(
    path: str | Path, overrides: dict[str, Any] | None = None, *, expected_year: int | None = None
) -> Params:
    """Read, merge ``overrides`` into, and validate a parameter file.

    ``overrides`` uses dotted keys (``{"budget.released_share": 0.8}``);
    ``expected_year`` is the year a command was asked for (``--year``): a file
    of another year is refused. Raises :class:`ParamsError` naming the file and
    key on any problem.
    """
    path = Path(path)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of keys at the top level (key: value lines)")
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value, path)
    raw["source"] = str(path)
    if raw.get("data_dir") is not None and not isinstance(raw["data_dir"], str):
        raise ParamsError(f"{path}: key 'data_dir': expected a folder's path (text), got {type(raw['data_dir']).__name__}")
    if isinstance(raw.get("data_dir"), str) and (problem := path_problem(raw["data_dir"])):
        raise ParamsError(f"{path}: key 'data_dir': {problem}")
    if "data_dir" in raw and raw["data_dir"] is not None:
        raw["data_dir"] = str((path.parent / str(raw["data_dir"])).resolve())
    try:
        params = Params.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(_describe(err) for err in errors[:MAX_PROBLEMS_SHOWN])
        if len(errors) > MAX_PROBLEMS_SHOWN:
            problems += f"; and {len(errors) - MAX_PROBLEMS_SHOWN:,} more problem(s)"
        raise ParamsError(f"{path}: {problems}") from None
    if expected_year is not None and params.year != expected_year:
        raise ParamsError(
            f"{path}: key 'year' is {params.year}, but the command asked for --year {expected_year}; "
            f"pass --params params/{expected_year}.yaml or --year {params.year}"
        )
    return params


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any, path: Path) -> None:
    node = raw
    *parents, last = dotted.split(".")
    for key in parents:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ParamsError(f"{path}: override {dotted!r}: {key!r} is not a section")
        node = child
    node[last] = value


def _describe(err: dict[str, Any]) -> str:
    key = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    message = str(err["msg"]).removeprefix("Value error, ")
    if not key or message.startswith("key '"):  # a check across keys: its message names them
        return message
    if kind == "missing":
        return f"key {key!r} is missing"
    if kind == "extra_forbidden":
        return f"key {key!r} is not a known parameter (check its spelling)"
    got = repr(err.get("input"))
    return f"key {key!r}: {message}" + (f" (got {got})" if len(got) <= 80 else "")


def params_digest(params: Params) -> str:
    """A SHA-256 of the validated parameters, for provenance."""
    return hashlib.sha256(params_json(params).encode()).hexdigest()


def params_json(params: Params) -> str:
    """The validated parameters as JSON, ``data_dir`` relative to the parameter file (issue 8 §8).

    No absolute path: two clones of the same inputs give the same JSON, digest and workbook.
    """


    dumped = json.loads(params.model_dump_json(exclude={"source"}))
    if params.source is not None:
        dumped["data_dir"] = relative_to_params(params.data_dir, params.source)
    return json.dumps(dumped, indent=2, ensure_ascii=False)


def history_params(params: Params, year: int) -> Params:
    """The parameters of an earlier year: its own file beside this one when there is one (its
    premium, list date and credit were that year's), else this year's with the year changed and
    the list sent on the same day of that year. Either way the data come from this run's data
    folder. The one place a sibling ``<year>.yaml`` is read."""
    own = own_params(params, year, strict=True)
    if own is not None:
        return own
    checks = params.checks.model_copy(update={"notified_record": None})  # it names this year's Y-1 record
    moved = params.model_copy(update={"year": year, "history_years": (), "checks": checks})
    text = params.insurer.list_date.strip()
    head, sep, rest = text[:4], text[4:5], text[5:]
    if head.isdigit() and int(head) != year and sep:
        insurer = params.insurer.model_copy(update={"list_date": f"{year}{sep}{rest}"})
        moved = moved.model_copy(update={"insurer": insurer})
    return moved


def own_params(params: Params, year: int, *, strict: bool = False) -> Params | None:
    """``year``'s own parameter file beside ``params.source`` (with this run's data folder), or
    ``None`` when there is none (or, unless ``strict``, when it does not validate)."""
    own = Path(params.source).with_name(f"{year}.yaml") if params.source else None
    if own is None or not own.is_file():
        return None
    try:
        past = load_params(own)
    except ParamsError:
        if strict:
            raise
        return None
    return past.model_copy(update={"data_dir": params.data_dir, "history_years": ()})
