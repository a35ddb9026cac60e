"""The bonus TaskTests stages: the reference passes each; a broken implementation fails with a
message that says what was expected."""
import json

import pytest
import torch

from tools.bonus.char_lstm import CharBiLSTM, CharTokenizer, char_collate_fn
from tools.bonus.dssm_variants import BiLstmDssm, MlpHeadDssm
from tools.bonus.early_fusion import EarlyFusionModel, InBatchPairLoss
from tools.bonus.full_dssm import NgramFeaturizer
from tools.bonus.trigram_cosine import CosineLoss
from hw_utils.dssm import DssmLikeModel
from tests import TaskTests
from tests.task_tests import GroundTruth
from tools.grading.bonus import CHECKS


@pytest.fixture
def task_tests():
    return TaskTests(GroundTruth({"datasets": {}}, "tiny"))


def test_reference_passes_every_stage(task_tests):
    assert task_tests.test_cosine_loss(CosineLoss) is None
    assert task_tests.test_char_lstm(CharTokenizer, CharBiLSTM, char_collate_fn) is None
    assert task_tests.test_ngram_featurizer(NgramFeaturizer) is None
    assert task_tests.test_dssm_variants(MlpHeadDssm, BiLstmDssm) is None
    assert task_tests.test_early_fusion(EarlyFusionModel, InBatchPairLoss) is None


def test_graded_checks_observe_json_and_pass(task_tests):
    assert {check.part for check in CHECKS} == {"bonus"} and len(CHECKS) == 5
    for check in CHECKS:
        observed = json.loads(json.dumps(check.observe(None)))
        getattr(task_tests, check.check)(observed)


def test_mse_instead_of_cosine_fails(task_tests):
    with pytest.raises(AssertionError, match="same direction.*expected 0.0"):
        task_tests.test_cosine_loss(torch.nn.MSELoss)


def test_a_bag_model_is_not_a_sequence_model(task_tests):
    def bag(num_embeddings, dim):
        return DssmLikeModel(num_embeddings, dim)

    with pytest.raises(AssertionError, match="word order"):
        task_tests.test_dssm_variants(bag, bag)


def test_a_word_only_featurizer_fails(task_tests):
    class WordsOnly(NgramFeaturizer):
        def __init__(self, texts, min_count=1):
            super().__init__(texts, min_count=min_count, kinds=["word"])

    with pytest.raises(AssertionError, match="bigrams"):
        task_tests.test_ngram_featurizer(WordsOnly)
