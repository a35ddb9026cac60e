"""Part 3's checks: inputs drawn from the hidden data, the reference's side of each verdict."""
import random

import numpy as np

from grader.stages.check import Check
from grader.stages.data import course_preprocessor, sample_rows, start_offsets, train_of
from hw_checks import part3

ALPHAS = (1.0, 0.5, 0.05)
TRAIN_PAIRS = 288  # 16 batches of 16 to train on, 2 to evaluate on
SEEN_SHARE = 0.75  # a held-out pair's words the training pairs hold, at least


def preprocessed_rows(data, rng: random.Random, n: int) -> list[list[str]]:
    """Rows of duplicates of the hidden training data, preprocessed the course's way."""
    preprocess = course_preprocessor()
    return [[preprocess(text) for text in row] for row in sample_rows(train_of(data), rng, n)]


def vocabulary(texts: list[str]) -> dict[str, int]:
    """word -> index in order of first appearance."""
    return {word: index for index, word in
            enumerate(dict.fromkeys(word for text in texts for word in text.split()))}


def pairs_and_tokens(rows: list[list[str]]) -> dict:
    """(question, duplicate) pairs of ``rows`` and their word indices."""
    pairs = [(row[0], row[1]) for row in rows if len(row) > 1]
    vocab = vocabulary([text for pair in pairs for text in pair])
    tokens = {text: [vocab[word] for word in text.split()] for pair in pairs for text in pair}
    return {"pairs": pairs, "tokens": tokens, "vocab_size": len(vocab)}


def tokenizer_inputs(data, rng: random.Random) -> dict:
    texts = [text for row in preprocessed_rows(data, rng, 60) for text in row]
    return {"vocab": vocabulary(texts), "texts": texts}


TEXT_TOKENIZER = Check(part3.TEXT_TOKENIZER, tokenizer_inputs, expect=None)


def dataset_inputs(data, rng: random.Random) -> dict:
    return pairs_and_tokens(preprocessed_rows(data, rng, 40))


DATASET = Check(part3.DATASET, dataset_inputs, expect=None)


def offsets_inputs(data, rng: random.Random) -> dict:
    questions = [[rng.randrange(300) for _ in range(rng.randint(0, 8))] for _ in range(20)]
    questions[2] = []
    return {"batches": [questions[:12], questions[12:19], questions[19:]]}


GET_IDS_AND_OFFSETS = Check(part3.GET_IDS_AND_OFFSETS, offsets_inputs, expect=None)


def collate_inputs(data, rng: random.Random) -> dict:
    batch = [([rng.randrange(300) for _ in range(rng.randint(0, 6))],
              [rng.randrange(300) for _ in range(rng.randint(1, 6))]) for _ in range(9)]
    sides = [[item[0] for item in batch], [item[1] for item in batch]]
    return {"batch": batch, "offsets_table": [[side, start_offsets(side)] for side in sides]}


COLLATE_FN = Check(part3.COLLATE_FN, collate_inputs, expect=None)


def model_inputs(data, rng: random.Random) -> dict:
    n, dim = 50, 6
    questions = [[rng.randrange(n) for _ in range(rng.randint(1, 7))] for _ in range(8)]
    shifted = [[i + 1 for i in question] for question in questions]  # a padding row first
    ids, starts = start_offsets(questions)
    return {"num_embeddings": n, "dim": dim, "plain_questions": questions,
            "shifted_questions": shifted, "plain_ids": ids, "starts": starts,
            "shifted_ids": [i + 1 for i in ids],
            "weights": [[rng.uniform(-1, 1) for _ in range(dim)] for _ in range(n)]}


def question_means(inputs: dict, reference_outputs=None) -> dict:
    weights = np.asarray(inputs["weights"])
    return {"means": [weights[q].mean(axis=0).tolist() for q in inputs["plain_questions"]]}


MODEL = Check(part3.MODEL, model_inputs, expect=question_means)


def loss_inputs(data, rng: random.Random) -> dict:
    def matrix():
        return [[rng.gauss(0, 1) for _ in range(5)] for _ in range(6)]

    return {"cases": [{"alpha": alpha, "questions": matrix(), "duplicates": matrix()}
                      for alpha in ALPHAS]}


def nt_xent(questions: np.ndarray, duplicates: np.ndarray, alpha: float) -> float:
    """The course's formula in float64, averaged over the batch."""
    q = questions / np.linalg.norm(questions, axis=1, keepdims=True)
    d = duplicates / np.linalg.norm(duplicates, axis=1, keepdims=True)
    scores = q @ d.T / alpha
    rows = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))  # log softmax of QD^T
    columns = scores - np.log(np.exp(scores).sum(axis=0, keepdims=True))  # of DQ^T, transposed
    return float(np.mean(-0.5 * np.diag(rows) - 0.5 * np.diag(columns)))


def loss_answers(inputs: dict, reference_outputs=None) -> list[dict]:
    """Each case's loss, its gradient with respect to Q (central differences) and D's rows
    normalised."""
    answers = []
    for case in inputs["cases"]:
        questions, duplicates = np.asarray(case["questions"]), np.asarray(case["duplicates"])
        step, gradient = 1e-5, np.zeros_like(questions)
        for index in np.ndindex(*questions.shape):
            shift = np.zeros_like(questions)
            shift[index] = step
            gradient[index] = (nt_xent(questions + shift, duplicates, case["alpha"])
                               - nt_xent(questions - shift, duplicates, case["alpha"])) / (2 * step)
        answers.append({"loss": nt_xent(questions, duplicates, case["alpha"]),
                        "gradient": gradient.tolist(),
                        "normalized": (duplicates / np.linalg.norm(duplicates, axis=1,
                                                                   keepdims=True)).tolist()})
    return answers


NT_XENT = Check(part3.NT_XENT, loss_inputs, expect=loss_answers)


def pair_batches(pairs: list, tokens: dict, size: int) -> list[dict]:
    batches = []
    for start in range(0, len(pairs), size):
        chunk = pairs[start:start + size]
        questions = [tokens[q] for q, _ in chunk]
        duplicates = [tokens[d] for _, d in chunk]
        q_ids, q_starts = start_offsets(questions)
        d_ids, d_starts = start_offsets(duplicates)
        batches.append({"questions": questions, "duplicates": duplicates, "q_ids": q_ids,
                        "q_starts": q_starts, "d_ids": d_ids, "d_starts": d_starts})
    return batches


def trainer_inputs(data, rng: random.Random) -> dict:
    """Pairs of the hidden training data: batches to train and evaluate on, and held-out pairs
    (``secret_``) made mostly of the same words, on which the trained table is judged."""
    problem = pairs_and_tokens(preprocessed_rows(data, rng, 600))
    tokens = problem["tokens"]
    pairs = [(q, d) for q, d in problem["pairs"] if tokens[q] and tokens[d]]
    train, rest = pairs[:TRAIN_PAIRS], pairs[TRAIN_PAIRS:]
    seen = {i for q, d in train for i in tokens[q] + tokens[d]}
    held_out = [(q, d) for q, d in rest
                if np.mean([i in seen for i in tokens[q] + tokens[d]]) >= SEEN_SHARE]
    batches = pair_batches(train, tokens, 16)
    generator = np.random.default_rng(rng.randrange(2**32))
    dim = 16
    return {"train": batches[:-2], "eval": batches[-2:], "vocab_size": problem["vocab_size"],
            "dim": dim, "lr": 0.05, "n_epochs": 3,
            "initial_weights": (generator.normal(size=(problem["vocab_size"], dim)) / 4).tolist(),
            "secret_held_out": pair_batches(held_out, tokens, 16)}


TRAINER = Check(part3.TRAINER, trainer_inputs, expect=None)

CHECKS = [TEXT_TOKENIZER, DATASET, GET_IDS_AND_OFFSETS, COLLATE_FN, MODEL, NT_XENT, TRAINER]
