"""Documents to send: the allocation letters (ابلاغیه) to the 31 provinces, the provinces'
follow-up workbooks, and the year's index page.

:mod:`~atiyeh_reports.publish.letters` holds what a letter says and its PDF;
:mod:`~atiyeh_reports.publish.docx` writes it as a right-to-left Word document;
:mod:`~atiyeh_reports.publish.followup` writes each province's cases (internal: names and IDs);
:mod:`~atiyeh_reports.publish.index` writes ``index.html`` linking every shareable file.
"""

from atiyeh_reports.publish.followup import followup_cases, followup_counts, write_followup_workbooks
from atiyeh_reports.publish.index import write_index
from atiyeh_reports.publish.letters import (
    Letter,
    amount_in_words,
    file_stem,
    letter_for,
    letters,
    write_letters,
    write_year_letters,
)

__all__ = ["Letter", "amount_in_words", "file_stem", "followup_cases", "followup_counts", "letter_for", "letters",
           "write_followup_workbooks", "write_index", "write_letters", "write_year_letters"]
