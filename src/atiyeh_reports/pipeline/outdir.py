"""The output folder: ours, locked while a build writes it, checked before the long work.

A build never writes into ``outputs/<year>`` directly. :func:`claim` checks the
location, takes the folder's lock, removes what killed builds left behind and
makes a staging folder beside it; :meth:`Claim.publish` moves the finished
staging folder into place (the previous outputs stay as they were until then).

* **Ours.** A folder we made carries :data:`MARKER` (or, from builds before the
  marker, a ``manifest.json`` of ours). ``--out`` naming an existing folder that
  is neither empty nor ours is refused: its files are never replaced.
* **One build at a time.** The lock is ``fcntl.flock`` on ``.<name>.lock`` beside
  the folder (beside, because the folder itself is swapped). A second build of
  the same folder does not wait: it refuses at once, naming the other build's
  process, with exit code 7. The kernel drops the lock when a build dies, so a
  killed build never leaves the folder locked.
* **Leftovers.** ``.<name>.building-*`` (staging) and ``.<name>.old-*`` folders
  beside the output belong to builds of this folder; holding the lock, the next
  build removes them.
* **Writable, with room.** The location is probed by really creating the lock
  file and the staging folder, and the free space is checked
  (:data:`MIN_FREE_BYTES`), before any notebook runs: a read-only, immutable or
  full location gives one message and exit code 6.
* **Permissions** follow the user's umask (no ``mkdtemp``, whose folders are 0700).
* **Apart from the inputs.** :func:`check_apart` refuses, before anything is
  touched, an output folder or internal folder that is or contains the data
  folder, the parameter file's folder or another input (such as HQ's record),
  that sits inside a part of the data folder builds read or write (a year's
  folder, ``clean/``), or that overlaps the other one. Paths are compared
  with every link resolved, for both folders alike.
* **Links.** A link given as ``--out`` or ``--internal`` is followed: the folder
  it points at is rebuilt and the link stays a link (:func:`follow_link`); a
  broken link is refused.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from atiyeh_reports.errors import OutputBusyError, OutputError

#: The file that marks a folder as written by this package.
MARKER = ".atiyeh-output"
MANIFEST = "manifest.json"
#: Free space a build needs before it starts (the sample's outputs take about 5 MB).
MIN_FREE_BYTES = 50 * 1024 * 1024


def is_ours(folder: Path) -> bool:
    """Whether ``folder`` was written by this package (its marker, or a manifest of ours)."""
    folder = Path(folder)
    if (folder / MARKER).is_file():
        return True
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and {"service_id", "outputs"} <= manifest.keys()


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.lexists(candidate):
            return candidate
    return Path("/")


def free_bytes(folder: Path) -> int:
    """Free bytes on the file system of ``folder`` (a seam for tests)."""
    return shutil.disk_usage(folder).free


def _real(path: Path) -> Path:
    """``path`` with every link resolved (missing parts kept as they are), absolute."""
    return Path(os.path.realpath(Path(path).expanduser()))


def _named(path: Path, real: Path) -> str:
    """How a message names a folder: as given, and where it really is when a link or ``..`` differs."""
    given = Path(path)
    return str(given) if given.absolute() == real else f"{given} (that is {real})"


#: How each of the two folders a build writes is named in messages, and the option that chooses it.
_LABELS = {"out": ("output folder", "--out"), "internal": ("internal folder", "--internal")}


def check_apart(out_dir: Path, internal_dir: Path, *, data_dir: Path, params_file: Path | None = None,
                inputs: tuple[Path, ...] = ()) -> None:
    """Refuse output folders that overlap the inputs or each other, before anything is touched.

    ``out_dir`` (shared) and ``internal_dir`` (names and IDs) may neither be nor contain the
    data folder, the parameter file's folder or any of ``inputs`` (e.g. HQ's record); may not
    sit inside the parts of the data folder that builds read or write (``<data>/<year>/``,
    ``<data>/clean/``); and may neither be, contain nor sit inside the other. Links are
    resolved first, for both alike. Raises :class:`OutputError` (exit 6).

    Allowed: sitting elsewhere in the data folder (``<data>/reports/1404``: nothing reads or
    replaces it) and inside the parameter file's folder (with ``--params 1404.yaml`` that is
    the current folder). A build writes only its output folder and the hidden lock and
    staging entries beside it, so nothing around them is replaced.
    """
    folders = {"out": Path(out_dir), "internal": Path(internal_dir)}
    real = {key: _real(path) for key, path in folders.items()}
    data = _real(data_dir)
    guarded: list[tuple[str, Path, Path]] = [("the data folder", Path(data_dir), data)]
    if params_file is not None:
        folder = Path(params_file).absolute().parent
        guarded.append(("the parameter file's folder", folder, _real(folder)))
    guarded += [("the input", Path(p), _real(p)) for p in inputs]
    for key, path in folders.items():
        label, option = _LABELS[key]
        where = real[key]
        for what, given, target in guarded:
            shown = _named(given, target)
            if where == target or target.is_relative_to(where):
                replaced = "is" if where == target else "contains"
                raise OutputError(
                    f"{label} {_named(path, where)} {replaced} {what} {shown}; a build replaces its {label} "
                    f"as a whole, so the inputs would be deleted. Nothing was changed: pass {option} with a "
                    "folder outside the inputs")
            if what == "the data folder" and where.is_relative_to(target) and _read_by_builds(where, target):
                first = where.relative_to(target).parts[0]
                raise OutputError(
                    f"{label} {_named(path, where)} is inside {target / first}, a folder of {what} that "
                    f"builds read or write (<year>/, clean/); a build never writes among its inputs. Nothing "
                    f"was changed: pass {option} with a folder outside {target / first}")
    out, internal = real["out"], real["internal"]
    shown_out, shown_internal = _named(folders["out"], out), _named(folders["internal"], internal)
    if out == internal:
        raise OutputError(
            f"internal folder {shown_internal} is the output folder {shown_out}: the workbooks with names and "
            "national IDs would be published with the files to share. Nothing was changed: pass --internal "
            "with a folder outside the output folder (by default it is beside it)")
    if internal.is_relative_to(out):
        raise OutputError(
            f"internal folder {shown_internal} is inside the output folder {shown_out}: the workbooks with "
            "names and national IDs would be published with the files to share. Nothing was changed: pass "
            "--internal with a folder outside the output folder")
    if out.is_relative_to(internal):
        raise OutputError(
            f"output folder {shown_out} is inside the internal folder {shown_internal}, which a build replaces "
            "as a whole. Nothing was changed: pass --out and --internal with two separate folders")


def _read_by_builds(where: Path, data: Path) -> bool:
    """Whether ``where`` (inside the data folder) lies in a part of it that builds read or write:
    a year's folder (``<data>/1404/``: forms, the insurer's export, HQ's record) or ``clean/``."""
    first = where.relative_to(data).parts[:1]
    return bool(first) and (first[0] == "clean" or (len(first[0]) == 4 and first[0].isdigit()))


def follow_link(folder: Path, option: str = "--internal") -> Path:
    """``folder``, or where it points when it is a link (followed, like ``--out``); a broken link is refused."""
    folder = Path(folder)
    if folder.is_symlink():
        if not folder.exists():
            raise OutputError(f"{option} {folder} is a broken link; remove it or pass another {option}")
        return folder.resolve()
    return folder


def check_internal(folder: Path) -> None:
    """The checks :func:`stage_beside` makes, made early (before the intake writes anything)."""
    folder = follow_link(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"internal folder {folder} is a file, not a folder; move it away or pass --internal "
                          "with another folder")
    if folder.is_dir():
        try:
            foreign = any(folder.iterdir()) and not (folder / MARKER).is_file()
        except OSError as exc:
            raise OutputError(f"internal folder {folder} cannot be read ({exc.strerror}); pass --internal with "
                              "another folder") from None
        if foreign:
            raise OutputError(f"internal folder {folder} holds files this package did not write; nothing was "
                              "changed. Pass --internal with an empty or new folder")
    base = _nearest_existing(folder.parent)
    if not base.is_dir():
        raise OutputError(f"cannot make internal folder {folder}: {base} is a file, not a folder")


def check_location(out_dir: Path) -> None:
    """Refuse an output location that cannot be ours, before anything is written.

    Missing folders on the way are created later (as ``mkdir -p`` would); the
    nearest existing one must be a folder.
    """
    out_dir = Path(out_dir)
    if out_dir.is_symlink() and not out_dir.exists():
        raise OutputError(f"output folder {out_dir} is a broken link; remove it or pass another --out")
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"output folder {out_dir} is a file, not a folder; move it away or pass another --out")
    if out_dir.is_dir():
        try:
            entries = [p.name for p in out_dir.iterdir()]
        except OSError as exc:
            raise OutputError(f"output folder {out_dir} cannot be read ({exc.strerror}); pass another --out") from None
        if entries and not is_ours(out_dir):
            shown = ", ".join(sorted(entries)[:3]) + (", ..." if len(entries) > 3 else "")
            raise OutputError(
                f"output folder {out_dir} holds {len(entries)} file(s) this package did not write ({shown}); "
                "nothing was changed. Pass --out with an empty or new folder, or an earlier build's folder"
            )
    base = _nearest_existing(out_dir.parent)
    if not base.is_dir():
        raise OutputError(f"cannot make output folder {out_dir}: {base} is a file, not a folder")


@dataclass
class Claim:
    """A locked output folder and the staging folder a build writes into."""

    out_dir: Path
    staging: Path
    _lock: IO[str] | None = field(default=None, repr=False)

    def publish(self) -> None:
        """Move the staging folder into place; the previous outputs go only now."""
        swap_into_place(self.staging, self.out_dir)

    def release(self) -> None:
        """Remove the staging folder if it was not published, and drop the lock."""
        shutil.rmtree(self.staging, ignore_errors=True)
        if self._lock is not None:
            import fcntl

            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __enter__(self) -> Claim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def lock_path(out_dir: Path) -> Path:
    return Path(out_dir).with_name(f".{Path(out_dir).name}.lock")


def _unusable(out_dir: Path, exc: OSError) -> OutputError:
    reason = {
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "not permitted (an immutable folder?)",
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.ENOTDIR: "a file stands where a folder should be",
    }.get(exc.errno, exc.strerror or str(exc))
    return OutputError(
        f"cannot write the output folder {out_dir}: {reason} ({exc.filename or out_dir}); "
        "nothing was built. Pass --out with a writable folder"
    )


def claim(out_dir: Path) -> Claim:
    """Check, lock and stage ``out_dir``; use as ``with claim(out) as c: ...; c.publish()``.

    Raises :class:`OutputError` (exit 6) for a location that is not ours or not
    usable and :class:`OutputBusyError` (exit 7) while another build holds it.
    """
    import fcntl

    out_dir = Path(out_dir)
    check_location(out_dir)
    if out_dir.is_symlink():  # e.g. outputs/1404 -> /srv/www/1404: build where it points, keep the link
        out_dir = out_dir.resolve()
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        lock = open(lock_path(out_dir), "a+", encoding="utf-8")  # noqa: SIM115 - held until release()
    except OSError as exc:
        raise _unusable(out_dir, exc) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or "another process"
        lock.close()
        raise OutputBusyError(
            f"output folder {out_dir} is being built by {holder}; wait for that build to finish "
            "(or stop it) and run this one again. Nothing was changed"
        ) from None
    made = Claim(out_dir, out_dir.with_name(f".{out_dir.name}.building-{os.getpid()}"), lock)
    try:
        lock.seek(0)
        lock.truncate()
        lock.write(f"process {os.getpid()} (started {time.strftime('%Y-%m-%d %H:%M:%S')})\n")
        lock.flush()
        check_location(out_dir)  # again, now that no other build can change it
        remove_leftovers(out_dir)
        if free_bytes(out_dir.parent) < MIN_FREE_BYTES:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(out_dir.parent))
        if out_dir.is_dir():  # publishing renames it and removes it: it must be writable (not immutable)
            (out_dir / ".probe").write_bytes(b"")
            (out_dir / ".probe").unlink()
        made.staging.mkdir()
        (made.staging / ".probe").write_bytes(b"\0" * 4096)
        (made.staging / ".probe").unlink()
    except OSError as exc:
        made.release()
        raise _unusable(out_dir, exc) from None
    except BaseException:
        made.release()
        raise
    return made


def remove_leftovers(out_dir: Path) -> list[Path]:
    """Remove staging and old folders of ``out_dir`` that killed builds left; call holding the lock."""
    out_dir = Path(out_dir)
    if not out_dir.parent.is_dir():
        return []
    removed = []
    for pattern in (f".{out_dir.name}.building-*", f".{out_dir.name}.old-*"):
        for leftover in out_dir.parent.glob(pattern):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
                removed.append(leftover)
    return removed


def stage_beside(folder: Path) -> Path:
    """A fresh staging folder beside ``folder`` (a second tree a build writes, e.g. the internal one);
    a killed build's leftovers of it are removed first. Call holding the output folder's lock."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"{folder} is a file, not a folder; move it away (the build writes its internal "
                          "workbooks there) or pass --internal with another folder")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).is_file():
        raise OutputError(f"{folder} holds files this package did not write; nothing was changed. "
                          "Pass --internal with an empty or new folder")
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        remove_leftovers(folder)
        staging = folder.with_name(f".{folder.name}.building-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
    except OSError as exc:
        raise _unusable(folder, exc) from None
    return staging


def swap_into_place(staging: Path, folder: Path) -> None:
    """Move ``staging`` to ``folder``, replacing what was there (as :meth:`Claim.publish`)."""
    (staging / MARKER).write_text("written by atiyeh_reports\n", encoding="utf-8")
    old = None
    if folder.exists():
        old = folder.with_name(f".{folder.name}.old-{int(time.time() * 1000)}")
        folder.rename(old)
    staging.rename(folder)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
