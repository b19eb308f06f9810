"""The house's rules are tests: imports flow one way (import-linter, counting imports inside
functions), the code passes ruff, and the report notebooks stay thin."""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REPORT_NOTEBOOKS = ("analysis", "allocation", "evaluation", "card")


def _lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run([str(BIN / "lint-imports"), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    done = _lint_imports(ROOT / "src")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("module", "planted", "contract"), [
    ("core/text.py", "from atiyeh_reports.pipeline import build  # noqa", "flows one way"),
    ("intake/values.py", "from atiyeh_reports.intake import rules  # noqa", "No cycles"),
    ("allocation/allocate.py", "from atiyeh_reports.allocation import views  # noqa", "The allocation flows one way"),
    ("allocation/apportion.py", "import pandas  # noqa", "Exact apportionment takes no pandas"),
    ("analysis/tables.py", "from atiyeh_reports.analysis import views  # noqa", "The analysis flows one way"),
])
def test_a_planted_violation_breaks_a_contract(tmp_path: Path, module: str, planted: str, contract: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "atiyeh_reports", src / "atiyeh_reports",
                    ignore=shutil.ignore_patterns("__pycache__", "assets"))
    target = src / "atiyeh_reports" / module
    # inside a function, where a deferred import used to hide it
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _planted():\n    {planted}\n",
                      encoding="utf-8")
    done = _lint_imports(src)
    assert done.returncode != 0
    assert f"{contract}" in done.stdout and "BROKEN" in done.stdout


def test_ruff_finds_nothing() -> None:
    done = subprocess.run([str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "jupyter"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_a_report_notebook_stays_thin(name: str) -> None:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    for number, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] != "code":
            continue
        tree = ast.parse("".join(cell["source"]))
        thick = [type(node).__name__ for node in ast.walk(tree)
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
                                      ast.For, ast.While, ast.ListComp, ast.DictComp, ast.SetComp,
                                      ast.GeneratorExp))]
        assert not thick, f"{name}.ipynb cell {number}: {thick} belongs in a tested function"


def test_no_module_grows_past_the_split_size() -> None:
    """Modules over ~500 lines are due a split; the ones still waiting are listed, and none may grow."""
    waiting: dict[str, int] = {}  # path: lines, for a module due a split (none now); shrink, never add
    pkg = ROOT / "src" / "atiyeh_reports"
    for path in pkg.rglob("*.py"):
        rel = path.relative_to(pkg).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= waiting.get(rel, 500), f"{rel} has {lines} lines"


def test_no_test_imports_another_test_module() -> None:
    """Shared builders live in tests/factories.py (and the page checks in pagecheck.py)."""
    import re

    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in (ROOT / "tests").rglob("*.py")
                 for m in re.finditer(r"^\s*(from|import) (tests\.)?test_\w+", p.read_text(encoding="utf-8"), re.M)]
    assert not offenders, offenders


def test_the_package_imports_no_old_module_name() -> None:
    """The old names are for users' code and notebooks; the package itself uses the new ones."""
    import subprocess as sp

    code = ("import warnings, importlib, pkgutil, atiyeh_reports\n"
            "warnings.simplefilter('error', DeprecationWarning)\n"
            "for m in pkgutil.walk_packages(atiyeh_reports.__path__, 'atiyeh_reports.'):\n"
            "    if not m.name.endswith(('._moved', '.findings', '.budget')) and '.notebooks' not in m.name:\n"
            "        importlib.import_module(m.name)\n")
    done = sp.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # ... nor inside a function, where importing the module does not reach
    import re

    from atiyeh_reports import _moved

    old = "|".join(re.escape(k) for k in sorted(_moved.MOVED, key=len, reverse=True))
    pattern = re.compile(rf"^\s*(from atiyeh_reports\.({old})\b|import atiyeh_reports\.({old})\b"
                         rf"|from atiyeh_reports\.?(\w*) import ({old})\b)", re.M)
    found = [f"{p.relative_to(ROOT)}: {m.group(0).strip()}" for p in (ROOT / "src").rglob("*.py")
             if p.name != "_moved.py" for m in pattern.finditer(p.read_text(encoding="utf-8"))
             if not (m.group(4) and m.group(4) != "" and (m.group(4) + "." + m.group(5)) not in _moved.MOVED)]
    assert not found, found
