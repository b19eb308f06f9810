"""Normalizing Persian text and digits before anything is compared.

The same word arrives as Arabic ي/ك or Persian ی/ک, with a ZWNJ, a space or
nothing between its parts, with ة/ۀ/ه forms, tatweel, diacritics and doubled
spaces. :func:`normalize_text` makes a readable canonical form (keeps ZWNJ);
:func:`normalize_key` goes further and makes a comparison key (drops every
space and ZWNJ), used to match headers, provinces and coded values.
"""

from __future__ import annotations

import re
import unicodedata

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"

_TO_ASCII = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN = str.maketrans(ASCII_DIGITS + ARABIC_INDIC_DIGITS, PERSIAN_DIGITS * 2)

ZWNJ = "\u200c"

_LETTERS = str.maketrans(
    {
        "ي": "ی",  # Arabic yeh
        "ى": "ی",  # alef maksura
        "ئ": "ئ",
        "ك": "ک",  # Arabic kaf
        "ة": "ه",  # teh marbuta
        "ۀ": "ه",  # heh with yeh above
        "ە": "ه",
        "أ": "ا",
        "إ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ـ": None,  # tatweel
        "\u200d": None,  # ZWJ
        "\u200e": None,  # LRM
        "\u200f": None,  # RLM
        "\ufeff": None,  # BOM
        "\u00a0": " ",  # no-break space
        "\u202f": ZWNJ,  # narrow no-break space is typed for a half-space
    }
)
_DIACRITICS = re.compile("[\u064b-\u065f\u0670]")
_SPACES = re.compile(r"[ \t\r\n]+")
_ZWNJ_RUNS = re.compile(r"\s*\u200c[\s\u200c]*")


def to_ascii_digits(text: str) -> str:
    """Replace Persian and Arabic-Indic digits with ASCII ones."""
    return text.translate(_TO_ASCII)


def to_persian_digits(text: object) -> str:
    """Replace ASCII and Arabic-Indic digits with Persian ones (for display)."""
    return str(text).translate(_TO_PERSIAN)


def normalize_text(value: object) -> str:
    """A readable canonical form: Persian letters, ASCII digits, single spaces.

    Keeps one ZWNJ where the writer put one (or a space beside one); strips
    diacritics, tatweel and direction marks. Idempotent.

    >>> normalize_text(" كرمانشاه  ")
    'کرمانشاه'
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = text.translate(_LETTERS)
    text = _DIACRITICS.sub("", text)
    text = to_ascii_digits(text)
    text = _SPACES.sub(" ", text)
    text = _ZWNJ_RUNS.sub(ZWNJ, text)
    return text.strip(" " + ZWNJ)


def normalize_key(value: object) -> str:
    """A comparison key: :func:`normalize_text`, lower-cased, without spaces, ZWNJ or punctuation.

    'آذربایجان‌شرقی', 'آذربايجان شرقي' and 'آذربایجانشرقی' share one key. Also
    folds آ to ا, since both are typed for the same word.
    """
    text = normalize_text(value).lower().replace("آ", "ا")
    return "".join(ch for ch in text if ch.isalnum())
