"""What the drivers build on the student's side: the grader's stand-ins and the torch objects a
template is handed (``host.glue("glue.<name>")``).

Nothing here computes a template's answer: the stand-ins for earlier stages are lookup tables of
answers the grader computed for exactly the check's inputs (``LookupEmbedder``,
``LookupTokenizer``, ``hard_negative_table``), so a check fails only for its own stage. This code
runs in the student's process: whatever it returns is judged like the student's own outputs.
"""
import tempfile
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


class LookupEmbedder:
    """Part 1's ``Embedder`` for the check's texts: ``embedder(text, normalize=False) -> [dim]``,
    looked up in the grader's ``embeddings`` (text -> vector)."""

    def __init__(self, embeddings: Mapping[str, Sequence[float]]):
        self.embeddings = {text: np.asarray(vector, dtype=np.float32)
                           for text, vector in embeddings.items()}

    def __call__(self, text: str, normalize: bool = False) -> np.ndarray:
        vector = self.embeddings[text].copy()
        norm = float(np.sqrt(vector @ vector))
        return vector / norm if normalize and norm > 0 else vector


class LookupTokenizer:
    """A tokenizer for the check's texts: ``tokenizer(text) -> list[int]`` looked up in the
    grader's ``tokens``; ``vocab_size``; ``calls`` counts the calls."""

    def __init__(self, tokens: Mapping[str, Sequence[int]], vocab_size: int):
        self.tokens = {text: [int(i) for i in ids] for text, ids in tokens.items()}
        self.vocab_size = vocab_size
        self.calls = 0

    def __call__(self, text: str) -> list[int]:
        self.calls += 1
        return list(self.tokens[text])


def keyed_vectors(vectors: Mapping[str, Sequence[float]], dim: int):
    """gensim ``KeyedVectors`` holding ``vectors``: what the notebook's word2vec vectors are."""
    from gensim.models import KeyedVectors

    keyed = KeyedVectors(vector_size=dim)
    if vectors:
        keyed.add_vectors(list(vectors), np.asarray(list(vectors.values()), dtype=np.float32))
    return keyed


def lookup_embedder(embeddings: Mapping[str, Sequence[float]]) -> LookupEmbedder:
    return LookupEmbedder(embeddings)


def lookup_tokenizer(tokens: Mapping[str, Sequence[int]], vocab_size: int) -> LookupTokenizer:
    return LookupTokenizer(tokens, vocab_size)


def length(container: Any) -> int:
    return len(container)


def items(container: Any, count: int) -> list:
    """``[container[i] for i in range(count)]``."""
    return [container[index] for index in range(count)]


def use_hard_negative_table(scorer: Any, table: Sequence[tuple[Sequence[str], int]]) -> None:
    """Give ``scorer`` a ``_get_hard_negatives`` that looks up each sample's count in the grader's
    ``table`` of (sample, count): the check of ``__call__`` then fails only for ``__call__``."""
    counts = {tuple(sample): int(count) for sample, count in table}
    scorer._get_hard_negatives = lambda q, pos, negs: counts[(q, pos, *negs)]


def loader_batches(dataset: Any, batch_size: int, collate_fn: Any) -> list:
    """Every batch of ``DataLoader(dataset, batch_size, collate_fn=collate_fn)``, in order."""
    from torch.utils.data import DataLoader

    return list(DataLoader(dataset, batch_size=batch_size, collate_fn=collate_fn))


# ------------------------------------------------------------------------- training helpers


def embedding_bag(num_embeddings: int, dim: int, mode: str, weights: Any = None):
    """``nn.EmbeddingBag(num_embeddings, dim, mode=mode)`` starting at ``weights`` (zeros when
    ``None``): the grader knows where training started."""
    import torch

    model = torch.nn.EmbeddingBag(num_embeddings, dim, mode=mode)
    with torch.no_grad():
        if weights is None:
            model.weight.zero_()
        else:
            model.weight.copy_(torch.as_tensor(np.asarray(weights), dtype=torch.float32))
    return model


def adam(model: Any, lr: float):
    import torch

    return torch.optim.Adam(model.parameters(), lr=lr)


def mse_loss():
    import torch

    return torch.nn.MSELoss()


def pair_loss(questions, duplicates):
    """A pair loss to train with (not NT-Xent): each question must pick its duplicate among the
    batch's by the dot product of their vectors. ``[B, dim], [B, dim] -> scalar``."""
    import torch

    logits = questions @ duplicates.T
    return torch.nn.functional.cross_entropy(logits, torch.arange(len(logits)))


def weights(model: Any) -> Any:
    """The first parameter of ``model`` (an ``nn.EmbeddingBag``'s table), as trained."""
    return next(iter(model.parameters())).detach().clone()


def temporary_folder() -> str:
    return tempfile.mkdtemp(prefix="logs-")


def event_scalars(logdir: str) -> dict[str, list[list[float]]]:
    """The scalars TensorBoard logs in ``logdir`` hold (every run below it): tag -> [[step,
    value], ...]."""
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    multiplexer = EventMultiplexer(size_guidance={"scalars": 0})
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    scalars: dict[str, list[list[float]]] = {}
    for run, tags in multiplexer.Runs().items():
        for tag in tags.get("scalars", []):
            scalars[f"{run}/{tag}"] = [[event.step, event.value]
                                       for event in multiplexer.Scalars(run, tag)]
    return scalars


def flush_writer(trainer: Any) -> None:
    """Flush the trainer's ``SummaryWriter`` when it keeps one as ``writer`` (the course's name)."""
    writer = getattr(trainer, "writer", None)
    if writer is not None and hasattr(writer, "flush"):
        writer.flush()


def loss_and_gradient(loss_fn: Any, questions: Any, duplicates: Any) -> dict:
    """``loss_fn(Q, D)``, its gradient with respect to ``Q`` (``loss.backward()``) and
    ``loss_fn._normalize(D)``."""
    questions = questions.clone().requires_grad_(True)
    loss = loss_fn(questions, duplicates)
    loss.backward()
    return {"loss": loss, "gradient": questions.grad, "normalized": loss_fn._normalize(duplicates)}


def set_table(model: Any, table: Any, first_row: int) -> list[list[int]]:
    """Copy ``table`` ``[n, dim]`` into rows ``first_row ..`` of the model's one parameter of
    ``n`` to ``n + 1`` rows and ``dim`` columns (a padding row is the student's choice); the
    shapes of all its parameters, or ``[]`` when no such parameter is there."""
    import torch

    table = torch.as_tensor(np.asarray(table), dtype=torch.float32)
    rows, dim = table.shape
    shapes = [list(parameter.shape) for parameter in model.parameters()]
    fits = [p for p in model.parameters()
            if p.dim() == 2 and p.shape[1] == dim and rows <= p.shape[0] <= rows + 1]
    if len(fits) != 1 or first_row + rows > fits[0].shape[0]:
        return []
    with torch.no_grad():
        fits[0][first_row:first_row + rows] = table
    return shapes


def parameter_shapes(model: Any) -> list[list[int]]:
    return [list(parameter.shape) for parameter in model.parameters()]


def no_grad_call(model: Any, *args: Any) -> Any:
    """``model(*args)`` without gradients, in eval mode."""
    import torch

    model.eval()
    with torch.no_grad():
        return model(*args)


def call_with(model: Any, function: Any, args: Sequence) -> Any:
    """``model(*function(*args))`` without gradients: the model on what the student's own
    ``function`` (``get_ids_and_offsets``) makes of ``args``."""
    return no_grad_call(model, *function(*args))


def use_offsets_table(table: Sequence[tuple[Sequence[Sequence[int]], Any]]) -> None:
    """Put a ``get_ids_and_offsets`` that looks up the grader's ``(ids, start offsets)`` for
    each batch of questions of ``table`` into the student's ``hw_utils.dssm``, for their
    ``collate_fn`` to call (that template is checked on its own)."""
    import importlib

    import torch

    answers = {tuple(tuple(int(i) for i in question) for question in questions):
               (torch.as_tensor(np.asarray(ids), dtype=torch.long),
                torch.as_tensor(np.asarray(offsets), dtype=torch.long))
               for questions, (ids, offsets) in table}

    def get_ids_and_offsets(questions):
        return answers[tuple(tuple(int(i) for i in question) for question in questions)]

    importlib.import_module("hw_utils.dssm").get_ids_and_offsets = get_ids_and_offsets
