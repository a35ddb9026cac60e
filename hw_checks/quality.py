"""The course's quality bars: each part's whole flow, run with the student's classes the way the
notebook runs it (these functions run on the student's side: ``host.glue("quality.<name>")``).

They return raw material only (preprocessed texts, word vectors); the grader ranks every
validation sample with it and compares Hits@500 with the bar (``grader/stages/quality.py``).
The settings (epochs, batch size, learning rate, seed, Part 3's training rows) come from the
grader, not from the student's ``hw_utils.recipes``.
"""
from collections import Counter
from collections.abc import Sequence

import numpy as np

from hw_checks.host import Host


def student(module: str):
    import importlib

    return importlib.import_module(f"hw_utils.{module}")


def preprocess(texts: Sequence[str], settings: dict) -> list[str]:
    """Each text through the student's ``TextPreprocessor`` with the course's settings."""
    preprocessor = student("text").TextPreprocessor(
        list(settings["characters"]), settings["min_word_length"], set(settings["stopwords"]))
    return [str(preprocessor(text)) for text in texts]


def part2_vectors(words: Sequence[str], vectors_path: str, limit: int | None,
                  settings: dict) -> dict:
    """Part 2 with the student's classes: the trigram model trained on the ``words`` the vectors
    know; the vectors it infers for the others. ``{"unknown": [...], "vectors": [n, dim]}``."""
    import torch
    from torch.utils.data import DataLoader

    from sodata import load_vectors

    trigram = student("trigram")
    vectors = load_vectors(vectors_path, limit=limit)
    known = [w for w in words if w in vectors]
    unknown = [w for w in words if w not in vectors]
    torch.manual_seed(settings["seed"])
    tokenizer = trigram.TrigramTokenizer(known)
    loader = DataLoader(trigram.TrainTrigramDataset(known, vectors, tokenizer),
                        batch_size=settings["batch_size"], shuffle=True,
                        collate_fn=trigram.collate_fn)
    model = trigram.TrigramModel(tokenizer.vocab_size, vectors.vector_size)
    for parameter in model.parameters():  # as the notebook: least squares starts from zero
        torch.nn.init.zeros_(parameter)
    trainer = trigram.Trainer(model, torch.nn.MSELoss(),
                              torch.optim.Adam(model.parameters(), lr=settings["lr"]))
    trainer.train(loader, settings["n_epochs"])
    size = 256
    inference = DataLoader(trigram.InferenceTrigramDataset(unknown, tokenizer), batch_size=size,
                           collate_fn=trigram.inference_collate_fn)
    model.eval()
    rows = []
    with torch.no_grad():
        for number, (ids, offsets) in enumerate(inference):
            batch = model(torch.as_tensor(ids, dtype=torch.long),
                          torch.as_tensor(offsets, dtype=torch.long))
            words_here = len(unknown[number * size:(number + 1) * size])  # offsets may hold one more
            rows.append(batch[:words_here].numpy())
    table = np.concatenate(rows) if rows else np.zeros((0, vectors.vector_size), np.float32)
    return {"unknown": unknown, "vectors": table.astype(np.float16)}


def part3_vectors(train_path: str, words: Sequence[str], settings: dict) -> dict:
    """Part 3 with the student's classes, trained on the first ``settings["rows"]`` rows of
    ``train_path``, the words seen fewer than ``settings["min_count"]`` times there left out of
    its texts (so any tokenizer convention for unknown words works): the trained vectors of
    ``words`` (the model's table of shape [vocab_size, dim] or one row more, row
    ``tokenizer(word)[0]``). ``{"words": [...], "vectors": [n, dim]}``."""
    import torch
    from sklearn.model_selection import train_test_split
    from torch.utils.data import DataLoader

    from sodata import read_corpus

    text, dssm = student("text"), student("dssm")
    rows = [preprocess(row, settings) for row in read_corpus(train_path)[:settings["rows"]]]
    counts = Counter(word for row in rows for title in row for word in title.split())
    vocabulary = sorted(word for word, count in counts.items() if count >= settings["min_count"])
    kept = set(vocabulary)
    rows = [[" ".join(word for word in title.split() if word in kept) for title in row]
            for row in rows]
    pairs = [(a, b) for row in rows for i, a in enumerate(row) for b in row[i + 1:] if a and b]
    tokenizer = text.TextTokenizer(vocabulary)
    train, held_out = train_test_split(pairs, test_size=settings["eval_share"],
                                       random_state=settings["seed"])
    torch.manual_seed(settings["seed"])
    loaders = {name: DataLoader(dssm.QuestionDuplicatesDataset(part, tokenizer),
                                batch_size=settings["batch_size"], shuffle=name == "train",
                                collate_fn=dssm.collate_fn)
               for name, part in (("train", train), ("eval", held_out))}
    model = dssm.DssmLikeModel(tokenizer.vocab_size, settings["dim"])
    optimizer = torch.optim.Adam(model.parameters(), lr=settings["lr"], fused=True)
    dssm.Trainer(model, optimizer, dssm.NTExentLoss(alpha=settings["alpha"])).train(
        loaders, settings["n_epochs"])
    size = tokenizer.vocab_size
    table = next(p for p in model.parameters()
                 if p.dim() == 2 and p.shape[1] == settings["dim"] and size <= p.shape[0] <= size + 1)
    found, rows_out = [], []
    for word in (word for word in words if word in kept):
        try:
            index = tokenizer(word)
        except KeyError:  # a tokenizer may refuse words outside its vocabulary
            continue
        if len(index) == 1:
            found.append(word)
            rows_out.append(table[int(index[0])].detach().cpu().numpy())
    vectors = np.array(rows_out, dtype=np.float16).reshape(len(found), settings["dim"])
    return {"words": found, "vectors": vectors}


def drive_part1(host: Host, inputs: dict) -> list:
    return host.call(host.glue("quality.preprocess"), inputs["texts"], inputs["settings"])


def drive_part2(host: Host, inputs: dict) -> dict:
    return host.call(host.glue("quality.part2_vectors"), inputs["words"], inputs["vectors"],
                     inputs["vectors_limit"], inputs["settings"])


def drive_part3(host: Host, inputs: dict) -> dict:
    return host.call(host.glue("quality.part3_vectors"), inputs["train"], inputs["words"],
                     inputs["settings"])
