"""What each province receives, as the build makes it: 31 letters, 31 cards, 31 follow-up lists.

* **Letters** (PDF and DOCX, ``letters/``): :mod:`atiyeh_reports.publish.letters`.
* **Cards** (PDF and HTML, ``cards/``): ``notebooks/card.ipynb`` run once per
  province on the build's warm workers (:func:`card_jobs`), so they render in
  parallel with each other and with the national reports; one failing card does
  not stop the others and is reported at the end of the build.
* **Follow-up workbooks** (internal, with names and IDs):
  :mod:`atiyeh_reports.publish.followup`, written by :func:`write_internal`
  into the internal tree (:func:`atiyeh_reports.core.layout.internal_dir`), never
  into the folder that is shared.

Every file is named ``<code>_<name>`` (``IR-23_تهران.pdf``), the same stem in
each of the three folders.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from atiyeh_reports.core.layout import file_stem
from atiyeh_reports.core.provinces import provinces

if TYPE_CHECKING:
    from atiyeh_reports.pipeline.engine.workers import Job

CARDS = "cards"
LETTERS = "letters"
FOLLOWUP = "followup"
CARD_NOTEBOOK = "card"

INTERNAL_README = """\
این پوشه برای هم‌رسانی نیست.

کارپوشه‌های این پوشه نام و کد ملی فرزندان را دارند و فقط برای کارکنان ستاد (و هر کارپوشهٔ
پیگیری فقط برای همان استان) است. آن‌ها را پیوست نامه، رایانامه یا پیام نکنید و منتشر نکنید.
آنچه هم‌رسانی‌شدنی است در پوشهٔ خروجی سال ({shared}) است و نام یا کد ملی ندارد.

- quality.xlsx: یادداشت‌های کیفیت دادهٔ فرم‌های استان‌ها (ردیف‌های ردشده و اصلاح‌شده)
- reconciliation.xlsx: تطبیق فهرست فرزندان با خروجی بیمه‌گر
- followup/: کارپوشهٔ پیگیری هر استان، فقط موارد همان استان

This folder is not for sharing: its workbooks carry children's names and national IDs.
"""


#: A province's file stem in the pack: ``IR-23_تهران`` (:func:`atiyeh_reports.core.layout.file_stem`).
stem = file_stem


def card_jobs(params: Any, notebook_dir: Path, folder: Path, meta: Any, *,
              snapshot: Path | None = None) -> list[Job]:
    """One job per province: ``card.ipynb`` with ``province`` set, into ``folder`` (``cards/``).

    ``meta(code)`` gives the card's :class:`~atiyeh_reports.present.render.ReportMeta`.
    """
    from atiyeh_reports.errors import BuildError
    from atiyeh_reports.pipeline.engine.workers import Job

    notebook = Path(notebook_dir) / f"{CARD_NOTEBOOK}.ipynb"
    if not notebook.is_file():
        raise BuildError(f"notebook {notebook} not found (it makes the province cards); restore it, "
                         "or pass --no-pack to build without the province pack")
    codes = [p.code for p in provinces()]
    return [
        Job(name=stem(code), notebook=notebook,
            parameters={"params_path": str(Path(params.source).resolve()), "data_dir": str(params.data_dir),
                        "province": code, "snapshot": str(snapshot or "")},
            out_dir=Path(folder), meta=meta(code), tag=f"[card {n}/{len(codes)}] {code}", quiet=True)
        for n, code in enumerate(codes, 1)
    ]


def drop_executed(folder: Path) -> None:
    """The cards' executed notebooks are not shipped (their HTML and PDF are)."""
    for path in Path(folder).glob("*.ipynb"):
        path.unlink()


def write_internal(data: Any, folder: Path, shared: str) -> list[Path]:
    """The workbooks with names and IDs, for HQ only, into ``folder`` (the internal tree)."""
    from atiyeh_reports.core import layout
    from atiyeh_reports.insurer.workbook import write_reconciliation_workbook
    from atiyeh_reports.intake.quality_workbook import copy_clean_workbook
    from atiyeh_reports.publish.followup import write_followup_workbooks

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # The intake's own quality.xlsx, copied: its stamp comes from its inputs (quality.clean_stamp),
    # so the copy is the same bytes whoever ingested last (written again only if it is missing).
    written = [copy_clean_workbook(layout.clean_dir(data.params.data_dir, data.params.year), data.summary,
                                   data.findings, data.params.year, folder / "quality.xlsx")]
    rec = data.reconciliation
    # the year passed, not read from the folder's name (the internal tree is named after --out)
    written.append(write_reconciliation_workbook(rec, folder / "reconciliation.xlsx", year=data.year))
    written += write_followup_workbooks(data, rec, folder / FOLLOWUP)
    readme = folder / "README.txt"
    readme.write_text(INTERNAL_README.format(shared=shared), encoding="utf-8")
    written.append(readme)
    return written
