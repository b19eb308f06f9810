"""The package works installed as a wheel (not editable, not from the checkout): its notebooks,
fonts, templates and reference data come with it, and it builds the sample year."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # nothing but the venv's own paths
    return subprocess.run(cmd, capture_output=True, text=True, timeout=1200, env=kwargs.pop("env", env),
                          **kwargs)  # noqa: S603


def test_a_wheel_installed_in_a_fresh_venv_builds_the_sample_year(tmp_path: Path, sample_dir: Path) -> None:
    src = tmp_path / "src"  # a copy of the checkout: the wheel is built from its files, never from ours
    top_only = {"data", "outputs", "internal", "build"}  # the checkout's own; the package has a data/ too

    def skipped(folder: str, names: list[str]) -> set[str]:
        here = {n for n in names if n in {".git", ".venv", "__pycache__", ".pytest_cache"} or n.endswith(".egg-info")}
        return here | (top_only & set(names) if Path(folder) == ROOT else set())

    shutil.copytree(ROOT, src, symlinks=True, ignore=skipped)
    wheels = tmp_path / "wheels"
    done = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(src)])
    if done.returncode != 0 and "Could not find a version that satisfies" in done.stderr:
        pytest.skip("setuptools could not be fetched for the isolated wheel build (no package index here)")
    assert done.returncode == 0, done.stderr[-3000:]
    wheel = next(wheels.glob("atiyeh_reports-*.whl"))
    venv = tmp_path / "venv"
    assert _run([sys.executable, "-m", "venv", str(venv)]).returncode == 0
    # The dependencies are this environment's (already pinned); the package is only the wheel's.
    site = Path(_run([str(venv / "bin" / "python"), "-c",
                      "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    done = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)])
    assert done.returncode == 0, done.stderr[-3000:]
    where = _run([str(venv / "bin" / "python"), "-c", "import atiyeh_reports; print(atiyeh_reports.__file__)"],
                 cwd=tmp_path)
    assert where.stdout.strip().startswith(str(site)), where.stdout + where.stderr  # not the checkout

    params = tmp_path / "params"
    params.mkdir()
    for year in (1402, 1403, 1404):
        raw = yaml.safe_load((ROOT / "params" / f"{year}.yaml").read_text(encoding="utf-8"))
        raw["data_dir"] = str(sample_dir)
        raw.get("checks", {}).pop("notified_record", None)
        (params / f"{year}.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "outputs" / "1404"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # the dependencies' own data files (nbconvert's templates, the kernel spec) are where they were
    # installed, in this environment's prefix: a venv that installed them itself has them in its own
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    done = _run([str(venv / "bin" / "atiyeh"), "build", "--year", "1404", "--params", str(params / "1404.yaml"),
                 "--out", str(out), "--no-pack"], cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr[-4000:]
    for name in ("analysis", "allocation", "evaluation"):
        assert (out / f"{name}.pdf").stat().st_size > 10_000
    assert (out / "manifest.json").is_file()
