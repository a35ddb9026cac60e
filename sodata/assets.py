"""The real data: one table of assets and a downloader that caches, verifies and resumes.

``ASSETS`` lists every file the homework can download (d2l's ``DATA_HUB`` idea): where it comes
from, the file name in the cache folder, and its size and sha256 where they are known.
``download(name)`` makes one asset available in the cache folder (``data_dir()``: ``$HW_DATA_DIR``,
else ``data/``) and returns its path:

- a cached file that passes verification is used as it is; one that fails is moved aside to
  ``<file>.corrupt`` and fetched again;
- with ``$HW_DATA_MIRROR`` set (a folder holding the files under their file names, as course
  clusters provide), the file is copied from there and nothing is downloaded;
- otherwise it is downloaded over HTTP(S) into ``<file>.part`` with a progress bar (size and speed),
  resuming a ``.part`` left by an interrupted run with a ``Range`` request; Google Drive's
  "can't scan this file for viruses" confirmation page is answered;
- the result is verified (size, sha256, and the CRCs of a zip); a file that fails is moved to
  ``<file>.corrupt`` and the error says what was expected, what came and what to do;
- a zip is extracted safely: a member with an absolute path or ``..`` refuses the whole archive.

``require_real_data()`` checks that the real data set is in place and otherwise raises
``DataMissingError`` naming the missing file, where it must go, and the two ways to get it there.
Command line: ``python -m sodata download [NAME ...]`` (``make data``).
"""
import hashlib
import http.client
import os
import shutil
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

from sodata.datasets import data_dir

MIRROR_ENV = "HW_DATA_MIRROR"
CHUNK_BYTES = 1 << 20
HTTP_TIMEOUT_S = 60
ATTEMPTS = 3  # tries per download; each one resumes what the previous one received
RETRY_WAIT_S = 2.0
USER_AGENT = "so-duplicates-hw/0.1 (+python urllib)"


@dataclass(frozen=True)
class Asset:
    """One downloadable file.

    ``filename`` is its path relative to the cache folder. ``size`` (bytes) and ``sha256`` are
    checked when known. A zip with ``extract`` set has those members (matched by base name, in
    whatever folder of the archive they sit) extracted flat into ``extract_dir``. Assets with
    ``required=False`` are downloaded only when asked for by name.
    """

    name: str
    url: str
    filename: str
    size: int | None = None
    sha256: str | None = None
    extract: tuple[str, ...] = ()
    extract_dir: str | None = None
    required: bool = True
    description: str = ""

    def extracted_files(self, root: Path) -> list[Path]:
        """The paths the extracted members end up at under the cache folder ``root``."""
        return [root / self.extract_dir / member for member in self.extract] if self.extract else []


GOOGLE_DRIVE_URL = "https://drive.google.com/uc?export=download&id={id}"
STACKOVERFLOW_DRIVE_ID = "1QqT4D0EoqJTy7v9VrNCYD-m964XZFR7_"

ASSETS: dict[str, Asset] = {
    asset.name: asset for asset in (
        Asset(
            name="stackoverflow",
            url=GOOGLE_DRIVE_URL.format(id=STACKOVERFLOW_DRIVE_ID),
            filename="StackOverflowData.zip",
            # The course never published the zip's size or checksum; the zip's own CRCs are checked.
            extract=("train.tsv", "validation.tsv", "test.tsv"),
            extract_dir="stackoverflow",
            description="StackOverflow duplicate questions (Google Drive)",
        ),
        Asset(
            name="googlenews",
            url="https://s3.amazonaws.com/dl4j-distribution/GoogleNews-vectors-negative300.bin.gz",
            filename="GoogleNews-vectors-negative300.bin.gz",
            size=1_647_046_227,
            sha256="21c05ae916a67a4da59b1d006903355cced7de7da1e42bff9f0504198c748da8",
            description="word2vec GoogleNews vectors, 3M words x 300 (public S3 mirror)",
        ),
        Asset(
            name="stopwords",
            url="https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/stopwords.zip",
            filename="nltk_data/corpora/stopwords.zip",
            required=False,
            description="NLTK's stopword lists (optional: the English list ships with hw_utils)",
        ),
    )
}


class AssetError(RuntimeError):
    """Getting a data file failed; the message says which file and what to do."""


class DownloadError(AssetError):
    """The file could not be fetched (network, HTTP status, Google Drive page, mirror)."""


class VerificationError(AssetError):
    """A fetched or cached file is not the expected one; it was moved to ``<file>.corrupt``."""


class UnsafeArchiveError(AssetError):
    """An archive member would be written outside the target folder; nothing was extracted."""


class DataMissingError(FileNotFoundError):
    """A data file is not where it must be; the message says how to get it there."""


def how_to_get(asset: Asset, target: Path) -> str:
    """The two ways to get ``asset`` to ``target``, as lines for an error message."""
    return (f"Two ways to get it there:\n"
            f"  1. with network access: `make data` (or `python -m sodata download "
            f"{asset.name}`) downloads {asset.filename} from {asset.url};\n"
            f"  2. without: copy {target.name} to {target} yourself, or put it in a folder "
            f"(a course mirror), set {MIRROR_ENV}=/that/folder and run `make data`.")


def require_real_data(root: Path | None = None) -> None:
    """Raise ``DataMissingError`` unless the real data set (corpus and GoogleNews vectors) is in place."""
    root = data_dir() if root is None else Path(root)
    problems = []
    for asset in (ASSETS["stackoverflow"], ASSETS["googlenews"]):
        wanted = asset.extracted_files(root) or [root / asset.filename]
        missing = [path for path in wanted if not path.is_file()]
        if not missing:
            continue
        names = ", ".join(str(path) for path in missing)
        origin = f" (extracted from {asset.filename})" if asset.extract else ""
        problems.append(f"Missing: {names}{origin}.\n{how_to_get(asset, root / asset.filename)}")
    if problems:
        raise DataMissingError("The real data is not fully downloaded.\n" + "\n".join(problems)
                               + f"\n(The cache folder is {root}; set HW_DATA_DIR to use another.)")


def download_all(names: Iterable[str] | None = None, root: Path | None = None,
                 progress: bool = True) -> dict[str, Path]:
    """Download (and extract) the named assets, by default every required one; name -> path."""
    names = [asset.name for asset in ASSETS.values() if asset.required] if names is None else list(names)
    unknown = [name for name in names if name not in ASSETS]
    if unknown:
        raise KeyError(f"unknown asset(s) {', '.join(map(repr, unknown))}: "
                       f"choose among {', '.join(ASSETS)}")
    paths = {name: download(name, root=root, progress=progress) for name in names}
    for name, path in paths.items():
        print(f"{name}: {path}")
    return paths


def download(asset: str | Asset, root: Path | None = None, progress: bool = True) -> Path:
    """Make ``asset`` (a name in ``ASSETS`` or an ``Asset``) available under ``root``; its path.

    The file is taken from the cache when it verifies, else from ``$HW_DATA_MIRROR`` when that is
    set, else from the network. A zip with members to extract returns the extraction folder (and
    once they are extracted, the zip itself is no longer needed).
    """
    asset = ASSETS[asset] if isinstance(asset, str) else asset
    root = data_dir() if root is None else Path(root)
    if asset.extract and all(path.is_file() for path in asset.extracted_files(root)):
        return root / asset.extract_dir
    target = root / asset.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file():
        try:
            verify(asset, target)
        except VerificationError as error:
            print(f"{error}\nFetching it again.", file=sys.stderr)
    if not target.is_file():
        part = _part_path(target)
        mirror = os.environ.get(MIRROR_ENV)
        if mirror:
            _copy_from_mirror(asset, Path(mirror), part, progress)
        else:
            _fetch(asset, target, progress)
        part.replace(target)
        verify(asset, target)
        if asset.sha256 is None:
            print(f"{target.name}: sha256 {sha256sum(target)} (not pinned in ASSETS)")
    if asset.extract:
        return _extract_members(asset, target, root)
    return target


def verify(asset: Asset, path: Path) -> None:
    """Check ``path`` against the asset's size, sha256 and (for a zip) CRCs.

    A file that fails is moved to ``<file>.corrupt`` and ``VerificationError`` says why.
    """
    problem = None
    size = path.stat().st_size
    if asset.size is not None and size != asset.size:
        problem = f"its size is {size:,} bytes, expected {asset.size:,}"
    elif asset.sha256 is not None and (digest := sha256sum(path)) != asset.sha256:
        problem = f"its sha256 is {digest}, expected {asset.sha256}"
    elif path.suffix == ".zip":
        problem = _zip_problem(path)
    if problem is None:
        return
    corrupt = path.with_name(path.name + ".corrupt")
    path.replace(corrupt)
    mirror = os.environ.get(MIRROR_ENV)
    source = f"the mirror folder {mirror} (${MIRROR_ENV})" if mirror else asset.url
    raise VerificationError(
        f"{path.name} failed verification: {problem}. It was moved aside to {corrupt} and is not "
        f"used. Run `make data` again to fetch a fresh copy; if that fails the same way, "
        f"{source} holds a different file: get {path.name} elsewhere and copy it to {path}.")


def sha256sum(path: Path) -> str:
    """The sha256 of a file, read in chunks (a 1.6 GB file takes a few seconds)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _zip_problem(path: Path) -> str | None:
    """Why ``path`` is not a sound zip (unreadable, or a member failing its CRC), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        return f"it is not a readable zip ({error})"
    return None if bad is None else f"member {bad!r} fails its CRC check"


def safe_extract(archive_path: Path, dest: Path, members: Iterable[str] | None = None) -> list[Path]:
    """Extract a zip into ``dest`` without ever writing outside it; the written paths.

    Every member name is checked first: an absolute path, a drive letter or a ``..`` component
    raises ``UnsafeArchiveError`` and nothing is extracted. With ``members`` (base names), only
    those are extracted, flat into ``dest``, wherever they sit in the archive; each must be there.
    """
    dest = Path(dest).resolve()
    with zipfile.ZipFile(archive_path) as archive:
        infos = archive.infolist()
        unsafe = [info.filename for info in infos if not _is_safe_member(info.filename, dest)]
        if unsafe:
            raise UnsafeArchiveError(
                f"{archive_path} holds member(s) that would be written outside {dest}: "
                f"{', '.join(map(repr, unsafe))}. Nothing was extracted; the archive is not the "
                f"expected one: delete it and download it again.")
        files = [info for info in infos if not info.is_dir()
                 and PurePosixPath(info.filename).parts[0] != "__MACOSX"]
        if members is None:
            chosen = [(info, dest / info.filename) for info in files]
        else:
            by_name: dict[str, list[zipfile.ZipInfo]] = {}
            for info in files:
                by_name.setdefault(PurePosixPath(info.filename).name, []).append(info)
            unclear = [name for name in members if len(by_name.get(name, ())) != 1]
            if unclear:
                raise VerificationError(
                    f"{archive_path} should hold exactly one each of {', '.join(unclear)}, but it "
                    f"holds {', '.join(info.filename for info in files) or 'nothing'}: it is not "
                    f"the expected archive; delete it and download it again.")
            chosen = [(by_name[name][0], dest / name) for name in members]
        written = []
        for info, out in chosen:
            out.parent.mkdir(parents=True, exist_ok=True)
            part = out.with_name(out.name + ".part")
            with archive.open(info) as source, open(part, "wb") as sink:
                shutil.copyfileobj(source, sink, CHUNK_BYTES)
            part.replace(out)
            written.append(out)
    return written


def _is_safe_member(name: str, dest: Path) -> bool:
    """Whether the zip member ``name`` lands inside ``dest`` (no absolute path, drive or ``..``)."""
    normalised = name.replace("\\", "/")
    parts = PurePosixPath(normalised).parts
    if normalised.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        return False
    return (dest / normalised).resolve().is_relative_to(dest)


def _extract_members(asset: Asset, archive_path: Path, root: Path) -> Path:
    """Extract the asset's members into ``root/extract_dir`` unless they are already there."""
    out_dir = root / asset.extract_dir
    if not all(path.is_file() for path in asset.extracted_files(root)):
        written = safe_extract(archive_path, out_dir, asset.extract)
        print(f"extracted {', '.join(path.name for path in written)} into {out_dir}")
    return out_dir


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
    with open(source, "rb") as reader, open(part, "wb") as writer, _progress_bar(
            name, source.stat().st_size, 0, progress) as bar:
        while chunk := reader.read(CHUNK_BYTES):
            writer.write(chunk)
            bar.update(len(chunk))


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
                page = response.read().decode("utf-8", errors="replace")
                url = _confirmation_url(asset, target, page, response.geturl(), opener)
                continue
            _save_body(response, part, progress)
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


def _save_body(response: http.client.HTTPResponse, part: Path, progress: bool) -> None:
    """Write the response body into ``part``: appended after a 206, from scratch after a 200.

    Raises ``http.client.IncompleteRead`` when the connection closes before ``Content-Length``
    and ``ConnectionError`` (after deleting ``part``) when a 206 starts at the wrong byte.
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
    total = offset + int(length) if length is not None else None
    with open(part, "ab" if resumed else "wb") as sink, _progress_bar(
            part.name.removesuffix(".part"), total, offset, progress) as bar:
        while chunk := response.read(CHUNK_BYTES):
            sink.write(chunk)
            bar.update(len(chunk))
    if total is not None and part.stat().st_size < total:
        raise http.client.IncompleteRead(b"", total - part.stat().st_size)


def _range_start(response: http.client.HTTPResponse) -> int | None:
    """The first byte of a 206 answer, from ``Content-Range: bytes START-END/TOTAL``."""
    value = response.headers.get("Content-Range", "")
    unit, _, spec = value.partition(" ")
    start = spec.partition("-")[0]
    return int(start) if unit == "bytes" and start.isdigit() else None


class _ConfirmationPage(HTMLParser):
    """Collects what Google Drive's "can't scan for viruses" page offers to go on.

    Newer pages hold a form (action ``https://drive.usercontent.google.com/download`` and hidden
    inputs ``id``, ``export``, ``confirm``, ``uuid``); older ones a link with ``confirm=TOKEN``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append((attributes.get("action", ""), {}))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1][1][attributes["name"]] = attributes.get("value", "")
        elif tag == "a" and "confirm=" in attributes.get("href", ""):
            self.links.append(attributes["href"])


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
    raise DownloadError(
        f"{page_url} answered with a web page instead of {asset.filename}, and the page offers no "
        f"way to confirm the download: Google Drive does this when the file's download quota is "
        f"exceeded (try again in a day) or the file is no longer shared. Download it by hand in "
        f"a browser from {asset.url} and copy it to {target}, or set {MIRROR_ENV} to a folder "
        f"holding it and run `make data`.")
