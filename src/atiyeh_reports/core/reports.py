"""The catalogue of the year's documents: the three national reports and the province pack, each
with its notebook name, its Persian title and the parameter sections it reads (a report is rebuilt
only when one of them changed). Read by the build and by the index page."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Report:
    """One report: its notebook, its Persian title, and the parameter sections it reads.

    A report is rebuilt only when its notebook, the code, the year's inputs or
    one of its ``sections`` of the parameters changed.
    """

    name: str
    title: str
    sections: tuple[str, ...]


_COMMON = ("year", "language", "data_dir", "history_years", "service", "eligibility", "privacy", "checks")
REPORTS: tuple[Report, ...] = (
    Report("analysis", "گزارش تحلیل سالانه عملکرد بیمه", (*_COMMON, "thresholds")),
    Report("allocation", "جدول ابلاغ اعتبار به استان‌ها", (*_COMMON, "budget")),
    Report("evaluation", "گزارش ارزیابی عملکرد طرح", (*_COMMON, "thresholds", "insurer")),
)
#: The province pack (letters/, cards/ and the internal follow-up workbooks): it reads every section.
PACK = Report("pack", "اسناد استان‌ها: ابلاغیه و کارنامه", (*_COMMON, "thresholds", "budget", "insurer"))
CARD_TITLE = "کارنامهٔ استان"
