"""Shared fixtures: the parameter files and one generated sample data set per run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("OPENPYXL_LXML", "False")  # before any test imports openpyxl (see atiyeh_reports/__init__)

ROOT = Path(__file__).resolve().parents[1]
PARAMS_1404 = ROOT / "params" / "1404.yaml"


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh copy of the sample data set (generated once per test run)."""
    from atiyeh_reports.sample.write import write_sample

    out = tmp_path_factory.mktemp("sample")
    write_sample(out, params_dir=ROOT / "params")
    return out


@pytest.fixture()
def params_copy(tmp_path: Path) -> Path:
    """A writable copy of params/1404.yaml whose data_dir is left for the test to set."""
    target = tmp_path / "params" / "1404.yaml"
    target.parent.mkdir()
    shutil.copy(PARAMS_1404, target)
    return target


@pytest.fixture(scope="module")
def params(tmp_path_factory: pytest.TempPathFactory):
    """The validated parameters of params/1404.yaml, reading from an empty data folder.

    HQ's allocation record is looked for beside the data (atiyeh_reports.allocation.record); pointing
    the data folder at an empty one keeps unit tests from picking up the sample's records.
    """
    from atiyeh_reports.core.params import load_params

    p = load_params(PARAMS_1404)
    return p.model_copy(update={"data_dir": tmp_path_factory.mktemp("no-records"),
                                "checks": p.checks.model_copy(update={"notified_record": None})})


@pytest.fixture()
def chart_style():
    """The report's chart style for one test, leaving the global rcParams as they were."""
    import warnings

    import matplotlib as mpl

    from atiyeh_reports.present import charts

    with mpl.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a fallback font warns; that is fonts.py's concern
        charts.setup()
        yield
