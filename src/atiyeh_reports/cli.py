"""The ``atiyeh`` command: sample, forms, ingest, build, verify.

Errors this package raises on purpose (:class:`AtiyehError`) become one clean
message on stderr (what, where, what to do) and the error's exit code from
:data:`atiyeh_reports.errors.EXIT_CODES` (the README's table). A file system
refusal while writing (disk full, read-only) is an output error, exit 6.
Anything else is a bug: one line on stderr naming a log file that holds the
full traceback (:func:`log_dir`), and exit code 70.
"""

from __future__ import annotations

import argparse
import errno
import os
import signal
import sys
import tempfile
import time
import traceback
import warnings
from pathlib import Path

from atiyeh_reports import __version__
from atiyeh_reports.errors import (
    EXIT_ATTENTION,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    AtiyehError,
    Interrupted,
    OutputError,
    ParamsError,
    VerifyError,
)

__all__ = ["EXIT_ATTENTION", "EXIT_INTERNAL", "log_dir", "main", "parser"]

#: errno values that mean "this location cannot be written": reported as an output error, not a bug.
_WRITE_REFUSALS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM,
                   errno.ENOTDIR, errno.EISDIR, errno.EEXIST}


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Progress:
    """Build progress on stderr: on a terminal, the cell counter rewrites one line; in a log, a line each."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001 - any text stream
        import threading

        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open = False
        self._lock = threading.Lock()  # the letters report from a thread of their own

    def __call__(self, message: str) -> None:
        with self._lock:
            self._write(message)

    @staticmethod
    def _transient(message: str) -> bool:
        """A counter line (a cell of a report, a card done) that the next one may overwrite."""
        return ": cell " in message or (message.startswith("[card ") and message.endswith(" s)")
                                        and "FAILED" not in message)

    def _write(self, message: str) -> None:
        if self.tty and self._transient(message):
            self.stream.write(f"\r\033[K{message}")
            self._open = True
        else:
            if self._open:
                self.stream.write("\n")
                self._open = False
            self.stream.write(message + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._open:
            self.stream.write("\n")
            self._open = False


def _default_params(year: int) -> Path:
    return Path("params") / f"{year}.yaml"


def _params_dir() -> Path:
    """The project's params/ folder (:func:`atiyeh_reports.lab.explore.project_root`), else ./params."""
    from atiyeh_reports.lab.explore import ROOT_ENV, project_root

    try:
        return project_root() / "params"
    except ParamsError:
        if os.environ.get(ROOT_ENV):  # a wrong $ATIYEH_ROOT is said, not worked around
            raise
        return Path("params")


def cmd_sample(args: argparse.Namespace) -> int:
    from atiyeh_reports.sample.write import write_sample

    params_dir = _params_dir()
    info = write_sample(Path(args.out), seed=args.seed, params_dir=params_dir)
    files = getattr(info, "files", ())
    _say(f"sample data written to {args.out} ({len(files)} files)")
    if not params_dir.is_dir():
        _say(f"note: no parameter folder {params_dir}, so the sample has no HQ allocation records")
    return 0


def cmd_forms(args: argparse.Namespace) -> int:
    from atiyeh_reports.core.params import FIRST_YEAR, LAST_YEAR
    from atiyeh_reports.forms.write import write_forms

    if not FIRST_YEAR <= args.year <= LAST_YEAR:
        hint = f" (a Gregorian year? {args.year} is about {args.year - 621} in the Jalali calendar)" \
            if 1900 <= args.year <= 2200 else ""
        raise ParamsError(f"--year {args.year}: forms are written for Jalali years "
                          f"{FIRST_YEAR}–{LAST_YEAR}{hint}; pass e.g. --year 1405")

    paths = write_forms(args.year, Path(args.out))
    _say(f"{len(paths)} forms for {args.year} written to {args.out}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from atiyeh_reports.api import prepare_year, with_data_dir
    from atiyeh_reports.core.layout import clean_dir
    from atiyeh_reports.core.params import load_params
    from atiyeh_reports.intake.inventory import inventory, missing_lines

    params = with_data_dir(
        load_params(args.params or _default_params(args.year), expected_year=args.year), args.data
    )
    data = prepare_year(params, force=True)
    s = data.summary
    _say(
        f"{args.year}: {int(s['rows_read'].sum())} rows read, {int(s['accepted'].sum())} accepted "
        f"({int(s['corrected'].sum())} with corrections), {int(s['rejected'].sum())} rejected; "
        f"{len(data.children)} eligible children in {data.children['province_code'].nunique()} provinces; "
        f"{len(data.policies)} insurer policies"
    )
    _say(f"clean tables and quality.xlsx in {clean_dir(params.data_dir, params.year)}")
    not_read = inventory(params.data_dir, params.year).lines()
    if not_read:
        _say(f"{len(not_read)} entr{'y' if len(not_read) == 1 else 'ies'} of the input folders not read:\n  "
             + "\n  ".join(not_read))
    attention = False
    if data.unreadable:
        _say("needs attention: these forms could not be read:\n  " + "\n  ".join(data.unreadable))
        attention = True
    missing = missing_lines(data)
    if missing:
        _say(f"needs attention: {len(missing)} province(s) have no accepted child:\n  " + "\n  ".join(missing))
        attention = True
    if len(data.policies) == 0:
        _say("needs attention: the insurer's export has no policies (see insurer_findings)")
        attention = True
    return EXIT_ATTENTION if attention else 0


def cmd_build(args: argparse.Namespace) -> int:
    from atiyeh_reports.pipeline.build import build_year

    progress = Progress()
    try:
        result = build_year(
            Path(args.params or _default_params(args.year)),
            data_dir=Path(args.data) if args.data else None,
            out_dir=Path(args.out) if args.out else None,  # None: outputs/<year>
            progress=progress,
            accept_unreadable=args.accept_unreadable,
            accept_missing=args.accept_missing,
            expected_year=args.year,
            internal_dir=Path(args.internal) if args.internal else None,
            pack=not args.no_pack,
            workers=args.workers,
        )
    finally:
        progress.close()
    _say(
        f"built {args.year} in {result.seconds:.1f} s: executed {', '.join(result.executed) or 'none'}; "
        f"reused {', '.join(result.reused) or 'none'}"
    )
    _say_files(result.out_dir, result.written, "to share")
    if result.internal_dir is not None and result.internal:
        _say_files(result.internal_dir, result.internal, "NOT to share: names and IDs")
    _say_pin(result.out_dir)
    return 0


def _say_pin(out_dir: Path) -> None:
    """The manifest's SHA-256: what HQ sends recipients by another channel, to pin `atiyeh verify`."""
    from atiyeh_reports.core.provenance import MANIFEST, sha256_file

    try:
        digest = sha256_file(Path(out_dir) / MANIFEST)
    except (OSError, AtiyehError):
        return
    _say(f"manifest.json sha256 {digest}: send it with the letter, not in the folder; a recipient checks "
         f"with: atiyeh verify {out_dir} --manifest-sha256 {digest}")


def _say_files(folder: Path, paths: list[Path], what: str) -> None:
    """A folder's files, one line each; a sub-folder (letters/, cards/) as one line with its count."""
    _say(f"{folder} ({what}):")
    groups: dict[str, int] = {}
    for path in paths:
        rel = Path(path).relative_to(folder)
        if len(rel.parts) > 1:
            groups[rel.parts[0]] = groups.get(rel.parts[0], 0) + 1
        else:
            _say(f"  {rel}")
    for name, count in sorted(groups.items()):
        _say(f"  {name}/ ({count} files)")


#: ``atiyeh verify`` names at most this many files; the counts say how many there are in all.
VERIFY_SHOWN = 20


def cmd_verify(args: argparse.Namespace) -> int:
    import re

    from atiyeh_reports.core.provenance import MIN_PIN_HEX, verify_outputs

    pin = args.manifest_sha256
    if pin is not None and not re.fullmatch(rf"[0-9a-fA-F]{{{MIN_PIN_HEX},64}}", pin.strip()):
        raise ParamsError(f"--manifest-sha256 {pin[:80]!r}: give the manifest's SHA-256 as the sender gave it, "
                          f"64 hexadecimal digits (or its first {MIN_PIN_HEX} or more)")
    pinned = {"manifest_sha256": pin.strip()} if pin else {}
    found = verify_outputs(Path(args.folder), **pinned)
    lines = [f"  {kind}: {_printable(path)}" for kind in ("changed", "missing", "extra") for path in found[kind]]
    if lines:
        counts = ", ".join(f"{len(found[k])} {k}" for k in ("changed", "missing", "extra") if found[k])
        shown = lines[:VERIFY_SHOWN]
        if len(lines) > VERIFY_SHOWN:
            shown.append(f"  ... and {len(lines) - VERIFY_SHOWN:,} more (the counts above are complete)")
        raise VerifyError(
            f"{args.folder}: the outputs differ from manifest.json ({counts}):\n" + "\n".join(shown)
            + "\nrebuild the year (atiyeh build) to get outputs that match their manifest"
        )
    if pin:
        _say(f"{args.folder}: every output matches manifest.json, whose SHA-256 is the pinned one "
             f"({found['manifest_sha256'][0]})")
    else:
        _say(f"{args.folder}: every output matches manifest.json")
    return 0


def _printable(name: str, width: int = 160) -> str:
    """A file name for the terminal: control characters escaped, a very long one shortened."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)
    return text if len(text) <= width else f"{text[: width // 2]}…{text[-width // 2:]}"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="atiyeh",
        description="Yearly reports of the Atiyeh child-insurance programme (service 19041060106).",
    )
    p.add_argument("--version", action="version", version=f"atiyeh_reports {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, description: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, description=description)

    s = command("sample", "write the deterministic sample data set",
                "Write a fake, deterministic data set (returned forms and insurer exports of three years, "
                "with the mistakes real forms show) to try the pipeline on.")
    s.add_argument("--out", required=True, help="folder to write <year>/provinces, <year>/insurer into")
    s.add_argument("--seed", type=int, default=1404, help="random seed of the sample (default 1404)")
    s.set_defaults(func=cmd_sample)

    f = command("forms", "write the 31 blank provincial forms of a year",
                "Write the data-collection form HQ sends to each of the 31 provinces, one workbook per "
                "province whose file name carries the year.")
    f.add_argument("--year", type=int, required=True, help="Jalali year of the forms, e.g. 1405")
    f.add_argument("--out", required=True, help="folder to write the 31 workbooks into (made if missing)")
    f.set_defaults(func=cmd_forms)

    i = command("ingest", "clean a year's returned forms and write the quality report",
                "Read every returned form and the insurer export of a year, write the clean tables and "
                "quality.xlsx (every correction and rejection, with file, sheet, row and column).")
    i.add_argument("--year", type=int, required=True, help="Jalali year to ingest; must match the parameter file")
    i.add_argument("--params", help="parameter file (default params/<year>.yaml)")
    i.add_argument("--data", help="data folder (default: data_dir of the parameter file)")
    i.set_defaults(func=cmd_ingest)

    b = command("build", "build a year's reports (HTML, PDF, xlsx) and manifest",
                "Build the analysis, allocation and evaluation reports of a year into an output folder, "
                "reusing reports whose inputs did not change. The folder is locked while a build writes it; "
                "an existing folder that atiyeh did not make is refused.")
    b.add_argument("--year", type=int, required=True, help="Jalali year to build; must match the parameter file")
    b.add_argument("--params", help="parameter file (default params/<year>.yaml)")
    b.add_argument("--data", help="data folder (default: data_dir of the parameter file)")
    b.add_argument("--out", help="output folder (default outputs/<year>); must be new, empty or an earlier build's")
    b.add_argument("--internal", help="folder for the workbooks with names and IDs (default internal/<year> "
                                      "beside outputs/, else <out>-internal); never shared")
    b.add_argument("--workers", type=int, default=None, metavar="N",
                   help="documents rendered at once (default: one per core)")
    b.add_argument("--no-pack", action="store_true",
                   help="leave out the province pack (31 letters, 31 cards, 31 follow-up workbooks)")
    b.add_argument("--accept-unreadable", action="store_true",
                   help="build even when some returned forms could not be read")
    b.add_argument("--accept-missing", action="store_true",
                   help="build even when some provinces have no accepted child (they get 0 Rials) or the "
                        "insurer's export has no policies; every report then names them")
    b.set_defaults(func=cmd_build)

    v = command("verify", "check a build's outputs against its manifest.json",
                "Re-hash every file of a build's output folder against its manifest.json; exit 8, naming "
                "the files (at most 20, with the counts), when any file changed, went missing or is extra, "
                "or when the manifest is unusable or not the pinned one (--manifest-sha256).")
    v.add_argument("folder", help="a build's output folder, e.g. outputs/1404")
    v.add_argument("--manifest-sha256", metavar="HEX", default=None,
                   help="the SHA-256 of manifest.json as the sender gave it (by letter, not in the folder): "
                        "without it, a file changed together with its manifest entry passes")
    v.set_defaults(func=cmd_verify)
    return p


def log_dir() -> Path:
    """Where unexpected errors are logged: ``$ATIYEH_LOG_DIR``, else ``$XDG_STATE_HOME/atiyeh_reports``
    (default ``~/.local/state/atiyeh_reports``), else the system's temporary folder."""
    if os.environ.get("ATIYEH_LOG_DIR"):
        return Path(os.environ["ATIYEH_LOG_DIR"])
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "atiyeh_reports"


def _log_traceback(argv: list[str] | None) -> Path | None:
    """Write the current exception's traceback to a new log file (mode 0600: it may quote data)."""
    text = (
        f"atiyeh_reports {__version__}, {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n"
        f"command: atiyeh {' '.join(sys.argv[1:] if argv is None else argv)}\n\n"
        + traceback.format_exc()
    )
    name = f"error-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    for folder in (log_dir(), Path(tempfile.gettempdir())):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / name
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            return path
        except OSError:
            continue
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the command; return its exit code (see :data:`atiyeh_reports.errors.EXIT_CODES`)."""
    args = parser().parse_args(argv)
    warnings.simplefilter("default")
    # WeasyPrint leaves its own colour profile (sRGB2014.icc) open: not ours to report, and not fixable here.
    warnings.filterwarnings("ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning)
    previous = _stop_on_signals()
    try:
        return args.func(args)
    except AtiyehError as exc:
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        what = "stopped (SIGTERM)" if signum == signal.SIGTERM else "interrupted (Ctrl-C)"
        if getattr(exc, "published", False):
            _say(f"{what} as the build finished: its outputs had just been published, complete; check them "
                 "with atiyeh verify")
        else:
            _say(f"{what}; nothing was published, earlier outputs were left as they were")
        return EXIT_TERMINATED if signum == signal.SIGTERM else EXIT_INTERRUPTED
    except OSError as exc:
        if exc.errno not in _WRITE_REFUSALS:
            return _internal(argv, exc)
        where = exc.filename or "the output folder"
        _say(f"error: cannot write {where}: {exc.strerror}; choose a writable folder with room (--out), "
             "then run again")
        return OutputError.exit_code
    except Exception as exc:  # noqa: BLE001 - a bug: one line here, the traceback in the log
        return _internal(argv, exc)
    finally:
        _restore_signals(previous)


def _stop_on_signals() -> dict[int, object]:
    """Ctrl-C (SIGINT) and SIGTERM raise :class:`Interrupted` in the command's thread, once.

    The first signal raises; the handlers then ignore further ones, so the clean-up that the
    exception sets going (ending the workers, kernels and renderers, removing the staging
    folders, dropping the lock) is not itself interrupted by a second Ctrl-C. Returns the
    previous handlers (:func:`_restore_signals`); does nothing outside the main thread.
    """
    import threading

    if threading.current_thread() is not threading.main_thread():
        return {}

    def stop(signum: int, frame: object) -> None:
        for number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(number, signal.SIG_IGN)
        raise Interrupted(signum)

    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        previous[number] = signal.getsignal(number)
        signal.signal(number, stop)
    return previous


def _restore_signals(previous: dict[int, object]) -> None:
    for number, handler in previous.items():
        if handler is not None:
            signal.signal(number, handler)  # type: ignore[arg-type]


def _internal(argv: list[str] | None, exc: BaseException) -> int:
    log = _log_traceback(argv)
    where = f"the full traceback is in {log}" if log else "no log file could be written"
    # The type and place only: the message of an unexpected error may quote a child's data.
    _say(f"internal error: {type(exc).__name__}{_place(exc)} (a bug in atiyeh_reports; {where}; "
         "please report it with that file)")
    return EXIT_INTERNAL


def _place(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "atiyeh_reports" in f.filename] or frames
    if not ours:
        return ""
    last = ours[-1]
    return f" in {Path(last.filename).name}:{last.lineno}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
