"""Part 3's checks: the text tokenizer, the pairs dataset, the collator, the model, NT-Xent and the
trainer. Where the course leaves a convention open (the offsets' form and type, how the model
reads them, the vocabulary's order) every reasonable one passes: the judges test behaviour.
"""
import random

import numpy as np

from hw_checks.framework import Check, fail, submission
from hw_checks.inputs import FixedTokenizer, sample_rows, start_offsets, train_of
from hw_checks.values import as_array, as_int_list, assert_number, assert_vector, plain

ALPHAS = (1.0, 0.5, 0.05)
LOSS_RTOL = 1e-4
TRAINED_GAIN = 0.2  # after training the loss on the training pairs must fall by this share


def preprocessed_rows(data, rng: random.Random, n: int) -> list[list[str]]:
    """Rows of duplicates of the grader's training data, preprocessed the course's way."""
    from hw_utils import recipes
    from hw_utils.text import TextPreprocessor
    from sodata import english_stopwords

    preprocess = TextPreprocessor(recipes.PREPROCESSING["characters"],
                                  recipes.PREPROCESSING["min_word_length"], english_stopwords())
    return [[preprocess(text) for text in row] for row in sample_rows(train_of(data), rng, n)]


def vocabulary(texts: list[str]) -> dict[str, int]:
    """word -> index in order of first appearance."""
    return {word: index for index, word in
            enumerate(dict.fromkeys(word for text in texts for word in text.split()))}


def pairs_and_tokens(data, rng: random.Random, n_rows: int) -> dict:
    """(question, duplicate) pairs of the grader's data and their word indices."""
    rows = [row for row in preprocessed_rows(data, rng, n_rows) if len(row) > 1]
    pairs = [(row[0], row[1]) for row in rows]
    vocab = vocabulary([text for pair in pairs for text in pair])
    tokens = {text: [vocab[word] for word in text.split()] for pair in pairs for text in pair}
    return {"pairs": pairs, "tokens": tokens, "vocab_size": len(vocab)}


# --- the tokenizer -----------------------------------------------------------------------------
def tokenizer_inputs(data, rng: random.Random) -> dict:
    texts = [text for row in preprocessed_rows(data, rng, 60) for text in row]
    return {"vocab": vocabulary(texts), "texts": texts}


def observe_tokenizer(inputs: dict) -> dict:
    tokenizer = submission("text").TextTokenizer(dict(inputs["vocab"]))
    return {"vocab_size": plain(tokenizer.vocab_size),
            "ids": [plain(tokenizer(text)) for text in inputs["texts"]]}


def judge_tokenizer(outputs: dict, expected, inputs: dict) -> None:
    vocab = inputs["vocab"]
    if outputs["vocab_size"] != len(vocab):
        fail(f"TextTokenizer(vocab).vocab_size: expected {len(vocab)}, the number of words, got "
             f"{outputs['vocab_size']!r}")
    index_of: dict[str, int] = {}
    for text, ids in zip(inputs["texts"], outputs["ids"]):
        words = text.split()
        got = as_int_list(ids, f"tokenizer({text!r})") if ids != [] else []
        if len(got) != len(words):
            fail(f"tokenizer({text!r}): expected one index for each of its {len(words)} words "
                 f"(all in the vocabulary), got {ids!r}")
        for word, index in zip(words, got):
            if index_of.setdefault(word, index) != index or not 0 <= index < len(vocab):
                fail(f"tokenizer({text!r}) = {ids!r}: {word!r} got index {index}, elsewhere "
                     f"{index_of[word]}; each word needs one index in 0 .. vocab_size - 1")
    if len(set(index_of.values())) != len(index_of):
        fail("tokenizer: two different words share an index")


# --- the dataset -------------------------------------------------------------------------------
def dataset_inputs(data, rng: random.Random) -> dict:
    return pairs_and_tokens(data, rng, 40)


def observe_dataset(inputs: dict) -> dict:
    dataset = submission("dssm").QuestionDuplicatesDataset(
        [tuple(pair) for pair in inputs["pairs"]],
        FixedTokenizer(inputs["tokens"], inputs["vocab_size"]))
    return {"len": plain(len(dataset)),
            "items": [plain(dataset[i]) for i in range(len(inputs["pairs"]))]}


def judge_dataset(outputs: dict, expected, inputs: dict) -> None:
    pairs = inputs["pairs"]
    if outputs["len"] != len(pairs):
        fail(f"len(QuestionDuplicatesDataset(question_pairs, tokenizer)): expected {len(pairs)} "
             f"pairs, got {outputs['len']!r}")
    for i, (item, (question, duplicate)) in enumerate(zip(outputs["items"], pairs)):
        wanted = [inputs["tokens"][question], inputs["tokens"][duplicate]]
        got = [as_int_list(part, f"dataset[{i}]") if part != [] else [] for part in item] \
            if isinstance(item, list) and len(item) == 2 else item
        if got != wanted:
            fail(f"dataset[{i}]: expected (tokenizer(question), tokenizer(duplicate)) = "
                 f"{wanted} for {(question, duplicate)!r}, got {item!r}")


# --- ids and offsets ---------------------------------------------------------------------------
def readings(ids, offsets, n: int, what: str) -> list[list[list[int]]]:
    """Every way ``(ids, offsets)`` can stand for ``n`` questions: start offsets, end offsets
    (each question ends where the next starts), both ([n + 1]) or the questions' lengths."""
    ids = as_int_list(ids, f"{what}: ids") if ids != [] else []
    offsets = as_int_list(offsets, f"{what}: offsets") if offsets != [] else []
    candidates = []
    if len(offsets) == n + 1:
        candidates.append(offsets)
    if len(offsets) == n:
        candidates += [[*offsets, len(ids)], [0, *offsets], list(np.cumsum([0, *offsets]))]
    found = []
    for bounds in candidates:
        if bounds[0] == 0 and bounds[-1] == len(ids) and list(bounds) == sorted(bounds):
            found.append([ids[a:b] for a, b in zip(bounds[:-1], bounds[1:])])
    return found


def judge_questions(ids, offsets, questions: list[list[int]], what: str) -> None:
    if not any(reading == questions for reading in readings(ids, offsets, len(questions), what)):
        fail(f"{what}: expected ids = the questions' indices one after another and offsets "
             f"marking where each question starts (or ends) for {questions}, got ids {ids} and "
             f"offsets {offsets}")


def offsets_inputs(data, rng: random.Random) -> dict:
    questions = [[rng.randrange(300) for _ in range(rng.randint(0, 8))] for _ in range(20)]
    questions[2] = []
    return {"batches": [questions[:12], questions[12:19], questions[19:]]}


def observe_offsets(inputs: dict) -> list:
    get_ids_and_offsets = submission("dssm").get_ids_and_offsets
    return [plain(get_ids_and_offsets(batch)) for batch in inputs["batches"]]


def judge_offsets(outputs: list, expected, inputs: dict) -> None:
    for got, batch in zip(outputs, inputs["batches"]):
        what = f"get_ids_and_offsets(<{len(batch)} questions>)"
        if not isinstance(got, list) or len(got) != 2:
            fail(f"{what}: expected (ids, offsets), got {got!r}")
        judge_questions(got[0], got[1], batch, what)


def collate_inputs(data, rng: random.Random) -> dict:
    batch = [([rng.randrange(300) for _ in range(rng.randint(0, 6))],
              [rng.randrange(300) for _ in range(rng.randint(1, 6))]) for _ in range(9)]
    return {"batch": batch}


def observe_collate(inputs: dict) -> list:
    """The student's ``collate_fn`` with a correct ``get_ids_and_offsets`` in its module (that
    one is checked on its own), so this check fails only for ``collate_fn``."""
    dssm = submission("dssm")
    dssm.get_ids_and_offsets = start_offsets
    return plain(dssm.collate_fn([tuple(item) for item in inputs["batch"]]))



def judge_collate(outputs, expected, inputs: dict) -> None:
    if not (isinstance(outputs, list) and len(outputs) == 2 and all(
            isinstance(side, list) and len(side) == 2 for side in outputs)):
        fail(f"collate_fn(batch): expected ((question_ids, question_offsets), (duplicate_ids, "
             f"duplicate_offsets)), got {outputs!r}")
    for side, (ids, offsets) in zip(("question", "duplicate"), outputs):
        part = [item[0 if side == "question" else 1] for item in inputs["batch"]]
        judge_questions(ids, offsets, part, f"collate_fn(batch), the {side}s")


# --- the model ---------------------------------------------------------------------------------
def model_inputs(data, rng: random.Random) -> dict:
    n, dim = 50, 6
    questions = [[rng.randrange(n) for _ in range(rng.randint(1, 7))] for _ in range(8)]
    return {"num_embeddings": n, "dim": dim, "questions": questions,
            "weights": [[rng.uniform(-1, 1) for _ in range(dim)] for _ in range(n)]}


def observe_model(inputs: dict) -> dict:
    """The model with its word table set to the grader's, on the student's own ids and offsets
    (their convention) and on start offsets."""
    import torch

    dssm = submission("dssm")
    n, dim = inputs["num_embeddings"], inputs["dim"]
    model = dssm.DssmLikeModel(n, dim)
    outputs = {"parameters": [list(p.shape) for p in model.parameters()]}
    tables = [p for p in model.parameters() if list(p.shape) == [n, dim]]
    if len(tables) != 1:
        return outputs
    with torch.no_grad():
        tables[0].copy_(torch.tensor(inputs["weights"]))
    questions = inputs["questions"]
    for name, make in (("own", lambda: dssm.get_ids_and_offsets(questions)),
                       ("starts", lambda: start_offsets(questions))):
        try:
            with torch.no_grad():
                outputs[name] = plain(model(*make()))
        except Exception as error:  # noqa: BLE001 - the other convention may still work
            outputs[name] = {"unexpected": f"{type(error).__name__}: {error}"}
    return outputs


def judge_model(outputs: dict, expected, inputs: dict) -> None:
    n, dim = inputs["num_embeddings"], inputs["dim"]
    if "own" not in outputs:
        fail(f"DssmLikeModel({n}, {dim}): expected one table of word vectors of shape [{n}, "
             f"{dim}] (an nn.EmbeddingBag or nn.Embedding), found {outputs['parameters']}")
    weights = np.asarray(inputs["weights"])
    means = np.array([weights[q].mean(axis=0) for q in inputs["questions"]])
    problems = []
    for name in ("own", "starts"):
        try:
            got = as_array(outputs[name], f"model(ids, offsets) [{name} offsets]")
        except AssertionError as error:
            problems.append(str(error))
            continue
        if got.shape != means.shape:
            problems.append(f"shape {got.shape}, expected {means.shape}")
            continue
        cosines = np.sum(got * means, axis=1) / np.maximum(
            np.linalg.norm(got, axis=1) * np.linalg.norm(means, axis=1), 1e-12)
        if np.all(cosines > 1 - 1e-4):
            return
        problems.append(f"cosines to the mean word vectors {np.round(cosines, 4).tolist()}")
    fail(f"DssmLikeModel({n}, {dim})(ids, offsets): expected each question's vector to point "
         f"along the mean (or the sum) of its words' vectors, with your get_ids_and_offsets or "
         f"with start offsets; got: {'; '.join(problems)}")


# --- NT-Xent -----------------------------------------------------------------------------------
def loss_inputs(data, rng: random.Random) -> dict:
    def matrix():
        return [[rng.gauss(0, 1) for _ in range(5)] for _ in range(6)]

    return {"cases": [{"alpha": alpha, "questions": matrix(), "duplicates": matrix()}
                      for alpha in ALPHAS]}


def observe_loss(inputs: dict) -> list:
    import torch

    loss_cls = submission("dssm").NTExentLoss
    outputs = []
    for case in inputs["cases"]:
        questions = torch.tensor(case["questions"], requires_grad=True)
        duplicates = torch.tensor(case["duplicates"])
        loss_fn = loss_cls(alpha=case["alpha"])
        loss = loss_fn(questions, duplicates)
        loss.backward()
        outputs.append({"loss": plain(loss), "gradient": plain(questions.grad),
                        "normalized": plain(loss_fn._normalize(duplicates))})
    return outputs


def nt_xent(questions: np.ndarray, duplicates: np.ndarray, alpha: float) -> float:
    """The course's formula in float64, averaged over the batch."""
    q = questions / np.linalg.norm(questions, axis=1, keepdims=True)
    d = duplicates / np.linalg.norm(duplicates, axis=1, keepdims=True)
    scores = q @ d.T / alpha
    rows = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))  # log softmax of QD^T
    columns = scores - np.log(np.exp(scores).sum(axis=0, keepdims=True))  # of DQ^T, transposed
    return float(np.mean(-0.5 * np.diag(rows) - 0.5 * np.diag(columns)))


def judge_loss(outputs: list, expected, inputs: dict) -> None:
    for case, got in zip(inputs["cases"], outputs):
        questions, duplicates = np.asarray(case["questions"]), np.asarray(case["duplicates"])
        what = f"NTExentLoss(alpha={case['alpha']})(Q, D) on a batch of {len(questions)}"
        value = assert_number(got["loss"], what)
        wanted = nt_xent(questions, duplicates, case["alpha"])
        scale = next((s for s in (1, len(questions)) if np.isclose(value, s * wanted,
                                                                   rtol=LOSS_RTOL)), None)
        if scale is None:
            fail(f"{what}: expected {wanted} (the mean over the batch; the sum, "
                 f"{len(questions) * wanted}, passes too), got {value}")
        assert_vector(got["normalized"], duplicates / np.linalg.norm(duplicates, axis=1,
                                                                     keepdims=True),
                      "NTExentLoss._normalize(D): rows of length 1", rtol=1e-4)
        step = 1e-5
        gradient = np.zeros_like(questions)
        for index in np.ndindex(*questions.shape):
            shift = np.zeros_like(questions)
            shift[index] = step
            gradient[index] = scale * (nt_xent(questions + shift, duplicates, case["alpha"])
                                       - nt_xent(questions - shift, duplicates, case["alpha"])
                                       ) / (2 * step)
        assert_vector(got["gradient"], gradient, f"{what}: the gradient with respect to Q "
                                                  f"(loss.backward())", rtol=1e-3, atol=1e-4)


# --- the trainer -------------------------------------------------------------------------------
def trainer_inputs(data, rng: random.Random) -> dict:
    problem = pairs_and_tokens(data, rng, 160)
    pairs = problem["pairs"]
    batches = [pairs[i:i + 16] for i in range(0, len(pairs), 16)]
    return {**problem, "train": batches[:-2], "eval": batches[-2:], "dim": 16, "lr": 0.05,
            "n_epochs": 3}


def observe_trainer(inputs: dict) -> dict:
    import tempfile

    import torch

    from hw_checks.inputs import dot_product_loss, packed_pairs, read_scalars

    torch.manual_seed(0)
    model = torch.nn.EmbeddingBag(inputs["vocab_size"], inputs["dim"], mode="mean")
    train = [packed_pairs(batch, inputs["tokens"]) for batch in inputs["train"]]
    held_out = [packed_pairs(batch, inputs["tokens"]) for batch in inputs["eval"]]

    def mean_loss(batches) -> float:
        with torch.no_grad():
            return float(np.mean([dot_product_loss(model(*q), model(*d)).item()
                                  for q, d in batches]))

    before = mean_loss(train)
    with tempfile.TemporaryDirectory() as logdir:
        trainer = submission("dssm").Trainer(model, torch.optim.Adam(model.parameters(),
                                                                     lr=inputs["lr"]),
                                             dot_product_loss, logdir=logdir, device=None)
        trainer.train({"train": train, "eval": held_out}, inputs["n_epochs"])
        eval_step = trainer._eval_step(held_out)
        getattr(trainer, "writer", None) and trainer.writer.flush()
        scalars = read_scalars(logdir)
    return {"before": before, "after": mean_loss(train), "eval_loss": mean_loss(held_out),
            "eval_step": plain(eval_step),
            "scalars": scalars}


def judge_trainer(outputs: dict, expected, inputs: dict) -> None:
    n_batches, n_epochs = len(inputs["train"]), inputs["n_epochs"]
    before, after = outputs["before"], outputs["after"]
    if not after < (1 - TRAINED_GAIN) * before:
        fail(f"Trainer.train({{'train': ..., 'eval': ...}}, n_epochs={n_epochs}) with Adam: "
             f"expected the loss on the training pairs to fall by {TRAINED_GAIN:.0%} at least, got "
             f"{before:.4f} before and {after:.4f} after. Does _train_step call "
             f"optimizer.zero_grad(), loss.backward() and optimizer.step() for every batch?")
    eval_step = assert_number(outputs["eval_step"], "trainer._eval_step(eval_dataloader)")
    if not np.isclose(eval_step, outputs["eval_loss"], rtol=1e-3, atol=1e-5):
        fail(f"trainer._eval_step(eval_dataloader): expected the mean loss of its batches, "
             f"{outputs['eval_loss']:.5f}, got {eval_step}")
    counts = {tag: len(points) for tag, points in outputs["scalars"].items()}
    per_batch = [tag for tag, count in counts.items() if count >= n_batches * n_epochs]
    per_epoch = [tag for tag, count in counts.items() if count >= n_epochs and
                 tag not in per_batch[:1]]
    if not per_batch or not per_epoch:
        fail(f"TensorBoard logs of {n_epochs} epochs of {n_batches} batches: expected the loss "
             f"of each batch ({n_batches * n_epochs} points) and the validation loss of each "
             f"epoch ({n_epochs} points), written with SummaryWriter(logdir); found {counts}")


# --- the checks --------------------------------------------------------------------------------
CHECKS = [
    Check("part3.text_tokenizer", "part3", 1.0,
          "TextTokenizer(vocab): vocab = the words of the training set; vocab_size = the "
          "number of words; __call__(text) -> list of indices.",
          tokenizer_inputs, observe_tokenizer, judge_tokenizer, expect=None,
          reference_seconds=0.1),
    Check("part3.dataset", "part3", 1.0,
          "QuestionDuplicatesDataset(question_pairs, tokenizer): __len__ = the number of pairs; "
          "__getitem__(idx) -> (question, duplicate), tokenized.",
          dataset_inputs, observe_dataset, judge_dataset, expect=None, reference_seconds=0.1),
    Check("part3.get_ids_and_offsets", "part3", 0.5,
          "get_ids_and_offsets(questions) -> (ids, offsets): ids = the flattened indices of the "
          "batch's questions, offsets = the offsets (their convention is yours).",
          offsets_inputs, observe_offsets, judge_offsets, expect=None, reference_seconds=0.1),
    Check("part3.collate_fn", "part3", 0.5,
          "collate_fn(batch) with batch = [(question, duplicate), ...] returns "
          "(question_ids, question_offsets), (duplicate_ids, duplicate_offsets).",
          collate_inputs, observe_collate, judge_collate, expect=None, reference_seconds=0.1),
    Check("part3.model", "part3", 1.0,
          "DssmLikeModel(num_embeddings, embedding_dim): forward(ids, offsets) -> question "
          "vectors (a bag of word vectors).",
          model_inputs, observe_model, judge_model, expect=None, reference_seconds=0.1),
    Check("part3.nt_xent", "part3", 1.0,
          "NT-Xent: L(Q, D) = -0.5 log diag(softmax(QD^T / alpha)) - 0.5 log diag(softmax(DQ^T "
          "/ alpha)), Q and D normalised; NTExentLoss(alpha=1., eps=1e-8) with _normalize and "
          "forward(embeddings, positives).",
          loss_inputs, observe_loss, judge_loss, expect=None, reference_seconds=0.1),
    Check("part3.trainer", "part3", 1.0,
          "Trainer(model, optimizer, criterion, logdir=None, device=None): train(dataloaders, "
          "n_epochs) with dataloaders = {'train': ..., 'eval': ...}; _eval_step returns the "
          "validation loss; SummaryWriter logs the loss of each batch and the validation loss "
          "of each epoch.",
          trainer_inputs, observe_trainer, judge_trainer, expect=None, reference_seconds=1.0),
]
