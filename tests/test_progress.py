"""The given progress bar over a training run's batches (hw_utils/progress.py)."""
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from hw_utils import progress as progress_module
from hw_utils.progress import BatchProgress
from hw_utils.trigram import Trainer, TrigramModel, collate_fn


class FakeBar:
    """Records what tqdm would show."""

    def __init__(self, total, **_):
        self.total, self.n, self.closed = total, 0, False

    def update(self, n=1):
        self.n += n

    def close(self):
        self.closed = True


@pytest.fixture(autouse=True)
def fake_bar(monkeypatch):
    monkeypatch.setattr(progress_module, "tqdm", FakeBar)


def test_one_bar_counts_every_batch_of_every_epoch():
    loader = DataLoader(TensorDataset(torch.arange(10.0)), batch_size=4)
    progress = BatchProgress(loader, n_epochs=3)
    assert len(progress) == 3 and progress.dataset is loader.dataset and progress.batch_size == 4
    assert progress.bar.total == 9
    for epoch in range(3):
        assert [len(batch[0]) for batch in progress] == [4, 4, 2]
        assert progress.bar.n == 3 * (epoch + 1)
    assert progress.bar.closed


def test_a_trainer_trains_through_it_as_through_the_loader():
    torch.manual_seed(0)
    dataset = [(torch.randn(3), torch.tensor([index, (index + 1) % 8])) for index in range(8)]
    model = TrigramModel(8, 3)
    trainer = Trainer(model, torch.nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=0.1))
    progress = BatchProgress(DataLoader(dataset, batch_size=4, collate_fn=collate_fn), 5)
    losses = trainer.train(progress, 5)
    assert len(losses) == 5 and losses[-1] < losses[0] and progress.bar.n == 10
