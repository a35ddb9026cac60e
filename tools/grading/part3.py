"""Graded checks of Part 3. Each ``observe`` runs in the submission's process.

The unit-style checks use the fixed inputs of ``tests/task_tests/part3.py``; the quality check
trains the submission's model the way ``notebooks/part3_dssm.ipynb`` does (``train_and_score``)
and is graded only where a quality bar exists (the real data).
"""
from sodata import Dataset
from tools.grading.base import GradedCheck
from tools.grading.points import quality_check

KS = [1, 5, 10, 100, 500, 1000]
# The notebook's settings (keep in step with notebooks/part3_dssm.ipynb).
SETTINGS = {"min_count": 2, "pairing": "all_pairs", "test_size": 0.05, "batch_size": 1024,
            "dim": 300, "lr": 0.01, "alpha": 0.05}
EPOCHS = {"tiny": 5, "sample": 5, "full": 3, "real": 5}


def train_and_score(dataset: Dataset, n_epochs: int | None = None, logdir=None,
                    verbose: bool = False) -> dict:
    """The notebook's Part 3 flow on ``dataset``; returns ``{"hits": {K: Hits@K}, ...}`` on the
    validation set (preprocessed), beside the training history."""
    import torch
    from sklearn.model_selection import train_test_split
    from torch.utils.data import DataLoader

    from hw_utils import set_seed
    from sodata import read_corpus
    from hw_utils.dssm import (DssmLikeModel, NTExentLoss, QuestionDuplicatesDataset, Trainer,
                               build_question_pairs, build_vocab, collate_fn, word_vectors)
    from hw_utils.embedding import Embedder
    from hw_utils.scoring import Scorer
    from hw_utils.text import TextTokenizer, default_preprocessor

    set_seed(0)
    preprocess = default_preprocessor()
    rows = [[preprocess(text) for text in row] for row in read_corpus(dataset.train)]
    validation = [[preprocess(text) for text in row] for row in read_corpus(dataset.validation)]
    tokenizer = TextTokenizer(build_vocab((text for row in rows for text in row),
                                          min_count=SETTINGS["min_count"]))
    train_pairs, val_pairs = train_test_split(build_question_pairs(rows, SETTINGS["pairing"]),
                                              test_size=SETTINGS["test_size"], random_state=0)
    train_data = QuestionDuplicatesDataset(train_pairs, tokenizer)
    loaders = {"train": DataLoader(train_data, batch_size=SETTINGS["batch_size"], shuffle=True,
                                   collate_fn=collate_fn),
               "val": DataLoader(QuestionDuplicatesDataset(val_pairs, tokenizer),
                                 batch_size=SETTINGS["batch_size"], collate_fn=collate_fn)}
    model = DssmLikeModel(tokenizer.vocab_size, SETTINGS["dim"])
    sparse = any(getattr(module, "sparse", False) for module in model.modules())
    optimizer = (torch.optim.SparseAdam if sparse else torch.optim.Adam)(
        list(model.parameters()), lr=SETTINGS["lr"])
    trainer = Trainer(model, optimizer, NTExentLoss(alpha=SETTINGS["alpha"]), logdir=logdir)
    history = trainer.train(loaders, n_epochs or EPOCHS.get(dataset.name, 5), verbose=verbose)
    embedder = Embedder(word_vectors(model, tokenizer), SETTINGS["dim"])
    hits = Scorer(KS, embedder)(validation)
    return {"hits": {str(k): float(v) for k, v in hits.items()},
            "train_loss": [float(record["train_loss"]) for record in history]}


def _observe(stage: str, *names: str):
    """``observe(dataset)`` calling ``Part3Tests.observe_<stage>`` on the submission's objects."""
    def observe(dataset: Dataset) -> dict:
        import hw_utils.dssm
        import hw_utils.text
        from tests.task_tests.part3 import Part3Tests

        modules = (hw_utils.dssm, hw_utils.text)
        objects = [next(getattr(module, name) for module in modules if hasattr(module, name))
                   for name in names]
        return getattr(Part3Tests, f"observe_{stage}")(*objects)

    observe.__name__ = f"observe_{stage}"
    return observe


def observe_quality(dataset: Dataset) -> dict:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="part3-grade-") as logdir:
        return train_and_score(dataset, logdir=logdir)


CHECKS: list[GradedCheck] = [
    GradedCheck("part3.tokenizer", "part3", _observe("dssm_tokenizer", "TextTokenizer"),
                "check_dssm_tokenizer", timeout_s=30),
    GradedCheck("part3.dataset", "part3",
                _observe("question_dataset", "QuestionDuplicatesDataset", "TextTokenizer"),
                "check_question_dataset", timeout_s=30),
    GradedCheck("part3.ids_and_offsets", "part3",
                _observe("ids_and_offsets", "get_ids_and_offsets"), "check_ids_and_offsets",
                timeout_s=30),
    GradedCheck("part3.collate", "part3", _observe("dssm_collate", "collate_fn"),
                "check_dssm_collate", timeout_s=30),
    GradedCheck("part3.model", "part3", _observe("dssm_model", "DssmLikeModel"),
                "check_dssm_model", timeout_s=60),
    GradedCheck("part3.nt_xent_loss", "part3", _observe("nt_xent_loss", "NTExentLoss"),
                "check_nt_xent_loss", timeout_s=60),
    GradedCheck("part3.trainer", "part3",
                _observe("dssm_trainer", "DssmLikeModel", "NTExentLoss", "Trainer"),
                "check_dssm_trainer", timeout_s=120),
    quality_check("part3.quality", "part3", "part3", observe_quality, timeout_s=3 * 3600),
]
