"""What a reconciliation shows on screen: counts per category, never a child's row."""

from __future__ import annotations

from typing import Any

import pandas as pd

from atiyeh_reports.core.provinces import name_fa
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


def _province_label(code: object) -> str:
    return name_fa(str(code)) if isinstance(code, str) and code else "نامشخص"


def counts_fa(rec: Any) -> pd.DataFrame:
    """Counts per category per province with Persian headers and a national total row. No IDs."""
    table = rec.counts.copy()
    total = table.drop(columns="province_code").sum().to_frame().T
    total.insert(0, "province_code", "جمع کشور")
    table["province_code"] = table["province_code"].map(_province_label)
    table = pd.concat([table, total], ignore_index=True)
    names = {
        "province_code": "استان", "children": "فرزندان واجد شرایط",
        "matched_children": "فرزندان دارای بیمه‌نامه", "no_policy": "فرزندان بدون بیمه‌نامه",
        "policies": "بیمه‌نامه‌ها",
    }
    names.update({c: CATEGORY_FA[c] for c in POLICY_CATEGORIES})
    return table.rename(columns=names)


def delays_fa(rec: Any) -> pd.DataFrame:
    """Issuance delay per province with Persian headers. No IDs."""
    table = rec.delays.copy()
    table["province_code"] = table["province_code"].map(_province_label)
    return table.rename(columns={
        "province_code": "استان", "issued": "بیمه‌نامه با تاریخ صدور",
        "median_days": "میانهٔ فاصله (روز)", "p90_days": "صدک ۹۰ فاصله (روز)",
        "late": f"صادرشده پس از {rec.max_delay_days} روز",
        "late_uncovered": f"صادرشده پس از {rec.max_delay_days} روز، بی بیمه‌نامهٔ پیشین",
    })
