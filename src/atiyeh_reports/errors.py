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


class NotRegularFile(InputError):
    """An input that is not a regular file (a FIFO, a device, a socket): refused unread (exit 3)."""

    def __init__(self, path: Path) -> None:
        super().__init__("not a regular file (a FIFO, device or socket); it was not read: "
                         "replace it with the file itself", file=path)
        self.path = Path(path)


class MissingDataError(InputError):
    """Provinces with no accepted child, or an insurer export with no policies: building would
    allocate them zero without a word. Exit 5 (needs attention) unless the user accepts it."""

    exit_code = 5


class UnknownProvinceError(InputError):
    """A province name that matches none of the 31 provinces or their known spellings."""


class AnalysisError(AtiyehError):
    """A clean table does not meet the contract the analysis relies on (step 3, ``analysis``)."""

    exit_code = 1


class BudgetError(AtiyehError):
    """The budget parameters or tables cannot produce an allocation (e.g. floors above the total)."""

    exit_code = 5


class BuildError(AtiyehError):
    """A step of the report build failed (a notebook cell raised, rendering failed)."""

    exit_code = 4


class OutputError(AtiyehError):
    """The output location cannot be used: not ours, not a folder, not writable, or full."""

    exit_code = 6


class OutputBusyError(OutputError):
    """Another build holds the lock on the output folder."""

    exit_code = 7


class VerifyError(AtiyehError):
    """``atiyeh verify``: outputs differ from their manifest (changed, missing or extra files)."""

    exit_code = 8


class ContractError(AtiyehError):
    """A clean table breaks its contract (a bug in the code that built it, not in the data)."""


class MatchTooLowError(InputError):
    """The insurer's export matches under ``checks.min_match_share`` of the list's children: an input
    problem (a wrong national-ID column, another year's export), never a result to publish. Exit 3."""


class RecordError(InputError, ValueError):
    """A file is not a usable allocation record of HQ (the message says why). A ValueError too, as
    it was; exit 3 when it reaches the command line."""


class Interrupted(KeyboardInterrupt):
    """The build was stopped by a signal: Ctrl-C (SIGINT) or SIGTERM. A :class:`KeyboardInterrupt`,
    so that no ``except Exception`` swallows it and every ``finally`` on the way runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: Exit code when the command finished but something needs a person's attention.
EXIT_ATTENTION = 5
#: Exit code of an unexpected error (a bug): one line on screen, the traceback in a log file.
EXIT_INTERNAL = 70
#: Exit code when the user pressed Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130
#: Exit code when the command was stopped with SIGTERM (128 + SIGTERM), e.g. by `kill` or a service manager.
EXIT_TERMINATED = 143

#: Every exit code of the ``atiyeh`` command, with what it means (the README's table).
EXIT_CODES: dict[int, str] = {
    0: "done",
    AtiyehError.exit_code: "another error the package recognised (the message says what to do)",
    ParamsError.exit_code: "parameters or command line: a key, date, code or amount is wrong, "
                           "--year does not match the parameter file, the file is missing, empty, "
                           "a folder or not UTF-8",
    InputError.exit_code: "an input file (returned form, insurer export, HQ's record of last year) cannot "
                          "be used, or the insurer's "
                          "export matches under checks.min_match_share of the children",
    BuildError.exit_code: "a report step failed (a notebook cell raised, rendering failed)",
    EXIT_ATTENTION: "finished, but something needs attention (e.g. a form that could not be read)",
    OutputError.exit_code: "the output folder cannot be used: not ours and not empty, a file, "
                           "missing parent, read-only, full, or overlapping the inputs or the internal folder",
    OutputBusyError.exit_code: "another build is writing the same output folder",
    VerifyError.exit_code: "`atiyeh verify`: outputs changed, missing or extra against manifest.json, or no "
                           "usable manifest (missing, not a regular file, too big, not ours, not the pinned hash)",
    EXIT_INTERNAL: "unexpected error (a bug): one line on screen, the traceback in a log file",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, SIGINT): workers, kernels and renderers ended, nothing published",
    EXIT_TERMINATED: "stopped (SIGTERM): workers, kernels and renderers ended, nothing published",
}

