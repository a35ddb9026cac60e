"""Zips, checked and unpacked safely: nothing is written outside the target folder.

``zip_problem(path, max_unpacked)`` says why a file is not a sound zip (unreadable, a refused
member, over the unpacked cap, a member failing its CRC check). ``safe_extract`` refuses the whole
archive when one member has an absolute path or ``..``, is a symbolic link, is encrypted or is
compressed in a way Python cannot read, or when the members unpack past ``max_unpacked``; a
member that cannot be written (a full disk) raises ``ExtractionError`` naming it.
"""
import hashlib
import stat
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from sodata.assets import GiB, UnsafeArchiveError, VerificationError
from sodata.hashing import CHUNK_BYTES

# zipfile reads these; Deflate64 (9), PKWARE's implode (6) and the like it cannot.
READABLE_COMPRESSION = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate",
                        zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


class ExtractionError(OSError):
    """Writing an extracted member failed (a full disk, a read-only folder); ``member`` names it."""

    def __init__(self, member: str, error: OSError) -> None:
        super().__init__(error.errno, error.strerror, error.filename)
        self.member = member


def zip_problem(path: Path, max_unpacked: int, members: Iterable[str] | None = None) -> str | None:
    """Why ``path`` is not a sound zip (unreadable, a refused member, over the unpacked cap, one
    of ``members`` missing or there twice, or a member failing its CRC check), or None."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            problem = _archive_problem(infos, max_unpacked) or (
                None if members is None else _members_problem(infos, members))
            bad = None if problem else archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, RuntimeError,
            NotImplementedError) as error:
        return f"it is not a readable zip ({type(error).__name__}: {error})"
    if problem:
        return problem
    return None if bad is None else f"member {bad!r} fails its CRC check"


def _archive_problem(infos: list[zipfile.ZipInfo], max_unpacked: int) -> str | None:
    """Why these members must not be extracted: a path leaving the folder, a link, encryption, a
    compression zipfile cannot read, or more than ``max_unpacked`` bytes in all; None when they
    may be."""
    for info in infos:
        method = info.compress_type
        if not _is_safe_member(info.filename, Path("/extract-here")):
            return f"member {info.filename!r} would be written outside the folder it is extracted to"
        if stat.S_ISLNK(info.external_attr >> 16):
            return f"member {info.filename!r} is a symbolic link, which is never extracted"
        if info.flag_bits & 0x1:
            return f"member {info.filename!r} is encrypted (password-protected)"
        if method not in READABLE_COMPRESSION:
            return (f"member {info.filename!r} uses compression method {method} "
                    f"({zipfile.compressor_names.get(method, 'unknown')}), which Python's zipfile "
                    f"cannot read (it reads {', '.join(READABLE_COMPRESSION.values())})")
    total = sum(info.file_size for info in infos)
    if total > max_unpacked:
        return (f"its members unpack to {total:,} bytes, more than the {max_unpacked:,} allowed "
                f"(a zip bomb, or not the expected archive)")
    return None


def safe_extract(archive_path: Path, dest: Path, members: Iterable[str] | None = None,
                 max_unpacked: int = 4 * GiB) -> dict[Path, str]:
    """Extract a zip into ``dest`` without ever writing outside it; each written path's sha256.

    Every member is checked first: an absolute path, a drive letter or a ``..`` component, a
    symbolic link, an encrypted member, a compression zipfile cannot read, or more than
    ``max_unpacked`` bytes in all raise ``UnsafeArchiveError`` and nothing is extracted. With
    ``members`` (base names), only those are extracted, flat into ``dest``, wherever they sit in
    the archive; each must be there exactly once (else ``VerificationError``).
    """
    dest = Path(dest).resolve()
    with zipfile.ZipFile(archive_path) as archive:
        infos = archive.infolist()
        unsafe = [info.filename for info in infos if not _is_safe_member(info.filename, dest)]
        refused = (f"member(s) that would be written outside {dest}: {', '.join(map(repr, unsafe))}"
                   if unsafe else _archive_problem(infos, max_unpacked))
        if refused:
            raise UnsafeArchiveError(
                f"{archive_path} holds {refused}. Nothing was extracted; the archive is not the "
                f"expected one: delete it and download it again.")
        chosen = _chosen_members(archive_path, infos, dest, members)
        budget = max_unpacked
        written = {}
        for info, out in chosen:
            out.parent.mkdir(parents=True, exist_ok=True)
            written[out] = _extract_one(archive, info, out, budget, archive_path)
            budget -= out.stat().st_size
    return written


def _files(infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """The members that are files, less macOS's ``__MACOSX`` metadata."""
    return [info for info in infos if not info.is_dir()
            and PurePosixPath(info.filename).parts[0] != "__MACOSX"]


def _by_name(infos: list[zipfile.ZipInfo]) -> dict[str, list[zipfile.ZipInfo]]:
    """The file members under each base name, wherever they sit in the archive."""
    by_name: dict[str, list[zipfile.ZipInfo]] = {}
    for info in _files(infos):
        by_name.setdefault(PurePosixPath(info.filename).name, []).append(info)
    return by_name


def _members_problem(infos: list[zipfile.ZipInfo], members: Iterable[str]) -> str | None:
    """Why ``members`` (base names) cannot be extracted: one is missing or there twice (names
    are matched exactly: ``Train.tsv`` is not ``train.tsv``); None when each is there once."""
    by_name = _by_name(infos)
    unclear = [name for name in members if len(by_name.get(name, ())) != 1]
    if not unclear:
        return None
    held = ", ".join(info.filename for info in _files(infos)) or "nothing"
    return f"it should hold exactly one each of {', '.join(unclear)}, but it holds {held}"


def _chosen_members(archive_path: Path, infos: list[zipfile.ZipInfo], dest: Path,
                    members: Iterable[str] | None) -> list[tuple[zipfile.ZipInfo, Path]]:
    """The (member, output path) pairs to extract; ``VerificationError`` when one of ``members``
    is missing or there twice."""
    if members is None:
        return [(info, dest / info.filename) for info in _files(infos)]
    members = list(members)
    problem = _members_problem(infos, members)
    if problem:
        raise VerificationError(f"{archive_path}: {problem}: it is not the expected archive; "
                                f"delete it and download it again.")
    by_name = _by_name(infos)
    return [(by_name[name][0], dest / name) for name in members]


def _extract_one(archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: Path, budget: int,
                 archive_path: Path) -> str:
    """Write one member to ``out`` through ``<out>.part``, stopping past ``budget`` bytes; its
    sha256. zipfile stops at the member's declared size, so this guards against a wrong one."""
    digest = hashlib.sha256()
    part = out.with_name(out.name + ".part")
    written = 0
    try:
        with archive.open(info) as source, open(part, "wb") as sink:
            while chunk := source.read(CHUNK_BYTES):
                written += len(chunk)
                if written > budget:
                    raise UnsafeArchiveError(
                        f"{archive_path}: member {info.filename!r} unpacks past the "
                        f"{budget:,} bytes left of the cap (a zip bomb?); extraction stopped, "
                        f"nothing of it kept: delete the archive and download it again.")
                digest.update(chunk)
                sink.write(chunk)
        part.replace(out)
    except BaseException as error:
        part.unlink(missing_ok=True)
        if isinstance(error, OSError) and not isinstance(error, ExtractionError):
            raise ExtractionError(info.filename, error) from error
        raise
    return digest.hexdigest()


def _is_safe_member(name: str, dest: Path) -> bool:
    """Whether the zip member ``name`` lands inside ``dest`` (no absolute path, drive or ``..``)."""
    normalised = name.replace("\\", "/")
    parts = PurePosixPath(normalised).parts
    if normalised.startswith("/") or ".." in parts or (parts and ":" in parts[0]):
        return False
    return (dest / normalised).resolve().is_relative_to(dest)
