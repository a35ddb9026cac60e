"""The real-data downloader, against an HTTP server on 127.0.0.1: no test touches the internet."""
import hashlib
import io
import socket
import threading
import urllib.parse
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from tqdm import tqdm

from sodata import downloader
from sodata.__main__ import main as data_cli
from sodata.archive import safe_extract
from sodata.assets import (
    ASSETS,
    Asset,
    DataMissingError,
    DownloadError,
    UnsafeArchiveError,
    VerificationError,
)
from sodata.downloader import download, download_all
from sodata.paths import MIRROR_ENV
from sodata.verified import require_real_data

PAYLOAD = bytes(range(256)) * 1200  # 300 KiB: several chunks, still instant
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()
DRIVE_TOKEN = "Xy9_token"


def _zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class _Handler(BaseHTTPRequestHandler):
    """Routes: /files/NAME (Range honoured), /norange/NAME (Range ignored), /badrange/NAME (a
    206 from the wrong byte), /cut/NAME (the first
    ``server.cuts`` answers stop half-way), /quota (an HTML page without a way on), and three
    Google-Drive-like confirmation flows under /drive-form, /drive-link and /drive-cookie."""

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_GET(self) -> None:
        server = self.server
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        server.log.append((url.path, self.headers.get("Range")))
        kind, _, name = url.path.strip("/").partition("/")
        if kind == "files" and name in server.files:
            self._send_file(server.files[name])
        elif kind == "norange" and name in server.files:
            self._send_file(server.files[name], honour_range=False)
        elif kind == "badrange" and name in server.files:  # a 206 from byte 0, whatever was asked
            data = server.files[name]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes 0-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif kind == "cut" and name in server.files:
            if server.cuts > 0:
                server.cuts -= 1
                self._send_file(server.files[name], cut=True)
            else:
                self._send_file(server.files[name])
        elif kind == "quota":
            self._send_html("<html><title>Google Drive - Quota exceeded</title>"
                            "<p>Too many users have viewed or downloaded this file.</p></html>")
        elif kind == "drive-form":
            if name == "download" and query.get("confirm") == "t" and query.get("uuid") == "u-1":
                self._send_file(server.files[query["id"]])
            else:
                self._send_html(
                    '<html><body><form id="download-form" action="/drive-form/download" '
                    'method="get"><input type="submit" value="Download anyway"/>'
                    f'<input type="hidden" name="id" value="{query.get("id")}">'
                    '<input type="hidden" name="export" value="download">'
                    '<input type="hidden" name="confirm" value="t">'
                    '<input type="hidden" name="uuid" value="u-1"></form></body></html>')
        elif kind in ("drive-link", "drive-cookie"):
            if query.get("confirm") == DRIVE_TOKEN:
                self._send_file(server.files[query["id"]])
            else:
                link = (f'<a id="uc-download-link" href="/{kind}/uc?export=download&amp;'
                        f'confirm={DRIVE_TOKEN}&amp;id={query.get("id")}">Download anyway</a>'
                        if kind == "drive-link" else "")
                self._send_html(f"<html><body>Google Drive can't scan this file. {link}</body></html>",
                                cookie=f"download_warning_13058876669334088843={DRIVE_TOKEN}; Path=/")
        else:
            self.send_error(404, "Not Found")

    def _send_file(self, data: bytes, honour_range: bool = True, cut: bool = False) -> None:
        start = 0
        requested = self.headers.get("Range")
        if requested and honour_range:
            start = int(requested.removeprefix("bytes=").partition("-")[0])
            if start >= len(data):
                self.send_error(416, "Requested Range Not Satisfiable")
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if cut else body)

    def _send_html(self, page: str, cookie: str | None = None) -> None:
        body = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1 (a free port) serving ``server.files``; ``server.base`` is its URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files = {"payload.bin": PAYLOAD}
    httpd.log = []
    httpd.cuts = 0
    httpd.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(autouse=True)
def _no_mirror_no_wait(monkeypatch):
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    monkeypatch.setattr(downloader, "RETRY_WAIT_S", 0.0)


def _asset(url: str, **fields) -> Asset:
    defaults = {"name": "payload", "filename": "payload.bin", "size": len(PAYLOAD), "sha256": PAYLOAD_SHA}
    return Asset(url=url, **{**defaults, **fields})


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/payload.bin"


# The table ---------------------------------------------------------------------------------------

def test_asset_table_lists_the_real_files():
    assert ASSETS["googlenews"].filename == "GoogleNews-vectors-negative300.bin.gz"
    assert ASSETS["googlenews"].size == 1_647_046_227
    assert ASSETS["googlenews"].sha256 == "21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8"
    assert "1QqT4D0EoqJTy7v9VrNCYD-m964XZFR7_" in ASSETS["stackoverflow"].url
    assert ASSETS["stackoverflow"].extract == ("train.tsv", "validation.tsv", "test.tsv")
    assert not ASSETS["stopwords"].required
    assert all(asset.url.startswith("https://") for asset in ASSETS.values())


# HTTP downloads ----------------------------------------------------------------------------------

def test_download_verifies_then_uses_the_cache(server, tmp_path):
    asset = _asset(f"{server.base}/files/payload.bin")
    path = download(asset, root=tmp_path, progress=False)
    assert path == tmp_path / "payload.bin" and path.read_bytes() == PAYLOAD
    assert not (tmp_path / "payload.bin.part").exists()
    requests = len(server.log)
    assert download(asset, root=tmp_path, progress=False) == path
    assert len(server.log) == requests, "a verified cached file must not be fetched again"


def test_progress_bar_shows_size_and_speed(server, tmp_path, capsys, monkeypatch):
    # `make test` sets TQDM_DISABLE=1, which tqdm reads at import: force this one bar on.
    monkeypatch.setattr(downloader, "tqdm", lambda **options: tqdm(**{**options, "disable": False}))
    download(_asset(f"{server.base}/files/payload.bin"), root=tmp_path, progress=True)
    err = capsys.readouterr().err
    assert "payload.bin" in err and "300k" in err and "B/s" in err, err


def test_a_cut_connection_is_resumed_with_a_range_request(server, tmp_path):
    server.cuts = 1
    path = download(_asset(f"{server.base}/cut/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.log == [("/cut/payload.bin", None),
                          ("/cut/payload.bin", f"bytes={len(PAYLOAD) // 2}-")]


def test_a_part_left_by_an_earlier_run_is_resumed(server, tmp_path):
    (tmp_path / "payload.bin.part").write_bytes(PAYLOAD[:1000])
    path = download(_asset(f"{server.base}/files/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.log == [("/files/payload.bin", "bytes=1000-")]


def test_a_server_ignoring_range_restarts_cleanly(server, tmp_path):
    (tmp_path / "payload.bin.part").write_bytes(b"junk" * 100)
    path = download(_asset(f"{server.base}/norange/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_a_206_from_the_wrong_byte_starts_over(server, tmp_path, capsys):
    (tmp_path / "payload.bin.part").write_bytes(PAYLOAD[:1000])
    path = download(_asset(f"{server.base}/badrange/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert server.log == [("/badrange/payload.bin", "bytes=1000-"), ("/badrange/payload.bin", None)]
    assert "got another range" in capsys.readouterr().err


def test_a_part_longer_than_the_file_starts_over(server, tmp_path):
    (tmp_path / "payload.bin.part").write_bytes(b"x" * (len(PAYLOAD) + 10))
    path = download(_asset(f"{server.base}/files/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD


def test_a_connection_cut_every_time_keeps_the_part_and_says_rerun(server, tmp_path):
    server.cuts = 100
    with pytest.raises(DownloadError) as caught:
        download(_asset(f"{server.base}/cut/payload.bin"), root=tmp_path, progress=False)
    message = str(caught.value)
    assert "payload.bin.part" in message and "make data" in message and "resume" in message
    assert (tmp_path / "payload.bin.part").stat().st_size > 0
    assert not (tmp_path / "payload.bin").exists()


def test_a_wrong_checksum_quarantines_the_file(server, tmp_path):
    wrong = "0" * 64
    with pytest.raises(VerificationError) as caught:
        download(_asset(f"{server.base}/files/payload.bin", sha256=wrong), root=tmp_path, progress=False)
    message = str(caught.value)
    assert wrong in message and PAYLOAD_SHA in message and "payload.bin.corrupt" in message
    assert "make data" in message
    assert not (tmp_path / "payload.bin").exists()
    assert (tmp_path / "payload.bin.corrupt").read_bytes() == PAYLOAD


def test_a_wrong_size_quarantines_the_file(server, tmp_path):
    expected = len(PAYLOAD) + 12
    with pytest.raises(VerificationError, match=f"{len(PAYLOAD):,} bytes, expected {expected:,}"):
        download(_asset(f"{server.base}/files/payload.bin", size=expected), root=tmp_path,
                 progress=False)
    assert (tmp_path / "payload.bin.corrupt").exists() and not (tmp_path / "payload.bin").exists()


def test_a_corrupt_cached_file_is_set_aside_and_fetched_again(server, tmp_path, capsys):
    (tmp_path / "payload.bin").write_bytes(b"not the payload")
    path = download(_asset(f"{server.base}/files/payload.bin"), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert (tmp_path / "payload.bin.corrupt").read_bytes() == b"not the payload"
    assert "failed verification" in capsys.readouterr().err


def test_http_404_names_the_url_and_the_ways_out(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download(_asset(f"{server.base}/files/absent.bin"), root=tmp_path, progress=False)
    message = str(caught.value)
    assert "404" in message and "/files/absent.bin" in message
    assert "make data" in message and MIRROR_ENV in message


def test_offline_says_what_is_missing_where_and_the_two_ways(tmp_path):
    with pytest.raises(DownloadError) as caught:
        download(_asset(_closed_port_url()), root=tmp_path, progress=False)
    message = str(caught.value)
    assert "payload.bin is missing" in message and str(tmp_path / "payload.bin") in message
    assert "1. with network access: `make data`" in message
    assert f"2. without: copy payload.bin to {tmp_path / 'payload.bin'}" in message
    assert f"{MIRROR_ENV}=" in message


# Google Drive's confirmation page ----------------------------------------------------------------

@pytest.mark.parametrize("style", ["drive-form", "drive-link", "drive-cookie"])
def test_google_drive_confirmation_page_is_answered(server, tmp_path, style):
    url = f"{server.base}/{style}/uc?export=download&id=payload.bin"
    path = download(_asset(url), root=tmp_path, progress=False)
    assert path.read_bytes() == PAYLOAD
    assert len(server.log) == 2, server.log


def test_google_drive_page_without_a_token_explains_quota_and_manual_way(server, tmp_path):
    url = f"{server.base}/quota/uc?export=download&id=payload.bin"
    with pytest.raises(DownloadError) as caught:
        download(_asset(url), root=tmp_path, progress=False)
    message = str(caught.value)
    assert "quota" in message and "no longer shared" in message
    assert str(tmp_path / "payload.bin") in message and MIRROR_ENV in message
    assert not (tmp_path / "payload.bin").exists()


# Zips ----------------------------------------------------------------------------------------------

def test_a_zip_asset_is_extracted_flat_from_its_folder(server, tmp_path, capsys):
    members = {"StackOverflowData/train.tsv": b"a\tb\n", "StackOverflowData/validation.tsv": b"q\td\tn\n",
               "StackOverflowData/test.tsv": b"q\td\tn\n", "__MACOSX/StackOverflowData/._train.tsv": b"x"}
    server.files["so.zip"] = data = _zip_bytes(members)
    asset = Asset(name="so", url=f"{server.base}/files/so.zip", filename="so.zip",
                  sha256=hashlib.sha256(data).hexdigest(),
                  extract=("train.tsv", "validation.tsv", "test.tsv"), extract_dir="stackoverflow")
    out = download(asset, root=tmp_path, progress=False)
    assert "not pinned in ASSETS" not in capsys.readouterr().out
    assert out == tmp_path / "stackoverflow"
    assert sorted(path.name for path in out.iterdir()) == ["test.tsv", "train.tsv", "validation.tsv"]
    assert (out / "validation.tsv").read_bytes() == b"q\td\tn\n"
    (tmp_path / "so.zip").unlink()
    assert download(asset, root=tmp_path, progress=False) == out, "extracted files suffice"


@pytest.mark.parametrize("evil", ["../evil.txt", "/abs.txt", "sub/../../evil.txt", "C:/evil.txt"])
def test_zip_slip_is_refused_and_nothing_is_written(tmp_path, evil):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_zip_bytes({"train.tsv": b"fine\n", evil: b"owned\n"}))
    dest = tmp_path / "box" / "inner"
    with pytest.raises(UnsafeArchiveError) as caught:
        safe_extract(archive, dest)
    assert repr(evil) in str(caught.value) and "Nothing was extracted" in str(caught.value)
    written = {path.relative_to(tmp_path) for path in tmp_path.rglob("*")}
    assert written == {Path("evil.zip")}


def test_safe_extract_keeps_the_folders_of_safe_members(tmp_path):
    archive = tmp_path / "ok.zip"
    archive.write_bytes(_zip_bytes({"a/b.txt": b"1", "c..d.txt": b"2"}))
    written = safe_extract(archive, tmp_path / "out")
    assert sorted(path.relative_to(tmp_path / "out").as_posix() for path in written) == ["a/b.txt", "c..d.txt"]


@pytest.mark.parametrize("members", [{"train.tsv": b"x"}, {"a/train.tsv": b"x", "b/train.tsv": b"y",
                                                          "validation.tsv": b"z"}])
def test_a_zip_missing_a_member_or_holding_two_is_refused(tmp_path, members):
    archive = tmp_path / "odd.zip"
    archive.write_bytes(_zip_bytes(members))
    expected = r"should hold exactly one each of (train|validation)\.tsv"
    with pytest.raises(VerificationError, match=expected):
        safe_extract(archive, tmp_path / "out", ["train.tsv", "validation.tsv"])
    assert not (tmp_path / "out").exists()


def test_a_damaged_zip_fails_verification(server, tmp_path):
    data = bytearray(_zip_bytes({"train.tsv": b"payload " * 100}))
    data[40] ^= 0xFF  # inside the stored member: its CRC no longer matches
    server.files["bad.zip"] = bytes(data)
    asset = Asset(name="bad", url=f"{server.base}/files/bad.zip", filename="bad.zip",
                  extract=("train.tsv",), extract_dir="out")
    with pytest.raises(VerificationError, match="bad.zip failed verification"):
        download(asset, root=tmp_path, progress=False)
    assert (tmp_path / "bad.zip.corrupt").exists() and not (tmp_path / "out").exists()


# The local mirror ----------------------------------------------------------------------------------

def test_the_mirror_is_copied_and_verified_without_network(tmp_path, monkeypatch):
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "payload.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    path = download(_asset(_closed_port_url()), root=tmp_path / "cache", progress=False)
    assert path.read_bytes() == PAYLOAD and (mirror / "payload.bin").exists()


def test_a_mirror_without_the_file_names_it(tmp_path, monkeypatch):
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    with pytest.raises(DownloadError, match=f"{tmp_path / 'payload.bin'} does not exist"):
        download(_asset(_closed_port_url()), root=tmp_path / "cache", progress=False)


def test_a_bad_file_in_the_mirror_is_quarantined(tmp_path, monkeypatch):
    (tmp_path / "payload.bin").write_bytes(PAYLOAD[:-1] + b"!")
    monkeypatch.setenv(MIRROR_ENV, str(tmp_path))
    with pytest.raises(VerificationError, match="sha256") as caught:
        download(_asset(_closed_port_url()), root=tmp_path / "cache", progress=False)
    assert f"the mirror folder {tmp_path}" in str(caught.value)
    assert (tmp_path / "cache" / "payload.bin.corrupt").exists()


# The real data set, download_all and the command line ---------------------------------------------

def test_require_real_data_names_missing_files_and_the_two_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("HW_DATA_DIR", str(tmp_path))
    with pytest.raises(DataMissingError) as caught:
        require_real_data()
    assert isinstance(caught.value, FileNotFoundError)
    message = str(caught.value)
    for path in (tmp_path / "stackoverflow" / "validation.tsv",
                 tmp_path / "GoogleNews-vectors-negative300.bin.gz"):
        assert str(path) in message
    assert "StackOverflowData.zip" in message and "make data" in message
    assert f"{MIRROR_ENV}=" in message


def test_require_real_data_refuses_files_placed_but_never_verified(tmp_path, monkeypatch):
    monkeypatch.setenv("HW_DATA_DIR", str(tmp_path))
    (tmp_path / "stackoverflow").mkdir()
    for name in ("train.tsv", "validation.tsv", "test.tsv"):
        (tmp_path / "stackoverflow" / name).write_text("q\td\tn\n")
    (tmp_path / "GoogleNews-vectors-negative300.bin.gz").write_bytes(b"")
    with pytest.raises(DataMissingError) as caught:
        require_real_data()
    message = str(caught.value)
    assert "Missing" not in message and message.count("Not verified") == 2
    assert str(tmp_path / "GoogleNews-vectors-negative300.bin.gz") in message
    assert "Run `make data`" in message


def test_get_dataset_real_without_data_raises_the_same_error(tmp_path, monkeypatch):
    from sodata import get_dataset

    monkeypatch.setenv("HW_DATA_DIR", str(tmp_path))
    with pytest.raises(DataMissingError, match="make data"):
        get_dataset("real")


def test_download_all_fetches_the_required_assets(server, tmp_path, use_assets):
    use_assets({"payload": _asset(f"{server.base}/files/payload.bin"),
                "optional": _asset(f"{server.base}/files/absent.bin", name="optional",
                                   required=False)})
    assert download_all(root=tmp_path, progress=False) == {"payload": tmp_path / "payload.bin"}
    with pytest.raises(KeyError, match="choose among payload, optional"):
        download_all(["nope"], root=tmp_path)


def test_the_command_line_reports_errors_without_a_traceback(tmp_path, monkeypatch, capsys,
                                                             use_assets):
    monkeypatch.setenv("HW_DATA_DIR", str(tmp_path))
    use_assets({"payload": _asset(_closed_port_url())})
    assert data_cli(["download"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("payload: FAILED\ncannot reach") and "make data" in err
    assert "error: 1 of 1 asset(s) failed: payload (DownloadError)" in err
    assert "Traceback" not in err and "stand-in, which needs no network" in err
    assert data_cli(["download", "nope"]) == 1
    assert "unknown asset(s) 'nope'" in capsys.readouterr().err
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / "payload.bin").write_bytes(PAYLOAD)
    monkeypatch.setenv(MIRROR_ENV, str(mirror))
    assert data_cli(["download", "payload"]) == 0
    assert (tmp_path / "payload.bin").read_bytes() == PAYLOAD
