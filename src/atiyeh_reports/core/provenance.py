"""What a build was made from: file hashes, the code's fingerprint, the commit.

Every rendered report carries a provenance box and every build writes a
``manifest.json``; both come from here. ``SOURCE_DATE_EPOCH`` (the
reproducible-builds convention) fixes the build date, so the same inputs,
parameters and code give byte-identical outputs.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import stat
import subprocess
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from atiyeh_reports.errors import InputError, NotRegularFile, VerifyError  # noqa: F401 - NotRegularFile importable here too

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
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else outside(path)
        size = path.stat().st_size
        row = done.get(rel)
        if row is not None and row.get("bytes") == size:
            rows.append({"path": rel, "sha256": row["sha256"], "bytes": size})
            continue
        rows.append({"path": rel, "sha256": sha256_file(path), "bytes": size})
    return rows


#: How a manifest names a file outside the folders its paths are relative to: ``<outside>/<name>``,
#: with its SHA-256 beside it, never its absolute path (which names a person's folders).
OUTSIDE = "<outside>"


def outside(path: str | Path) -> str:
    """The placeholder a manifest records for a file outside its tree: ``<outside>/<file name>``."""
    return f"{OUTSIDE}/{Path(path).name}"


def recorded_path(path: str | Path, params_file: str | Path) -> str:
    """``path`` as a manifest records it: relative to the parameter file's folder when it lies in
    the parameter file's project (that folder's parent: ``params/`` beside ``data/`` and
    ``outputs/``), else the placeholder ``<outside>/<name>`` (:func:`outside`)."""
    project = Path(params_file).absolute().parent.parent
    absolute = Path(os.path.abspath(path))
    if absolute.is_relative_to(Path(os.path.abspath(project))):
        return relative_to_params(absolute, params_file)
    return outside(absolute)


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
#: ``atiyeh verify`` reads a manifest of at most this size (a year's is ~0.1 MB: ~300 files listed).
MAX_MANIFEST_BYTES = 16 * 1024 * 1024
#: ... and walks at most this many entries of the folder (a year's build writes ~150 files).
MAX_ENTRIES = 200_000
#: Shortest prefix of the manifest's SHA-256 accepted as a pin (the short hash: 16 hex digits).
MIN_PIN_HEX = 16


def read_manifest_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a manifest that is a regular file (not a link, FIFO or device) of at most ``limit``.

    Opened without blocking and without following a link, checked with ``fstat`` before a
    byte is read: a FIFO, a link to ``/dev/zero`` or a huge file is refused at once.
    Raises :class:`~atiyeh_reports.errors.VerifyError`.
    """

    limit = MAX_MANIFEST_BYTES if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise VerifyError(f"{Path(path).parent}: has no {MANIFEST}; is it a build's output folder?") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP or Path(path).is_symlink():
            raise VerifyError(f"{path}: is a link, not the file a build writes; it was not followed. "
                              "Ask for the folder as it was built, or rebuild the year") from None
        raise VerifyError(f"{path}: cannot be read ({exc.strerror}); rebuild the year") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise VerifyError(f"{path}: not a regular file (a FIFO, device or socket); it was not read. "
                              "A build writes manifest.json as a file: ask for the folder as it was built")
        if st.st_size > limit:
            raise VerifyError(f"{path}: {st.st_size:,} bytes, over the {limit:,} a manifest may have; it was "
                              "not read. Ask for the folder as it was built, or rebuild the year")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(limit + 1)
    except OSError as exc:
        raise VerifyError(f"{path}: cannot be read ({exc.strerror}); rebuild the year") from None
    finally:
        os.close(fd)
    if len(raw) > limit:  # grew while being read
        raise VerifyError(f"{path}: over the {limit:,} bytes a manifest may have; it was not read")
    return raw


def _walk(folder: Path, limit: int | None = None) -> set[str]:
    """Every entry under ``folder`` that is not a folder (files, links, FIFOs...), relative, POSIX.

    A loop with a stack, not recursion: any depth of nested folders is walked; links to
    folders are entries, never followed. More than ``limit`` entries is refused.
    """

    limit = MAX_ENTRIES if limit is None else limit
    found: set[str] = set()
    stack = [""]
    seen = 0
    while stack:
        rel = stack.pop()
        here = folder / rel if rel else folder
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    seen += 1
                    if seen > limit:
                        raise VerifyError(f"{folder}: holds more than {limit:,} files and folders; a build writes "
                                          "a few hundred. It is not a build's output folder as it was built")
                    name = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(name)
                    else:
                        found.add(name)
        except OSError as exc:
            raise VerifyError(f"{folder}: the folder {_short(rel or '.')} cannot be read ({exc.strerror}); "
                              "the folder is not as it was built") from None
    return found


def _short(name: str, width: int = 120) -> str:
    """A name for a message, shortened in the middle when long (a path 1,500 folders deep)."""
    return name if len(name) <= width else f"{name[: width // 2]}…{name[-width // 2:]}"


def _listed_path(rel: object) -> bool:
    """A manifest's output path as a build writes it: relative, POSIX, inside the folder."""
    if not isinstance(rel, str) or not rel or "\0" in rel or len(rel) > 4096:
        return False
    parts = rel.split("/")
    return not rel.startswith("/") and all(part not in ("", ".", "..") for part in parts)


def verify_outputs(folder: Path, manifest_sha256: str | None = None) -> dict[str, list[str]]:
    """Re-hash every file in a build folder against its ``manifest.json``.

    Returns ``{"changed": [...], "missing": [...], "extra": [...]}`` (paths
    relative to ``folder``, sorted) and ``"manifest_sha256": [hex]``; the three
    lists empty means the folder is as its manifest says. Raises
    :class:`~atiyeh_reports.errors.VerifyError` when ``folder`` is not a build
    folder (no folder, no manifest, a manifest that is not a regular file, too big,
    not ours) or when the manifest's own SHA-256 does not start with the pinned
    ``manifest_sha256``.

    What it proves: every file is the one the manifest lists. A file changed
    *together with* its manifest entry passes, unless the manifest's hash is pinned
    (given by the sender through another channel, e.g. the official letter).

    Bounded: the manifest is read only if it is a regular file of at most
    :data:`MAX_MANIFEST_BYTES`; the folder is walked without recursion, at most
    :data:`MAX_ENTRIES` entries; a listed file whose size differs is changed
    without being read.
    """


    folder = Path(folder)
    if not folder.is_dir():
        raise VerifyError(f"{folder}: no such folder; pass a build's output folder, e.g. outputs/1404")
    path = folder / MANIFEST
    raw = read_manifest_bytes(path)
    digest = hashlib.sha256(raw).hexdigest()
    if manifest_sha256 is not None and not digest.startswith(manifest_sha256.lower()):
        raise VerifyError(
            f"{path}: its SHA-256 is {digest[:len(manifest_sha256)]}…, not the pinned {manifest_sha256.lower()}: "
            "this manifest is not the one the sender built (it was changed, perhaps with the files it lists). "
            "Do not trust these outputs; ask the sender for the folder again")
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        reason = "nested too deeply" if isinstance(exc, RecursionError) else "not JSON"
        raise VerifyError(f"{path}: cannot be read ({reason}); rebuild the year") from None
    listed = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(listed, list) or not all(isinstance(o, dict) and "path" in o and "sha256" in o
                                               for o in listed):
        raise VerifyError(f"{path}: not a manifest of atiyeh_reports (no list of outputs)")
    outside = sorted(str(o["path"]) for o in listed if not _listed_path(o["path"]))
    if outside:  # a manifest never names a file outside its folder: it was edited
        raise VerifyError(f"{path}: lists paths outside the folder ({', '.join(_short(p, 60) for p in outside[:3])}); "
                          "the manifest was edited, rebuild the year")
    expected = {str(o["path"]): o for o in listed}
    present = {rel for rel in _walk(folder) if rel not in UNLISTED}
    changed = sorted(rel for rel in expected.keys() & present if not _same(folder / rel, expected[rel]))
    return {
        "changed": changed,
        "missing": sorted(expected.keys() - present),
        "extra": sorted(present - expected.keys()),
        "manifest_sha256": [digest],
    }


def _same(path: Path, listed: dict) -> bool:
    """Whether ``path`` is a regular file (not a link) with the listed size and SHA-256."""
    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            return False
        size = listed.get("bytes")
        if isinstance(size, int) and st.st_size != size:
            return False  # not read: a different size is a different file
        return sha256_file(path) == str(listed["sha256"])
    except (OSError, InputError):
        return False
