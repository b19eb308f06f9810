"""The insurer's export of the sample: a policy for each child on HQ's list, with the reconciliation cases planted.

Each year's export is ``<out>/<Y>/insurer/policies.xlsx``, or ``policies.csv``
(UTF-8 with BOM) for :data:`CSV_YEAR`. The planted cases (no policy, late
issue, two active policies, last year's premium, another province, a cancelled
or matured policy, Persian digits, IDs of no listed child) are entries of
``planted.json`` whose ``expected`` is the reconciliation category of
:mod:`atiyeh_reports.insurer.reconciliation`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

from openpyxl.utils import get_column_letter

from atiyeh_reports.core import layout, vocab
from atiyeh_reports.core.provinces import name_fa
from atiyeh_reports.core.text import to_ascii_digits, to_persian_digits
from atiyeh_reports.forms.template import fixed_timestamp
from atiyeh_reports.io.xlsx import write_table
from atiyeh_reports.sample.dirt import _entry
from atiyeh_reports.sample.population import PREMIUMS, _Child, _date, _list_date, _new_id

#: The year whose insurer export is a CSV file.
CSV_YEAR = 1403


def _write_insurer(rng: random.Random, out_dir: Path, year: int, listed: dict[str, list[_Child]],
                   leavers: dict[str, list[tuple[_Child, str]]], rejected: set[str]):
    """Policies for the children on HQ's list, with the reconciliation cases planted."""
    children = [c for code in sorted(listed) for c in listed[code] if c.national_id not in rejected]
    premium = PREMIUMS[year]
    start = _list_date(year)
    pols: list[dict[str, object]] = []
    notes: list[tuple[int, str, str, str, str]] = []  # (policy index, kind, field, expected, note)
    absent: list[_Child] = []

    def policy(child_id: str, code: str, delay: int, **over: object) -> int:
        pols.append({"national_id": child_id, "province": name_fa(code),
                     "issue": start + dt.timedelta(days=delay), "premium": premium,
                     "status": vocab.POLICY_ACTIVE, **over})
        return len(pols) - 1

    order = list(range(len(children)))
    rng.shuffle(order)
    special = {children[i].national_id: k for k, i in enumerate(order[:17])}
    for child in children:
        k = special.get(child.national_id)
        if k is not None and k < 5:
            absent.append(child)
            continue
        delay = rng.randint(3, 40)
        if k is not None and 5 <= k < 9:
            delay = rng.randint(46, 120)
        idx = policy(child.national_id, child.province, delay)
        if k is None:
            continue
        if 5 <= k < 9:
            notes.append((idx, "late_issue", "issue_date", "matched", f"{delay} days after the list"))
        elif k == 9:
            policy(child.national_id, child.province, delay + rng.randint(5, 30))
            notes.append((len(pols) - 1, "two_active_policies", "national_id", "duplicate",
                          "the later of two active policies"))
        elif k in (10, 11):
            pols[idx]["premium"] = PREMIUMS[year - 1]
            notes.append((idx, "wrong_premium", "premium", "premium_mismatch", "last year's premium"))
        elif k in (12, 13):
            codes = sorted(listed)
            wrong = codes[(codes.index(child.province) + 3) % len(codes)]
            pols[idx]["province"] = name_fa(wrong)
            notes.append((idx, "province_differs", "province", "province_mismatch", f"child in {child.province}"))
        elif k == 14:
            pols[idx]["status"] = vocab.POLICY_CANCELLED
            pols[idx]["issue"] = start + dt.timedelta(days=2)
            notes.append((idx, "cancelled_policy", "status", "inactive", "re-issued as a new active policy"))
            policy(child.national_id, child.province, delay + 10)
        elif k in (15, 16):
            pols[idx]["national_id"] = to_persian_digits(child.national_id)
            notes.append((idx, "persian_digits_id", "national_id", "matched"))
    aged = [c for code in sorted(leavers) for c, why in leavers[code] if why == "age"]
    left = [c for code in sorted(leavers) for c, why in leavers[code] if why == "care"]
    extra: list[tuple[int, str, str, str, str]] = []
    # The first two aged-out children are listed in the forms (over_age_limit); use others here.
    if len(aged) > 4:
        extra.append((policy(aged[3].national_id, aged[3].province, 20), "policy_not_on_list",
                      "national_id", "not_on_list", "child reached the age limit (over_age)"))
        idx = policy(aged[4].national_id, aged[4].province, 25, status=vocab.POLICY_MATURED)
        extra.append((idx, "matured_policy", "status", "inactive", "child reached the age limit"))
    if left:
        extra.append((policy(left[0].national_id, left[0].province, 15), "policy_not_on_list",
                      "national_id", "not_on_list", "child left care (left_care)"))
    used = {c.national_id for code in listed for c in listed[code]}
    used |= {c.national_id for code in leavers for c, _ in leavers[code]}
    for _ in range(2):
        nid = _new_id(rng, used)
        extra.append((policy(nid, rng.choice(sorted(listed)), rng.randint(3, 40)), "policy_unknown_id",
                      "national_id", "not_on_list", "ID of no child (unknown)"))
    notes += extra

    # Rows sorted by issue date as an insurer's system would list them; numbers follow.
    ranked = sorted(range(len(pols)), key=lambda i: (pols[i]["issue"], str(pols[i]["national_id"]), i))
    row_of = {i: n + 2 for n, i in enumerate(ranked)}
    rows = []
    for n, i in enumerate(ranked):
        p = pols[i]
        p["policy_no"] = f"{year}-{n + 1:06d}"
        rows.append([p["policy_no"], p["national_id"], p["province"], _date(p["issue"]), p["premium"], p["status"]])
    folder = layout.insurer_dir(out_dir, year)
    folder.mkdir(parents=True, exist_ok=True)
    headers = list(layout.INSURER_COLUMNS)
    fields = list(layout.INSURER_COLUMNS.values())
    if year == CSV_YEAR:
        path = folder / "policies.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(headers)
        writer.writerows(rows)
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))
        sheet = None
    else:
        path = folder / "policies.xlsx"
        sheet = "بیمه‌نامه‌ها"
        write_table(path, headers, rows, sheet=sheet, stamp=fixed_timestamp(year))
    file = path.relative_to(out_dir).as_posix()

    key = {"national_id": "national_id", "issue_date": "issue_date", "premium": "premium",
           "province": "province", "status": "status"}
    entries = []
    for idx, kind, fld, expected, *note in notes:
        col = fields.index(key[fld])
        row = row_of[idx]
        value = rows[row - 2][col]
        child_id = str(pols[idx]["national_id"])
        entries.append(_entry(year, kind, file, sheet, row, f"{get_column_letter(col + 1)}{row}",
                              headers[col], value, expected, _province_of(listed, leavers, child_id),
                              _ascii(child_id), note[0] if note else ""))
    for child in absent:
        entries.append(_entry(year, "no_policy", file, sheet, None, None, None, child.national_id,
                              "no_policy", child.province, child.national_id,
                              "eligible child with no policy in the export"))
    codes = {name_fa(c): c for c in listed}
    counts: dict[str, int] = dict.fromkeys(sorted(listed), 0)
    for p in pols:
        if p["status"] == vocab.POLICY_ACTIVE and p["province"] in codes:
            counts[codes[p["province"]]] += 1
    return path, entries, counts


def _ascii(text: str) -> str:

    return to_ascii_digits(text)


def _province_of(listed, leavers, national_id: str) -> str | None:
    nid = _ascii(national_id)
    for code in listed:
        if any(c.national_id == nid for c in listed[code]):
            return code
    for code in leavers:
        if any(c.national_id == nid for c, _ in leavers[code]):
            return code
    return None
