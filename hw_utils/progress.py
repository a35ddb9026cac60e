"""Given: one progress bar over every batch of a training run, whatever the ``Trainer``.

``BatchProgress(loader, n_epochs)`` is used where the loader was: your ``Trainer`` iterates over
it as over the ``DataLoader`` (each epoch, every batch), and one bar counts the batches of all the
epochs, with the time left. Its length and attributes are the loader's.
"""
from collections.abc import Iterable, Iterator
from typing import Any

from tqdm.auto import tqdm


class BatchProgress:
    """``loader``'s batches, counted on one bar of ``n_epochs * len(loader)`` batches.

    Args:
        loader: a ``DataLoader`` (anything with ``len`` that can be iterated over again).
        n_epochs: how many times the training will go over it.
        desc: the bar's label.
        disable: no bar (``tqdm``'s ``disable``).
    """

    def __init__(self, loader: Iterable, n_epochs: int, desc: str = "training",
                 disable: bool = False):
        self.loader = loader
        self.bar = tqdm(total=n_epochs * len(loader), desc=desc, unit="batch", disable=disable)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator:
        for batch in self.loader:
            yield batch
            self.bar.update()
        if self.bar.total is not None and self.bar.n >= self.bar.total:
            self.bar.close()

    def __getattr__(self, name: str) -> Any:
        if name in ("loader", "bar"):  # not set yet (unpickling): not the loader's
            raise AttributeError(name)
        return getattr(self.loader, name)
