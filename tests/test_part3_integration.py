"""Part 3 end to end on the tiny stand-in: train a few epochs, resume from a checkpoint, score
the word vectors with Part 1's scorer; and the TaskTests on the reference solution."""
import pytest
import torch
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader

from hw_utils import set_seed
from sodata import get_dataset, read_corpus
from hw_utils.dssm import (DssmLikeModel, HitsAtK, NTExentLoss, QuestionDuplicatesDataset, Trainer,
                           build_question_pairs, build_vocab, collate_fn, get_ids_and_offsets,
                           read_scalars, word_vectors)
from hw_utils.embedding import Embedder
from hw_utils.scoring import Scorer
from hw_utils.text import TextTokenizer, default_preprocessor
from tests import TaskTests

KS = [1, 5, 10, 100, 500]
DIM = 32


@pytest.fixture(scope="module")
def tiny():
    dataset = get_dataset("tiny")
    preprocess = default_preprocessor()
    rows = [[preprocess(text) for text in row] for row in read_corpus(dataset.train)]
    validation = [[preprocess(text) for text in row] for row in read_corpus(dataset.validation)]
    tokenizer = TextTokenizer(build_vocab((text for row in rows for text in row), min_count=2))
    train_pairs, val_pairs = train_test_split(build_question_pairs(rows), test_size=0.1,
                                              random_state=0)
    return tokenizer, train_pairs, val_pairs, validation


def make(tiny, tmp_path, **kwargs):
    tokenizer, train_pairs, val_pairs, validation = tiny
    set_seed(0)
    train = QuestionDuplicatesDataset(train_pairs, tokenizer)
    loaders = {"train": DataLoader(train, batch_size=256, shuffle=True, collate_fn=collate_fn),
               "val": DataLoader(QuestionDuplicatesDataset(val_pairs, tokenizer), batch_size=256,
                                 collate_fn=collate_fn)}
    model = DssmLikeModel(tokenizer.vocab_size, DIM)
    trainer = Trainer(model, torch.optim.SparseAdam(model.parameters(), lr=0.02),
                      NTExentLoss(alpha=0.05), logdir=tmp_path / "runs",
                      checkpoint_dir=tmp_path / "checkpoints",
                      hits=HitsAtK(validation[:30], tokenizer), **kwargs)
    return trainer, loaders


@pytest.mark.slow
def test_train_resume_and_score(tiny, tmp_path):
    tokenizer, _, _, validation = tiny
    trainer, loaders = make(tiny, tmp_path)
    history = trainer.train(loaders, n_epochs=2)
    assert history[-1]["eval_loss"] < history[0]["eval_loss"]

    # A new session: the checkpoint brings back epoch 2; training goes on to epoch 4.
    resumed, loaders = make(tiny, tmp_path, resume=True)
    assert resumed.epoch == 2
    history = resumed.train(loaders, n_epochs=4)
    assert [record["epoch"] for record in history] == [1, 2, 3, 4]
    assert history[-1]["eval_loss"] < history[1]["eval_loss"]
    scalars = read_scalars(tmp_path / "runs")
    assert scalars["loss/eval"][0] == [1, 2, 3, 4]
    assert len(scalars["loss/train"][0]) == 4 * len(loaders["train"])

    # The vectors in Part 1's scorer give the model's own ranking, and beat chance by far.
    model = resumed.model
    vectors = word_vectors(model, tokenizer)
    hits = Scorer(KS, Embedder(vectors, DIM))(validation)
    assert hits == pytest.approx(HitsAtK(validation, tokenizer, KS)(model), abs=1e-9)
    assert hits[1] > 0.3 and hits[10] > 0.6
    torch.testing.assert_close(
        torch.from_numpy(Embedder(vectors, DIM)(validation[0][0])),
        model(*get_ids_and_offsets([tokenizer(validation[0][0])]))[0].detach(),
        rtol=1e-5, atol=1e-6)


def test_task_tests_pass_on_the_reference():
    from hw_utils.dssm import Trainer as ReferenceTrainer
    from tools.gt.part3 import common
    from tests.task_tests.base import GroundTruth

    task_tests = TaskTests(GroundTruth(common(), "tiny"))
    task_tests.test_dssm_tokenizer(TextTokenizer)
    task_tests.test_question_dataset(QuestionDuplicatesDataset, TextTokenizer)
    task_tests.test_ids_and_offsets(get_ids_and_offsets)
    task_tests.test_dssm_collate(collate_fn)
    task_tests.test_dssm_model(DssmLikeModel)
    task_tests.test_nt_xent_loss(NTExentLoss)
    task_tests.test_dssm_trainer(DssmLikeModel, NTExentLoss, ReferenceTrainer)


def test_task_tests_catch_wrong_answers():
    from tools.gt.part3 import common
    from tests.task_tests.base import GroundTruth

    task_tests = TaskTests(GroundTruth(common(), "tiny"))

    class Unstable(NTExentLoss):  # one direction only: not symmetric, a different value
        def forward(self, embeddings, positives):
            logits = self._normalize(embeddings) @ self._normalize(positives).T / self.alpha
            return torch.nn.functional.cross_entropy(logits, torch.arange(len(logits)))

    with pytest.raises(AssertionError, match=r"NTExentLoss\(alpha=1.0\).*expected"):
        task_tests.test_nt_xent_loss(Unstable)

    def end_offsets(questions):
        ids, offsets = get_ids_and_offsets(questions)
        return ids, offsets + torch.tensor([len(q) for q in questions])

    with pytest.raises(AssertionError, match="offsets .*expected \\[0, 3, 3, 4\\]"):
        task_tests.test_ids_and_offsets(end_offsets)

    class SumModel(DssmLikeModel):
        def __init__(self, num_embeddings, embedding_dim):
            super().__init__(num_embeddings, embedding_dim)
            self.embeddings = torch.nn.EmbeddingBag(num_embeddings, embedding_dim, mode="sum")

    with pytest.raises(AssertionError, match="mean of its words"):
        task_tests.test_dssm_model(SumModel)
