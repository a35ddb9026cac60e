"""Every method on one data set: trained, timed and scored the same way, in one table.

``Comparison(dataset, settings)`` reads and preprocesses the data once and keeps what several
methods share (the word vectors, Part 2's known words, Part 3's tokenizer, pairs and model).
Parts 1-3 run the notebooks' flows (``instructor.pipeline``) with the settings of
``hw_utils.recipes``; each ``run_<method>()`` trains one method, counts the hard negatives of
the validation samples with Part 1's ranking rule (``instructor.bonus.ranking``) and returns a
``MethodResult``; ``METHODS`` lists them in the table's order with the method each one extends.

``results_table`` and ``plot_hits`` turn the results into the comparison table and the
Hits@K plot; ``comparison_notes`` says, for each bonus method, how it fares against the
method it extends. Numbers measured on the stand-in are not the real data's.
"""
import dataclasses
import functools
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader

from hw_utils import recipes
from hw_utils.dssm import NTExentLoss, QuestionDuplicatesDataset, Trainer as PairTrainer
from hw_utils.dssm import collate_fn as pairs_collate_fn
from instructor.ranking import FastScorer, as_dict
from hw_utils.reproducibility import set_seed
from hw_utils.text import TextTokenizer
from hw_utils.trigram import Trainer
from sodata import Dataset, read_corpus
from sodata.vectors import load_vectors
from instructor import pipeline
from instructor.bonus.baselines import Bm25Ranker, TfidfRanker
from instructor.bonus.char_lstm import (CharBiLSTM, CharTokenizer, TrainCharDataset, char_collate_fn,
                                   infer_char_vectors)
from instructor.bonus.dssm_variants import BiLstmDssm, MlpHeadDssm
from instructor.bonus.early_fusion import EarlyFusionModel, FusionReranker, InBatchPairLoss
from instructor.bonus.full_dssm import NgramFeaturizer, SparseBagModel
from instructor.bonus.ranking import (TABLE_KS, evaluate, model_hard_negatives,
                                 ranker_hard_negatives)
from instructor.bonus.trigram_cosine import CosineLoss, rescale

METRIC_COLUMNS = (*(f"hits@{k}" for k in TABLE_KS), "dcg@10", "mrr")
Pairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Settings:
    """How long each method trains and how much of the data the comparison uses.

    ``validation_rows``: score on the first rows only (``None``: all); ``train_rows``: train on
    the first rows only (``None``: all). ``part2``, ``part3``, ``dssm_dim``: Parts 2 and 3's
    training (``None``: ``recipes.PART2``; ``recipes.PART3``,
    ``recipes.PART3_DIM``). ``*_epochs``: epochs over the training words (bonus 1-2) or the
    training pairs (bonus 3-5). ``cosine_init_std``: Bonus 1's trigram vectors start random with
    this deviation (from zero, as Part 2's, a cosine loss barely moves them).
    ``pairs_per_epoch``, ``fusion_pairs``: the bonus 4 models and the fusion model (slower per
    pair: the fusion model scores B x B pairs per batch) see this many randomly drawn pairs per
    epoch (``None``: all).
    """

    validation_rows: int | None = None
    train_rows: int | None = None
    part2: recipes.Training | None = None
    part3: recipes.Training = recipes.PART3
    dssm_dim: int = recipes.PART3_DIM
    cosine_epochs: int = 10
    cosine_init_std: float = 0.1
    char_epochs: int = 3
    full_dssm_epochs: int = 5
    variant_epochs: int = 1
    lstm_hidden: int = 64
    pairs_per_epoch: int | None = 100_000
    fusion_epochs: int = 1
    fusion_pairs: int | None = 50_000
    fusion_top_n: int = 100
    seed: int = recipes.SEED

    @classmethod
    def quick(cls) -> "Settings":
        """A first look in about two minutes on the sample stand-in: 30,000 training rows,
        300 validation rows, fewer epochs, smaller vectors. Rough numbers, not the comparison's."""
        return cls(validation_rows=300, train_rows=30_000,
                   part2=dataclasses.replace(recipes.PART2, n_epochs=3),
                   part3=dataclasses.replace(recipes.PART3, n_epochs=2), dssm_dim=64,
                   cosine_epochs=3, char_epochs=1, full_dssm_epochs=2, variant_epochs=1,
                   pairs_per_epoch=20_000, fusion_epochs=1, fusion_pairs=10_000, fusion_top_n=50)


@dataclass
class MethodResult:
    """One row of the comparison table."""

    name: str
    extends: str | None  # the method this one improves on (None for Parts 1-3 and baselines)
    metrics: dict[str, float]  # METRIC_COLUMNS
    train_s: float  # training (and fitting) time, seconds
    score_s: float  # scoring the validation samples, seconds
    notes: dict = field(default_factory=dict)
    cpu_s: float = 0.0  # CPU seconds of the whole step (on a shared machine: the work done)

    def as_dict(self) -> dict:
        return asdict(self)


# (method name, method it extends, Comparison method) in the table's order
METHODS: tuple[tuple[str, str | None, str], ...] = (
    ("Part 1: word2vec, raw text", None, "run_part1_raw"),
    ("Part 1: word2vec, preprocessed", None, "run_part1_preprocessed"),
    ("Part 2: + trigram OOV (MSE)", None, "run_part2"),
    ("Part 3: DSSM, NT-Xent", None, "run_part3"),
    ("Bonus 1: trigram OOV (cosine)", "Part 2: + trigram OOV (MSE)", "run_trigram_cosine"),
    ("Bonus 2: char-biLSTM OOV (MSE)", "Part 2: + trigram OOV (MSE)", "run_char_lstm"),
    ("Bonus 3: DSSM uni+bi+trigrams", "Part 3: DSSM, NT-Xent", "run_full_dssm"),
    ("Bonus 4a: DSSM + MLP head", "Part 3: DSSM, NT-Xent", "run_mlp_head"),
    ("Bonus 4b: DSSM biLSTM", "Part 3: DSSM, NT-Xent", "run_bilstm"),
    ("Bonus 5: early fusion re-rank", "Part 3: DSSM, NT-Xent", "run_early_fusion"),
    ("Baseline: TF-IDF cosine", None, "run_tfidf"),
    ("Baseline: BM25", None, "run_bm25"),
)


# The methods that guess unknown words' vectors from their spelling: ``fit(words) -> predict``,
# for the held-out diagnostic (``Comparison.heldout_cosine``).
SPELLING_MODELS: dict[str, Callable] = {
    "run_part2": lambda comparison: comparison._trigram_predictor(torch.nn.MSELoss()),
    "run_trigram_cosine": lambda comparison: comparison._trigram_predictor(
        CosineLoss(), comparison.settings.cosine_epochs, comparison.settings.cosine_init_std),
    "run_char_lstm": lambda comparison: lambda words: comparison._char_lstm(words)[0],
}


@dataclass
class Part3Result:
    """What the methods built on Part 3 start from."""

    model: torch.nn.Module
    seen: set[int]  # the word ids training updated
    scorer: FastScorer  # Part 3's word vectors in Part 1's ranking
    train_s: float


class Comparison:
    """The data, the shared pieces and one ``run_<method>`` per row of ``METHODS``.

    Args:
        dataset: ``get_dataset(...)``.
        settings: epochs and sizes (``Settings()``, or ``Settings.quick()``).
        workdir: where TensorBoard logs go (a temporary folder by default).
        log: called with one line of progress at a time (``print`` by default).
        progress: a progress bar over the batches of each training run (with the time left).
    """

    def __init__(self, dataset: Dataset, settings: Settings = Settings(),
                 workdir: str | Path | None = None, log: Callable[[str], None] = print,
                 progress: bool = False):
        self.dataset = dataset
        self.settings = settings
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="bonus-"))
        self.log = log
        self.progress = progress
        self.results: dict[str, MethodResult] = {}
        self._cache: dict[str, object] = {}

    # ---- shared data, built on first use -------------------------------------------------

    def _shared(self, key: str, build: Callable[[], object]):
        if key not in self._cache:
            started = time.perf_counter()
            self._cache[key] = build()
            self._cache[f"{key}_s"] = time.perf_counter() - started
        return self._cache[key]

    @property
    def raw_validation(self) -> list[list[str]]:
        """The validation samples ``[q, pos, neg...]`` as read (``settings.validation_rows``)."""
        return self._shared("raw_validation", lambda: read_corpus(self.dataset.validation)[
            :self.settings.validation_rows])

    @property
    def validation(self) -> list[list[str]]:
        """``raw_validation`` preprocessed the course's way; each distinct text once."""
        return self._shared("validation", lambda: pipeline.preprocess_rows(
            self.raw_validation, functools.lru_cache(maxsize=None)(
                pipeline.course_preprocessor())))

    @property
    def train_rows(self) -> list[list[str]]:
        """The training rows (duplicate questions), preprocessed."""
        return self._shared("train_rows", lambda: pipeline.preprocess_rows(
            read_corpus(self.dataset.train)[:self.settings.train_rows]))

    @property
    def train_texts(self) -> list[str]:
        """The distinct preprocessed training questions, sorted."""
        return self._shared("train_texts", lambda: sorted({
            text for row in self.train_rows for text in row}))

    @property
    def vectors(self):
        """The pretrained word vectors (``dataset.vectors``, ``dataset.vectors_limit`` words)."""
        return self._shared("vectors", lambda: load_vectors(
            self.dataset.vectors, limit=self.dataset.vectors_limit))

    @property
    def word_vectors(self) -> Mapping[str, np.ndarray]:
        """``vectors`` as a dict word -> vector (``as_dict``: faster look-ups)."""
        return self._shared("word_vectors", lambda: as_dict(self.vectors))

    @property
    def validation_words(self) -> tuple[list[str], list[str]]:
        """``(known, unknown)``: the validation words with and without a pretrained vector."""
        return self._shared("validation_words", lambda: pipeline.split_vocabulary(
            {text for sample in self.validation for text in sample}, self.word_vectors))

    @property
    def pairs(self) -> tuple[Pairs, Pairs]:
        """Part 3's (train, eval) pairs of the training rows (``pipeline.train_eval_pairs``)."""
        return self._shared("pairs", lambda: pipeline.train_eval_pairs(self.train_rows))

    @property
    def tokenizer(self) -> TextTokenizer:
        """Part 3's tokenizer (``pipeline.dssm_tokenizer``)."""
        return self._shared("tokenizer", lambda: pipeline.dssm_tokenizer(self.train_rows))

    # ---- helpers ----------------------------------------------------------------------------

    def _score(self, count: Callable[[list[list[str]]], np.ndarray],
               samples: list[list[str]]) -> tuple[dict, float]:
        """The table's metrics from ``count(samples)`` (hard negatives), and its seconds."""
        started = time.perf_counter()
        metrics = evaluate(count(samples))
        return metrics, time.perf_counter() - started

    def _pair_loaders(self, tokenizer, pairs_per_epoch: int | None, batch_size: int = 1024
                      ) -> dict[str, DataLoader]:
        """Part 3's ``{'train', 'eval'}`` loaders over ``self.pairs``; ``pairs_per_epoch``
        random training pairs per epoch (``None``: all, shuffled)."""
        train_pairs, eval_pairs = self.pairs
        dataset = QuestionDuplicatesDataset(train_pairs, tokenizer)
        generator = torch.Generator().manual_seed(self.settings.seed)
        sampler = torch.utils.data.RandomSampler(
            dataset, num_samples=None if pairs_per_epoch is None
            else min(pairs_per_epoch, len(dataset)), generator=generator)
        return {"train": DataLoader(dataset, batch_size=batch_size, sampler=sampler,
                                    collate_fn=pairs_collate_fn),
                "eval": DataLoader(QuestionDuplicatesDataset(eval_pairs, tokenizer),
                                   batch_size=batch_size, collate_fn=pairs_collate_fn)}

    def _bar(self, label: str) -> str | None:
        """A training run's progress bar label, or ``None`` for no bar."""
        return label if self.progress else None

    def _train_pairs(self, name: str, model: torch.nn.Module, optimizer, criterion,
                     loaders: dict[str, DataLoader], n_epochs: int) -> list[tuple[float, float]]:
        """Part 3's ``Trainer`` on ``loaders``: each epoch's (train loss, eval loss)."""
        trainer = PairTrainer(model, optimizer, criterion, logdir=str(self.workdir / name),
                              device="cpu")
        loaders = {**loaders, "train": pipeline.with_progress(loaders["train"], n_epochs,
                                                              self._bar(name))}
        history = trainer.train(loaders, n_epochs=n_epochs)
        trainer.writer.close()
        return history

    def _result(self, name: str, metrics: dict, train_s: float, score_s: float,
                **notes) -> MethodResult:
        extends = {method: base for method, base, _ in METHODS}.get(name)
        return MethodResult(name, extends, metrics, train_s, score_s, notes)

    def _vectors_result(self, name: str, mapping: Mapping[str, np.ndarray], train_s: float,
                        samples: list[list[str]] | None = None, **notes) -> MethodResult:
        """A method that gives word vectors, ranked as Part 1 ranks (``FastScorer``)."""
        scorer = FastScorer(TABLE_KS, mapping, self.vectors.vector_size)
        metrics, score_s = self._score(scorer.hard_negatives, samples or self.validation)
        return self._result(name, metrics, train_s, score_s, **notes)

    # ---- Parts 1-3 (the notebooks' flows: instructor.pipeline) ----------------------------------

    def run_part1_raw(self) -> MethodResult:
        """Mean of pretrained vectors of the raw text's words (no training)."""
        return self._vectors_result(METHODS[0][0], self.word_vectors, 0.0, self.raw_validation)

    def run_part1_preprocessed(self) -> MethodResult:
        """The same on the course's preprocessed text."""
        return self._vectors_result(METHODS[1][0], self.word_vectors, 0.0)

    def _trigram_model(self, criterion: torch.nn.Module, n_epochs: int | None = None,
                       words: Sequence[str] | None = None, init_std: float = 0.0):
        """Part 2's model over the trigrams of ``words`` (the known validation words by default),
        trained with ``criterion`` (``pipeline.train_trigram_model``); ``n_epochs`` replaces
        Part 2's."""
        training = self.settings.part2 or recipes.PART2
        if n_epochs is not None:
            training = dataclasses.replace(training, n_epochs=n_epochs)
        words = self.validation_words[0] if words is None else words
        return pipeline.train_trigram_model(words, self.word_vectors, training, criterion,
                                            init_std, progress=self._bar("trigram model"))

    def _trigram_predictor(self, criterion: torch.nn.Module, n_epochs: int | None = None,
                           init_std: float = 0.0
                           ) -> Callable[[Sequence[str]], Callable[[Sequence[str]], np.ndarray]]:
        """``fit(words) -> predict(words)`` with Part 2's model (for ``heldout_cosine``)."""
        def fit(words: Sequence[str]) -> Callable[[Sequence[str]], np.ndarray]:
            tokenizer, model, _ = self._trigram_model(criterion, n_epochs, words, init_std)
            return lambda unseen: pipeline.infer_vectors(model, unseen, tokenizer)
        return fit

    def heldout_cosine(self, fit: Callable[[Sequence[str]], Callable[[Sequence[str]], np.ndarray]]
                       ) -> float:
        """How well a method guesses a word's vector from its spelling, which is what it does
        for unknown words: ``fit`` trained on nine tenths of the known validation words, the
        mean cosine between its vectors for the other tenth and their true vectors."""
        known, _ = self.validation_words
        rng = np.random.default_rng(self.settings.seed)
        held = set(rng.choice(len(known), size=max(1, len(known) // 10), replace=False).tolist())
        train = [word for index, word in enumerate(known) if index not in held]
        test = [known[index] for index in sorted(held)]
        predicted = np.asarray(fit(train)(test), dtype=np.float64)
        true = np.asarray(self.vectors[test], dtype=np.float64)
        norms = np.linalg.norm(predicted, axis=1) * np.linalg.norm(true, axis=1)
        return round(float(np.mean((predicted * true).sum(axis=1) / np.maximum(norms, 1e-12))), 4)

    def run_part2(self) -> MethodResult:
        """Part 1 preprocessed, unknown words filled by Part 2's trigram model (MSE)."""
        started = time.perf_counter()
        tokenizer, model, losses = self._trigram_model(torch.nn.MSELoss())
        known, unknown = self.validation_words
        mapping = pipeline.with_oov_vectors(known, unknown, self.word_vectors, model, tokenizer)
        return self._vectors_result(METHODS[2][0], mapping, time.perf_counter() - started,
                                    final_loss=losses[-1], oov_words=len(unknown))

    def run_part3(self) -> MethodResult:
        """Part 3's DSSM-like model, its word vectors ranked as Part 1's ``Embedder``'s."""
        started = time.perf_counter()
        tokenizer, model, history, seen = pipeline.train_dssm(
            self.train_rows, self.settings.part3, logdir=str(self.workdir / "part3"),
            device="cpu", dim=self.settings.dssm_dim, tokenizer=self.tokenizer,
            progress=self._bar("part_3"))
        train_s = time.perf_counter() - started
        scorer = FastScorer(TABLE_KS, pipeline.dssm_word_vectors(model, tokenizer, seen),
                            self.settings.dssm_dim)
        self._cache["part3"] = Part3Result(model, seen, scorer, train_s)
        metrics, score_s = self._score(scorer.hard_negatives, self.validation)
        return self._result(METHODS[3][0], metrics, train_s, score_s,
                            final_loss=history[-1][0], eval_loss=history[-1][1])

    @property
    def part3(self) -> Part3Result:
        """Part 3's trained model; ``RuntimeError`` before ``run_part3``."""
        if "part3" not in self._cache:
            raise RuntimeError("this method starts from Part 3's model: run run_part3 first")
        return self._cache["part3"]

    def _part3_word_vectors(self) -> torch.Tensor:
        """Part 3's trained word vectors ``[vocab_size, dssm_dim]``, the rows of words no
        training pair contains (still random) set to zero. Needs ``run_part3`` first."""
        vectors = self.part3.model.embeddings.weight.detach().clone()
        unseen = np.setdiff1d(np.arange(len(vectors)), sorted(self.part3.seen))
        vectors[torch.as_tensor(unseen, dtype=torch.long)] = 0.0
        return vectors

    # ---- the bonus --------------------------------------------------------------------------

    def run_trigram_cosine(self) -> MethodResult:
        """Bonus 1: Part 2's model trained with ``CosineLoss``; predictions rescaled to the
        known vectors' mean length before they join the mean of word vectors."""
        started = time.perf_counter()
        tokenizer, model, losses = self._trigram_model(CosineLoss(), self.settings.cosine_epochs,
                                                       init_std=self.settings.cosine_init_std)
        known, unknown = self.validation_words
        mean_norm = float(np.mean(np.linalg.norm(self.vectors[known], axis=1)))
        predicted = rescale(pipeline.infer_vectors(model, unknown, tokenizer), mean_norm)
        mapping = {**{word: self.word_vectors[word] for word in known},
                   **dict(zip(unknown, predicted))}
        return self._vectors_result(METHODS[4][0], mapping, time.perf_counter() - started,
                                    final_loss=losses[-1])

    def _char_lstm(self, words: Sequence[str]
                   ) -> tuple[Callable[[Sequence[str]], np.ndarray], float]:
        """Bonus 2's model trained on ``words``' vectors; returns ``predict(words)`` and the
        final training loss."""
        set_seed(self.settings.seed)
        tokenizer = CharTokenizer(words)
        loader = DataLoader(TrainCharDataset(words, self.word_vectors, tokenizer), batch_size=128,
                            shuffle=True, collate_fn=char_collate_fn)
        model = CharBiLSTM(tokenizer.vocab_size, self.vectors.vector_size, char_dim=32,
                           hidden_size=128)
        losses = Trainer(model, torch.nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=3e-3)
                         ).train(pipeline.with_progress(loader, self.settings.char_epochs,
                                                        self._bar("char-biLSTM")),
                                 self.settings.char_epochs)
        return (lambda unseen: infer_char_vectors(model, unseen, tokenizer)), losses[-1]

    def run_char_lstm(self) -> MethodResult:
        """Bonus 2: a character biLSTM predicts the unknown words' vectors (MSE, as Part 2)."""
        started = time.perf_counter()
        known, unknown = self.validation_words
        predict, final_loss = self._char_lstm(known)
        mapping = {**{word: self.word_vectors[word] for word in known},
                   **dict(zip(unknown, predict(unknown)))}
        return self._vectors_result(METHODS[5][0], mapping, time.perf_counter() - started,
                                    final_loss=final_loss)

    def _pair_model_result(self, name: str, model: torch.nn.Module, tokenizer, optimizer,
                           n_epochs: int, pairs_per_epoch: int | None) -> MethodResult:
        """Train ``model`` with NT-Xent on Part 3's pairs, score it as a question encoder."""
        started = time.perf_counter()
        history = self._train_pairs(name.split(":")[0].replace(" ", "_").lower(), model,
                                    optimizer, NTExentLoss(alpha=recipes.PART3_ALPHA),
                                    self._pair_loaders(tokenizer, pairs_per_epoch), n_epochs)
        train_s = time.perf_counter() - started
        metrics, score_s = self._score(
            lambda samples: model_hard_negatives(samples, model, tokenizer), self.validation)
        return self._result(name, metrics, train_s, score_s,
                            final_loss=history[-1][0], eval_loss=history[-1][1])

    def run_full_dssm(self) -> MethodResult:
        """Bonus 3: Part 3's model over word unigrams, word bigrams and character trigrams
        (sparse gradients: the feature table is large)."""
        set_seed(self.settings.seed)
        started = time.perf_counter()
        featurizer = NgramFeaturizer(self.train_texts, min_count=2)
        featurize_s = time.perf_counter() - started
        model = SparseBagModel(featurizer.vocab_size, self.settings.dssm_dim)
        result = self._pair_model_result(
            METHODS[6][0], model, featurizer,
            torch.optim.SparseAdam(model.parameters(), lr=self.settings.part3.lr),
            self.settings.full_dssm_epochs, None)
        result.train_s += featurize_s
        result.notes["features"] = featurizer.vocab_size
        return result

    def _variant_result(self, name: str, model: torch.nn.Module) -> MethodResult:
        """A bonus 4 model warm-started from Part 3's word vectors, trained with NT-Xent; the
        training time includes Part 3's."""
        model.load_word_vectors(self._part3_word_vectors())
        result = self._pair_model_result(
            name, model, self.tokenizer, torch.optim.Adam(model.parameters(), lr=1e-3),
            self.settings.variant_epochs, self.settings.pairs_per_epoch)
        result.train_s += self.part3.train_s
        result.notes["warm_start"] = "Part 3"
        return result

    def run_mlp_head(self) -> MethodResult:
        """Bonus 4a: Part 3's bag of words plus a normalised MLP head with dropout."""
        set_seed(self.settings.seed)
        model = MlpHeadDssm(self.tokenizer.vocab_size, self.settings.dssm_dim)
        return self._variant_result(METHODS[7][0], model)

    def run_bilstm(self) -> MethodResult:
        """Bonus 4b: Part 3's bag of words plus a biLSTM over the words in order."""
        set_seed(self.settings.seed)
        model = BiLstmDssm(self.tokenizer.vocab_size, self.settings.dssm_dim,
                           hidden_size=self.settings.lstm_hidden)
        return self._variant_result(METHODS[8][0], model)

    def run_early_fusion(self) -> MethodResult:
        """Bonus 5: a pair MLP initialised from Part 3's NT-Xent vectors re-ranks Part 3's top
        ``fusion_top_n`` candidates. Needs ``run_part3`` first (its model is the start); the
        training time includes Part 3's."""
        set_seed(self.settings.seed)
        vectors = self._part3_word_vectors()
        started = time.perf_counter()
        model = EarlyFusionModel(self.tokenizer.vocab_size, self.settings.dssm_dim,
                                 temperature=recipes.PART3_ALPHA).load_word_vectors(vectors)
        history = self._train_pairs(
            "bonus_5", model, torch.optim.Adam(model.parameters(), lr=1e-3),
            InBatchPairLoss(model.score_matrix),
            self._pair_loaders(self.tokenizer, self.settings.fusion_pairs, batch_size=256),
            self.settings.fusion_epochs)
        train_s = time.perf_counter() - started + self.part3.train_s
        reranker = FusionReranker(model, self.tokenizer, self.part3.scorer.embed,
                                  self.settings.fusion_top_n)
        metrics, score_s = self._score(
            lambda samples: ranker_hard_negatives(samples, reranker), self.validation)
        return self._result(METHODS[9][0], metrics, train_s, score_s,
                            final_loss=history[-1][0], eval_loss=history[-1][1],
                            top_n=self.settings.fusion_top_n)

    # ---- baselines (not graded) ---------------------------------------------------------

    def _baseline(self, name: str, ranker) -> MethodResult:
        started = time.perf_counter()
        ranker.fit(self.train_texts)
        train_s = time.perf_counter() - started
        metrics, score_s = self._score(
            lambda samples: ranker_hard_negatives(samples, ranker), self.validation)
        return self._result(name, metrics, train_s, score_s)

    def run_tfidf(self) -> MethodResult:
        """TF-IDF cosine, document frequencies from the training questions."""
        return self._baseline(METHODS[10][0], TfidfRanker())

    def run_bm25(self) -> MethodResult:
        """BM25 (k1 = 1.2, b = 0.75), statistics from the training questions."""
        return self._baseline(METHODS[11][0], Bm25Ranker())

    # ---- all of it ------------------------------------------------------------------------

    def run(self, method: str) -> MethodResult:
        """Run the method called ``method`` (a name in ``METHODS``) and keep its result."""
        runner = {name: attribute for name, _, attribute in METHODS}[method]
        started = time.process_time()
        result = getattr(self, runner)()
        result.cpu_s = time.process_time() - started
        if runner in SPELLING_MODELS:  # a diagnostic, not part of the method's time
            result.notes["heldout_cosine"] = self.heldout_cosine(SPELLING_MODELS[runner](self))
        self.results[method] = result
        return result

    def run_all(self, methods: Sequence[str] | None = None) -> list[MethodResult]:
        """Run ``methods`` (all of ``METHODS`` by default) in order, logging one line each."""
        names = [name for name, _, _ in METHODS] if methods is None else list(methods)
        for index, name in enumerate(names, 1):
            self.log(f"[{index}/{len(names)}] {name}: running")
            result = self.run(name)
            self.log(f"[{index}/{len(names)}] {name}: trained in {result.train_s:.1f} s, "
                     f"scored in {result.score_s:.1f} s, Hits@10 {result.metrics['hits@10']:.3f}, "
                     f"MRR {result.metrics['mrr']:.3f}")
        return [self.results[name] for name in names]


def results_table(results: Sequence[MethodResult], times: bool = True) -> str:
    """The comparison as a Markdown table: one row per method, metrics rounded to 3 places,
    plus training and scoring seconds (wall) and the step's CPU seconds when ``times``."""
    header = ["method", *METRIC_COLUMNS] + (["train s", "score s", "cpu s"] if times else [])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for result in results:
        cells = [result.name, *(f"{result.metrics[column]:.3f}" for column in METRIC_COLUMNS)]
        if times:
            cells += [f"{result.train_s:.1f}", f"{result.score_s:.1f}", f"{result.cpu_s:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def comparison_notes(results: Sequence[MethodResult]) -> list[str]:
    """For each result with a base method among ``results``: how it compares, in one line
    (differences in Hits@10, Hits@100 and MRR; "improves" only when none of them is worse),
    and, where it does not improve, the measured reason (``why_not``)."""
    by_name = {result.name: result for result in results}
    notes = []
    for result in results:
        base = by_name.get(result.extends)
        if base is None:
            continue
        deltas = {column: result.metrics[column] - base.metrics[column]
                  for column in ("hits@10", "hits@100", "mrr")}
        improves = all(delta >= 0 for delta in deltas.values()) and any(
            delta > 0 for delta in deltas.values())
        verdict = ("improves on" if improves
                   else "does NOT improve on" if all(delta <= 0 for delta in deltas.values())
                   else "is mixed against")
        note = f"{result.name} {verdict} {base.name}: " + ", ".join(
            f"{column} {delta:+.3f}" for column, delta in deltas.items())
        reason = "" if improves else why_not(result, base)
        notes.append(note + (f"; measured: {reason}" if reason else ""))
    return notes


def why_not(result: MethodResult, base: MethodResult) -> str:
    """What was measured that says why ``result`` gains nothing on ``base`` ("" if nothing)."""
    ours, theirs, short = result.notes, base.notes, base.name.split(":")[0]
    if "heldout_cosine" in ours and "heldout_cosine" in theirs:
        a, b = ours["heldout_cosine"], theirs["heldout_cosine"]
        return (f"its vectors for held-out known words are {'no closer' if a <= b else 'closer'} "
                f"to the true ones than {short}'s (cosine {a:.3f} vs {b:.3f})"
                + ("" if a <= b else ", yet the ranking does not follow"))
    if "top_n" in ours:
        return (f"it only reorders {short}'s top {ours['top_n']}: {short} already ranks the "
                f"duplicate first for {base.metrics['hits@1']:.3f} of the questions and within "
                f"its top 100 for {base.metrics['hits@100']:.3f}; the re-ranker moved Hits@1 by "
                f"{result.metrics['hits@1'] - base.metrics['hits@1']:+.3f}")
    if "eval_loss" in ours and "eval_loss" in theirs:
        a, b = ours["eval_loss"], theirs["eval_loss"]
        return (f"it fits held-out duplicate pairs {'no better' if a >= b else 'better'} than "
                f"{short} (NT-Xent {a:.3f} vs {b:.3f})"
                + ("" if a >= b else ", yet the ranking does not follow"))
    return ""


def plot_hits(results: Sequence[MethodResult], title: str = "", path: str | Path | None = None):
    """Hits@K against K (log scale), one panel per group: the methods that extend nothing
    (Parts 1-3, baselines), then each method extended with its extensions, the base drawn in
    black; saved as PNG to ``path`` when given. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    names = {result.name for result in results}
    groups = [("Parts 1-3 and baselines", [r for r in results if r.extends not in names])]
    for base in results:
        extensions = [r for r in results if r.extends == base.name]
        if extensions:
            groups.append((f"extending {base.name}", [base, *extensions]))
    figure, panels = plt.subplots(1, len(groups), figsize=(5.2 * len(groups), 4.8), sharey=True,
                                  squeeze=False)
    for panel, (panel_title, members) in zip(panels[0], groups):
        for index, result in enumerate(members):
            is_base = index == 0 and len(groups) > 1 and panel_title.startswith("extending")
            panel.plot(TABLE_KS, [result.metrics[f"hits@{k}"] for k in TABLE_KS],
                       color="black" if is_base else plt.cm.tab10(index % 10),
                       linestyle=("-", "--", "-.", ":")[index % 4], marker="os^Dv<>p"[index % 8],
                       linewidth=2.5 if is_base else 1.5, label=result.name)
        panel.set(xscale="log", xlabel="K", ylim=(0, 1.02), title=panel_title)
        panel.set_xticks(TABLE_KS, [str(k) for k in TABLE_KS])
        panel.grid(True, alpha=0.3)
        panel.legend(fontsize=8, loc="lower right")
    panels[0][0].set_ylabel("Hits@K")
    figure.suptitle(title)
    figure.tight_layout()
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=120)
    return figure


__all__ = ["METHODS", "METRIC_COLUMNS", "Comparison", "MethodResult", "Settings",
           "comparison_notes", "plot_hits", "results_table", "why_not"]
