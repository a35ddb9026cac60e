"""Unit tests for Part 3 (``hw_utils.dssm``): each public class, edge cases and bad input."""
import math
from itertools import combinations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader

from hw_utils import set_seed
from hw_utils.dssm import (PAIRINGS, DssmLikeModel, HitsAtK, NTExentLoss,
                           QuestionDuplicatesDataset, Trainer, build_question_pairs, build_vocab,
                           collate_fn, default_device, get_ids_and_offsets, read_scalars,
                           word_vectors)
from hw_utils.text import TextTokenizer

ROWS = [["python list sort", "sort list python", "python sort"],
        ["java string split", "split string java"],
        ["jquery click event", "click event jquery", "jquery event", "jquery click"]]

token_lists = st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=8)


def numpy_nt_xent(q: np.ndarray, d: np.ndarray, alpha: float) -> float:
    """The loss written out in float64 NumPy, independently of the module."""
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    logits = q @ d.T / alpha

    def mean_log_softmax_diagonal(x):
        log_softmax = x - np.log(np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True)) \
            - x.max(1, keepdims=True)
        return np.diag(log_softmax).mean()

    return float(-0.5 * mean_log_softmax_diagonal(logits) - 0.5 * mean_log_softmax_diagonal(logits.T))


def fixed_pair_problem(n_pairs: int = 64, vocab: int = 40, seed: int = 0):
    """Pairs of questions that share words: a problem the model can learn in a few steps."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n_pairs):
        words = rng.choice(vocab, size=4, replace=False)
        pairs.append((" ".join(f"w{w}" for w in words[:3]), " ".join(f"w{w}" for w in words[1:])))
    tokenizer = TextTokenizer({f"w{i}": i for i in range(vocab)})
    return pairs, tokenizer


def make_trainer(tmp_path, pairs, tokenizer, **kwargs):
    set_seed(0)
    model = DssmLikeModel(tokenizer.vocab_size, 8)
    loader = DataLoader(QuestionDuplicatesDataset(pairs, tokenizer), batch_size=16,
                        collate_fn=collate_fn)
    trainer = Trainer(model, torch.optim.SparseAdam(model.parameters(), lr=0.05),
                      NTExentLoss(alpha=0.1), logdir=tmp_path / "runs", device="cpu", **kwargs)
    return trainer, {"train": loader, "val": loader}


# --- vocabulary and tokenizer ------------------------------------------------------------------

def test_build_vocab_orders_by_count_then_word():
    vocab = build_vocab(["b a c", "a b", "a"])
    assert vocab == {"a": 0, "b": 1, "c": 2}
    assert build_vocab(["b a c", "a b", "a"], min_count=2) == {"a": 0, "b": 1}


def test_build_vocab_empty_corpus_says_so():
    with pytest.raises(ValueError, match="vocabulary is empty"):
        build_vocab([])
    with pytest.raises(ValueError, match="vocabulary is empty"):
        build_vocab(["", "   "])


def test_tokenizer_skips_unknown_words_and_handles_an_empty_vocabulary():
    tokenizer = TextTokenizer(build_vocab(["python list", "python"]))
    assert tokenizer("python unknown list") == [0, 1]
    assert tokenizer("") == []
    empty = TextTokenizer({})
    assert empty.vocab_size == 0 and empty("any words") == []


def test_model_refuses_an_empty_vocabulary():
    with pytest.raises(ValueError, match="empty vocabulary"):
        DssmLikeModel(TextTokenizer({}).vocab_size, 8)


# --- pairs --------------------------------------------------------------------------------------

def test_build_question_pairs_three_ways():
    row = [["q1", "q2", "q3", "q4"]]
    assert build_question_pairs(row, "first_two") == [("q1", "q2")]
    assert build_question_pairs(row, "first_with_each") == [("q1", "q2"), ("q1", "q3"),
                                                            ("q1", "q4")]
    assert build_question_pairs(row, "all_pairs") == list(combinations(row[0], 2))
    assert build_question_pairs([["alone"]], "all_pairs") == []
    with pytest.raises(ValueError, match="unknown pairing"):
        build_question_pairs(row, "every_other")


@given(st.lists(st.integers(0, 7), max_size=10))
def test_build_question_pairs_counts(lengths):
    rows = [[f"r{r}q{i}" for i in range(n)] for r, n in enumerate(lengths)]
    counts = {how: len(build_question_pairs(rows, how)) for how in PAIRINGS}
    assert counts["first_two"] == sum(n >= 2 for n in lengths)
    assert counts["first_with_each"] == sum(max(n - 1, 0) for n in lengths)
    assert counts["all_pairs"] == sum(n * (n - 1) // 2 for n in lengths)


# --- dataset, ids and offsets, collate ----------------------------------------------------------

def test_dataset_items_are_the_tokenized_pairs():
    tokenizer = TextTokenizer(build_vocab(t for row in ROWS for t in row))
    pairs = build_question_pairs(ROWS) + [("nothing known", "python")]
    dataset = QuestionDuplicatesDataset(pairs, tokenizer)
    assert len(dataset) == len(pairs)
    for (question, duplicate), (q_ids, d_ids) in zip(pairs, dataset):
        assert list(q_ids) == tokenizer(question) and list(d_ids) == tokenizer(duplicate)
    assert len(dataset[-1][0]) == 0 and dataset[-1][0].dtype == np.int64
    assert list(dataset.seen_ids()) == sorted({i for q, d in pairs for i in tokenizer(q + " " + d)})
    with pytest.raises(IndexError):
        dataset[len(pairs)]


def test_dataset_of_no_pairs():
    dataset = QuestionDuplicatesDataset([], TextTokenizer({"a": 0}))
    assert len(dataset) == 0 and list(dataset.seen_ids()) == []


def test_get_ids_and_offsets_example():
    ids, offsets = get_ids_and_offsets([[4, 5, 6], [], [7], [8, 9]])
    assert ids.tolist() == [4, 5, 6, 7, 8, 9] and offsets.tolist() == [0, 3, 3, 4]
    assert ids.dtype == offsets.dtype == torch.int64


@given(token_lists)
def test_get_ids_and_offsets_property(questions):
    ids, offsets = get_ids_and_offsets(questions)
    assert ids.tolist() == [i for question in questions for i in question]
    assert len(offsets) == len(questions)
    ends = offsets.tolist()[1:] + [len(ids)]
    assert [ids[s:e].tolist() for s, e in zip(offsets.tolist(), ends)] == questions


@settings(deadline=None, max_examples=30)
@given(token_lists)
def test_model_equals_the_mean_of_word_vectors(questions):
    torch.manual_seed(0)
    model = DssmLikeModel(10, 5)
    out = model(*get_ids_and_offsets(questions))
    table = model.embeddings.weight.detach()
    expected = torch.stack([table[q].mean(0) if q else torch.zeros(5) for q in questions])
    torch.testing.assert_close(out.detach(), expected)


def test_collate_fn_through_a_dataloader():
    tokenizer = TextTokenizer(build_vocab(t for row in ROWS for t in row))
    dataset = QuestionDuplicatesDataset(build_question_pairs(ROWS), tokenizer)
    loader = DataLoader(dataset, batch_size=4, collate_fn=collate_fn)
    (q_ids, q_offsets), (d_ids, d_offsets) = next(iter(loader))
    assert q_offsets.shape == d_offsets.shape == (4,)
    assert q_ids.tolist() == [i for k in range(4) for i in dataset[k][0]]
    assert d_ids.tolist() == [i for k in range(4) for i in dataset[k][1]]
    assert all(t.dtype == torch.int64 for t in (q_ids, q_offsets, d_ids, d_offsets))


# --- model --------------------------------------------------------------------------------------

def test_model_shapes_with_empty_questions():
    model = DssmLikeModel(20, 6)
    batch = collate_fn([(np.array([1, 2]), np.array([], dtype=np.int64)),
                        (np.array([], dtype=np.int64), np.array([3]))])
    questions, duplicates = model(*batch[0]), model(*batch[1])
    assert questions.shape == duplicates.shape == (2, 6)
    assert torch.all(questions[1] == 0) and torch.all(duplicates[0] == 0)
    all_empty = model(*get_ids_and_offsets([[], [], []]))
    assert all_empty.shape == (3, 6) and torch.all(all_empty == 0)


def test_model_gradients_are_sparse():
    model = DssmLikeModel(1000, 4)
    model(*get_ids_and_offsets([[1, 2], [3]])).sum().backward()
    assert model.embeddings.weight.grad.is_sparse
    assert DssmLikeModel(10, 4, sparse=False).embeddings.sparse is False


# --- NT-Xent ------------------------------------------------------------------------------------

FIXED_Q = np.array([[1., 2., 0.], [0., 1., -1.], [3., 0., 1.], [-1., -1., 2.]])
FIXED_D = np.array([[1., 1., 0.], [0., 2., -1.], [2., 1., 1.], [0., -1., 1.]])


@pytest.mark.parametrize("alpha", [1., 0.5, 0.05])
def test_nt_xent_matches_numpy(alpha):
    loss = NTExentLoss(alpha=alpha)(torch.tensor(FIXED_Q), torch.tensor(FIXED_D))
    assert loss.shape == ()
    assert math.isclose(loss.item(), numpy_nt_xent(FIXED_Q, FIXED_D, alpha), rel_tol=1e-9)


def test_nt_xent_known_value():
    # Orthonormal questions, each its own duplicate: logits 1/alpha on the diagonal, 0 elsewhere.
    loss = NTExentLoss(alpha=0.5)(torch.eye(3), torch.eye(3))
    assert math.isclose(loss.item(), -math.log(math.exp(2) / (math.exp(2) + 2)), rel_tol=1e-6)


@settings(deadline=None, max_examples=40)
@given(st.integers(1, 6), st.integers(1, 5), st.floats(0.01, 5.), st.integers(0, 2 ** 16))
def test_nt_xent_is_symmetric(batch, dim, alpha, seed):
    generator = torch.Generator().manual_seed(seed)
    q = torch.randn(batch, dim, generator=generator, dtype=torch.float64)
    d = torch.randn(batch, dim, generator=generator, dtype=torch.float64)
    criterion = NTExentLoss(alpha=alpha)
    assert math.isclose(criterion(q, d).item(), criterion(d, q).item(), rel_tol=1e-12,
                        abs_tol=1e-12)


def test_nt_xent_normalize_and_stability():
    criterion = NTExentLoss(alpha=1e-4)
    x = torch.tensor([[3., 4.], [0., 0.]])
    torch.testing.assert_close(criterion._normalize(x), torch.tensor([[0.6, 0.8], [0., 0.]]))
    q = torch.tensor([[1e6, 0.], [0., 1e-6], [0., 0.]], requires_grad=True)
    loss = criterion(q, torch.tensor([[1., 0.], [0., 1.], [1., 1.]]))
    loss.backward()
    assert math.isfinite(loss.item()) and torch.isfinite(q.grad).all()
    with pytest.raises(ValueError, match="temperature"):
        NTExentLoss(alpha=0.)


def test_nt_xent_with_empty_questions_in_the_batch():
    model = DssmLikeModel(10, 4)
    (q_ids, q_offsets), (d_ids, d_offsets) = collate_fn(
        [(np.array([1]), np.array([2])), (np.array([], dtype=np.int64), np.array([3])),
         (np.array([], dtype=np.int64), np.array([], dtype=np.int64))])
    loss = NTExentLoss()(model(q_ids, q_offsets), model(d_ids, d_offsets))
    loss.backward()
    assert math.isfinite(loss.item())
    assert torch.isfinite(model.embeddings.weight.grad.to_dense()).all()


# --- trainer ------------------------------------------------------------------------------------

def test_trainer_step_lowers_the_loss(tmp_path):
    pairs, tokenizer = fixed_pair_problem()
    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer)
    before = trainer._eval_step(loaders["val"])
    trainer._train_step(loaders["train"])
    after = trainer._eval_step(loaders["val"])
    assert after < before - 0.05, (before, after)


def test_trainer_logs_checkpoints_and_resumes(tmp_path):
    pairs, tokenizer = fixed_pair_problem()
    hits = HitsAtK([["w1 w2", "w2 w3", "w30 w31", "w32"]], tokenizer, ks=(1, 2))
    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer,
                                    checkpoint_dir=tmp_path / "ckpt", hits=hits)
    assert trainer.device == torch.device("cpu")
    history = trainer.train(loaders, n_epochs=2)
    assert [record["epoch"] for record in history] == [1, 2]
    assert history[1]["eval_loss"] < history[0]["eval_loss"]
    assert set(history[1]["hits"]) == {1, 2}

    scalars = read_scalars(tmp_path / "runs")
    assert scalars["loss/train"][0] == list(range(1, 2 * len(loaders["train"]) + 1))
    assert scalars["loss/eval"][0] == [1, 2] and scalars["hits/1"][0] == [1, 2]

    state = torch.load(tmp_path / "ckpt" / "last.pt", weights_only=True)
    assert state["epoch"] == 2 and state["global_step"] == 2 * len(loaders["train"])

    resumed, _ = make_trainer(tmp_path, pairs, tokenizer, checkpoint_dir=tmp_path / "ckpt",
                              resume=True)
    assert resumed.epoch == 2 and len(resumed.history) == 2
    torch.testing.assert_close(resumed.model.embeddings.weight, trainer.model.embeddings.weight)
    assert len(resumed.train(loaders, n_epochs=2)) == 2  # nothing left to do
    assert [r["epoch"] for r in resumed.train(loaders, n_epochs=3)] == [1, 2, 3]


def test_trainer_resume_equals_an_uninterrupted_run(tmp_path):
    pairs, tokenizer = fixed_pair_problem()
    straight, loaders = make_trainer(tmp_path / "a", pairs, tokenizer)
    straight.train(loaders, n_epochs=3)
    first, loaders = make_trainer(tmp_path / "b", pairs, tokenizer, checkpoint_dir=tmp_path / "c")
    first.train(loaders, n_epochs=1)
    second, loaders = make_trainer(tmp_path / "b", pairs, tokenizer,
                                   checkpoint_dir=tmp_path / "c", resume=True)
    second.train(loaders, n_epochs=3)  # the loader is not shuffled: the same batches
    torch.testing.assert_close(second.model.embeddings.weight, straight.model.embeddings.weight)


def test_trainer_unwritable_logdir(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    pairs, tokenizer = fixed_pair_problem()
    model = DssmLikeModel(tokenizer.vocab_size, 4)
    optimizer = torch.optim.SparseAdam(model.parameters())
    with pytest.raises(OSError, match="logdir .* cannot be written"):
        Trainer(model, optimizer, NTExentLoss(), logdir=blocker / "runs")
    with pytest.raises(OSError, match="checkpoint_dir .* cannot be written"):
        Trainer(model, optimizer, NTExentLoss(), logdir=tmp_path / "runs",
                checkpoint_dir=blocker / "ckpt")


def test_trainer_stops_on_nan_and_keeps_the_checkpoint(tmp_path):
    pairs, tokenizer = fixed_pair_problem()

    class NaNAfter(NTExentLoss):
        calls = 0

        def forward(self, embeddings, positives):
            NaNAfter.calls += 1
            loss = super().forward(embeddings, positives)
            return loss * math.nan if NaNAfter.calls > 6 else loss

    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer, checkpoint_dir=tmp_path / "ckpt")
    trainer.criterion = NaNAfter(alpha=0.1)
    del loaders["val"]
    with pytest.raises(FloatingPointError, match=r"loss is nan at epoch 2.*epoch 1 is kept"):
        trainer.train(loaders, n_epochs=3)  # 4 batches an epoch: NaN in epoch 2
    assert torch.isfinite(trainer.model.embeddings.weight).all()
    state = torch.load(tmp_path / "ckpt" / "last.pt", weights_only=True)
    assert state["epoch"] == 1 and torch.isfinite(state["model"]["embeddings.weight"]).all()


def test_trainer_needs_a_train_loader(tmp_path):
    pairs, tokenizer = fixed_pair_problem()
    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer)
    with pytest.raises(KeyError, match="'train' loader"):
        trainer.train({"val": loaders["val"]}, n_epochs=1)


def test_default_device():
    assert default_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


# --- evaluation and word vectors ----------------------------------------------------------------

def test_hits_at_k_brute_force():
    tokenizer = TextTokenizer({f"w{i}": i for i in range(6)})
    torch.manual_seed(1)
    model = DssmLikeModel(6, 3)
    samples = [["w0", "w1", "w2", "w3 w4", "w5", "unknown"], ["w1 w2", "w3", "w0", "w4"]]
    table = model.embeddings.weight.detach().numpy()

    def embed(text):
        ids = tokenizer(text)
        vector = table[ids].mean(0) if ids else np.zeros(3)
        return vector / (np.linalg.norm(vector) or 1.)

    counts = []
    for sample in samples:
        q, pos, *negs = [embed(text) for text in sample]
        counts.append(sum(float(q @ n) > float(q @ pos) for n in negs))
    hits = HitsAtK(samples, tokenizer, ks=(1, 2, 5))(model)
    assert hits == {k: float(np.mean([c < k for c in counts])) for k in (1, 2, 5)}
    assert model.training


def test_word_vectors_are_the_embedding_rows():
    tokenizer = TextTokenizer({"a": 0, "b": 1, "c": 2})
    model = DssmLikeModel(3, 4)
    vectors = word_vectors(model, tokenizer)
    assert vectors.vector_size == 4 and len(vectors) == 3
    np.testing.assert_array_equal(vectors["b"], model.embeddings.weight.detach().numpy()[1])
    only_seen = word_vectors(model, tokenizer, seen_ids=[0, 2])
    assert "a" in only_seen and "c" in only_seen and "b" not in only_seen
