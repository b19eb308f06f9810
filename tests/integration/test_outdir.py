"""The output folder: ours or refused, locked, leftovers cleared, writable and roomy, umask modes.

Small folders built in each test; no build runs here (the build's own use of
:func:`outdir.claim` is tested in test_build.py and test_hostile_params_outputs.py).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from atiyeh_reports.errors import OutputBusyError, OutputError
from atiyeh_reports.pipeline import outdir


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(out: Path, files: dict[str, str]) -> None:
    """What a build does with a claim: write into staging, then publish."""
    with outdir.claim(out) as claim:
        for name, text in files.items():
            (claim.staging / name).write_text(text, encoding="utf-8")
        claim.publish()


@contextmanager
def _unwritable(folder: Path) -> Iterator[None]:
    """Make ``folder`` unwritable for this user: immutable for root (who ignores modes), else 0555."""
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: cannot make a folder unwritable")
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"chattr +i not supported here: {done.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


# --- ours, or refused -----------------------------------------------------------------------------
def test_a_new_folder_is_made_published_and_marked(tmp_path: Path) -> None:
    out = tmp_path / "outputs" / "1404"  # the parent is made too, as mkdir -p would
    _build(out, {"a.html": "x"})
    assert _tree(out) == {outdir.MARKER: b"written by atiyeh_reports\n", "a.html": b"x"}
    assert outdir.is_ours(out)


def test_a_foreign_folder_that_is_not_empty_is_refused_and_left_alone(tmp_path: Path) -> None:
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_text("years of work", encoding="utf-8")
    (out / "data.csv").write_text("1,2", encoding="utf-8")
    before = _tree(out)
    with pytest.raises(OutputError) as info:
        _build(out, {"a.html": "x"})
    assert str(info.value) == (
        f"output folder {out} holds 2 file(s) this package did not write (chapter1.docx, data.csv); "
        "nothing was changed. Pass --out with an empty or new folder, or an earlier build's folder"
    )
    assert info.value.exit_code == 6
    assert _tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]  # no lock, no staging left beside it


def test_a_foreign_folder_holding_only_a_hidden_file_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "x"
    out.mkdir()
    (out / ".git").mkdir()
    with pytest.raises(OutputError, match=r"holds 1 file\(s\) this package did not write \(\.git\)"):
        outdir.claim(out)


def test_an_empty_folder_and_our_earlier_outputs_are_accepted(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    _build(empty, {"a.html": "1"})
    _build(empty, {"a.html": "2"})  # now ours (marker): replaced as a whole
    assert _tree(empty) == {outdir.MARKER: b"written by atiyeh_reports\n", "a.html": b"2"}


def test_a_folder_from_before_the_marker_is_recognised_by_its_manifest(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"service_id": "19041060106", "outputs": []}), encoding="utf-8")
    (out / "analysis.pdf").write_bytes(b"%PDF")
    assert outdir.is_ours(out)
    _build(out, {"a.html": "x"})
    assert sorted(_tree(out)) == [outdir.MARKER, "a.html"]


def test_a_manifest_that_is_not_ours_does_not_make_a_folder_ours(tmp_path: Path) -> None:
    out = tmp_path / "web"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "my web app", "icons": []}', encoding="utf-8")
    assert not outdir.is_ours(out)
    with pytest.raises(OutputError, match="this package did not write"):
        outdir.claim(out)


def test_a_file_where_the_folder_should_be(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    out.write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError) as info:
        outdir.claim(out)
    assert str(info.value) == f"output folder {out} is a file, not a folder; move it away or pass another --out"
    assert out.read_text(encoding="utf-8") == "a file"


def test_a_file_where_a_parent_folder_should_be(tmp_path: Path) -> None:
    (tmp_path / "outputs").write_text("a file", encoding="utf-8")
    out = tmp_path / "outputs" / "1404"
    with pytest.raises(OutputError) as info:
        outdir.claim(out)
    assert str(info.value) == f"cannot make output folder {out}: {tmp_path / 'outputs'} is a file, not a folder"


def test_a_broken_link_as_the_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    out.symlink_to(tmp_path / "gone")
    with pytest.raises(OutputError) as info:
        outdir.claim(out)
    assert str(info.value) == f"output folder {out} is a broken link; remove it or pass another --out"


def test_a_link_to_an_earlier_output_folder_is_followed_and_kept(tmp_path: Path) -> None:
    """outputs/1404 -> /srv/www/1404: the folder pointed at is rebuilt, the link stays a link."""
    (tmp_path / "www").mkdir()
    target = tmp_path / "www" / "1404"
    _build(target, {"a.html": "old"})
    link = tmp_path / "outputs" / "1404"
    link.parent.mkdir()
    link.symlink_to(target)
    _build(link, {"a.html": "new"})
    assert link.is_symlink() and link.resolve() == target
    assert _tree(target)["a.html"] == b"new"
    assert sorted(p.name for p in (tmp_path / "www").iterdir()) == [".1404.lock", "1404"]
    assert sorted(p.name for p in (tmp_path / "outputs").iterdir()) == ["1404"]


# --- writable, with room -------------------------------------------------------------------------
def test_an_unwritable_parent_is_refused_before_any_work(tmp_path: Path) -> None:
    parent = tmp_path / "readonly"
    parent.mkdir()
    with _unwritable(parent):
        with pytest.raises(OutputError) as info:
            outdir.claim(parent / "1404")
    message = str(info.value)
    assert message.startswith(f"cannot write the output folder {parent / '1404'}: ")
    assert message.endswith("nothing was built. Pass --out with a writable folder")
    assert ("permission denied" in message) or ("not permitted" in message)
    assert info.value.exit_code == 6
    assert list(parent.iterdir()) == []


def test_an_unwritable_earlier_output_folder_is_refused_up_front(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    _build(out, {"a.html": "old"})
    before = _tree(out)
    with _unwritable(out):
        with pytest.raises(OutputError, match=r"cannot write the output folder .*1404: (permission denied|not permitted)"):
            outdir.claim(out)
    assert _tree(out) == before
    assert not list(tmp_path.glob(".1404.building-*"))


def test_a_full_disk_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outdir, "free_bytes", lambda folder: outdir.MIN_FREE_BYTES - 1)
    out = tmp_path / "1404"
    with pytest.raises(OutputError) as info:
        outdir.claim(out)
    assert str(info.value) == (
        f"cannot write the output folder {out}: the disk is full ({tmp_path}); "
        "nothing was built. Pass --out with a writable folder"
    )
    assert not out.exists() and not list(tmp_path.glob(".1404.building-*"))


def test_a_read_only_file_system_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EROFS cannot be made without mounting; the probe write raising it stands in for one."""
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: object, **kwargs: object) -> None:
        if ".building-" in self.name:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with pytest.raises(OutputError, match=r"the file system is read-only"):
        outdir.claim(tmp_path / "1404")


# --- umask -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_folders_follow_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        out = tmp_path / "outputs" / "1404"
        _build(out, {"a.html": "x"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o777 & ~umask
    assert stat.S_IMODE((out / "a.html").stat().st_mode) == 0o666 & ~umask


# --- one build at a time, leftovers --------------------------------------------------------------
def test_a_second_claim_of_the_same_folder_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    _build(out, {"a.html": "old"})
    with outdir.claim(out):
        with pytest.raises(OutputBusyError) as info:
            outdir.claim(out)
        message = str(info.value)
        assert message.startswith(f"output folder {out} is being built by process {os.getpid()} (started ")
        assert message.endswith("wait for that build to finish (or stop it) and run this one again. Nothing was changed")
        assert info.value.exit_code == 7
    with outdir.claim(out):  # released: free again
        pass
    assert _tree(out)["a.html"] == b"old"


def test_another_process_holding_the_lock_is_refused_and_a_killed_one_is_not(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from atiyeh_reports.pipeline import outdir
            c = outdir.claim({str(out)!r})
            print("claimed", flush=True)
            time.sleep(60)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "claimed"
        with pytest.raises(OutputBusyError, match=f"being built by process {holder.pid} "):
            outdir.claim(out)
        staging = out.with_name(f".1404.building-{holder.pid}")
        assert staging.is_dir()  # the live build's staging is left alone while it runs
    finally:
        holder.kill()
        holder.wait(timeout=10)
    # Killed: the kernel dropped its lock; the next claim removes its staging folder.
    with outdir.claim(out) as claim:
        assert not staging.exists()
        claim.publish()
    assert outdir.is_ours(out)


def test_leftovers_of_killed_builds_are_removed_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    _build(out, {"a.html": "old"})
    for name in (".1404.building-123", ".1404.building-abc_x", ".1404.old-1700000000000"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "half.pdf").write_bytes(b"%PDF half")
    keep = [tmp_path / ".1403.building-9", tmp_path / "1404.building-notours", tmp_path / "notes.txt"]
    keep[0].mkdir()
    keep[1].mkdir()
    keep[2].write_text("mine", encoding="utf-8")
    with outdir.claim(out) as claim:
        left = sorted(p.name for p in tmp_path.iterdir())
        assert left == sorted([".1403.building-9", "1404.building-notours", "notes.txt", "1404",
                               ".1404.lock", claim.staging.name])
    assert all(p.exists() for p in keep)
    assert _tree(out)["a.html"] == b"old"  # not published: the earlier outputs stand


def test_an_unpublished_claim_leaves_the_earlier_outputs_and_no_staging(tmp_path: Path) -> None:
    out = tmp_path / "1404"
    _build(out, {"a.html": "old"})
    before = _tree(out)
    with pytest.raises(RuntimeError):
        with outdir.claim(out) as claim:
            (claim.staging / "a.html").write_text("half", encoding="utf-8")
            raise RuntimeError("a notebook failed")
    assert _tree(out) == before
    assert not list(tmp_path.glob(".1404.building-*"))
