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

#: Unicode's format characters (category Cf, Unicode 14–15): invisible, yet they change how text
#: shows. The bidirectional controls among them (embeddings and overrides U+202A–U+202E,
#: isolates U+2066–U+2069) can make a name display reversed in an official document. Every one
#: is removed from typed text except ZWNJ (U+200C), the half-space Persian needs (ZWJ, U+200D,
#: was always dropped by normalization); tests/test_text.py checks the list against unicodedata.
FORMAT_RANGES: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_KEPT_FORMAT = frozenset((0x200C, 0x200D))  # ZWNJ; ZWJ is dropped with the letters' table below
_FORMAT_CODES = [c for a, b in FORMAT_RANGES for c in range(a, b + 1) if c not in _KEPT_FORMAT]
_FORMAT_CHARS = re.compile("[" + "".join(re.escape(chr(c)) for c in _FORMAT_CODES) + "]")


def has_format_chars(text: str) -> bool:
    """Whether ``text`` holds an invisible format character :func:`normalize_text` removes
    (a direction override such as U+202E, an isolate, a zero-width space, a soft hyphen)."""
    return _FORMAT_CHARS.search(text) is not None


def strip_format_chars(text: str) -> str:
    """``text`` without the format characters :func:`normalize_text` removes (ZWNJ is kept)."""
    return _FORMAT_CHARS.sub("", text)


def _json_escape(code: int) -> str:
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


_JSON_FORMAT = str.maketrans({c: _json_escape(c) for c in _FORMAT_CODES})


def json_escape_format_chars(json_text: str) -> str:
    """JSON text with every invisible format character written as a ``\\uXXXX`` escape.

    The same JSON when read back (the characters can only stand inside strings), but a file
    name holding U+202E does not reverse the text around it when the file is shown.
    """
    return json_text.translate(_JSON_FORMAT)


_LETTERS = str.maketrans(
    {
        **dict.fromkeys(_FORMAT_CODES),  # format characters: removed (the entries below win)
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
    diacritics, tatweel, direction marks and every other invisible format character
    (:data:`FORMAT_RANGES`: U+202E and the other bidirectional controls). Idempotent.

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
