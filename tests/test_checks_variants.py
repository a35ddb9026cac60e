"""The graded checks test the course's behaviour, not the reference's conventions.

Each variant below is the reference with one stage rewritten: a *convention* the course leaves
open (it must still pass every check) or a *mistake* (it must fail its own stage's check and
no other). This process prepares every check as the grader does (``grader.prepare``: inputs and
the reference's expected side); a child process, with the variant's ``hw_utils``, runs the
stages' drivers (``LocalHost``, the student's side in-process); this process judges. The sandbox
and the grader's plumbing are tested in tests/test_grader*.py.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.prepare import prepare
from grader.stages.registry import CHECKS
from hw_checks.host import decode, pack, unpack_frame
from hw_checks.stage import CheckFailure
from sodata import get_dataset

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
    "word indices from 1 (0 left for padding)": (
        "text.py", "{word: index for index, word in enumerate(vocab)}",
        "{word: index + 1 for index, word in enumerate(vocab)}"),
    "vocabulary indices sorted": (
        "text.py", "enumerate(vocab)}", "enumerate(sorted(vocab))}"),
    "Part 3 offsets as a list of ends": (
        "dssm.py", "    offsets = torch.tensor([0] + [len(question) for question in questions[:-1]])"
                   ".cumsum(0)\n    return ids, offsets",
        "    return ids, [int(x) for x in torch.tensor([len(q) for q in questions]).cumsum(0)]"),
    "a DSSM of sums": ("dssm.py", 'mode="mean"', 'mode="sum"'),
    "a DSSM with a padding row for empty questions": (
        "dssm.py", 'nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean")',
        'nn.EmbeddingBag(num_embeddings + 1, embedding_dim, mode="mean", '
        'padding_idx=num_embeddings)'),
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
    "two words share an index": ("text.py", "{word: index for index, word in enumerate(vocab)}",
                                 "{word: len(word) for word in vocab}", "part3.text_tokenizer"),
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
import sys
from hw_checks.host import LocalHost, decode, pack, unpack_frame
from grader.stages.registry import CHECKS
inputs = decode(*unpack_frame(open(sys.argv[1], "rb").read()), student_side=False)
checks = {check.name: check for check in CHECKS}
results = []
for root in sys.argv[2:]:
    sys.path.insert(0, root)
    for module in [m for m in sys.modules if m == "hw_utils" or m.startswith("hw_utils.")]:
        del sys.modules[module]
    outputs = {}
    for name, given in inputs.items():
        try:
            outputs[name] = {"ok": checks[name].stage.drive(LocalHost(), given)}
        except BaseException as error:
            outputs[name] = {"error": f"{type(error).__name__}: {error}"}
    results.append(outputs)
    sys.path.remove(root)
open(sys.argv[1] + ".out", "wb").write(pack(results))
"""


@pytest.fixture(scope="module")
def graded():
    """``graded(variants) -> [{check: None | failure message}]``: run the checks on variants."""
    data = get_dataset("tiny")
    prepared = {check.name: prepare(check, data, SEED) for check in MAIN_CHECKS}

    def grade(variants: dict, tmp: Path) -> dict:
        roots = []
        for name, (file, old, new, *_) in variants.items():  # old: a string or a list of pairs
            root = tmp / f"v{len(roots)}"
            shutil.copytree(REPO / "hw_utils", root / "hw_utils",
                            ignore=shutil.ignore_patterns("__pycache__"))
            source = (root / "hw_utils" / file).read_text()
            for before, after in (old if new is None else [(old, new)]):
                assert source.count(before) == 1, f"{name}: {before!r} is not once in {file}"
                source = source.replace(before, after)
            (root / "hw_utils" / file).write_text(source)
            roots.append(str(root))
        job = tmp / "inputs.bin"
        job.write_bytes(pack({name: p["inputs"] for name, p in prepared.items()}))
        subprocess.run([sys.executable, "-c", CHILD, str(job), *roots], cwd=REPO, check=True,
                       capture_output=True)
        results = decode(*unpack_frame((tmp / "inputs.bin.out").read_bytes()),
                         student_side=False)
        return {name: {check.name: verdict(check, outputs[check.name], prepared[check.name])
                       for check in MAIN_CHECKS}
                for name, outputs in zip(variants, results)}

    return grade


def verdict(check, got: dict, prepared: dict) -> str | None:
    try:
        if "error" in got:
            raise CheckFailure(got["error"])
        check.stage.verdict(got["ok"], prepared["expected"], prepared["inputs"])
    except CheckFailure as failure:
        return str(failure)
    return None


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
