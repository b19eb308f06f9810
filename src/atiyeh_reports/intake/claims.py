"""Which province a form belongs to: its title row, its file name, and the other forms."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from atiyeh_reports.core import layout
from atiyeh_reports.core.provinces import by_code, find_province, name_fa
from atiyeh_reports.core.text import normalize_key, to_ascii_digits
from atiyeh_reports.intake.common import _CODE_IN_NAME, _PROVINCE, _PROVINCE_KEY, _YEAR_KEY, _Unreadable
from atiyeh_reports.intake.quality import CORRECTED, UNREADABLE, WARNING, Finding, Problem
from atiyeh_reports.intake.reader import _Form
from atiyeh_reports.intake.rules import _FileResult, _Row


# --- the province and year of a form ----------------------------------------------------------
def _title_values(top: Sequence[tuple]) -> tuple[tuple[int, str] | None, tuple[int, str] | None]:
    """(row, text after the label) of the province and of the year title cells."""
    province = year = None
    for number, row in enumerate(top, start=1):
        for cell in row:
            if not isinstance(cell, str):
                continue
            label, sep, rest = cell.replace("：", ":").partition(":")
            key = normalize_key(label)
            if province is None and key.startswith(_PROVINCE_KEY) and (sep or len(key) > len(_PROVINCE_KEY)):
                province = (number, rest.strip() if sep else cell.strip())
            elif year is None and sep and key == _YEAR_KEY:
                year = (number, rest.strip())
    return province, year


def _province_from_name(path: Path) -> str | None:
    match = _CODE_IN_NAME.search(path.stem)
    if match and match.group(0).upper() in by_code():
        return match.group(0).upper()
    stem = path.stem.replace("_", " ")
    code = find_province(stem)
    if code:
        return code
    for part in re.split(r"[_\-\s.]+", path.stem):
        code = find_province(part) if len(part) > 1 else None
        if code:
            return code
    return None


@dataclass(frozen=True)
class _Claim:
    """The provinces a form's title row and file name name (either may be None, not both)."""

    file: str
    sheet: str
    title_row: int | None
    title: str | None  # the title's text after the label, as written
    from_title: str | None
    from_name: str | None

    @property
    def default(self) -> str:
        """The province the form is counted under unless another form claims it too: the title's."""
        code = self.from_title or self.from_name
        assert code is not None
        return code

    @property
    def mismatch(self) -> bool:
        return bool(self.from_title and self.from_name and self.from_title != self.from_name)


def _form_province(form: _Form, year: int, findings: list[Finding]) -> _Claim:
    """What the title and the file name say; findings on either alone (the mismatch comes later)."""
    file = form.path.name
    title, title_year = _title_values(form.top)
    from_name = _province_from_name(form.path)
    from_title = find_province(title[1]) if title else None
    if title and from_title is None and from_name is None:
        raise _Unreadable(
            Problem.NO_PROVINCE,
            f"title row {title[0]}: {title[1]!r} is not one of the 31 provinces, nor is the file name; "
            "write the province's official Persian name",
        )
    if from_title is None and from_name is None:
        raise _Unreadable(Problem.NO_PROVINCE, "no 'استان: ...' title row and no province in the file name")
    claim = _Claim(file, form.sheet, title[0] if title else None, title[1] if title else None,
                   from_title, from_name)
    if title and from_title is None:
        findings.append(Finding(file, form.sheet, title[0], None, title[1], Problem.UNKNOWN_PROVINCE_TITLE,
                                CORRECTED, from_name, from_name,
                                detail=f"{title[1]!r} is not a province name; file name gives {from_name}"))
    elif from_title and from_name is None:
        findings.append(Finding(file, None, None, None, file, Problem.UNKNOWN_PROVINCE_FILE, WARNING,
                                from_title, from_title))
    if title and from_title and not claim.mismatch:
        typed = _title_name(title[1])
        official = name_fa(from_title)
        if typed != official:
            findings.append(Finding(file, form.sheet, title[0], None, title[1], Problem.PROVINCE_TITLE_VARIANT,
                                    CORRECTED, official, from_title,
                                    detail=f"read as {from_title} ({official})"))
    code = claim.default
    if title_year is not None:
        typed = to_ascii_digits(title_year[1]).strip()
        if typed != str(year):
            findings.append(Finding(file, form.sheet, title_year[0], None, title_year[1],
                                    Problem.YEAR_MISMATCH, WARNING, None, code,
                                    detail=f"the report year is {year}"))
    return claim


def _title_name(text: str) -> str:
    """The province name as written in a title (``'استان مركزي'`` without a colon gives ``'مركزي'``)."""
    label = layout.PROVINCE_LABEL
    return text[len(label):].strip(" :：") if text.startswith(label) else text.strip()


def _resolve_provinces(claims: Sequence[_Claim]) -> list[str | None]:
    """The province each form is counted under, in the order given; None when it cannot be told.

    The title wins, except when the title and file name disagree, the title's
    province has another form and the file name's province has none: then the
    file name wins (a title copied from another province's form). A form whose
    title and file name disagree and that still shares its province with
    another form after that (both ways conflict) gets None: the first form of
    the province (one whose title and file name agree, else the first in the
    order given) keeps it. Forms whose title and file name agree are never
    dropped here (a province's second such form is read, with a warning).
    """
    defaults = Counter(c.default for c in claims)
    codes = []
    for c in claims:
        code = c.default
        if c.mismatch and defaults[c.from_title] > 1 and defaults[c.from_name] == 0:
            code = c.from_name
        codes.append(code)
    agreeing = {code for c, code in zip(claims, codes, strict=True) if not c.mismatch}
    out: list[str | None] = []
    taken: set[str] = set()
    for c, code in zip(claims, codes, strict=True):
        if c.mismatch and (code in agreeing or code in taken):
            out.append(None)
        else:
            out.append(code)
            taken.add(code)
    return out


def _mismatch_finding(claim: _Claim, code: str | None) -> Finding:
    """The finding of a form whose title and file name name different provinces."""
    assert claim.from_title is not None and claim.from_name is not None
    named = (f"title names {claim.from_title} ({name_fa(claim.from_title)}), "
             f"file name names {claim.from_name} ({name_fa(claim.from_name)})")
    if code is None:
        return Finding(claim.file, claim.sheet, claim.title_row, None, claim.title, Problem.PROVINCE_CONFLICT,
                       UNREADABLE, None, None,
                       detail=f"{named}, and both provinces have another form; fix the title row or the "
                              "file name of this form (or of the other form) and run the intake again")
    problem = Problem.PROVINCE_MISMATCH if code == claim.from_title else Problem.PROVINCE_MISMATCH_FILE
    why = ("the title wins" if code == claim.from_title
           else f"{claim.from_title} has another form and {claim.from_name} none, so the file name wins")
    return Finding(claim.file, claim.sheet, claim.title_row, None, claim.title, problem, WARNING, code, code,
                   detail=f"{named}; counted under {code}: {why}")


def _relabel(result: _FileResult, code: str) -> _FileResult:
    """The file's rows and findings counted under province ``code`` instead."""
    def move(f: Finding) -> Finding:
        return replace(f, province_code=code) if f.province_code == result.code else f

    rows = [_Row(record[:_PROVINCE] + (code,) + record[_PROVINCE + 1:], row.corrected,
                 tuple(map(move, row.findings)), row.sheet)
            for row in result.rows for record in (row.record,)]
    return replace(result, code=code, rows=rows, findings=[move(f) for f in result.findings])
