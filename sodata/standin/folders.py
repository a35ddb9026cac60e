"""Where a stand-in data set lives on disk, and how it is replaced without a reader noticing.

The named folder (``data/standin-tiny``) is a symbolic link to a *generation*: a hidden folder
beside it (``data/.standin-tiny.gen-k3x9q``) that never changes once written. Why a link: a data
set holds several files, and a ``Dataset`` holds their paths; ``get_dataset`` resolves the link
once, so a reader reads every file from one generation, while a regeneration (a newer generator,
a repair) writes a new generation and swaps the link in one atomic rename. The previous
generation is kept until the next swap, so a reader still working on it is not cut off; older
ones are removed then. (Renaming real folders instead would leave a moment without the folder,
and a reader opening ``train.tsv`` before and ``validation.tsv`` after would mix two data sets.)

A generation is written into a temporary folder ``.<name>.tmp-*`` and renamed into a generation
only when complete, so an interrupted or failed run leaves nothing half-written behind: an
exception (Ctrl-C included) or SIGTERM/SIGHUP (a kernel restart, a closed terminal) removes the
temporary folder; one left by SIGKILL or a power cut is swept by the next run, which holds the
lock file (``filelock``) that serialises runs on the same name, and says so when it waits. A
plain folder written by an older version is used as it is and turned into a generation.
"""
import contextlib
import errno
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from sodata.locks import acquire_saying
from sodata.paths import file_in_the_way
from sodata.standin.config import folder_name
from sodata.standin.writer import DATASET_FILES, check_dataset, identity_of, read_manifest

LINK = ".link"  # where a new generation keeps the link that will name it, until the swap


def generation_of(out: Path) -> Path:
    """The folder holding the data set named ``out``: the link's target, or ``out`` itself (a
    plain folder written by an older version, or nothing yet)."""
    return out.parent / os.readlink(out) if out.is_symlink() else out


def reusable(out: Path, identity: dict) -> Path | None:
    """The generation ``out`` names when it was made with ``identity`` and its files are sound
    (``check_dataset``); else None."""
    generation = generation_of(out)
    manifest = read_manifest(generation)
    if manifest is None or identity_of(manifest) != identity:
        return None
    return generation if check_dataset(generation)[0] is None else None


def check_destination(out: Path) -> None:
    """A clear error when ``out`` cannot name a data set: it, or a folder above it, is a file."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"stand-in output path {out} is a file, not a folder: "
                                 "pass a folder path (it is created if missing)")
    if problem := file_in_the_way(out.parent):
        raise NotADirectoryError(f"stand-in output path {out}: {problem}")


def replaceable(out: Path, identity: dict) -> None:
    """Before generating ``identity`` into ``out`` (holding its lock): refuse to replace anything
    but a broken or obsolete stand-in (``FileExistsError`` saying what to do), and say why what is
    there is replaced."""
    generation = generation_of(out)
    if not generation.is_dir():
        if out.is_symlink():
            print(f"{out} points to {generation}, which is missing: generating it again",
                  file=sys.stderr, flush=True)
        return
    kept = generation if out.is_symlink() else f"a hidden folder beside it (.{out.name}.gen-*)"
    manifest = read_manifest(generation)
    if manifest is None:
        _refuse_foreign(out, generation)
        if any(generation.iterdir()):
            _say_replaced(out, f"{generation} holds no readable manifest.json", kept)
        return
    problem = check_dataset(generation)[0]
    other = identity_of(manifest)
    if problem is None and other["generator_version"] == identity["generator_version"] and any(
            other[key] != identity[key] for key in ("scale", "seed", "knobs")):
        raise FileExistsError(_not_replaced(out, other, identity))
    _say_replaced(out, problem or f"{out} was made by generator v{other['generator_version']} "
                                  f"(wordfreq {other['wordfreq']})", kept)


def _refuse_foreign(out: Path, folder: Path) -> None:
    """``FileExistsError`` when ``folder`` holds files a stand-in does not have."""
    strays = sorted(path.name for path in folder.iterdir() if path.name not in DATASET_FILES)
    if strays:
        raise FileExistsError(
            f"stand-in output folder {out} is not empty: it holds {', '.join(strays[:5])}, which "
            f"a stand-in does not have; refusing to replace it. Move those files elsewhere (or "
            f"delete the folder), or pass another folder")


def _not_replaced(out: Path, other: dict, identity: dict) -> str:
    scale, seed = identity["scale"], identity["seed"]
    own = folder_name(scale, seed, identity["knobs"])
    there = folder_name(other["scale"], other["seed"], other["knobs"])
    return (f"{out} holds a sound stand-in made with other settings ({there}, as its folder would "
            f"be named), and a data set on disk is never replaced by another (a reader may be "
            f"using it). Generate this one into its own folder, {out.parent / own} (the default "
            f"for scale {scale}, seed {seed} and these knobs), or delete {out} first")


def _say_replaced(out: Path, why: str, kept: Path | str) -> None:
    print(f"{why}: generating it again into {out} (the old files stay in {kept} until the next "
          f"regeneration)", file=sys.stderr, flush=True)


def _lock(out: Path) -> FileLock:
    return FileLock(out.parent / f".{out.name}.lock")


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the exclusive lock beside ``out`` (saying so when another process holds it) and
    sweep what a killed run left."""
    lock = _lock(out)
    acquire_saying(lock, f"generating the stand-in {out}")
    try:
        _sweep(out)
        yield
    finally:
        lock.release()


def sweep_stale(out: Path) -> None:
    """Remove what a killed run left beside ``out``, unless a run holds the lock."""
    lock = _lock(out)
    try:
        lock.acquire(timeout=0)
    except (Timeout, OSError):
        return  # a run is writing (its temporary folder is not stale), or a read-only folder
    try:
        _sweep(out)
    finally:
        lock.release()


def _sweep(out: Path) -> None:
    """Remove ``.<out>.tmp-*``, ``.<out>.link-*`` and ``.<out>.old-*`` (older versions' swaps)
    beside ``out``; call holding its lock."""
    for pattern in (f".{out.name}.tmp-*", f".{out.name}.old-*", f".{out.name}.link-*"):
        for stale in out.parent.glob(pattern):
            print(f"removing {stale}, left by an interrupted run", file=sys.stderr, flush=True)
            if stale.is_symlink():
                stale.unlink()
            else:
                shutil.rmtree(stale, ignore_errors=True)


def adopt(out: Path) -> None:
    """Turn the plain folder ``out`` (a sound data set written by an older version) into a
    generation with a link to it, so that a later swap cannot mix files under a reader; left as
    it is where the folder cannot be written or holds no links. Takes the lock."""
    with contextlib.suppress(OSError), locked(out):
        if out.is_symlink() or not out.is_dir():
            return  # another process adopted or replaced it meanwhile
        generation = out.with_name(f".{out.name}.gen-{secrets.token_hex(4)}")
        link = _new_link(out.with_name(f".{out.name}.link-{secrets.token_hex(4)}"), generation)
        out.rename(generation)
        os.replace(link, out)


def replace(out: Path, fill: Callable[[Path], None]) -> None:
    """Call ``fill(tmp)`` on a fresh temporary folder beside ``out``, make it a generation and
    swap the link ``out`` to it; keep the previous generation, remove older ones.

    On any error, Ctrl-C, SIGTERM or SIGHUP the temporary folder is removed; a full disk becomes
    an ``OSError`` that says so. Call holding ``locked(out)``.
    """
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    generation = tmp.with_name(tmp.name.replace(".tmp-", ".gen-", 1))
    try:
        with _removed_on_termination(tmp):
            # The link waits inside the folder, so that whatever removes it removes the link too;
            # made first, so a file system without links fails before any work.
            _new_link(tmp / LINK, generation)
            umask = os.umask(0)
            os.umask(umask)
            tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the data set is not
            fill(tmp)
            tmp.rename(generation)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        if error.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"no space left on the device while writing the stand-in "
                                        f"into {out}: free some space or pass another --out; "
                                        f"nothing was left behind") from error
        raise
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    previous = _retire(out)
    os.replace(generation / LINK, out)
    for old in out.parent.glob(f".{out.name}.gen-*"):
        if old.name not in (generation.name, previous):
            shutil.rmtree(old, ignore_errors=True)


def _retire(out: Path) -> str | None:
    """Make way for the link at ``out``; the name of the generation it named (a plain folder is
    renamed into one), or None."""
    if out.is_symlink():
        return os.readlink(out)
    if not out.is_dir():
        return None
    if not any(out.iterdir()):
        out.rmdir()
        return None
    retired = out.with_name(f".{out.name}.gen-{secrets.token_hex(4)}")
    out.rename(retired)
    return retired.name


def _new_link(link: Path, generation: Path) -> Path:
    """A link at ``link`` to ``generation``, to be renamed over the data set's name (one atomic
    step). Relative: it names a folder beside the name, and the data folder can move."""
    try:
        os.symlink(generation.name, link)
    except OSError as error:
        raise OSError(error.errno, f"cannot make a link to {generation} ({error.strerror}): "
                                   f"the file system of {generation.parent} has no symbolic links; "
                                   f"use a folder on a local disk") from error
    return link


@contextlib.contextmanager
def _removed_on_termination(tmp: Path) -> Iterator[None]:
    """While inside, SIGTERM and SIGHUP first remove ``tmp``, then act as they did before (by
    default: end the process). Signal handlers can only be set from the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    numbers = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    previous = {number: signal.getsignal(number) for number in numbers}
    previous = {number: handler for number, handler in previous.items() if handler != signal.SIG_IGN}

    def handler(number: int, frame) -> None:
        shutil.rmtree(tmp, ignore_errors=True)
        for each, old in previous.items():
            signal.signal(each, old if old is not None else signal.SIG_DFL)
        old = previous[number]
        if callable(old):
            old(number, frame)
        else:
            signal.raise_signal(number)

    for number in previous:
        signal.signal(number, handler)
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old if old is not None else signal.SIG_DFL)
