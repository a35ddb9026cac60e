"""JupyterLab in a real browser: started the project's way (the command of `make lab`), each
notebook opened and run to the end in headless Chromium, in the reference and in a solved
student release (the release with the course-style solution of tests/fixtures/course_solution),
with no error or warning output; Part 1's progress bars are widgets and its plot renders,
Part 3's Run All opens TensorBoard under its cell.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and PyPI's ``playwright`` (which
drives that browser: it cannot download its own here); skipped where either is missing.
``make browser-test`` installs playwright and runs every notebook of both (``BROWSER_TEST_ALL=1``;
about ten minutes); elsewhere (``make test``) only the reference's Part 1 runs. Each runs on the
tiny stand-in, in a copy (JupyterLab autosaves: the committed outputs stay as they are); a
screenshot of each notebook's end goes to ``dist/browser-test/``.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(path.name for path in (REPO / "notebooks").glob("*.ipynb"))
FLAVOURS = ("reference", "solved_release")
RUN_ALL = os.environ.get("BROWSER_TEST_ALL") == "1"
SCREENSHOTS = REPO / "dist" / "browser-test"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_TIMEOUT_S = 600

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason="no chromium: `apt-get install -y chromium` (see make browser-test)"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Every cell in the page (JupyterLab renders only the visible ones by default), and no news pop-up.
LAB_SETTINGS = {"@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
                "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"}}


def lab_command(root: Path, port: int, token: str, code: Path) -> tuple[list[str], dict]:
    """The Makefile's `lab` command (the environment's bin first on PATH), headless on ``port``,
    with its user settings in ``root`` and ``code``'s packages first on the kernels' path."""
    bin_dir = Path(sys.executable).parent
    settings = root / ".lab-settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    command = [str(bin_dir / "jupyter"), "lab", f"--ServerApp.root_dir={root}", "--no-browser",
               f"--LabApp.user_settings_dir={settings}",
               f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
               f"--IdentityProvider.token={token}", "--ServerApp.port_retries=0"]
    if os.getuid() == 0:
        command.append("--allow-root")
    from sodata.datasets import data_dir

    environment = {key: value for key, value in os.environ.items()
                   if key not in ("TQDM_DISABLE", "HW_TENSORBOARD")}
    environment.update(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                       HW_DATASET="tiny", HW_DATA_DIR=str(data_dir()),
                       MPLBACKEND="module://matplotlib_inline.backend_inline",
                       PYTHONPATH=os.pathsep.join(filter(None, [str(code),
                                                                 os.environ.get("PYTHONPATH")])),
                       JUPYTER_CONFIG_DIR=str(root / ".jupyter-config"))
    return command, environment


def wait_for_server(url: str, server: subprocess.Popen, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (OSError, http.client.HTTPException):  # not up yet, or another program's port
            time.sleep(0.5)
    raise TimeoutError(f"jupyter lab did not answer {url} within {timeout_s} s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def stop_tensorboards(root: Path) -> None:
    """End the TensorBoard servers the notebooks under ``root`` started (``%tensorboard``)."""
    from tensorboard import manager

    for info in manager.get_all():
        if str(root) in info.cache_key:
            try:
                os.kill(info.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


@pytest.fixture(scope="module")
def solved_release(tmp_path_factory) -> Path:
    from benchmarks.notebooks import solved_release as solve

    return solve(tmp_path_factory.mktemp("solved"))


def serve(root: Path, code: Path, log_path: Path):
    """A running JupyterLab over ``root`` (``code`` on the kernels' path); its URL, token and
    process."""
    token = "browser-test"
    log = open(log_path, "wb")
    for attempt in range(3):  # a free port can be taken (by a kernel) before the lab binds it
        port = free_port()
        command, environment = lab_command(root, port, token, code)
        server = subprocess.Popen(command, cwd=root, env=environment, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", server)
            return f"http://127.0.0.1:{port}", token, server, log
        except (RuntimeError, TimeoutError):
            stop(server)
            if attempt == 2:
                log.close()
                raise


@pytest.fixture
def lab(request, tmp_path):
    """JupyterLab over a copy of the flavour's notebooks (outputs cleared); (URL, token,
    flavour)."""
    pytest.importorskip("playwright.sync_api", reason="no playwright: pip install playwright")
    flavour = request.param
    code = REPO if flavour == "reference" else request.getfixturevalue("solved_release")
    (tmp_path / "notebooks").mkdir()
    for name in NOTEBOOKS:
        notebook = nbformat.read(code / "notebooks" / name, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(notebook, tmp_path / "notebooks" / name)
    base, token, server, log = serve(tmp_path, code, tmp_path / "lab.log")
    try:
        yield base, token, flavour
    finally:
        stop(server)
        stop_tensorboards(tmp_path)
        log.close()


def prompts(page) -> list[str]:
    """The execution prompts of the code cells whose input shows (a collapsed cell, the Colab
    set-up cell, shows no prompt)."""
    return [text.strip() for text in page.locator(
        ".jp-Notebook .jp-CodeCell:not(:has(.jp-Placeholder)) .jp-InputPrompt").all_inner_texts()]


def run_all(page, attempts: int = 3) -> None:
    """Run > Run All Cells; again if no cell starts (a click before the kernel is ready is lost)."""
    for _ in range(attempts):
        page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
        page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        for _ in range(30):
            if any(text != "[ ]:" for text in prompts(page)):
                return
            page.wait_for_timeout(1000)
    raise AssertionError(f"Run All Cells started no cell in {attempts} attempts")


def run_notebook(page, base: str, token: str, name: str) -> None:
    """Open ``name``, Run All, and wait until every code cell has run."""
    page.goto(f"{base}/lab/tree/notebooks/{name}?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90_000)
    page.wait_for_function(  # the kernel is connected and idle (status bar)
        "() => /\\| Idle/.test(document.querySelector('.jp-StatusBar-Widget')"
        " ? document.body.innerText : '')", timeout=90_000)
    run_all(page)
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while time.monotonic() < deadline:
        shown = prompts(page)
        if shown and all(re.fullmatch(r"\[\d+\]:", text) for text in shown):
            return
        if page.locator(".jp-OutputArea-output[data-mime-type="
                        "'application/vnd.jupyter.stderr']").count():
            break  # an error stops Run All: no need to wait for the rest
        page.wait_for_timeout(1000)


CASES = [(flavour, name) for flavour in FLAVOURS for name in NOTEBOOKS
         if RUN_ALL or (flavour, name) == ("reference", "part1_pretrained_vectors.ipynb")]


@pytest.mark.parametrize("lab, name", CASES, indirect=["lab"],
                         ids=[f"{flavour}-{name.split('_')[0]}" for flavour, name in CASES])
def test_a_notebook_runs_to_the_end_in_jupyterlab(lab, name):
    from playwright.sync_api import sync_playwright

    base, token, flavour = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            run_notebook(page, base, token, name)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{flavour}-{Path(name).stem}.png"))
            stderr = page.locator(".jp-OutputArea-output[data-mime-type="
                                  "'application/vnd.jupyter.stderr']").all_inner_texts()
            assert not stderr, f"error or warning outputs: {[text[:500] for text in stderr]}"
            shown = prompts(page)
            assert shown and all(re.fullmatch(r"\[\d+\]:", text) for text in shown), (
                f"not every cell ran within {RUN_TIMEOUT_S} s: prompts {shown}")
            images = page.locator(".jp-RenderedImage img")
            if name != "part4_bonus.ipynb":  # the student's Part 4 draws nothing without a bonus
                assert images.count() >= 1, "no plot rendered"
                assert images.first.evaluate("img => img.naturalWidth") > 0, "the plot is empty"
            if name.startswith("part1"):
                assert page.locator(".jp-OutputArea-output .jupyter-widgets").count() >= 1, (
                    "no progress bar widget: is ipywidgets installed in the kernel's environment?")
            if name.startswith("part3"):
                frame = page.locator(".jp-OutputArea-output iframe")
                assert frame.count() >= 1, "Run All opened no TensorBoard"
        finally:
            browser.close()
