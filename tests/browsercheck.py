"""Checking a rendered HTML report in headless Chromium (Debian's ``chromium``).

A small harness page loads a copy of the report into an iframe of the width to
check; once it has loaded, a script measures the report's width against the
iframe's and follows every contents link, then writes what it found into the
harness; ``--dump-dom`` prints the harness after that.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--virtual-time-budget=4000",
)

# Headless Chromium will not make a window narrower than 500 px, so the page is loaded into an
# iframe of the width to check: media queries and layout see the iframe's width.
_HARNESS = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="page" src="page.html" style="border:0;width:%(width)dpx;height:%(height)dpx"></iframe>
<script>
document.getElementById("page").addEventListener("load", () => {
  const win = document.getElementById("page").contentWindow;
  const doc = win.document, root = doc.documentElement;
  const out = {scrollWidth: root.scrollWidth, innerWidth: win.innerWidth, links: [],
               viewport: !!doc.querySelector('meta[name="viewport"]')};
  for (const a of doc.querySelectorAll("nav.toc a")) {
    const href = a.getAttribute("href");
    const target = doc.getElementById(decodeURIComponent(href.slice(1)));
    const entry = {href: href, text: a.textContent, found: !!target};
    if (target) {
      win.scrollTo(0, 0);
      a.click();
      const maxScroll = root.scrollHeight - win.innerHeight;
      entry.top = target.getBoundingClientRect().top;
      entry.atEnd = Math.abs(win.scrollY - maxScroll) < 2;
      entry.lands = Math.abs(entry.top) < 2 || (entry.atEnd && entry.top >= 0 && entry.top < win.innerHeight);
    }
    out.links.push(entry);
  }
  const pre = document.createElement("pre");
  pre.id = "browser-check";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script></body></html>"""


def check_page(html_path: Path, width: int = 390, height: int = 900) -> dict:
    """Load ``html_path`` at ``width`` px and return the measurements (see the module docstring)."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="atiyeh-chromium-") as tmp:
        shutil.copy(html_path, Path(tmp) / "page.html")
        harness = Path(tmp) / "harness.html"
        harness.write_text(_HARNESS % {"width": width, "height": height}, encoding="utf-8")
        done = subprocess.run(
            [CHROMIUM, *FLAGS, "--allow-file-access-from-files", f"--user-data-dir={tmp}/profile",
             f"--window-size={max(width, 800)},{height + 100}", "--dump-dom", harness.as_uri()],
            capture_output=True, text=True, timeout=120,
        )
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', done.stdout, re.S)
    if not found:
        raise RuntimeError(f"chromium gave no result for {html_path}: {done.stderr[-800:]}")
    import html

    return json.loads(html.unescape(found.group(1)))


def screenshot(html_path: Path, png: Path, width: int = 390, height: int = 2000) -> Path:
    """A screenshot of the page at ``width`` px, through the same iframe (for looking at, not for tests)."""
    with tempfile.TemporaryDirectory(prefix="atiyeh-chromium-") as tmp:
        shutil.copy(html_path, Path(tmp) / "page.html")
        harness = Path(tmp) / "harness.html"
        harness.write_text(_HARNESS % {"width": width, "height": height}, encoding="utf-8")
        subprocess.run([CHROMIUM, *FLAGS, "--allow-file-access-from-files", f"--user-data-dir={tmp}/profile",
                        f"--window-size={max(width, 500)},{height}", f"--screenshot={png}", harness.as_uri()],
                       capture_output=True, timeout=120, check=True)
    return png
