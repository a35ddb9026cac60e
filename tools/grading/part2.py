"""Graded checks of Part 2, and the Part 2 flow shared by the benchmark and the integration tests.

Each ``observe`` runs in the submission's process and builds the objects the way
``notebooks/part2_trigram_oov.ipynb`` does (the notebook's settings are ``settings()``). The
checks of single stages start from words found here (``stage_inputs``: lower-cased validation
texts, known and unknown words by a plain set computation), not from the submission's Part 1
preprocessing or ``collect_vocabulary``, so each stage is graded on its own; only the quality
check runs the whole flow, Part 1's preprocessing included, as the notebook does.
"""
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sodata import Dataset
from tools.grading.base import GradedCheck
from tools.grading.points import quality_check

DIM = 300
KS = [1, 5, 10, 100, 500, 1000]
SEED = 0
LEARNING_RATE = 1e-2
# A stand-in has ~1,000 known words (2-3 batches an epoch); the real data ~100 times more, so
# bigger batches (fewer dense Adam steps over the trigram table) and fewer passes.
BATCH_SIZE_STANDIN, EPOCHS_STANDIN = 512, 40
BATCH_SIZE_REAL, EPOCHS_REAL = 2048, 10
CHECK_EPOCHS = 5  # observe_oov_embeddings only needs a model that moved off zero


@dataclass(frozen=True)
class Settings:
    batch_size: int
    learning_rate: float
    n_epochs: int


def settings(dataset: Dataset) -> Settings:
    """The notebook's training settings on ``dataset``."""
    if dataset.is_standin:
        return Settings(BATCH_SIZE_STANDIN, LEARNING_RATE, EPOCHS_STANDIN)
    return Settings(BATCH_SIZE_REAL, LEARNING_RATE, EPOCHS_REAL)


@dataclass
class Part2Inputs:
    """What Part 2 starts from: the word vectors, the preprocessed validation samples and their
    known and unknown words (sorted)."""

    vectors: Any
    samples: list[list[str]]
    known: list[str]
    unknown: list[str]


@lru_cache(maxsize=2)
def load_inputs(dataset: Dataset) -> Part2Inputs:
    """Vectors, validation samples preprocessed with Part 1's ``default_preprocessor`` (each
    distinct text once), and ``collect_vocabulary`` over them."""
    from sodata import read_corpus
    from sodata.vectors import load_vectors
    from hw_utils.text import default_preprocessor
    from hw_utils.trigram import collect_vocabulary

    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    preprocess = default_preprocessor()
    samples = read_corpus(dataset.validation)
    processed = {text: preprocess(text) for text in {text for sample in samples for text in sample}}
    samples = [[processed[text] for text in sample] for sample in samples]
    known, unknown = collect_vocabulary(processed.values(), vectors)
    return Part2Inputs(vectors, samples, known, unknown)


@lru_cache(maxsize=2)
def stage_inputs(dataset: Dataset) -> Part2Inputs:
    """Like ``load_inputs`` without any submission code: the validation texts lower-cased (no
    other preprocessing) and their words split into known and unknown with sets, sorted."""
    from sodata import read_corpus
    from sodata.vectors import load_vectors

    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    samples = [[text.lower() for text in sample] for sample in read_corpus(dataset.validation)]
    words = {word for sample in samples for text in sample for word in text.split()}
    known = sorted(word for word in words if word in vectors)
    return Part2Inputs(vectors, samples, known, sorted(words.difference(known)))


def make_loader(train_dataset, batch_size: int, seed: int = SEED):
    """The notebook's shuffled, seeded training loader (``num_workers=0``: deterministic)."""
    import torch
    from torch.utils.data import DataLoader

    from hw_utils.trigram import collate_fn

    return DataLoader(train_dataset, batch_size=batch_size, shuffle=True, collate_fn=collate_fn,
                      generator=torch.Generator().manual_seed(seed))


def train(known: list[str], vectors: Any, n_epochs: int, batch_size: int = BATCH_SIZE_STANDIN,
          learning_rate: float = LEARNING_RATE, seed: int = SEED):
    """The notebook's training: ``(tokenizer, model, losses)``, seeded."""
    import torch

    from hw_utils import set_seed
    from hw_utils.trigram import Trainer, TrainTrigramDataset, TrigramModel, TrigramTokenizer

    set_seed(seed)
    tokenizer = TrigramTokenizer(known)
    train_dataset = TrainTrigramDataset(known, vectors, tokenizer)
    model = TrigramModel(tokenizer.vocab_size, DIM)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, fused=True)
    trainer = Trainer(model, torch.nn.MSELoss(), optimizer)
    losses = trainer.train(make_loader(train_dataset, batch_size, seed), n_epochs)
    return tokenizer, model, losses


def hits(dataset: Dataset, n_epochs: int | None = None) -> dict:
    """Part 2 on ``dataset`` as the notebook runs it: ``{"hits": {K: ...}, "losses": [...]}``."""
    from hw_utils.embedding import Embedder
    from hw_utils.scoring import Scorer
    from hw_utils.trigram import build_oov_embeddings

    inputs = load_inputs(dataset)
    chosen = settings(dataset)
    tokenizer, model, losses = train(inputs.known, inputs.vectors, n_epochs or chosen.n_epochs,
                                     chosen.batch_size, chosen.learning_rate)
    mapping = build_oov_embeddings(inputs.known + inputs.unknown, inputs.vectors, model, tokenizer)
    scores = Scorer(KS, Embedder(mapping, DIM))(inputs.samples)
    return {"hits": {str(k): float(v) for k, v in scores.items()},
            "losses": [float(loss) for loss in losses]}


def observe_collect_vocabulary(dataset: Dataset) -> dict:
    from hw_utils.trigram import collect_vocabulary
    from tests.task_tests.part2 import Part2Tests

    inputs = stage_inputs(dataset)
    texts = [text for sample in inputs.samples for text in sample]
    return Part2Tests.observe_collect_vocabulary(collect_vocabulary, texts, inputs.vectors)


def _tokenizer_and_dataset(dataset: Dataset):
    from hw_utils.trigram import TrainTrigramDataset, TrigramTokenizer

    inputs = stage_inputs(dataset)
    tokenizer = TrigramTokenizer(inputs.known)
    return inputs, tokenizer, TrainTrigramDataset(inputs.known, inputs.vectors, tokenizer)


def observe_trigram_tokenizer(dataset: Dataset) -> dict:
    from hw_utils.trigram import TrigramTokenizer
    from tests.task_tests.part2 import Part2Tests

    return Part2Tests.observe_trigram_tokenizer(TrigramTokenizer)


def observe_dataset(dataset: Dataset) -> dict:
    from tests.task_tests.part2 import Part2Tests

    inputs, tokenizer, train_dataset = _tokenizer_and_dataset(dataset)
    return Part2Tests.observe_dataset(train_dataset, inputs.known, inputs.vectors, tokenizer)


def observe_dataloader(dataset: Dataset) -> dict:
    from hw_utils.trigram import collate_fn
    from tests.task_tests.part2 import Part2Tests

    _, _, train_dataset = _tokenizer_and_dataset(dataset)
    return Part2Tests.observe_dataloader(train_dataset, collate_fn, DIM)


def observe_trigram_model(dataset: Dataset) -> dict:
    from hw_utils import set_seed
    from hw_utils.trigram import TrigramModel, TrigramTokenizer
    from tests.task_tests.part2 import Part2Tests

    set_seed(SEED)
    tokenizer = TrigramTokenizer(stage_inputs(dataset).known)
    return Part2Tests.observe_trigram_model(TrigramModel(tokenizer.vocab_size, DIM))


def observe_inference_dataset(dataset: Dataset) -> dict:
    from hw_utils.trigram import InferenceTrigramDataset, TrigramTokenizer
    from tests.task_tests.part2 import Part2Tests

    inputs = stage_inputs(dataset)
    tokenizer = TrigramTokenizer(inputs.known)
    return Part2Tests.observe_inference_dataset(
        InferenceTrigramDataset(inputs.unknown, tokenizer), inputs.unknown, tokenizer)


def observe_inference_collate_fn(dataset: Dataset) -> dict:
    from hw_utils.trigram import inference_collate_fn
    from tests.task_tests.part2 import Part2Tests

    return Part2Tests.observe_inference_collate_fn(inference_collate_fn)


def observe_training(dataset: Dataset) -> dict:
    from hw_utils.trigram import (Trainer, TrainTrigramDataset, TrigramModel, TrigramTokenizer,
                                  collate_fn)
    from tests.task_tests.part2 import Part2Tests

    return Part2Tests.observe_training(TrigramTokenizer, TrainTrigramDataset, collate_fn,
                                       TrigramModel, Trainer)


def observe_oov_embeddings(dataset: Dataset) -> dict:
    from hw_utils.trigram import build_oov_embeddings
    from tests.task_tests.part2 import Part2Tests

    inputs = stage_inputs(dataset)
    tokenizer, model, _ = train(inputs.known, inputs.vectors, CHECK_EPOCHS)
    # Known and unknown words interleaved, so the 2000 words checked hold both kinds.
    words = [word for pair in zip(inputs.known, inputs.unknown) for word in pair]
    mapping = build_oov_embeddings(words, inputs.vectors, model, tokenizer)
    return Part2Tests.observe_oov_embeddings(mapping, words, inputs.vectors, tokenizer)


def observe_hits(dataset: Dataset) -> dict:
    return {"hits": hits(dataset)["hits"]}


CHECKS: list[GradedCheck] = [
    GradedCheck("part2.collect_vocabulary", "part2", observe_collect_vocabulary,
                "check_collect_vocabulary", timeout_s=600),
    GradedCheck("part2.trigram_tokenizer", "part2", observe_trigram_tokenizer,
                "check_trigram_tokenizer", timeout_s=30),
    GradedCheck("part2.dataset", "part2", observe_dataset, "check_dataset", timeout_s=600),
    GradedCheck("part2.dataloader", "part2", observe_dataloader, "check_dataloader",
                timeout_s=600),
    GradedCheck("part2.trigram_model", "part2", observe_trigram_model, "check_trigram_model",
                timeout_s=600),
    GradedCheck("part2.inference_dataset", "part2", observe_inference_dataset,
                "check_inference_dataset", timeout_s=600),
    GradedCheck("part2.inference_collate_fn", "part2", observe_inference_collate_fn,
                "check_inference_collate_fn", timeout_s=30),
    GradedCheck("part2.training", "part2", observe_training, "check_training", timeout_s=120),
    GradedCheck("part2.oov_embeddings", "part2", observe_oov_embeddings, "check_oov_embeddings",
                timeout_s=900),
    quality_check("part2.quality", "part2", "part2", observe_hits, timeout_s=1800),
]
