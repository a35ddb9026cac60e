"""Part 3's stages: the text tokenizer, the pairs dataset, the offsets and the collator, the model,
NT-Xent and the trainer. Where the course leaves a convention open (the offsets' form and type,
how the model reads them, the vocabulary's order, a padding row) every reasonable one passes.
"""
import numpy as np

from hw_checks.host import Host, Tensor
from hw_checks.part2 import TRAINING_ADVICE, error_of
from hw_checks.stage import CheckFailure, Stage, fail
from hw_checks.values import (as_array, as_int_list, assert_number, assert_vector, expect_dict,
                              expect_list, short)

LOSS_RTOL = 1e-4
TRAINED_GAIN = 0.5  # the loss on the training pairs must fall by this share at least
HELD_OUT_GAIN = 0.08  # and on pairs it never saw, by this share (the reference: 0.16-0.22)


# --- the tokenizer -----------------------------------------------------------------------------
def drive_tokenizer(host: Host, inputs: dict) -> dict:
    tokenizer = host.call(host.student("text.TextTokenizer"), dict(inputs["vocab"]))
    return {"vocab_size": host.get(tokenizer.attr("vocab_size")),
            "ids": host.map(tokenizer, [[text] for text in inputs["texts"]])}


def judge_tokenizer(outputs: dict, expected, inputs: dict) -> None:
    expect_dict(outputs, ["ids", "vocab_size"], "the tokenizer's outputs")
    vocab, texts = inputs["vocab"], inputs["texts"]
    if outputs["vocab_size"] != len(vocab) or isinstance(outputs["vocab_size"], bool):
        fail(f"TextTokenizer(vocab).vocab_size: expected {len(vocab)}, the number of words, got "
             f"{short(outputs['vocab_size'])}")
    index_of: dict[str, int] = {}
    for text, ids in zip(texts, expect_list(outputs["ids"], len(texts), "tokenizer(text)")):
        words = text.split()
        got = as_int_list(ids, f"tokenizer({text!r})")
        if len(got) != len(words):
            fail(f"tokenizer({text!r}): expected one index for each of its {len(words)} words "
                 f"(all in the vocabulary), got {short(ids)}")
        for word, index in zip(words, got):
            if index_of.setdefault(word, index) != index or not 0 <= index <= len(vocab):
                fail(f"tokenizer({text!r}) = {short(ids)}: {word!r} got index {index}, elsewhere "
                     f"{index_of[word]}; each word needs one index in 0 .. vocab_size")
    if len(set(index_of.values())) != len(index_of):
        fail("tokenizer: two different words share an index")


TEXT_TOKENIZER = Stage(
    "part3.text_tokenizer", "part3", 1.0,
    "TextTokenizer(vocab): vocab = the words of the training set; vocab_size = the number of "
    "words; __call__(text) -> list of indices.",
    ("hw_utils.text",), drive_tokenizer, judge_tokenizer)


# --- the dataset -------------------------------------------------------------------------------
def drive_dataset(host: Host, inputs: dict) -> dict:
    tokenizer = host.call(host.glue("glue.lookup_tokenizer"), inputs["tokens"],
                          inputs["vocab_size"])
    dataset = host.call(host.student("dssm.QuestionDuplicatesDataset"),
                        [tuple(pair) for pair in inputs["pairs"]], tokenizer)
    return {"len": host.call(host.glue("glue.length"), dataset),
            "items": host.call(host.glue("glue.items"), dataset, len(inputs["pairs"]))}


def judge_dataset(outputs: dict, expected, inputs: dict) -> None:
    expect_dict(outputs, ["items", "len"], "the dataset's outputs")
    pairs = inputs["pairs"]
    if outputs["len"] != len(pairs):
        fail(f"len(QuestionDuplicatesDataset(question_pairs, tokenizer)): expected {len(pairs)} "
             f"pairs, got {short(outputs['len'])}")
    for i, (item, (question, duplicate)) in enumerate(zip(
            expect_list(outputs["items"], len(pairs), "dataset[i]"), pairs)):
        wanted = [inputs["tokens"][question], inputs["tokens"][duplicate]]
        item = expect_list(item, 2, f"dataset[{i}]: (question, duplicate)")
        got = [as_int_list(part, f"dataset[{i}]") for part in item]
        if got != wanted:
            fail(f"dataset[{i}]: expected (tokenizer(question), tokenizer(duplicate)) = {wanted} "
                 f"for {(question, duplicate)!r}, got {short(item)}")


DATASET = Stage(
    "part3.dataset", "part3", 1.0,
    "QuestionDuplicatesDataset(question_pairs, tokenizer): __len__ = the number of pairs; "
    "__getitem__(idx) -> (question, duplicate), tokenized.",
    ("hw_utils.dssm",), drive_dataset, judge_dataset)


# --- ids and offsets ---------------------------------------------------------------------------
def readings(ids, offsets, n: int, what: str) -> list[list[list[int]]]:
    """Every way ``(ids, offsets)`` can stand for ``n`` questions: start offsets, end offsets
    (each question ends where the next starts), both ([n + 1]) or the questions' lengths."""
    ids = as_int_list(ids, f"{what}: ids")
    offsets = as_int_list(offsets, f"{what}: offsets")
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
             f"marking where each question starts (or ends) for {short(questions)}, got ids "
             f"{short(ids)} and offsets {short(offsets)}")


def drive_offsets(host: Host, inputs: dict) -> list:
    return host.map(host.student("dssm.get_ids_and_offsets"),
                    [[batch] for batch in inputs["batches"]])


def judge_offsets(outputs: list, expected, inputs: dict) -> None:
    batches = inputs["batches"]
    for got, batch in zip(expect_list(outputs, len(batches), "one result per batch"), batches):
        what = f"get_ids_and_offsets(<{len(batch)} questions>)"
        got = expect_list(got, 2, f"{what}: (ids, offsets)")
        judge_questions(got[0], got[1], batch, what)


GET_IDS_AND_OFFSETS = Stage(
    "part3.get_ids_and_offsets", "part3", 0.5,
    "get_ids_and_offsets(questions) -> (ids, offsets): ids = the flattened indices of the "
    "batch's questions, offsets = the offsets (their convention is yours).",
    ("hw_utils.dssm",), drive_offsets, judge_offsets)


def drive_collate(host: Host, inputs: dict):
    """The student's ``collate_fn``, with a ``get_ids_and_offsets`` in its module that looks up
    the grader's answers (that template is checked on its own)."""
    host.call(host.glue("glue.use_offsets_table"), inputs["offsets_table"])
    return host.call(host.student("dssm.collate_fn"), [tuple(item) for item in inputs["batch"]])


def judge_collate(outputs, expected, inputs: dict) -> None:
    what = "collate_fn(batch): ((question_ids, question_offsets), (duplicate_ids, " \
           "duplicate_offsets))"
    sides = expect_list(outputs, 2, what)
    for side, got in zip(("question", "duplicate"), sides):
        ids, offsets = expect_list(got, 2, f"{what}, the {side}s")
        part = [item[0 if side == "question" else 1] for item in inputs["batch"]]
        judge_questions(ids, offsets, part, f"collate_fn(batch), the {side}s")


COLLATE_FN = Stage(
    "part3.collate_fn", "part3", 0.5,
    "collate_fn(batch) with batch = [(question, duplicate), ...] returns (question_ids, "
    "question_offsets), (duplicate_ids, duplicate_offsets).",
    ("hw_utils.dssm",), drive_collate, judge_collate)


# --- the model ---------------------------------------------------------------------------------
def drive_model(host: Host, inputs: dict) -> dict:
    """The model with its word table set to the grader's (a padding row first or last is
    allowed), on the student's own ids and offsets and on start offsets."""
    n, dim = inputs["num_embeddings"], inputs["dim"]
    model = host.call(host.student("dssm.DssmLikeModel"), n, dim)
    outputs = {"parameters": host.call(host.glue("glue.parameter_shapes"), model)}
    own = host.get(host.student("dssm.get_ids_and_offsets"))
    for first_row, form in ((0, "plain"), (1, "shifted")):  # word i in row i, or row i + 1
        if not host.call(host.glue("glue.set_table"), model, inputs["weights"], first_row):
            continue
        questions = inputs[f"{form}_questions"]
        outputs[form] = {
            "own": error_of(lambda: host.call(host.glue("glue.call_with"), model, own,
                                              [questions])),
            "starts": error_of(lambda: host.call(
                host.glue("glue.no_grad_call"), model, Tensor(np.asarray(inputs[f"{form}_ids"])),
                Tensor(np.asarray(inputs["starts"]))))}
    return outputs


def judge_model(outputs: dict, expected: dict, inputs: dict) -> None:
    n, dim = inputs["num_embeddings"], inputs["dim"]
    tried = [outputs[form] for form in ("plain", "shifted") if form in outputs]
    if not tried:
        fail(f"DssmLikeModel({n}, {dim}): expected one table of word vectors of shape [{n}, "
             f"{dim}] (or [{n + 1}, {dim}] with a padding row; an nn.EmbeddingBag or "
             f"nn.Embedding), found parameters {short(outputs.get('parameters'))}")
    means = np.asarray(expected["means"])
    problems = []
    for got in (reading for form in tried for reading in (form["own"], form["starts"])):
        if isinstance(got, dict):
            problems.append(got.get("error", short(got)))
            continue
        try:
            got = as_array(got, "model(ids, offsets)")
        except CheckFailure as failure:
            problems.append(str(failure))
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
         f"with start offsets; got: {'; '.join(problems)[:1500]}")


MODEL = Stage(
    "part3.model", "part3", 1.0,
    "DssmLikeModel(num_embeddings, embedding_dim): forward(ids, offsets) -> question vectors "
    "(a bag of word vectors).",
    ("hw_utils.dssm",), drive_model, judge_model)


# --- NT-Xent -----------------------------------------------------------------------------------
def drive_loss(host: Host, inputs: dict) -> list:
    outputs = []
    for case in inputs["cases"]:
        loss_fn = host.call(host.student("dssm.NTExentLoss"), alpha=case["alpha"])
        outputs.append(host.call(host.glue("glue.loss_and_gradient"), loss_fn,
                                 Tensor(np.asarray(case["questions"], dtype=np.float32)),
                                 Tensor(np.asarray(case["duplicates"], dtype=np.float32))))
    return outputs


def judge_loss(outputs: list, expected: list, inputs: dict) -> None:
    cases = inputs["cases"]
    for case, got, wanted in zip(cases, expect_list(outputs, len(cases), "one loss per case"),
                                 expected):
        batch = len(case["questions"])
        what = f"NTExentLoss(alpha={case['alpha']})(Q, D) on a batch of {batch}"
        expect_dict(got, ["gradient", "loss", "normalized"], what)
        value = assert_number(got["loss"], what)
        scale = next((s for s in (1, batch) if np.isclose(value, s * wanted["loss"],
                                                          rtol=LOSS_RTOL)), None)
        if scale is None:
            hint = ""
            if np.isclose(value, 2 * wanted["loss"], rtol=LOSS_RTOL):
                hint = " (twice it: the two directions added without the 0.5 weights?)"
            fail(f"{what}: expected {wanted['loss']} (the mean over the batch; the sum, "
                 f"{batch * wanted['loss']}, passes too), got {value}{hint}")
        assert_vector(got["normalized"], wanted["normalized"],
                      "NTExentLoss._normalize(D): rows of length 1", rtol=1e-4)
        assert_vector(got["gradient"], scale * np.asarray(wanted["gradient"]),
                      f"{what}: the gradient with respect to Q (loss.backward())", rtol=1e-3,
                      atol=1e-4)


NT_XENT = Stage(
    "part3.nt_xent", "part3", 1.0,
    "NT-Xent: L(Q, D) = -0.5 log diag(softmax(QD^T / alpha)) - 0.5 log diag(softmax(DQ^T / "
    "alpha)), Q and D normalised; NTExentLoss(alpha=1., eps=1e-8) with _normalize and "
    "forward(embeddings, positives).",
    ("hw_utils.dssm",), drive_loss, judge_loss)


# --- the trainer -------------------------------------------------------------------------------
def _pairs(batch: dict) -> tuple:
    return ((Tensor(np.asarray(batch["q_ids"])), Tensor(np.asarray(batch["q_starts"]))),
            (Tensor(np.asarray(batch["d_ids"])), Tensor(np.asarray(batch["d_starts"]))))


def drive_trainer(host: Host, inputs: dict) -> dict:
    """The student's Trainer on the grader's ``nn.EmbeddingBag`` (from weights the grader
    chose), Adam and a pair loss; returns the trained table and the TensorBoard scalars."""
    model = host.call(host.glue("glue.embedding_bag"), inputs["vocab_size"], inputs["dim"],
                      "mean", inputs["initial_weights"])
    optimizer = host.call(host.glue("glue.adam"), model, inputs["lr"])
    logdir = host.call(host.glue("glue.temporary_folder"))
    trainer = host.call(host.student("dssm.Trainer"), model, optimizer,
                        host.get(host.glue("glue.pair_loss")), logdir=logdir, device=None)
    train = [_pairs(batch) for batch in inputs["train"]]
    held_out = [_pairs(batch) for batch in inputs["eval"]]
    host.call(trainer.attr("train"), {"train": train, "eval": held_out}, inputs["n_epochs"])
    eval_step = host.call(trainer.attr("_eval_step"), held_out)
    host.call(host.glue("glue.flush_writer"), trainer)
    return {"weights": host.call(host.glue("glue.weights"), model), "eval_step": eval_step,
            "scalars": host.call(host.glue("glue.event_scalars"), logdir)}


def pair_losses(weights: np.ndarray, batches: list[dict]) -> float:
    """The mean over ``batches`` of the pair loss (each question picks its duplicate among the
    batch's by the dot product of mean word vectors), with the table ``weights``."""
    per_batch = []
    for batch in batches:
        questions = np.array([weights[q].mean(axis=0) for q in batch["questions"]])
        duplicates = np.array([weights[d].mean(axis=0) for d in batch["duplicates"]])
        logits = questions @ duplicates.T
        logits -= logits.max(axis=1, keepdims=True)
        log_softmax = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        per_batch.append(-np.mean(np.diag(log_softmax)))
    return float(np.mean(per_batch))


def judge_trainer(outputs: dict, expected, inputs: dict) -> None:
    expect_dict(outputs, ["eval_step", "scalars", "weights"], "the trainer's outputs")
    n_batches, n_epochs = len(inputs["train"]), inputs["n_epochs"]
    initial = np.asarray(inputs["initial_weights"])
    weights = as_array(outputs["weights"], "the model's table after training")
    if weights.shape != initial.shape:
        fail(f"the model's table after training: expected shape {initial.shape}, got "
             f"{weights.shape}")
    for what, batches, gain in (("the training pairs", inputs["train"], TRAINED_GAIN),
                                ("held-out pairs it never saw", inputs["secret_held_out"],
                                 HELD_OUT_GAIN)):
        before, after = pair_losses(initial, batches), pair_losses(weights, batches)
        if not after < (1 - gain) * before:
            fail(f"Trainer.train({{'train': ..., 'eval': ...}}, n_epochs={n_epochs}) with Adam: "
                 f"expected the loss on {what} to fall by {gain:.0%} at least, got {before:.4f} "
                 f"before and {after:.4f} after. {TRAINING_ADVICE}")
    eval_loss = pair_losses(weights, inputs["eval"])
    eval_step = assert_number(outputs["eval_step"], "trainer._eval_step(eval_dataloader)")
    if not np.isclose(eval_step, eval_loss, rtol=1e-3, atol=1e-5):
        fail(f"trainer._eval_step(eval_dataloader): expected the mean loss of its batches with "
             f"the trained model, {eval_loss:.5f}, got {eval_step}")
    judge_logs(outputs["scalars"], n_batches, n_epochs)


def judge_logs(scalars, n_batches: int, n_epochs: int) -> None:
    if not isinstance(scalars, dict) or not all(isinstance(v, list) for v in scalars.values()):
        fail(f"TensorBoard logs: expected scalars, got {short(scalars)}")
    counts = {tag: len(points) for tag, points in scalars.items()}
    per_batch = [tag for tag, count in counts.items() if count >= n_batches * n_epochs]
    per_epoch = [tag for tag, count in counts.items() if count >= n_epochs and
                 tag not in per_batch[:1]]
    if not per_batch or not per_epoch:
        fail(f"TensorBoard logs of {n_epochs} epochs of {n_batches} batches: expected the loss "
             f"of each batch ({n_batches * n_epochs} points) and the validation loss of each "
             f"epoch ({n_epochs} points), written with SummaryWriter(logdir); found {counts}")


TRAINER = Stage(
    "part3.trainer", "part3", 1.0,
    "Trainer(model, optimizer, criterion, logdir=None, device=None): train(dataloaders, "
    "n_epochs) with dataloaders = {'train': ..., 'eval': ...}; _eval_step returns the validation "
    "loss; SummaryWriter logs the loss of each batch and the validation loss of each epoch.",
    ("hw_utils.dssm",), drive_trainer, judge_trainer)

STAGES = [TEXT_TOKENIZER, DATASET, GET_IDS_AND_OFFSETS, COLLATE_FN, MODEL, NT_XENT, TRAINER]
