"""The homework package: "rank StackOverflow duplicate questions with word embeddings".

One module per part; students fill in the code between the solution markers:

- ``hw_utils.text``      Part 1 and 3: ``TextPreprocessor``, ``TextTokenizer``
- ``hw_utils.embedding`` Part 1: ``Embedder`` (mean of word vectors)
- ``hw_utils.scoring``   Part 1: ``Scorer`` (Hits@K, DCG@K, MRR)
- ``hw_utils.trigram``   Part 2: character-trigram model for out-of-vocabulary words
- ``hw_utils.dssm``      Part 3: DSSM-like model trained with NT-Xent
- ``tools.bonus``     Part 4 (bonus)
- ``sodata``      data: the real assets, the stand-in, readers, word vectors
"""
from hw_utils.reproducibility import set_seed

__all__ = ["set_seed"]
