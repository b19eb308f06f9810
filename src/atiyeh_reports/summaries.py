"""What the objects an analyst displays show: a short summary, never a name or a national ID.

``repr`` (plain text, for a console or a log) and ``_repr_html_`` (JupyterLab's rich display, a
right-to-left table in Persian) of the year object, a province, a reconciliation, an evaluation
and the parameters come from here. Each names the year, where the data came from, each table's
rows and columns and the main totals; none prints a table's rows.

>>> from atiyeh_reports.api import load_year
>>> text = repr(load_year(1404))
>>> text.splitlines()[0].startswith("YearData 1404")
True
>>> len(text) < 2000
True
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from atiyeh_reports.display import exact, round_half_up
from atiyeh_reports.text import to_persian_digits

__all__ = [
    "evaluation_html", "evaluation_repr", "params_repr", "province_html", "province_repr",
    "reconciliation_html", "reconciliation_repr", "year_html", "year_repr",
]

#: Longest repr any of these may give; a summary longer than this is cut with "…".
MAX_CHARS = 2000
TABLE_FA = {
    "children": "فرزندان", "performance": "عملکرد سال قبل", "findings": "یافته‌های کیفیت داده",
    "summary": "خلاصهٔ ورود داده", "policies": "بیمه‌نامه‌ها", "insurer_findings": "یافته‌های خروجی بیمه‌گر",
    "indicators": "شاخص‌ها",
}


def _n(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    return f"{round_half_up(value):,}"


def _pct(value: Any) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{round_half_up(exact(value) * 100, 1)}%"


def _shape(frame: pd.DataFrame) -> str:
    return f"{len(frame):,} rows x {frame.shape[1]} columns"


def _cap(text: str) -> str:
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1] + "…"


def _where(path: object) -> str:
    if path is None:
        return "-"
    p = Path(str(path))
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)


def _sum(frame: pd.DataFrame, column: str) -> int | None:
    if column not in frame or not len(frame):
        return None
    total = frame[column].sum(min_count=1)
    return None if pd.isna(total) else int(total)


def _active(policies: pd.DataFrame) -> int:
    from atiyeh_reports import vocab

    return int((policies["status"] == vocab.POLICY_ACTIVE).sum()) if "status" in policies else 0


def _totals(y: Any) -> list[tuple[str, str, str]]:
    """(English label, Persian label, value) of a year's main totals."""
    children = y.children
    provinces = children["province_code"].nunique() if "province_code" in children else 0
    rejected = _sum(y.summary, "rejected")
    return [
        ("eligible children", "فرزندان واجد شرایط", _n(len(children))),
        ("provinces with children", "استان‌های دارای فرزند", _n(provinces)),
        ("forms read (performance rows)", "فرم‌های خوانده‌شده", _n(len(y.performance))),
        ("rows rejected at intake", "ردیف‌های ردشده", _n(rejected)),
        ("policies in the insurer's export", "بیمه‌نامه‌های خروجی بیمه‌گر", _n(len(y.policies))),
        ("active policies", "بیمه‌نامه‌های فعال", _n(_active(y.policies))),
        (f"credit notified {y.year - 1} (Rials)", f"اعتبار ابلاغی {to_persian_digits(y.year - 1)} (ریال)",
         _n(_sum(y.performance, "credit_notified"))),
        (f"credit spent {y.year - 1} (Rials)", f"اعتبار هزینه‌شده {to_persian_digits(y.year - 1)} (ریال)",
         _n(_sum(y.performance, "credit_spent"))),
        ("approved credit (Rials)", "اعتبار مصوب (ریال)", _n(y.params.budget.approved_credit)),
    ]


def _html_table(rows: Sequence[tuple[str, ...]], header: Sequence[str], caption: str) -> str:
    from atiyeh_reports.display import table_html

    frame = pd.DataFrame(list(rows), columns=list(header))
    return table_html(frame, caption=caption)


def _fa_value(value: str) -> str:
    return to_persian_digits(value.replace(",", "٬"))


# --- the year -----------------------------------------------------------------------------------
def year_repr(y: Any) -> str:
    """The year object in a few lines: source, tables with their shapes, main totals."""
    from atiyeh_reports.explore import tables_of

    history = ", ".join(str(k) for k in sorted(y.history)) or "none"
    lines = [
        f"YearData {y.year}: parameters {_where(y.params.source)}, data {_where(y.params.data_dir)}, "
        f"history years {history}",
        "tables (clean, internal: y.view(name) shows them with province names, Jalali dates, no IDs):",
    ]
    lines += [f"  {name:<17}{_shape(frame)}" for name, frame in tables_of(y).items()]
    lines.append("totals:")
    lines += [f"  {label:<34}{value}" for label, _, value in _totals(y)]
    if y.unreadable:
        lines.append(f"unreadable forms: {len(y.unreadable)} (see y.unreadable)")
    return _cap("\n".join(lines))


def year_html(y: Any) -> str:
    """The year object as JupyterLab shows it: two small right-to-left tables in Persian."""
    from atiyeh_reports.explore import tables_of

    history = "، ".join(to_persian_digits(k) for k in sorted(y.history)) or "ندارد"
    head = (f"<p>داده‌های سال {to_persian_digits(y.year)} — پارامترها: "
            f"<code>{html.escape(_where(y.params.source))}</code>، داده‌ها: "
            f"<code>{html.escape(_where(y.params.data_dir))}</code>، سال‌های پیشین: {history}</p>")
    tables = _html_table(
        [(f"{TABLE_FA[n]} ({n})", _fa_value(f"{len(f):,}"), _fa_value(str(f.shape[1])))
         for n, f in tables_of(y).items()],
        ["جدول", "سطر", "ستون"], "جدول‌ها (بدون نام و کد ملی: y.view(name))")
    totals = _html_table([(fa, _fa_value(v)) for _, fa, v in _totals(y)], ["شاخص", "مقدار"], "جمع‌ها")
    return f'<div dir="rtl">{head}{tables}{totals}</div>'


# --- a province ---------------------------------------------------------------------------------
def _province_lines(p: Any) -> list[tuple[str, str, str]]:
    current = p.indicators[p.indicators["year"] == p.year]
    row = current.iloc[0] if len(current) else pd.Series(dtype=object)
    return [
        ("eligible children", "فرزندان واجد شرایط", _n(len(p.children))),
        ("active policies", "بیمه‌نامه‌های فعال", _n(_active(p.policies))),
        ("coverage", "پوشش بیمه", _pct(row.get("coverage"))),
        (f"credit notified {p.year - 1} (Rials)", "اعتبار ابلاغی سال قبل (ریال)",
         _n(row.get("credit_notified"))),
        (f"credit spent {p.year - 1} (Rials)", "اعتبار هزینه‌شدهٔ سال قبل (ریال)",
         _n(row.get("credit_spent"))),
        ("absorption", "جذب اعتبار", _pct(row.get("absorption"))),
        ("rows rejected at intake", "ردیف‌های ردشده", _n(row.get("rejected"))),
    ]


def province_repr(p: Any) -> str:
    tables = ("children", "performance", "findings", "summary", "policies", "indicators")
    lines = [f"ProvinceData {p.code} ({p.name}) {p.year}"]
    lines += [f"  {t:<13}{_shape(getattr(p, t))}" for t in tables]
    lines += [f"  {label:<34}{value}" for label, _, value in _province_lines(p)]
    return _cap("\n".join(lines))


def province_html(p: Any) -> str:
    rows = [(fa, _fa_value(v)) for _, fa, v in _province_lines(p)]
    return _html_table(rows, ["شاخص", "مقدار"],
                       f"استان {p.name} ({p.code}) — سال {to_persian_digits(p.year)}")


# --- reconciliation and evaluation --------------------------------------------------------------
def _category_totals(rec: Any) -> list[tuple[str, str, str]]:
    from atiyeh_reports.insurer import CATEGORY_FA, CHILD_CATEGORIES, POLICY_CATEGORIES

    counts = rec.counts
    out = [("children", "فرزندان", _n(_sum(counts, "children")))]
    out += [(f"children {c}", f"فرزندان {CATEGORY_FA[c]}",
             _n(_sum(counts, "matched_children" if c == "matched" else c))) for c in CHILD_CATEGORIES]
    out.append(("policies", "بیمه‌نامه‌ها", _n(_sum(counts, "policies"))))
    out += [(f"policies {c}", f"بیمه‌نامه‌های {CATEGORY_FA[c]}", _n(_sum(counts, c)))
            for c in POLICY_CATEGORIES]
    out.append((f"issued late (> {rec.max_delay_days} days)", "صادرشده با تأخیر",
                _n(_sum(rec.delays, "late"))))
    return out


def reconciliation_repr(rec: Any) -> str:
    lines = [f"Reconciliation: list sent {rec.list_date:%Y-%m-%d}, "
             f"{rec.counts['province_code'].nunique()} provinces "
             "(rec.counts and rec.delays: counts; rec.children and rec.policies carry IDs)"]
    lines += [f"  {label:<30}{value}" for label, _, value in _category_totals(rec)]
    return _cap("\n".join(lines))


def reconciliation_html(rec: Any) -> str:
    rows = [(fa, _fa_value(v)) for _, fa, v in _category_totals(rec)]
    return _html_table(rows, ["گروه", "تعداد"], "تطبیق فهرست فرزندان با خروجی بیمه‌گر")


def _severities(findings: Iterable[Any]) -> dict[str, int]:
    out = {"high": 0, "medium": 0, "low": 0}
    for f in findings:
        out[f.severity] = out.get(f.severity, 0) + 1
    return out


def evaluation_repr(ev: Any) -> str:
    years = sorted(int(v) for v in ev.table["year"].unique())
    sev = _severities(ev.findings)
    lines = [
        f"Evaluation {ev.params.year}: years {', '.join(map(str, years))}, "
        f"{ev.card['province_code'].nunique()} provinces scored",
        f"  findings: {len(ev.findings)} (high {sev['high']}, medium {sev['medium']}, low {sev['low']})",
        f"  provinces to follow up: {len(ev.follow_up)}",
        f"  red lights: {int(ev.card['reds'].sum()) if 'reds' in ev.card else 0}",
    ]
    lines += ["  " + line for line in reconciliation_repr(ev.rec).splitlines()]
    return _cap("\n".join(lines))


def evaluation_html(ev: Any) -> str:
    sev = _severities(ev.findings)
    rows = [
        ("یافته‌ها", _fa_value(str(len(ev.findings)))),
        ("یافته‌های با اهمیت زیاد", _fa_value(str(sev["high"]))),
        ("استان‌های نیازمند پیگیری", _fa_value(str(len(ev.follow_up)))),
        ("شاخص‌های قرمز", _fa_value(str(int(ev.card["reds"].sum()) if "reds" in ev.card else 0))),
    ]
    return (_html_table(rows, ["شاخص", "مقدار"], f"ارزیابی سال {to_persian_digits(ev.params.year)}")
            + reconciliation_html(ev.rec))


# --- parameters ---------------------------------------------------------------------------------
def params_repr(params: Any) -> str:
    """The parameters in one line: year, file, data, premium, credit, method (the whole set:
    ``params.model_dump()``)."""
    b = params.budget
    return _cap(
        f"Params(year={params.year}, source={_where(params.source)}, data_dir={_where(params.data_dir)}, "
        f"history_years={list(params.history_years)}, premium={params.service.per_capita_premium:,}, "
        f"approved_credit={b.approved_credit:,}, released_share={b.released_share}, "
        f"method={b.method}, age_limit={params.eligibility.age_limit})"
    )
