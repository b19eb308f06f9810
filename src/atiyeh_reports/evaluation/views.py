"""What an evaluation shows on screen: counts of findings, follow-ups and lights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from atiyeh_reports.core.text import to_persian_digits
from atiyeh_reports.insurer.views import reconciliation_html, reconciliation_repr
from atiyeh_reports.present.summary import cap, fa_value, html_table


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
    return cap("\n".join(lines))


def evaluation_html(ev: Any) -> str:
    sev = _severities(ev.findings)
    rows = [
        ("یافته‌ها", fa_value(str(len(ev.findings)))),
        ("یافته‌های با اهمیت زیاد", fa_value(str(sev["high"]))),
        ("استان‌های نیازمند پیگیری", fa_value(str(len(ev.follow_up)))),
        ("شاخص‌های قرمز", fa_value(str(int(ev.card["reds"].sum()) if "reds" in ev.card else 0))),
    ]
    return (html_table(rows, ["شاخص", "مقدار"], f"ارزیابی سال {to_persian_digits(ev.params.year)}")
            + reconciliation_html(ev.rec))
