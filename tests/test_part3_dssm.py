"""Part 3 (``hw_utils.dssm``, the course's templates) and its flow in ``instructor.pipeline``, on
synthetic data."""
from itertools import combinations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from torch.utils.data import DataLoader

from hw_utils import recipes, set_seed
from hw_utils.dssm import (DssmLikeModel, NTExentLoss, QuestionDuplicatesDataset, Trainer,
                           collate_fn, get_ids_and_offsets)
from hw_utils.text import TextTokenizer
from instructor.pipeline import (PAIRINGS, build_vocab, dssm_tokenizer, dssm_word_vectors,
                            question_pairs, train_eval_pairs)

ROWS = [["python list sort", "sort list python", "python sort"],
        ["java string split", "split string java"],
        ["jquery click event", "click event jquery", "jquery event", "jquery click"]]

token_lists = st.lists(st.lists(st.integers(0, 9), max_size=6), min_size=1, max_size=8)


def numpy_nt_xent(q: np.ndarray, d: np.ndarray, alpha: float) -> float:
    """The course's formula in float64 NumPy, independently of the module."""
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    logits = q @ d.T / alpha

    def mean_log_softmax_diagonal(x):
        shifted = x - x.max(1, keepdims=True)
        return np.diag(shifted - np.log(np.exp(shifted).sum(1, keepdims=True))).mean()

    return float(-0.5 * mean_log_softmax_diagonal(logits)
                 - 0.5 * mean_log_softmax_diagonal(logits.T))


def pair_problem(n_pairs: int = 64, vocab: int = 40, seed: int = 0):
    """Pairs of questions that share words: a problem the model can learn in a few steps."""
    rng = np.random.default_rng(seed)
    pairs = []
    for _ in range(n_pairs):
        words = rng.choice(vocab, size=4, replace=False)
        pairs.append((" ".join(f"w{w}" for w in words[:3]), " ".join(f"w{w}" for w in words[1:])))
    return pairs, TextTokenizer([f"w{i}" for i in range(vocab)])


def make_trainer(logdir, pairs, tokenizer, dim=8):
    set_seed(0)
    model = DssmLikeModel(tokenizer.vocab_size, dim)
    loader = DataLoader(QuestionDuplicatesDataset(pairs, tokenizer), batch_size=16,
                        collate_fn=collate_fn)
    trainer = Trainer(model, torch.optim.Adam(model.parameters(), lr=0.05),
                      NTExentLoss(alpha=0.1), logdir=str(logdir), device="cpu")
    return trainer, {"train": loader, "eval": loader}


def scalars(logdir) -> dict[str, list[tuple[int, float]]]:
    accumulator = EventAccumulator(str(logdir), size_guidance={"scalars": 0})
    accumulator.Reload()
    return {tag: [(event.step, event.value) for event in accumulator.Scalars(tag)]
            for tag in accumulator.Tags()["scalars"]}


# --- vocabulary, pairs, dataset ------------------------------------------------------------------

def test_build_vocab_orders_by_count_then_word_and_drops_rare_words():
    texts = ["b a", "a c", "b a", "d"]
    assert build_vocab(texts) == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert build_vocab(texts, min_count=2) == {"a": 0, "b": 1}
    tokenizer = dssm_tokenizer([texts])
    assert tokenizer.vocab_size == 4 and tokenizer("d a b e") == [3, 0, 1]


def test_question_pairs_three_ways():
    row = ["q1", "q2", "q3", "q4"]
    assert question_pairs([row, ["alone"]], "first_two") == [("q1", "q2")]
    assert question_pairs([row], "first_with_each") == [("q1", "q2"), ("q1", "q3"), ("q1", "q4")]
    assert question_pairs([row]) == list(combinations(row, 2))  # recipes.PART3_PAIRING
    assert set(PAIRINGS) == {"first_two", "first_with_each", "all_pairs"}
    with pytest.raises(ValueError, match="unknown pairing 'random'.*first_two"):
        question_pairs([row], "random")


@given(st.lists(st.integers(0, 7), max_size=10))
def test_question_pairs_counts(lengths):
    rows = [[f"r{i}q{j}" for j in range(n)] for i, n in enumerate(lengths)]
    assert len(question_pairs(rows, "first_two")) == sum(n >= 2 for n in lengths)
    assert len(question_pairs(rows, "first_with_each")) == sum(max(n - 1, 0) for n in lengths)
    assert len(question_pairs(rows, "all_pairs")) == sum(n * (n - 1) // 2 for n in lengths)


def test_train_eval_pairs_hold_out_a_reproducible_share():
    rows = [[f"r{i}q{j}" for j in range(4)] for i in range(100)]  # 600 pairs
    train, held_out = train_eval_pairs(rows)
    assert len(held_out) == round(600 * recipes.PART3_EVAL_SHARE)
    assert sorted(train + held_out) == sorted(question_pairs(rows))
    assert train_eval_pairs(rows) == (train, held_out)


def test_dataset_items_are_the_tokenized_pairs():
    tokenizer = TextTokenizer(["python", "sort", "list"])
    dataset = QuestionDuplicatesDataset([("python sort", "sort list"), ("list", "unknown")],
                                        tokenizer)
    assert len(dataset) == 2
    question, duplicate = dataset[0]
    assert list(question) == [0, 1] and list(duplicate) == [1, 2]
    assert list(dataset[1][1]) == []


# --- collate and model -------------------------------------------------------------------

def test_get_ids_and_offsets_example():
    ids, offsets = get_ids_and_offsets([[1, 2], [3], [], [4, 5, 6]])
    assert ids.tolist() == [1, 2, 3, 4, 5, 6] and offsets.tolist() == [0, 2, 3, 3]


@given(token_lists)
def test_get_ids_and_offsets_property(questions):
    ids, offsets = get_ids_and_offsets(questions)
    bounds = offsets.tolist() + [len(ids)]
    assert [ids[a:b].tolist() for a, b in zip(bounds[:-1], bounds[1:])] == questions


@settings(deadline=None, max_examples=30)
@given(token_lists)
def test_model_gives_the_mean_of_word_vectors_and_zero_for_an_empty_question(questions):
    torch.manual_seed(0)
    model = DssmLikeModel(10, 4)
    out = model(*get_ids_and_offsets(questions))
    assert out.shape == (len(questions), 4)
    table = model.embeddings.weight.detach()
    for row, question in zip(out.detach(), questions):
        expected = table[question].mean(0) if question else torch.zeros(4)
        torch.testing.assert_close(row, expected)


def test_collate_fn_through_a_dataloader():
    dataset = QuestionDuplicatesDataset([("a b", "b"), ("c", "a c")],
                                        TextTokenizer(["a", "b", "c"]))
    (q_ids, q_offsets), (d_ids, d_offsets) = next(iter(
        DataLoader(dataset, batch_size=2, collate_fn=collate_fn)))
    assert q_ids.tolist() == [0, 1, 2] and q_offsets.tolist() == [0, 2]
    assert d_ids.tolist() == [1, 0, 2] and d_offsets.tolist() == [0, 1]


# --- NT-Xent --------------------------------------------------------------------------------------

@pytest.mark.parametrize("alpha", [1., 0.5, 0.05])
def test_nt_xent_matches_the_course_s_formula(alpha):
    rng = np.random.default_rng(0)
    q, d = rng.normal(size=(5, 7)), rng.normal(size=(5, 7))
    loss = NTExentLoss(alpha=alpha)(torch.tensor(q), torch.tensor(d))
    assert loss.item() == pytest.approx(numpy_nt_xent(q, d, alpha), rel=1e-6)


def test_nt_xent_normalize_keeps_a_zero_row_zero():
    loss = NTExentLoss()
    rows = loss._normalize(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    torch.testing.assert_close(rows, torch.tensor([[0.6, 0.8], [0.0, 0.0]]))


def test_nt_xent_is_finite_with_an_empty_question_and_a_small_alpha():
    q = torch.tensor([[1.0, 0.0], [0.0, 0.0]], requires_grad=True)
    loss = NTExentLoss(alpha=0.01)(q, torch.tensor([[1.0, 0.1], [0.0, 1.0]]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(q.grad).all()


def test_nt_xent_of_perfect_pairs_is_lower_than_of_swapped_pairs():
    eye = torch.eye(4)
    loss = NTExentLoss(alpha=0.1)
    assert loss(eye, eye) < loss(eye, eye.flip(0))


# --- Trainer ----------------------------------------------------------------------------------

def test_trainer_trains_and_returns_train_and_eval_losses(tmp_path):
    pairs, tokenizer = pair_problem()
    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer)
    history = trainer.train(loaders, n_epochs=3)
    assert len(history) == 3 and all(len(epoch) == 2 for epoch in history)
    assert history[-1][1] < history[0][1] - 0.05, history


def test_trainer_logs_each_batch_and_each_epoch_s_eval_loss(tmp_path):
    pairs, tokenizer = pair_problem()
    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer)
    history = trainer.train(loaders, n_epochs=2)
    trainer.writer.close()
    logged = scalars(tmp_path)
    per_batch = [values for tag, values in logged.items() if len(values) == 2 * len(
        loaders["train"])]
    per_epoch = [values for tag, values in logged.items() if len(values) == 2]
    assert len(per_batch) == 1 and len(per_epoch) == 1, logged
    assert [value for _, value in per_epoch[0]] == pytest.approx([h[1] for h in history])
    assert len({step for step, _ in per_batch[0]}) == 2 * len(loaders["train"])


def test_eval_step_does_not_train(tmp_path):
    pairs, tokenizer = pair_problem()
    trainer, loaders = make_trainer(tmp_path, pairs, tokenizer)
    before = trainer.model.embeddings.weight.detach().clone()
    first = trainer._eval_step(loaders["eval"])
    assert trainer._eval_step(loaders["eval"]) == first
    assert torch.equal(trainer.model.embeddings.weight, before)


def test_trainer_is_reproducible(tmp_path):
    pairs, tokenizer = pair_problem()
    runs = []
    for name in "ab":
        trainer, loaders = make_trainer(tmp_path / name, pairs, tokenizer)
        runs.append((trainer.train(loaders, 2), trainer.model.embeddings.weight.detach()))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])


# --- word vectors -----------------------------------------------------------------------------

def test_dssm_word_vectors_are_the_embedding_rows_of_the_trained_words():
    tokenizer = TextTokenizer(["a", "b", "c"])
    model = DssmLikeModel(3, 4)
    table = model.embeddings.weight.detach().numpy()
    vectors = dssm_word_vectors(model, tokenizer)
    assert list(vectors) == ["a", "b", "c"]
    np.testing.assert_array_equal(vectors["b"], table[1])
    assert list(dssm_word_vectors(model, tokenizer, seen={0, 2})) == ["a", "c"]
