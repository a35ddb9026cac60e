"""TaskTests for Part 3: the DSSM-like model trained with NT-Xent (``hw_utils.dssm``).

See base.py for the observe/check convention. The checks run the student's classes on small fixed
inputs and need no data. Ground truth (``test_gt.json``, top level): ``nt_xent_loss``, the loss
on ``NT_XENT_QUESTIONS``/``NT_XENT_DUPLICATES`` for each temperature of ``NT_XENT_ALPHAS``,
computed in float64 NumPy by ``tools/gt/part3.py``, independently of ``hw_utils``. Part 3's
quality (Hits@500 of its vectors) is graded by the grader's quality bar on the real data.

In a notebook::

    task_tests.test_dssm_tokenizer(TextTokenizer)
    task_tests.test_question_dataset(QuestionDuplicatesDataset, TextTokenizer)
    task_tests.test_ids_and_offsets(get_ids_and_offsets)
    task_tests.test_dssm_collate(collate_fn)
    task_tests.test_dssm_model(DssmLikeModel)
    task_tests.test_nt_xent_loss(NTExentLoss)
    task_tests.test_dssm_trainer(DssmLikeModel, NTExentLoss, Trainer)
"""
import math
import tempfile

import numpy as np

from tests.task_tests.base import assert_close

TOKENIZER_VOCAB = {"python": 0, "sort": 1, "list": 2, "dict": 3, "by": 4, "value": 5}
TOKENIZER_TEXTS = ("sort dict by value", "python list unknownword sort", "", "nothing known here",
                   "python python")
DATASET_PAIRS = (("sort dict by value", "python sort dict"), ("unknown words only", "list"),
                 ("python list", ""))
IDS_AND_OFFSETS_INPUT = ([4, 5, 6], [], [7], [8, 9])
COLLATE_BATCH = (([1, 2], [3]), ([], [4, 5]), ([6], []))
NT_XENT_QUESTIONS = ((1., 2., 0.), (0., 1., -1.), (3., 0., 1.), (-1., -1., 2.))
NT_XENT_DUPLICATES = ((1., 1., 0.), (0., 2., -1.), (2., 1., 1.), (0., -1., 1.))
NT_XENT_ALPHAS = (1., 0.5, 0.05)
NT_XENT_RTOL = 1e-5
MODEL_VOCAB, MODEL_DIM = 20, 8
TRAINER_PAIRS, TRAINER_VOCAB, TRAINER_BATCH = 64, 40, 16


def nt_xent_reference(questions, duplicates, alpha: float) -> float:
    """NT-Xent in float64 NumPy, written out from the formula (the ground truth's definition)."""
    q = np.asarray(questions, dtype=np.float64)
    d = np.asarray(duplicates, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)

    def mean_log_softmax_diagonal(logits):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_softmax = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return float(np.mean(np.diag(log_softmax)))

    logits = q @ d.T / alpha
    return -0.5 * mean_log_softmax_diagonal(logits) - 0.5 * mean_log_softmax_diagonal(logits.T)


def trainer_problem():
    """Pairs of questions sharing two of their three words: learnable in one epoch."""
    rng = np.random.default_rng(0)
    pairs = []
    for _ in range(TRAINER_PAIRS):
        words = [f"w{i}" for i in rng.choice(TRAINER_VOCAB, size=4, replace=False)]
        pairs.append((" ".join(words[:3]), " ".join(words[1:])))
    return pairs, {f"w{i}": i for i in range(TRAINER_VOCAB)}


class Part3Tests:
    """Checks for Part 3."""

    # --- the tokenizer ------------------------------------------------------------------------
    @staticmethod
    def observe_dssm_tokenizer(tokenizer_cls) -> dict:
        tokenizer = tokenizer_cls(TOKENIZER_VOCAB)
        empty = tokenizer_cls({})
        return {"vocab_size": int(tokenizer.vocab_size),
                "ids": [[int(i) for i in tokenizer(text)] for text in TOKENIZER_TEXTS],
                "empty_vocab_size": int(empty.vocab_size),
                "empty_vocab_ids": [int(i) for i in empty("python sort")]}

    def check_dssm_tokenizer(self, observed: dict) -> None:
        _expect_equal(observed["vocab_size"], len(TOKENIZER_VOCAB),
                      f"TextTokenizer({TOKENIZER_VOCAB}).vocab_size")
        for text, ids in zip(TOKENIZER_TEXTS, observed["ids"]):
            _expect_equal(ids, _tokenize(text), f"tokenizer({text!r}) (unknown words skipped)")
        _expect_equal(observed["empty_vocab_size"], 0, "TextTokenizer({}).vocab_size")
        _expect_equal(observed["empty_vocab_ids"], [], "TextTokenizer({})('python sort')")

    def test_dssm_tokenizer(self, tokenizer_cls) -> None:
        self.check_dssm_tokenizer(self.observe_dssm_tokenizer(tokenizer_cls))

    # --- the dataset --------------------------------------------------------------------------
    @staticmethod
    def observe_question_dataset(dataset_cls, tokenizer_cls) -> dict:
        dataset = dataset_cls(list(DATASET_PAIRS), tokenizer_cls(TOKENIZER_VOCAB))
        items = [dataset[index] for index in range(len(dataset))]
        return {"length": len(dataset),
                "items": [[_int_list(question), _int_list(duplicate)]
                          for question, duplicate in items]}

    def check_question_dataset(self, observed: dict) -> None:
        _expect_equal(observed["length"], len(DATASET_PAIRS), "len(QuestionDuplicatesDataset)")
        for index, ((question, duplicate), item) in enumerate(zip(DATASET_PAIRS,
                                                                  observed["items"])):
            _expect_equal(item, [_tokenize(question), _tokenize(duplicate)],
                          f"dataset[{index}] for the pair {(question, duplicate)!r}")

    def test_question_dataset(self, dataset_cls, tokenizer_cls) -> None:
        self.check_question_dataset(self.observe_question_dataset(dataset_cls, tokenizer_cls))

    # --- ids and offsets, collate --------------------------------------------------------------
    @staticmethod
    def observe_ids_and_offsets(get_ids_and_offsets) -> dict:
        ids, offsets = get_ids_and_offsets([list(q) for q in IDS_AND_OFFSETS_INPUT])
        return {"ids": _tensor_facts(ids), "offsets": _tensor_facts(offsets)}

    def check_ids_and_offsets(self, observed: dict) -> None:
        what = f"get_ids_and_offsets({[list(q) for q in IDS_AND_OFFSETS_INPUT]})"
        ids, offsets = _ids_and_offsets(IDS_AND_OFFSETS_INPUT)
        _expect_tensor(observed["ids"], ids, f"{what}: ids")
        _expect_tensor(observed["offsets"], offsets, f"{what}: offsets (start of each question)")

    def test_ids_and_offsets(self, get_ids_and_offsets) -> None:
        self.check_ids_and_offsets(self.observe_ids_and_offsets(get_ids_and_offsets))

    @staticmethod
    def observe_dssm_collate(collate_fn) -> dict:
        (q_ids, q_offsets), (d_ids, d_offsets) = collate_fn(
            [(list(question), list(duplicate)) for question, duplicate in COLLATE_BATCH])
        return {"q_ids": _tensor_facts(q_ids), "q_offsets": _tensor_facts(q_offsets),
                "d_ids": _tensor_facts(d_ids), "d_offsets": _tensor_facts(d_offsets)}

    def check_dssm_collate(self, observed: dict) -> None:
        what = f"collate_fn({[tuple(map(list, pair)) for pair in COLLATE_BATCH]})"
        for side, column in (("q", 0), ("d", 1)):
            ids, offsets = _ids_and_offsets([pair[column] for pair in COLLATE_BATCH])
            _expect_tensor(observed[f"{side}_ids"], ids, f"{what}: {side}_ids")
            _expect_tensor(observed[f"{side}_offsets"], offsets, f"{what}: {side}_offsets")

    def test_dssm_collate(self, collate_fn) -> None:
        self.check_dssm_collate(self.observe_dssm_collate(collate_fn))

    # --- the model ----------------------------------------------------------------------------
    @staticmethod
    def observe_dssm_model(model_cls) -> dict:
        import torch

        torch.manual_seed(0)
        model = model_cls(MODEL_VOCAB, MODEL_DIM)
        model.eval()

        def embed(questions):
            lengths = [len(q) for q in questions]
            offsets = torch.tensor([0] + lengths[:-1]).cumsum(0)
            ids = torch.tensor([i for q in questions for i in q], dtype=torch.long)
            return model(ids, offsets).detach().double()

        with torch.no_grad():
            batch = embed([[1, 2], [], [3]])
            alone = torch.cat([embed([[1, 2]]), embed([[3]])])
            mean = (embed([[1]]) + embed([[2]])) / 2
            all_empty = embed([[], []])
        return {"shape": list(batch.shape), "finite": bool(torch.isfinite(batch).all()),
                "empty_row_is_zero": bool((batch[1] == 0).all()),
                "all_empty_shape": list(all_empty.shape),
                "all_empty_is_zero": bool((all_empty == 0).all()),
                "batch_matches_alone": bool(torch.allclose(batch[[0, 2]], alone, atol=1e-6)),
                "is_mean_of_words": bool(torch.allclose(batch[0], mean[0], atol=1e-6))}

    def check_dssm_model(self, observed: dict) -> None:
        what = f"DssmLikeModel({MODEL_VOCAB}, {MODEL_DIM})"
        _expect_equal(observed["shape"], [3, MODEL_DIM],
                      f"{what} on 3 questions (one empty): output shape")
        _expect_equal(observed["finite"], True, f"{what}: all outputs finite")
        _expect_equal(observed["empty_row_is_zero"], True,
                      f"{what}: an empty question gives the zero vector")
        _expect_equal(observed["all_empty_shape"], [2, MODEL_DIM],
                      f"{what} on 2 empty questions: output shape")
        _expect_equal(observed["all_empty_is_zero"], True, f"{what} on empty questions: zeros")
        _expect_equal(observed["batch_matches_alone"], True,
                      f"{what}: each question's embedding in a batch equals its embedding alone "
                      f"(offsets are start offsets)")
        _expect_equal(observed["is_mean_of_words"], True,
                      f"{what}: a question's embedding is the mean of its words' "
                      f"(EmbeddingBag mode='mean')")

    def test_dssm_model(self, model_cls) -> None:
        self.check_dssm_model(self.observe_dssm_model(model_cls))

    # --- the loss -----------------------------------------------------------------------------
    @staticmethod
    def observe_nt_xent_loss(loss_cls) -> dict:
        import torch

        questions = torch.tensor(NT_XENT_QUESTIONS, dtype=torch.float64)
        duplicates = torch.tensor(NT_XENT_DUPLICATES, dtype=torch.float64)
        values, swapped = [], []
        for alpha in NT_XENT_ALPHAS:
            criterion = loss_cls(alpha=alpha)
            values.append(float(criterion(questions, duplicates)))
            swapped.append(float(criterion(duplicates, questions)))
        with_empty = questions.clone()
        with_empty[1] = 0.
        return {"values": values, "swapped": swapped,
                "with_zero_row": float(loss_cls()(with_empty, duplicates)),
                "default_alpha": float(loss_cls()(questions, duplicates))}

    def check_nt_xent_loss(self, observed: dict) -> None:
        expected = self.gt["nt_xent_loss"] if "nt_xent_loss" in self.gt else [
            nt_xent_reference(NT_XENT_QUESTIONS, NT_XENT_DUPLICATES, alpha)
            for alpha in NT_XENT_ALPHAS]
        for alpha, want, got, swapped in zip(NT_XENT_ALPHAS, expected, observed["values"],
                                             observed["swapped"]):
            assert_close(got, want, name=f"NTExentLoss(alpha={alpha}) on the fixed input",
                         rtol=NT_XENT_RTOL)
            assert_close(swapped, got, name=f"NTExentLoss(alpha={alpha}) with its arguments "
                                            f"swapped (the loss is symmetric)", rtol=NT_XENT_RTOL)
        assert_close(observed["default_alpha"], expected[0],
                     name="NTExentLoss() (default alpha=1.)", rtol=NT_XENT_RTOL)
        if not math.isfinite(observed["with_zero_row"]):
            raise AssertionError(f"NTExentLoss() with a zero row (an empty question): expected a "
                                 f"finite loss (eps in the normalisation), got "
                                 f"{observed['with_zero_row']}")

    def test_nt_xent_loss(self, loss_cls) -> None:
        self.check_nt_xent_loss(self.observe_nt_xent_loss(loss_cls))

    # --- the trainer --------------------------------------------------------------------------
    @staticmethod
    def observe_dssm_trainer(model_cls, loss_cls, trainer_cls) -> dict:
        """One epoch of ``Trainer._train_step`` on a small fixed problem, on the CPU."""
        import torch
        from torch.utils.data import DataLoader

        from hw_utils.dssm import QuestionDuplicatesDataset, collate_fn, read_scalars
        from hw_utils.text import TextTokenizer

        pairs, vocab = trainer_problem()
        torch.manual_seed(0)
        model = model_cls(TRAINER_VOCAB, 8)
        sparse = any(getattr(module, "sparse", False) for module in model.modules())
        optimizer = (torch.optim.SparseAdam if sparse else torch.optim.Adam)(
            list(model.parameters()), lr=0.05)
        loader = DataLoader(QuestionDuplicatesDataset(pairs, TextTokenizer(vocab)),
                            batch_size=TRAINER_BATCH, collate_fn=collate_fn)
        with tempfile.TemporaryDirectory() as logdir:
            trainer = trainer_cls(model, optimizer, loss_cls(alpha=0.1), logdir=logdir,
                                  device="cpu")
            before = float(trainer._eval_step(loader))
            returned = trainer._train_step(loader)
            after = float(trainer._eval_step(loader))
            trainer.writer.flush()
            logged = read_scalars(logdir)
        return {"before": before, "after": after, "batches": len(loader),
                "returned": float(returned) if isinstance(returned, (int, float)) else None,
                "logged_train_points": max((len(steps) for tag, (steps, _) in logged.items()
                                            if "train" in tag), default=0)}

    def check_dssm_trainer(self, observed: dict) -> None:
        what = (f"Trainer on a fixed problem ({TRAINER_PAIRS} pairs, batch {TRAINER_BATCH}, "
                f"NTExentLoss(alpha=0.1), Adam lr=0.05)")
        if not observed["after"] < observed["before"] - 0.05:
            raise AssertionError(f"{what}: expected one epoch of _train_step to lower the eval "
                                 f"loss by more than 0.05, got {observed['before']:.4f} before "
                                 f"and {observed['after']:.4f} after")
        if observed["returned"] is None or not math.isfinite(observed["returned"]):
            raise AssertionError(f"{what}: expected _train_step to return the epoch's mean loss "
                                 f"(a finite float), got {observed['returned']!r}")
        _expect_equal(observed["logged_train_points"], observed["batches"],
                      f"{what}: train-loss points written to TensorBoard in one epoch "
                      f"(one per batch)")

    def test_dssm_trainer(self, model_cls, loss_cls, trainer_cls) -> None:
        self.check_dssm_trainer(self.observe_dssm_trainer(model_cls, loss_cls, trainer_cls))


def _tokenize(text: str) -> list[int]:
    return [TOKENIZER_VOCAB[word] for word in text.split() if word in TOKENIZER_VOCAB]


def _ids_and_offsets(questions) -> tuple[list[int], list[int]]:
    offsets = [0]
    for question in questions[:-1]:
        offsets.append(offsets[-1] + len(question))
    return [i for question in questions for i in question], offsets


def _int_list(values) -> list[int]:
    return [int(value) for value in np.asarray(values).ravel()]


def _tensor_facts(value) -> dict:
    """What the checks need to know about a returned tensor, as JSON."""
    import torch

    return {"is_tensor": isinstance(value, torch.Tensor),
            "dtype": str(value.dtype).replace("torch.", "") if hasattr(value, "dtype") else None,
            "values": _int_list(value.cpu() if isinstance(value, torch.Tensor) else value)}


def _expect_tensor(observed: dict, expected: list[int], what: str) -> None:
    if not observed["is_tensor"] or observed["dtype"] != "int64":
        raise AssertionError(f"{what}: expected a torch int64 tensor (what EmbeddingBag takes), "
                             f"got {'a tensor' if observed['is_tensor'] else 'no tensor'} of "
                             f"dtype {observed['dtype']}")
    _expect_equal(observed["values"], expected, what)


def _expect_equal(actual, expected, what: str) -> None:
    if actual != expected:
        raise AssertionError(f"{what}: expected {expected!r}, got {actual!r}")
