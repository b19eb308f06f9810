"""Documents to send: the allocation letters (ابلاغیه) to the 31 provinces.

:mod:`~atiyeh_reports.publish.letters` holds what a letter says and its PDF;
:mod:`~atiyeh_reports.publish.docx` writes it as a right-to-left Word document.
"""

from atiyeh_reports.publish.letters import (
    Letter,
    amount_in_words,
    letter_for,
    letters,
    write_letters,
    write_year_letters,
)

__all__ = ["Letter", "amount_in_words", "letter_for", "letters", "write_letters", "write_year_letters"]
