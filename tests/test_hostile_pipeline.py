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

from atiyeh_reports import outdir, provenance
from atiyeh_reports.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "params" / "1404.yaml").read_text(encoding="utf-8")


def run(*argv: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(list(argv))
    text = err.getvalue()
    assert "Traceback" not in text
    return code, text


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


def test_out_inside_the_data_folder_is_refused(project: dict[str, Path]) -> None:
    out = project["data"] / "reports" / "1404"
    _refused(project, out, project["root"] / "internal",
             f"output folder {out} is inside the data folder {project['data']}; a build never writes among "
             f"its inputs. Nothing was changed: pass --out with a folder outside {project['data']}")


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
    (project["data"] / "reports").mkdir()
    link = project["root"] / "outputs"
    link.symlink_to(project["data"] / "reports")
    _refused(project, link / "1404", None,
             f"output folder {link / '1404'} (that is {project['data'] / 'reports' / '1404'}) is inside "
             f"the data folder {project['data']}")


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
    text = re.sub(r"(?m)^(\s*)notified_record:.*$", r"\1notified_record: ../outputs/1404/allocation.csv", text)
    assert "notified_record: ../outputs/1404/allocation.csv" in text
    project["params"].write_text(text, encoding="utf-8")
    _refused(project, out, None, f"output folder {out} contains the input {out / 'allocation.csv'}")


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
from atiyeh_reports import build, cli
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

    from atiyeh_reports.build import REPORTS

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
