"""Writes notebooks/part4_bonus.ipynb (outputs empty; `make notebooks` fills them on tiny)."""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

CHECK = {"tags": ["nbval-check-output"]}


def md(text: str):
    return new_markdown_cell(text.strip())


def code(text: str, check: bool = False):
    return new_code_cell(text.strip(), metadata=CHECK if check else {})


CELLS = [
    md("""
# Part 4 (bonus): five extensions, two classical baselines, one comparison

Up to 3 bonus points. Each item extends a method of Parts 2 and 3 and is measured against it;
every method is then put side by side with TF-IDF and BM25, the baselines a practitioner tries first.

| item | what | code (`hw_utils/bonus/`) | compared with |
|---|---|---|---|
| 1 | the trigram model trained on **cosine** similarity instead of MSE | `trigram_cosine.py` | Part 2 |
| 2 | a **char-biLSTM** in place of the bag of trigram vectors (MSE) | `char_lstm.py` | Part 2 |
| 3 | a **fuller DSSM**: word unigrams + word bigrams + character trigrams | `full_dssm.py` | Part 3 |
| 4 | Part 3 with an **MLP head** (LayerNorm, dropout) and with a **biLSTM** over the words | `dssm_variants.py` | Part 3 |
| 5 | **early fusion**: an MLP scores a question pair; it re-ranks Part 3's top candidates | `early_fusion.py` | Part 3 |

Fill in the code between the solution markers of the modules above, and the recipe that trains each
item you attempt (`run_trigram_cosine`, `run_char_lstm`, ... in `hw_utils/bonus/comparison.py`);
skip the cells of the items you do not attempt. The cells below check each piece (`TaskTests`),
then train and score every method with the same ranking rule as Part 1. The table at the end has Hits@1, 5, 10, 100, 500, DCG@10, MRR and the
training time of every method.

**Data.** By default the notebook runs on the data `get_dataset()` picks: the real data when
downloaded, else a generated *stand-in*. Numbers on a stand-in are **not** the real data's.
"""),
    code("""
%load_ext autoreload
%autoreload 2
"""),
    code("""
import matplotlib.pyplot as plt

from hw_utils import set_seed
from hw_utils.data import get_dataset
from hw_utils.bonus.comparison import (Comparison, Settings, comparison_notes, plot_hits,
                                       results_table)
from tests import TaskTests

dataset = get_dataset()
print(dataset.describe())
set_seed(0)
# The full settings take a few minutes per model on the sample stand-in (2 CPU cores);
# the tiny stand-in (CI) uses the quick ones.
settings = Settings.quick() if dataset.name == "tiny" else Settings()
tests = TaskTests.from_json("../test_gt.json")
comparison = Comparison(dataset, settings, workdir="runs/part4")
"""),
    md("""
## Parts 1-3, the methods the bonus extends

The same recipes as the notebooks of Parts 1-3 (with the settings above): mean of pretrained vectors
on raw and on preprocessed text, Part 2's trigram model filling in unknown words, Part 3's DSSM.
"""),
    code("""
for name in ["Part 1: word2vec, raw text", "Part 1: word2vec, preprocessed"]:
    result = comparison.run(name)
    print(name, {key: round(value, 4) for key, value in result.metrics.items()})
""", check=True),
    code("""
for name in ["Part 2: + trigram OOV (MSE)", "Part 3: DSSM, NT-Xent"]:
    result = comparison.run(name)
    print(name, {key: round(value, 3) for key, value in result.metrics.items()})
"""),
    md("""
## Bonus 1: the trigram model trained on cosine similarity

Ranking compares directions (cosine), while MSE also fits each word vector's length.
`CosineLoss` is `mean(1 - cos(prediction, target))`; Part 2's model, data and `Trainer` stay.
A cosine-trained model's outputs have no meaningful length, yet a question embedding is the *mean*
of its word vectors, where length is weight: `rescale` gives predicted vectors the known vectors'
mean length.
"""),
    code("""
from hw_utils.bonus.trigram_cosine import CosineLoss

tests.test_cosine_loss(CosineLoss)
print("CosineLoss: ok")
""", check=True),
    code("""
result = comparison.run("Bonus 1: trigram OOV (cosine)")
print({key: round(value, 3) for key, value in result.metrics.items()})
"""),
    md("""
## Bonus 2: a character biLSTM instead of the bag of trigrams

The bag of trigrams ignores their order. `CharBiLSTM` reads the characters of `#word#` in order;
the words of a batch are padded and **packed** (`pack_padded_sequence`), so the LSTM never reads
padding and the whole batch runs at once. Same loss (MSE) and `Trainer` as Part 2.
"""),
    code("""
from hw_utils.bonus.char_lstm import CharBiLSTM, CharTokenizer, char_collate_fn

tests.test_char_lstm(CharTokenizer, CharBiLSTM, char_collate_fn)
print("CharBiLSTM: ok")
""", check=True),
    code("""
result = comparison.run("Bonus 2: char-biLSTM OOV (MSE)")
print({key: round(value, 3) for key, value in result.metrics.items()})
"""),
    md("""
## Bonus 3: a fuller DSSM

A question becomes the bag of its words (`w:`), adjacent word pairs (`b:`, a little word order) and
the character trigrams of its words (`t:`, shared by rare and misspelt forms). Features are indexed
by a vocabulary of those seen at least twice in training (no hashing collisions); the featurizer
takes the tokenizer's place, so Part 3's dataset, model, NT-Xent loss and `Trainer` are reused.
"""),
    code("""
from hw_utils.bonus.full_dssm import NgramFeaturizer

tests.test_ngram_featurizer(NgramFeaturizer)
print("NgramFeaturizer: ok")
""", check=True),
    code("""
result = comparison.run("Bonus 3: DSSM uni+bi+trigrams")
print({key: round(value, 3) for key, value in result.metrics.items()})
"""),
    md("""
## Bonus 4: Part 3's model, modified

`MlpHeadDssm`: the bag of words plus LayerNorm -> Linear -> GELU -> Dropout -> Linear.
`BiLstmDssm`: the bag of words plus a biLSTM over the words in order (packed), mean-pooled and
projected. Both are residual on the bag and warm-started from Part 3's NT-Xent word vectors with the
correction at zero, so they begin exactly where Part 3 ends; their training time includes Part 3's.
"""),
    code("""
from hw_utils.bonus.dssm_variants import BiLstmDssm, MlpHeadDssm

tests.test_dssm_variants(MlpHeadDssm, BiLstmDssm)
print("MlpHeadDssm, BiLstmDssm: ok")
""", check=True),
    code("""
for name in ["Bonus 4a: DSSM + MLP head", "Bonus 4b: DSSM biLSTM"]:
    result = comparison.run(name)
    print(name, {key: round(value, 3) for key, value in result.metrics.items()})
"""),
    md("""
## Bonus 5: early fusion, re-ranking Part 3's top candidates

The pair `(u, v)` of question vectors goes through an MLP over `[p(u), p(v), p(u) * p(v), |p(u) - p(v)|]`
(`p`: a projection computed once per question) and the score is `cos(u, v) / T + MLP(...)`.
The word vectors start from Part 3's and the MLP's last layer from zero, so before training it ranks
like Part 3. Trained with in-batch negatives (`InBatchPairLoss`, NT-Xent with pair scores); at test
time it re-orders Part 3's top candidates of each validation question (`FusionReranker`).
"""),
    code("""
from hw_utils.bonus.early_fusion import EarlyFusionModel, InBatchPairLoss

tests.test_early_fusion(EarlyFusionModel, InBatchPairLoss)
print("EarlyFusionModel: ok")
""", check=True),
    code("""
result = comparison.run("Bonus 5: early fusion re-rank")
print({key: round(value, 3) for key, value in result.metrics.items()})
"""),
    md("""
## Baselines: TF-IDF and BM25

Not graded; for honesty. Both use the same preprocessed text and Part 1's ranking rule, with
document frequencies from the training questions.
"""),
    code("""
for name in ["Baseline: TF-IDF cosine", "Baseline: BM25"]:
    result = comparison.run(name)
    print(name, {key: round(value, 4) for key, value in result.metrics.items()})
""", check=True),
    md("""
## Every method side by side
"""),
    code("""
results = list(comparison.results.values())
print(dataset.describe())
print(results_table(results))
print()
print("\\n".join(comparison_notes(results)))
"""),
    code("""
plot_hits(results, title=f"Hits@K, data set '{dataset.name}'" + (" (stand-in)" if dataset.is_standin else ""))
plt.show()
"""),
    md("""
## Closing note

What the comparison showed on the **sample stand-in** with the default settings (2 CPU cores; see
`make demo` for the table; these are stand-in numbers, not the real data's):

CLOSING_NOTE
"""),
]


def build(path: Path = Path("notebooks/part4_bonus.ipynb"), closing_note: str = "") -> None:
    notebook = new_notebook(cells=CELLS, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3 (so-duplicates)",
                       "language": "python"},
        "language_info": {"name": "python"}})
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "CLOSING_NOTE" in cell.source:
            cell.source = cell.source.replace("CLOSING_NOTE", closing_note or "(to be written)")
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    import sys

    build(closing_note=Path(sys.argv[1]).read_text() if len(sys.argv) > 1 else "")
