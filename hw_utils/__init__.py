"""For students: the thin package you complete (the course's templates) beside the notebooks.

The homework package: "rank StackOverflow duplicate questions with word embeddings".

One module per part; students fill in the course's templates between the solution markers:

- ``hw_utils.text``      Parts 1 and 3: ``TextPreprocessor``, ``TextTokenizer``
- ``hw_utils.embedding`` Part 1: ``Embedder`` (mean of word vectors)
- ``hw_utils.scoring``   Part 1: ``Scorer`` (Hits@K)
- ``hw_utils.trigram``   Part 2: character-trigram model for out-of-vocabulary words
- ``hw_utils.dssm``      Part 3: DSSM-like model trained with NT-Xent

Given, shared by the parts: ``hw_utils.speed`` (speed that wraps your classes: your ``Embedder``,
each distinct text embedded once), ``hw_utils.progress`` (a progress bar over a training run's
batches), ``hw_utils.recipes`` (every setting), ``hw_utils.data`` (the data: the package
``sodata``), ``set_seed``. The bonus is the
student's own ``hw_utils/bonus.py`` (see ``hw_checks/bonus.py``).
"""
from hw_utils.reproducibility import set_seed

__all__ = ["set_seed"]
