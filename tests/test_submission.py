"""``make submission`` (student/submission.py): what goes into the zip and what it warns about."""
import json
import zipfile

import nbformat

from student import submission


def homework(root, bonus: bool = False, run: bool = False):
    """A student's folder: hw_utils with one stub left, the four notebooks, run or not."""
    (root / "hw_utils").mkdir(parents=True)
    (root / "hw_utils" / "__init__.py").write_text("")
    (root / "hw_utils" / "text.py").write_text('def f():\n    raise NotImplementedError("Part 1")\n')
    if bonus:
        (root / "hw_utils" / "bonus.py").write_text("BONUS_ITEMS = {}\n")
    (root / "notebooks").mkdir()
    for name in ("part1_pretrained_vectors", "part4_bonus"):
        cell = nbformat.v4.new_code_cell("x = 1", execution_count=1 if run else None)
        nbformat.write(nbformat.v4.new_notebook(cells=[cell]), root / "notebooks" / f"{name}.ipynb")
    return root


def test_no_bonus_attempted_no_word_about_the_bonus_notebook(tmp_path):
    root = homework(tmp_path / "hw")
    files, notes = submission.build(root, tmp_path / "submission.zip")
    assert any("hw_utils/text.py: 1 place(s) still raise NotImplementedError" in n for n in notes)
    assert any("part1_pretrained_vectors.ipynb: 1 of 1 code cells were not run" in n for n in notes)
    assert not [note for note in notes if "part4_bonus" in note], notes
    with zipfile.ZipFile(tmp_path / "submission.zip") as archive:
        assert "notebooks/part4_bonus.ipynb" in archive.namelist()
        assert json.loads(archive.read("MANIFEST.json"))["warnings"] == notes


def test_an_attempted_bonus_needs_its_notebook_run(tmp_path):
    root = homework(tmp_path / "hw", bonus=True)
    _, notes = submission.build(root, tmp_path / "submission.zip")
    assert any("part4_bonus.ipynb: 1 of 1 code cells were not run" in note for note in notes)
    root = homework(tmp_path / "done", bonus=True, run=True)
    _, notes = submission.build(root, tmp_path / "done.zip")
    assert notes == ["hw_utils/text.py: 1 place(s) still raise NotImplementedError"]
