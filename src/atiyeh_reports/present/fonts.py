"""Finding the Persian font the reports embed.

Vazirmatn (SIL Open Font License) is fetched at set-up by ``make fonts``
(``npm pack vazirmatn@<pinned>``) into ``assets/fonts/`` inside the package;
it is not committed. When it is missing the reports fall back to an installed
font that has Persian glyphs (Noto Sans Arabic, then DejaVu Sans) and say so
with a warning, never to boxes.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

PREFERRED = "Vazirmatn"
_FALLBACKS = (
    ("Noto Sans Arabic", "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
     "/usr/share/fonts/truetype/noto/NotoSansArabic-Bold.ttf"),
    ("DejaVu Sans", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
     "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
)


class FontFallbackWarning(UserWarning):
    """The preferred Persian font is missing; a fallback font is used."""


@dataclass(frozen=True)
class Font:
    family: str
    regular: Path
    bold: Path | None

    @property
    def preferred(self) -> bool:
        return self.family == PREFERRED


def font_dir() -> Path:
    """Where ``make fonts`` puts the fetched font (``$ATIYEH_FONT_DIR`` overrides it)."""
    env = os.environ.get("ATIYEH_FONT_DIR")
    return Path(env) if env else Path(str(resources.files("atiyeh_reports") / "assets" / "fonts"))


@cache
def report_font() -> Font:
    """The font the reports use: Vazirmatn, or a fallback with a warning."""
    regular = font_dir() / "Vazirmatn-Regular.ttf"
    bold = font_dir() / "Vazirmatn-Bold.ttf"
    if regular.is_file():
        return Font(PREFERRED, regular, bold if bold.is_file() else None)
    for family, reg, bld in _FALLBACKS:
        if Path(reg).is_file():
            warnings.warn(
                f"{PREFERRED} is not in {font_dir()} (run `make fonts`); using {family}",
                FontFallbackWarning,
                stacklevel=2,
            )
            return Font(family, Path(reg), Path(bld) if Path(bld).is_file() else None)
    raise FileNotFoundError(
        f"no font with Persian glyphs: run `make fonts` to fetch {PREFERRED} into {font_dir()}"
    )
