"""The notebooks carry the course's assignment and keep this project's rules: what a student must
write is in cells tagged ``solution`` that say what they define, instructor-only code stays in
cells tagged ``instructor`` (the release leaves them out), the stored outputs come from the
default data and hold plots, no progress bars and no machine paths, conclusions are computed."""
import re
from pathlib import Path

import nbformat
import pytest

from maintainers import nbtools, release
from benchmarks import notebooks as notebook_benchmark

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
IDS = [path.stem for path in NOTEBOOKS]
MACHINE_PATH = re.compile(r"(?<![\w.~<>-])/(?:work|root|home|tmp|Users)/")

# What each notebook must teach (the course's text, COURSE.md): phrases that must appear.
LESSON = {
    "part1_pretrained_vectors": [r"\text{Hits@K} = \frac{1}{N}", "Hits@1 = 0", "Hits@4 = 1",
                                 "most_similar(positive=['woman', 'king'], negative=['man'])",
                                 "doesnt_match", "most_similar_to_given", "0.82", "0.85",
                                 "test_validation_corpus", "test_embedder", "test_scorer",
                                 "test_text_preprocessor"],
    "part2_trigram_oov": [r"\| f_\theta(w) - v_w \|^2", "`batch_size`", "`shuffle`",
                          "`collate_fn`", "`dataset`", "model.eval()", "torch.no_grad()", "0.89",
                          "test_trigram_tokenizer", "test_dataset", "test_dataloader",
                          "test_trigram_model"],
    "part3_dssm": [r"\alpha", r"\operatorname{softmax}\left(\frac{QD^T}{\alpha}\right)", "0.98",
                   "'eval'", "SummaryWriter", "runs/part3", "%load_ext tensorboard",
                   "%tensorboard --logdir runs/part3"],
    "part4_bonus": ["BONUS_ITEMS", "hw_utils/bonus.py", "runs/part4", "Early fusion"],
}


def read(path: Path):
    return nbformat.read(path, as_version=4)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def test_every_notebook_has_its_lesson_listed():
    assert sorted(LESSON) == IDS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_the_lesson_is_in_the_notebook(path):
    text = "\n".join(cell.source for cell in read(path).cells)
    missing = [phrase for phrase in LESSON[path.stem] if phrase not in text]
    assert not missing, f"{path.name} lacks {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_header_autoreload_and_data_set(path):
    cells = [cell for cell in read(path).cells  # the Colab cells (maintainers/colab.py) may come first
             if not {"colab-badge", "colab-setup"} & set(tags(cell))]
    assert cells[0].cell_type == "markdown" and "**Student:**" in cells[0].source
    sources = [cell.source for cell in cells if cell.cell_type == "code"]
    reload_at = next(i for i, source in enumerate(sources) if "%load_ext autoreload" in source)
    assert "%autoreload 2" in sources[reload_at]
    assert not any(re.search(r"^\s*(from|import) (hw_utils|tests|tools)\b", source, re.M)
                   for source in sources[:reload_at]), "autoreload must come before the imports"
    assert any("dataset.is_standin" in source and "NOT the real" in source for source in sources)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_solution_cells_say_what_they_define(path):
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type == "code" and "solution" in tags(cell):
            first = cell.source.split("\n")[0]
            assert release.DEFINE.match(first), (
                f"{path.name} cell {index + 1}: a solution cell starts with '# Define: <the "
                f"variables> (...)', saying what it must define, got {first!r}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_instructor_code_only_in_instructor_cells(path):
    for index, cell in enumerate(read(path).cells):
        if cell.cell_type == "code" and "instructor" not in tags(cell):
            assert not re.search(r"^\s*(from|import) (instructor|grader|maintainers|benchmarks)\b",
                                 cell.source, re.M), (
                f"{path.name} cell {index + 1} imports instructor-only code outside a cell "
                f"tagged instructor: the student release would fail there")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_outputs_come_from_the_default_data_without_progress_bars(path):
    notebook = read(path)
    assert notebook.metadata.get("so_duplicates", {}).get("dataset") == "sample", (
        f"{path.name}: run `make notebooks` (the sample stand-in, the default data)")
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-view+json" not in output.get("data", {}), (
                f"{path.name} cell {index + 1}: a stored widget (a progress bar renders as "
                f"stale text where widgets do not)")
            assert not re.search(r"\d+%\|", output.get("text", "")), (
                f"{path.name} cell {index + 1}: a stored progress bar")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_each_question_has_an_answer_cell(path):
    cells = read(path).cells
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown" and re.search(r"\*\*(Question|Questions)\.\*\*", cell.source):
            following = [c for c in cells[index + 1:] if c.cell_type == "markdown"]
            assert following and "solution" in tags(following[0]), (
                f"{path.name} cell {index + 1}: a question needs a markdown answer cell after it")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_conclusions_are_computed_not_typed(path):
    cells = read(path).cells
    start = next(i for i, cell in enumerate(cells)
                 if cell.cell_type == "markdown" and cell.source.startswith("## Conclusions"))
    end = next((i for i, cell in enumerate(cells) if i > start and cell.cell_type == "markdown"
                and cell.source.startswith("## ")), len(cells))
    section = cells[start:end]
    typed = [cell.source for cell in section if cell.cell_type == "markdown"
             and "solution" not in tags(cell) and re.search(r"\d\.\d|\d{2,}", cell.source)]
    assert not typed, f"{path.name}: numbers typed in the conclusions: {typed}"
    assert any(cell.cell_type == "code" and "print(" in cell.source for cell in section)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_stored_outputs_have_plots_and_no_machine_paths(path):
    notebook = read(path)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            texts.append(output.get("text", ""))
            texts.extend(output.get("traceback", []))
            texts.extend(value for mime, value in output.get("data", {}).items()
                         if mime.startswith("text/"))
    leaked = [text[:200] for text in texts if MACHINE_PATH.search(text)]
    assert not leaked, f"{path.name}: machine paths in stored outputs: {leaked}"
    errors = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if output.get("output_type") == "error"]
    assert not errors, f"{path.name}: stored error outputs"
    images = [output for cell in notebook.cells for output in cell.get("outputs", [])
              if "image/png" in output.get("data", {})]
    assert images, f"{path.name}: no plot among the stored outputs"


def test_scrub_paths_hides_the_machine():
    text = f"{REPO}/data/x and /home/ci/y and /tmp/abc/z.pt"
    scrubbed = nbtools.scrub_paths(text)
    assert not MACHINE_PATH.search(scrubbed) and str(REPO) not in scrubbed
    assert scrubbed.startswith("<repo>/data/x")


def test_benchmark_finds_long_cells_without_warning():
    cells = [nbformat.v4.new_markdown_cell("The training (a few minutes):"),
             nbformat.v4.new_code_cell("train()"),
             nbformat.v4.new_markdown_cell("Scores:"),
             nbformat.v4.new_code_cell("score()")]
    assert notebook_benchmark.warned(cells, 1)
    assert not notebook_benchmark.warned(cells, 3)
