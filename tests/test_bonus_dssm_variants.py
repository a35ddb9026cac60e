"""Bonus 4: Part 3's model with an MLP head, and with a biLSTM over the words."""
import pytest
import torch

from instructor.bonus.dssm_variants import BiLstmDssm, MlpHeadDssm, bag_lengths
from hw_utils.dssm import NTExentLoss, get_ids_and_offsets

QUESTIONS = [[1, 2, 3], [4, 5], [6], [7, 8, 9, 1]]
DUPLICATES = [[3, 2, 1], [5, 4, 0], [6, 0], [9, 8, 7]]


def _model(cls):
    torch.manual_seed(0)
    return cls(10, 16)


def test_bag_lengths():
    ids, offsets = get_ids_and_offsets([[1, 2], [], [3]])
    assert bag_lengths(ids, offsets).tolist() == [2, 0, 1]


@pytest.mark.parametrize("cls", [MlpHeadDssm, BiLstmDssm])
def test_shapes(cls):
    model = _model(cls)
    assert model(*get_ids_and_offsets(QUESTIONS)).shape == (4, 16)


@pytest.mark.parametrize("cls", [MlpHeadDssm, BiLstmDssm])
def test_starts_as_the_mean_of_word_vectors(cls):
    model = _model(cls).eval()
    weights = model.embeddings.weight
    expected = torch.stack([weights[question].mean(0) for question in QUESTIONS])
    torch.testing.assert_close(model(*get_ids_and_offsets(QUESTIONS)), expected)


def test_lstm_sees_word_order_and_ignores_padding():
    model = _model(BiLstmDssm)
    torch.nn.init.normal_(model.projection.weight)
    model.eval()
    forward, backward = model(*get_ids_and_offsets([[1, 2, 3], [3, 2, 1]]))
    assert not torch.allclose(forward, backward)
    alone = model(*get_ids_and_offsets([[4, 5]]))
    batched = model(*get_ids_and_offsets([[1, 2, 3, 6, 7], [4, 5]]))
    torch.testing.assert_close(batched[1:], alone)


@pytest.mark.parametrize("cls", [MlpHeadDssm, BiLstmDssm])
def test_a_training_step_lowers_the_loss(cls):
    model = _model(cls)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    criterion = NTExentLoss(alpha=0.1)
    questions, duplicates = get_ids_and_offsets(QUESTIONS), get_ids_and_offsets(DUPLICATES)
    losses = []
    for _ in range(5):
        loss = criterion(model(*questions), model(*duplicates))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("cls", [MlpHeadDssm, BiLstmDssm])
def test_empty_inputs(cls):
    model = _model(cls)
    torch.nn.init.normal_(model.embeddings.weight)
    output = model(*get_ids_and_offsets([[], [1, 2], []]))
    assert output.shape == (3, 16)
    assert torch.all(output[0] == 0) and torch.all(output[2] == 0)
    assert model(*get_ids_and_offsets([[], []])).abs().sum() == 0
    no_ids = torch.zeros(0, dtype=torch.long)
    assert model(no_ids, no_ids).shape == (0, 16)


@pytest.mark.parametrize("cls", [MlpHeadDssm, BiLstmDssm])
def test_warm_start_from_part3_vectors(cls):
    model = _model(cls).eval()
    vectors = torch.randn(10, 16)
    model.load_word_vectors(vectors.numpy())
    torch.testing.assert_close(model.embeddings.weight[:10], vectors)
    expected = torch.stack([vectors[question].mean(0) for question in QUESTIONS])
    torch.testing.assert_close(model(*get_ids_and_offsets(QUESTIONS)), expected)
    with pytest.raises(ValueError, match="shape"):
        model.load_word_vectors(torch.zeros(9, 16))
