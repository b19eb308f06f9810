"""The assumptions-and-caveats log (the Duck Book's assumptions log), written from the parameters and rated.

HQ's record and which history years have their own parameter file are passed in
(:func:`history_param_files`); left out, the record is looked up beside the parameters.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atiyeh_reports.allocation.record import NotifiedRecord, find_notified_record
from atiyeh_reports.core.params import Params
from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.evaluation.wording import _n, _rials_million

__all__ = ["Assumption", "assumptions", "assumptions_fa", "history_param_files"]

QUALITY_FA = {"good": "خوب", "fair": "متوسط", "poor": "ضعیف"}
IMPACT_FA = {"high": "زیاد", "medium": "متوسط", "low": "کم"}


@dataclass(frozen=True)
class Assumption:
    """One assumption the evaluation rests on, rated as in the UK Analysis Function's Duck Book.

    ``quality`` (good, fair, poor) says how well the assumption is evidenced;
    ``impact`` (high, medium, low) how much the report's numbers would move if it
    were wrong. A poor assumption with a high impact is the first to check.
    """

    topic: str
    text: str
    quality: str
    impact: str

    def __post_init__(self) -> None:
        if self.quality not in QUALITY_FA or self.impact not in IMPACT_FA:
            raise ValueError(f"assumption {self.topic!r}: quality must be one of {sorted(QUALITY_FA)} "
                             f"and impact one of {sorted(IMPACT_FA)}, got {self.quality!r}, {self.impact!r}")


def history_param_files(params: Params) -> dict[int, bool]:
    """For each history year, whether its own ``params/<year>.yaml`` sits beside this year's file.

    Without its own file a history year is read with this year's parameters
    (premium, list date) and the year changed, which weakens the comparison.
    """
    folder = params.source.parent if params.source is not None else None
    return {year: folder is not None and (folder / f"{year}.yaml").is_file()
            for year in params.history_years}


def assumptions(params: Params, history_files: dict[int, bool] | None = None,
                record: NotifiedRecord | None = None) -> list[Assumption]:
    """The assumptions behind the evaluation, each written from ``params`` and rated.

    ``history_files`` (from :func:`history_param_files`) rates the history
    years' parameters: good when every history year has its own file, poor when
    none has, fair in between. Left out, the history is taken as having none.
    """
    el, th = params.eligibility, params.thresholds
    record = record if record is not None else find_notified_record(params)
    guardianship = " و ".join(el.guardianship)
    court = "، با دستور قضایی" if el.require_court_order else ""
    history_files = history_files if history_files is not None else {y: False for y in params.history_years}
    own = [y for y, found in sorted(history_files.items()) if found]
    missing = [y for y, found in sorted(history_files.items()) if not found]
    if not history_files:
        history_text = "گزارش سال پیشینی را برای مقایسه نمی‌خواند."
        history_quality = "good"
    else:
        history_text = (
            "هر سال پیشین با پرونده پارامترهای خود آن سال (سرانه و تاریخ ارسال فهرست) خوانده می‌شود"
            + (f"؛ برای سال {_years(missing)} پرونده‌ای نبود و پارامترهای سال {to_persian_digits(params.year)} "
               "با همان روز و ماه به کار رفت." if missing else ".")
        )
        history_quality = "good" if not missing else "poor" if not own else "fair"
    return [
        Assumption(
            "شرط برخورداری",
            f"فرزندی واجد شرایط است که در یکم فروردین {to_persian_digits(params.year)} کمتر از "
            f"{_n(el.age_limit)} سال داشته باشد و وضعیت سرپرستی‌اش {guardianship} باشد{court}.",
            "good", "high"),
        Assumption(
            "موارد تکراری",
            "از کد ملی تکراری در یک استان نخستین ردیف نگه داشته می‌شود؛ میان دو استان، ردیفی شمرده "
            "می‌شود که تاریخ پذیرش دیرتری دارد، سپس ردیفی که شهرستانش از همان استان است.",
            "fair", "low"),
        Assumption(
            "استان هر فرم",
            "استان فرم از عنوان درون فرم خوانده می‌شود و نام پرونده فقط وقتی به کار می‌رود که عنوان "
            "استانی را نشان ندهد یا از فرم استان دیگری رونوشت شده باشد؛ هر ناهمخوانی هشدار داده می‌شود.",
            "fair", "medium"),
        Assumption(
            "پنهان‌سازی شمار اندک",
            f"در جدول‌های ریز استانی، شمار کمتر از {_n(params.privacy.small_cell_threshold)} نفر "
            "نشان داده نمی‌شود تا فرزندی شناسایی نشود؛ جمع‌های استان و کشور کامل است.",
            "good", "low"),
        Assumption("پارامترهای سال‌های پیشین", history_text, history_quality, "medium"),
        Assumption(
            "تاریخ ارسال فهرست",
            f"فاصله صدور هر بیمه‌نامه از یک تاریخ برای همه استان‌ها، "
            f"{to_persian_digits(params.insurer.list_date)}، شمرده می‌شود؛ بیمه‌نامه‌ای که بیش از "
            f"{_n(th.max_issue_delay_days)} روز پس از آن صادر شود با تأخیر است.",
            "fair", "medium"),
        Assumption("اعتبار ابلاغی سال قبل", record.assumption_fa(),
                   "fair" if record.found else "poor", "high"),
        Assumption(
            "تطبیق منابع",
            "هر شماری که دو منبع می‌دهند کنار هم گذاشته شده است؛ اختلافی که ردیف‌های ردشده در پذیرش داده "
            f"توضیح دهد توضیح‌داده به شمار می‌آید و اختلاف باقی‌مانده بیش از {_n(params.checks.count_tolerance)} "
            f"نفر یا {_n(params.checks.money_tolerance)} ریال علامت می‌خورد.",
            "fair", "medium"),
        Assumption(
            "اهمیت یافته‌ها",
            "اهمیت هر یافته از مبلغ در معرض آن می‌آید: از "
            f"{_rials_million(params.checks.stakes_high_rials)} به بالا زیاد و از "
            f"{_rials_million(params.checks.stakes_medium_rials)} به بالا متوسط. جایی که یافته فقط فرزندان را "
            "می‌شمارد، مبلغ در معرض برابر شمار آن‌ها ضرب در سرانهٔ امسال است.",
            "fair", "medium"),
        Assumption(
            "استان بیمه‌نامه",
            "بیمه‌نامه‌ای که کد ملی‌اش در فهرست است در استان فرزند شمرده می‌شود، حتی اگر بیمه‌گر آن را "
            "در استان دیگری ثبت کرده باشد.",
            "good", "low"),
    ]


def _years(years: list[int]) -> str:
    return "، ".join(to_persian_digits(y) for y in years)


def assumptions_fa(log: list[Assumption]) -> pd.DataFrame:
    """The assumptions log as the report shows it: topic, assumption, quality, impact."""
    return pd.DataFrame(
        [(a.topic, a.text, QUALITY_FA[a.quality], IMPACT_FA[a.impact]) for a in log],
        columns=["موضوع", "فرض", "کیفیت فرض", "اثر بر نتایج"],
    )
