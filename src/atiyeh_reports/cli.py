"""The ``atiyeh`` command: sample, forms, ingest, build.

Errors this package raises on purpose (:class:`AtiyehError`) become one clean
message on stderr and the error's exit code; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from atiyeh_reports import __version__
from atiyeh_reports.errors import AtiyehError

#: Exit code when the command finished but something needs a person's attention
#: (e.g. a returned form that could not be read).
EXIT_ATTENTION = 5


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class Progress:
    """Build progress on stderr: on a terminal, the cell counter rewrites one line; in a log, a line each."""

    def __init__(self, stream=None) -> None:  # noqa: ANN001 - any text stream
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._open = False

    def __call__(self, message: str) -> None:
        if self.tty and ": cell " in message:
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


def cmd_sample(args: argparse.Namespace) -> int:
    from atiyeh_reports.sample import write_sample

    info = write_sample(Path(args.out), seed=args.seed)
    files = getattr(info, "files", ())
    _say(f"sample data written to {args.out} ({len(files)} files)")
    return 0


def cmd_forms(args: argparse.Namespace) -> int:
    from atiyeh_reports.forms import write_forms

    paths = write_forms(args.year, Path(args.out))
    _say(f"{len(paths)} forms for {args.year} written to {args.out}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from atiyeh_reports.api import prepare_year, with_data_dir
    from atiyeh_reports.layout import clean_dir
    from atiyeh_reports.params import load_params

    params = with_data_dir(load_params(args.params or _default_params(args.year)), args.data)
    if params.year != args.year:
        raise AtiyehError(f"{params.source}: is the parameter file of {params.year}, not {args.year}")
    data = prepare_year(params, force=True)
    s = data.summary
    _say(
        f"{args.year}: {int(s['rows_read'].sum())} rows read, {int(s['accepted'].sum())} accepted "
        f"({int(s['corrected'].sum())} with corrections), {int(s['rejected'].sum())} rejected; "
        f"{len(data.children)} eligible children in {data.children['province_code'].nunique()} provinces; "
        f"{len(data.policies)} insurer policies"
    )
    _say(f"clean tables and quality.xlsx in {clean_dir(params.data_dir, params.year)}")
    if data.unreadable:
        _say("needs attention: these forms could not be read:\n  " + "\n  ".join(data.unreadable))
        return EXIT_ATTENTION
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from atiyeh_reports.build import build_year

    progress = Progress()
    try:
        result = build_year(
            Path(args.params or _default_params(args.year)),
            data_dir=Path(args.data) if args.data else None,
            out_dir=Path(args.out) if args.out else Path("outputs") / str(args.year),
            progress=progress,
            accept_unreadable=args.accept_unreadable,
            expected_year=args.year,
        )
    finally:
        progress.close()
    _say(
        f"built {args.year} in {result.seconds:.1f} s: executed {', '.join(result.executed) or 'none'}; "
        f"reused {', '.join(result.reused) or 'none'}"
    )
    for path in result.written:
        _say(f"  {path}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="atiyeh",
        description="Yearly reports of the Atiyeh child-insurance programme (service 19041060106).",
    )
    p.add_argument("--version", action="version", version=f"atiyeh_reports {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("sample", help="write the deterministic sample data set")
    s.add_argument("--out", required=True, help="folder to write <year>/provinces, <year>/insurer into")
    s.add_argument("--seed", type=int, default=1404)
    s.set_defaults(func=cmd_sample)

    f = sub.add_parser("forms", help="write the 31 blank provincial forms of a year")
    f.add_argument("--year", type=int, required=True)
    f.add_argument("--out", required=True)
    f.set_defaults(func=cmd_forms)

    i = sub.add_parser("ingest", help="clean a year's returned forms and write the quality report")
    i.add_argument("--year", type=int, required=True)
    i.add_argument("--params", help="parameter file (default params/<year>.yaml)")
    i.add_argument("--data", help="data folder (default: data_dir of the parameter file)")
    i.set_defaults(func=cmd_ingest)

    b = sub.add_parser("build", help="build a year's reports (HTML, PDF, xlsx) and manifest")
    b.add_argument("--year", type=int, required=True)
    b.add_argument("--params", help="parameter file (default params/<year>.yaml)")
    b.add_argument("--data", help="data folder (default: data_dir of the parameter file)")
    b.add_argument("--out", help="output folder (default outputs/<year>)")
    b.add_argument("--accept-unreadable", action="store_true",
                   help="build even when some returned forms could not be read")
    b.set_defaults(func=cmd_build)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    warnings.simplefilter("default")
    try:
        return args.func(args)
    except AtiyehError as exc:
        _say(f"error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
