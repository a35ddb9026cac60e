"""Getting the real data into the cache folder: ``download(name)`` and ``download_all()``.

``download(name)`` makes one asset of ``ASSETS`` available in the cache folder (``data_dir()``)
and returns its path:

- one process at a time per asset: a lock file beside it (``filelock``) makes a second process wait
  for the first and then use what it fetched;
- data is used because it was verified: after checking size, sha256 and (for a zip) CRCs, a
  marker records the files (``sodata.verified``);
- a cached file without a valid marker is verified again; one that fails is moved aside to
  ``<file>.corrupt`` and fetched again;
- with ``$HW_DATA_MIRROR`` set (a folder holding the files under their file names, as course
  clusters provide), the file is copied from there and nothing is downloaded;
- otherwise it is downloaded over HTTP(S) into ``<file>.part`` with a progress bar (size and speed),
  written and flushed as it arrives, resuming a ``.part`` left by an interrupted run with a
  ``Range`` request; Google Drive's "can't scan this file for viruses" page is answered;
- the pinned size (else ``max_size``) caps a download, ``max_unpacked`` the total uncompressed
  size of a zip: a server sending more, or a zip bomb, is stopped before it fills the disk;
- a zip is extracted safely (``sodata.archive``).

Command line: ``python -m sodata download [NAME ...]`` (``make data``).
"""
import contextlib
import errno
import http.client
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path, PurePosixPath

from filelock import FileLock
from tqdm.auto import tqdm

from sodata.archive import ExtractionError, safe_extract, zip_problem
from sodata.assets import (ASSETS, STANDIN_WAY_OUT, Asset, AssetError, DownloadError,
                           DownloadInterrupted, VerificationError, how_to_get)
from sodata.hashing import CHUNK_BYTES, sha256sum
from sodata.locks import acquire_saying
from sodata.paths import DATA_DIR_ENV, MIRROR_ENV, DataFolderError, data_dir, writable_folder
from sodata.shapes import shape_problem
from sodata.verified import is_verified, marker_path, write_marker

READ_BYTES = 1 << 16  # one network read: the .part and the progress bar follow what arrived
FSYNC_INTERVAL_S = 2.0  # the .part reaches the disk at least this often (a crash keeps it)
HTML_PAGE_BYTES = 1 << 20  # at most this much of an HTML page is read
HTTP_TIMEOUT_S = 60
ATTEMPTS = 3  # tries per download; each one resumes what the previous one received
RETRY_WAIT_S = 2.0
USER_AGENT = "so-duplicates-hw/0.1 (+python urllib)"
WRITABLE_WAY_OUT = f"set {DATA_DIR_ENV} to a folder you can write in"


def download_all(names: Iterable[str] | None = None, root: Path | None = None,
                 progress: bool = True) -> dict[str, Path]:
    """Download (and extract) the named assets, by default every required one; name -> path.

    Every asset is tried, even after one fails; then ``AssetError`` lists the failures.
    """
    names = [asset.name for asset in ASSETS.values() if asset.required] if names is None else list(names)
    unknown = [name for name in names if name not in ASSETS]
    if unknown:
        raise KeyError(f"unknown asset(s) {', '.join(map(repr, unknown))}: "
                       f"choose among {', '.join(ASSETS)}")
    writable_folder(data_dir() if root is None else Path(root), instead=WRITABLE_WAY_OUT)
    paths: dict[str, Path] = {}
    failures: dict[str, Exception] = {}
    for name in names:
        try:
            paths[name] = download(name, root=root, progress=progress)
        except (AssetError, DataFolderError) as error:
            failures[name] = error
            print(f"{name}: FAILED\n{error}\n", file=sys.stderr, flush=True)
        else:
            print(f"{name}: ready and verified: {paths[name]}", flush=True)
    if failures:
        summary = "; ".join(f"{name} ({type(error).__name__})" for name, error in failures.items())
        ready = ", ".join(paths) or "none"
        raise AssetError(f"{len(failures)} of {len(names)} asset(s) failed: {summary}; ready: "
                         f"{ready}. What to do for each is printed above.\n{STANDIN_WAY_OUT}")
    return paths


def download(asset: str | Asset, root: Path | None = None, progress: bool = True) -> Path:
    """Make ``asset`` (a name in ``ASSETS`` or an ``Asset``) available under ``root``; its path.

    A verified asset (see ``is_verified``) is used as it is. Otherwise, holding the asset's lock,
    a cached file is verified, else the file is taken from ``$HW_DATA_MIRROR`` when that is set,
    else from the network; then verified, extracted (a zip with members to extract: the
    extraction folder is returned) and marked verified.
    """
    asset = ASSETS[asset] if isinstance(asset, str) else asset
    root = data_dir() if root is None else Path(root)
    result = root / asset.extract_dir if asset.extract else root / asset.filename
    if is_verified(asset, root):
        return result
    target = root / asset.filename
    writable_folder(target.parent, instead=WRITABLE_WAY_OUT)
    with _asset_lock(target):
        if is_verified(asset, root):  # another process fetched it while we waited
            return result
        with _step(asset, f"checking the copy in {target.parent}"):
            marker_path(asset, root).unlink(missing_ok=True)
            digest = _cached_digest(asset, target)
        if digest is None:
            digest = _obtain(asset, target, progress)
        digests = _extract_members(asset, target, root) if asset.extract else {target: digest}
        with _step(asset, f"writing {marker_path(asset, root)}"):
            write_marker(asset, root, digests)
    return result


@contextlib.contextmanager
def _step(asset: Asset, what: str, left: str = "") -> Iterator[None]:
    """Turn an ``OSError`` during ``what`` (a full disk, a read-only or vanished file) into a
    ``DownloadError`` naming the file, the step, what is ``left`` of it and what to do."""
    try:
        yield
    except OSError as error:
        member = f" while writing {error.member}" if isinstance(error, ExtractionError) else ""
        raise DownloadError(f"{asset.filename}: {what} failed{member}"
                            f"{f' ({left})' if left else ''}: {_what_to_do(error)}") from error


def _what_to_do(error: OSError) -> str:
    """The reason an OS error gives, and what to do about it."""
    reason = error.strerror or str(error)
    where = f" ({error.filename})" if error.filename else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return (f"the disk is full ({reason}): free some space (or set HW_DATA_DIR to a folder on "
                f"a larger disk) and run `make data` again.")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (f"{reason}{where}: make the folder writable, or {WRITABLE_WAY_OUT}, and run "
                f"`make data` again.")
    return f"{reason}{where}: run `make data` again."


@contextlib.contextmanager
def _asset_lock(target: Path) -> Iterator[None]:
    """Hold the asset's lock file ``.<file>.lock``; say so when another process holds it."""
    lock = FileLock(target.with_name(f".{target.name}.lock"))
    acquire_saying(lock, f"downloading {target.name}")
    try:
        yield
    finally:
        lock.release()


def _cached_digest(asset: Asset, target: Path) -> str | None:
    """The sha256 of a cached ``target`` that verifies; None when absent or set aside."""
    if not target.is_file():
        return None
    try:
        return verify(asset, target)
    except VerificationError as error:
        print(f"{error}\nFetching it again.", file=sys.stderr, flush=True)
        return None


def _obtain(asset: Asset, target: Path, progress: bool) -> str:
    """Copy or download the asset into ``target``, verify it; its sha256."""
    part = _part_path(target)
    mirror = os.environ.get(MIRROR_ENV)
    try:
        if mirror:
            with _step(asset, f"copying {PurePosixPath(asset.filename).name} from the mirror "
                              f"{mirror} into {part.parent}", left="nothing of the copy is kept"):
                _copy_from_mirror(asset, Path(mirror), part, progress)
        else:
            with _step(asset, f"downloading {asset.url} into {part}"):
                _fetch(asset, target, progress)
    except KeyboardInterrupt:
        received = part.stat().st_size if part.exists() else 0
        if mirror:
            kept = "run `make data` again to copy it from the mirror again"
        elif received:
            kept = (f"the {received:,} bytes received are kept in {part}; run `make data` again "
                    f"to resume")
        else:
            kept = "nothing had arrived; run `make data` again to start it"
        raise DownloadInterrupted(f"interrupted: {asset.filename} is not complete; {kept}.") from None
    with _step(asset, f"checking {target}"):
        part.replace(target)
        digest = verify(asset, target)
    if asset.sha256 is None:
        print(f"{target.name}: sha256 {digest} (not pinned in ASSETS)")
    return digest


def verify(asset: Asset, path: Path) -> str:
    """Check ``path`` against the asset's size, sha256 and (for a zip) its members and CRCs; its
    sha256.

    A file that fails is moved to ``<file>.corrupt`` and ``VerificationError`` says why.
    """
    digest = problem = None
    size = path.stat().st_size
    if asset.size is not None and size != asset.size:
        problem = f"its size is {size:,} bytes, expected {asset.size:,}"
    else:
        digest = sha256sum(path)
        if asset.sha256 is not None and digest != asset.sha256:
            problem = f"its sha256 is {digest}, expected {asset.sha256}"
        elif path.suffix == ".zip":
            problem = zip_problem(path, asset.max_unpacked, asset.extract or None)
    if problem is not None:
        raise _set_aside(asset, path, problem)
    return digest


def _set_aside(asset: Asset, path: Path, problem: str) -> VerificationError:
    """Move ``path`` to ``<path>.corrupt``; the error saying why and what to do."""
    corrupt = path.with_name(path.name + ".corrupt")
    path.replace(corrupt)
    mirror = os.environ.get(MIRROR_ENV)
    source = f"the mirror folder {mirror} (${MIRROR_ENV})" if mirror else asset.url
    return VerificationError(
        f"{path.name} failed verification: {problem}. It was moved aside to {corrupt} and is not "
        f"used. Run `make data` again to fetch a fresh copy; if that fails the same way, "
        f"{source} holds a different file: get {path.name} elsewhere and copy it to {path}.")


def _extract_members(asset: Asset, archive_path: Path, root: Path) -> dict[Path, str]:
    """Extract the asset's members into ``root/extract_dir``; each written path's sha256.

    They are unpacked into a hidden staging folder first and moved into place only when every
    one has its shape (``asset.shapes``); otherwise the archive is set aside and nothing is kept.
    """
    out_dir = root / asset.extract_dir
    staging = root / f".{asset.extract_dir}.extracting"
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed run
    free = shutil.disk_usage(root).free
    with zipfile.ZipFile(archive_path) as archive:
        needed = sum(info.file_size for info in archive.infolist()
                     if PurePosixPath(info.filename).name in asset.extract)
    if needed > free:
        raise DownloadError(f"extracting {asset.filename} needs {needed:,} bytes in {root}, only "
                            f"{free:,} are free: free some space (or set HW_DATA_DIR to a folder "
                            f"on a larger disk) and run `make data` again.")
    try:
        with _step(asset, f"extracting {', '.join(asset.extract)} from {asset.filename} into "
                          f"{out_dir}", left="nothing of it is kept; the zip is sound and kept"):
            staged = safe_extract(archive_path, staging, asset.extract, asset.max_unpacked)
        problem = next(filter(None, (shape_problem(path, asset.shapes[path.name])
                                     for path in staged if path.name in asset.shapes)), None)
        if problem is not None:
            raise _set_aside(asset, archive_path, problem)
        written = {}
        with _step(asset, f"moving the extracted files into {out_dir}"):
            out_dir.mkdir(exist_ok=True)
            for path, digest in staged.items():
                written[out_dir / path.name] = digest
                path.replace(out_dir / path.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"extracted {', '.join(path.name for path in written)} into {out_dir}")
    return written


def _part_path(target: Path) -> Path:
    """Where the download of ``target`` accumulates until it is complete."""
    return target.with_name(target.name + ".part")


def _copy_from_mirror(asset: Asset, mirror: Path, part: Path, progress: bool) -> None:
    """Copy the asset from the mirror folder into ``part``."""
    name = PurePosixPath(asset.filename).name
    source = mirror / name
    if not source.is_file():
        raise DownloadError(f"${MIRROR_ENV} is set to {mirror}, but {source} does not exist. Put "
                            f"{name} into that folder, or unset {MIRROR_ENV} to download it "
                            f"from {asset.url}.")
    size = source.stat().st_size
    if size > asset.size_cap:
        raise DownloadError(f"{source} holds {size:,} bytes, more than the {asset.size_cap:,} "
                            f"expected of {name}: it is another file; nothing was copied. Put the "
                            f"right {name} into {mirror}, or unset {MIRROR_ENV}.")
    _check_free_space(asset, part, size - (part.stat().st_size if part.exists() else 0))
    try:
        with open(source, "rb") as reader, open(part, "wb") as writer, _progress_bar(
                name, size, 0, progress) as bar:
            while chunk := reader.read(CHUNK_BYTES):
                writer.write(chunk)
                bar.update(len(chunk))
    except BaseException:
        part.unlink(missing_ok=True)  # a copy starts over: a partial one is of no use
        raise


def _check_free_space(asset: Asset, part: Path, needed: int) -> None:
    """``DownloadError`` when the disk holding ``part`` has less than ``needed`` bytes free; the
    ``.corrupt`` copy an earlier run set aside is removed first (with a message) if that makes
    room, so a file that failed never blocks the rerun."""
    free = shutil.disk_usage(part.parent).free
    corrupt = part.with_name(part.name.removesuffix(".part") + ".corrupt")
    if needed > free and corrupt.is_file():
        print(f"removing {corrupt} ({corrupt.stat().st_size:,} bytes), set aside by an earlier "
              f"run, to make room", file=sys.stderr, flush=True)
        corrupt.unlink()
        free = shutil.disk_usage(part.parent).free
    if needed > free:
        raise DownloadError(f"{asset.filename} needs {needed:,} more bytes in {part.parent}, only "
                            f"{free:,} are free: free some space (or set HW_DATA_DIR to a folder "
                            f"on a larger disk) and run `make data` again.")


def _progress_bar(name: str, total: int | None, initial: int, progress: bool) -> tqdm:
    """A byte progress bar showing size and speed (``TQDM_DISABLE=1`` or ``progress=False``: none)."""
    options = {} if progress else {"disable": True}
    return tqdm(total=total, initial=initial, desc=name, unit="B", unit_scale=True,
                unit_divisor=1024, miniters=1, **options)


def _fetch(asset: Asset, target: Path, progress: bool) -> None:
    """Download the asset into ``<target>.part``, resuming it and retrying a cut connection."""
    part = _part_path(target)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _fetch_once(asset, target, progress)
            return
        except (http.client.IncompleteRead, ConnectionError, TimeoutError) as error:
            received = part.stat().st_size if part.exists() else 0
            if attempt == ATTEMPTS:
                raise DownloadError(
                    f"the download of {asset.filename} from {asset.url} broke off {ATTEMPTS} "
                    f"times (last: {error!r}). The {received:,} bytes received are kept in {part}; "
                    f"run `make data` again to resume.\n{how_to_get(asset, target)}") from error
            print(f"connection lost after {received:,} bytes of {asset.filename} ({error!r}); "
                  f"resuming (attempt {attempt + 1} of {ATTEMPTS})", file=sys.stderr)
            time.sleep(RETRY_WAIT_S * attempt)


def _fetch_once(asset: Asset, target: Path, progress: bool) -> None:
    """One HTTP attempt: resume the ``.part`` with a Range request, answering HTML interstitials."""
    part = _part_path(target)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    url = asset.url
    for _ in range(3):  # the file, or a confirmation page leading to it (at most twice)
        response = _open(opener, asset, url, target)
        with response:
            if "text/html" in response.headers.get("Content-Type", ""):
                page = response.read(HTML_PAGE_BYTES).decode("utf-8", errors="replace")
                url = _confirmation_url(asset, target, page, response.geturl(), opener)
                continue
            _save_body(response, part, asset, progress)
            return
    raise DownloadError(f"{asset.url} kept answering with web pages instead of "
                        f"{asset.filename}.\n{how_to_get(asset, target)}")


def _open(opener: urllib.request.OpenerDirector, asset: Asset, url: str,
          target: Path) -> http.client.HTTPResponse:
    """GET ``url``, asking for the bytes after those already in the ``.part``.

    HTTP errors and an unreachable host become ``DownloadError``; a ``.part`` the server finds
    out of range (416) is deleted and the download starts over.
    """
    part = _part_path(target)
    offset = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    try:
        return opener.open(request, timeout=HTTP_TIMEOUT_S)
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 416 and offset:
            part.unlink()
            return _open(opener, asset, url, target)
        raise DownloadError(f"{url} answered HTTP {error.code} {error.reason} for "
                            f"{asset.filename}.\n{how_to_get(asset, target)}") from error
    except urllib.error.URLError as error:
        raise DownloadError(f"cannot reach {url} ({error.reason}): is the network down? "
                            f"{asset.filename} is missing from {target.parent}.\n"
                            f"{how_to_get(asset, target)}") from error


def _save_body(response: http.client.HTTPResponse, part: Path, asset: Asset,
               progress: bool) -> None:
    """Write the response body into ``part``: appended after a 206, from scratch after a 200.

    Each read is written and flushed at once (``os.fsync`` every ``FSYNC_INTERVAL_S``), so an
    interruption keeps what arrived. Raises ``http.client.IncompleteRead`` when the connection
    closes before ``Content-Length``, ``ConnectionError`` (after deleting ``part``) when a 206
    starts at the wrong byte, and ``DownloadError`` past the asset's size cap (deleting ``part``)
    or when the disk is full (keeping it).
    """
    offset = part.stat().st_size if part.exists() else 0
    resumed = response.status == 206
    if resumed and _range_start(response) != offset:
        part.unlink()
        raise ConnectionError(f"asked for {part.name} from byte {offset:,}, got another range "
                              f"({response.headers.get('Content-Range')}); starting over")
    if not resumed:
        offset = 0  # the server ignored the Range request and sends the whole file
    length = response.headers.get("Content-Length")
    total = offset + int(length) if length is not None and length.isdigit() else None
    if total is not None and total > asset.size_cap:
        part.unlink(missing_ok=True)
        raise _over_cap(asset, response.geturl(), f"announces {total:,} bytes", part)
    if total is not None:
        _check_free_space(asset, part, total - offset)
    read = getattr(response, "read1", response.read)
    received = offset
    with open(part, "ab" if resumed else "wb") as sink, _progress_bar(
            part.name.removesuffix(".part"), total, offset, progress) as bar:
        synced = time.monotonic()
        while chunk := read(READ_BYTES):
            received += len(chunk)
            if received > asset.size_cap:
                break
            _write_chunk(sink, chunk, part, asset)
            if time.monotonic() - synced > FSYNC_INTERVAL_S:
                os.fsync(sink.fileno())
                synced = time.monotonic()
            bar.update(len(chunk))
    if received > asset.size_cap:
        part.unlink()
        raise _over_cap(asset, response.geturl(), f"sent more than {asset.size_cap:,} bytes", part)
    if total is not None and part.stat().st_size < total:
        raise http.client.IncompleteRead(b"", total - part.stat().st_size)


def _write_chunk(sink, chunk: bytes, part: Path, asset: Asset) -> None:
    """Write and flush ``chunk``; a full disk becomes a ``DownloadError`` that keeps ``part``."""
    try:
        sink.write(chunk)
        sink.flush()
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        raise DownloadError(f"the disk holding {part.parent} is full: {asset.filename} needs "
                            f"{asset.size_cap:,} bytes. What arrived is kept in {part}; free some "
                            f"space (or set HW_DATA_DIR to a folder on a larger disk) and run "
                            f"`make data` again to resume.") from None


def _over_cap(asset: Asset, url: str, what: str, part: Path) -> DownloadError:
    pinned = "its pinned size" if asset.size is not None else "the cap for it"
    return DownloadError(
        f"{url} {what} for {asset.filename}, more than {pinned} ({asset.size_cap:,} bytes): it "
        f"is not the expected file. The download was stopped and nothing of it kept.\n"
        f"{how_to_get(asset, part.with_name(part.name.removesuffix('.part')))}")


def _range_start(response: http.client.HTTPResponse) -> int | None:
    """The first byte of a 206 answer, from ``Content-Range: bytes START-END/TOTAL``."""
    value = response.headers.get("Content-Range", "")
    unit, _, spec = value.partition(" ")
    start = spec.partition("-")[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


class _ConfirmationPage(HTMLParser):
    """Collects what Google Drive's "can't scan for viruses" page offers to go on, and the title.

    Newer pages hold a form (action ``https://drive.usercontent.google.com/download`` and hidden
    inputs ``id``, ``export``, ``confirm``, ``uuid``); older ones a link with ``confirm=TOKEN``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.links: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        self._in_title = tag == "title"
        if tag == "form":
            self.forms.append((attributes.get("action", ""), {}))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1][1][attributes["name"]] = attributes.get("value", "")
        elif tag == "a" and "confirm=" in attributes.get("href", ""):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


GOOGLE_HOSTS = ("drive.google.com", "drive.usercontent.google.com", "docs.google.com")


def _confirmation_url(asset: Asset, target: Path, page: str, page_url: str,
                      opener: urllib.request.OpenerDirector) -> str:
    """The URL that confirms the download offered by an HTML page; ``DownloadError`` if none."""
    parser = _ConfirmationPage()
    parser.feed(page)
    for action, fields in parser.forms:
        if "confirm" in fields:
            return urllib.parse.urljoin(page_url, action) + "?" + urllib.parse.urlencode(fields)
    if parser.links:
        return urllib.parse.urljoin(page_url, parser.links[0])
    cookies = [cookie for handler in opener.handlers
               if isinstance(handler, urllib.request.HTTPCookieProcessor)
               for cookie in handler.cookiejar if cookie.name.startswith("download_warning")]
    if cookies:
        query = urllib.parse.urlencode({"confirm": cookies[0].value})
        return f"{page_url}{'&' if '?' in page_url else '?'}{query}"
    raise DownloadError(_page_problem(asset, target, page, page_url, parser.title))


def _page_problem(asset: Asset, target: Path, page: str, page_url: str, title: str) -> str:
    """What a web page answered instead of the file means, and what to do."""
    title = " ".join(title.split())
    shown = f"titled {title[:100]!r}" if title else f"starting {' '.join(page.split())[:100]!r}"
    manual = (f"Download it by hand in a browser from {asset.url} and copy it to {target}, or set "
              f"{MIRROR_ENV} to a folder holding it and run `make data`.")
    host = urllib.parse.urlsplit(page_url).hostname or ""
    if host in GOOGLE_HOSTS or "google drive" in title.lower():
        return (f"{page_url} answered with a Google Drive web page ({shown}) instead of "
                f"{asset.filename}, and the page offers no way to confirm the download: Google "
                f"Drive does this when the file's download quota is exceeded (try again in a day) "
                f"or the file is no longer shared. {manual}")
    return (f"{page_url} answered with a web page ({shown}) instead of {asset.filename}: the "
            f"server ({host}) sends an HTML page, not the file, e.g. an error or login page, a "
            f"network's sign-in (captive) portal, or the file has moved. Open {page_url} in a "
            f"browser to see the page. {manual}")
