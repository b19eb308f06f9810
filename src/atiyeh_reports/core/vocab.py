"""Canonical values of the coded fields, and the variants people type for them.

The canonical value is what the provincial form's drop-down offers and what the
clean tables store; reports show it as it is. Variants are compared after
:func:`atiyeh_reports.core.text.normalize_key`, so Arabic letters, ZWNJ and spacing
differences need not be listed here.
"""

from __future__ import annotations

from atiyeh_reports.core.provinces import by_code

GENDER_MALE = "پسر"
GENDER_FEMALE = "دختر"
GENDERS = (GENDER_MALE, GENDER_FEMALE)
GENDER_VARIANTS: dict[str, tuple[str, ...]] = {
    GENDER_MALE: ("پسر", "مذکر", "مرد", "m", "male", "boy", "ذکور"),
    GENDER_FEMALE: ("دختر", "مونث", "مؤنث", "زن", "f", "female", "girl", "اناث"),
}

ORPHANED = "بی‌سرپرست"
ILL_SUPERVISED = "بدسرپرست"
GUARDIANSHIPS = (ORPHANED, ILL_SUPERVISED)
GUARDIANSHIP_VARIANTS: dict[str, tuple[str, ...]] = {
    ORPHANED: ("بی‌سرپرست", "بی سرپرست", "بیسرپرست", "orphaned", "orphan"),
    ILL_SUPERVISED: ("بدسرپرست", "بد سرپرست", "بد‌سرپرست", "ill-supervised", "ill supervised"),
}

CARE_RESIDENTIAL = "مرکز شبانه‌روزی"
CARE_FOSTER = "خانواده جایگزین"
CARE_OWN_FAMILY = "خانواده زیستی تحت حمایت"
CARE_TYPES = (CARE_RESIDENTIAL, CARE_FOSTER, CARE_OWN_FAMILY)
CARE_VARIANTS: dict[str, tuple[str, ...]] = {
    CARE_RESIDENTIAL: (
        "مرکز شبانه‌روزی",
        "مرکز شبانه روزی",
        "شبانه‌روزی",
        "شبانه روزی",
        "مرکز",
        "خانه کودک",
        "residential",
        "residential centre",
    ),
    CARE_FOSTER: ("خانواده جایگزین", "جایگزین", "امین موقت", "foster", "foster family"),
    CARE_OWN_FAMILY: (
        "خانواده زیستی تحت حمایت",
        "خانواده زیستی",
        "خانواده خود",
        "زیستی",
        "own family",
    ),
}

POLICY_ACTIVE = "فعال"
POLICY_CANCELLED = "ابطال"
POLICY_MATURED = "سررسید"
POLICY_STATUSES = (POLICY_ACTIVE, POLICY_CANCELLED, POLICY_MATURED)
POLICY_STATUS_VARIANTS: dict[str, tuple[str, ...]] = {
    POLICY_ACTIVE: ("فعال", "active", "جاری"),
    POLICY_CANCELLED: ("ابطال", "باطل", "ابطال شده", "لغو", "cancelled", "canceled"),
    POLICY_MATURED: ("سررسید", "سررسید شده", "matured", "خاتمه"),
}


# --- the reports' terms: one Persian term per concept ---------------------------------------------
# Every report takes these from here (analysis, allocation, evaluation). Ezafe after a silent
# «ه» is written «هٔ» (بیمهٔ، آتیهٔ، برنامهٔ) wherever the word is in construct.
#: The programme, as the reports name it.
PROGRAMME = "برنامهٔ بیمهٔ تأمین آتیهٔ فرزندان"
#: Children on HQ's clean list for the year: they meet every eligibility condition.
ELIGIBLE = "فرزندان واجد شرایط"
#: Eligible children with at least one active policy in the insurer's export.
INSURED = "فرزندان بیمه‌شده"
#: What a province reports in its form as the children it covered in the year before.
COVERED_REPORTED = "فرزندان تحت پوشش (گزارش استان)"
#: Eligible children with no active policy in the insurer's export: the only children the reports
#: call uninsured.
WITHOUT_POLICY = "فرزندان بدون بیمه‌نامه"
#: Premium the credit does not fund (the requirement beyond the credit): money, counted in Rials or
#: in premiums (:data:`PREMIUMS`), never in children: the children it is for may all hold policies.
PREMIUM_UNFUNDED = "حق بیمهٔ تأمین‌نشده"
#: The unit of an amount of money divided by the per-capita premium ("as many premiums"), not children.
PREMIUMS = "سرانه"
#: The label of every table's national total row.
TOTAL = "جمع کل کشور"
#: Difference of two percentages.
PERCENTAGE_POINTS = "واحد درصد"

#: Variants the reports no longer use → the term that replaced them. A test scans the rendered
#: reports for the keys.
RETIRED: dict[str, str] = {
    "بیمه تأمین آتیه": "بیمهٔ تأمین آتیهٔ",
    "برنامه بیمه": "برنامهٔ بیمهٔ",
    "بیمه‌نامه فعال": "بیمه‌نامهٔ فعال",
    "هزینه هر بیمه‌شده": "هزینهٔ هر بیمه‌نامه",
    "فرزندان تحت پوشش به تفکیک": f"{ELIGIBLE} به تفکیک",
    "هرم سنی فرزندان تحت پوشش": f"هرم سنی {ELIGIBLE}",
    # an unfunded premium is money, not children left without a policy
    "را بی‌پشتوانه می‌گذارد": PREMIUM_UNFUNDED,
}

# --- one order for provinces --------------------------------------------------------------------
#: Persian alphabetical order. Every province table of a report lists provinces in this order of
#: their official names (ranked tables such as the scorecard carry their rank as a column instead);
#: charts sort bars by value, which is what a chart is for.
_ALPHABET = "آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی"
_ORDER = {ch: i for i, ch in enumerate(_ALPHABET)}


def persian_sort_key(text: str) -> tuple[int, ...]:
    """A key sorting Persian text in alphabetical order (spaces and ZWNJ first, unknown letters last)."""
    return tuple(-1 if ch in " \u200c" else _ORDER.get(ch, len(_ALPHABET) + ord(ch)) for ch in text)


def province_sort_key(code: str) -> tuple[int, ...]:
    """The alphabetical key of a province code's official Persian name (unknown codes last)."""

    province = by_code().get(code) if isinstance(code, str) else None
    return persian_sort_key(province.name_fa) if province else (10_000,)


def in_province_order(frame, column: str = "province_code"):
    """``frame`` with its province rows in alphabetical order; rows without a province stay last."""
    keys = frame[column].map(province_sort_key)
    return frame.assign(_k=keys).sort_values("_k", kind="stable").drop(columns="_k")


# --- the reconciliation's categories (insurer) ---------------------------------------------------
CHILD_CATEGORIES = ("matched", "no_policy")
#: In precedence order (see the module docstring).
POLICY_CATEGORIES = (
    "inactive", "not_on_list", "duplicate", "premium_mismatch", "province_mismatch", "matched",
)
CATEGORY_FA: dict[str, str] = {
    "matched": "منطبق",
    "no_policy": "بدون بیمه‌نامه",
    "inactive": "باطل یا سررسیدشده",
    "not_on_list": "خارج از فهرست",
    "duplicate": "تکراری",
    "premium_mismatch": "مغایرت حق بیمه",
    "province_mismatch": "مغایرت استان",
}
SUB_REASON_FA: dict[str, str] = {
    "invalid_id": "کد ملی نامعتبر یا خالی",
    "over_age": "رسیده به سقف سنی",
    "left_care": "خارج‌شده از پوشش",
    "unknown": "در هیچ فهرستی نبوده",
    POLICY_CANCELLED: POLICY_CANCELLED,
    POLICY_MATURED: POLICY_MATURED,
}
