"""Part 2's stages: the trigram tokenizer, the datasets and collate functions, the model, the
trainer and inference. Earlier stages come from the grader (lookup tokenizers, plain
``nn.EmbeddingBag``s, batches it made), so each stage fails only for its own template.
"""
import numpy as np

from hw_checks.host import Host, StudentError, Tensor
from hw_checks.stage import CheckFailure, Stage, fail
from hw_checks.values import (as_array, as_int_list, assert_number, assert_vector, expect_dict,
                              expect_list, plain, short)

COURSE_WORD, COURSE_TRIGRAMS = "арбуз", ["#ар", "арб", "рбу", "буз", "уз#"]
DATALOADER_BATCH = 16  # the course's test_dataloader
TRAINED_SHARE = 0.25  # after training, held-out MSE under this share of the untrained model's
TRAINING_ADVICE = ("Does _train_step call optimizer.zero_grad(), loss.backward() and "
                   "optimizer.step() for every batch, and train() call _train_step each epoch?")


def error_of(call) -> object:
    """``call()``, or ``{"error": "Type: message"}`` when the student's code raises."""
    try:
        return call()
    except StudentError as error:
        return {"error": str(error)[:500]}
    except Exception as error:  # noqa: BLE001 - in a notebook the student's own exception
        return {"error": f"{type(error).__name__}: {error}"[:500]}


def bags(ids, offsets, n: int, what: str) -> list[list[int]]:
    """The bags ``(ids, offsets)`` stand for: start offsets ``[n]``, or ``[n + 1]`` ending with
    ``len(ids)`` (both are ``nn.EmbeddingBag``'s conventions)."""
    ids = as_int_list(ids, f"{what}: the indices")
    offsets = as_int_list(offsets, f"{what}: the offsets")
    if len(offsets) == n + 1 and offsets[-1] == len(ids):
        offsets = offsets[:-1]
    if len(offsets) != n or (n and offsets[0] != 0) or offsets != sorted(offsets) or (
            n and offsets[-1] > len(ids)):
        hint = ""
        if len(offsets) == n and n and offsets[-1] == len(ids):
            hint = (" They look like where each bag ends (cumulative lengths): nn.EmbeddingBag "
                    "wants where each one starts, 0 first.")
        elif offsets and offsets[0] != 0:
            hint = f" The first bag starts at 0, not {offsets[0]}: off by one?"
        fail(f"{what}: expected {n} start offsets, 0 first, ascending (nn.EmbeddingBag's "
             f"layout), got {short(offsets)} for {len(ids)} indices.{hint}")
    ends = [*offsets[1:], len(ids)]
    return [ids[start:end] for start, end in zip(offsets, ends)]


# --- the tokenizer -----------------------------------------------------------------------------
def drive_tokenizer(host: Host, inputs: dict) -> dict:
    cls = host.student("trigram.TrigramTokenizer")
    tokenizer = host.call(cls, inputs["words"])
    return {"trigrams": host.map(cls.attr("_get_trigrams"), [[w] for w in inputs["asked"]]),
            "instance_trigrams": host.call(tokenizer.attr("_get_trigrams"), COURSE_WORD),
            "vocab_size": host.get(tokenizer.attr("vocab_size")),
            "ids": host.map(tokenizer, [[w] for w in inputs["queries"]])}


def judge_tokenizer(outputs: dict, expected: dict, inputs: dict) -> None:
    expect_dict(outputs, ["ids", "instance_trigrams", "trigrams", "vocab_size"],
                "the tokenizer's outputs")
    asked = inputs["asked"]
    trigrams = dict(zip(asked, expect_list(outputs["trigrams"], len(asked),
                                           "_get_trigrams for each word")))
    for word, got in trigrams.items():
        if not isinstance(got, list) or not all(isinstance(t, str) for t in got):
            fail(f"TrigramTokenizer._get_trigrams({word!r}): expected a list of strings, got "
                 f"{short(got)}")
        wanted = expected["trigrams"][asked.index(word)]
        if len(word) >= 2 and got != wanted:  # one letter: '#c#' or another convention
            fail(f"TrigramTokenizer._get_trigrams({word!r}): expected {wanted}, got {short(got)}")
    if outputs["instance_trigrams"] != COURSE_TRIGRAMS:
        fail(f"tokenizer._get_trigrams({COURSE_WORD!r}) on an instance: expected "
             f"{COURSE_TRIGRAMS}, got {short(outputs['instance_trigrams'])} (a @staticmethod)")
    indexed = {t for word in inputs["words"] for t in trigrams[word]}
    if outputs["vocab_size"] != len(indexed) or isinstance(outputs["vocab_size"], bool):
        fail(f"TrigramTokenizer(words).vocab_size: expected {len(indexed)} (the distinct "
             f"trigrams of the {len(inputs['words'])} words), got {short(outputs['vocab_size'])}")
    queries = inputs["queries"]
    index_of: dict[str, int] = {}
    for word, ids in zip(queries, expect_list(outputs["ids"], len(queries),
                                              "tokenizer(word) for each word")):
        wanted = [t for t in trigrams[word] if t in indexed]
        got = as_int_list(ids, f"tokenizer({word!r})")
        if len(got) != len(wanted):
            fail(f"tokenizer({word!r}): expected the indices of its {len(wanted)} indexed "
                 f"trigrams {wanted}, got {short(ids)}")
        for trigram, index in zip(wanted, got):
            if index_of.setdefault(trigram, index) != index or not 0 <= index < len(indexed):
                fail(f"tokenizer({word!r}) = {short(ids)}: trigram {trigram!r} got index "
                     f"{index}, elsewhere {index_of[trigram]}; each indexed trigram needs one "
                     f"index in 0 .. vocab_size - 1")
    if len(set(index_of.values())) != len(index_of):
        fail("tokenizer: two different trigrams share an index")


TRIGRAM_TOKENIZER = Stage(
    "part2.trigram_tokenizer", "part2", 1.0,
    "TrigramTokenizer(words): the set of all trigrams of words and a trigram -> index map; "
    "vocab_size = the number of trigrams with an index; _get_trigrams(word) ('арбуз' -> "
    "['#ар', 'арб', 'рбу', 'буз', 'уз#']); __call__(word) = the indices of the word's trigrams "
    "that are in the map.",
    ("hw_utils.trigram",), drive_tokenizer, judge_tokenizer)


# --- the training dataset ----------------------------------------------------------------------
def drive_dataset(host: Host, inputs: dict) -> dict:
    tokenizer = host.call(host.glue("glue.lookup_tokenizer"), inputs["tokens"],
                          inputs["vocab_size"])
    vectors = host.call(host.glue("glue.keyed_vectors"), inputs["vectors"], inputs["dim"])
    dataset = host.call(host.student("trigram.TrainTrigramDataset"), inputs["vocab"], vectors,
                        tokenizer)
    calls_in_init = host.get(tokenizer.attr("calls"))
    size = host.call(host.glue("glue.length"), dataset)
    items = host.call(host.glue("glue.items"), dataset, len(inputs["vocab"]))
    return {"len": size, "items": items,
            "tokenizer_calls": [calls_in_init, host.get(tokenizer.attr("calls")) - calls_in_init]}


def judge_dataset(outputs: dict, expected, inputs: dict) -> None:
    expect_dict(outputs, ["items", "len", "tokenizer_calls"], "the dataset's outputs")
    vocab = inputs["vocab"]
    if outputs["len"] != len(vocab):
        fail(f"len(TrainTrigramDataset(vocab, ...)): expected {len(vocab)}, got "
             f"{short(outputs['len'])}")
    for i, item in enumerate(expect_list(outputs["items"], len(vocab), "dataset[i] for each i")):
        item = expect_list(item, 2, f"dataset[{i}]: (word vector, trigram indices)")
        assert_vector(item[0], inputs["vectors"][vocab[i]],
                      f"dataset[{i}][0] (the vector of {vocab[i]!r})", rtol=1e-5)
        if as_int_list(item[1], f"dataset[{i}][1]") != inputs["tokens"][vocab[i]]:
            fail(f"dataset[{i}][1]: expected tri_tokenizer({vocab[i]!r}) = "
                 f"{inputs['tokens'][vocab[i]]}, got {short(item[1])}")
    if outputs["tokenizer_calls"][1]:
        fail(f"TrainTrigramDataset called the tokenizer {outputs['tokenizer_calls'][1]} times in "
             f"__getitem__: compute every word's trigram indices in advance, in __init__")


TRAIN_DATASET = Stage(
    "part2.train_dataset", "part2", 1.0,
    "TrainTrigramDataset(vocab, w2v_embeddings, tri_tokenizer) yields (word2vec vector of the "
    "word, list of its trigram indices) as tensors, computing every word's trigram indices in "
    "advance, in __init__.",
    ("hw_utils.trigram",), drive_dataset, judge_dataset)


# --- collate_fn --------------------------------------------------------------------------------
def drive_collate(host: Host, inputs: dict) -> list:
    collate = host.student("trigram.collate_fn")
    return [host.call(collate, [(Tensor(np.asarray(vector, dtype=np.float32)),
                                 Tensor(np.asarray(ids, dtype=np.int64)))
                                for vector, ids in batch])
            for batch in inputs["batches"]]


def judge_collate(outputs: list, expected, inputs: dict) -> None:
    batches = inputs["batches"]
    for got, batch in zip(expect_list(outputs, len(batches), "collate_fn for each batch"),
                          batches):
        what = f"collate_fn(batch of {len(batch)} items)"
        got = expect_list(got, 3, f"{what}: (word vectors, trigram indices, offsets)")
        assert_vector(got[0], [vector for vector, _ in batch], f"{what}[0], the vectors")
        if bags(got[1], got[2], len(batch), what) != [ids for _, ids in batch]:
            fail(f"{what}: the bags of indices differ from the items' trigram indices: expected "
                 f"{[ids for _, ids in batch]}, got indices {short(got[1])} with offsets "
                 f"{short(got[2])}")


COLLATE_FN = Stage(
    "part2.collate_fn", "part2", 1.0,
    "collate_fn(batch) -> (word vectors, trigram indices, trigram offsets): the list of lists "
    "of indices turned into nn.EmbeddingBag's form, a list of indices and a list of offsets "
    "starting at zero.",
    ("hw_utils.trigram",), drive_collate, judge_collate)


# --- the model ---------------------------------------------------------------------------------
def drive_model(host: Host, inputs: dict) -> dict:
    n, dim = inputs["num_embeddings"], inputs["dim"]
    model = host.call(host.student("trigram.TrigramModel"), n, dim)
    outputs = {"embedding_dim": host.get(model.attr("embedding_dim")),
               "num_embeddings": host.get(model.attr("num_embeddings")),
               "parameters": host.call(host.glue("glue.set_table"), model, inputs["weights"], 0)}
    if outputs["parameters"]:
        for form in ("starts", "bounds"):  # start offsets [B], or include_last_offset's [B + 1]
            outputs[form] = error_of(lambda form=form: host.call(
                host.glue("glue.no_grad_call"), model, Tensor(np.asarray(inputs["ids"])),
                Tensor(np.asarray(inputs[form]))))
    else:
        outputs["parameters"] = host.call(host.glue("glue.parameter_shapes"), model)
    return outputs


def judge_model(outputs: dict, expected: dict, inputs: dict) -> None:
    n, dim = inputs["num_embeddings"], inputs["dim"]
    for name, wanted in (("embedding_dim", dim), ("num_embeddings", n)):
        if outputs.get(name) != wanted:
            fail(f"TrigramModel({n}, {dim}).{name}: expected {wanted}, got "
                 f"{short(outputs.get(name))}")
    if "starts" not in outputs:
        fail(f"TrigramModel({n}, {dim}): expected one table of trigram vectors of shape [{n}, "
             f"{dim}] (an nn.EmbeddingBag), found parameters {short(outputs['parameters'])}")
    what = ("model(trigrams, offsets) with start offsets (or with include_last_offset's "
            "[B + 1]): each word's vector is the sum of its trigrams' vectors")
    failures = []
    for form in ("bounds", "starts"):
        try:
            assert_vector(outputs[form], expected["sums"], what, rtol=1e-4, atol=1e-5,
                          hint=_mean_hint(outputs[form], expected))
            return
        except CheckFailure as failure:
            failures.append(str(failure))
    fail(failures[-1])


def _mean_hint(got, expected: dict) -> str:
    try:
        return ("the mean of the trigram vectors, not their sum (mode='sum')"
                if np.allclose(np.asarray(got, dtype=float), expected["means"], atol=1e-5) else "")
    except (TypeError, ValueError):
        return ""


TRIGRAM_MODEL = Stage(
    "part2.trigram_model", "part2", 1.0,
    "TrigramModel(num_embeddings, embedding_dim) with nn.EmbeddingBag: forward(trigrams, "
    "offsets) -> word vectors, each the sum of its trigrams' vectors; properties embedding_dim "
    "and num_embeddings.",
    ("hw_utils.trigram",), drive_model, judge_model)


# --- the trainer -------------------------------------------------------------------------------
def drive_trainer(host: Host, inputs: dict) -> dict:
    """The student's Trainer on the grader's zero-initialised ``nn.EmbeddingBag``, Adam and MSE;
    returns the trained table (the grader evaluates it on words it never sent)."""
    model = host.call(host.glue("glue.embedding_bag"), inputs["vocab_size"], inputs["dim"], "sum")
    optimizer = host.call(host.glue("glue.adam"), model, inputs["lr"])
    trainer = host.call(host.student("trigram.Trainer"), model,
                        host.call(host.glue("glue.mse_loss")), optimizer)
    batches = [(Tensor(np.asarray(b["targets"], dtype=np.float32)), Tensor(np.asarray(b["ids"])),
                Tensor(np.asarray(b["starts"]))) for b in inputs["batches"]]
    losses = host.call(trainer.attr("train"), batches, inputs["n_epochs"])
    step_loss = host.call(trainer.attr("_train_step"), batches)
    host.call(trainer.attr("train"), batches[:1], 1, verbose=True)
    return {"losses": losses, "step_loss": step_loss,
            "weights": host.call(host.glue("glue.weights"), model)}


def judge_trainer(outputs: dict, expected, inputs: dict) -> None:
    expect_dict(outputs, ["losses", "step_loss", "weights"], "the trainer's outputs")
    n_epochs = inputs["n_epochs"]
    losses = expect_list(outputs["losses"], n_epochs,
                         f"trainer.train(dataloader, n_epochs={n_epochs}): one loss per epoch")
    for loss in losses:
        assert_number(loss, "an epoch's loss")
    assert_number(outputs["step_loss"], "trainer._train_step(dataloader)")
    weights = as_array(outputs["weights"], "the model's table after training")
    if weights.shape != (inputs["vocab_size"], inputs["dim"]):
        fail(f"the model's table after training: expected shape {inputs['vocab_size'], inputs['dim']}, "
             f"got {weights.shape}")
    targets = np.asarray(inputs["secret_targets"])
    predictions = np.array([weights[ids].sum(axis=0) for ids in inputs["secret_ids"]])
    start, end = float(np.mean(targets ** 2)), float(np.mean((predictions - targets) ** 2))
    if not end < TRAINED_SHARE * start:
        fail(f"Trainer with Adam(lr={inputs['lr']}) and MSE, {n_epochs} epochs on a problem "
             f"with an exact solution: on {len(targets)} words it never trained on, expected the "
             f"MSE to fall below {TRAINED_SHARE} x the untrained model's {start:.4f}, got "
             f"{end:.4f} (its epoch losses: {[round(float(x), 5) for x in losses]}). "
             f"{TRAINING_ADVICE}")


TRAINER = Stage(
    "part2.trainer", "part2", 1.0,
    "Trainer(model, criterion, optimizer): _train_step(dataloader) makes one pass with backprop "
    "and returns the loss; train(dataloader, n_epochs, verbose=False) returns the list of losses.",
    ("hw_utils.trigram",), drive_trainer, judge_trainer)


# --- inference ---------------------------------------------------------------------------------
def drive_inference(host: Host, inputs: dict) -> dict:
    tokenizer = host.call(host.glue("glue.lookup_tokenizer"), inputs["tokens"],
                          inputs["vocab_size"])
    dataset = host.call(host.student("trigram.InferenceTrigramDataset"), inputs["words"],
                        tokenizer)
    collate = host.get(host.student("trigram.inference_collate_fn"))
    return {"len": host.call(host.glue("glue.length"), dataset),
            "items": host.call(host.glue("glue.items"), dataset, len(inputs["words"])),
            "batches": host.call(host.glue("glue.loader_batches"), dataset,
                                 inputs["batch_size"], collate)}


def judge_inference(outputs: dict, expected, inputs: dict) -> None:
    expect_dict(outputs, ["batches", "items", "len"], "inference's outputs")
    words, tokens = inputs["words"], inputs["tokens"]
    if outputs["len"] != len(words):
        fail(f"len(InferenceTrigramDataset(vocab, tri_tokenizer)): expected {len(words)}, got "
             f"{short(outputs['len'])}")
    for word, item in zip(words, expect_list(outputs["items"], len(words), "dataset[i]")):
        if as_int_list(item, f"dataset item of {word!r}") != tokens[word]:
            fail(f"InferenceTrigramDataset item of {word!r}: expected {tokens[word]}, got "
                 f"{short(item)}")
    size = inputs["batch_size"]
    chunks = [words[start:start + size] for start in range(0, len(words), size)]
    for number, (batch, chunk) in enumerate(zip(
            expect_list(outputs["batches"], len(chunks), f"batches of {size}"), chunks)):
        what = f"inference_collate_fn(batch {number} of {len(chunk)} words)"
        batch = expect_list(batch, 2, f"{what}: (indices, offsets)")
        if bags(batch[0], batch[1], len(chunk), what) != [tokens[w] for w in chunk]:
            fail(f"{what}: the bags differ from the words' trigram indices "
                 f"{[tokens[w] for w in chunk]}: got {short(batch)}")


INFERENCE = Stage(
    "part2.inference", "part2", 1.0,
    "InferenceTrigramDataset(vocab, tri_tokenizer) yields each word's trigram indices; "
    "inference_collate_fn(trigrams) -> (list of indices, list of offsets).",
    ("hw_utils.trigram",), drive_inference, judge_inference)

STAGES = [TRIGRAM_TOKENIZER, TRAIN_DATASET, COLLATE_FN, TRIGRAM_MODEL, TRAINER, INFERENCE]


# --- Part 2 in TaskTests -----------------------------------------------------------------------
class Part2Tests:
    """The course's Part 2 checks, for the notebook."""

    def test_trigram_tokenizer(self, cls) -> None:
        stored = self.gt["trigram_tokenizer"]
        tokenizer = cls(stored["words"])
        outputs = {"trigrams": [plain(cls._get_trigrams(w)) for w in stored["asked"]],
                   "instance_trigrams": plain(tokenizer._get_trigrams(COURSE_WORD)),
                   "vocab_size": plain(tokenizer.vocab_size),
                   "ids": [plain(tokenizer(w)) for w in stored["queries"]]}
        judge_tokenizer(outputs, stored["expected"], stored)

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
