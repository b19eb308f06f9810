"""Start JupyterLab with the project's configuration: ``make lab`` and the browser test use this.

``python jupyter/lab.py [jupyter lab options]`` runs the ``jupyter lab`` of the Python that runs
it (the project's ``.venv``) with every Jupyter folder inside the repository or the virtual
environment, never the user's home:

=====================  ==============================================================
JUPYTER_CONFIG_DIR     this folder (``jupyter_lab_config.py``, ``custom/custom.css``)
JUPYTER_DATA_DIR       ``<venv>/share/jupyter`` (kernels, lab extensions, runtime files)
IPYTHONDIR             ``<venv>/etc/ipython`` (the kernel's history and profile)
MPLCONFIGDIR           ``<venv>/etc/matplotlib`` (matplotlib's font cache)
=====================  ==============================================================
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: The custom stylesheet loads the font from here (the server does not follow symbolic links).
FONTS = HERE / "custom" / "fonts"


def lab_env(base: dict[str, str] | None = None, prefix: str | Path = sys.prefix) -> dict[str, str]:
    """``base`` (default: this process's environment) with the project's Jupyter folders set."""
    env = dict(os.environ if base is None else base)
    prefix = Path(prefix)
    env.update({
        "JUPYTER_CONFIG_DIR": str(HERE),
        "JUPYTER_DATA_DIR": str(prefix / "share" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(prefix / "share" / "jupyter" / "runtime"),
        "IPYTHONDIR": str(prefix / "etc" / "ipython"),
        "MPLCONFIGDIR": str(prefix / "etc" / "matplotlib"),
        "JUPYTER_PLATFORM_DIRS": "0",
    })
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def copy_fonts(target: Path = FONTS) -> list[Path]:
    """Copy the report font (``make fonts``) beside the custom stylesheet; warn when it is missing."""
    from atiyeh_reports.present.fonts import font_dir

    source = font_dir()
    copied = []
    target.mkdir(parents=True, exist_ok=True)
    for name in ("Vazirmatn-Regular.ttf", "Vazirmatn-Bold.ttf", "OFL.txt"):
        src, dst = source / name, target / name
        if not src.is_file():
            print(f"warning: {src} is missing (run `make fonts`); JupyterLab falls back to another "
                  "Persian font", file=sys.stderr)
            continue
        if not dst.is_file() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
        copied.append(dst)
    return copied


def lab_command(args: list[str]) -> list[str]:
    """The ``jupyter lab`` command line with ``args``, run by this Python."""
    return [sys.executable, "-m", "jupyterlab", *args]


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in args:
        args.append("--allow-root")
    copy_fonts()
    command = lab_command(args)
    os.execve(command[0], command, lab_env())


if __name__ == "__main__":
    main()
