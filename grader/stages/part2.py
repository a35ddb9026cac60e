"""Part 2's checks: inputs drawn from the hidden data, the reference's side of each verdict."""
import random

import numpy as np

from grader.stages.check import Check
from grader.stages.data import (sample_rows, start_offsets, validation_of, vectors_for,
                                vectors_of)
from hw_checks import part2


def words_of(data, rng: random.Random, n_known: int, n_unknown: int) -> tuple[list, list]:
    """Lower-cased words of the hidden validation titles: some the vectors know, some not."""
    vectors = vectors_of(data)
    words = sorted({word.strip("?.,:;()[]'\"!").lower() for row in
                    sample_rows(validation_of(data), rng, 200, max_length=3)
                    for text in row for word in text.split()} - {""})
    known = [word for word in words if word in vectors]
    unknown = [word for word in words if word not in vectors]
    return (rng.sample(known, min(n_known, len(known))),
            rng.sample(unknown, min(n_unknown, len(unknown))))


def trigram_ids(words: list[str], trained_on: list[str]) -> tuple[dict, int]:
    """The reference tokenizer's trigram indices of ``words``, built on ``trained_on``."""
    from hw_utils.trigram import TrigramTokenizer

    tokenizer = TrigramTokenizer(trained_on)
    return {w: list(tokenizer(w)) for w in words}, tokenizer.vocab_size


def tokenizer_inputs(data, rng: random.Random) -> dict:
    known, unknown = words_of(data, rng, 150, 30)
    words = [part2.COURSE_WORD, "c", "go", "r", "js", *known]
    queries = [part2.COURSE_WORD, "c", "go", "r", "js", *known[:40], *unknown, "zzqxj"]
    return {"words": words, "queries": queries, "asked": list(dict.fromkeys(words + queries))}


def reference_trigrams(inputs: dict, reference_outputs=None) -> dict:
    from hw_utils.trigram import TrigramTokenizer

    return {"trigrams": [TrigramTokenizer._get_trigrams(word) for word in inputs["asked"]]}


TRIGRAM_TOKENIZER = Check(part2.TRIGRAM_TOKENIZER, tokenizer_inputs, expect=reference_trigrams)


def dataset_inputs(data, rng: random.Random) -> dict:
    known, _ = words_of(data, rng, 60, 0)
    tokens, vocab_size = trigram_ids(known, known)
    return {"vocab": known, "vectors": vectors_for(known, vectors_of(data)), "dim": 300,
            "tokens": tokens, "vocab_size": vocab_size}


TRAIN_DATASET = Check(part2.TRAIN_DATASET, dataset_inputs, expect=None)


def collate_inputs(data, rng: random.Random) -> dict:
    lengths = [rng.randint(0, 9) for _ in range(22)]
    items = [([rng.uniform(-1, 1) for _ in range(8)], [rng.randrange(500) for _ in range(n)])
             for n in lengths]
    items[3] = (items[3][0], [])  # a word with no indexed trigram
    return {"batches": [items[:16], items[16:21], items[21:]]}


COLLATE_FN = Check(part2.COLLATE_FN, collate_inputs, expect=None)


def model_inputs(data, rng: random.Random) -> dict:
    n, dim = 40, 6
    bags = [[rng.randrange(n) for _ in range(rng.randint(0, 7))] for _ in range(9)]
    ids, starts = start_offsets(bags)
    return {"num_embeddings": n, "dim": dim, "bags": bags, "ids": ids, "starts": starts,
            "bounds": [*starts, len(ids)],
            "weights": [[rng.uniform(-1, 1) for _ in range(dim)] for _ in range(n)]}


def bag_sums(inputs: dict, reference_outputs=None) -> dict:
    """Each bag's sum of the table's rows (the right answer) and mean (a usual mistake)."""
    weights, dim = np.asarray(inputs["weights"]), inputs["dim"]
    sums = [weights[bag].sum(axis=0) if bag else np.zeros(dim) for bag in inputs["bags"]]
    means = [weights[bag].mean(axis=0) if bag else np.zeros(dim) for bag in inputs["bags"]]
    return {"sums": np.array(sums).tolist(), "means": np.array(means).tolist()}


TRIGRAM_MODEL = Check(part2.TRIGRAM_MODEL, model_inputs, expect=bag_sums)


def trainer_inputs(data, rng: random.Random) -> dict:
    """A least-squares problem with one exact solution: ``vocab_size`` hidden trigram vectors,
    120 training bags of them whose sums are the targets, and 40 held-out bags (``secret_``: the
    student's side never sees them) on which the trained table is judged."""
    vocab_size, dim, batch_size = 24, 8, 8
    generator = np.random.default_rng(rng.randrange(2**32))
    hidden = generator.normal(size=(vocab_size, dim)) / 2

    def bags(count: int) -> list[list[int]]:
        return [generator.choice(vocab_size, size=generator.integers(3, 7), replace=False).tolist()
                for _ in range(count)]

    train, held_out = bags(120), bags(40)
    batches = []
    for start in range(0, len(train), batch_size):
        chunk = train[start:start + batch_size]
        ids, starts = start_offsets(chunk)
        batches.append({"targets": [hidden[bag].sum(axis=0).tolist() for bag in chunk],
                        "ids": ids, "starts": starts})
    return {"batches": batches, "vocab_size": vocab_size, "dim": dim, "lr": 0.1, "n_epochs": 15,
            "secret_ids": held_out,
            "secret_targets": [hidden[bag].sum(axis=0).tolist() for bag in held_out]}


TRAINER = Check(part2.TRAINER, trainer_inputs, expect=None)


def inference_inputs(data, rng: random.Random) -> dict:
    known, unknown = words_of(data, rng, 80, 30)
    words = [*unknown, "zzqxj"]
    tokens, vocab_size = trigram_ids(words, known)
    return {"words": words, "tokens": tokens, "vocab_size": vocab_size, "batch_size": 7}


INFERENCE = Check(part2.INFERENCE, inference_inputs, expect=None)

CHECKS = [TRIGRAM_TOKENIZER, TRAIN_DATASET, COLLATE_FN, TRIGRAM_MODEL, TRAINER, INFERENCE]
