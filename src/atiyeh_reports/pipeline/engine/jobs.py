"""What the engine runs (:class:`Job`) and what became of it (:class:`Outcome`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Job:
    """One document: execute ``notebook`` with ``parameters`` into ``out_dir/<name>.ipynb``.

    With ``meta`` (a :class:`atiyeh_reports.present.render.ReportMeta`) it is also
    rendered to ``<name>.html`` and ``<name>.pdf`` beside it.
    """

    name: str
    notebook: Path
    parameters: dict[str, Any]
    out_dir: Path
    meta: Any = None
    tag: str = ""
    #: files embedded in the PDF (PDF/A-3 associated files), e.g. allocation.xlsx in the allocation report
    attachments: tuple[Path, ...] = ()
    #: one progress line when done (a province card) instead of one per cell (a report)
    quiet: bool = False

    @property
    def executed(self) -> Path:
        return Path(self.out_dir) / f"{self.name}.ipynb"


@dataclass
class Outcome:
    """What became of a :class:`Job`: ``error`` is ``None`` when it succeeded."""

    job: Job
    error: str | None = None
    #: for a failed cell: the cell's number in the source notebook, its first line, the exception
    cell: int | None = None
    source_line: str = ""
    ename: str = ""
    evalue: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None
