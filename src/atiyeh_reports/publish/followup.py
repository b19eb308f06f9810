"""TEMPORARY stand-in (not committed): replaced by helper sc's module."""
import pandas as pd
from atiyeh_reports.provinces import provinces
CATEGORIES_FA = {"no_policy": "فرزند بدون بیمه‌نامه", "policy_mismatch": "بیمه‌نامهٔ نامنطبق با فهرست", "rejected": "ردیف ردشدهٔ فرم"}
def followup_counts(data, rec):
    codes = [p.code for p in provinces()]
    kids = rec.children[rec.children["category"] == "no_policy"]["province_code"].value_counts()
    pol = rec.policies[rec.policies["category"] != "matched"]["province_code"].value_counts()
    rej = data.summary.set_index("province_code")["rejected"] if len(data.summary) else pd.Series(dtype=int)
    out = pd.DataFrame({"province_code": codes})
    out["no_policy"] = out["province_code"].map(kids).fillna(0).astype(int)
    out["policy_mismatch"] = out["province_code"].map(pol).fillna(0).astype(int)
    out["rejected"] = out["province_code"].map(rej).fillna(0).astype(int)
    out["total"] = out[list(CATEGORIES_FA)].sum(axis=1)
    return out
def write_followup_workbooks(data, rec, folder):
    from pathlib import Path
    folder = Path(folder); folder.mkdir(parents=True, exist_ok=True)
    p = folder / "stand-in.txt"; p.write_text("x"); return [p]
