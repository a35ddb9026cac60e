"""JupyterLab in a real browser: started the project's way (the command of `make lab`), Part 1
opened and run to the end in headless Chromium, with no error or warning output, its progress
bars as widgets and its plot rendered.

Needs Debian's ``chromium`` (``apt-get install -y chromium``) and PyPI's ``playwright`` (which
drives that browser: it cannot download its own here); skipped where either is missing.
``make browser-test`` installs playwright and runs it. It runs Part 1 on the tiny stand-in, in a
copy of the notebook (JupyterLab autosaves: the committed outputs stay as they are).
"""
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = "part1_pretrained_vectors.ipynb"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_TIMEOUT_S = 170

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


def lab_command(root: Path, port: int, token: str) -> tuple[list[str], dict]:
    """The Makefile's `lab` command (the environment's bin first on PATH), headless on ``port``,
    with its user settings in ``root``."""
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
    environment = {key: value for key, value in os.environ.items() if key != "TQDM_DISABLE"}
    environment.update(PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                       HW_DATASET="tiny", MPLBACKEND="module://matplotlib_inline.backend_inline",
                       PYTHONPATH=os.pathsep.join(filter(None, [str(REPO),
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


@pytest.fixture
def lab(tmp_path):
    """A running JupyterLab over a copy of Part 1 (outputs cleared); its base URL and token."""
    pytest.importorskip("playwright.sync_api", reason="no playwright: pip install playwright")
    (tmp_path / "notebooks").mkdir()
    notebook = nbformat.read(REPO / "notebooks" / NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(notebook, tmp_path / "notebooks" / NOTEBOOK)
    token = "browser-test"
    log = open(tmp_path / "lab.log", "wb")
    for attempt in range(3):  # a free port can be taken (by a kernel) before the lab binds it
        port = free_port()
        command, environment = lab_command(tmp_path, port, token)
        server = subprocess.Popen(command, cwd=tmp_path, env=environment, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_server(f"http://127.0.0.1:{port}/api/status?token={token}", server)
            break
        except (RuntimeError, TimeoutError):
            stop(server)
            if attempt == 2:
                raise
    try:
        yield f"http://127.0.0.1:{port}", token
    finally:
        stop(server)
        log.close()


def prompts(page) -> list[str]:
    return [text.strip() for text in
            page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()]


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


def test_part1_runs_to_the_end_in_jupyterlab(lab):
    from playwright.sync_api import sync_playwright

    base, token = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{base}/lab/tree/notebooks/{NOTEBOOK}?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=90_000)
            page.wait_for_function(  # the kernel is connected and idle (status bar)
                "() => /\\| Idle/.test(document.querySelector('.jp-StatusBar-Widget')"
                " ? document.body.innerText : '')", timeout=90_000)
            run_all(page)
            deadline = time.monotonic() + RUN_TIMEOUT_S
            while time.monotonic() < deadline:
                shown = prompts(page)
                if shown and all(re.fullmatch(r"\[\d+\]:", text) for text in shown):
                    break
                page.wait_for_timeout(1000)
            shown = prompts(page)
            assert shown and all(re.fullmatch(r"\[\d+\]:", text) for text in shown), (
                f"not every cell ran within {RUN_TIMEOUT_S} s: prompts {shown}")
            stderr = page.locator(".jp-OutputArea-output[data-mime-type="
                                  "'application/vnd.jupyter.stderr']").all_inner_texts()
            assert not stderr, f"error or warning outputs: {[text[:500] for text in stderr]}"
            images = page.locator(".jp-RenderedImage img")
            assert images.count() >= 1, "no plot rendered"
            assert images.first.evaluate("img => img.naturalWidth") > 0, "the plot is empty"
            assert page.locator(".jp-OutputArea-output .jupyter-widgets").count() >= 1, (
                "no progress bar widget: is ipywidgets installed in the kernel's environment?")
        finally:
            browser.close()
