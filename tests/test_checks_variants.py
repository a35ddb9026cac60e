"""The graded checks test the course's behaviour, not the reference's conventions.

Each variant below is the reference with one stage rewritten: a *convention* the course leaves
open (it must still pass every check) or a *mistake* (it must fail its own stage's check and
no other). A child process runs the checks' ``observe`` on each variant (the submission's side);
this process computes the expected side with the reference and judges, as the grader does.
The sandbox and the grader's plumbing are tested in tests/test_grader*.py.
"""
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sodata import get_dataset
from hw_checks.checks import CHECKS
from hw_checks.framework import CheckFailure

REPO = Path(__file__).resolve().parents[1]
SEED = 3

# name -> (file, old, new): the reference's file with ``old`` replaced by ``new`` (or ``old`` a
# list of such pairs and ``new`` None).
CONVENTIONS = {
    "embedder in float64": ("embedding.py", "np.mean(vectors, axis=0)",
                            "np.mean(np.asarray(vectors, dtype=np.float64), axis=0)"),
    "ties count as hard negatives": ("scoring.py", "@ question > positive)",
                                     "@ question >= positive)"),
    "trigram index in order of appearance": (
        "trigram.py", "enumerate(sorted(trigrams))", "enumerate(trigrams)"),
    "Part 2 offsets end with the length, read with include_last_offset": (
        "trigram.py", [("offsets = torch.tensor([0] + [len(ids) for ids in trigrams[:-1]])"
                        ".cumsum(0)\n    return vectors",
                        "offsets = torch.tensor([0] + [len(ids) for ids in trigrams]).cumsum(0)"
                        "\n    return vectors"),
                       ('mode="sum")', 'mode="sum", include_last_offset=True)'),
                       ("offsets = torch.tensor([0] + [len(ids) for ids in trigrams[:-1]])"
                        ".cumsum(0)\n    indices",
                        "offsets = torch.tensor([0] + [len(ids) for ids in trigrams]).cumsum(0)"
                        "\n    indices")], None),
    "vocabulary indices sorted": (
        "text.py", "enumerate(vocab)}", "enumerate(sorted(vocab))}"),
    "Part 3 offsets as a list of ends": (
        "dssm.py", "    offsets = torch.tensor([0] + [len(question) for question in questions[:-1]])"
                   ".cumsum(0)\n    return ids, offsets",
        "    return ids, [int(x) for x in torch.tensor([len(q) for q in questions]).cumsum(0)]"),
    "a DSSM of sums": ("dssm.py", 'mode="mean"', 'mode="sum"'),
    "NT-Xent summed over the batch": (
        "dssm.py", "return 0.5 * F.cross_entropy(scores, targets) + 0.5 * F.cross_entropy("
                   "scores.T, targets)",
        "return len(scores) * (0.5 * F.cross_entropy(scores, targets) + 0.5 * F.cross_entropy("
        "scores.T, targets))"),
}

# name -> (file, old, new, the check that must fail)
MISTAKES = {
    "no lower-casing": ("text.py", "text = text.lower()", "text = text", "part1.text_preprocessor"),
    "sum, not mean": ("embedding.py", "np.mean(vectors, axis=0)", "np.sum(vectors, axis=0)",
                      "part1.embedder"),
    "hard negatives the other way": ("scoring.py", "@ question > positive)",
                                     "@ question < positive)", "part1.hard_negatives"),
    "Hits@k counted with <=": ("scoring.py", "count < k for count", "count <= k for count",
                               "part1.scorer"),
    "no # padding": ("trigram.py", 'padded = f"#{word}#"', "padded = word",
                     "part2.trigram_tokenizer"),
    "trigrams computed in __getitem__": (
        "trigram.py", [("self.trigrams = [torch.tensor(tri_tokenizer(word), dtype=torch.long) for "
                        "word in vocab]", "self.words, self.tokenizer = list(vocab), tri_tokenizer"),
                       ("return self.vectors[idx], self.trigrams[idx]",
                        "return self.vectors[idx], torch.tensor(self.tokenizer(self.words[idx]))")],
        None, "part2.train_dataset"),
    "Part 2 offsets are lengths": (
        "trigram.py", "offsets = torch.tensor([0] + [len(ids) for ids in trigrams[:-1]]).cumsum(0)\n"
                      "    return vectors",
        "offsets = torch.tensor([len(ids) for ids in trigrams])\n    return vectors",
        "part2.collate_fn"),
    "a model of means": ("trigram.py", 'mode="sum"', 'mode="mean"', "part2.trigram_model"),
    "no optimizer step": ("trigram.py", "            self.optimizer.step()\n            losses.append(loss.item())\n        return float",
                          "            losses.append(loss.item())\n        return float",
                          "part2.trainer"),
    "inference offsets shifted": (
        "trigram.py", "offsets = torch.tensor([0] + [len(ids) for ids in trigrams[:-1]]).cumsum(0)\n"
                      "    indices",
        "offsets = torch.tensor([len(ids) for ids in trigrams]).cumsum(0)\n    indices",
        "part2.inference"),
    "indices from 1": ("text.py", "{word: index for index, word in enumerate(vocab)}",
                       "{word: index + 1 for index, word in enumerate(vocab)}",
                       "part3.text_tokenizer"),
    "pairs swapped": ("dssm.py", "self.pairs = [(tokenizer(question), tokenizer(duplicate))",
                      "self.pairs = [(tokenizer(duplicate), tokenizer(question))", "part3.dataset"),
    "empty questions lose their offset": (
        "dssm.py", "    offsets = torch.tensor([0] + [len(question) for question in questions[:-1]])",
        "    questions = [q for q in questions if q]\n"
        "    offsets = torch.tensor([0] + [len(question) for question in questions[:-1]])",
        "part3.get_ids_and_offsets"),
    "duplicates collated twice": ("dssm.py", "duplicates = [duplicate for _, duplicate in batch]",
                                  "duplicates = [question for question, _ in batch]",
                                  "part3.collate_fn"),
    "model ignores offsets": ("dssm.py", "return self.embeddings(ids, offsets)",
                              "return self.embeddings(ids, torch.zeros_like(offsets[:1]))"
                              ".expand(len(offsets), -1)", "part3.model"),
    "no normalisation": ("dssm.py", "return embeddings / embeddings.norm(dim=1, keepdim=True)"
                                    ".clamp_min(self.eps)", "return embeddings", "part3.nt_xent"),
    "eval loss never logged": ("dssm.py", '            self.writer.add_scalar("loss/eval_epoch", '
                                          'eval_loss, epoch)\n', "", "part3.trainer"),
}
MAIN_CHECKS = [check for check in CHECKS if check.part != "bonus" and not check.quality_bar]

CHILD = r"""
import importlib, json, sys
jobs = json.load(open(sys.argv[1]))
results = []
for job in jobs:
    sys.path.insert(0, job["root"])
    for name in [m for m in sys.modules if m == "hw_utils" or m.startswith("hw_utils.")]:
        del sys.modules[name]
    from hw_checks.checks import CHECKS
    checks = {check.name: check for check in CHECKS}
    outputs = {}
    for name in job["checks"]:
        try:
            outputs[name] = {"ok": checks[name].observe(job["inputs"][name])}
        except BaseException as error:
            outputs[name] = {"error": f"{type(error).__name__}: {error}"}
    results.append(outputs)
    sys.path.remove(job["root"])
json.dump(results, open(sys.argv[1] + ".out", "w"))
"""


@pytest.fixture(scope="module")
def graded():
    """``graded(variants) -> [{check: None | failure message}]``: run the checks on variants."""
    data = get_dataset("tiny")
    inputs = {check.name: json.loads(json.dumps(check.make_inputs(data, random.Random(SEED))))
              for check in MAIN_CHECKS}
    expected = {check.name: json.loads(json.dumps(check.expected(inputs[check.name])))
                for check in MAIN_CHECKS}

    def grade(variants: dict, tmp: Path) -> dict:
        jobs = []
        for name, (file, old, new, *_) in variants.items():  # old: a string or a list of pairs
            root = tmp / f"v{len(jobs)}"
            shutil.copytree(REPO / "hw_utils", root / "hw_utils",
                            ignore=shutil.ignore_patterns("__pycache__"))
            source = (root / "hw_utils" / file).read_text()
            for before, after in (old if new is None else [(old, new)]):
                assert source.count(before) == 1, f"{name}: {before!r} is not once in {file}"
                source = source.replace(before, after)
            (root / "hw_utils" / file).write_text(source)
            jobs.append({"root": str(root), "inputs": inputs,
                         "checks": [c.name for c in MAIN_CHECKS]})
        (tmp / "jobs.json").write_text(json.dumps(jobs))
        subprocess.run([sys.executable, "-c", CHILD, str(tmp / "jobs.json")], cwd=REPO,
                       check=True, capture_output=True)
        results = json.loads((tmp / "jobs.json.out").read_text())
        verdicts = {}
        for name, outputs in zip(variants, results):
            verdicts[name] = {}
            for check in MAIN_CHECKS:
                got = outputs[check.name]
                try:
                    if "error" in got:
                        raise CheckFailure(got["error"])
                    check.verdict(got["ok"], expected[check.name], inputs[check.name])
                    verdicts[name][check.name] = None
                except CheckFailure as failure:
                    verdicts[name][check.name] = str(failure)
        return verdicts

    return grade


@pytest.mark.slow
def test_every_open_convention_passes_every_check(graded, tmp_path):
    for name, verdicts in graded(CONVENTIONS, tmp_path).items():
        failed = {check: message for check, message in verdicts.items() if message}
        assert not failed, f"the convention '{name}' fails: {failed}"


@pytest.mark.slow
def test_each_mistake_loses_its_own_stage_only(graded, tmp_path):
    for name, verdicts in graded(MISTAKES, tmp_path).items():
        failed = sorted(check for check, message in verdicts.items() if message)
        assert failed == [MISTAKES[name][3]], f"'{name}': failed {failed}"
