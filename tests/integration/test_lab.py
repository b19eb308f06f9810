"""JupyterLab in a real browser: Persian reads right to left, in Vazirmatn, with no icon glyphs.

Starts the project's JupyterLab (``jupyter/lab.py``, as ``make lab`` does) on localhost with a
random free port and token, opens a small notebook in headless Chromium (Debian's ``chromium``,
driven by Playwright's Python API: Playwright's own browser download does not work offline),
runs its cells and checks what the browser computed. Skipped, saying why, when no browser or no
Playwright is there (``make chromium`` installs the browser when run as root).

Set ``ATIYEH_LAB_SCREENSHOT=path.png`` to keep the screenshot (docs/lab-rtl.png was made so).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "jupyter" / "lab.py"
FONT = ROOT / "src" / "atiyeh_reports" / "assets" / "fonts" / "Vazirmatn-Regular.ttf"
START_TIMEOUT = 90  # seconds for the server to answer
STEP_TIMEOUT_MS = 90_000  # each browser step (page load, kernel start, cells run)

pytestmark = pytest.mark.e2e

PERSIAN_MD = (
    "## پوشش بیمه به تفکیک استان\n\n"
    "این جدول تعداد فرزندان تحت پوشش هر استان را نشان می‌دهد؛ ارقام به ریال است."
)
TABLE_CELL = (
    "import pandas as pd\n"
    "from atiyeh_reports.present.display import show_table\n"
    "show_table(pd.DataFrame({'استان': ['تهران', 'فارس', 'کل کشور'],\n"
    "                         'فرزندان': [1234, 567, 1801],\n"
    "                         'اعتبار (ریال)': [4_442_400_000, 2_041_200_000, 6_483_600_000]}),\n"
    "           integers=['فرزندان'], money=['اعتبار (ریال)'], total_row=True,\n"
    "           caption='فرزندان و اعتبار به تفکیک استان')"
)

# Which elements of the outputs show an icon-font glyph: a ::before/::after whose content is a
# Private Use Area character (Font Awesome's .fa-table:before is "\f0ce").
ICON_GLYPHS_JS = """
() => {
  const found = [];
  const pua = /[\\ue000-\\uf8ff]|[\\u{f0000}-\\u{10ffff}]/u;
  for (const el of document.querySelectorAll(
      '.jp-OutputArea-output, .jp-OutputArea-output *, .jp-RenderedMarkdown, .jp-RenderedMarkdown *')) {
    for (const pseudo of ['::before', '::after']) {
      const content = getComputedStyle(el, pseudo).content;
      if (content && content !== 'none' && content !== 'normal' && pua.test(content)) {
        found.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + pseudo);
      }
    }
  }
  return found;
}
"""

STYLE_JS = """
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const s = getComputedStyle(el);
  return {direction: s.direction, fontFamily: s.fontFamily, textAlign: s.textAlign};
}
"""


def _chromium() -> str | None:
    for name in (os.environ.get("ATIYEH_CHROMIUM"), "chromium", "chromium-browser"):
        if name and (path := shutil.which(name)):
            return path
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {START_TIMEOUT}s:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server we started and its kernels (its own process group), whatever happened."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    try:  # kernels left behind in the group
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A running JupyterLab with the project's configuration, serving a fresh notebook folder."""
    if _chromium() is None:
        pytest.skip("no Chromium browser found: run `make chromium` as root (Debian package chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (make setup)")
    if not FONT.is_file():
        pytest.skip(f"Vazirmatn is not in {FONT.parent}: run `make fonts`")
    work = tmp_path_factory.mktemp("lab")
    nb = new_notebook(cells=[new_markdown_cell(PERSIAN_MD), new_code_cell(TABLE_CELL)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, work / "check.ipynb")
    # Every cell in the page (JupyterLab leaves cells out of view out of the DOM by default).
    tracker = work / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}', encoding="utf-8")
    port, token = _free_port(), os.urandom(16).hex()
    log = work / "lab.log"
    args = [
        "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={work}", "--LabApp.expose_app_in_browser=True",
        # this run's own workspace and settings: nothing restored from an earlier session
        f"--LabApp.workspaces_dir={work / 'workspaces'}", f"--LabApp.user_settings_dir={work / 'settings'}",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(LAB), *args], stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True, cwd=work)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_server(f"{base}/api/status?token={token}", proc, log)
        yield f"{base}/lab/tree/check.ipynb?token={token}", work
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def browser(lab: tuple[str, Path]) -> Iterator[object]:
    """Headless Chromium (the system's), driven by Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=_chromium(), headless=True, timeout=STEP_TIMEOUT_MS,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        try:
            yield chromium
        finally:
            chromium.close()


RUN_ALL_DONE_JS = """
() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [...panel.content.widgets].filter(c => c.model.type === 'code');
  const failed = document.querySelector(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output.jp-mod-error');
  return kernel && kernel.status === 'idle' && (failed || cells.every(c => c.model.executionCount));
}
"""


def _open_and_run(browser: object, url: str, notebook: str) -> object:
    pg = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg.set_default_timeout(STEP_TIMEOUT_MS)
    pg.goto(url.replace("check.ipynb", notebook) + "&reset")
    pg.wait_for_selector(".jp-Notebook .jp-MarkdownCell")
    pg.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                         " && window.jupyterapp.shell.currentWidget.sessionContext"
                         " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                         " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel")
    pg.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    pg.wait_for_function(RUN_ALL_DONE_JS, polling=500)
    pg.evaluate("() => document.fonts.ready")
    return pg


@pytest.fixture(scope="module")
def page(lab: tuple[str, Path], browser: object) -> Iterator[object]:
    """The small check notebook open in headless Chromium with every cell run."""
    pg = _open_and_run(browser, lab[0], "check.ipynb")
    pg.wait_for_selector(".jp-OutputArea-output table.atiyeh-table")  # type: ignore[attr-defined]
    yield pg
    pg.close()  # type: ignore[attr-defined]


def _rendered_fonts(pg: object, selector: str) -> list[str]:
    """The fonts Chromium really drew ``selector``'s text with (DevTools: platform fonts)."""
    cdp = pg.context.new_cdp_session(pg)  # type: ignore[attr-defined]
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    assert node, f"nothing matches {selector}"
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    return [f["familyName"] for f in fonts]


MARKDOWN = ".jp-MarkdownCell .jp-RenderedMarkdown"
TABLE = ".jp-OutputArea-output table.atiyeh-table"


def test_persian_markdown_reads_right_to_left_in_vazirmatn(page: object) -> None:
    for selector in (MARKDOWN, f"{MARKDOWN} p", f"{MARKDOWN} h2"):
        style = page.evaluate(STYLE_JS, selector)  # type: ignore[attr-defined]
        assert style is not None, selector
        assert style["direction"] == "rtl", (selector, style)
        assert style["fontFamily"].strip("\"'").startswith("Vazirmatn"), (selector, style)
    assert _rendered_fonts(page, f"{MARKDOWN} p") == ["Vazirmatn"]


def test_tables_read_right_to_left_in_vazirmatn(page: object) -> None:
    for selector in (TABLE, f"{TABLE} th", f"{TABLE} td"):
        style = page.evaluate(STYLE_JS, selector)  # type: ignore[attr-defined]
        assert style is not None, selector
        assert style["direction"] == "rtl", (selector, style)
        assert style["fontFamily"].strip("\"'").startswith("Vazirmatn"), (selector, style)
    assert _rendered_fonts(page, f"{TABLE} td") == ["Vazirmatn"]
    assert _rendered_fonts(page, f"{TABLE} td.num") == ["Vazirmatn"]  # ۱٬۲۳۴: no apostrophe-like ٬
    # The first column (the province) stands at the right edge of the table.
    boxes = page.evaluate(  # type: ignore[attr-defined]
        "(s) => [...document.querySelectorAll(s + ' thead th')].map(th => th.getBoundingClientRect().x)", TABLE)
    assert boxes == sorted(boxes, reverse=True) and len(boxes) == 3


def test_code_cells_stay_left_to_right(page: object) -> None:
    style = page.evaluate(STYLE_JS, ".jp-CodeCell .jp-InputArea-editor .cm-content")  # type: ignore[attr-defined]
    assert style is not None and style["direction"] == "ltr", style


def test_no_output_shows_an_icon_font_glyph(page: object) -> None:
    assert page.evaluate(ICON_GLYPHS_JS) == []  # type: ignore[attr-defined]
    # The check can fail: the old class name draws Font Awesome's table icon.
    page.evaluate(  # type: ignore[attr-defined]
        "() => { const t = document.createElement('table'); t.className = 'fa-table'; t.id = 'probe';"
        " document.querySelector('.jp-OutputArea-output').appendChild(t); }")
    try:
        assert page.evaluate(ICON_GLYPHS_JS) == ["table.fa-table::before"]  # type: ignore[attr-defined]
    finally:
        page.evaluate("() => document.getElementById('probe').remove()")  # type: ignore[attr-defined]


def test_screenshot_of_markdown_and_table(page: object, lab: tuple[str, Path]) -> None:
    cells = page.locator(".jp-Notebook .jp-Cell")  # type: ignore[attr-defined]
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert first and second
    clip = {"x": min(first["x"], second["x"]), "y": first["y"],
            "width": max(first["width"], second["width"]),
            "height": second["y"] + second["height"] - first["y"]}
    shot = lab[1] / "lab-rtl.png"
    page.screenshot(path=str(shot), clip=clip)  # type: ignore[attr-defined]
    assert shot.stat().st_size > 5_000
    if keep := os.environ.get("ATIYEH_LAB_SCREENSHOT"):
        shutil.copyfile(shot, keep)


def test_the_explore_notebook_runs_in_lab_rtl_without_icon_glyphs(lab: tuple[str, Path], browser: object) -> None:
    """notebooks/explore.ipynb as an analyst opens it: every cell runs, no error, Persian right to
    left, no icon glyph, and the year object shows its summary, not its rows."""
    if not (ROOT / "data" / "sample" / "1404").is_dir():
        pytest.skip("no sample data in data/sample: run `make sample`")
    shutil.copy(ROOT / "notebooks" / "explore.ipynb", lab[1] / "explore.ipynb")
    pg = _open_and_run(browser, lab[0], "explore.ipynb")
    try:
        errors = pg.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'
                            ', .jp-OutputArea-output.jp-mod-error')
        assert errors.count() == 0, errors.all_inner_texts()
        assert pg.evaluate(ICON_GLYPHS_JS) == []
        style = pg.evaluate(STYLE_JS, ".jp-OutputArea-output table.atiyeh-table")
        assert style and style["direction"] == "rtl" and style["fontFamily"].strip("\"'").startswith("Vazirmatn")
        text = pg.locator(".jp-Notebook").inner_text()
        assert "داده‌های سال ۱۴۰۴" in text  # the year object's rich display
        from atiyeh_reports.lab.explore import mask_ids

        assert mask_ids(text) == text  # no 10-digit run with a valid check digit on the page
        pg.locator(".jp-Notebook .jp-Cell").nth(1).screenshot(path=str(lab[1] / "explore-year.png"))
        if keep := os.environ.get("ATIYEH_LAB_SCREENSHOT"):
            shutil.copyfile(lab[1] / "explore-year.png", Path(keep).with_name("lab-year.png"))
    finally:
        pg.close()
