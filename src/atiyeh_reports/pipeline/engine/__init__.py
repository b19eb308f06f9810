"""The build engine: decide what to rebuild, and run notebooks on warm workers.

* :mod:`~atiyeh_reports.pipeline.engine.fresh` decides "nothing changed" from the
  manifest alone (file hashes, standard library only), so a no-op build never
  imports pandas, nbformat or WeasyPrint.
* :mod:`~atiyeh_reports.pipeline.engine.workers` runs documents on two pools of
  processes: kernel workers (:mod:`~atiyeh_reports.pipeline.engine.kernels`: each
  starts one kernel, imports the notebooks' libraries into it once, and
  executes every document it is given with papermill) and renderers
  (:mod:`~atiyeh_reports.pipeline.engine.renderers`: each prints executed documents to
  HTML and PDF). :mod:`~atiyeh_reports.pipeline.engine.jobs` holds what they pass
  around (:class:`~atiyeh_reports.pipeline.engine.jobs.Job`, ``Outcome``).

No module here imports anything heavy at import time.
"""
