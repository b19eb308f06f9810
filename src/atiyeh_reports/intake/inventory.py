"""Every entry of a year's input folders, read or skipped with the reason.

:func:`inventory` lists ``<data>/<Y>/provinces/`` and ``<data>/<Y>/insurer/``
without opening anything: each entry is looked at with ``lstat`` only, so a
FIFO, a device or a link is refused before it could block or be read without
end. What it says is read is what the intake and the insurer reader read and
what the input hashes (:func:`atiyeh_reports.core.provenance.file_hashes`, in
``inputs.json`` and ``manifest.json``) cover; everything else is a finding
naming the entry and what to do, and a line on the terminal.

Read: regular files with a workbook suffix in any letter case (``.xlsx``,
``.xlsm``, ``.xls``, ``.ods``; the insurer's folder also ``.csv``), not empty,
not hidden, not an Excel or LibreOffice lock file. Skipped, each with its own
:class:`~atiyeh_reports.intake.quality.Problem`: other suffixes, sub-folders (and a
folder named like a form), symbolic links (to anything: links are not
followed), lock files, hidden files, empty files, FIFOs, devices and sockets,
entries that cannot be looked at.

It also answers which provinces have no data this year
(:func:`provinces_without_data`), so that no province is allocated zero
without a word: the build refuses unless told to accept it, and every report
then names them (:func:`atiyeh_reports.analysis.views.no_data_note_fa`, which
moved there; the old name here is served for the 1405 cycle).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from atiyeh_reports import _moved
from atiyeh_reports.core import layout
from atiyeh_reports.core.layout import file_kind
from atiyeh_reports.core.provinces import by_code
from atiyeh_reports.intake.quality import UNREADABLE, WARNING, Finding, Problem

PROVINCES = "provinces"
INSURER = "insurer"
FORM_SUFFIXES = layout.FORM_SUFFIXES  # read in any letter case
INSURER_SUFFIXES = layout.INSURER_SUFFIXES
#: How many names inside a sub-folder are quoted in its finding.
_QUOTED = 5


@dataclass(frozen=True)
class Entry:
    """One entry of an input folder: read, or skipped with a problem and what to do."""

    folder: str  # PROVINCES or INSURER
    name: str  # the entry's name in that folder (a folder's ends with "/")
    path: Path
    problem: str | None = None  # None: the entry is read
    detail: str | None = None

    @property
    def read(self) -> bool:
        return self.problem is None

    @property
    def shown(self) -> str:
        """``provinces/<name>``, as the terminal shows it."""
        return f"{self.folder}/{self.name}"

    def line(self) -> str:
        """One line for the terminal."""
        return f"{self.shown}: not read: {self.detail}"


@dataclass(frozen=True)
class Inventory:
    """The entries of a year's ``provinces/`` and ``insurer/`` folders, in name order."""

    year: int
    entries: tuple[Entry, ...]
    insurer_folder: bool = True  # whether <Y>/insurer/ exists

    @property
    def forms(self) -> tuple[Path, ...]:
        return tuple(e.path for e in self.entries if e.read and e.folder == PROVINCES)

    @property
    def insurer(self) -> tuple[Path, ...]:
        return tuple(e.path for e in self.entries if e.read and e.folder == INSURER)

    @property
    def skipped(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if not e.read)

    def files(self) -> list[Path]:
        """Every file that is read: the forms, then the insurer's export."""
        return [*self.forms, *self.insurer]

    def skipped_in(self, folder: str) -> tuple[Entry, ...]:
        return tuple(e for e in self.skipped if e.folder == folder)

    def lines(self) -> list[str]:
        """The skipped entries, one terminal line each."""
        return [e.line() for e in self.skipped]

    def stamp(self) -> list[str]:
        """What a cache key needs of the skipped entries (a new one changes the findings)."""
        return [f"{e.shown}: {e.problem}: {e.detail}" for e in self.skipped]


def inventory(data_dir: str | Path, year: int) -> Inventory:
    """List every entry of ``<data_dir>/<year>/provinces/`` and ``.../insurer/`` (nothing is opened)."""
    entries: list[Entry] = []
    folders = ((PROVINCES, layout.provinces_dir(Path(data_dir), year), FORM_SUFFIXES),
               (INSURER, layout.insurer_dir(Path(data_dir), year), INSURER_SUFFIXES))
    for label, folder, suffixes in folders:
        entries.extend(classify(label, path, suffixes) for path in _entries(folder))
    return Inventory(year, tuple(entries), layout.insurer_dir(Path(data_dir), year).is_dir())


def _entries(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as it:
            return sorted((Path(e.path) for e in it), key=lambda p: p.name)
    except OSError:  # missing, not a folder, not readable: check_data_dir says so
        return []


def is_regular_file(path: str | Path) -> bool:
    """True for a regular file that is not a link (``lstat``: nothing is opened)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def classify(folder: str, path: Path, suffixes: tuple[str, ...] = FORM_SUFFIXES) -> Entry:  # noqa: PLR0911
    """Read or skipped, from the entry's name and ``lstat`` alone (nothing is opened)."""
    name = path.name
    suffix = path.suffix.lower()

    def skip(problem: str, detail: str, shown: str = name) -> Entry:
        return Entry(folder, shown, path, problem, detail)

    try:
        st = os.lstat(path)
    except OSError as exc:
        return skip(Problem.SKIPPED_INACCESSIBLE, f"cannot look at it ({exc.strerror})")
    mode = st.st_mode
    if stat.S_ISLNK(mode):
        try:
            target = file_kind(os.stat(path).st_mode)
        except OSError:
            target = "nothing (a broken link)"
        return skip(Problem.SKIPPED_LINK, f"a symbolic link to {target}; links are not followed: "
                                          f"copy the file itself into {folder}/")
    if stat.S_ISDIR(mode):
        inside = _forms_inside(path, suffixes)
        where = f"; it holds {inside}: move them up into {folder}/" if inside else ""
        if suffix in suffixes:
            return skip(Problem.SKIPPED_FOLDER_NAMED_LIKE_FORM,
                        f"a folder named like a form is not read{where}", f"{name}/")
        return skip(Problem.SKIPPED_SUBFOLDER, f"sub-folders are not read{where}", f"{name}/")
    if not stat.S_ISREG(mode):
        return skip(Problem.SKIPPED_SPECIAL, f"{file_kind(mode)}, not a regular file; it was not opened")
    if name.startswith(("~$", ".~lock.")):
        return skip(Problem.SKIPPED_LOCK_FILE, "an office lock file, left while the form was open; "
                                               "if the form itself is missing, close it and copy it again")
    if name.startswith("."):
        return skip(Problem.SKIPPED_HIDDEN, "a hidden file (its name starts with '.'); rename it if it is a form")
    if suffix not in suffixes:
        return skip(Problem.SKIPPED_FORMAT, f"'{suffix or '(no suffix)'}' is not read (read: "
                                            f"{', '.join(suffixes)}); save it as .xlsx")
    if st.st_size == 0:
        return skip(Problem.SKIPPED_EMPTY, "the file is empty (0 bytes); ask for it again")
    assert layout.is_read(path, suffixes), path  # one rule: layout.is_read, used by raw_inputs
    return Entry(folder, name, path)


def _forms_inside(folder: Path, suffixes: tuple[str, ...]) -> str:
    """'3 file(s) like forms (a.xlsx, b.xls)' for a sub-folder, or '' (one level, bounded)."""
    names: list[str] = []
    try:
        with os.scandir(folder) as it:
            for i, entry in enumerate(it):
                if i >= 10_000:
                    break
                if Path(entry.name).suffix.lower() in suffixes:
                    names.append(entry.name)
    except OSError:
        return ""
    if not names:
        return ""
    names.sort()
    quoted = ", ".join(names[:_QUOTED]) + (", ..." if len(names) > _QUOTED else "")
    return f"{len(names)} file(s) like forms ({quoted})"


def skipped_findings(entries: Iterable[Entry], code_of: Callable[[Path], str | None] | None = None
                     ) -> list[Finding]:
    """One ``warning`` finding per skipped entry (``code_of(path)`` names its province, if known)."""
    return [Finding(e.name, None, None, None, None, e.problem or "", WARNING, None,
                    code_of(e.path) if code_of is not None else None, detail=e.detail)
            for e in entries]


# --- provinces without data ---------------------------------------------------------------------
def provinces_without_data(data) -> dict[str, str]:  # noqa: ANN001 - an Intake or a YearData
    """Province code → why no child of it is accepted this year (English), for each such province.

    No form at all, a form that could not be read, a form with no children, or
    every row rejected: each gives the province zero in a per-capita allocation.
    """

    children: pd.DataFrame = data.children
    summary: pd.DataFrame = data.summary
    findings: pd.DataFrame = data.findings
    with_children = set(children["province_code"].dropna()) if len(children) else set()
    read = summary.set_index("province_code")["rows_read"].to_dict() if len(summary) else {}
    unread = set()
    if len(findings):
        unread = set(findings.loc[findings["action"] == UNREADABLE, "province_code"].dropna())
    out: dict[str, str] = {}
    for code in sorted(by_code()):
        if code in with_children:
            continue
        if read.get(code, 0) > 0:
            out[code] = "every row of its form was rejected"
        elif code in read and code not in unread:
            out[code] = "its form lists no children"
        elif code in unread:
            out[code] = "its form could not be read"
        else:
            out[code] = "no form was received"
    return out


def missing_lines(data) -> list[str]:  # noqa: ANN001
    """``IR-23 تهران: no form was received`` for each province without data (for the terminal)."""

    names = by_code()
    return [f"{code} {names[code].name_fa}: {why}" for code, why in provinces_without_data(data).items()]



def __getattr__(name: str) -> object:
    """The names that moved out (:func:`atiyeh_reports._moved.moved_name`)."""
    return _moved.moved_name(__name__, name)
