"""Hostile uses of the pipeline itself (issue 21 §3, §4, §5, §9): output folders that overlap the
inputs, signals during a build, `atiyeh verify` on hostile folders and manifests, and paths in the
manifest.

The folder and verify cases stop before any long work and are quick. The signal cases build the
sample in a subprocess with stand-in notebooks and send SIGINT or SIGTERM during the intake, the
notebooks and the cards (marked e2e).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atiyeh_reports.core import provenance
from atiyeh_reports.pipeline import outdir
from factories import run_cli as run

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "params" / "1404.yaml").read_text(encoding="utf-8")


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def project(tmp_path: Path) -> dict[str, Path]:
    """params/1404.yaml whose data folder is data/ beside it, holding one input file."""
    data = tmp_path / "data"
    (data / "1404" / "provinces").mkdir(parents=True)
    (data / "1404" / "provinces" / "IR-23_تهران.xlsx").write_bytes(b"a form")
    params = tmp_path / "params" / "1404.yaml"
    params.parent.mkdir()
    params.write_text(BASE.replace("data_dir: ../data/sample", f"data_dir: {data}"), encoding="utf-8")
    return {"root": tmp_path, "params": params, "data": data}


def _build(project: dict[str, Path], out: Path | None = None, internal: Path | None = None) -> tuple[int, str]:
    argv = ["build", "--year", "1404", "--params", str(project["params"])]
    if out is not None:
        argv += ["--out", str(out)]
    if internal is not None:
        argv += ["--internal", str(internal)]
    return run(*argv)


def _refused(project: dict[str, Path], out: Path | None, internal: Path | None, expected: str) -> None:
    """Exit 6, one line, and nothing of the project changed (no lock, no staging, no folder made)."""
    before = _tree(project["root"])
    names = sorted(p.as_posix() for p in project["root"].rglob("*"))
    code, err = _build(project, out, internal)
    assert code == 6, err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert expected in err, err
    assert _tree(project["root"]) == before
    assert sorted(p.as_posix() for p in project["root"].rglob("*")) == names


# --- §3 output folders never overlap the inputs ------------------------------------------------
def test_out_equal_to_the_data_folder_is_refused(project: dict[str, Path]) -> None:
    data = project["data"]
    _refused(project, data, project["root"] / "internal",
             f"output folder {data} is the data folder {data}; a build replaces its output folder as a whole")


def test_a_data_folder_inside_an_earlier_output_folder_is_refused_and_kept(project: dict[str, Path]) -> None:
    out = project["root"] / "outputs" / "1404"
    (out / "data").mkdir(parents=True)
    (out / outdir.MARKER).write_text("written by atiyeh_reports\n", encoding="utf-8")
    shutil.move(project["data"], out / "data" / "inputs")
    project["data"] = out / "data" / "inputs"
    project["params"].write_text(BASE.replace("data_dir: ../data/sample", f"data_dir: {project['data']}"),
                                 encoding="utf-8")
    _refused(project, out, None, f"output folder {out} contains the data folder {project['data']}; ")


def test_a_data_folder_inside_the_default_internal_folder_is_refused(project: dict[str, Path]) -> None:
    out = project["root"] / "outputs" / "1404"
    internal = project["root"] / "internal" / "1404"  # the default internal folder of outputs/1404
    internal.mkdir(parents=True)
    (internal / outdir.MARKER).write_text("", encoding="utf-8")
    shutil.move(project["data"], internal / "data")
    project["data"] = internal / "data"
    project["params"].write_text(BASE.replace("data_dir: ../data/sample", f"data_dir: {project['data']}"),
                                 encoding="utf-8")
    _refused(project, out, None, f"internal folder {internal} contains the data folder {project['data']}; ")


@pytest.mark.parametrize("inside", ["1404/reports", "1403", "clean/1404/x"])
def test_out_inside_a_folder_of_the_data_that_builds_read_is_refused(project: dict[str, Path],
                                                                     inside: str) -> None:
    out = project["data"] / inside
    first = project["data"] / inside.split("/")[0]
    _refused(project, out, project["root"] / "internal",
             f"output folder {out} is inside {first}, a folder of the data folder that builds read or write "
             f"(<year>/, clean/); a build never writes among its inputs. Nothing was changed: pass --out with a "
             f"folder outside {first}")


def test_out_elsewhere_in_the_data_folder_is_allowed(project: dict[str, Path]) -> None:
    """<data>/reports/1404: nothing reads or replaces it (the project's own tests build there)."""
    outdir.check_apart(project["data"] / "reports" / "1404", project["data"] / "reports" / "1404-internal",
                       data_dir=project["data"], params_file=project["params"])


def test_internal_equal_to_out_is_refused(project: dict[str, Path]) -> None:
    out = project["root"] / "shared"
    _refused(project, out, out, f"internal folder {out} is the output folder {out}: the workbooks with names "
                                "and national IDs would be published with the files to share")


def test_internal_inside_out_is_refused(project: dict[str, Path]) -> None:
    out = project["root"] / "shared"
    _refused(project, out, out / "private", f"internal folder {out / 'private'} is inside the output folder")


def test_out_inside_internal_is_refused(project: dict[str, Path]) -> None:
    internal = project["root"] / "private"
    _refused(project, internal / "shared", internal,
             f"output folder {internal / 'shared'} is inside the internal folder {internal}")


def test_out_holding_the_parameter_file_is_refused(project: dict[str, Path]) -> None:
    out = project["root"] / "shared"
    out.mkdir()
    (out / outdir.MARKER).write_text("", encoding="utf-8")  # even a folder that looks like ours
    shutil.move(project["params"].parent, out / "params")
    project["params"] = out / "params" / "1404.yaml"
    _refused(project, out, project["root"] / "private",
             f"output folder {out} contains the parameter file's folder {project['params'].parent}")


def test_a_link_as_internal_pointing_at_out_is_refused(project: dict[str, Path]) -> None:
    out = project["root"] / "shared"
    out.mkdir()
    link = project["root"] / "private"
    link.symlink_to(out)
    _refused(project, out, link, f"internal folder {link} (that is {out}) is the output folder {out}")


def test_a_link_as_out_pointing_into_the_data_folder_is_refused(project: dict[str, Path]) -> None:
    link = project["root"] / "outputs"
    link.symlink_to(project["data"] / "1404")
    _refused(project, link / "reports", None,
             f"output folder {link / 'reports'} (that is {project['data'] / '1404' / 'reports'}) is inside "
             f"{project['data'] / '1404'}, a folder of the data folder")


def test_a_broken_link_as_internal_is_refused(project: dict[str, Path]) -> None:
    link = project["root"] / "private"
    link.symlink_to(project["root"] / "nowhere")
    _refused(project, project["root"] / "shared", link, f"--internal {link} is a broken link; remove it")


def test_an_hq_record_inside_out_is_refused(project: dict[str, Path]) -> None:
    out = project["root"] / "outputs" / "1404"
    out.mkdir(parents=True)
    (out / outdir.MARKER).write_text("", encoding="utf-8")
    (out / "allocation.csv").write_text("year,province_code,allocated\n", encoding="utf-8")
    text = project["params"].read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(\s*)(?:#\s*)?notified_record:.*$", r"\1notified_record: ../outputs/1404/allocation.csv", text)
    assert "notified_record: ../outputs/1404/allocation.csv" in text
    project["params"].write_text(text, encoding="utf-8")
    # the record named as written (a link is refused as a link), then where it really is
    _refused(project, out, None, f"(that is {out / 'allocation.csv'})")


def test_a_link_as_internal_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    """--internal private -> /vault/1404: the folder pointed at is rebuilt, the link is kept (as --out)."""
    target = tmp_path / "vault" / "1404"
    target.mkdir(parents=True)
    link = tmp_path / "private"
    link.symlink_to(target)
    folder = outdir.follow_link(link)
    assert folder == target
    for text in ("old", "new"):
        staging = outdir.stage_beside(folder)
        (staging / "quality.xlsx").write_text(text, encoding="utf-8")
        outdir.swap_into_place(staging, folder)
    assert link.is_symlink() and link.resolve() == target
    assert (link / "quality.xlsx").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["private", "vault"]


# --- §4 signals: SIGINT (Ctrl-C) and SIGTERM during the intake, the notebooks and the cards ------
_RUNNER = """
import sys
from pathlib import Path
from atiyeh_reports import cli
from atiyeh_reports.pipeline import build
real = build.build_year
def stand_ins(*args, **kwargs):
    kwargs['notebook_dir'] = Path(sys.argv[1])
    return real(*args, **kwargs)
build.build_year = stand_ins
sys.exit(cli.main(sys.argv[2:]))
"""


def _stand_in_notebooks(folder: Path, report_sleep: float, card_sleep: float) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    from atiyeh_reports.pipeline.build import REPORTS

    folder.mkdir(parents=True, exist_ok=True)
    for name, sleep, extra in [*((r.name, report_sleep, "") for r in REPORTS), ("card", card_sleep, 'province = ""\n')]:
        params = new_code_cell(f'params_path = ""\ndata_dir = ""\n{extra}')
        params.metadata["tags"] = ["parameters"]
        cells = [params, new_markdown_cell(f"# آزمون {name}"), new_code_cell(f"import time\ntime.sleep({sleep})")]
        nb = new_notebook(cells=cells)
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / f"{name}.ipynb")
    return folder


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, start time) of every process (Linux /proc)."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), fields[19])
    return table


def _descendants(root: int) -> dict[int, str]:
    table = _process_table()
    found, frontier = {}, {root}
    while frontier:
        frontier = {pid for pid, (ppid, _) in table.items() if ppid in frontier and pid not in found}
        found.update({pid: table[pid][1] for pid in frontier})
    return found


def _alive(pid: int, started: str) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2:].split()
    return fields[0] != "Z" and fields[19] == started


@pytest.fixture(scope="module")
def signal_project(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("signals")
    data = root / "data"
    shutil.copytree(sample_dir / "1404", data / "1404")
    params = root / "params" / "1404.yaml"
    params.parent.mkdir()
    text = BASE.replace("data_dir: ../data/sample", f"data_dir: {data}")
    params.write_text(text.replace("history_years: [1402, 1403]", "history_years: []"), encoding="utf-8")
    return {"root": root, "params": params, "data": data,
            "slow_reports": _stand_in_notebooks(root / "slow-reports", 60, 0),
            "slow_cards": _stand_in_notebooks(root / "slow-cards", 0, 3)}


def _interrupt(project: dict[str, Path], tmp_path: Path, signum: int, when: str) -> None:
    """Build in a subprocess, send ``signum`` at ``when``; check the exit, the message, the processes."""
    out = tmp_path / "outputs" / "1404"
    out.mkdir(parents=True)
    (out / outdir.MARKER).write_text("written by atiyeh_reports\n", encoding="utf-8")
    (out / "earlier.txt").write_text("an earlier build's output", encoding="utf-8")
    before = _tree(out)
    notebooks = project["slow_cards" if when == "cards" else "slow_reports"]
    env = {**os.environ, "ATIYEH_LOG_DIR": str(tmp_path / "logs")}
    argv = ["build", "--year", "1404", "--params", str(project["params"]), "--out", str(out)]
    if when != "cards":
        argv.append("--no-pack")
    proc = subprocess.Popen([sys.executable, "-c", _RUNNER, str(notebooks), *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, env=env)
    lines: list[str] = []
    seen: dict[int, str] = {}
    try:
        import threading

        reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
        reader.start()
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            seen.update(_descendants(proc.pid))
            said = "".join(lines)
            staging = list(out.parent.glob(f".{out.name}.building-*"))
            if when == "ingest" and "ingesting 1404" in said:
                break
            if when == "notebooks" and ": executing " in said and any(any(s.glob("*.ipynb")) for s in staging):
                break
            if when == "cards" and any(any(s.glob("cards/*.pdf")) for s in staging):
                break
            assert proc.poll() is None, said
            time.sleep(0.05)
        else:
            raise AssertionError("the build never reached " + when + ":\n" + "".join(lines))
        seen.update(_descendants(proc.pid))
        at_signal = "".join(lines)
        sent = time.monotonic()
        if signum == signal.SIGINT:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
        else:
            os.kill(proc.pid, signal.SIGTERM)  # a service manager or `kill`: the build's process alone
        code = proc.wait(timeout=30)
        took = time.monotonic() - sent
        reader.join(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    said = "".join(lines)
    if when == "ingest":  # still ingesting: no notebook had started
        assert ": executing " not in at_signal and "built 1404" not in said, said
    assert code == 128 + signum, said
    print(f"\n{when} {signal.Signals(signum).name}: exit {code} {took:.2f} s after the signal")
    assert took < 10, f"{took:.1f} s"
    assert "Traceback" not in said and "leaked" not in said and "resource_tracker" not in said, said
    name = "interrupted (Ctrl-C)" if signum == signal.SIGINT else "stopped (SIGTERM)"
    assert said.splitlines()[-1] == f"{name}; nothing was published, earlier outputs were left as they were"
    assert sum(1 for line in said.splitlines() if "interrupted" in line or "stopped" in line) == 1, said
    until = time.monotonic() + 3  # a process may take a moment to be reaped by its new parent
    while (left := [pid for pid, started in seen.items() if _alive(pid, started)]) and time.monotonic() < until:
        time.sleep(0.1)
    assert not left, [Path(f"/proc/{p}/cmdline").read_bytes()[:120] for p in left]
    assert _tree(out) == before
    assert not list(out.parent.glob(f".{out.name}.building-*"))
    assert not (tmp_path / "logs").exists()


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("when", ["ingest", "notebooks", "cards"])
def test_a_signal_stops_the_build_cleanly(signal_project: dict[str, Path], tmp_path: Path, signum: int,
                                          when: str) -> None:
    _interrupt(signal_project, tmp_path, signum, when)


# --- §5 atiyeh verify: bounded, and pinned ----------------------------------------------------------
def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    """A build folder as a build leaves it: the files, the marker, and a manifest listing them."""
    out = tmp_path / "outputs" / "1404"
    for name, content in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(content)
    (out / outdir.MARKER).write_text("written by atiyeh_reports\n", encoding="utf-8")
    listed = [{"path": name, "sha256": hashlib.sha256(content).hexdigest(), "bytes": len(content)}
              for name, content in sorted(files.items())]
    (out / "manifest.json").write_text(json.dumps({"service_id": "19041060106", "year": 1404, "outputs": listed},
                                                  indent=2), encoding="utf-8")
    return out


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _verify_quickly(*argv: str) -> tuple[int, str]:
    """`atiyeh verify` in a subprocess with a deadline: a hang is a failure, not a stuck test run."""
    done = subprocess.run([sys.executable, "-m", "atiyeh_reports.cli", "verify", *argv], capture_output=True,
                          text=True, timeout=30)
    assert "Traceback" not in done.stderr and done.stdout == ""
    return done.returncode, done.stderr


def test_verify_refuses_a_manifest_that_is_a_fifo_at_once(tmp_path: Path) -> None:
    out = _folder(tmp_path, {"a.html": b"<p>a</p>"})
    (out / "manifest.json").unlink()
    os.mkfifo(out / "manifest.json")
    started = time.monotonic()
    assert _verify_quickly(str(out)) == (
        8, f"error: {out / 'manifest.json'}: not a regular file (a FIFO, device or socket); it was not read. "
           "A build writes manifest.json as a file: ask for the folder as it was built\n")
    assert time.monotonic() - started < 10


def test_verify_refuses_a_manifest_linked_to_dev_zero(tmp_path: Path) -> None:
    out = _folder(tmp_path, {"a.html": b"<p>a</p>"})
    (out / "manifest.json").unlink()
    (out / "manifest.json").symlink_to("/dev/zero")
    assert _verify_quickly(str(out)) == (
        8, f"error: {out / 'manifest.json'}: is a link, not the file a build writes; it was not followed. "
           "Ask for the folder as it was built, or rebuild the year\n")


def test_verify_refuses_a_manifest_over_the_size_limit_unread(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = _folder(tmp_path, {"a.html": b"<p>a</p>"})
    size = (out / "manifest.json").stat().st_size
    monkeypatch.setattr(provenance, "MAX_MANIFEST_BYTES", size - 1)
    read = []
    monkeypatch.setattr(json, "loads", lambda *a, **k: read.append(a) or {})
    assert run("verify", str(out)) == (
        8, f"error: {out / 'manifest.json'}: {size:,} bytes, over the {size - 1:,} a manifest may have; it was not "
           "read. Ask for the folder as it was built, or rebuild the year\n")
    assert read == []


def test_verify_of_a_manifest_nested_too_deeply_is_a_message_not_a_bug(tmp_path: Path) -> None:
    out = _folder(tmp_path, {"a.html": b"<p>a</p>"})
    (out / "manifest.json").write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    assert run("verify", str(out)) == (
        8, f"error: {out / 'manifest.json'}: cannot be read (nested too deeply); rebuild the year\n")


def test_verify_walks_1500_nested_folders_without_recursion(tmp_path: Path) -> None:
    out = _folder(tmp_path, {"a.html": b"<p>a</p>"})
    deep = out
    for _ in range(1500):  # one level at a time: Path.mkdir(parents=True) itself recurses
        deep = deep / "d"
        deep.mkdir()
    (deep / "x.txt").write_text("planted", encoding="utf-8")
    try:
        code, err = run("verify", str(out))
    finally:  # bottom up: shutil.rmtree (and so pytest's clean-up of old runs) recurses too
        (deep / "x.txt").unlink()
        while deep != out:
            deep.rmdir()
            deep = deep.parent
    assert code == 8
    lines = err.splitlines()
    assert lines[0] == f"error: {out}: the outputs differ from manifest.json (1 extra):"
    assert lines[1].startswith("  extra: d/d/d/") and lines[1].endswith("d/d/x.txt") and "…" in lines[1]
    assert len(lines[1]) < 200 and len(lines) == 3


def test_verify_names_at_most_20_files_and_counts_them_all(tmp_path: Path) -> None:
    out = _folder(tmp_path, {f"cards/{n:04d}.html": b"x" for n in range(1000)})
    for n in range(0, 1000, 2):
        (out / "cards" / f"{n:04d}.html").unlink()
    for n in range(300):
        (out / f"extra-{n:03d}.txt").write_text("", encoding="utf-8")
    (out / "cards" / "0001.html").write_bytes(b"y")
    code, err = run("verify", str(out))
    lines = err.splitlines()
    assert code == 8 and len(lines) == 1 + 20 + 1 + 1
    assert lines[0] == f"error: {out}: the outputs differ from manifest.json (1 changed, 500 missing, 300 extra):"
    assert lines[1] == "  changed: cards/0001.html" and lines[2] == "  missing: cards/0000.html"
    assert lines[21] == "  ... and 781 more (the counts above are complete)"


def test_a_report_changed_with_its_manifest_entry_passes_unless_the_manifest_is_pinned(tmp_path: Path) -> None:
    out = _folder(tmp_path, {"allocation.html": b"<p>IR-23: 1,000,000 Rials</p>", "analysis.html": b"<p>a</p>"})
    pinned = _sha(out / "manifest.json")
    assert run("verify", str(out), "--manifest-sha256", pinned) == (
        0, f"{out}: every output matches manifest.json, whose SHA-256 is the pinned one ({pinned})\n")
    assert run("verify", str(out), "--manifest-sha256", pinned[:16].upper())[0] == 0  # the short hash will do
    # Someone changes a report and its manifest entry together:
    forged = b"<p>IR-23: 9,000,000 Rials</p>"
    (out / "allocation.html").write_bytes(forged)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"][0].update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged))
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    assert run("verify", str(out)) == (0, f"{out}: every output matches manifest.json\n")  # what verify cannot see
    code, err = run("verify", str(out), "--manifest-sha256", pinned)
    now = _sha(out / "manifest.json")
    assert (code, err) == (
        8, f"error: {out / 'manifest.json'}: its SHA-256 is {now}…, not the pinned {pinned}: this manifest is not "
           "the one the sender built (it was changed, perhaps with the files it lists). Do not trust these "
           "outputs; ask the sender for the folder again\n")


@pytest.mark.parametrize("pin", ["abc", "g" * 64, "0" * 65, "../manifest.json"])
def test_a_pin_that_is_not_a_sha256_is_a_command_line_error(tmp_path: Path, pin: str) -> None:
    out = _folder(tmp_path, {"a.html": b"<p>a</p>"})
    code, err = run("verify", str(out), "--manifest-sha256", pin)
    assert code == 2 and err.startswith(f"error: --manifest-sha256 {pin!r}: give the manifest's SHA-256"), err


def test_verify_reads_a_listed_file_of_another_size_as_changed_without_hashing_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _folder(tmp_path, {"a.pdf": b"%PDF-1.7 small", "b.pdf": b"%PDF-1.7 other"})
    (out / "a.pdf").write_bytes(b"%PDF-1.7 " + b"x" * 100_000)
    os.mkfifo(out / "fifo")  # an extra FIFO: listed, never opened
    (out / "b.pdf").unlink()
    (out / "b.pdf").symlink_to(out / "a.pdf")  # a link in place of a file: changed
    hashed: list[Path] = []
    real = provenance.sha256_file
    monkeypatch.setattr(provenance, "sha256_file", lambda p: hashed.append(Path(p)) or real(p))
    code, err = run("verify", str(out))
    assert code == 8 and "(2 changed, 1 extra)" in err and "  extra: fifo" in err
    assert hashed == []


# --- §9 the manifest records no absolute path ------------------------------------------------------
def test_a_file_outside_the_project_is_recorded_by_a_placeholder(tmp_path: Path) -> None:
    from atiyeh_reports.core.provenance import recorded_path
    from atiyeh_reports.pipeline.engine.fresh import input_hashes

    params = tmp_path / "project" / "params" / "1404.yaml"
    data = tmp_path / "project" / "data"
    (data / "1404" / "provinces").mkdir(parents=True)
    (data / "1404" / "provinces" / "IR-23_تهران.xlsx").write_bytes(b"a form")
    record = tmp_path / "home" / "ali" / "Desktop" / "allocation.csv"
    record.parent.mkdir(parents=True)
    record.write_text("year,province_code,allocated\n", encoding="utf-8")
    rows = input_hashes(data, 1404, [], records=[record])
    assert sorted(rows, key=lambda r: r["path"]) == [
        {"path": "1404/provinces/IR-23_تهران.xlsx", "sha256": hashlib.sha256(b"a form").hexdigest(), "bytes": 6},
        {"path": "<outside>/allocation.csv", "sha256": _sha(record), "bytes": record.stat().st_size},
    ]
    assert recorded_path(record, params) == "<outside>/allocation.csv"
    assert recorded_path(tmp_path / "project" / "outputs" / "1403" / "allocation.csv", params) == \
        "../outputs/1403/allocation.csv"  # params/ beside outputs/: inside the project, relative


@pytest.mark.e2e
def test_a_build_with_hq_record_outside_the_project_writes_no_absolute_path(tmp_path: Path,
                                                                            sample_dir: Path) -> None:
    from atiyeh_reports.pipeline.build import build_year

    project = tmp_path / "project"
    data = project / "data"
    shutil.copytree(sample_dir / "1404", data / "1404")
    record = tmp_path / "home" / "ali" / "Desktop" / "allocation.csv"
    record.parent.mkdir(parents=True)
    shutil.copy(sample_dir / "1403" / "hq" / "allocation.csv", record)
    text = BASE.replace("data_dir: ../data/sample", "data_dir: ../data")
    text = text.replace("history_years: [1402, 1403]", "history_years: []")
    text = re.sub(r"(?m)^(\s*)(?:#\s*)?notified_record:.*$", rf"\1notified_record: {record}", text)
    assert f"notified_record: {record}" in text
    params = project / "params" / "1404.yaml"
    params.parent.mkdir()
    params.write_text(text, encoding="utf-8")
    notebooks = _stand_in_notebooks(tmp_path / "notebooks", 0, 0)
    out = project / "outputs" / "1404"
    build_year(params, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    raw = (out / "manifest.json").read_text(encoding="utf-8")
    assert str(tmp_path) not in raw and "/home/" not in raw
    manifest = json.loads(raw)
    assert {"path": "<outside>/allocation.csv", "sha256": _sha(record), "bytes": record.stat().st_size} \
        in manifest["inputs"]
    assert "<outside>/allocation.csv" in manifest["record_candidates"]
    assert manifest["params"]["checks"]["notified_record"] == "<outside>/allocation.csv"
    assert run("verify", str(out)) == (0, f"{out}: every output matches manifest.json\n")


@pytest.mark.e2e
def test_a_build_says_its_manifest_hash_and_verify_checks_the_pin(tmp_path: Path, sample_dir: Path) -> None:
    """The build prints manifest.json's SHA-256 to send with the letter; index.html says how to check
    (not the hash: the manifest lists the page); a no-op build keeps the hash; a forged report with
    its manifest entry fails against the pin."""
    from atiyeh_reports import cli
    from atiyeh_reports.pipeline.build import build_year

    project = tmp_path / "project"
    shutil.copytree(sample_dir / "1404", project / "data" / "1404")
    text = BASE.replace("data_dir: ../data/sample", "data_dir: ../data")
    params = project / "params" / "1404.yaml"
    params.parent.mkdir()
    params.write_text(text.replace("history_years: [1402, 1403]", "history_years: []"), encoding="utf-8")
    notebooks = _stand_in_notebooks(tmp_path / "notebooks", 0, 0)
    out = project / "outputs" / "1404"
    build_year(params, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    digest = _sha(out / "manifest.json")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        cli._say_pin(out)
    assert err.getvalue() == (f"manifest.json sha256 {digest}: send it with the letter, not in the folder; a "
                              f"recipient checks with: atiyeh verify {out} --manifest-sha256 {digest}\n")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "--manifest-sha256" in page and digest[:16] not in page
    assert run("verify", str(out), "--manifest-sha256", digest)[0] == 0
    again = build_year(params, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    assert again.executed == [] and _sha(out / "manifest.json") == digest  # nothing changed: nothing rewritten
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    forged = b"<p>forged</p>"
    (out / "allocation.html").write_bytes(forged)
    entry = next(o for o in manifest["outputs"] if o["path"] == "allocation.html")
    entry.update(sha256=hashlib.sha256(forged).hexdigest(), bytes=len(forged))
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    assert run("verify", str(out))[0] == 0
    assert run("verify", str(out), "--manifest-sha256", digest)[0] == 8


def test_workers_close_is_bounded_and_ends_busy_kernels(tmp_path: Path) -> None:
    """Workers.close(timeout=0) while a document runs for a minute: back in seconds, no process left."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from atiyeh_reports.pipeline.engine.workers import Job, Workers, descendants

    params = new_code_cell("label = ''")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, new_code_cell("import time\ntime.sleep(60)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "slow.ipynb")
    before = set(descendants(os.getpid()))
    pool = Workers(tmp_path, processes=1, render=False)
    said: list[str] = []
    submitted = pool.submit([Job(name="slow", notebook=tmp_path / "slow.ipynb", parameters={"label": "x"},
                                 out_dir=tmp_path / "out")])
    deadline = time.monotonic() + 120
    while not any("cell 2/" in m for m in said) and time.monotonic() < deadline:
        pool._forward(said.append)
        time.sleep(0.1)
    table = _process_table()
    started = {pid: table[pid][1] for pid in set(descendants(os.getpid())) - before if pid in table
               and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()}  # the tracker stays
    assert any(b"ipykernel" in Path(f"/proc/{p}/cmdline").read_bytes() for p in started if Path(f"/proc/{p}").exists())
    begun = time.monotonic()
    pool.close(timeout=0)
    took = time.monotonic() - begun
    assert took < 6, f"{took:.1f} s"
    until = time.monotonic() + 3
    while (left := [p for p, s in started.items() if _alive(p, s)]) and time.monotonic() < until:
        time.sleep(0.1)
    assert left == [], [Path(f"/proc/{p}/cmdline").read_bytes()[:100] for p in left]
    assert not submitted[0][1].result(timeout=5).ok  # the job is finished, as failed: nobody waits forever


def test_a_signal_while_publishing_waits_until_both_folders_are_in_place(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """SIGTERM between renaming the old folder away and moving the new one in: held back until both
    trees are in place, then raised as Interrupted marked published."""
    from atiyeh_reports import cli
    from atiyeh_reports.errors import Interrupted
    from atiyeh_reports.pipeline import build

    out = tmp_path / "outputs" / "1404"
    internal = tmp_path / "internal" / "1404"
    for folder, name in ((out, "old.html"), (internal, "old.xlsx")):
        folder.mkdir(parents=True)
        (folder / outdir.MARKER).write_text("", encoding="utf-8")
        (folder / name).write_text("old", encoding="utf-8")
    claim = outdir.claim(out)
    (claim.staging / "new.html").write_text("new", encoding="utf-8")
    internal_staging = outdir.stage_beside(internal)
    (internal_staging / "new.xlsx").write_text("new", encoding="utf-8")
    real = outdir.swap_into_place

    def torn(staging: Path, folder: Path) -> None:
        if folder == out:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-publish
            time.sleep(0.2)
        real(staging, folder)

    monkeypatch.setattr(outdir, "swap_into_place", torn)
    import threading

    # A thread of the build (the letters') may be the one the kernel hands the signal to.
    other = threading.Event()
    threading.Thread(target=other.wait, args=(5,), daemon=True).start()
    previous = cli._stop_on_signals()
    try:
        with pytest.raises(Interrupted) as info:
            build._publish(claim, internal_staging, internal)
    finally:
        cli._restore_signals(previous)
        claim.release()
    other.set()
    assert info.value.signum == signal.SIGTERM and info.value.published is True
    assert sorted(p.name for p in out.iterdir()) == [outdir.MARKER, "new.html"]
    assert sorted(p.name for p in internal.iterdir()) == [outdir.MARKER, "new.xlsx"]
