"""Bonus 3: the fuller DSSM's features (word unigrams, word bigrams, character trigrams)."""
import pytest
import torch
from torch.utils.data import DataLoader

from instructor.bonus.full_dssm import NgramFeaturizer, SparseBagModel
from hw_utils.dssm import DssmLikeModel, NTExentLoss, QuestionDuplicatesDataset, collate_fn

TEXTS = ["convert string to int", "convert int to string", "parse json python",
         "sort list python", "read file lines"] * 2


def test_features_of_each_kind():
    featurizer = NgramFeaturizer(TEXTS, min_count=1)
    features = featurizer.features("to int")
    assert features == ["w:to", "w:int", "b:to int", "t:#to", "t:to#", "t:#in", "t:int", "t:nt#"]
    assert NgramFeaturizer(TEXTS, kinds=["word"]).features("to int") == ["w:to", "w:int"]
    with pytest.raises(ValueError, match="kinds"):
        NgramFeaturizer(TEXTS, kinds=["letters"])


def test_vocabulary_min_count_and_unknown_features():
    featurizer = NgramFeaturizer(["a b", "a c"], min_count=2)
    assert set(featurizer.vocab) == {"w:a", "t:#a#"}
    assert featurizer.vocab_size == 2
    assert featurizer("a zzz") == [featurizer.vocab["w:a"], featurizer.vocab["t:#a#"]]
    capped = NgramFeaturizer(TEXTS, min_count=1, max_features=3)
    assert capped.vocab_size == 3


def test_word_order_is_seen():
    featurizer = NgramFeaturizer(TEXTS, min_count=1)
    assert sorted(featurizer("convert string to int")) != sorted(featurizer("convert int to string"))


def test_empty_inputs():
    featurizer = NgramFeaturizer(TEXTS, min_count=1)
    assert featurizer("") == []
    assert NgramFeaturizer([]).vocab_size == 0


@pytest.mark.parametrize("sparse", [False, True])
def test_part3_model_trains_on_the_features(sparse):
    torch.manual_seed(0)
    featurizer = NgramFeaturizer(TEXTS, min_count=1)
    pairs = list(zip(TEXTS[:5], TEXTS[5:]))
    loader = DataLoader(QuestionDuplicatesDataset(pairs, featurizer), batch_size=5,
                        collate_fn=collate_fn)
    model = (SparseBagModel if sparse else DssmLikeModel)(featurizer.vocab_size, 16)
    optimizer = (torch.optim.SparseAdam if sparse else torch.optim.Adam)(model.parameters(),
                                                                         lr=0.05)
    criterion = NTExentLoss(alpha=0.1)
    (q_ids, q_offsets), (d_ids, d_offsets) = next(iter(loader))
    assert model(q_ids, q_offsets).shape == (5, 16)
    losses = []
    for _ in range(5):
        loss = criterion(model(q_ids, q_offsets), model(d_ids, d_offsets))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_sparse_bag_model_is_part3_s_model_with_sparse_gradients():
    torch.manual_seed(0)
    model = SparseBagModel(10, 4)
    dense = DssmLikeModel(10, 4)
    dense.load_state_dict(model.state_dict())
    ids, offsets = torch.tensor([1, 2, 3]), torch.tensor([0, 2])
    torch.testing.assert_close(model(ids, offsets), dense(ids, offsets))
    model(ids, offsets).sum().backward()
    assert model.embeddings.weight.grad.is_sparse
