"""Part 4 (bonus): five extensions of Parts 2 and 3, classical baselines, one comparison.

- ``trigram_cosine``: Part 2's trigram model trained on cosine similarity (``CosineLoss``).
- ``char_lstm``:      a character biLSTM in place of the bag of trigrams (``CharBiLSTM``).
- ``full_dssm``:      word unigrams + word bigrams + character trigrams (``NgramFeaturizer``).
- ``dssm_variants``:  Part 3 with an MLP head (``MlpHeadDssm``) or a biLSTM over words
                      (``BiLstmDssm``).
- ``early_fusion``:   a pair-scoring MLP re-ranking Part 3's top candidates
                      (``EarlyFusionModel``, ``InBatchPairLoss``, ``FusionReranker``).
- ``baselines``:      TF-IDF cosine and BM25 (``TfidfRanker``, ``Bm25Ranker``), not graded.
- ``ranking``:        these methods ranked by Part 1's rule (``ModelEmbedder``,
                      ``model_hard_negatives``, ``ranker_hard_negatives``, ``evaluate``).
- ``comparison``:     every method trained and scored on one data set, the table and the plot.

Import the submodules directly (``from instructor.bonus.char_lstm import CharBiLSTM``).
"""
