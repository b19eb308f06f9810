"""The quality report as a workbook: ``quality.xlsx`` of the clean folder, and its copy in the
internal tree (names and IDs: HQ only). Its stamp comes from the year, so the same findings give the
same bytes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd

from atiyeh_reports.core.jalali import fiscal_year_start
from atiyeh_reports.core.provenance import build_time
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.intake.quality import ACTIONS_FA, FINDING_HEADERS_FA, SUMMARY_HEADERS_FA
from atiyeh_reports.io.xlsx import Table, write_tables


def clean_stamp(year: int) -> dt.datetime:
    """The document time of a year's clean ``quality.xlsx``: derived from its inputs, never "now".

    ``SOURCE_DATE_EPOCH`` when set (UTC), else midnight of 1 Farvardin of
    ``year`` (as :func:`atiyeh_reports.forms.template.fixed_timestamp` stamps the
    forms). So the same findings give the same bytes whoever ingests, and when,
    and the build can copy the clean workbook instead of writing it again.
    """


    if os.environ.get("SOURCE_DATE_EPOCH"):
        return build_time()
    return dt.datetime.combine(fiscal_year_start(year), dt.time(), tzinfo=dt.timezone.utc)


def copy_clean_workbook(clean_dir: Path, summary: pd.DataFrame, findings: pd.DataFrame, year: int,
                        path: Path) -> Path:
    """``quality.xlsx`` at ``path``: a byte copy of ``<clean_dir>/quality.xlsx`` when it is there.

    For the build's ``internal/`` folder: the clean copy was written by
    :func:`atiyeh_reports.intake.write_clean` with the tables the build read
    (``summary``, ``findings``), stamped with :func:`clean_stamp`, so copying it
    gives the bytes writing it again would. Without one (an older clean folder),
    it is written from the tables with the same stamp.
    """

    source = Path(clean_dir) / "quality.xlsx"
    path = Path(path)
    if source.is_file():
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        try:
            shutil.copyfile(source, partial)
            partial.replace(path)
        finally:
            partial.unlink(missing_ok=True)
        return path
    return write_quality_workbook(summary, findings, path, stamp=clean_stamp(year), year=year)


#: The quality workbook's title (document properties and every printed page's header).
WORKBOOK_TITLE_FA = "گزارش کیفیت داده‌های فرم‌های استان‌ها (ویژهٔ ستاد)"


def write_quality_workbook(summary: pd.DataFrame, findings: pd.DataFrame, path: Path, *,
                           stamp: dt.datetime | None = None, year: int | None = None) -> Path:
    """Write ``quality.xlsx``: a summary sheet and a findings sheet, right to left.

    Through the package's one writer (:func:`atiyeh_reports.io.xlsx.write_tables`):
    values, never formulas (text that starts with ``=`` is stored as text),
    streamed as sheet XML so that tens of thousands of findings stay fast.
    Headers are Persian and frozen; columns are sized to their content. Every
    sheet prints one page wide, headed with the title and ``year`` (default:
    the year folder the workbook is written in, :func:`~atiyeh_reports.io.xlsx.path_year`).
    ``stamp`` is the document time (default: the build's time,
    :func:`atiyeh_reports.core.provenance.build_time`; the clean copy uses
    :func:`clean_stamp`). Contains national IDs: HQ only.
    """

    table = summary.copy()
    names = {code: p.name_fa for code, p in by_code().items()}
    table.insert(1, "province", table["province_code"].map(lambda c: names.get(c, c)))
    shown = findings.copy()
    shown["action"] = shown["action"].map(lambda a: ACTIONS_FA.get(a, a))
    return write_tables(
        Path(path),
        [Table("خلاصه", _headed(table, SUMMARY_HEADERS_FA)), Table("یافته‌ها", _headed(shown, FINDING_HEADERS_FA))],
        stamp=build_time() if stamp is None else stamp, title=WORKBOOK_TITLE_FA, year=year,
    )


def _headed(frame: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """The columns of ``frame`` that have a Persian header, renamed to it, in frame order."""
    columns = [c for c in frame.columns if c in headers]
    return frame[columns].rename(columns=headers)
