"""What a build was made from: file hashes, the code's fingerprint, the commit.

Every rendered report carries a provenance box and every build writes a
``manifest.json``; both come from here. ``SOURCE_DATE_EPOCH`` (the
reproducible-builds convention) fixes the build date, so the same inputs,
parameters and code give byte-identical outputs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from atiyeh_reports.errors import InputError, VerifyError

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def sha256_file(path: Path) -> str:
    """The SHA-256 of a regular file; anything else (a FIFO, a device) is refused, never read.

    The file is opened without blocking and checked with ``fstat`` before a byte
    is read, so a FIFO or ``/dev/zero`` swapped in for an input cannot hang the run.
    """
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(path)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    finally:
        os.close(fd)
    return digest.hexdigest()


class NotRegularFile(InputError):
    """An input that is not a regular file (a FIFO, a device, a socket): refused unread (exit 3)."""

    def __init__(self, path: Path) -> None:
        super().__init__("not a regular file (a FIFO, device or socket); it was not read: "
                         "replace it with the file itself", file=path)
        self.path = Path(path)


def file_hashes(paths: Iterable[Path], root: Path,
                known: Iterable[dict[str, object]] = ()) -> list[dict[str, object]]:
    """``[{path, sha256, bytes}]`` sorted by path, paths relative to ``root``.

    For the raw inputs, ``paths`` is :meth:`atiyeh_reports.intake.Inventory.files`
    (what the intake reads); a path that is not a regular file raises
    :class:`NotRegularFile` instead of blocking on it. ``known`` are rows this run already
    hashed (same ``root``): a file with the same path and size is not read again.
    """
    done = {str(row["path"]): row for row in known}
    rows = []
    for path in sorted(Path(p) for p in paths):
        rel = (path.relative_to(root) if path.is_relative_to(root) else path).as_posix()
        size = path.stat().st_size
        row = done.get(rel)
        if row is not None and row.get("bytes") == size:
            rows.append({"path": rel, "sha256": row["sha256"], "bytes": size})
            continue
        rows.append({"path": rel, "sha256": sha256_file(path), "bytes": size})
    return rows


def relative_to_params(path: str | Path, params_file: str | Path) -> str:
    """``path`` relative to the parameter file's folder, POSIX style (``../data/sample``).

    What a manifest and a workbook record instead of an absolute path, so that
    two clones of the same inputs, wherever they sit, record the same thing.
    """
    base = Path(params_file).absolute().parent
    return Path(os.path.relpath(Path(path).absolute(), base)).as_posix()


def digest_of(*parts: object) -> str:
    """A SHA-256 over the text of ``parts`` (used for cache keys)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """A SHA-256 over the package's own source, templates and reference data."""
    files = sorted(
        p
        for p in PACKAGE_DIR.rglob("*")
        if p.is_file() and p.suffix in {".py", ".css", ".csv", ".j2", ".html"} and "__pycache__" not in p.parts
    )
    return digest_of(*(f"{p.relative_to(PACKAGE_DIR)}:{sha256_file(p)}" for p in files))


@cache
def git_commit() -> str:
    """The commit of the source tree the package runs from, with ``+dirty`` when it has changes."""
    root = PACKAGE_DIR.parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True, timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return f"{commit}+dirty" if dirty else commit


def build_time() -> dt.datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` when set, in UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return dt.datetime.now(tz=dt.timezone.utc).replace(microsecond=0)


MANIFEST = "manifest.json"
#: Files a build folder may hold that its manifest does not list (the marker is written last).
UNLISTED = frozenset({MANIFEST, ".atiyeh-output"})


def verify_outputs(folder: Path) -> dict[str, list[str]]:
    """Re-hash every file in a build folder against its ``manifest.json``.

    Returns ``{"changed": [...], "missing": [...], "extra": [...]}`` (paths
    relative to ``folder``, sorted); all three empty means the folder is as
    built. Raises :class:`~atiyeh_reports.errors.VerifyError` when ``folder``
    is not a build folder (no folder, no manifest, or a manifest that is not ours).
    """


    folder = Path(folder)
    if not folder.is_dir():
        raise VerifyError(f"{folder}: no such folder; pass a build's output folder, e.g. outputs/1404")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VerifyError(f"{folder}: has no {MANIFEST}; is it a build's output folder?") from None
    except (OSError, ValueError) as exc:
        raise VerifyError(f"{folder / MANIFEST}: cannot be read ({exc}); rebuild the year") from None
    listed = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(listed, list) or not all(isinstance(o, dict) and "path" in o and "sha256" in o
                                               for o in listed):
        raise VerifyError(f"{folder / MANIFEST}: not a manifest of atiyeh_reports (no list of outputs)")
    expected = {str(o["path"]): str(o["sha256"]) for o in listed}
    outside = sorted(rel for rel in expected if Path(rel).is_absolute() or ".." in Path(rel).parts)
    if outside:  # a manifest never names a file outside its folder: it was edited
        raise VerifyError(f"{folder / MANIFEST}: lists paths outside the folder ({', '.join(outside[:3])}); "
                          "the manifest was edited, rebuild the year")
    present = {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.relative_to(folder).as_posix() not in UNLISTED
    }
    changed = sorted(
        rel for rel in expected.keys() & present
        if (folder / rel).is_symlink() or not (folder / rel).is_file() or sha256_file(folder / rel) != expected[rel]
    )
    return {
        "changed": changed,
        "missing": sorted(expected.keys() - present),
        "extra": sorted(present - expected.keys()),
    }
