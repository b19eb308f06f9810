"""The build command: order of steps, caching, failures that leave earlier outputs intact.

These tests run the real pipeline (intake, papermill, rendering) on the sample
data with three tiny stand-in notebooks, so they are quick; the real notebooks
are built end to end in test_e2e.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from atiyeh_reports.cli import main
from atiyeh_reports.errors import BuildError
from atiyeh_reports.pipeline.build import REPORTS, build_year
from atiyeh_reports.pipeline.outdir import MARKER

ROOT = Path(__file__).resolve().parents[2]


def _notebook(cells: list) -> nbformat.NotebookNode:
    params = new_code_cell('params_path = "../params/1404.yaml"\ndata_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[params, *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


@pytest.fixture()
def notebooks(tmp_path: Path) -> Path:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for report in REPORTS:
        nb = _notebook([
            new_markdown_cell(f"# آزمون {report.name}"),
            new_code_cell("from atiyeh_reports.core.params import load_params\n"
                          "p = load_params(params_path)\nprint('سال', p.year)"),
        ])
        nbformat.write(nb, folder / f"{report.name}.ipynb")
    return folder


@pytest.fixture()
def params_file(tmp_path: Path, sample_dir: Path) -> Path:
    raw = yaml.safe_load((ROOT / "params" / "1404.yaml").read_text(encoding="utf-8"))
    raw["data_dir"] = str(sample_dir)
    path = tmp_path / "1404.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_writes_reports_manifest_and_reuses_unchanged_reports(
    tmp_path: Path, notebooks: Path, params_file: Path
) -> None:
    out = tmp_path / "out"
    messages: list[str] = []
    first = build_year(params_file, out_dir=out, notebook_dir=notebooks, progress=messages.append, pack=False)
    assert first.executed == [r.name for r in REPORTS]
    for report in REPORTS:
        for suffix in (".ipynb", ".html", ".pdf"):
            assert (out / f"{report.name}{suffix}").stat().st_size > 0
    assert (out / "allocation.xlsx").is_file()
    assert not (out / "internal").exists()  # names and IDs: beside the shared folder, not in it
    assert (tmp_path / "out-internal" / "quality.xlsx").is_file()
    # the year's snapshot (names and IDs) was the build's own: gone, and listed nowhere
    assert not list(tmp_path.rglob("*.pickle")) and "pickle" not in (out / "manifest.json").read_text()
    assert not list(first.internal_dir.rglob(".build"))
    assert any("cell 2/" in m for m in messages), messages  # progress names notebook and cell

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["year"] == 1404 and manifest["service_id"] == "19041060106"
    assert manifest["params"]["budget"]["method"] == "per_capita"
    names = {i["path"] for i in manifest["inputs"]}
    assert any(n.startswith("1404/provinces/") for n in names)
    assert any(n.startswith("1404/insurer/") for n in names)
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    listed = {o["path"] for o in manifest["outputs"]}
    assert {"analysis.pdf", "allocation.html", "evaluation.ipynb", "allocation.xlsx"} <= listed
    html = (out / "analysis.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in html and "این گزارش از چه ساخته شده است" in html
    assert "sha256:" in html and manifest["git_commit"][:7] in html

    # Nothing changed: every report is reused, byte for byte.
    before = _snapshot(out)
    second = build_year(params_file, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    assert second.executed == [] and sorted(second.reused) == sorted(r.name for r in REPORTS)
    after = _snapshot(out)
    assert after == before  # nothing rewritten, not even the manifest

    # ... and decided before importing pandas, nbformat or WeasyPrint, touching no file.
    times = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    code = (
        "import sys\nfrom pathlib import Path\nfrom atiyeh_reports.pipeline.build import build_year\n"
        f"r = build_year(Path({str(params_file)!r}), out_dir=Path({str(out)!r}), "
        f"notebook_dir=Path({str(notebooks)!r}), progress=lambda m: None, pack=False)\n"
        "assert r.executed == [] and len(r.reused) == 3, r\n"
        "print(sorted({'pandas', 'nbformat', 'weasyprint', 'papermill'} & set(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == times

    # A budget parameter changes the allocation report only.
    raw = yaml.safe_load(params_file.read_text(encoding="utf-8"))
    raw["budget"]["released_share"] = 0.7
    params_file.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    third = build_year(params_file, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    assert third.executed == ["allocation"]
    assert sorted(third.reused) == ["analysis", "evaluation"]


def test_failing_cell_names_notebook_and_cell_and_keeps_earlier_outputs(
    tmp_path: Path, notebooks: Path, params_file: Path
) -> None:
    out = tmp_path / "out"
    build_year(params_file, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    before = _snapshot(out)
    nbformat.write(
        _notebook([new_markdown_cell("# x"), new_code_cell("1 / 0")]), notebooks / "evaluation.ipynb"
    )
    with pytest.raises(BuildError) as info:
        build_year(params_file, out_dir=out, notebook_dir=notebooks, progress=lambda m: None, pack=False)
    message = str(info.value)
    assert "evaluation.ipynb" in message and "cell 3" in message and "ZeroDivisionError" in message
    assert "1 of 1 document(s) failed" in message  # only the changed report ran again
    assert _snapshot(out) == before
    assert (tmp_path / "evaluation.failed.ipynb").is_file()
    assert not list(tmp_path.glob(".out.building-*"))


def test_cli_broken_parameters_exit_nonzero_and_keep_outputs(
    tmp_path: Path, params_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    params_file.write_text(params_file.read_text(encoding="utf-8").replace("rounding_unit", "rounding_units"),
                           encoding="utf-8")
    code = main(["build", "--year", "1404", "--params", str(params_file), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "error:" in err and "1404.yaml" in err and "budget.rounding_units" in err
    assert "Traceback" not in err
    assert (out / "manifest.json").read_text(encoding="utf-8") == "{}"


def test_cli_missing_data_folder(tmp_path: Path, params_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "manifest.json").write_text("{}", encoding="utf-8")
    (out / MARKER).write_text("", encoding="utf-8")  # an earlier build's folder: ours, so the data check speaks
    code = main(["build", "--year", "1404", "--params", str(params_file), "--data", str(tmp_path / "nowhere"),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 3
    assert "nowhere" in err and "does not exist" in err
    assert (out / "manifest.json").read_text(encoding="utf-8") == "{}"


def test_cli_year_must_match_parameter_file(params_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--year", "1403", "--params", str(params_file)]) == 2
    assert "1404" in capsys.readouterr().err


def test_every_failing_report_is_named_and_the_others_run_to_the_end(
    tmp_path: Path, notebooks: Path, params_file: Path
) -> None:
    for name in ("analysis", "evaluation"):
        nbformat.write(_notebook([new_code_cell(f"raise ValueError('{name} is broken')")]),
                       notebooks / f"{name}.ipynb")
    messages: list[str] = []
    with pytest.raises(BuildError) as info:
        build_year(params_file, out_dir=tmp_path / "out", notebook_dir=notebooks, progress=messages.append, pack=False)
    message = str(info.value)
    assert "2 of 3 document(s) failed" in message
    assert "analysis is broken" in message and "evaluation is broken" in message
    assert any("allocation: cell 4/4" in m for m in messages), messages  # it ran to its end
    assert not (tmp_path / "out").exists()


def test_a_failing_card_is_named_and_the_other_thirty_are_made(
    tmp_path: Path, notebooks: Path, params_file: Path
) -> None:
    params = new_code_cell('params_path = "../params/1404.yaml"\ndata_dir = ""\nprovince = "IR-23"')
    params.metadata["tags"] = ["parameters"]
    card = new_notebook(cells=[params, new_code_cell(
        "if province == 'IR-05':\n    raise ValueError('the card of IR-05 is broken')\nprint(province)")])
    card.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(card, notebooks / "card.ipynb")
    messages: list[str] = []
    with pytest.raises(BuildError) as info:
        build_year(params_file, out_dir=tmp_path / "out", notebook_dir=notebooks, progress=messages.append)
    message = str(info.value)
    assert "1 of 34 document(s) failed" in message and "the card of IR-05 is broken" in message
    assert "IR-05_" in message
    assert len([m for m in messages if m.startswith("[card ") and m.endswith(" s)") and ": done (" in m]) == 30
    assert any("IR-05: FAILED" in m for m in messages)
    assert any(m.startswith("letters: 31 provinces") for m in messages)
    assert not (tmp_path / "out").exists()  # nothing published
    assert not (tmp_path / "out-internal").exists() and not list(tmp_path.glob(".out-internal.building-*"))
