"""The one way in for a year's parameters.

``params/<year>.yaml`` holds everything a year's run depends on. :func:`load_params`
parses and validates it into a frozen, typed :class:`Params`; an unknown key, a
missing key or a wrong type stops the run with a message naming the file and
the key. Paths in the file are relative to the file itself.

Shares are decimals (``0.9``), read exactly: YAML floats are re-read from
their text so that ``approved × released_share`` is computed in exact
arithmetic and rounded down to whole Rials.
"""

from __future__ import annotations

import hashlib
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from atiyeh_reports.errors import ParamsError
from atiyeh_reports.vocab import GUARDIANSHIPS


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Share = Decimal


def _exact_share(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


class Service(_Strict):
    id: str = Field(pattern=r"^\d{11}$")
    name_fa: str
    per_capita_premium: int = Field(gt=0, description="Rials per child per year")
    expected_recipients: int = Field(gt=0)


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
    approved_credit: int = Field(ge=0, description="اعتبار مصوب, Rials")
    released_share: Share = Field(ge=0, le=1, description="تخصیص: share of approved released")
    reserve_share: Share = Field(ge=0, le=1, description="share of released kept at HQ")
    rounding_unit: int = Field(gt=0, description="allocations are multiples of this many Rials")
    method: Literal["per_capita", "performance_weighted"] = "per_capita"
    performance_weights: PerformanceWeights
    floor_last_year: bool = Field(
        False, description="never notify a province less than last year's notified credit"
    )
    province_floors: dict[str, int] = Field(default_factory=dict)
    province_caps: dict[str, int] = Field(default_factory=dict)
    sensitivity_shares: tuple[Share, ...] = (
        Decimal("0.6"), Decimal("0.7"), Decimal("0.8"), Decimal("0.9"), Decimal("1"),
    )
    projection_years: int = Field(3, ge=0, le=10)
    premium_growth: Share = Field(ge=0, le=5, description="yearly growth of the premium")

    _shares = field_validator("released_share", "reserve_share", "premium_growth", mode="before")(
        _exact_share
    )

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
    list_date: str = Field(description="Jalali date HQ sent the list of children to the insurer")


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

    @model_validator(mode="after")
    def _ordered(self) -> Checks:
        if self.stakes_medium_rials > self.stakes_high_rials:
            raise ValueError("stakes_medium_rials must not be above stakes_high_rials")
        return self


class Params(_Strict):
    """Everything a year's run depends on. Build it with :func:`load_params`."""

    year: int = Field(ge=1390, le=1500)
    language: Literal["fa"] = "fa"
    data_dir: Path = Field(description="raw inputs: <data_dir>/<year>/provinces, /insurer")
    history_years: tuple[int, ...] = Field(default=(), description="earlier years to compare")
    service: Service
    budget: Budget
    eligibility: Eligibility
    thresholds: Thresholds
    privacy: Privacy
    insurer: Insurer
    checks: Checks = Field(default_factory=Checks)
    source: Path | None = Field(None, description="the file these were read from")

    def __repr__(self) -> str:  # one line; the whole set is params.model_dump()
        from atiyeh_reports.summaries import params_repr

        return params_repr(self)

    __str__ = __repr__


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Read, merge ``overrides`` into, and validate a parameter file.

    ``overrides`` uses dotted keys (``{"budget.released_share": 0.8}``).
    Raises :class:`ParamsError` naming the file and key on any problem.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParamsError(f"{path}: parameter file not found") from None
    except yaml.YAMLError as exc:
        raise ParamsError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ParamsError(f"{path}: expected a mapping of keys at the top level")
    for dotted, value in (overrides or {}).items():
        _set_dotted(raw, dotted, value, path)
    raw["source"] = str(path)
    if "data_dir" in raw and raw["data_dir"] is not None:
        raw["data_dir"] = str((path.parent / str(raw["data_dir"])).resolve())
    try:
        return Params.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe(err) for err in exc.errors())
        raise ParamsError(f"{path}: {problems}") from None


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
    key = ".".join(str(p) for p in err["loc"]) or "(top level)"
    kind = err["type"]
    if kind == "missing":
        return f"key {key!r} is missing"
    if kind == "extra_forbidden":
        return f"key {key!r} is not a known parameter (check its spelling)"
    return f"key {key!r}: {err['msg']} (got {err.get('input')!r})"


def params_digest(params: Params) -> str:
    """A SHA-256 of the validated parameters, for provenance."""
    return hashlib.sha256(params_json(params).encode()).hexdigest()


def params_json(params: Params) -> str:
    return params.model_dump_json(exclude={"source"}, indent=2)
