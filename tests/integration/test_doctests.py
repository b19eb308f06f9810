"""Every runnable example in a docstring runs. Those that load a year run in a project of their
own, whose data is the sample (as an analyst would type them, from any folder)."""

from __future__ import annotations

import doctest
import importlib
import shutil
from pathlib import Path

import pytest

from atiyeh_reports.core.params import load_params
from atiyeh_reports.lab import explore

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "src" / "atiyeh_reports"


def _modules_with_examples() -> list[str]:
    out = []
    for path in sorted(PKG.rglob("*.py")):
        if ">>> " in path.read_text(encoding="utf-8"):
            parts = path.relative_to(PKG.parent).with_suffix("").parts
            out.append(".".join(p for p in parts if p != "__init__"))
    return out


def _needs_a_year(module: str) -> bool:
    source = importlib.util.find_spec(module).origin
    return "load_year(" in Path(source).read_text(encoding="utf-8")


MODULES = _modules_with_examples()


def test_the_examples_are_found() -> None:
    assert {"atiyeh_reports.core.text", "atiyeh_reports.api", "atiyeh_reports.year.data"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_the_examples_run(module: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_dir: Path) -> None:
    if _needs_a_year(module):
        root = tmp_path / "proj"
        (root / "params").mkdir(parents=True)
        (root / "pyproject.toml").write_text('[project]\nname = "atiyeh-reports"\n', encoding="utf-8")
        for year in (1402, 1403, 1404):
            shutil.copy(ROOT / "params" / f"{year}.yaml", root / "params" / f"{year}.yaml")
        (root / "data").mkdir()
        (root / "data" / "sample").symlink_to(sample_dir, target_is_directory=True)
        assert load_params(root / "params" / "1404.yaml").data_dir == (root / "data" / "sample").resolve()
        monkeypatch.setenv(explore.ROOT_ENV, str(root))
        monkeypatch.chdir(tmp_path)
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result
