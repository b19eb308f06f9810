"""The build's environment: no import it does not need on the hot path."""

from __future__ import annotations

import subprocess
import sys


def test_nbformat_does_not_pull_in_the_lark_grammar_of_rfc3987_syntax() -> None:
    """jupyterlab -> jupyter-events -> jsonschema[format-nongpl] -> rfc3987-syntax compiles a
    grammar at import (~1.7 s in every process importing nbformat); `make setup` removes it
    (jsonschema then only skips the "iri" format check)."""
    code = "import sys, nbformat, papermill; print('rfc3987_syntax' in sys.modules, 'lark' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["False", "False"]
