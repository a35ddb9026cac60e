"""The student release (maintainers/release.py): markers, stubs, notebooks, the scan, validate."""
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from maintainers import release
from maintainers.release import ReleaseError

REPO = Path(__file__).resolve().parents[1]

GOOD = '''\
"""A module."""
import math


class Embedder:
    """Doc."""

    def __init__(self, dim: int):
        super().__init__()
        # BEGIN SOLUTION
        self.dim = dim
        self.scale = math.sqrt(dim)
        # END SOLUTION

    def __call__(self, text: str) -> list[float]:
        """Doc."""
        if not text:
            return []
        # BEGIN SOLUTION
        words = text.split()
        return [len(word) / self.scale for word in words]
        # END SOLUTION


def helper(x: int) -> int:
    # BEGIN SOLUTION
    def inner(y):
        return y * 2
    return inner(x) + 1
    # END SOLUTION
'''


def strip(source: str, relpath: str = "hw_utils/embedding.py") -> str:
    return release.strip_solutions(textwrap.dedent(source), relpath)[0]


def test_regions_become_the_banner_and_a_raise_naming_part_owner_and_file():
    stripped, count = release.strip_solutions(GOOD, "hw_utils/embedding.py")
    assert count == 3
    assert "self.scale = math.sqrt(dim)" not in stripped and "inner(x)" not in stripped
    assert stripped.count("### ╰( ͡° ͜ʖ ͡° )つ──☆*:・ﾟ") == 3
    assert ('        raise NotImplementedError("Part 1: fill in Embedder.__call__ in '
            'hw_utils/embedding.py")') in stripped
    assert '    raise NotImplementedError("Part 1: fill in helper in hw_utils/embedding.py")' \
        in stripped
    assert "super().__init__()" in stripped and "if not text:" in stripped
    namespace: dict = {}
    exec(compile(stripped, "embedding.py", "exec"), namespace)  # still imports
    with pytest.raises(NotImplementedError, match="Embedder.__init__ in hw_utils/embedding.py"):
        namespace["Embedder"](3)


def test_part_table_splits_text_py_by_class():
    assert release.part_of("hw_utils/text.py", "TextPreprocessor.__call__") == "Part 1"
    assert release.part_of("hw_utils/text.py", "TextTokenizer.__call__") == "Part 3"
    assert release.part_of("hw_utils/trigram.py", "TrigramModel.forward") == "Part 2"
    assert release.part_of("notebooks/part4_bonus.ipynb") == "Part 4 (bonus)"


@pytest.mark.parametrize("source, line, message", [
    ("def f():\n    x = 1\n    # END SOLUTION\n", 3, "without a '# BEGIN SOLUTION'"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n"
     "    # END SOLUTION\n", 3, "cannot nest"),
    ("def f():\n    # BEGIN SOLUTION\n    return 1\n", 2, "never closed"),
    ('def f():\n    s = """\n    # BEGIN SOLUTION\n    """\n    return s\n', 2, "inside a string"),
    ("def f():\n    return '# END SOLUTION'\n", 2, "inside a string"),
    ("def f():\n    # Begin Solution\n    return 1\n    # END SOLUTION\n", 2, "malformed"),
    ("def f():\n    x = 1  # BEGIN SOLUTION\n    # END SOLUTION\n", 2, "same line"),
    ("# BEGIN SOLUTION\nimport os\n# END SOLUTION\n", 1, "outside a function"),
    ("def f():\n    x = (1 +\n    # BEGIN SOLUTION\n         2)\n    # END SOLUTION\n", 3,
     "open bracket"),
    ("def f():\n    x = 1\n    # BEGIN SOLUTION\n    y = (x +\n    # END SOLUTION\n         2)\n",
     5, "open bracket"),
    ("def f():\n    if True:\n        # BEGIN SOLUTION\n        x = 1\n    # END SOLUTION\n", 5,
     "indented differently"),
])
def test_malformed_markers_fail_with_file_and_line(source, line, message):
    with pytest.raises(ReleaseError, match=message) as error:
        release.strip_solutions(source, "hw_utils/bad.py")
    assert str(error.value).startswith(f"hw_utils/bad.py:{line}:"), error.value


def test_region_cutting_a_statement_is_rejected():
    source = ("def f():\n    for i in range(3):\n        # BEGIN SOLUTION\n        x = i\n"
              "        # END SOLUTION\n        y = i\n    return 1\n")
    assert release.strip_solutions(source, "hw_utils/ok.py")[1] == 1
    cutting = ("def f():\n    # BEGIN SOLUTION\n    for i in range(3):\n        x = i\n"
               "    # END SOLUTION\n        y = i\n")
    with pytest.raises(ReleaseError):
        release.strip_solutions(cutting, "hw_utils/bad.py")


def make_notebook() -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    solution = nbformat.v4.new_code_cell(
        "# Define: secret_answer (a number)\nsecret_answer = compute_the_answer(42)\n"
        "print(secret_answer)", execution_count=3)
    solution.metadata["tags"] = ["solution"]
    solution.outputs = [nbformat.v4.new_output("stream", text="0.8123\n")]
    mixed = nbformat.v4.new_code_cell(
        "%load_ext autoreload\nmodel = build()\n# BEGIN SOLUTION\nmodel.fit(train_the_model_well)\n"
        "# END SOLUTION\nprint(model)", execution_count=4)
    heading = nbformat.v4.new_markdown_cell("## The reference's own models (instructor's notebook)",
                                            metadata={"tags": ["instructor"]})
    reference = nbformat.v4.new_code_cell("from instructor import compare\ncompare_everything(all_the_models)",
                                          metadata={"tags": ["instructor"]})
    notebook.cells = [nbformat.v4.new_markdown_cell("# Part 1"), solution, mixed, heading,
                      reference, nbformat.v4.new_markdown_cell("## Conclusions")]
    notebook.metadata["so_duplicates"] = {"source_sha256": "x"}
    return notebook


def test_notebooks_lose_outputs_solution_cells_regions_and_instructor_cells():
    notebook = make_notebook()
    assert release.strip_notebook(notebook, "notebooks/part1_x.ipynb") == 4
    assert [cell.source for cell in notebook.cells][-1] == "## Conclusions"
    assert len(notebook.cells) == 4 and "compare_everything" not in json.dumps(notebook)
    solution, mixed = notebook.cells[1], notebook.cells[2]
    assert "compute_the_answer" not in solution.source
    assert 'raise NotImplementedError("Part 1: fill in this cell of notebooks/part1_x.ipynb")' \
        in solution.source
    assert "train_the_model_well" not in mixed.source and "%load_ext autoreload" in mixed.source
    assert "print(model)" in mixed.source and "NotImplementedError" in mixed.source
    assert all(cell.get("outputs") in (None, []) for cell in notebook.cells)
    assert all(cell.get("execution_count") is None for cell in notebook.cells[1:])
    assert "so_duplicates" not in notebook.metadata


def fake_reference(root: Path) -> Path:
    """A small reference repository: one module, one notebook, the shipped extras."""
    (root / "hw_utils").mkdir(parents=True)
    (root / "hw_utils" / "__init__.py").write_text('"""pkg"""\n')
    (root / "hw_utils" / "embedding.py").write_text(GOOD)
    (root / "notebooks").mkdir()
    nbformat.write(make_notebook(), root / "notebooks" / "part1_x.ipynb")
    (root / "hw_checks").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "tests" / "__init__.py").write_text("")
    (root / "hw_checks" / "__init__.py").write_text("")
    (root / "tests" / "test_secret_suite.py").write_text("def test(): pass\n")
    (root / "grader").mkdir()
    (root / "grader" / "core.py").write_text("# instructor only\n")
    (root / "student").mkdir()
    (root / "student" / "SHIPS").write_text("# what ships\nhw_utils/\nnotebooks/\ntests/__init__.py\n"
                                            "hw_checks/\ntest_gt.json\nMakefile\n")
    (root / "student" / "README.md").write_text("# For students\n")
    (root / "student" / "classroom.yml").write_text("name: Self-checks\n")
    (root / "test_gt.json").write_text(json.dumps({"embedder": [0.1]}))
    (root / "Makefile").write_text("PY := python\n\n.PHONY: help check lab\n\nhelp:  ## h\n\techo\n\n"
                                   "check:  ## grade\n\t$(PY) -m grader\n\nlab:  ## lab\n"
                                   "\tjupyter lab\n")
    return root


def test_build_and_scan_on_a_small_reference(tmp_path):
    root = fake_reference(tmp_path / "ref")
    out = tmp_path / "student"
    report = release.build(out, root)
    assert report.regions == 3 and report.notebook_cells == 4
    assert not (out / "tests" / "test_secret_suite.py").exists()
    assert not (out / "grader").exists()
    makefile = (out / "Makefile").read_text()
    assert "lab:" in makefile and "check:" not in makefile and "grader" not in makefile
    assert release.scan(out, root) == []
    # A leak: one line of solution code pasted into the release is found, with both places.
    leaked = out / "hw_utils" / "extra.py"
    leaked.write_text("def g(words):\n    return [len(word) / self.scale for word in words]\n")
    (out / "notes.md").write_text("model.fit(train_the_model_well)\n")
    leaks = release.scan(out, root)
    assert any("hw_utils/extra.py:2" in leak and "hw_utils/embedding.py:21" in leak
               for leak in leaks), leaks
    assert any("notes.md:1" in leak and "part1_x.ipynb cell 3" in leak for leak in leaks), leaks
    (out / "more_notes.md").write_text("compare_everything(all_the_models)\n")  # an instructor cell's line
    assert any("more_notes.md:1" in leak and "part1_x.ipynb cell 5" in leak
               for leak in release.scan(out, root))
    (out / "hw_utils" / "uses_tools.py").write_text("from grader import points\n")
    assert any("uses_tools.py:1: imports instructor tooling" in leak
               for leak in release.scan(out, root))


def test_solve_puts_a_solution_in_place_of_the_stubs(tmp_path):
    root = fake_reference(tmp_path / "ref")
    out = release.build(tmp_path / "student", root).out
    solution = tmp_path / "solution"
    (solution / "hw_utils").mkdir(parents=True)
    (solution / "hw_utils" / "embedding.py").write_text("class Embedder:\n    pass\n")
    (solution / "notebook_cells.py").write_text(
        'CELLS = {"part1_x": {"secret_answer": "secret_answer = 6 * 7"}}\n')
    release.solve(out, solution)
    assert (out / "hw_utils" / "embedding.py").read_text() == "class Embedder:\n    pass\n"
    cell = nbformat.read(out / "notebooks" / "part1_x.ipynb", as_version=4).cells[1]
    assert cell.source == "# Define: secret_answer (a number)\nsecret_answer = 6 * 7"
    (solution / "notebook_cells.py").write_text("CELLS = {}\n")
    out = release.build(tmp_path / "student", root).out
    with pytest.raises(ReleaseError, match="no answer for part1_x.ipynb's cell"):
        release.solve(out, solution)


def test_nothing_shipped_computes_a_templates_answer(real_release):
    """The vectorised Embedder and Scorer, the grader's reference trigrams, offsets and NT-Xent
    stay on the grader's side: a student cannot hand a stage to given code."""
    shipped = "\n".join(path.read_text(encoding="utf-8") for path in real_release.rglob("*.py"))
    for name in ("def embed_texts", "def hard_negative_counts", "class FastScorer",
                 "def hits_at_k", "def trigrams_of", "def token_map", "def start_offsets",
                 "def nt_xent", "def trigram_ids", "def loss_answers"):
        assert name not in shipped, name
    assert not (real_release / "instructor").exists() and not (real_release / "grader").exists()


def test_build_leaves_out_what_git_ignores(tmp_path):
    """TensorBoard logs written by running a notebook are not the students' to receive."""
    root = fake_reference(tmp_path / "ref")
    (root / ".gitignore").write_text("runs/\n")
    (root / "notebooks" / "runs" / "part1").mkdir(parents=True)
    (root / "notebooks" / "runs" / "part1" / "events.out.tfevents.1").write_bytes(b"log")
    out = release.build(tmp_path / "plain", root).out  # not a git checkout: shipped as it is
    assert (out / "notebooks" / "runs" / "part1" / "events.out.tfevents.1").is_file()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    out = release.build(tmp_path / "student", root).out
    assert not (out / "notebooks" / "runs").exists()
    assert (out / "notebooks" / "part1_x.ipynb").is_file()


def test_build_refuses_to_overwrite_the_reference(tmp_path):
    root = fake_reference(tmp_path / "ref")
    with pytest.raises(ReleaseError):
        release.build(root / "hw_utils", root)
    with pytest.raises(ReleaseError):
        release.build(root, root)


@pytest.fixture(scope="module")
def real_release(tmp_path_factory):
    out = tmp_path_factory.mktemp("release") / "student"
    release.build(out)
    return out


def test_real_release_has_what_students_need_and_nothing_else(real_release):
    out = real_release
    for needed in ("hw_utils/__init__.py", "tests/__init__.py", "hw_checks/base.py",
                   "test_gt.json", "README.md", "Makefile", "pyproject.toml", "environment.yml",
                   "student/submission.py"):
        assert (out / needed).is_file(), needed
    assert sorted(p.name for p in (out / "student").iterdir()) == ["submission.py"]
    assert (out / ".github" / "workflows" / "classroom.yml").is_file()
    for instructor_only in ("grader", "instructor", "maintainers", "benchmarks"):
        assert not (out / instructor_only).exists(), instructor_only
    assert not list(out.glob("tests/test_*.py"))
    assert not list(out.rglob("__pycache__"))
    makefile = (out / "Makefile").read_text()
    for target in ("setup:", "lab:", "submission:"):
        assert target in makefile
    for target in ("check:", "student:", "validate:", "gt:", "bench:"):
        assert f"\n{target}" not in makefile
    for path in out.glob("notebooks/*.ipynb"):
        notebook = nbformat.read(path, as_version=4)
        assert all(not cell.get("outputs") for cell in notebook.cells), path


def test_real_release_has_no_line_of_solution_code(real_release):
    assert release.scan(real_release) == []


# The course's templates (../shared/COURSE.md): the release stubs exactly these.
COURSE_TEMPLATES = {
    "hw_utils/embedding.py": ["Embedder.__init__", "Embedder.__call__"],
    "hw_utils/scoring.py": ["Scorer.__init__", "Scorer._get_hard_negatives", "Scorer.__call__"],
    "hw_utils/text.py": ["TextPreprocessor.__init__", "TextPreprocessor.__call__",
                         "TextTokenizer.__init__", "TextTokenizer.vocab_size",
                         "TextTokenizer.__call__"],
    "hw_utils/trigram.py": [
        "TrigramTokenizer.__init__", "TrigramTokenizer.vocab_size",
        "TrigramTokenizer._get_trigrams", "TrigramTokenizer.__call__",
        "TrainTrigramDataset.__init__", "TrainTrigramDataset.__len__",
        "TrainTrigramDataset.__getitem__", "collate_fn", "TrigramModel.__init__",
        "TrigramModel.embedding_dim", "TrigramModel.num_embeddings", "TrigramModel.forward",
        "Trainer.__init__", "Trainer._train_step", "Trainer.train",
        "InferenceTrigramDataset.__init__", "InferenceTrigramDataset.__len__",
        "InferenceTrigramDataset.__getitem__", "inference_collate_fn"],
    "hw_utils/dssm.py": [
        "QuestionDuplicatesDataset.__init__", "QuestionDuplicatesDataset.__len__",
        "QuestionDuplicatesDataset.__getitem__", "get_ids_and_offsets", "collate_fn",
        "DssmLikeModel.__init__", "DssmLikeModel.forward", "NTExentLoss.__init__",
        "NTExentLoss._normalize", "NTExentLoss.forward", "Trainer.__init__",
        "Trainer._calculate_loss", "Trainer._train_step", "Trainer._eval_step", "Trainer.train"],
}


def test_release_stubs_exactly_the_course_templates(real_release):
    stubs = {}
    for path in sorted((real_release / "hw_utils").rglob("*.py")):
        relative = path.relative_to(real_release).as_posix()
        for found in re.finditer(r'NotImplementedError\("Part \d: fill in (\S+) in (\S+)"\)',
                                 path.read_text()):
            assert found.group(2) == relative
            stubs.setdefault(relative, []).append(found.group(1))
    assert stubs == COURSE_TEMPLATES


def test_real_release_imports_and_every_stub_names_its_part(real_release):
    assert release.release_imports(real_release) == []
    for path in (real_release / "hw_utils").rglob("*.py"):
        for line in path.read_text().splitlines():
            if "raise NotImplementedError(" in line and "fill in" in line:
                assert '("Part ' in line, f"{path}: {line.strip()}"


def test_cli_build_exits_cleanly_and_reports_malformed_markers(tmp_path):
    root = fake_reference(tmp_path / "ref")
    (root / "hw_utils" / "broken.py").write_text("def f():\n    # END SOLUTION\n")
    script = ("import sys; from pathlib import Path; from maintainers import release; "
              "release.REPO_ROOT = Path(sys.argv[1]); "
              "sys.exit(release.main(['build', '--out', sys.argv[2]]))")
    done = subprocess.run([sys.executable, "-c", script, str(root), str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 2
    assert "hw_utils/broken.py:2" in done.stderr


@pytest.mark.slow
def test_validate_release_fails_each_graded_check_with_not_implemented(capsys):
    """``make validate``'s release direction with the real graded checks on the tiny stand-in
    (the reference direction is tests/test_grader.py::test_reference_gets_full_marks...)."""
    status = release.validate("tiny", reference=False)
    output = capsys.readouterr().out
    assert status == 0, output[-4000:]


def test_real_release_notebooks_have_no_instructor_cell(real_release):
    for path in sorted((real_release / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        assert not [cell for cell in notebook.cells if "instructor" in cell.metadata.get("tags", [])
                    or "instructor.bonus" in cell.source or "Instructor only" in cell.source]


@pytest.mark.slow
def test_release_notebooks_run_to_their_first_stub(real_release, monkeypatch):
    """A student's first Run All stops at the first place to fill in, saying what to write;
    the bonus notebook, with no stub of the student's, runs to the end."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    monkeypatch.setenv("PYTHONPATH", str(real_release))  # the release's hw_utils, not ours
    monkeypatch.setenv("HW_DATASET", "tiny")
    for path in sorted((real_release / "notebooks").glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(notebook, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        if path.stem == "part4_bonus":
            client.execute()
            errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
                      if output.get("output_type") == "error"]
            assert not errors, errors
            continue
        with pytest.raises(CellExecutionError) as stopped:
            client.execute()
        assert stopped.value.ename == "NotImplementedError", (path.name, str(stopped.value))
        assert "fill in" in stopped.value.evalue and "Part " in stopped.value.evalue, path.name
