"""One root exception and its specific kinds.

Every message is written for a person: what is wrong, where (file, sheet,
row, column, key) and what to do about it. The command line turns these into
a clean message and a non-zero exit code instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class AtiyehError(Exception):
    """Root of every error this package raises on purpose."""

    exit_code = 1


class ParamsError(AtiyehError):
    """A parameter file is missing, malformed, or has a wrong, unknown or missing key."""

    exit_code = 2


class InputError(AtiyehError):
    """An input file cannot be used; the message names file, sheet, row and column."""

    exit_code = 3

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.sheet = sheet
        self.row = row
        self.column = column
        where = ", ".join(
            f"{label} {value}"
            for label, value in (
                ("file", self.file),
                ("sheet", sheet),
                ("row", row),
                ("column", column),
            )
            if value is not None
        )
        super().__init__(f"{where}: {message}" if where else message)


class UnknownProvinceError(InputError):
    """A province name that matches none of the 31 provinces or their known spellings."""


class BuildError(AtiyehError):
    """A step of the report build failed (a notebook cell raised, rendering failed)."""

    exit_code = 4
