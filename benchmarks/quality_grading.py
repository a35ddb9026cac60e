"""The quality bars on the grading path: what they cost and whether they still separate.

    python -m benchmarks quality_grading            (sample stand-in, seeds 0, 1, 2)
    python -m benchmarks --quick quality_grading    (seed 0, without the course-style solution)

The grader trains Parts 2 and 3 with the student's classes (``hw_checks/quality.py``), Part 3 on
less than the notebook's recipe (``recipes.PART3_GRADING``, ``PART3_GRADING_ROWS``). Here those
flows run exactly as the sandbox runs them, with the grader's settings, judged by
``grader.stages.quality`` (one more training when within ``QUALITY_NOISE`` of the bar), on each
seed's hidden stand-in, for the reference's classes and:

- Part 3, choices the course leaves open (must pass): ``sum_of_vectors`` (the question as the
  sum of its words' vectors) and ``course_style`` (tests/fixtures/course_solution: plain loops,
  end offsets, a summed loss; the slowest correct solution we have, which must also finish
  within the check's CPU limit);
- Part 3, the mistakes the bar must catch (must fail): ``course_lr`` (the calibration's mistake,
  Adam at the course's lr 3e-4, in the grading recipe) and ``no_normalisation`` (NT-Xent on the
  raw embeddings);
- Part 3, mistakes reported only (their stage checks, ``part3.nt_xent`` and ``part3.trainer``,
  catch them): ``no_temperature`` (NT-Xent without dividing by alpha), ``no_zero_grad`` (a
  Trainer that never clears the gradients);
- Part 2: the reference, and the mistake of zero vectors for unknown words (must fail).

Figures: each one's Hits@500, its CPU seconds (one thread, as in the sandbox), the bar as graded,
the verdict; each part's reference trained again with the next seed (the noise a seed makes).
"""
import contextlib
import importlib.util
import random
import time
from collections.abc import Iterator
from types import ModuleType

import numpy as np
import torch

from benchmarks.standin_calibration import standin
from grader.core import REPO_ROOT
from grader.stages import quality
from grader.stages.check import RunAgain
from hw_checks.quality import part2_vectors, part3_vectors
from hw_checks.stage import CheckFailure
from hw_utils import dssm, recipes, text

MISTAKE_LR = 3e-4
COURSE_SOLUTION = REPO_ROOT / "tests" / "fixtures" / "course_solution" / "hw_utils"


class NoTemperature(dssm.NTExentLoss):
    def __init__(self, alpha: float = 1., eps: float = 1e-8):
        super().__init__(1., eps)


class NoNormalisation(dssm.NTExentLoss):
    def _normalize(self, embeddings: torch.Tensor) -> torch.Tensor:
        return embeddings


class NoZeroGrad(dssm.Trainer):
    def __init__(self, model, optimizer, criterion, logdir=None, device=None):
        optimizer.zero_grad = lambda set_to_none=True: None
        super().__init__(model, optimizer, criterion, logdir, device)


class SumOfVectors(dssm.DssmLikeModel):
    def __init__(self, num_embeddings: int, embedding_dim: int):
        super().__init__(num_embeddings, embedding_dim)
        self.embeddings.mode = "sum"


def course_style() -> dict[str, dict[str, object]]:
    """The course-style solution's Part 3 classes, by the module they replace."""
    loaded: dict[str, ModuleType] = {}
    for name in ("text", "dssm"):
        spec = importlib.util.spec_from_file_location(f"course_style_{name}",
                                                      COURSE_SOLUTION / f"{name}.py")
        loaded[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(loaded[name])
    classes = ("QuestionDuplicatesDataset", "collate_fn", "DssmLikeModel", "NTExentLoss",
               "Trainer")
    return {"text": {"TextTokenizer": loaded["text"].TextTokenizer},
            "dssm": {name: getattr(loaded["dssm"], name) for name in classes}}


# name -> (classes replaced per module, settings changed, must pass: True, False, None: report)
CASES: dict[str, tuple[dict, dict, bool | None]] = {
    "sum_of_vectors": ({"dssm": {"DssmLikeModel": SumOfVectors}}, {}, True),
    "course_style": ({}, {}, True),  # its classes are loaded when it runs
    "course_lr": ({}, {"lr": MISTAKE_LR}, False),
    "no_normalisation": ({"dssm": {"NTExentLoss": NoNormalisation}}, {}, False),
    "no_temperature": ({"dssm": {"NTExentLoss": NoTemperature}}, {}, None),
    "no_zero_grad": ({"dssm": {"Trainer": NoZeroGrad}}, {}, None),
}
QUICK = ("sum_of_vectors", "course_lr", "no_normalisation")


@contextlib.contextmanager
def replaced(classes: dict[str, dict]) -> Iterator[None]:
    """``hw_utils`` with some classes replaced: a student's modules with that mistake."""
    modules = {"dssm": dssm, "text": text}
    saved = [(modules[m], name, getattr(modules[m], name)) for m, names in classes.items()
             for name in names]
    for module, names in classes.items():
        for name, value in names.items():
            setattr(modules[module], name, value)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def timed(flow, *args) -> tuple[dict, float]:
    torch.set_num_threads(1)  # the sandbox's OMP_NUM_THREADS=1
    started = time.process_time()
    outputs = flow(*args)
    return outputs, round(time.process_time() - started, 1)


def train_part3(inputs: dict, classes: dict, changes: dict) -> tuple[float, float]:
    """(Hits@500, CPU seconds) of one Part 3 training on the grading path."""
    with replaced(classes):
        outputs, seconds = timed(part3_vectors, inputs["train"], inputs["words"],
                                 {**inputs["settings"], **changes})
    return round(quality.part3_hits(inputs, outputs), 4), seconds


def graded(inputs: dict, reference_hits: float, classes: dict, changes: dict) -> dict:
    """One case as the grader judges it: trained, judged, trained once more if within noise."""
    hits, seconds = train_part3(inputs, classes, changes)
    figures = {"hits": [hits], "cpu_s": [seconds]}
    verdict = _judge("part3", hits, reference_hits, inputs)
    if isinstance(verdict, RunAgain):
        hits, seconds = train_part3(verdict.inputs, classes, changes)
        figures["hits"].append(hits)
        figures["cpu_s"].append(seconds)
        verdict = _judge("part3", hits, reference_hits, verdict.inputs)
    return {**figures, "passes": verdict is None}


def _judge(bar: str, hits: float, reference_hits: float, inputs: dict | None
           ) -> RunAgain | CheckFailure | None:
    try:
        quality.judge_bar(bar, hits, reference_hits, bar, inputs)
    except (RunAgain, CheckFailure) as outcome:
        return outcome
    return None


def measure_part3(data, seed: int, names: tuple[str, ...]) -> dict:
    inputs = quality.part3_inputs(data, random.Random(f"{seed}:part3.quality"))
    reference_hits, reference_s = train_part3(inputs, {}, {})
    next_seed, _ = train_part3(quality.next_training(inputs, reference_hits), {}, {})
    results = {"reference_hits": reference_hits, "reference_cpu_s": reference_s,
               "reference_next_seed_hits": next_seed,
               "bar": recipes.graded_bar(recipes.QUALITY_BARS["part3"], reference_hits)}
    for name in names:
        classes, changes, must_pass = CASES[name]
        if name == "course_style":
            classes = course_style()
        results[name] = {**graded(inputs, reference_hits, classes, changes),
                         "must_pass": must_pass}
    return results


def measure_part2(data, seed: int) -> dict:
    inputs = quality.part2_inputs(data, random.Random(f"{seed}:part2.quality"))
    args = (inputs["words"], inputs["vectors"], inputs["vectors_limit"])
    outputs, seconds = timed(part2_vectors, *args, inputs["settings"])
    again, _ = timed(part2_vectors, *args, quality.next_training(inputs, 0.0)["settings"])
    reference_hits = round(quality.part2_hits(inputs, outputs), 4)
    zeros = {**outputs, "vectors": np.zeros_like(outputs["vectors"])}
    zero_hits = round(quality.part2_hits(inputs, zeros), 4)
    return {"reference_hits": reference_hits, "reference_cpu_s": seconds,
            "reference_next_seed_hits": round(quality.part2_hits(inputs, again), 4),
            "bar": recipes.graded_bar(recipes.QUALITY_BARS["part2"], reference_hits),
            "zero_vectors_for_unknown_words": {
                "hits": [zero_hits], "must_pass": False,
                "passes": _judge("part2", zero_hits, reference_hits, None) is None}}


def verdicts(results: dict) -> dict[str, bool]:
    """Each case as it must be: the choices pass, the mistakes fail (reported ones: skipped)."""
    return {f"{name} {'passes' if case['must_pass'] else 'fails'}":
            case["passes"] == case["must_pass"]
            for name, case in results.items()
            if isinstance(case, dict) and case["must_pass"] is not None}


def run(quick: bool = False, seeds: tuple[int, ...] = (0, 1, 2)) -> dict:
    """The ``benchmarks`` entry point."""
    seeds, names = (seeds[:1], QUICK) if quick else (seeds, tuple(CASES))
    runs = {}
    for seed in seeds:
        data = standin("sample", seed)
        runs[str(seed)] = {"part3": measure_part3(data, seed, names),
                           "part2": measure_part2(data, seed)}
    missed = sorted(f"seed {seed}: {part} {name}" for seed, parts in runs.items()
                    for part, results in parts.items()
                    for name, ok in verdicts(results).items() if not ok)
    noise = {part: round(max(abs(r[part]["reference_hits"] - r[part]["reference_next_seed_hits"])
                             for r in runs.values()), 4) for part in ("part2", "part3")}
    return {"part3_recipe": {**vars(recipes.PART3_GRADING), "rows": recipes.PART3_GRADING_ROWS,
                             "min_count": recipes.PART3_GRADING_MIN_COUNT},
            "noise_band": recipes.QUALITY_NOISE, "seeds": runs,
            "largest_seed_to_seed_change": noise, "failed_checks": missed,
            "all_checks_pass": not missed}
