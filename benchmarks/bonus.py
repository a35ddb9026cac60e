"""Bonus: every method of the comparison (``instructor.bonus.comparison``), timed and scored.

On the sample stand-in at the settings of ``hw_utils.recipes`` (``quick``: ``Settings.quick()``, the
``make demo QUICK=1`` settings). Per method: Hits@10, MRR, training and scoring wall seconds
and the step's CPU seconds. The issue's bars: no bonus model over 5 minutes of training on
2 CPU cores; the whole comparison (``make demo``) under 10 minutes, quick mode under 2.

Wall and CPU seconds are both given: on a machine shared with other jobs the wall time grows
far more than the work (torch's threads wait for each other).
"""
import time

from instructor.bonus.comparison import Comparison, Settings
from sodata import get_dataset


def run(quick: bool) -> dict:
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    comparison = Comparison(get_dataset("sample"), Settings.quick() if quick else Settings(),
                            log=lambda line: None)
    results = comparison.run_all()
    figures = {"settings": "quick" if quick else "recipes"}
    for result in results:
        figures[result.name] = {
            "hits@10": round(result.metrics["hits@10"], 4), "mrr": round(result.metrics["mrr"], 4),
            "train_s": round(result.train_s, 1), "score_s": round(result.score_s, 1),
            "cpu_s": round(result.cpu_s, 1)}
    figures["total_wall_s"] = round(time.perf_counter() - started_wall, 1)
    figures["total_cpu_s"] = round(time.process_time() - started_cpu, 1)
    return figures
