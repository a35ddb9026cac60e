"""Part 2's checks: the trigram tokenizer, the datasets and collate functions, the model and the
trainer. Earlier stages come from the grader (``FixedTokenizer``, plain ``nn.EmbeddingBag``s,
batches it made), so each check fails only for its own stage.
"""
import random

import numpy as np

from hw_checks.framework import Check, CheckFailure, fail, submission
from hw_checks.inputs import (FixedTokenizer, keyed_vectors, sample_rows, start_offsets,
                                     validation_of, vectors_for, vectors_of)
from hw_checks.values import as_array, as_int_list, assert_number, assert_vector, plain

COURSE_WORD, COURSE_TRIGRAMS = "арбуз", ["#ар", "арб", "рбу", "буз", "уз#"]
DATALOADER_BATCH = 16  # the course's test_dataloader
TRAINED_SHARE = 0.25  # after training, the MSE must be under this share of the zero model's


def trigrams_of(word: str) -> list[str]:
    """The course's trigrams: ``'#' + word + '#'`` cut into overlapping triples."""
    return [f"#{word}#"[start:start + 3] for start in range(len(word))]


def words_of(data, rng: random.Random, n_known: int, n_unknown: int) -> tuple[list, list]:
    """Lower-cased words of the grader's validation titles: some the vectors know, some not."""
    vectors = vectors_of(data)
    words = sorted({word.strip("?.,:;()[]'\"!").lower() for row in
                    sample_rows(validation_of(data), rng, 200, max_length=3)
                    for text in row for word in text.split()} - {""})
    known = [word for word in words if word in vectors]
    unknown = [word for word in words if word not in vectors]
    return (rng.sample(known, min(n_known, len(known))),
            rng.sample(unknown, min(n_unknown, len(unknown))))


def token_map(words: list[str], trained_on: list[str]) -> tuple[dict, int]:
    """The grader's trigram indices of ``words`` over the trigrams of ``trained_on``."""
    index = {t: i for i, t in enumerate(sorted({t for w in trained_on for t in trigrams_of(w)}))}
    return {w: [index[t] for t in trigrams_of(w) if t in index] for w in words}, len(index)


# --- the tokenizer -----------------------------------------------------------------------------
def tokenizer_inputs(data, rng: random.Random) -> dict:
    known, unknown = words_of(data, rng, 150, 30)
    short = ["c", "go", "r", "js"]
    return {"words": [COURSE_WORD, *short, *known], "queries": [COURSE_WORD, *short, *known[:40],
                                                                  *unknown, "zzqxj"]}


def record_tokenizer(cls, words: list[str], queries: list[str]) -> dict:
    tokenizer = cls(words)
    return {"trigrams": {w: plain(cls._get_trigrams(w)) for w in dict.fromkeys(words + queries)},
            "instance_trigrams": plain(tokenizer._get_trigrams(COURSE_WORD)),
            "vocab_size": plain(tokenizer.vocab_size),
            "ids": {w: plain(tokenizer(w)) for w in queries}}


def observe_tokenizer(inputs: dict) -> dict:
    return record_tokenizer(submission("trigram").TrigramTokenizer, inputs["words"],
                            inputs["queries"])


def judge_tokenizer(outputs: dict, expected, inputs: dict) -> None:
    trigrams = outputs["trigrams"]
    for word, got in trigrams.items():
        if len(word) >= 2 and got != trigrams_of(word):  # one letter: '#c#' or a convention
            fail(f"TrigramTokenizer._get_trigrams({word!r}): expected {trigrams_of(word)}, "
                 f"got {got!r}")
        if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
            fail(f"TrigramTokenizer._get_trigrams({word!r}): expected a list of strings, "
                 f"got {got!r}")
    if outputs["instance_trigrams"] != COURSE_TRIGRAMS:
        fail(f"tokenizer._get_trigrams({COURSE_WORD!r}) on an instance: expected "
             f"{COURSE_TRIGRAMS}, got {outputs['instance_trigrams']!r} (a @staticmethod)")
    indexed = {t for word in inputs["words"] for t in trigrams[word]}
    if outputs["vocab_size"] != len(indexed):
        fail(f"TrigramTokenizer(words).vocab_size: expected {len(indexed)} (the distinct "
             f"trigrams of the {len(inputs['words'])} words), got {outputs['vocab_size']!r}")
    index_of: dict[str, int] = {}
    for word, ids in outputs["ids"].items():
        wanted = [t for t in trigrams[word] if t in indexed]
        got = as_int_list(ids, f"tokenizer({word!r})") if ids != [] else []
        if len(got) != len(wanted):
            fail(f"tokenizer({word!r}): expected the indices of its {len(wanted)} indexed "
                 f"trigrams {wanted}, got {ids!r}")
        for trigram, index in zip(wanted, got):
            if index_of.setdefault(trigram, index) != index or not 0 <= index < len(indexed):
                fail(f"tokenizer({word!r}) = {ids!r}: trigram {trigram!r} got index {index}, "
                     f"but elsewhere {index_of[trigram]}; each indexed trigram needs one index "
                     f"in 0 .. vocab_size - 1")
    if len(set(index_of.values())) != len(index_of):
        fail("tokenizer: two different trigrams share an index")


# --- the training dataset ----------------------------------------------------------------------
def dataset_inputs(data, rng: random.Random) -> dict:
    known, _ = words_of(data, rng, 60, 0)
    tokens, vocab_size = token_map(known, known)
    return {"vocab": known, "vectors": vectors_for(known, vectors_of(data)), "dim": 300,
            "tokens": tokens, "vocab_size": vocab_size}


def observe_dataset(inputs: dict) -> dict:
    tokenizer = FixedTokenizer(inputs["tokens"], inputs["vocab_size"])
    dataset = submission("trigram").TrainTrigramDataset(
        inputs["vocab"], keyed_vectors(inputs["vectors"], inputs["dim"]), tokenizer)
    calls_in_init = tokenizer.calls
    items = [[plain(part) for part in dataset[i]] for i in range(len(inputs["vocab"]))]
    return {"len": plain(len(dataset)), "items": items,
            "tokenizer_calls": [calls_in_init, tokenizer.calls - calls_in_init]}


def judge_dataset(outputs: dict, expected, inputs: dict) -> None:
    vocab = inputs["vocab"]
    if outputs["len"] != len(vocab):
        fail(f"len(TrainTrigramDataset(vocab, ...)): expected {len(vocab)}, got {outputs['len']!r}")
    for i, item in enumerate(outputs["items"]):
        if len(item) != 2:
            fail(f"dataset[{i}]: expected (word vector, trigram indices), got {len(item)} items")
        assert_vector(item[0], inputs["vectors"][vocab[i]], f"dataset[{i}][0] (the vector of "
                                                            f"{vocab[i]!r})", rtol=1e-5)
        ids = as_int_list(item[1], f"dataset[{i}][1]") if item[1] != [] else []
        if ids != inputs["tokens"][vocab[i]]:
            fail(f"dataset[{i}][1]: expected tri_tokenizer({vocab[i]!r}) = "
                 f"{inputs['tokens'][vocab[i]]}, got {item[1]!r}")
    if outputs["tokenizer_calls"][1]:
        fail(f"TrainTrigramDataset called the tokenizer {outputs['tokenizer_calls'][1]} times in "
             f"__getitem__: compute every word's trigram indices in advance, in __init__")


# --- collate functions -------------------------------------------------------------------------
def bags(ids, offsets, n: int, what: str) -> list[list[int]]:
    """The bags ``(ids, offsets)`` stand for: start offsets ``[n]``, or ``[n + 1]`` ending with
    ``len(ids)`` (both are ``nn.EmbeddingBag`` conventions)."""
    ids = as_int_list(ids, f"{what}: the indices") if ids != [] else []
    offsets = as_int_list(offsets, f"{what}: the offsets")
    if len(offsets) == n + 1 and offsets[-1] == len(ids):
        offsets = offsets[:-1]
    if len(offsets) != n or (n and offsets[0] != 0) or offsets != sorted(offsets) or (
            n and offsets[-1] > len(ids)):
        fail(f"{what}: expected {n} start offsets, 0 first, ascending (nn.EmbeddingBag's "
             f"layout), got {offsets} for {len(ids)} indices")
    ends = [*offsets[1:], len(ids)]
    return [ids[start:end] for start, end in zip(offsets, ends)]


def collate_inputs(data, rng: random.Random) -> dict:
    lengths = [rng.randint(0, 9) for _ in range(22)]
    items = [([rng.uniform(-1, 1) for _ in range(8)], [rng.randrange(500) for _ in range(n)])
             for n in lengths]
    items[3] = (items[3][0], [])  # a word with no indexed trigram
    return {"batches": [items[:16], items[16:21], items[21:]]}


def observe_collate(inputs: dict) -> list:
    import torch

    collate = submission("trigram").collate_fn
    return [plain(collate([(torch.tensor(vector), torch.tensor(ids, dtype=torch.long))
                           for vector, ids in batch])) for batch in inputs["batches"]]


def judge_collate(outputs: list, expected, inputs: dict) -> None:
    for number, (got, batch) in enumerate(zip(outputs, inputs["batches"])):
        what = f"collate_fn(batch of {len(batch)} items)"
        if not isinstance(got, list) or len(got) != 3:
            fail(f"{what}: expected (word vectors, trigram indices, offsets), got {got!r}")
        assert_vector(got[0], [vector for vector, _ in batch], f"{what}[0], the vectors")
        if bags(got[1], got[2], len(batch), what) != [ids for _, ids in batch]:
            fail(f"{what}: the bags of indices differ from the items' trigram indices: expected "
                 f"{[ids for _, ids in batch]}, got indices {got[1]} with offsets {got[2]}")


# --- the model ---------------------------------------------------------------------------------
def model_inputs(data, rng: random.Random) -> dict:
    return {"num_embeddings": 40, "dim": 6,
            "weights": [[rng.uniform(-1, 1) for _ in range(6)] for _ in range(40)],
            "bags": [[rng.randrange(40) for _ in range(rng.randint(0, 7))] for _ in range(9)]}


def observe_model(inputs: dict) -> dict:
    import torch

    model = submission("trigram").TrigramModel(inputs["num_embeddings"], inputs["dim"])
    outputs = {"embedding_dim": plain(model.embedding_dim),
               "num_embeddings": plain(model.num_embeddings),
               "parameters": [list(p.shape) for p in model.parameters()]}
    tables = [p for p in model.parameters()
              if list(p.shape) == [inputs["num_embeddings"], inputs["dim"]]]
    if len(tables) == 1:
        with torch.no_grad():
            tables[0].copy_(torch.tensor(inputs["weights"]))
        ids, starts = start_offsets(inputs["bags"])
        bounds = torch.cat([starts, torch.tensor([len(ids)])])  # include_last_offset's form
        for name, offsets in (("starts", starts), ("bounds", bounds)):
            try:
                outputs[name] = plain(model(ids, offsets))
            except Exception as error:  # noqa: BLE001 - the other form may still work
                outputs[name] = {"unexpected": f"{type(error).__name__}: {error}"}
    return outputs


def judge_model(outputs: dict, expected, inputs: dict) -> None:
    n, dim = inputs["num_embeddings"], inputs["dim"]
    for name, wanted in (("embedding_dim", dim), ("num_embeddings", n)):
        if outputs[name] != wanted:
            fail(f"TrigramModel({n}, {dim}).{name}: expected {wanted}, got {outputs[name]!r}")
    if "starts" not in outputs:
        fail(f"TrigramModel({n}, {dim}): expected one table of trigram vectors of shape "
             f"[{n}, {dim}] (an nn.EmbeddingBag), found parameters {outputs['parameters']}")
    weights = np.asarray(inputs["weights"])
    sums = [weights[bag].sum(axis=0) if bag else np.zeros(dim) for bag in inputs["bags"]]
    what = ("model(trigrams, offsets) with start offsets (or with include_last_offset's "
            "[B + 1]): each word's vector is the sum of its trigrams' vectors")
    try:
        assert_vector(outputs["bounds"], sums, what, rtol=1e-4, atol=1e-5)
    except CheckFailure:
        assert_vector(outputs["starts"], sums, what, rtol=1e-4, atol=1e-5)


# --- the trainer -------------------------------------------------------------------------------
def trainer_inputs(data, rng: random.Random) -> dict:
    """A small problem with an exact solution: the targets are sums of hidden trigram vectors."""
    known, _ = words_of(data, rng, 48, 0)
    tokens, vocab_size = token_map(known, known)
    hidden = np.random.default_rng(rng.randrange(2**32)).normal(size=(vocab_size, 8)) / 3
    targets = [hidden[tokens[w]].sum(axis=0).tolist() for w in known]
    order = list(range(len(known)))
    batches = [order[i:i + 8] for i in range(0, len(order), 8)]
    return {"ids": [tokens[w] for w in known], "targets": targets, "batches": batches,
            "vocab_size": vocab_size, "dim": 8, "lr": 0.1, "n_epochs": 15}


def packed_batches(inputs: dict) -> list:
    """``(vectors, ids, offsets)`` batches as Part 2's loader gives them."""
    import torch

    return [(torch.tensor([inputs["targets"][r] for r in rows], dtype=torch.float32),
             *start_offsets([inputs["ids"][r] for r in rows])) for rows in inputs["batches"]]


def observe_trainer(inputs: dict) -> dict:
    import torch

    torch.manual_seed(0)
    model = torch.nn.EmbeddingBag(inputs["vocab_size"], inputs["dim"], mode="sum")
    torch.nn.init.zeros_(model.weight)
    batches = packed_batches(inputs)
    trainer = submission("trigram").Trainer(model, torch.nn.MSELoss(),
                                            torch.optim.Adam(model.parameters(), lr=inputs["lr"]))
    losses = trainer.train(batches, inputs["n_epochs"])
    step_loss = trainer._train_step(batches)
    trainer.train(batches[:1], 1, verbose=True)
    with torch.no_grad():
        predictions = [model(ids, offsets) for _, ids, offsets in batches]
    return {"losses": plain(losses), "step_loss": plain(step_loss),
            "predictions": plain(torch.cat(predictions))}


def judge_trainer(outputs: dict, expected, inputs: dict) -> None:
    n_epochs = inputs["n_epochs"]
    losses = outputs["losses"]
    if not isinstance(losses, list) or len(losses) != n_epochs:
        fail(f"trainer.train(dataloader, n_epochs={n_epochs}): expected a list of {n_epochs} "
             f"losses, one per epoch, got {losses!r}")
    losses = [assert_number(loss, "an epoch's loss") for loss in losses]
    assert_number(outputs["step_loss"], "trainer._train_step(dataloader)")
    targets = np.asarray(inputs["targets"])
    start = float(np.mean(targets ** 2))  # the model starts at zero
    predictions = as_array(outputs["predictions"], "the model after training")
    end = float(np.mean((predictions - targets) ** 2))
    if not losses[-1] < losses[0] or not end < TRAINED_SHARE * start:
        fail(f"Trainer with Adam(lr={inputs['lr']}) and MSE on a problem with an exact "
             f"solution, {n_epochs} epochs: expected the model's MSE to fall below "
             f"{TRAINED_SHARE} x its start {start:.4f}, got {end:.4f} (epoch losses "
             f"{[round(x, 5) for x in losses]}). Does _train_step call optimizer.zero_grad(), "
             f"loss.backward() and optimizer.step() for every batch?")


# --- inference ---------------------------------------------------------------------------------
def inference_inputs(data, rng: random.Random) -> dict:
    known, unknown = words_of(data, rng, 80, 30)
    tokens, vocab_size = token_map(unknown + ["zzqxj"], known)
    return {"words": [*unknown, "zzqxj"], "tokens": tokens, "vocab_size": vocab_size,
            "batch_size": 7}


def observe_inference(inputs: dict) -> dict:
    from torch.utils.data import DataLoader

    trigram = submission("trigram")
    dataset = trigram.InferenceTrigramDataset(inputs["words"],
                                              FixedTokenizer(inputs["tokens"], inputs["vocab_size"]))
    loader = DataLoader(dataset, batch_size=inputs["batch_size"],
                        collate_fn=trigram.inference_collate_fn)
    return {"len": plain(len(dataset)), "items": [plain(dataset[i]) for i in range(len(dataset))],
            "batches": [plain(batch) for batch in loader]}


def judge_inference(outputs: dict, expected, inputs: dict) -> None:
    words = inputs["words"]
    if outputs["len"] != len(words):
        fail(f"len(InferenceTrigramDataset(vocab, tri_tokenizer)): expected {len(words)}, got "
             f"{outputs['len']!r}")
    for word, item in zip(words, outputs["items"]):
        if (as_int_list(item, f"dataset item of {word!r}") if item != [] else []) != \
                inputs["tokens"][word]:
            fail(f"InferenceTrigramDataset item of {word!r}: expected "
                 f"{inputs['tokens'][word]}, got {item!r}")
    size = inputs["batch_size"]
    for number, batch in enumerate(outputs["batches"]):
        chunk = words[number * size:(number + 1) * size]
        what = f"inference_collate_fn(batch {number} of {len(chunk)} words)"
        if not isinstance(batch, list) or len(batch) != 2:
            fail(f"{what}: expected (indices, offsets), got {batch!r}")
        if bags(batch[0], batch[1], len(chunk), what) != [inputs["tokens"][w] for w in chunk]:
            fail(f"{what}: the bags differ from the words' trigram indices "
                 f"{[inputs['tokens'][w] for w in chunk]}: got {batch}")


# --- Part 2 in TaskTests -----------------------------------------------------------------------
class Part2Tests:
    """The course's Part 2 checks, for the notebook."""

    def test_trigram_tokenizer(self, cls) -> None:
        words = [COURSE_WORD, "where", "go", "c", "python", "pythonic"]
        judge_tokenizer(record_tokenizer(cls, words, [*words, "pythonista", "zzz"]), None,
                        {"words": words})

    def test_dataset(self, ds, w2v_vocab, wv_embeddings, tri_tokenizer) -> None:
        if len(ds) != len(w2v_vocab):
            raise CheckFailure(f"len(dataset): expected {len(w2v_vocab)} (the vocabulary), got "
                               f"{len(ds)}")
        for i in {0, len(ds) // 2, len(ds) - 1}:
            vector, ids = ds[i]
            word = w2v_vocab[i]
            assert_vector(plain(vector), np.asarray(wv_embeddings[word]),
                          f"dataset[{i}][0] (the vector of {word!r})", rtol=1e-5)
            if plain(ids) != plain(tri_tokenizer(word)):
                raise CheckFailure(f"dataset[{i}][1]: expected tri_tokenizer({word!r}) = "
                                   f"{tri_tokenizer(word)}, got {plain(ids)}")

    def test_dataloader(self, dataset, collate_fn, embedding_dim: int = 300) -> None:
        from torch.utils.data import DataLoader

        items = [dataset[i] for i in range(min(DATALOADER_BATCH, len(dataset)))]
        vectors, ids, offsets = next(iter(DataLoader(dataset, batch_size=DATALOADER_BATCH,
                                                     collate_fn=collate_fn)))
        what = f"collate_fn on a batch of {len(items)}"
        assert_vector(plain(vectors), [plain(vector) for vector, _ in items], f"{what}: vectors")
        if as_array(plain(vectors), what).shape[1] != embedding_dim:
            raise CheckFailure(f"{what}: expected vectors of size {embedding_dim}")
        if bags(plain(ids), plain(offsets), len(items), what) != [plain(i) for _, i in items]:
            raise CheckFailure(f"{what}: the bags of indices differ from the items' indices")

    def test_trigram_model(self, model) -> None:
        import torch

        ids = torch.tensor([0, 1, 2, 1, 0], dtype=torch.long)
        output = model(ids, torch.tensor([0, 3]))
        n, dim = model.num_embeddings, model.embedding_dim
        if tuple(output.shape) != (2, dim) or not isinstance(n, int):
            raise CheckFailure(f"model(trigrams, offsets) for 2 words: expected shape "
                               f"(2, {dim}), got {tuple(output.shape)}")


# --- the checks --------------------------------------------------------------------------------
CHECKS = [
    Check("part2.trigram_tokenizer", "part2", 1.0,
          "TrigramTokenizer(words): the set of all trigrams of words and a trigram -> index map; "
          "vocab_size = the number of trigrams with an index; _get_trigrams(word) "
          "('арбуз' -> ['#ар', 'арб', 'рбу', 'буз', 'уз#']); __call__(word) = the indices of "
          "the word's trigrams that are in the map.",
          tokenizer_inputs, observe_tokenizer, judge_tokenizer, expect=None, reference_seconds=0.1),
    Check("part2.train_dataset", "part2", 1.0,
          "TrainTrigramDataset(vocab, w2v_embeddings, tri_tokenizer) yields (word2vec vector of "
          "the word, list of its trigram indices) as tensors, computing every word's trigram "
          "indices in advance, in __init__.",
          dataset_inputs, observe_dataset, judge_dataset, expect=None, reference_seconds=0.1),
    Check("part2.collate_fn", "part2", 1.0,
          "collate_fn(batch) -> (word vectors, trigram indices, trigram offsets): the list of "
          "lists of indices turned into nn.EmbeddingBag's form, a list of indices and a list of "
          "offsets starting at zero.",
          collate_inputs, observe_collate, judge_collate, expect=None, reference_seconds=0.1),
    Check("part2.trigram_model", "part2", 1.0,
          "TrigramModel(num_embeddings, embedding_dim) with nn.EmbeddingBag: forward(trigrams, "
          "offsets) -> word vectors, each the sum of its trigrams' vectors; properties "
          "embedding_dim and num_embeddings.",
          model_inputs, observe_model, judge_model, expect=None, reference_seconds=0.1),
    Check("part2.trainer", "part2", 1.0,
          "Trainer(model, criterion, optimizer): _train_step(dataloader) makes one pass with "
          "backprop and returns the loss; train(dataloader, n_epochs, verbose=False) returns "
          "the list of losses.",
          trainer_inputs, observe_trainer, judge_trainer, expect=None, reference_seconds=0.5),
    Check("part2.inference", "part2", 1.0,
          "InferenceTrigramDataset(vocab, tri_tokenizer) yields each word's trigram indices; "
          "inference_collate_fn(trigrams) -> (list of indices, list of offsets).",
          inference_inputs, observe_inference, judge_inference, expect=None,
          reference_seconds=0.1),
]
