"""Regenerate ``test_gt.json``, the notebooks' self-check answers, from the reference solution.

``python -m maintainers.make_gt [--datasets tiny sample real]`` (``make gt``; default: tiny and sample,
plus real when it is downloaded). The file holds:

- ``text_preprocessor``: the course's example's answer (the course's own key);
- ``checks``: for every graded check of a stage (not the bonus, not the quality bars), the
  inputs it drew from the ``tiny`` stand-in and the reference's answers, prepared as the grader
  prepares them (``grader.prepare``), for ``task_tests.test_stage(name)``;
- ``trigram_tokenizer``: the course's ``test_trigram_tokenizer`` words and the reference's
  trigrams of them;
- ``datasets.<name>``: ``embedder`` (the course's text) and ``embedder_known_words`` (its words
  the vectors know, for the hints), ``scorer`` (raw-text Hits@K on the validation set),
  ``validation_corpus`` and ``made_on`` (the sha256 of the files) per data set.
  ``real`` keeps the course's published figures where the real data is absent here.

The file is written atomically; sections of data sets not regenerated are kept.
"""
import argparse
import json
import sys
from pathlib import Path

import numpy as np

from grader.prepare import prepare
from grader.stages.registry import CHECKS
from hw_checks.part1 import EMBEDDER_TEXT, PREPROCESSOR_EXAMPLE
from hw_checks.part2 import COURSE_WORD
from hw_utils import recipes, set_seed
from hw_utils.embedding import Embedder
from hw_utils.text import TextPreprocessor
from hw_utils.trigram import TrigramTokenizer
from instructor.ranking import FastScorer
from sodata import Dataset, get_dataset, load_vectors, read_corpus
from sodata.datasets import real_data_present
from sodata.hashing import sha256sum
from sodata.paths import REPO_ROOT

DEFAULT_OUT = REPO_ROOT / "test_gt.json"
# The course's ground truth for the real data (its test_gt.json and assignment): GoogleNews
# vectors with limit=500000, raw validation texts.
REAL_SECTION = {
    "scorer": {"1": 0.21436170212765956, "5": 0.3125, "10": 0.36622340425531913,
               "100": 0.5640957446808511, "500": 0.8207446808510638, "1000": 1.0},
    "validation_corpus": {"num_samples": 3760, "negatives_mean": 998.81},
}
CHECKS_SEED = 0


def file_digests(dataset: Dataset) -> dict[str, str]:
    """sha256 of the data set's files: the stand-in's manifest has them, the real data's are hashed."""
    manifest = dataset.root / "manifest.json"
    if dataset.is_standin and manifest.is_file():
        return dict(json.loads(manifest.read_text(encoding="utf-8"))["files"])
    paths = [dataset.train, dataset.validation, dataset.test, dataset.vectors]
    return {path.name: sha256sum(path) for path in paths if path.is_file()}


def data_section(dataset: Dataset) -> dict:
    vectors = load_vectors(dataset.vectors, limit=dataset.vectors_limit)
    validation = read_corpus(dataset.validation)
    return {
        "embedder": [float(x) for x in Embedder(vectors, recipes.DIM)(EMBEDDER_TEXT)],
        "embedder_known_words": sorted({w for w in EMBEDDER_TEXT.split() if w in vectors}),
        "scorer": {str(k): v for k, v in FastScorer(recipes.KS, vectors, recipes.DIM)(
            validation).items()},
        "validation_corpus": {
            "num_samples": len(validation),
            "negatives_mean": sum(len(sample) - 2 for sample in validation) / len(validation)},
        "made_on": {"files": file_digests(dataset)},
    }


def jsonable(value):
    """``value`` with arrays as lists: what JSON holds."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    return value


def stored_checks() -> dict:
    """Each graded check's inputs on the tiny stand-in and the reference's answers, prepared as
    the grader prepares them."""
    data = get_dataset("tiny")
    stored = {}
    for check in CHECKS:
        if check.part == "bonus" or check.scale != data.name:  # the bonus and the quality bars
            continue
        set_seed(CHECKS_SEED)
        prepared = prepare(check, data, CHECKS_SEED)
        stored[check.name] = {"inputs": jsonable(prepared["inputs"]),
                              "expected": jsonable(prepared["expected"])}
    return stored


def trigram_tokenizer_answers() -> dict:
    """The course's ``test_trigram_tokenizer``: its words, and the reference's trigrams."""
    words = [COURSE_WORD, "where", "go", "c", "python", "pythonic"]
    queries = [*words, "pythonista", "zzz"]
    asked = list(dict.fromkeys(words + queries))
    return {"words": words, "queries": queries, "asked": asked,
            "expected": {"trigrams": [TrigramTokenizer._get_trigrams(w) for w in asked]}}


def layout(content: dict) -> str:
    """JSON with one line per check and per data set's key: readable diffs, a small file."""
    def block(mapping: dict, indent: str) -> str:
        rows = [f'{indent}{json.dumps(key)}: {json.dumps(value)}' for key, value in mapping.items()]
        return "{\n" + ",\n".join(rows) + "\n" + indent[:-1] + "}"

    sections = {name: block(section, "   ") for name, section in content["datasets"].items()}
    return ("{\n" + f' "text_preprocessor": {json.dumps(content["text_preprocessor"])},\n'
            + f' "trigram_tokenizer": {json.dumps(content["trigram_tokenizer"])},\n'
            + f' "checks": {block(content["checks"], "  ")},\n'
            + ' "datasets": {\n' + ",\n".join(f'  {json.dumps(name)}: {text}'
                                              for name, text in sections.items())
            + "\n }\n}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m maintainers.make_gt",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", help="default: tiny sample (+ real if downloaded)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    names = args.datasets or ["tiny", "sample", *(["real"] if real_data_present() else [])]
    content = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    sections = content.get("datasets", {}) if "datasets" in content else {}
    sections.setdefault("real", REAL_SECTION)
    example = dict(PREPROCESSOR_EXAMPLE)
    text = example.pop("text")
    content = {"text_preprocessor": TextPreprocessor(**example)(text),
               "trigram_tokenizer": trigram_tokenizer_answers(), "checks": stored_checks(),
               "datasets": sections}
    for name in names:
        dataset = get_dataset(name)
        print(f"{name}: {dataset.describe()}", flush=True)
        sections[name] = data_section(dataset)
    content["datasets"] = dict(sorted(sections.items()))
    temporary = args.out.with_suffix(".json.tmp")
    temporary.write_text(layout(content), encoding="utf-8")
    temporary.replace(args.out)
    print(f"wrote {args.out} (data sets: {', '.join(content['datasets'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
