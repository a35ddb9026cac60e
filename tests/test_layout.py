"""The layout a newcomer reads: each top-level folder says whom it serves, and the import graph
(imports inside functions and modules named in strings included) has no circle."""
import ast
import re
from pathlib import Path

import pytest

from tests.import_graph import find_circle, import_graph

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("hw_utils", "hw_checks", "sodata", "grader", "instructor", "maintainers",
            "benchmarks", "student", "tests")
AUDIENCE = re.compile(r"\bfor (course )?(students|graders|instructors|maintainers|everyone)\b",
                      re.I)
def top_level_folders() -> list[Path]:
    ignored = {"data", "dist", "build", "runs"}
    return sorted(p for p in REPO.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))
                  and p.name not in ignored and not p.name.endswith(".egg-info"))


@pytest.mark.parametrize("folder", top_level_folders(), ids=lambda p: p.name)
def test_every_top_level_folder_says_whom_it_serves(folder):
    first = ""
    if (folder / "__init__.py").is_file():
        docstring = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
        first = (docstring or "").splitlines()[0] if docstring else ""
    elif (folder / "README.md").is_file():
        first = (folder / "README.md").read_text().splitlines()[0]
    assert AUDIENCE.search(first), f"{folder.name}/: its first line says no audience: {first!r}"


def graph() -> dict[str, set[str]]:
    return import_graph(REPO, [p for p in PACKAGES if (REPO / p).is_dir()])


def test_the_import_graph_has_no_circle():
    circle = find_circle(graph())
    assert circle is None, "import circle: " + " -> ".join(circle)


# Which packages may import which: the shipped ones never reach the instructor's or grader's.
ALLOWED = {
    "sodata": {"sodata"},
    "hw_utils": {"hw_utils", "sodata"},
    "hw_checks": {"hw_checks", "hw_utils", "sodata"},
    "student": set(),
    "instructor": {"instructor", "hw_utils", "sodata"},
    "grader": {"grader", "hw_checks", "hw_utils", "instructor", "sodata"},
}


def test_shipped_packages_never_reach_the_instructors_or_the_graders_code():
    for source, targets in graph().items():
        package = source.split(".")[0]
        if package not in ALLOWED:
            continue
        reached = {target.split(".")[0] for target in targets} - ALLOWED[package]
        assert not reached, f"{source} imports {sorted(reached)}"
