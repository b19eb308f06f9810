"""Step 1: the data-collection form HQ sends to the provinces.

:mod:`.template` is the form (columns, variants, drop-downs, date checks, names);
:mod:`.write` writes it (:func:`write_forms`, :func:`write_form`).
"""

from atiyeh_reports.core.provinces import counties  # noqa: F401 - the step's public names (counties: core since 1405)
from atiyeh_reports.forms.template import (
    DATE_EXAMPLE,
    EXPECTED_CHILDREN,
    MAX_FORM_ROWS,
    MIN_FORM_ROWS,
    SHEET_LISTS,
    SPARE_ROWS,
    FormVariant,
    date_check,
    fixed_timestamp,
    form_filename,
    form_rows,
    form_year,
)
from atiyeh_reports.forms.write import write_form, write_forms
from atiyeh_reports.io.xlsx import save_workbook, set_value, write_table
