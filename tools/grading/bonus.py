"""Graded checks of the bonus: one per bonus item, each worth ``BONUS_POINTS`` (1 by default;
the bonus total is capped). Each ``observe`` runs the submission's ``tools.bonus`` classes on
small fixed inputs (no data set needed), as ``notebooks/part4_bonus.ipynb`` uses them."""
from sodata import Dataset
from tools.grading.base import GradedCheck


def observe_cosine_loss(dataset: Dataset) -> dict:
    from tools.bonus.trigram_cosine import CosineLoss
    from tests.task_tests.bonus import BonusTests

    return BonusTests.observe_cosine_loss(CosineLoss)


def observe_char_lstm(dataset: Dataset) -> dict:
    from tools.bonus.char_lstm import CharBiLSTM, CharTokenizer, char_collate_fn
    from tests.task_tests.bonus import BonusTests

    return BonusTests.observe_char_lstm(CharTokenizer, CharBiLSTM, char_collate_fn)


def observe_ngram_featurizer(dataset: Dataset) -> dict:
    from tools.bonus.full_dssm import NgramFeaturizer
    from tests.task_tests.bonus import BonusTests

    return BonusTests.observe_ngram_featurizer(NgramFeaturizer)


def observe_dssm_variants(dataset: Dataset) -> dict:
    from tools.bonus.dssm_variants import BiLstmDssm, MlpHeadDssm
    from tests.task_tests.bonus import BonusTests

    return BonusTests.observe_dssm_variants(MlpHeadDssm, BiLstmDssm)


def observe_early_fusion(dataset: Dataset) -> dict:
    from tools.bonus.early_fusion import EarlyFusionModel, InBatchPairLoss
    from tests.task_tests.bonus import BonusTests

    return BonusTests.observe_early_fusion(EarlyFusionModel, InBatchPairLoss)


CHECKS: list[GradedCheck] = [
    GradedCheck("bonus.trigram_cosine", "bonus", observe_cosine_loss, "check_cosine_loss", 60.0),
    GradedCheck("bonus.char_lstm", "bonus", observe_char_lstm, "check_char_lstm", 60.0),
    GradedCheck("bonus.full_dssm", "bonus", observe_ngram_featurizer, "check_ngram_featurizer",
                60.0),
    GradedCheck("bonus.dssm_variants", "bonus", observe_dssm_variants, "check_dssm_variants",
                60.0),
    GradedCheck("bonus.early_fusion", "bonus", observe_early_fusion, "check_early_fusion", 60.0),
]
