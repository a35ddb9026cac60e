"""The student release, cut from the one reference source.

``python -m maintainers.release build --out dist/student`` writes the folder students receive:

- ``hw_utils/`` with every ``# BEGIN SOLUTION`` ... ``# END SOLUTION`` region replaced by the
  course's banner and ``raise NotImplementedError("Part N: fill in Class.method in hw_utils/x.py")``
  at the region's indentation;
- ``notebooks/`` with outputs cleared, cells tagged ``solution`` replaced the same way, solution
  regions inside other code cells stripped and cells tagged ``instructor`` (the reference's own
  extras, such as Part 4's comparison of the reference bonus models) left out;
- ``tests/__init__.py`` + ``hw_checks/`` (the self-checks, not the project's own suite),
  ``test_gt.json``, ``environment.yml``, ``pyproject.toml``, a student ``Makefile`` (the lead's
  targets students need), ``student/submission.py`` (``make submission``), the student README
  (``student/README.md``, the release's ``README.md``) and the GitHub Classroom workflow
  (``student/classroom.yml``, the release's ``.github/workflows/classroom.yml``: the
  self-checks, ``python -m hw_checks``, on every push).

Markers are found with ``tokenize``: a marker must be a comment alone on its line, regions pair
up, never nest, sit inside a function body (notebook cells: anywhere) and cover whole statements.
Anything else (an END without BEGIN, nesting, a marker inside a string, a look-alike such as
``# Begin solution``) fails the build with the file and the line.

``python -m maintainers.release scan DIR`` looks for any line of solution code in a built release, and
``python -m maintainers.release validate`` checks both directions with the grader: the reference passes
every graded check; the release imports and fails each graded check with ``NotImplementedError``.
``solve(release, solution)`` fills a built release with a solution written apart from the
reference (its ``hw_utils/`` files and its answers to the notebooks' cells): the tests and the
notebook benchmark run such a solved release as a student would.
"""
import argparse
import ast
import fnmatch
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import tokenize
from itertools import takewhile
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO_ROOT = Path(__file__).resolve().parents[1]

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
# Anything that looks like a marker (any case, any spacing, in a comment or a string).
MARKER_LIKE = re.compile(r"#\s*(BEGIN|END)[\s_-]*SOLUTION", re.IGNORECASE)
BANNER = ("#" * 36, "### ╰( ͡° ͜ʖ ͡° )つ──☆*:・ﾟ", "#" * 36)
SOLUTION_TAG = "solution"
INSTRUCTOR_TAG = "instructor"  # a notebook cell the release leaves out
DEFINE = re.compile(r"^# Define: ([\w, ]+?)(?: \(|:|$)")  # a solution cell's first line

# Which part a solution region belongs to, for the stub's message: file (glob) -> part, or
# file -> {class or function name: part}.
PARTS: dict[str, str | dict[str, str]] = {
    "hw_utils/text.py": {"TextPreprocessor": "Part 1", "TextTokenizer": "Part 3"},
    "hw_utils/embedding.py": "Part 1",
    "hw_utils/scoring.py": "Part 1",
    "hw_utils/trigram.py": "Part 2",
    "hw_utils/dssm.py": "Part 3",
    "notebooks/part1_*": "Part 1",
    "notebooks/part2_*": "Part 2",
    "notebooks/part3_*": "Part 3",
    "notebooks/part4_*": "Part 4 (bonus)",
}

STUDENT_DIR = "student"  # its README.md becomes the release's README.md
# student/classroom.yml becomes the release's GitHub Classroom workflow (the self-checks).
WORKFLOW = ("classroom.yml", ".github/workflows/classroom.yml")
MANIFEST = "SHIPS"  # student/SHIPS: the repository's paths the release holds
# Makefile targets students use; the rest (check, student, gt, bench, ...) are instructor-only.
STUDENT_TARGETS = ("help", "setup", "lab", "data", "standin", "selfcheck", "submission", "clean")
SKIPPED_NAMES = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache", ".DS_Store")
SKIPPED_SUFFIXES = (".pyc", ".pyo", ".tmp")
MAX_SHIPPED_FILE_BYTES = 5 * 2**20


class ReleaseError(Exception):
    """A problem in the reference that stops the build; the message names the file and line."""


@dataclass(frozen=True)
class Region:
    """Lines ``begin`` .. ``end`` (1-based, the marker lines themselves) of one solution region."""

    begin: int
    end: int
    indent: str
    owner: str  # "TextPreprocessor.__call__", or "" in a notebook cell


def part_of(relpath: str, owner: str = "") -> str:
    """The part a region of ``relpath`` (posix, relative to the repo) inside ``owner`` belongs to."""
    for pattern, part in PARTS.items():
        if fnmatch.fnmatch(relpath, pattern):
            if isinstance(part, str):
                return part
            top = owner.split(".")[0]
            return part.get(top) or part.get("*", "")
    return ""


def stub_lines(indent: str, message: str) -> list[str]:
    """The banner and the ``raise`` that replace a region, at ``indent``."""
    return [indent + row for row in BANNER] + [
        f"{indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})"]


def stub_message(relpath: str, owner: str) -> str:
    part = part_of(relpath, owner)
    where = f"{owner} in {relpath}" if owner else f"this cell of {relpath}"
    return f"{part}: fill in {where}" if part else f"fill in {where}"


# --------------------------------------------------------------------------------- markers


def _without_magics(source: str) -> str:
    """A notebook cell with IPython magics and shell lines turned into comments (same lines)."""
    return "\n".join(re.sub(r"^(\s*)([%!])", r"\1#\2", line) for line in source.split("\n"))


def _functions(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(first body line, last line, qualified name) of every function in ``tree``."""
    found = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    found.append((child.body[0].lineno, child.end_lineno, name))
                visit(child, name + ".")
            else:
                visit(child, prefix)

    visit(tree, "")
    return found


def find_regions(source: str, where: str, *, in_function: bool = True) -> list[Region]:
    """The solution regions of ``source`` (Python, or a notebook cell's code).

    ``where`` names the file in error messages. ``in_function``: a region must sit inside a
    function body (modules); notebook cells allow top-level regions.
    """
    code = source if in_function else _without_magics(source)
    markers: list[tuple[int, str, str]] = []  # (line, BEGIN|END, indent)
    lines = source.split("\n")
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError) as error:
        raise ReleaseError(f"{where}: cannot tokenize: {error}") from None
    depth = 0  # brackets open at this token
    for token in tokens:
        line_no = token.start[0]
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        if token.type == tokenize.STRING and MARKER_LIKE.search(token.string):
            raise ReleaseError(f"{where}:{line_no}: solution marker inside a string literal; "
                               f"markers must be comments alone on their line")
        if token.type != tokenize.COMMENT or not MARKER_LIKE.search(token.string):
            continue
        text = token.string.rstrip()
        line = lines[line_no - 1]
        if line[:token.start[1]].strip():
            raise ReleaseError(f"{where}:{line_no}: solution marker after code on the same "
                               f"line; put '{BEGIN}' / '{END}' on a line of its own")
        if text not in (BEGIN, END):
            raise ReleaseError(f"{where}:{line_no}: malformed solution marker {text!r}; "
                               f"write exactly '{BEGIN}' or '{END}'")
        if depth:
            raise ReleaseError(f"{where}:{line_no}: solution marker inside an open bracket; "
                               f"regions cover whole statements")
        markers.append((line_no, "BEGIN" if text == BEGIN else "END", line[:token.start[1]]))

    pairs: list[tuple[int, int, str]] = []
    open_at: tuple[int, str] | None = None
    for line_no, kind, indent in markers:
        if kind == "BEGIN":
            if open_at is not None:
                raise ReleaseError(f"{where}:{line_no}: '{BEGIN}' inside the region opened at "
                                   f"line {open_at[0]}; solution regions cannot nest")
            open_at = (line_no, indent)
        else:
            if open_at is None:
                raise ReleaseError(f"{where}:{line_no}: '{END}' without a '{BEGIN}' before it")
            if indent != open_at[1]:
                raise ReleaseError(f"{where}:{line_no}: '{END}' is indented differently from its "
                                   f"'{BEGIN}' at line {open_at[0]}")
            pairs.append((open_at[0], line_no, open_at[1]))
            open_at = None
    if open_at is not None:
        raise ReleaseError(f"{where}:{open_at[0]}: '{BEGIN}' is never closed by '{END}'")
    if not pairs:
        return []

    try:
        tree = ast.parse(code)
    except SyntaxError as error:
        raise ReleaseError(f"{where}:{error.lineno}: not valid Python: {error.msg}") from None
    functions = _functions(tree)
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    regions = []
    for begin, end, indent in pairs:
        content = [n for n in range(begin + 1, end) if lines[n - 1].strip()]
        for line_no in content:
            if not lines[line_no - 1].startswith(indent) and not _in_string(tokens, line_no):
                raise ReleaseError(f"{where}:{line_no}: line inside the solution region "
                                   f"(lines {begin}-{end}) is indented less than its markers")
        # The region's code spans lines low..high; every statement lies inside it or around it.
        low, high = (content[0], content[-1]) if content else (begin, end)
        for node in statements:
            first, last = node.lineno, node.end_lineno
            inside = begin < first and last < end
            around = hasattr(node, "body") and first < begin and last >= high
            if first <= end and last >= begin and not inside and not around:
                raise ReleaseError(f"{where}:{begin}: the solution region (lines {begin}-{end}) "
                                   f"cuts the statement at lines {first}-{last}; cover whole "
                                   f"statements")
        owners = [(first, name) for first, last, name in functions if first <= low and high <= last]
        if in_function and not owners:
            raise ReleaseError(f"{where}:{begin}: solution region outside a function body; "
                               f"keep imports, classes and signatures outside the markers")
        owner = max(owners)[1] if owners else ""
        regions.append(Region(begin, end, indent, owner))
    return regions


def _in_string(tokens: list[tokenize.TokenInfo], line_no: int) -> bool:
    """Whether ``line_no`` lies inside (not at the start of) a multi-line string token."""
    return any(token.type == tokenize.STRING and token.start[0] < line_no <= token.end[0]
               for token in tokens)


def strip_solutions(source: str, relpath: str, *, in_function: bool = True) -> tuple[str, int]:
    """``source`` with every region replaced by the stub; and the number of regions."""
    regions = find_regions(source, relpath, in_function=in_function)
    lines = source.split("\n")
    for region in reversed(regions):
        message = stub_message(relpath, region.owner)
        lines[region.begin - 1:region.end] = stub_lines(region.indent, message)
    return "\n".join(lines), len(regions)


def solution_lines(source: str, relpath: str, *, in_function: bool = True) -> list[tuple[int, str]]:
    """(line number, text) of every line strictly inside a solution region of ``source``."""
    lines = source.split("\n")
    return [(n, lines[n - 1]) for region in find_regions(source, relpath, in_function=in_function)
            for n in range(region.begin + 1, region.end)]


# ------------------------------------------------------------------------------- notebooks


def _cell_tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def strip_notebook(notebook, relpath: str) -> int:
    """Clear outputs and remove solutions from ``notebook`` in place; the number of removals."""
    kept = [cell for cell in notebook.cells if INSTRUCTOR_TAG not in _cell_tags(cell)]
    removed = len(notebook.cells) - len(kept)
    notebook.cells = kept
    notebook.metadata.pop("so_duplicates", None)
    notebook.metadata.pop("widgets", None)
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        where = f"{relpath} cell {index + 1}"
        if SOLUTION_TAG in _cell_tags(cell):
            if cell.cell_type == "code":
                find_regions(cell.source, where, in_function=False)  # malformed markers fail
                header = list(takewhile(lambda line: line.startswith("#"),
                                        cell.source.split("\n")))
                cell.source = "\n".join(
                    header + ["# Your code here."] + stub_lines("", stub_message(relpath, "")))
            else:
                cell.source = "*Your answer here.*"
            removed += 1
        elif cell.cell_type == "code":
            cell.source, count = strip_solutions(cell.source, where, in_function=False)
            cell.source = cell.source.replace(f"this cell of {where}", f"this cell of {relpath}")
            removed += count
    return removed


def notebook_solution_lines(notebook, relpath: str) -> list[tuple[str, str]]:
    """(where, text) of every line of solution code in a reference notebook."""
    found = []
    for index, cell in enumerate(notebook.cells):
        where = f"{relpath} cell {index + 1}"
        if cell.cell_type != "code":
            continue
        if {SOLUTION_TAG, INSTRUCTOR_TAG} & set(_cell_tags(cell)):
            found += [(f"{where} line {n}", text)
                      for n, text in enumerate(cell.source.split("\n"), 1)]
        else:
            found += [(f"{where} line {n}", text)
                      for n, text in solution_lines(cell.source, where, in_function=False)]
    return found


# ----------------------------------------------------------------------------------- build


def _shipped(path: Path) -> bool:
    return not (set(path.parts) & set(SKIPPED_NAMES)) and path.suffix not in SKIPPED_SUFFIXES


def ignored_by_git(root: Path, relatives: list[str]) -> set[str]:
    """Those of ``relatives`` (paths under ``root``) that git ignores there: what running the
    notebooks leaves (TensorBoard's ``runs/``, checkpoints) does not ship. None where ``root`` is
    not a git checkout or git is missing (the other skips still apply)."""
    if not relatives:
        return set()
    try:
        result = subprocess.run(["git", "-C", str(root), "check-ignore", "--stdin", "-z"],
                                input="\0".join(relatives), capture_output=True, text=True,
                                check=False)
    except OSError:
        return set()
    if result.returncode not in (0, 1):  # 128: not a git checkout
        return set()
    return set(filter(None, result.stdout.split("\0")))


def _copy_file(source: Path, target: Path) -> None:
    if source.stat().st_size > MAX_SHIPPED_FILE_BYTES:
        raise ReleaseError(f"{source}: {source.stat().st_size} bytes; files over "
                           f"{MAX_SHIPPED_FILE_BYTES} bytes are not shipped (data belongs in data/)")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target)


def student_makefile(makefile: str) -> str:
    """The lead's Makefile cut down to the targets students use (``STUDENT_TARGETS``)."""
    out: list[str] = []
    keep = True
    rule = re.compile(r"^([A-Za-z$][^\s:=]*)\s*:(?!=)")
    for line in makefile.split("\n"):
        match = rule.match(line)
        if match and not line.startswith("\t"):
            target = match.group(1)
            keep = target in STUDENT_TARGETS or target.startswith("$(")
        elif line.startswith(".PHONY"):
            out.append(".PHONY: " + " ".join(STUDENT_TARGETS))
            continue
        elif not line.startswith("\t") and line.strip() and not line.startswith("#"):
            keep = True  # a variable definition
        if keep:
            out.append(line)
    text = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", text).replace(
        "dist .pytest_cache runs benchmarks/tmp", "dist .pytest_cache runs")


@dataclass
class BuildReport:
    out: Path
    files: int = 0
    regions: int = 0
    notebook_cells: int = 0

    def summary(self) -> str:
        return (f"student release in {self.out}: {self.files} files, {self.regions} solution "
                f"regions replaced in hw_utils/, {self.notebook_cells} in notebooks/")


def shipped_paths(root: Path) -> list[str]:
    """The repository paths ``student/SHIPS`` lists (a trailing ``/``: a folder)."""
    manifest = root / STUDENT_DIR / MANIFEST
    lines = manifest.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ship(source: Path, relative: str, staging: Path, report: "BuildReport") -> None:
    """Copy one file into the release, solutions replaced by stubs."""
    target = staging / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix == ".py":
        text, count = strip_solutions(source.read_text(encoding="utf-8"), relative)
        target.write_text(text, encoding="utf-8")
        report.regions += count
    elif source.suffix == ".ipynb":
        notebook = nbformat.read(source, as_version=4)
        report.notebook_cells += strip_notebook(notebook, relative)
        nbformat.write(notebook, target)
    elif relative == "Makefile":
        target.write_text(student_makefile(source.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        _copy_file(source, target)
    report.files += 1


def build(out: Path, root: Path | None = None) -> BuildReport:
    """Write the student release of the reference at ``root`` into ``out`` (replaced)."""
    out, root = out.resolve(), (root or REPO_ROOT).resolve()
    if out == root or out in root.parents or any(
            out == root / name or root / name in out.parents for name in ("hw_utils", "hw_checks",
                                                                        "tests", "notebooks")):
        raise ReleaseError(f"refusing to build into {out}: it would overwrite the reference")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".release-", dir=out.parent))
    report = BuildReport(out)
    try:
        candidates = []
        for name in shipped_paths(root):
            source = root / name
            if not source.exists():
                raise ReleaseError(f"{STUDENT_DIR}/{MANIFEST} lists {name}, which does not exist")
            files = [source] if source.is_file() else sorted(source.rglob("*"))
            candidates += [path.relative_to(root).as_posix() for path in files
                           if path.is_file() and _shipped(path.relative_to(root))]
        ignored = ignored_by_git(root, candidates)
        for relative in candidates:
            if relative not in ignored:
                _ship(root / relative, relative, staging, report)
        _copy_file(root / STUDENT_DIR / "README.md", staging / "README.md")
        _copy_file(root / STUDENT_DIR / WORKFLOW[0], staging / WORKFLOW[1])
        report.files += 2
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return report


def solve(release: Path, solution: Path) -> None:
    """Fill the release built in ``release`` with a solution written apart from the reference:
    ``solution/hw_utils/*.py`` replace the templates, and ``solution/notebook_cells.py``'s
    ``CELLS[notebook][variables]`` replaces each notebook's stubbed cell that starts with
    ``# Define: <variables>`` (its comment lines kept). A stubbed cell without an answer fails
    with its notebook and first line."""
    import runpy

    for path in sorted((solution / "hw_utils").glob("*.py")):
        shutil.copy(path, release / "hw_utils" / path.name)
    answers = runpy.run_path(str(solution / "notebook_cells.py"))["CELLS"]
    for path in sorted((release / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type != "code" or SOLUTION_TAG not in _cell_tags(cell):
                continue
            header = list(takewhile(lambda line: line.startswith("#"), cell.source.split("\n")))
            match = DEFINE.match(header[0]) if header else None
            answer = answers.get(path.stem, {}).get(match.group(1)) if match else None
            if answer is None:
                raise ReleaseError(f"{solution}/notebook_cells.py has no answer for "
                                   f"{path.name}'s cell {header[:1]}")
            cell.source = "\n".join(
                [line for line in header if "NotImplementedError" not in line
                 and line not in BANNER and line != "# Your code here."] + [answer])
        nbformat.write(notebook, path)


# ------------------------------------------------------------------------------------ scan

# Lines too common to prove a leak: a bare keyword, closing brackets, `return x`, `x = y`,
# a call without arguments (`loss.backward()`, `optimizer.zero_grad()`), very short lines.
TRIVIAL = re.compile(r"^(return( \w+)?|pass|break|continue|else:|try:|finally:|[\]\)\}]+[,:]?"
                     r"|\w+ = \w+|yield \w+|raise|(\w+ = )?[\w.]+\(\)|with [\w.]+\(\):)$")
MIN_LEAK_LENGTH = 12
INSTRUCTOR_IMPORT = re.compile(r"^(from|import) (grader|instructor|maintainers|benchmarks)\b")


def _normalise(line: str) -> str:
    return " ".join(line.split())


def reference_solution_lines(root: Path | None = None) -> dict[str, str]:
    """Normalised solution line -> where it is in the reference, minus trivial ones and lines
    that also occur outside solution regions (those ship legitimately)."""
    root = root or REPO_ROOT
    solution: dict[str, str] = {}
    public: set[str] = set()
    for source in sorted([*(root / "hw_utils").rglob("*.py"), *(root / "sodata").rglob("*.py")]):
        relative = source.relative_to(root).as_posix()
        text = source.read_text(encoding="utf-8")
        inside = dict(solution_lines(text, relative))
        for number, line in enumerate(text.split("\n"), 1):
            if number in inside:
                solution.setdefault(_normalise(line), f"{relative}:{number}")
            else:
                public.add(_normalise(line))
    for source in sorted((root / "notebooks").glob("*.ipynb")):
        relative = source.relative_to(root).as_posix()
        notebook = nbformat.read(source, as_version=4)
        for where, line in notebook_solution_lines(notebook, relative):
            solution.setdefault(_normalise(line), where)
        for index, cell in enumerate(notebook.cells):
            if {SOLUTION_TAG, INSTRUCTOR_TAG} & set(_cell_tags(cell)):
                continue
            inside = set()
            if cell.cell_type == "code":
                inside = {n for n, _ in solution_lines(cell.source, f"{relative} cell {index + 1}",
                                                       in_function=False)}
            public.update(_normalise(line) for n, line in enumerate(cell.source.split("\n"), 1)
                          if n not in inside)
    return {line: where for line, where in solution.items()
            if line not in public and len(line) >= MIN_LEAK_LENGTH and not line.startswith("#")
            and not TRIVIAL.match(line)}


def _release_lines(release: Path):
    """(file:line, normalised text) of every text line of the release (notebook cells too)."""
    for path in sorted(release.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(release).as_posix()
        if path.suffix == ".ipynb":
            notebook = nbformat.read(path, as_version=4)
            for index, cell in enumerate(notebook.cells):
                texts = [cell.source] + [json.dumps(output) for output in cell.get("outputs", [])]
                for text in texts:
                    for number, line in enumerate(text.split("\n"), 1):
                        yield f"{relative} cell {index + 1} line {number}", _normalise(line)
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary: no source code
        for number, line in enumerate(text.split("\n"), 1):
            yield f"{relative}:{number}", _normalise(line)


def scan(release: Path, root: Path | None = None) -> list[str]:
    """Leaks: each line of ``release`` that is a (non-trivial) line of reference solution code."""
    secrets = reference_solution_lines(root)
    leaks = [f"{where}: {line!r} (solution code from {secrets[line]})"
             for where, line in _release_lines(release) if line in secrets]
    for forbidden in ("grader", "instructor", "maintainers", "benchmarks"):
        if (release / forbidden).exists():
            leaks.append(f"{forbidden}: instructor tooling in the release")
    leaks += [f"{path.relative_to(release)}: project test in the release"
              for path in release.glob("tests/test_*.py")]
    leaks += [f"{where}: imports instructor tooling, which the release does not have"
              for where, line in _release_lines(release) if INSTRUCTOR_IMPORT.match(line)]
    return leaks


# -------------------------------------------------------------------------------- validate


def release_imports(release: Path) -> list[str]:
    """Import every module of the release's ``hw_utils`` in a fresh interpreter; the failures."""
    script = (
        "import importlib, json, pkgutil, sys, traceback\n"
        "sys.path[:0] = [sys.argv[1]]\n"
        "import hw_utils\n"
        "failed = []\n"
        "for info in pkgutil.walk_packages(hw_utils.__path__, 'hw_utils.'):\n"
        "    if info.name.endswith('__main__'): continue\n"
        "    try: importlib.import_module(info.name)\n"
        "    except BaseException as e: failed.append(f'{info.name}: {type(e).__name__}: {e}')\n"
        "print(json.dumps(failed))\n")
    with tempfile.TemporaryDirectory() as work:
        done = subprocess.run([sys.executable, "-I", "-c", script, str(release.resolve())],
                              capture_output=True, text=True, cwd=work, timeout=300)
    if done.returncode != 0:
        return [f"importing hw_utils failed: {done.stderr.strip().splitlines()[-1:]}"]
    return json.loads(done.stdout.strip().splitlines()[-1])


def validate(dataset: str = "auto", reference: bool = True) -> int:
    """Both directions: the reference passes every graded check; the release imports and fails
    each graded check with ``NotImplementedError``. Returns the exit status (0: all good).

    Both are graded by one grader, on the same hidden data. ``reference=False`` checks the
    release direction only (the tests grade the reference apart). The bonus is left out: it is
    open, and neither the reference nor the release attempts it.
    """
    from grader.core import Grader, GraderConfig
    from grader.report import format_table

    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="release-validate-") as work:
        release = Path(work) / "student"
        print(build(release).summary())
        problems += [f"leak: {leak}" for leak in scan(release)]
        problems += [f"release does not import: {failure}" for failure in release_imports(release)]
        config = GraderConfig(dataset=dataset, out_dir=Path(work) / "grading")
        with Grader(config) as grading:
            if reference:
                print("\n== the reference (every graded check must pass)")
                report = grading.grade(REPO_ROOT, name="reference")
                print(format_table(report))
                problems += [f"reference: {r.name} is {r.status}: {r.reason}"
                             for r in report.results if r.part != "bonus"
                             and r.status not in ("pass", "n/a")]
            print("\n== the student release (every graded check must fail with "
                  "NotImplementedError)")
            student = grading.grade(release, name="student-release")
            print(format_table(student))
    for result in student.results:
        if result.part == "bonus" or result.status == "n/a":
            continue
        if result.status == "pass":
            problems.append(f"release passes {result.name} without student code")
        elif result.error_type != "NotImplementedError":
            problems.append(f"release fails {result.name} with {result.error_type or 'a wrong'}"
                            f" answer, not NotImplementedError: {result.reason}")
    print()
    if problems:
        print(f"validate: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    graded = sum(r.part != "bonus" and r.status != "n/a" for r in student.results)
    print(f"validate: OK ({graded} graded checks: {'the reference passes each, ' * reference}"
          f"the release fails each with NotImplementedError and imports)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maintainers.release", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build the student release")
    build_cmd.add_argument("--out", type=Path, default=REPO_ROOT / "dist" / "student")
    scan_cmd = commands.add_parser("scan", help="look for solution code in a built release")
    scan_cmd.add_argument("release", type=Path, nargs="?", default=REPO_ROOT / "dist" / "student")
    validate_cmd = commands.add_parser("validate", help="reference passes, release fails cleanly")
    validate_cmd.add_argument("--dataset", default="auto")
    args = parser.parse_args(argv)
    try:
        if args.command == "build":
            report = build(args.out)
            print(report.summary())
            leaks = scan(args.out)
            for leak in leaks:
                print(f"LEAK {leak}", file=sys.stderr)
            return 1 if leaks else 0
        if args.command == "scan":
            leaks = scan(args.release)
            for leak in leaks:
                print(f"LEAK {leak}")
            print(f"{len(leaks)} leak(s) in {args.release}")
            return 1 if leaks else 0
        return validate(args.dataset)
    except ReleaseError as error:
        print(f"release: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
