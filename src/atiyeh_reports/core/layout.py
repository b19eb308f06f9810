"""Where things are: the provincial form's sheets and headers, the insurer's
export columns, and the on-disk layout of raw and clean data.

The form writer (:mod:`atiyeh_reports.forms.write`), the sample generator and the
intake all read these constants, so the form HQ sends out is the form it can
read back.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from atiyeh_reports.core.provinces import name_fa

# --- the provincial form -------------------------------------------------------
SHEET_CHILDREN = "فرزندان"
SHEET_PERFORMANCE = "عملکرد سال قبل"
SHEET_GUIDE = "راهنما"

#: Title rows above the children's header: "استان: تهران", "سال: ۱۴۰۴".
PROVINCE_LABEL = "استان"
YEAR_LABEL = "سال"
#: In the form HQ sends, the header stands on this row and children start below it.
#: Returned forms may move it; the intake searches for it.
CHILDREN_HEADER_ROW = 5
PERFORMANCE_HEADER_ROW = 2

#: Persian header → field, in the form's column order.
CHILDREN_COLUMNS: dict[str, str] = {
    "ردیف": "row",
    "کد ملی": "national_id",
    "نام": "first_name",
    "نام خانوادگی": "last_name",
    "جنسیت": "gender",
    "تاریخ تولد": "birth_date",
    "وضعیت سرپرستی": "guardianship",
    "نوع نگهداری": "care_type",
    "شماره دستور قضایی": "court_order",
    "تاریخ پذیرش": "admission_date",
    "شهرستان": "county",
}
#: Fields the intake cannot do without; a form missing one of these is unreadable.
REQUIRED_CHILDREN_FIELDS = (
    "national_id",
    "first_name",
    "last_name",
    "gender",
    "birth_date",
    "guardianship",
    "court_order",
)

#: Persian header → field of the previous-year performance sheet (one row of values).
PERFORMANCE_COLUMNS: dict[str, str] = {
    "اعتبار ابلاغی (ریال)": "credit_notified",
    "اعتبار هزینه‌شده (ریال)": "credit_spent",
    "تعداد فرزندان تحت پوشش": "children_covered",
    "تعداد بیمه‌نامه صادرشده": "policies_issued",
    "تعداد خروج از پوشش": "children_left",
}

# --- the insurer's export -----------------------------------------------------------
#: Persian header → field. The export is xlsx (first sheet) or CSV (UTF-8).
INSURER_COLUMNS: dict[str, str] = {
    "شماره بیمه‌نامه": "policy_no",
    "کد ملی": "national_id",
    "استان": "province",
    "تاریخ صدور": "issue_date",
    "حق بیمه پرداختی (ریال)": "premium",
    "وضعیت بیمه‌نامه": "status",
}


# --- on disk ----------------------------------------------------------------------
def provinces_dir(data_dir: Path, year: int) -> Path:
    """Raw returned forms of a year: ``<data>/<year>/provinces/*.xlsx``."""
    return Path(data_dir) / str(year) / "provinces"


def insurer_dir(data_dir: Path, year: int) -> Path:
    """Raw insurer export of a year: ``<data>/<year>/insurer/`` (xlsx or csv)."""
    return Path(data_dir) / str(year) / "insurer"


def clean_dir(data_dir: Path, year: int) -> Path:
    """Cleaned tables of a year: ``<data>/clean/<year>/``."""
    return Path(data_dir) / "clean" / str(year)


#: Workbook suffixes the intake reads (compared in lower case). calamine reads all four.
FORM_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
INSURER_SUFFIXES = (*FORM_SUFFIXES, ".csv")


def is_read(path: Path, suffixes: tuple[str, ...]) -> bool:
    """Whether the intake reads this folder entry, from its name and ``lstat`` alone.

    The one rule behind :func:`atiyeh_reports.intake.inventory` (which also says
    why an entry is skipped) and :func:`raw_inputs`; standard library only, so a
    no-op build decides without importing pandas. Read: a regular file (not a
    link, folder, FIFO or device), not a lock or hidden file, a known suffix in
    any letter case, not empty.
    """

    try:
        st = os.lstat(path)
    except OSError:
        return False
    name = path.name
    return (stat.S_ISREG(st.st_mode) and not name.startswith(("~$", ".~lock.", "."))
            and path.suffix.lower() in suffixes and st.st_size > 0)


def _read_entries(folder: Path, suffixes: tuple[str, ...]) -> list[Path]:

    try:
        with os.scandir(folder) as it:
            paths = sorted((Path(e.path) for e in it), key=lambda p: p.name)
    except OSError:
        return []
    return [p for p in paths if is_read(p, suffixes)]


def raw_inputs(data_dir: Path, year: int) -> list[Path]:
    """The raw files of a year that are read: returned forms, then the insurer's export.

    The same list as ``intake.inventory(data_dir, year).files()`` (a test keeps
    them equal); what it leaves out is reported by the inventory.
    """
    return [*_read_entries(provinces_dir(data_dir, year), FORM_SUFFIXES),
            *_read_entries(insurer_dir(data_dir, year), INSURER_SUFFIXES)]


def internal_dir(out_dir: Path) -> Path:
    """Where a build writes what must not be shared (names, national IDs), beside ``out_dir``.

    ``outputs/<year>`` → ``internal/<year>`` (the project's git-ignored tree); any other
    output folder ``X`` → ``X-internal`` beside it, so a build never writes outside the
    folder it was pointed at and its siblings.
    """
    out_dir = Path(out_dir)
    if out_dir.parent.name == "outputs":
        return out_dir.parent.parent / "internal" / out_dir.name
    return out_dir.with_name(f"{out_dir.name}-internal")


def file_stem(province_code: str, province_name: str | None = None) -> str:
    """``IR-23_تهران``: the one name every per-province file shares (letters, cards, follow-up
    workbooks, pre-filled forms); ``province_name`` defaults to the official Persian name."""
    name = province_name if province_name is not None else name_fa(province_code)
    return f"{province_code}_{name.replace(' ', '_')}"


#: HQ's record of a year's allocation, as each build writes it and the next year's reads it.
RECORD_FILE = "allocation.csv"


def hq_dir(data_dir: Path, year: int) -> Path:
    """Where a data folder archives HQ's records of a year: ``<data>/<year>/hq/``."""
    return Path(data_dir) / str(year) / "hq"


def record_candidates(params_file: Path | None, data_dir: Path, year: int, named: str | Path | None) -> list[Path]:
    """Where HQ's record of ``year - 1`` is looked for, in order: ``checks.notified_record``
    (``named``, relative to the parameter file), then ``<data>/<year-1>/hq/allocation.csv``.
    The one rule: the year loader reads from here and the no-op check hashes these."""
    out = []
    if named is not None:
        base = Path(params_file).parent if params_file else Path.cwd()
        out.append((base / named).absolute())
    out.append(hq_dir(data_dir, year - 1) / RECORD_FILE)
    return out


def file_kind(mode: int) -> str:
    """What an entry is, from its ``st_mode``, in a message's words («a FIFO (named pipe)»…)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a regular file" if stat.S_ISREG(mode) else "a special file"


def shown_path(path: object) -> str:
    """A path as short as it can be said: relative to the working folder when inside it."""
    if path is None:
        return "-"
    p = Path(str(path))
    try:
        return str(p.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(p)
