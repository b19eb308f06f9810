"""Canonical values of the coded fields, and the variants people type for them.

The canonical value is what the provincial form's drop-down offers and what the
clean tables store; reports show it as it is. Variants are compared after
:func:`atiyeh_reports.text.normalize_key`, so Arabic letters, ZWNJ and spacing
differences need not be listed here.
"""

from __future__ import annotations

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
