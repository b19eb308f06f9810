"""The project's JupyterLab configuration.

Read because ``make lab`` (``jupyter/lab.py``) points ``JUPYTER_CONFIG_DIR`` at this folder;
nothing is read from or written to the user's home. What it does:

- ``custom_css``: JupyterLab 4's supported custom stylesheet, served from ``custom/custom.css``
  beside this file: Persian markdown and HTML outputs right to left in Vazirmatn (the report
  font, which ``lab.py`` copies into ``custom/fonts`` from where ``make fonts`` put it), code
  cells left to right.
- ``app_settings_dir``: ``settings/overrides.json`` beside this file gives the settings'
  defaults (no news feed, no update check: nothing is fetched from the web).
- user settings and workspaces go into the virtual environment (``<venv>/etc/atiyeh-lab``),
  so changing a setting in the UI does not touch the repository or the home folder.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
STATE = Path(sys.prefix) / "etc" / "atiyeh-lab"

c = get_config()  # noqa: F821 (provided by traitlets when it reads this file)
c.LabApp.custom_css = True
c.LabApp.app_settings_dir = str(HERE / "settings")
c.LabApp.user_settings_dir = str(STATE / "user-settings")
c.LabApp.workspaces_dir = str(STATE / "workspaces")
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.handlers.announcements.NeverCheckForUpdate"
c.LabApp.extension_manager = "readonly"  # the extension manager does not search PyPI
