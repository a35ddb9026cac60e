"""The project's import graph, for the layout tests: every import counts (at the top, inside
functions, relative, by ``importlib.import_module`` and by a ``"package.module:attribute"``
string such as the grader's registry)."""
import ast
from pathlib import Path


def module_names(root: Path, packages: list[str]) -> dict[str, Path]:
    """Every module of ``packages`` under ``root``: dotted name -> file."""
    names = {}
    for package in packages:
        for path in sorted((root / package.replace(".", "/")).rglob("*.py")):
            if "fixtures" in path.parts:
                continue
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
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                ":" in node.value and node.value.partition(":")[0] in known:
            found.add(node.value.partition(":")[0])  # "package.module:attribute"
    return found & known


def import_graph(root: Path, packages: list[str]) -> dict[str, set[str]]:
    modules = module_names(root, packages)
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
