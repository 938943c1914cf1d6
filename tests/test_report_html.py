"""report.html opens in a real browser: headless Chromium shows every figure, and the page logs
no console error.

The test copies the report and adds a small probe script: it records console errors and
uncaught exceptions from the start, and after the ``load`` event writes, into an element the
test reads back with ``--dump-dom``, how many images there are and which did not decode
(``naturalWidth == 0``).  The page itself must need nothing from the network: Chromium runs
with networking features off and any request to a remote URL would show up as a broken image or
a console error.  Needs Debian's ``chromium`` (``scripts/ensure-chromium.sh``); skipped
without it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.test_pipeline import _write_project, run

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="no chromium; run scripts/ensure-chromium.sh")

PROBE_HEAD = """<script>
window.__errors = [];
window.addEventListener("error", function (e) {
  window.__errors.push("error: " + (e.message || (e.target && (e.target.src || e.target.tagName))));
}, true);
(function () {
  var original = console.error;
  console.error = function () {
    window.__errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
})();
</script>"""

PROBE_BODY = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var broken = images.filter(function (img) { return !img.complete || img.naturalWidth === 0; })
                     .map(function (img) { return img.alt || img.src.slice(0, 40); });
  var out = document.createElement("pre");
  out.id = "probe-result";
  out.textContent = JSON.stringify({
    images: images.length,
    broken: broken,
    widths: images.map(function (img) { return img.naturalWidth; }),
    errors: window.__errors,
    banner: !!document.getElementById("synthetic-banner")
  });
  document.body.appendChild(out);
});
</script>"""


def render(page: Path, profile: Path) -> tuple[dict, str]:
    """Load ``page`` in headless Chromium; return the probe's findings and Chromium's log."""
    probed = page.with_name("probed.html")
    text = page.read_text(encoding="utf-8")
    text = text.replace("<head>", "<head>" + PROBE_HEAD, 1).replace(
        "</body>", PROBE_BODY + "</body>", 1)
    probed.write_text(text, encoding="utf-8")
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={profile}",
        "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000", "--dump-dom",
        probed.as_uri(),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert match, f"the probe did not run; chromium said:\n{done.stderr[-3000:]}"
    findings = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&")
                          .replace("&lt;", "<").replace("&gt;", ">"))
    return findings, done.stderr


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> tuple[Path, int]:
    folder = tmp_path_factory.mktemp("report")
    config = _write_project(folder, figures=True)
    text = config.read_text(encoding="utf-8").replace(
        'covariates = "covariates.csv"', 'covariates = "covariates.csv"\nsynthetic = true')
    config.write_text(text, encoding="utf-8")
    _, result = run(config, folder / "out", cwd=folder)
    return folder / "out" / "report.html", len(result.figures)


def test_every_figure_is_shown_and_nothing_is_logged_as_an_error(report, tmp_path):
    page, n_figures = report
    findings, log = render(page, tmp_path / "profile")
    assert findings["images"] == n_figures > 5
    assert findings["broken"] == []
    assert min(findings["widths"]) > 100
    assert findings["errors"] == []
    console_errors = [line for line in log.splitlines()
                      if ":CONSOLE" in line]  # the report runs no script: any line is unexpected
    assert console_errors == []


def test_the_synthetic_banner_is_shown_for_demo_input(report, tmp_path):
    page, _ = report
    findings, _ = render(page, tmp_path / "profile")
    assert findings["banner"] is True
    assert "SYNTHETIC DEMO DATA" in page.read_text(encoding="utf-8")


def test_the_report_is_self_contained(report):
    page, _ = report
    text = page.read_text(encoding="utf-8")
    # no external resources: every src is a data URI, no stylesheet or script links
    sources = re.findall(r'\ssrc="([^"]*)"', text)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "<link" not in text and "http://" not in text and "https://" not in text
