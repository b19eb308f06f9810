"""Step 1: the data-collection form HQ sends to the provinces."""

from atiyeh_reports.forms.template import (  # noqa: F401 - the step's public names
    DATE_EXAMPLE,
    EXPECTED_CHILDREN,
    MAX_FORM_ROWS,
    MIN_FORM_ROWS,
    SHEET_LISTS,
    SPARE_ROWS,
    FormVariant,
    counties,
    date_check,
    fixed_timestamp,
    form_filename,
    form_rows,
    form_year,
    write_form,
    write_forms,
)
