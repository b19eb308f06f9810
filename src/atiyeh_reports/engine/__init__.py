"""The build engine: decide what to rebuild, and run notebooks on warm workers.

* :mod:`~atiyeh_reports.engine.fresh` decides "nothing changed" from the
  manifest alone (file hashes, standard library only), so a no-op build never
  imports pandas, nbformat or WeasyPrint.
* :mod:`~atiyeh_reports.engine.workers` runs documents (execute a
  parameterized notebook with papermill, then render it to HTML and PDF) on a
  pool of worker processes, each of which starts one kernel, imports the
  notebooks' libraries into it once, and reuses it for every document.

Neither module imports anything heavy at import time.
"""
