"""Column contracts of the clean tables (docs/data-contracts.md) as pandera models.

The intake validates what it returns against these, lazily, so a broken
contract reports every failing column at once. Other modules may validate the
tables they read with the same models.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from atiyeh_reports.core import vocab
from atiyeh_reports.core.national_id import valid_mask
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.errors import ContractError

_CODES = sorted(by_code())


def _all_dates(series: pd.Series, *, nullable: bool) -> bool:
    # the types present first (one pass in C); a value by value look only when another type is there
    if set(map(type, series)) <= ({dt.date, type(None)} if nullable else {dt.date}):
        return True
    return all(
        (nullable and v is None) or (isinstance(v, dt.date) and not isinstance(v, dt.datetime))
        for v in series
    )


class ChildrenSchema(pa.DataFrameModel):
    """``children.parquet``: one row per eligible child after de-duplication."""

    year: int = pa.Field(ge=1300, le=1500)
    province_code: str = pa.Field(isin=_CODES)
    national_id: str = pa.Field(str_matches=r"^\d{10}$", unique=True)
    first_name: str = pa.Field(str_length={"min_value": 1})
    last_name: str = pa.Field(str_length={"min_value": 1})
    gender: str = pa.Field(isin=list(vocab.GENDERS))
    birth_date: object
    age: int = pa.Field(ge=0)
    guardianship: str = pa.Field(isin=list(vocab.GUARDIANSHIPS))
    care_type: str = pa.Field(isin=list(vocab.CARE_TYPES), nullable=True)
    court_order: str
    admission_date: object = pa.Field(nullable=True)
    county: str = pa.Field(nullable=True)
    source_file: str
    source_row: int = pa.Field(ge=1)

    class Config:
        strict = True
        ordered = True

    @pa.check("national_id", name="check_digit")
    @classmethod
    def _check_digit(cls, ids: pd.Series) -> pd.Series:
        return pd.Series(valid_mask(ids.tolist()), index=ids.index)

    @pa.check("birth_date", name="gregorian_dates", element_wise=False)
    @classmethod
    def _birth_dates(cls, dates: pd.Series) -> bool:
        return _all_dates(dates, nullable=False)

    @pa.check("admission_date", name="gregorian_dates_or_null", element_wise=False)
    @classmethod
    def _admission_dates(cls, dates: pd.Series) -> bool:
        return _all_dates(dates, nullable=True)


class SummarySchema(pa.DataFrameModel):
    """The per-province intake summary; ``rows_read = accepted + rejected`` on every row."""

    province_code: str = pa.Field(isin=_CODES, unique=True)
    rows_read: int = pa.Field(ge=0)
    accepted: int = pa.Field(ge=0)
    corrected: int = pa.Field(ge=0)
    rejected: int = pa.Field(ge=0)
    blank_rows: int = pa.Field(ge=0)

    @pa.dataframe_check(name="rows_read = accepted + rejected")
    @classmethod
    def _balanced(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["rows_read"] == frame["accepted"] + frame["rejected"]

    @pa.dataframe_check(name="corrected <= accepted")
    @classmethod
    def _corrected_of_accepted(cls, frame: pd.DataFrame) -> pd.Series:
        return frame["corrected"] <= frame["accepted"]


def _validate(model: type[pa.DataFrameModel], frame: pd.DataFrame, table: str) -> pd.DataFrame:
    try:
        return model.validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "failure_case"]].head(20)
        raise ContractError(
            f"the {table} table breaks its contract (docs/data-contracts.md):\n{cases.to_string()}"
        ) from None


def validate_children(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` when it meets :class:`ChildrenSchema`; raise :class:`ContractError` listing every failure."""
    return _validate(ChildrenSchema, frame, "children")


def validate_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` when it meets :class:`SummarySchema`; raise :class:`ContractError` listing every failure."""
    return _validate(SummarySchema, frame, "summary")
