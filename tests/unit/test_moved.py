"""Old module names keep working for one yearly cycle, with a warning naming the new place."""

from __future__ import annotations

import importlib
import sys
import warnings

import pytest

from atiyeh_reports import _moved


@pytest.mark.parametrize("old", sorted(_moved.MOVED))
def test_an_old_name_is_the_new_module_and_warns(old: str) -> None:
    new = _moved.new_name(f"atiyeh_reports.{old}")
    assert new is not None
    for name in [n for n in sys.modules if n == f"atiyeh_reports.{old}" or n.startswith(f"atiyeh_reports.{old}.")]:
        del sys.modules[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module(f"atiyeh_reports.{old}")
    assert module is importlib.import_module(new)
    assert module.__spec__.name == new and module.__spec__.origin  # its own spec, kept
    assert any(issubclass(w.category, DeprecationWarning) and new in str(w.message) for w in caught)


def test_a_submodule_of_a_moved_package_is_the_same_module() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        old = importlib.import_module("atiyeh_reports.engine.workers")
    from atiyeh_reports.pipeline.engine import workers

    assert old is workers


def test_a_monkeypatch_through_the_old_name_reaches_the_code(monkeypatch: pytest.MonkeyPatch) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from atiyeh_reports import budget
    from atiyeh_reports.allocation import budget as new

    monkeypatch.setattr(budget, "MILLION_FOR_THIS_TEST", 1, raising=False)
    assert new.MILLION_FOR_THIS_TEST == 1


def test_names_that_did_not_move_are_not_served() -> None:
    assert _moved.new_name("atiyeh_reports.api") is None
    assert _moved.new_name("atiyeh_reports.core.params") is None
    assert _moved.new_name("other.params") is None


@pytest.mark.parametrize("module", ["atiyeh_reports.intake", "atiyeh_reports.intake.inventory"])
def test_a_name_that_left_its_package_is_served_with_a_warning(module: str) -> None:
    from atiyeh_reports.analysis.views import no_data_note_fa

    with pytest.warns(DeprecationWarning, match="analysis.views"):
        old = importlib.import_module(module).no_data_note_fa
    assert old is no_data_note_fa
    with pytest.raises(AttributeError):
        importlib.import_module(module).never_there
