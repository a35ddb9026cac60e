"""Zip what a student hands in: ``python student/submission.py --out dist/submission.zip``.

The zip holds ``hw_utils/`` (code only: no caches, nothing over 5 MB) and the executed
``notebooks/*.ipynb``, plus ``MANIFEST.json`` (file list with sha256, when it was made). Before
writing it says what still looks unfinished: stubs still raising ``NotImplementedError`` and
notebooks whose code cells were not run (the bonus notebook only when a bonus was attempted:
``hw_utils/bonus.py`` exists). Shipped to students (``make submission``).
"""
import argparse
import datetime
import hashlib
import json
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIPPED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache")
MAX_FILE_BYTES = 5 * 2**20
STUB = "raise NotImplementedError("
BONUS = ("notebooks/part4_bonus.ipynb", "hw_utils/bonus.py")  # the bonus notebook, and its code


def collect(root: Path) -> list[Path]:
    """The files that go into the zip, relative to ``root``."""
    files = []
    for path in sorted((root / "hw_utils").rglob("*")):
        relative = path.relative_to(root)
        if (path.is_file() and not set(relative.parts) & set(SKIPPED)
                and path.suffix not in (".pyc", ".pyo") and path.stat().st_size <= MAX_FILE_BYTES):
            files.append(relative)
    files += [path.relative_to(root) for path in sorted((root / "notebooks").glob("*.ipynb"))]
    return files


def warnings_for(root: Path, files: list[Path]) -> list[str]:
    """What looks unfinished: remaining stubs, notebooks not run."""
    notes = []
    for relative in files:
        path = root / relative
        if path.suffix == ".py":
            stubs = path.read_text(encoding="utf-8", errors="replace").count(STUB)
            if stubs:
                notes.append(f"{relative}: {stubs} place(s) still raise NotImplementedError")
        elif relative.as_posix() == BONUS[0] and not (root / BONUS[1]).is_file():
            continue  # no bonus attempted: its notebook need not run
        elif path.suffix == ".ipynb":
            cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
            code = [c for c in cells if c.get("cell_type") == "code" and "".join(c.get("source", "")).strip()]
            unrun = sum(1 for c in code if c.get("execution_count") is None)
            if code and unrun:
                notes.append(f"{relative}: {unrun} of {len(code)} code cells were not run "
                             f"(run the whole notebook and save it)")
    return notes


def build(root: Path, out: Path) -> tuple[list[Path], list[str]]:
    """Write the zip; (files in it, warnings)."""
    if not (root / "hw_utils" / "__init__.py").is_file():
        raise SystemExit(f"no hw_utils package in {root}: run this from the homework folder")
    files = collect(root)
    notes = warnings_for(root, files)
    manifest = {
        "made_at": datetime.datetime.now().isoformat(timespec="seconds"),
        "files": {relative.as_posix(): hashlib.sha256((root / relative).read_bytes()).hexdigest()
                  for relative in files},
        "warnings": notes,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_suffix(".zip.tmp")
    with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for relative in files:
            archive.write(root / relative, relative.as_posix())
        archive.writestr("MANIFEST.json", json.dumps(manifest, indent=1))
    temporary.replace(out)
    return files, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python student/submission.py", description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "dist" / "submission.zip")
    parser.add_argument("--root", type=Path, default=ROOT, help="the homework folder")
    args = parser.parse_args(argv)
    files, notes = build(args.root, args.out)
    for note in notes:
        print(f"warning: {note}")
    print(f"{args.out}: {len(files)} files (hw_utils/ and {sum(f.suffix == '.ipynb' for f in files)}"
          f" notebooks). Hand in this file.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
