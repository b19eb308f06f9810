"""Old module names, served for one yearly cycle (1405) after the move to the layered tree.

``import atiyeh_reports.budget`` (or ``from atiyeh_reports import budget``) still works: a small
finder on ``sys.meta_path`` hands back the very module object that now lives at the new name, so
attributes, ``isinstance`` checks and monkeypatches behave as before. Each old name warns once with
a :class:`DeprecationWarning` naming the new one. Delete this module, and its line in
``__init__``, once the 1406 cycle starts.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import ModuleType

#: old name (under ``atiyeh_reports.``) → new name. A package's submodules follow it.
MOVED: dict[str, str] = {
    "text": "core.text", "jalali": "core.jalali", "national_id": "core.national_id",
    "provinces": "core.provinces", "vocab": "core.vocab", "params": "core.params",
    "layout": "core.layout", "provenance": "core.provenance",
    "workbook": "io.xlsx", "page_setup": "io.print_setup",
    "display": "present.display", "charts": "present.charts", "fonts": "present.fonts",
    "render": "present.render", "privacy": "present.privacy",
    "quality": "intake.quality", "schema": "intake.contracts",
    "budget": "allocation.budget", "budget_charts": "allocation.charts",
    "hq_record": "allocation.record", "notify": "allocation.notify",
    "indicators": "evaluation.indicators", "triangulation": "evaluation.triangulation",
    "eval_charts": "evaluation.charts",
    "explore": "lab.explore", "export": "lab.export",
    "build": "pipeline.build", "outdir": "pipeline.outdir", "engine": "pipeline.engine",
    "publish.pack": "pipeline.pack",
}
_PREFIX = "atiyeh_reports."
#: (old module, name) → the module the name lives in now: names that left their package.
MOVED_NAMES: dict[tuple[str, str], str] = {
    ("atiyeh_reports.intake", "no_data_note_fa"): "atiyeh_reports.analysis.views",
    ("atiyeh_reports.intake.inventory", "no_data_note_fa"): "atiyeh_reports.analysis.views",
}


def moved_name(module: str, name: str, *, stacklevel: int = 3) -> object:
    """A name that left ``module`` (its ``__getattr__`` asks here), with a DeprecationWarning; the
    module is imported by name when asked for, so the old package imports nothing above it."""
    target = MOVED_NAMES.get((module, name))
    if target is None:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    warnings.warn(f"{module}.{name} moved to {target}.{name}; import it from there (the old name "
                  "goes after the 1405 cycle)", DeprecationWarning, stacklevel=stacklevel)
    return getattr(importlib.import_module(target), name)


def new_name(fullname: str) -> str | None:
    """The module's name in the layered tree, or ``None`` when ``fullname`` did not move."""
    if not fullname.startswith(_PREFIX):
        return None
    old = fullname[len(_PREFIX):]
    for key, target in MOVED.items():
        if old == key or old.startswith(key + "."):
            return _PREFIX + target + old[len(key):]
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        warnings.warn(f"{spec.name} moved to {self.target}; import it from there (the old name "
                      "goes after the 1405 cycle)", DeprecationWarning, stacklevel=2)
        module = importlib.import_module(self.target)
        self._own = (module.__spec__, getattr(module, "__loader__", None))
        return module

    def exec_module(self, module: ModuleType) -> None:
        """The module is the new one, already executed: give it back its own spec, which the
        import system has just replaced with the old name's."""
        module.__spec__, module.__loader__ = self._own


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        new = new_name(fullname)
        if new is None:
            return None
        spec = importlib.machinery.ModuleSpec(fullname, _Alias(new))
        real = importlib.util.find_spec(new)
        if real is not None and real.submodule_search_locations is not None:
            spec.submodule_search_locations = []
        return spec


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
