"""Deciding "nothing changed" from the manifest: every input counts, nothing heavy is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from atiyeh_reports.core.provenance import file_hashes
from atiyeh_reports.pipeline.engine import fresh

NOTEBOOKS = ("analysis", "allocation")


@pytest.fixture()
def built(tmp_path: Path) -> dict[str, Path]:
    """A fake finished build: parameter files, raw inputs, notebooks, outputs and their manifest."""
    params = tmp_path / "params" / "1404.yaml"
    params.parent.mkdir()
    params.write_text("year: 1404\n", encoding="utf-8")
    (params.parent / "1403.yaml").write_text("year: 1403\n", encoding="utf-8")
    data = tmp_path / "data"
    for year in (1403, 1404):
        (data / str(year) / "provinces").mkdir(parents=True)
        (data / str(year) / "provinces" / "IR-23.xlsx").write_bytes(b"form %d" % year)
    (data / "1404" / "insurer").mkdir()
    (data / "1404" / "insurer" / "export.csv").write_bytes(b"policies")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in NOTEBOOKS:
        (notebooks / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / "analysis.pdf").write_bytes(b"%PDF")
    manifest = {
        "year": 1404,
        "params": {"history_years": [1403]},
        "intake": {"unreadable": []},
        "inputs": fresh.input_hashes(data, 1404, [1403]),
        "reports": {name: {} for name in NOTEBOOKS},
        "outputs": file_hashes([out / "analysis.pdf"], out),
        "freshness": fresh.freshness(params, data, notebooks, NOTEBOOKS, [1403], data_dir_given=True),
    }
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return {"params": params, "data": data, "notebooks": notebooks, "out": out}


def _unchanged(b: dict[str, Path], **kwargs: object) -> dict | None:
    kwargs.setdefault("data_dir", b["data"])
    return fresh.unchanged(b["params"], b["out"], b["notebooks"], **kwargs)


def test_nothing_changed_is_recognized(built: dict[str, Path]) -> None:
    assert _unchanged(built, expected_year=1404)["year"] == 1404


@pytest.mark.parametrize("change", [
    "params", "history params", "input", "new input", "removed input", "notebook", "output",
    "missing output", "code", "manifest",
])
def test_any_change_means_not_unchanged(built: dict[str, Path], change: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    b = built
    if change == "params":
        b["params"].write_text("year: 1404\n# edited\n", encoding="utf-8")
    elif change == "history params":
        (b["params"].parent / "1403.yaml").write_text("year: 1403\nx: 1\n", encoding="utf-8")
    elif change == "input":
        (b["data"] / "1403" / "provinces" / "IR-23.xlsx").write_bytes(b"form 1403, corrected")
    elif change == "new input":
        (b["data"] / "1404" / "provinces" / "IR-07.xlsx").write_bytes(b"late form")
    elif change == "removed input":
        (b["data"] / "1404" / "insurer" / "export.csv").unlink()
    elif change == "notebook":
        (b["notebooks"] / "allocation.ipynb").write_text('{"cells": []}', encoding="utf-8")
    elif change == "output":
        (b["out"] / "analysis.pdf").write_bytes(b"%PDX")
    elif change == "missing output":
        (b["out"] / "analysis.pdf").unlink()
    elif change == "code":
        monkeypatch.setattr(fresh, "code_fingerprint", lambda: "other code")
    elif change == "manifest":
        (b["out"] / "manifest.json").write_text("{not json", encoding="utf-8")
    assert _unchanged(b) is None


def test_other_arguments_mean_not_unchanged(built: dict[str, Path], tmp_path: Path) -> None:
    assert _unchanged(built, expected_year=1403) is None
    assert _unchanged(built, data_dir=tmp_path / "elsewhere") is None
    assert _unchanged(built, data_dir=None) is None  # the first build was told --data
    manifest = json.loads((built["out"] / "manifest.json").read_text(encoding="utf-8"))
    manifest["intake"]["unreadable"] = ["IR-07.xlsx: encrypted"]
    (built["out"] / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert _unchanged(built) is None
    assert _unchanged(built, accept_unreadable=True) is not None


def test_deciding_imports_nothing_heavy(built: dict[str, Path]) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom atiyeh_reports.pipeline.engine import fresh\n"
        f"assert fresh.unchanged(Path({str(built['params'])!r}), Path({str(built['out'])!r}), "
        f"Path({str(built['notebooks'])!r}), data_dir=Path({str(built['data'])!r}))\n"
        "heavy = {'pandas', 'numpy', 'pydantic', 'yaml', 'nbformat', 'weasyprint', 'matplotlib'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
