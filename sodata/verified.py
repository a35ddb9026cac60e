"""What ``make data`` checked: one marker per asset, and the test that the real data is in place.

After checking an asset (size, sha256, a zip's CRCs), ``sodata.download`` writes a marker
``.<name>.verified.json`` in the cache folder holding each used file's size, modification time
and sha256. ``is_verified`` compares them with the files (a ``stat``, no reading),
``check_verified`` hashes them again (``python -m sodata verify``). ``require_real_data()`` checks
that the real data set is in place and verified, and otherwise raises ``DataMissingError`` naming
the file, where it must go, and the two ways to get it there.
"""
import json
from pathlib import Path

from sodata.assets import ASSETS, Asset, DataMissingError, how_to_get
from sodata.hashing import sha256sum
from sodata.paths import DATA_DIR_ENV, data_dir

# 2: the corpus's content is checked too (sodata.shapes); a marker of another version was
# written by a `make data` that checked less, and does not count.
MARKER_VERSION = 2


def marker_path(asset: Asset, root: Path) -> Path:
    return root / f".{asset.name}.verified.json"


def write_marker(asset: Asset, root: Path, digests: dict[Path, str]) -> None:
    """Record each used file's size, modification time and sha256 (written atomically)."""
    files = {}
    for path in asset.used_files(root):
        info = path.stat()
        files[path.relative_to(root).as_posix()] = {
            "size": info.st_size, "mtime_ns": info.st_mtime_ns, "sha256": digests[path]}
    marker = marker_path(asset, root)
    part = marker.with_name(marker.name + ".part")
    record = {"version": MARKER_VERSION, "asset": asset.name, "url": asset.url, "files": files}
    part.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    part.replace(marker)


def _read_marker(asset: Asset, root: Path) -> dict[str, dict] | None:
    """The marker's files when it is of this version and covers exactly the asset's used files
    (and its pinned sha256)."""
    try:
        record = json.loads(marker_path(asset, root).read_text(encoding="utf-8"))
        files = record["files"] if record["version"] == MARKER_VERSION else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    used = {path.relative_to(root).as_posix() for path in asset.used_files(root)}
    if not isinstance(files, dict) or set(files) != used:
        return None
    if asset.sha256 is not None and not asset.extract and files[asset.filename].get("sha256") != asset.sha256:
        return None
    return files


def is_verified(asset: Asset, root: Path | None = None) -> bool:
    """Whether the asset's files are the ones ``make data`` verified: same size and modification
    time as recorded in its marker (a ``stat`` per file; ``check_verified`` reads them)."""
    root = data_dir() if root is None else Path(root)
    files = _read_marker(asset, root)
    if files is None:
        return False
    for name, record in files.items():
        try:
            info = (root / name).stat()
        except OSError:
            return False
        if (info.st_size, info.st_mtime_ns) != (record.get("size"), record.get("mtime_ns")):
            return False
    return True


def check_verified(asset: Asset, root: Path | None = None) -> str | None:
    """Hash the asset's files against its marker: None when they match, else what is wrong."""
    root = data_dir() if root is None else Path(root)
    files = _read_marker(asset, root)
    if files is None:
        return f"not verified: no valid marker {marker_path(asset, root)}; run `make data`"
    for name, record in files.items():
        path = root / name
        if not path.is_file():
            return f"{path} is missing; run `make data`"
        if (digest := sha256sum(path)) != record.get("sha256"):
            return (f"{path} changed since `make data` verified it (sha256 {digest}, recorded "
                    f"{record.get('sha256')}); delete it and run `make data`")
    return None


def require_real_data(root: Path | None = None) -> None:
    """Raise ``DataMissingError`` unless the real data set (corpus and GoogleNews vectors) is in
    place and verified by ``make data`` (a ``stat`` of each file against its marker)."""
    root = data_dir() if root is None else Path(root)
    problems = []
    for asset in (ASSETS["stackoverflow"], ASSETS["googlenews"]):
        if is_verified(asset, root):
            continue
        wanted = asset.used_files(root)
        missing = [path for path in wanted if not path.is_file()]
        origin = f" (extracted from {asset.filename})" if asset.extract else ""
        if missing:
            names = ", ".join(str(path) for path in missing)
            problems.append(f"Missing: {names}{origin}.\n{how_to_get(asset, root / asset.filename)}")
        else:
            names = ", ".join(str(path) for path in wanted)
            problems.append(
                f"Not verified: {names}{origin} is there, but `make data` has not checked it, or "
                f"it changed since (size or modification time differ from "
                f"{marker_path(asset, root)}). Run `make data`: it checks the files (size, "
                f"sha256, zip CRCs), keeps them when sound and fetches again what is not.")
    if problems:
        raise DataMissingError("The real data is not fully downloaded and verified.\n"
                               + "\n".join(problems)
                               + f"\n(The cache folder is {root}; set {DATA_DIR_ENV} to use another.)")
