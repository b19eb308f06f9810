"""In a renderer process: print executed documents to HTML and PDF.

See :mod:`atiyeh_reports.pipeline.engine.workers` for the pool these functions run in.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from atiyeh_reports.pipeline.engine.jobs import Job, Outcome
from atiyeh_reports.pipeline.engine.kernels import _say, _worker, _worker_signals


def _start_renderer(messages: Any) -> None:
    """Import nbconvert and WeasyPrint, and print one small page, so the first document pays for neither."""
    import logging
    import signal

    from atiyeh_reports.present import render

    _worker_signals(signal.SIG_DFL)  # SIGTERM ends a renderer at once: it has no kernel to end
    _worker.update(messages=messages)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        render.warm_up()
    except Exception:  # noqa: BLE001,S110 - only a head start: a real failure shows on a real document
        pass


def _render_job(outcome: Outcome) -> Outcome:
    """(In a renderer.) Print an executed job to HTML and PDF."""
    job = outcome.job
    started = time.monotonic()
    try:
        _render(job)
    except Exception as exc:  # noqa: BLE001 - reported with the job, the others go on
        outcome.error = f"printing it failed: {type(exc).__name__}: {exc}"
    outcome.timings["render"] = time.monotonic() - started
    outcome.seconds += outcome.timings["render"]
    if job.quiet:
        _say(f"{job.tag or job.name}: {'done' if outcome.ok else 'FAILED'} ({outcome.seconds:.1f} s)")
    return outcome


def _render(job: Job) -> None:
    import nbformat

    from atiyeh_reports.present.render import report_html, write_pdf

    nb = nbformat.read(job.executed, as_version=4)
    page = report_html(nb, job.meta)
    html_path = Path(job.out_dir) / f"{job.name}.html"
    html_path.write_text(page, encoding="utf-8")
    write_pdf(page, Path(job.out_dir) / f"{job.name}.pdf", notebook=nb, attachments=tuple(job.attachments))
