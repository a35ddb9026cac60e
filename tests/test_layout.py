"""The layout a newcomer reads: each top-level folder says whom it serves, and the import graph
(imports inside functions and modules named in strings included) has no circle."""
import ast
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("hw_utils", "hw_checks", "sodata", "grader", "instructor", "maintainers",
            "benchmarks", "student", "tests")
AUDIENCE = re.compile(r"\bfor (course )?(students|graders|instructors|maintainers|everyone)\b",
                      re.I)
# A module named in a string: "package.module:attribute" or import_module("package.module").
NAMED = re.compile(r"^((?:%s)(?:\.\w+)+|(?:%s)(?=:))(?::\w+)?$" % (("|".join(PACKAGES),) * 2))


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


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, module: str) -> set[str]:
    """The project modules ``path`` imports, anywhere in it, or names in a string."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1]
                                + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            match = NAMED.match(node.value)
            if match and "/" not in node.value:
                found.add(match.group(1))
    return {name for name in found if name.split(".")[0] in PACKAGES}


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES
            for path in (REPO / package).rglob("*.py") if "fixtures" not in path.parts}


def graph() -> dict[str, set[str]]:
    modules = project_modules()
    edges = {}
    for name, path in modules.items():
        targets = set()
        for target in imported(path, name):
            while target and target not in modules:  # "package.module.Class" -> the module
                target = target.rpartition(".")[0]
            if target and target != name:
                targets.add(target)
        edges[name] = targets
    return edges


def test_the_import_graph_has_no_circle():
    edges = graph()
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)


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
