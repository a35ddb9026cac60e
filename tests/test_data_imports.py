"""sodata has no import circle, counting every import: at the top, inside functions, and by
string (``importlib.import_module``); the stand-in generator needs nothing of the real data's
download machinery."""
import ast
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the generator may use outside sodata/standin/: the file hash and the shipped stopwords.
GENERATOR_NEEDS = {"sodata.hashing", "sodata.stopwords", "sodata.paths"}


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``root``: dotted name -> file."""
    names = {}
    for path in sorted((root / package.replace(".", "/")).rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def imported(path: Path, module: str, known: set[str]) -> set[str]:
    """The modules of ``known`` that ``module`` (the file ``path``) imports, anywhere in it."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module",
                                             "__import__")):
            found.add(node.args[0].value)
    return found & known


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = module_names(root, package)
    return {name: imported(path, name, set(modules)) - {name} for name, path in modules.items()}


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a list of modules (the first again at the end), or None."""
    state: dict[str, str] = {}

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = "open"
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*trail[trail.index(target):], target]
            if target not in state and (circle := visit(target, [*trail, target])):
                return circle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (circle := visit(start, [start])):
            return circle
    return None


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph[todo.pop()] - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_sodata_has_no_import_circle():
    circle = find_circle(import_graph(REPO_ROOT, "sodata"))
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_the_generator_depends_on_hashing_not_on_the_downloader():
    graph = import_graph(REPO_ROOT, "sodata")
    outside = {name for standin in graph if standin.startswith("sodata.standin")
               for name in reachable(graph, standin) if not name.startswith("sodata.standin")}
    assert outside <= GENERATOR_NEEDS, outside - GENERATOR_NEEDS
    assert "sodata.hashing" in outside


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def test_a_circle_hidden_inside_a_function_is_found(tmp_path):
    root = _package(tmp_path, {
        "pkg/__init__.py": "from pkg.a import f\n",
        "pkg/a.py": "from pkg.b import g\ndef f():\n    return g()\n",
        "pkg/b.py": "def g():\n    from pkg import a\n    return a\n",
        "pkg/c.py": "import pkg.a\n"})
    assert find_circle(import_graph(root, "pkg")) == ["pkg.a", "pkg.b", "pkg.a"]


def test_relative_and_string_imports_count(tmp_path):
    root = _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from .x import y\n",
        "pkg/sub/x.py": "y = 1\ndef later():\n    from .. import top\n",
        "pkg/top.py": "import importlib\nimportlib.import_module('pkg.sub')\n"})
    graph = import_graph(root, "pkg")
    assert graph["pkg.sub"] == {"pkg.sub.x"} and graph["pkg.sub.x"] == {"pkg.top"}
    assert find_circle(graph) == ["pkg.sub", "pkg.sub.x", "pkg.top", "pkg.sub"]
