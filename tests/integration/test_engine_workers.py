"""Warm workers: a reused kernel gives what a fresh one gives, and one failure stops nothing."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from atiyeh_reports.pipeline.engine.workers import Job, Workers, strip_volatile_metadata, warm_imports


def _notebook(path: Path, *cells: str) -> Path:
    params = new_code_cell('label = "x"')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, new_markdown_cell("# آزمون"), *(new_code_cell(c) for c in cells)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("engine")
    # Leaves behind everything a notebook could leak into the next one.
    _notebook(folder / "dirty.ipynb",
              "import os, warnings\nimport matplotlib as mpl\nleaked = 1\n"
              "mpl.rcParams['lines.linewidth'] = 9\nos.chdir('/')\n"
              "warnings.warn('shown once per process by default')",
              "get_ipython().display_formatter.formatters['text/plain'].for_type(int, lambda o, p, c: p.text('!'))")
    _notebook(folder / "probe.ipynb",
              "import os, warnings\nimport matplotlib as mpl\n"
              "print(label, 'leaked' in dir(), mpl.rcParams['lines.linewidth'], os.getcwd() == CWD)\n"
              "warnings.warn('shown once per process by default')",
              "41 + 1")
    _notebook(folder / "broken.ipynb", "1 / 0")
    # The probe compares the working folder with the notebooks' folder.
    nb = nbformat.read(folder / "probe.ipynb", as_version=4)
    nb.cells[0].source += f"\nCWD = {str(folder)!r}"
    nbformat.write(nb, folder / "probe.ipynb")
    return folder


@pytest.fixture(scope="module")
def workers(folder: Path):
    with Workers(folder, warm="import matplotlib\nimport json", processes=1) as pool:
        yield pool


def _job(folder: Path, name: str, out: Path, **parameters: object) -> Job:
    return Job(name=name, notebook=folder / f"{name}.ipynb", parameters=parameters, out_dir=out)


def test_a_reused_kernel_gives_the_bytes_a_fresh_kernel_gives(folder: Path, workers: Workers,
                                                               tmp_path: Path) -> None:
    import papermill

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    papermill.execute_notebook(str(folder / "probe.ipynb"), str(fresh / "probe.ipynb"),
                               parameters={"label": "یک"}, cwd=str(folder), progress_bar=False)
    strip_volatile_metadata(fresh / "probe.ipynb")

    warm = tmp_path / "warm"
    outcomes = workers.run([_job(folder, "dirty", warm), _job(folder, "probe", warm, label="یک")])
    assert [o.ok for o in outcomes] == [True, True], [o.error for o in outcomes]
    # A warning names the kernel's process id (/tmp/ipykernel_<pid>/...), as from any two kernels.
    def same_kernel(path: Path) -> str:
        return re.sub(r"ipykernel_\d+", "ipykernel_PID", path.read_text(encoding="utf-8"))

    assert same_kernel(warm / "probe.ipynb") == same_kernel(fresh / "probe.ipynb")
    probe = nbformat.read(warm / "probe.ipynb", as_version=4)
    printed = probe.cells[3].outputs[0]["text"]
    assert printed.startswith("یک False")  # no name from the notebook before
    assert [c.execution_count for c in probe.cells if c.cell_type == "code"] == [1, 2, 3, 4]
    assert any(o.get("name") == "stderr" for o in probe.cells[3].outputs)  # the warning is shown again


def test_a_failing_document_is_reported_and_the_others_still_run(folder: Path, workers: Workers,
                                                                 tmp_path: Path) -> None:
    messages: list[str] = []
    outcomes = workers.run([_job(folder, "broken", tmp_path), _job(folder, "probe", tmp_path)],
                           progress=messages.append)
    broken, probe = outcomes
    assert not broken.ok and broken.cell == 3 and broken.ename == "ZeroDivisionError"
    assert "1 / 0" in broken.error and "cell 3" in broken.error
    assert probe.ok and (tmp_path / "probe.ipynb").is_file()
    assert any("probe: cell 2/" in m for m in messages), messages


def test_warm_imports_are_the_notebooks_import_lines_only(tmp_path: Path) -> None:
    path = _notebook(tmp_path / "n.ipynb", "from a.b import c as d\nimport e, f\nx = 1\nimport g  # why",
                     "import e, f\n    import h")
    assert warm_imports([path, tmp_path / "missing.ipynb"]) == "from a.b import c as d\nimport e, f"


def _meta():  # noqa: ANN202 - a ReportMeta
    from atiyeh_reports.present.render import ReportMeta

    return ReportMeta(title="آزمون", service_name="خدمت", service_id="0", year=1404, built_jalali="۱۴۰۴",
                      provenance=(("ساخته از", "آزمون"),))


def test_documents_are_printed_by_renderers_and_a_failed_print_stops_nothing(folder: Path, workers: Workers,
                                                                             tmp_path: Path) -> None:
    """Executing and printing are separate steps on separate processes: each is timed, each can fail alone."""
    good = Job(name="probe", notebook=folder / "probe.ipynb", parameters={"label": "یک"}, out_dir=tmp_path,
               meta=_meta(), quiet=True, tag="[doc 1/2]")
    # An attachment that is not there: executing works, printing fails.
    bad = Job(name="dirty", notebook=folder / "dirty.ipynb", parameters={}, out_dir=tmp_path, meta=_meta(),
              attachments=(tmp_path / "missing.xlsx",), quiet=True, tag="[doc 2/2]")
    messages: list[str] = []
    printed, failed = workers.run([good, bad], progress=messages.append)
    assert printed.ok, printed.error
    assert (tmp_path / "probe.html").is_file() and (tmp_path / "probe.pdf").read_bytes().startswith(b"%PDF")
    assert set(printed.timings) == {"execute", "render"}
    assert printed.seconds == pytest.approx(printed.timings["execute"] + printed.timings["render"])
    assert not failed.ok and failed.error.startswith("printing it failed") and "missing.xlsx" in failed.error
    assert (tmp_path / "dirty.ipynb").is_file() and not (tmp_path / "dirty.pdf").exists()
    assert sorted(m.split(":")[0] + ":" + m.split(":")[1].split("(")[0] for m in messages) == [
        "[doc 1/2]: done ", "[doc 2/2]: FAILED "], messages  # one line per quiet document, said when printed


def test_without_renderers_a_document_to_print_is_executed_and_reported_not_printed(folder: Path,
                                                                                   tmp_path: Path) -> None:
    job = Job(name="probe", notebook=folder / "probe.ipynb", parameters={"label": "دو"}, out_dir=tmp_path,
              meta=_meta())
    with Workers(folder, processes=1, render=False) as pool:
        (outcome,) = pool.run([job])
    assert not outcome.ok and "not printed" in outcome.error and "render=False" in outcome.error
    assert (tmp_path / "probe.ipynb").is_file() and not (tmp_path / "probe.pdf").exists()


def test_a_job_the_engine_cannot_hand_on_is_reported_not_waited_for(folder: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong between executing and printing, collect() gets an outcome (never a hang)."""
    job = Job(name="probe", notebook=folder / "probe.ipynb", parameters={"label": "سه"}, out_dir=tmp_path,
              meta=_meta())

    def broken(self: Workers, *args: object) -> None:
        raise ValueError("lost")

    monkeypatch.setattr(Workers, "_hand_on", broken)
    with Workers(folder, processes=1) as pool:
        (outcome,) = pool.run([job])
    assert not outcome.ok and "lost" in outcome.error and "after executing" in outcome.error


def test_a_worker_keeps_no_kernel_client_open_after_a_document(folder: Path, tmp_path: Path) -> None:
    """nbclient opens a client (sockets, a heartbeat thread) per document; the engine closes it."""
    import threading

    with Workers(folder, processes=1, render=False) as pool:
        pool.run([_job(folder, "probe", tmp_path / "first", label="x")])
        before = pool._pool.submit(threading.active_count).result()
        outcomes = pool.run([_job(folder, "probe", tmp_path / f"next{n}", label="x") for n in range(3)])
        after = pool._pool.submit(threading.active_count).result()
    assert all(o.ok for o in outcomes), [o.error for o in outcomes]
    assert after == before
