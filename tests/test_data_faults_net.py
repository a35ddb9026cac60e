"""The downloader under faults (issue 12), against a real HTTP server on 127.0.0.1 and real child
processes sent real signals: two processes on one asset, a server sending more than the pinned
size, a stalled link, Ctrl-C, a full disk, `make data` when an asset fails, a foreign web page."""
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import pytest

from sodata import downloader
from sodata.__main__ import main as data_cli
from sodata.assets import Asset, DownloadError
from sodata.downloader import download
from sodata.paths import MIRROR_ENV

REPO_ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = bytes(range(256)) * 1200  # 300 KiB
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
HALF = len(PAYLOAD) // 2
ENDLESS_LIMIT = 64 << 20  # the server gives up after this much even if nobody stops it
WAIT_S = 20  # the longest any wait for a child process may take before the test fails


class _Handler(BaseHTTPRequestHandler):
    """/files/NAME: the file, Range honoured. /gate/NAME: the first half, then the rest once
    ``server.gate`` is set. /stall/NAME: the first answer sends half and stalls, later ones are
    /files/. /endless: zeros without Content-Length until the client hangs up. /announce-big:
    a Content-Length 10 times the payload's. /portal: a captive-portal HTML page."""

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        server = self.server
        path = urllib.parse.urlsplit(self.path).path
        server.log.append((path, self.headers.get("Range")))
        kind, _, name = path.strip("/").partition("/")
        if kind == "files":
            self._send_file()
        elif kind == "gate":
            self._send_head(len(PAYLOAD))
            self._send_body(PAYLOAD[:HALF])
            if server.gate.wait(WAIT_S):
                self._send_body(PAYLOAD[HALF:])
        elif kind == "stall":
            if server.stalls > 0:
                server.stalls -= 1
                self._send_head(len(PAYLOAD))
                self._send_body(PAYLOAD[:HALF])
                server.gate.wait(3)  # longer than the client's timeout
            else:
                self._send_file()
        elif kind == "endless":
            self._endless()
        elif kind == "announce-big":
            self._send_head(10 * len(PAYLOAD))
            self._send_body(PAYLOAD)
        elif kind == "portal":
            body = (b"<html><head><title>Sign in to Hotel WiFi</title></head><body><form "
                    b"action='/login'><input name='room'></form></body></html>")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404, "Not Found")

    def _send_file(self) -> None:
        start = int((self.headers.get("Range") or "bytes=0-").removeprefix("bytes=").split("-")[0])
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(PAYLOAD) - start))
        self.end_headers()
        self.wfile.write(PAYLOAD[start:])

    def _send_head(self, length: int) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def _send_body(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError:
            pass  # the client went away

    def _endless(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        block = bytes(1 << 16)
        try:
            while self.server.sent < ENDLESS_LIMIT:
                self.wfile.write(block)
                self.server.sent += len(block)
        except OSError:
            pass  # the client hung up: what the test wants


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.log, httpd.sent, httpd.stalls = [], 0, 1
    httpd.gate = threading.Event()
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    yield httpd
    httpd.gate.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_mirror_no_wait(monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    monkeypatch.setattr(downloader, "RETRY_WAIT_S", 0.0)


def _asset(url: str, **fields) -> Asset:
    return Asset(**{"name": "payload", "url": url, "filename": "payload.bin",
                    "size": len(PAYLOAD), "sha256": PAYLOAD_SHA, **fields})


# A child process running `python -m sodata download payload` with the asset table replaced.
CHILD = textwrap.dedent("""
    import sys
    from sodata import assets
    from sodata.__main__ import main
    assets.ASSETS.clear()
    assets.ASSETS["payload"] = assets.Asset(name="payload", url=sys.argv[1], filename="payload.bin",
                                            size=int(sys.argv[2]), sha256=sys.argv[3])
    sys.exit(main(["download"]))
""")


def _child(url: str, cache: Path, stderr: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HW_DATA_DIR": str(cache),
           "TQDM_DISABLE": "1"}
    env.pop(MIRROR_ENV, None)
    with open(stderr, "wb") as err:
        return subprocess.Popen([sys.executable, "-c", CHILD, url, str(len(PAYLOAD)), PAYLOAD_SHA],
                                env=env, stdout=subprocess.PIPE, stderr=err)


def _wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {WAIT_S} s for {what}")
        time.sleep(0.02)


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else -1


# Two processes, one asset --------------------------------------------------------------------------

def test_a_second_process_waits_for_the_first_and_uses_its_download(server, tmp_path):
    first = _child(f"{server.base}/gate/payload.bin", tmp_path, tmp_path / "first.err")
    part = tmp_path / "payload.bin.part"
    _wait_for(lambda: _size(part) == HALF, "the first process to receive half the file")
    second = _child(f"{server.base}/gate/payload.bin", tmp_path, tmp_path / "second.err")
    _wait_for(lambda: b"another process is downloading" in (tmp_path / "second.err").read_bytes(),
              "the second process to say it waits")
    assert second.poll() is None  # still waiting, not downloading
    server.gate.set()
    assert first.wait(WAIT_S) == 0 and second.wait(WAIT_S) == 0
    assert "payload: ready and verified" in second.stdout.read().decode()
    first.stdout.close()
    second.stdout.close()
    assert (tmp_path / "payload.bin").read_bytes() == PAYLOAD
    assert [entry for entry in server.log if entry[0] == "/gate/payload.bin"] == [
        ("/gate/payload.bin", None)]  # one download, by the first process
    assert not part.exists()


# Caps ----------------------------------------------------------------------------------------------

def test_a_server_sending_past_the_pinned_size_is_stopped_and_nothing_kept(server, tmp_path):
    started = time.monotonic()
    with pytest.raises(DownloadError, match=r"sent more than 307,200 bytes .* pinned size"):
        download(_asset(f"{server.base}/endless"), root=tmp_path, progress=False)
    assert time.monotonic() - started < 10
    assert server.sent < 16 << 20  # stopped at the cap, not at the server's own limit
    assert sorted(path.name for path in tmp_path.iterdir()) == [".payload.bin.lock"]


def test_an_announced_length_past_the_cap_is_refused_before_writing(server, tmp_path):
    with pytest.raises(DownloadError, match=r"announces 3,072,000 bytes"):
        download(_asset(f"{server.base}/announce-big"), root=tmp_path, progress=False)
    assert sorted(path.name for path in tmp_path.iterdir()) == [".payload.bin.lock"]


def test_an_unpinned_asset_is_capped_by_max_size(server, tmp_path):
    with pytest.raises(DownloadError, match=r"more than the cap for it \(100,000 bytes\)"):
        download(_asset(f"{server.base}/files/payload.bin", size=None, sha256=None,
                        max_size=100_000), root=tmp_path, progress=False)
    assert not (tmp_path / "payload.bin.part").exists()


def test_too_little_free_space_is_said_before_writing(server, tmp_path, monkeypatch):
    monkeypatch.setattr(downloader.shutil, "disk_usage",
                        lambda path: SimpleNamespace(total=1 << 40, used=1 << 40, free=1_000))
    with pytest.raises(DownloadError, match=r"needs 307,200 more bytes in .* only 1,000 are free"):
        download(_asset(f"{server.base}/files/payload.bin"), root=tmp_path, progress=False)
    assert not (tmp_path / "payload.bin.part").exists()


# Stalls and Ctrl-C ---------------------------------------------------------------------------------

def test_a_stalled_link_times_out_and_resumes_what_arrived(server, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(downloader, "HTTP_TIMEOUT_S", 1.0)
    path = download(_asset(f"{server.base}/stall/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.log == [("/stall/payload.bin", None), ("/stall/payload.bin", f"bytes={HALF}-")]
    assert f"connection lost after {HALF:,} bytes" in capsys.readouterr().err


def test_ctrl_c_ends_with_one_line_and_keeps_what_arrived_for_resume(server, tmp_path):
    child = _child(f"{server.base}/gate/payload.bin", tmp_path, tmp_path / "child.err")
    part = tmp_path / "payload.bin.part"
    # Half the file (150 KiB, less than one old 1 MiB write) is on disk while the link waits.
    _wait_for(lambda: _size(part) == HALF, "the first half to reach the .part")
    child.send_signal(signal.SIGINT)
    assert child.wait(WAIT_S) == 130
    child.stdout.close()
    lines = (tmp_path / "child.err").read_text().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("interrupted: payload.bin is not complete; the 153,600 bytes")
    assert str(part) in lines[0] and "make data" in lines[0]
    assert _size(part) == HALF and not (tmp_path / "payload.bin").exists()
    server.gate.set()
    path = download(_asset(f"{server.base}/files/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.log[-1] == ("/files/payload.bin", f"bytes={HALF}-")


# make data -----------------------------------------------------------------------------------------

def test_make_data_reports_every_asset_and_the_offline_way(server, tmp_path, monkeypatch, capsys,
                                                           use_assets):
    monkeypatch.setenv("HW_DATA_DIR", str(tmp_path))
    use_assets({
        "first": _asset(f"{server.base}/missing.bin", name="first", filename="first.bin"),
        "second": _asset(f"{server.base}/files/payload.bin", name="second", filename="second.bin")})
    assert data_cli(["download"]) == 1
    captured = capsys.readouterr()
    assert "first: FAILED" in captured.err and "HTTP 404" in captured.err
    assert f"second: ready and verified: {tmp_path / 'second.bin'}" in captured.out
    assert "error: 1 of 2 asset(s) failed: first (DownloadError); ready: second" in captured.err
    assert "stand-in, which needs no network" in captured.err and "make standin" in captured.err
    assert "Traceback" not in captured.err
    assert (tmp_path / "second.bin").read_bytes() == PAYLOAD


def test_a_web_page_from_another_host_is_not_blamed_on_google_drive(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download(_asset(f"{server.base}/portal"), root=tmp_path, progress=False)
    message = str(caught.value)
    assert "web page (titled 'Sign in to Hotel WiFi')" in message
    assert "captive" in message and "in a browser" in message
    assert "quota" not in message and "Google" not in message
    assert not (tmp_path / "payload.bin").exists() and not (tmp_path / "payload.bin.part").exists()
