"""sodata has no import circle, counting every import: at the top, inside functions, and by
string (``importlib.import_module``); the stand-in generator needs nothing of the real data's
download machinery."""
import textwrap
from pathlib import Path

from tests.import_graph import find_circle, import_graph, reachable

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the generator may use outside sodata/standin/: the file hash, the shipped stopwords, the
# data folder's paths and the lock that says when it waits.
GENERATOR_NEEDS = {"sodata.hashing", "sodata.stopwords", "sodata.paths", "sodata.locks"}


def test_sodata_has_no_import_circle():
    circle = find_circle(import_graph(REPO_ROOT, ["sodata"]))
    assert circle is None, "import circle: " + " -> ".join(circle)


def test_the_generator_depends_on_hashing_not_on_the_downloader():
    graph = import_graph(REPO_ROOT, ["sodata"])
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
    assert find_circle(import_graph(root, ["pkg"])) == ["pkg.a", "pkg.b", "pkg.a"]


def test_relative_and_string_imports_count(tmp_path):
    root = _package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/sub/__init__.py": "from .x import y\n",
        "pkg/sub/x.py": "y = 1\ndef later():\n    from .. import top\n",
        "pkg/top.py": "import importlib\nimportlib.import_module('pkg.sub')\n"})
    graph = import_graph(root, ["pkg"])
    assert graph["pkg.sub"] == {"pkg.sub.x"} and graph["pkg.sub.x"] == {"pkg.top"}
    assert find_circle(graph) == ["pkg.sub", "pkg.sub.x", "pkg.top", "pkg.sub"]
