"""The course's quality bars: Hits@500 of each part's whole flow, run with the student's code the
way the notebook runs it, on data the bars mean something for (the real data, or a stand-in
scale calibrated to it: ``sodata.standin.config.CALIBRATED_SCALES``).

The sandbox returns raw outputs only (preprocessed texts, word vectors); the grader ranks every
validation sample with them itself (``hw_utils.ranking``) and compares with the bar. The bar is
the course's, or, on a data set where the reference itself scores below it (a stand-in drawn with
a hidden seed varies by about 0.01), the reference's own Hits@500 on the same samples less
``recipes.QUALITY_TOLERANCE``: a correct solution never fails for the data's luck, and the classic
mistakes (no preprocessing, zero vectors for unknown words, an undertrained DSSM) fall further short.
"""
from hw_checks.framework import Check, fail, submission
from hw_checks.inputs import validation_of
from hw_checks.values import packed_rows, plain, unpacked_rows


def calibrated(data) -> bool:
    from sodata.standin.config import CALIBRATED_SCALES

    return not data.is_standin or data.name in CALIBRATED_SCALES


def quality_inputs(data, rng) -> dict:
    """Every validation sample, as indices into its distinct texts (``texts``, ~100k on the
    sample stand-in, preprocessed once each), and the reference's preprocessing of them."""
    from hw_utils import recipes
    from sodata import english_stopwords

    from hw_utils.text import TextPreprocessor

    rows = validation_of(data)
    texts = sorted({text for row in rows for text in row})
    index = {text: number for number, text in enumerate(texts)}
    preprocess = TextPreprocessor(recipes.PREPROCESSING["characters"],
                                  recipes.PREPROCESSING["min_word_length"], english_stopwords())
    return {"rows": [[index[text] for text in row] for row in rows], "texts": texts,
            "preprocessed": [preprocess(text) for text in texts],
            "characters": list(recipes.PREPROCESSING["characters"]),
            "min_word_length": recipes.PREPROCESSING["min_word_length"],
            "stopwords": sorted(english_stopwords()), "train": str(data.train),
            "vectors": str(data.vectors), "vectors_limit": data.vectors_limit,
            "data": data.name}


def student_preprocessor(inputs: dict):
    return submission("text").TextPreprocessor(inputs["characters"], inputs["min_word_length"],
                                               set(inputs["stopwords"]))


def samples_of(inputs: dict, texts: list[str]) -> list[list[str]]:
    """The validation samples written with ``texts`` (one per distinct text)."""
    return [[texts[number] for number in row] for row in inputs["rows"]]


def words_of(texts: list[str]) -> list[str]:
    return sorted({word for text in texts for word in text.split()})


def hits_at_500(samples: list[list[str]], vectors, dim: int) -> float:
    from hw_utils import recipes
    from hw_utils.ranking import FastScorer

    return FastScorer([recipes.QUALITY_K], vectors, dim)(samples)[recipes.QUALITY_K]


def graded_bar(course: float, reference_hits: float) -> float:
    """The Hits@500 needed: the course's bar, or the reference's less the tolerance if lower."""
    from hw_utils import recipes

    return min(course, round(reference_hits - recipes.QUALITY_TOLERANCE, 4))


def judge_bar(bar: str, hits: float, reference_hits: float, what: str) -> None:
    """Fail below the course's bar, or below the reference's Hits@500 less the tolerance where
    the reference itself is below the bar on this data set."""
    from hw_utils import recipes

    course = recipes.QUALITY_BARS[bar]
    needed = graded_bar(course, reference_hits)
    if hits < needed:
        why = ("the course's bar" if needed == course else
               f"the reference's {reference_hits:.4f} less {recipes.QUALITY_TOLERANCE}: on this "
               f"data set the reference is below the course's bar of {course}")
        fail(f"{what}: expected Hits@{recipes.QUALITY_K} >= {needed} for full marks ({why}), "
             f"got {hits:.4f} on all the validation samples")


def grader_vectors(inputs: dict):
    from hw_checks.inputs import load_vectors_cached

    return load_vectors_cached(inputs["vectors"], inputs["vectors_limit"])


# --- Part 1 ------------------------------------------------------------------------------------
def observe_part1(inputs: dict) -> dict:
    preprocess = student_preprocessor(inputs)
    return {"texts": [str(preprocess(text)) for text in inputs["texts"]]}


def judge_part1(outputs: dict, expected: dict, inputs: dict) -> None:
    vectors = grader_vectors(inputs)

    def hits(texts: list[str]) -> float:
        return hits_at_500(samples_of(inputs, texts), vectors, vectors.vector_size)

    judge_bar("part1.preprocessed", hits(outputs["texts"]), hits(expected["texts"]),
              "Part 1 after preprocessing (your TextPreprocessor, the course's settings)")


# --- Part 2 ------------------------------------------------------------------------------------
def observe_part2(inputs: dict) -> dict:
    """The notebook's Part 2 with the student's classes: train on the known words, infer the
    unknown ones; returns the unknown words' vectors."""
    import torch
    from torch.utils.data import DataLoader

    from hw_utils import recipes
    from sodata import load_vectors

    trigram = submission("trigram")
    vectors = load_vectors(inputs["vectors"], limit=inputs["vectors_limit"])
    words = words_of(inputs["preprocessed"])
    known = [w for w in words if w in vectors]
    unknown = [w for w in words if w not in vectors]
    torch.manual_seed(recipes.SEED)
    tokenizer = trigram.TrigramTokenizer(known)
    loader = DataLoader(trigram.TrainTrigramDataset(known, vectors, tokenizer),
                        batch_size=recipes.PART2.batch_size, shuffle=True,
                        collate_fn=trigram.collate_fn)
    model = trigram.TrigramModel(tokenizer.vocab_size, vectors.vector_size)
    trainer = trigram.Trainer(model, torch.nn.MSELoss(),
                              torch.optim.Adam(model.parameters(), lr=recipes.PART2.lr))
    trainer.train(loader, recipes.PART2.n_epochs)
    size = 256
    inference = DataLoader(trigram.InferenceTrigramDataset(unknown, tokenizer), batch_size=size,
                           collate_fn=trigram.inference_collate_fn)
    model.eval()
    rows = []
    with torch.no_grad():
        for number, (ids, offsets) in enumerate(inference):
            batch = model(torch.as_tensor(ids, dtype=torch.long),
                          torch.as_tensor(offsets, dtype=torch.long))
            words = len(unknown[number * size:(number + 1) * size])  # offsets may hold one more
            rows.extend(plain(batch)[:words])
    return {"unknown": unknown, "vectors": packed_rows(rows)}


def judge_part2(outputs: dict, expected: dict, inputs: dict) -> None:
    vectors = grader_vectors(inputs)
    words = words_of(inputs["preprocessed"])
    unknown = [w for w in words if w not in vectors]
    known = {w: vectors[w] for w in words if w in vectors}
    samples = samples_of(inputs, inputs["preprocessed"])

    def hits(side: dict) -> float:
        if side["unknown"] != unknown:
            fail(f"Part 2: expected vectors for the {len(unknown)} unknown words of the "
                 f"validation samples, got {len(side['unknown'])} words")
        mapping = dict(zip(unknown, unpacked_rows(side["vectors"], "the unknown words' vectors")))
        return hits_at_500(samples, {**known, **mapping}, vectors.vector_size)

    judge_bar("part2", hits(outputs), hits(expected),
              "Part 2 (word2vec + your trigram vectors for the unknown words)")


# --- Part 3 ------------------------------------------------------------------------------------
def observe_part3(inputs: dict) -> dict:
    """The notebook's Part 3 with the student's classes; returns the validation words' trained
    vectors (the model's table of shape [vocab_size, dim], row ``tokenizer(word)[0]``)."""
    import torch
    from sklearn.model_selection import train_test_split
    from torch.utils.data import DataLoader

    from hw_utils import recipes
    from sodata import read_corpus

    text, dssm = submission("text"), submission("dssm")
    preprocess = student_preprocessor(inputs)
    rows = [[str(preprocess(t)) for t in row] for row in read_corpus(inputs["train"])]
    pairs = [(a, b) for row in rows for i, a in enumerate(row) for b in row[i + 1:]]
    tokenizer = text.TextTokenizer(sorted({w for row in rows for t in row for w in t.split()}))
    split = {"test_size": recipes.PART3_EVAL_SHARE, "random_state": recipes.SEED}
    train, held_out = train_test_split(pairs, **split)
    torch.manual_seed(recipes.SEED)
    loaders = {name: DataLoader(dssm.QuestionDuplicatesDataset(part, tokenizer),
                                batch_size=recipes.PART3.batch_size, shuffle=name == "train",
                                collate_fn=dssm.collate_fn)
               for name, part in (("train", train), ("eval", held_out))}
    model = dssm.DssmLikeModel(tokenizer.vocab_size, recipes.PART3_DIM)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipes.PART3.lr, fused=True)
    trainer = dssm.Trainer(model, optimizer,
                           dssm.NTExentLoss(alpha=recipes.PART3_ALPHA))
    trainer.train(loaders, recipes.PART3.n_epochs)
    table = next(p for p in model.parameters()
                 if list(p.shape) == [tokenizer.vocab_size, recipes.PART3_DIM])
    words, rows = [], []
    for word in words_of(inputs["preprocessed"]):
        try:
            index = tokenizer(word)
        except KeyError:  # a tokenizer may refuse words outside its vocabulary
            continue
        if len(index) == 1:
            words.append(word)
            rows.append(table[int(index[0])].detach().cpu().numpy())
    return {"words": words, "vectors": packed_rows(rows)}


def judge_part3(outputs: dict, expected: dict, inputs: dict) -> None:
    from hw_utils import recipes

    samples = samples_of(inputs, inputs["preprocessed"])

    def hits(side: dict) -> float:
        vectors = dict(zip(side["words"], unpacked_rows(side["vectors"], "the word vectors")))
        return hits_at_500(samples, vectors, recipes.PART3_DIM)

    judge_bar("part3", hits(outputs), hits(expected),
              "Part 3 (your DSSM-like model's word vectors)")


CHECKS = [
    Check("part1.quality", "part1", 1.0,
          "full marks: Hits@500 >= 0.85 after preprocessing (>= 0.82 before).",
          quality_inputs, observe_part1, judge_part1, reference_seconds=2.0,
          applies=calibrated, scale="sample", quality_bar="part1.preprocessed"),
    Check("part2.quality", "part2", 1.0, "full marks: Hits@500 >= 0.89.",
          quality_inputs, observe_part2, judge_part2, reference_seconds=10.0,
          applies=calibrated, scale="sample", quality_bar="part2"),
    Check("part3.quality", "part3", 1.0, "full marks: Hits@500 >= 0.98.",
          quality_inputs, observe_part3, judge_part3, reference_seconds=60.0,
          applies=calibrated, scale="sample", quality_bar="part3"),
]
