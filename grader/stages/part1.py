"""Part 1's checks: inputs drawn from the hidden data, the reference's side of each verdict."""
import random
import string

import numpy as np

from grader.stages.check import Check
from grader.stages.data import sample_rows, validation_of, vectors_for, vectors_of
from hw_checks import part1

DIM = 300
TIE = 1e-5  # similarities this close count as a tie: either order is right
SCORER_DIM = 16  # the scorer checks' embeddings: a random projection of the data's


def preprocessor_inputs(data, rng: random.Random) -> dict:
    """The course's example, then titles of the hidden data with random settings."""
    from sodata import english_stopwords

    stopwords = sorted(english_stopwords())
    cases = [part1.PREPROCESSOR_EXAMPLE]
    for row in sample_rows(validation_of(data), rng, 12, max_length=2):
        for text in row:
            cases.append({
                "characters": rng.sample(string.punctuation, rng.randint(0, 12)),
                "min_word_length": rng.randint(0, 4),
                "stopwords": rng.choice([None, rng.sample(stopwords, 40), stopwords]),
                "text": text})
    return {"cases": cases}


TEXT_PREPROCESSOR = Check(part1.TEXT_PREPROCESSOR, preprocessor_inputs)


def embedder_inputs(data, rng: random.Random) -> dict:
    """Titles of the hidden data (raw: unknown words), a text of unknown words only, an empty
    text, the course's text, and the vectors of their words."""
    texts = [part1.EMBEDDER_TEXT, "zzqx qqzz", ""]
    texts += [text for row in sample_rows(validation_of(data), rng, 15, max_length=2)
              for text in row]
    words = [word for text in texts for word in text.split()]
    return {"dim": DIM, "texts": texts, "vectors": vectors_for(words, vectors_of(data))}


EMBEDDER = Check(part1.EMBEDDER, embedder_inputs)


def scorer_inputs(data, rng: random.Random, n_samples: int = 30, max_length: int = 60) -> dict:
    """Validation samples of the hidden data, cut to ``max_length`` texts, with ties planted (a
    negative equal to the duplicate, an empty text), every text's embedding (a random projection
    of the mean word vectors) and each sample's number of hard negatives."""
    from instructor.ranking import as_dict, embed_texts, hard_negative_counts

    samples = sample_rows(validation_of(data), rng, n_samples, max_length=max_length)
    samples[0].append(samples[0][1])  # a negative that is the duplicate itself: a tie
    samples[1].append("")  # a text without words: the zero vector
    texts = sorted({text for sample in samples for text in sample})
    vectors = embed_texts(as_dict(vectors_of(data)), texts, DIM, normalize=False)
    projection = np.random.default_rng(rng.randrange(2**32)).normal(size=(DIM, SCORER_DIM))
    vectors = np.round(vectors @ projection, 5)
    embeddings = {text: vector.tolist() for text, vector in zip(texts, vectors)}
    counts = hard_negative_counts(samples, lookup_embed(embeddings))
    return {"samples": samples, "ks": list(part1.KS), "embeddings": embeddings,
            "hard_negatives": [[sample, int(count)] for sample, count in zip(samples, counts)]}


def lookup_embed(embeddings: dict):
    """``texts -> [n, dim]`` L2-normalised rows of the lookup embedder's vectors."""
    from hw_checks.glue import LookupEmbedder

    embedder = LookupEmbedder(embeddings)
    return lambda texts: np.array([embedder(text, normalize=True) for text in texts])


def hard_negative_bounds(inputs: dict, reference_outputs=None) -> dict:
    """The fewest and the most hard negatives of each sample: near-ties go either way."""
    from instructor.ranking import hard_negative_counts

    embed = lookup_embed(inputs["embeddings"])
    return {"fewest": hard_negative_counts(inputs["samples"], embed, margin=TIE).tolist(),
            "most": hard_negative_counts(inputs["samples"], embed, margin=-TIE).tolist()}


HARD_NEGATIVES = Check(part1.HARD_NEGATIVES, scorer_inputs, expect=hard_negative_bounds)


def expected_hits(inputs: dict, reference_outputs=None) -> dict:
    """Hits@K of the table's counts, and what counting ``count <= k`` would give (a hint)."""
    counts = np.array([count for _, count in inputs["hard_negatives"]])
    return {"hits": {str(k): float(np.mean(counts < k)) for k in inputs["ks"]},
            "hits_at_or_below": {str(k): float(np.mean(counts <= k)) for k in inputs["ks"]}}


SCORER = Check(part1.SCORER, scorer_inputs, expect=expected_hits)

CHECKS = [TEXT_PREPROCESSOR, EMBEDDER, HARD_NEGATIVES, SCORER]
