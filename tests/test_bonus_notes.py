"""The comparison's verdicts and their measured reasons (``instructor.bonus.comparison``)."""
from instructor.bonus.comparison import MethodResult, comparison_notes

PART2, PART3 = "Part 2: + trigram OOV (MSE)", "Part 3: DSSM, NT-Xent"


def result(name, extends, hits10, mrr, **notes) -> MethodResult:
    metrics = {"hits@1": mrr - 0.05, "hits@10": hits10, "hits@100": 0.9, "mrr": mrr}
    return MethodResult(name, extends, metrics, 1.0, 1.0, notes)


def test_a_gain_needs_no_reason():
    notes = comparison_notes([result(PART2, None, 0.60, 0.45, heldout_cosine=0.8),
                              result("Bonus 1", PART2, 0.62, 0.47, heldout_cosine=0.9)])
    assert notes == ["Bonus 1 improves on Part 2: + trigram OOV (MSE): hits@10 +0.020, "
                     "hits@100 +0.000, mrr +0.020"]


def test_no_gain_says_what_was_measured():
    notes = comparison_notes([
        result(PART2, None, 0.60, 0.45, heldout_cosine=0.89),
        result(PART3, None, 0.80, 0.60, eval_loss=4.0),
        result("Bonus 2", PART2, 0.55, 0.40, heldout_cosine=0.54),
        result("Bonus 4", PART3, 0.79, 0.60, eval_loss=3.9),
        result("Bonus 5", PART3, 0.80, 0.59, eval_loss=0.7, top_n=100)])
    assert notes[0].endswith("measured: its vectors for held-out known words are no closer to "
                             "the true ones than Part 2's (cosine 0.540 vs 0.890)")
    assert notes[1].endswith("measured: it fits held-out duplicate pairs better than Part 3 "
                             "(NT-Xent 3.900 vs 4.000), yet the ranking does not follow")
    assert "it only reorders Part 3's top 100" in notes[2]
    assert "the re-ranker moved Hits@1 by -0.010" in notes[2]
