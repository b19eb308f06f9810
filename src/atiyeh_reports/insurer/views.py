"""What a reconciliation shows on screen: counts per category, never a child's row."""

from __future__ import annotations

from typing import Any

from atiyeh_reports.core.vocab import CATEGORY_FA, CHILD_CATEGORIES, POLICY_CATEGORIES
from atiyeh_reports.present.summary import cap, column_sum, fa_value, html_table, n


def category_totals(rec: Any) -> list[tuple[str, str, str]]:
    """(English label, Persian label, value) of a reconciliation's category counts."""
    counts = rec.counts
    out = [("children", "فرزندان", n(column_sum(counts, "children")))]
    out += [(f"children {c}", f"فرزندان {CATEGORY_FA[c]}",
             n(column_sum(counts, "matched_children" if c == "matched" else c))) for c in CHILD_CATEGORIES]
    out.append(("policies", "بیمه‌نامه‌ها", n(column_sum(counts, "policies"))))
    out += [(f"policies {c}", f"بیمه‌نامه‌های {CATEGORY_FA[c]}", n(column_sum(counts, c)))
            for c in POLICY_CATEGORIES]
    out.append((f"issued late (> {rec.max_delay_days} days)", "صادرشده با تأخیر",
                n(column_sum(rec.delays, "late"))))
    return out


def reconciliation_repr(rec: Any) -> str:
    lines = [f"Reconciliation: list sent {rec.list_date:%Y-%m-%d}, "
             f"{rec.counts['province_code'].nunique()} provinces "
             "(rec.counts and rec.delays: counts; rec.children and rec.policies carry IDs)"]
    lines += [f"  {label:<30}{value}" for label, _, value in category_totals(rec)]
    return cap("\n".join(lines))


def reconciliation_html(rec: Any) -> str:
    rows = [(fa, fa_value(v)) for _, fa, v in category_totals(rec)]
    return html_table(rows, ["گروه", "تعداد"], "تطبیق فهرست فرزندان با خروجی بیمه‌گر")
