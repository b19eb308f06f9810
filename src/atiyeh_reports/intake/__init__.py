"""Reading the provinces' returned forms into the clean tables of a year.

:func:`ingest` reads every form under ``<data>/<Y>/provinces/`` (``.xlsx``,
``.xlsm``, ``.xls``, ``.ods``, any letter case; :func:`inventory` lists what
is not read, with the reason) and
returns an :class:`Intake`: the eligible, de-duplicated children, each
province's previous-year performance, one finding per problem, and a
per-province summary. Nothing is guessed silently: every correction,
rejection and warning is a finding (see :mod:`atiyeh_reports.intake.quality`).

Rules (the decisions a reader of the report may ask about)
------------------------------------------------------------
* **Province of a form.** The title row (``استان: ...``) wins when it names a
  province, because it sits inside the form and HQ fills and locks it; the file
  name (``IR-23_تهران.xlsx`` or a Persian name) is the fallback. One exception:
  when the title and the file name disagree, and the title's province has
  another form while the file name's has none, the file name wins (a title
  copied from another province's form would otherwise leave one province with
  no children and double another). Either way the disagreement is a
  ``warning`` naming both provinces. When both ways leave the province with a
  second form, the form whose title and file name disagree is ``unreadable``
  (fix its title or its file name); two forms whose titles and file names
  agree are both read, with a ``warning``, and the first one's performance
  counts. A title spelt another way (``استان: كرمانشاه``) is ``corrected`` to
  the official name; an unknown title with a usable file name gives a
  ``corrected`` finding; when neither names a province, the file is
  ``unreadable``.
* **Rows read.** A data row is a row below the header with any non-empty cell.
  Blank rows are not read (those between data rows are counted in
  ``blank_rows`` and reported once per file; the empty pre-formatted rows after
  the last child are ignored). Total rows (a cell saying ``جمع``/``total`` and
  no usable national ID) are not read and are reported. So for every
  province ``rows_read = accepted + rejected``.
* **Corrections.** Every accepted value stored otherwise than it was typed is
  a correction, listed as a ``corrected`` finding: re-formatting a national ID
  (Persian digits, separators, leading zeros Excel dropped); mapping a gender,
  guardianship or care word to the form's canonical value; re-spelling the
  names, the county or the court order (Arabic ي/ك to Persian ی/ک, runs of
  spaces, a space beside a ZWNJ; trimming outer spaces alone is not; a court
  order keeps its digits as typed, since it is quoted back to the court); and a
  date typed in another form (``1403-1-5``, ``14030105``, Persian digits, an
  Excel date cell), listed with the form's text of it (``1403/01/05``).
  ``corrected`` in the summary counts accepted rows with at least one
  correction, so ``corrected <= accepted`` in every province.
* **Rejections.** An unusable ID or a wrong check digit, a missing name, an
  unknown gender or guardianship, an impossible or future birth date (after
  the fiscal year's end), no court order (when ``require_court_order``), a
  guardianship the parameters do not cover, and an age at or over the limit
  on 1 Farvardin of Y. A child born during Y counts as age 0. Every reason
  of a rejected row is reported, one finding each.
* **Kept with a warning (value left empty).** An impossible admission date, an
  admission date after the fiscal year's end or before the birth date, an
  unknown care arrangement.
* **Duplicates.** Within a province the first row (file order, then row)
  among otherwise-accepted rows is kept; later ones are rejected. Across
  provinces the row with the later admission date is counted (an empty
  admission date counts as earliest: a child who moved was admitted again
  where it lives now), then the row whose county is one of its own
  province's counties (a row copied into another province's form keeps the
  county it came from), then the lower province code; the
  counted row gets a ``warning`` and the others are ``rejected``, so both
  sides appear in the findings.
* **Unreadable files** (not a workbook, corrupt, encrypted, no children sheet,
  required columns missing, over a size limit of ``params.limits``) are listed in :attr:`Intake.unreadable` and in the
  findings; the other provinces are still read.

Modules
-------
``scan`` checks a form's zip package (size limits, error cells, merges, hidden
rows) before any reader parses it; ``reader`` opens a workbook and finds its
sheets and header; ``claims`` decides
which province a form belongs to; ``rules`` judges each row (``columns``
the clean ones a column at a time); ``files`` reads one form whole, and
``pool`` reads a large year's forms in helper processes as well as this one
(same outcomes, same order); ``dedupe``
rejects repeated national IDs; ``frames`` builds, writes and reads the clean
tables; ``inventory`` lists every entry of the input folders (read, or
skipped with the reason) and the provinces left without data; ``year`` puts them together in :func:`ingest`. Every public name (and
the private ones the tests reach for) is importable from here.
"""

from __future__ import annotations

from atiyeh_reports import _moved
from atiyeh_reports.intake.claims import _Claim, _province_from_name, _resolve_provinces
from atiyeh_reports.intake.common import (
    CHILDREN_COLUMNS,
    HEADER_SEARCH_ROWS,
    MIN_HEADER_MATCHES,
    PERFORMANCE_COLUMNS,
    PERFORMANCE_FIELDS,
)
from atiyeh_reports.intake.frames import Intake, read_clean, write_clean
from atiyeh_reports.intake.inventory import (
    FORM_SUFFIXES,
    INSURER_SUFFIXES,
    Entry,
    Inventory,
    inventory,
    missing_lines,
    provinces_without_data,
)
from atiyeh_reports.intake.reader import _CalamineBook, _has_error_cells, _open, _OpenpyxlBook
from atiyeh_reports.intake.year import ingest

__all__ = [
    "CHILDREN_COLUMNS", "FORM_SUFFIXES", "INSURER_SUFFIXES", "PERFORMANCE_COLUMNS", "Entry", "Intake",
    "Inventory", "ingest", "inventory", "missing_lines", "provinces_without_data", "read_clean",
    "write_clean",
]


def __getattr__(name: str) -> object:
    """``no_data_note_fa`` moved to :mod:`atiyeh_reports.analysis.views`; served for the 1405
    cycle (:func:`atiyeh_reports._moved.moved_name`)."""
    return _moved.moved_name(__name__, name)
