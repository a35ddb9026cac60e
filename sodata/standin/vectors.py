"""Word vectors standing in for GoogleNews: gensim ``Word2Vec`` on a generated background text.

The background text is separate from train, validation and test: programming sentences written
from fresh intents (lower-case, no punctuation, no typos, synonyms spread over contexts by
``synonym_strength``) and everyday English sentences (with real words at real frequencies, see
``vocabulary``). So the vectors know lower-case words, common English and the lexicon's words, but
not the titles' typos, rare inflections, compound identifiers and code tokens, not a share of the
libraries' names (``World.unknown_words``), not the rarest English words, and not capitalised or
punctuated tokens until a title is preprocessed. ``big_corpus_shape`` then gives them what
GoogleNews' vectors have and a small corpus does not: no common direction, words spelled alike
close together, short vectors for frequent words.
"""
import gzip
import shutil
import zlib
from collections.abc import Callable
from pathlib import Path

from sodata.standin.config import VECTOR_SIZE, Knobs
from sodata.standin.lexicon import ENGLISH_CLUSTERS
from sodata.standin.rand import Rand
from sodata.standin.titles import GLUE, TEMPLATE_WORDS, TitleMaker, World

# Like GoogleNews, the vectors lack a few of the most frequent function words.
MISSING_WORDS = frozenset({"a", "to", "and", "of"})
NORM_AT_TOP, NORM_PER_DECADE, NORM_MAX = 0.2, 0.8, 3.0
SPELLING_WEIGHT = 0.7
ENGLISH_SHARE = 0.25
PARAGRAPH_SHARE = 0.25
COMPANY_SHARE = 0.3
# Question-like sentences keeping their case ("How", "Python"), as news text does.
CASED_SHARE = 0.5


def stable_hash(text: str) -> int:
    """A hash of ``text`` that does not depend on ``PYTHONHASHSEED`` (gensim's ``hashfxn``)."""
    return zlib.crc32(text.encode("utf-8"))


def english_sentence(world: World, rand: Rand) -> list[str]:
    """A sentence of everyday English words, mostly from one theme."""
    theme = ENGLISH_CLUSTERS[rand.below(len(ENGLISH_CLUSTERS))]
    words = []
    for _ in range(6 + rand.below(10)):
        draw = rand.random()
        if draw < 0.45:
            words.append(rand.choice(theme))
        elif draw < 0.65:
            words.append(rand.choice(GLUE))
        elif draw < 0.75:
            words.append(rand.choice(TEMPLATE_WORDS))
        elif draw < 0.9:
            words.append(world.details[world.detail(rand)])
        else:
            words.append(rand.choice(ENGLISH_CLUSTERS[rand.below(len(ENGLISH_CLUSTERS))]))
    return words


def background_corpus(knobs: Knobs, world: World, rand: Rand) -> list[list[str]]:
    """The background sentences the vectors are trained on: everyday English, paragraphs about
    one action, object or topic, and question-like sentences."""
    maker = TitleMaker(knobs, world, rand, background=True)
    sentences = []
    for _ in range(knobs.background_sentences):
        draw = rand.random()
        if draw < ENGLISH_SHARE:
            sentences.append(english_sentence(world, rand))
        elif draw < ENGLISH_SHARE + PARAGRAPH_SHARE:
            sentences.append(maker.paragraph())
        elif draw < ENGLISH_SHARE + PARAGRAPH_SHARE + COMPANY_SHARE:
            sentences.append(maker.company())
        else:
            sentences.append(maker.sentence(maker.intent(), cased=rand.chance(CASED_SHARE)))
    return sentences


def train_vectors(sentences: list[list[str]], knobs: Knobs, seed: int,
                  unknown: frozenset[str] = frozenset()):
    """Word2Vec (CBOW, 300-d) trained single-threaded, so the result depends only on the seed;
    without ``MISSING_WORDS`` and the words ``unknown`` (lower-case names the real vectors lack)
    in any case ("groupby", "Groupby", "groupBy")."""
    from gensim.models import Word2Vec

    model = Word2Vec(sentences=sentences, vector_size=VECTOR_SIZE, window=5, min_count=2,
                     workers=1, epochs=knobs.vector_epochs, seed=seed, hashfxn=stable_hash,
                     sample=1e-4, negative=5)
    return without_words(big_corpus_shape(model.wv),
                         lambda word: word in MISSING_WORDS or word.lower() in unknown)


def _unit(rows):
    import numpy as np

    return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-6)


def big_corpus_shape(wv):
    """``wv`` reshaped like vectors trained on a big corpus (GoogleNews), which a small
    background text does not give by itself:

    - centred: a small corpus gives every vector a large common direction (random words at
      cosine ~0.7), a big one does not (~0.1);
    - spelling: words spelled alike are alike (``convert``, ``converts``, ``converter``): each
      vector is mixed with the mean of random vectors of its character trigrams, with weight
      ``SPELLING_WEIGHT`` (which is what Part 2's trigram model can learn);
    - lengths: short for the most frequent words, which appear in every context, longer for
      content words (a small corpus leaves rare words short instead, barely trained):
      ``NORM_AT_TOP`` for the most frequent word, growing with the log of the rank to ``NORM_MAX``.
    """
    import numpy as np

    vectors = _unit(wv.vectors - wv.vectors.mean(axis=0))
    vectors = _unit((1 - SPELLING_WEIGHT) * vectors
                    + SPELLING_WEIGHT * _unit(spelling_vectors(wv.index_to_key)))
    ranks = np.arange(len(vectors), dtype=np.float32)
    norms = np.minimum(NORM_AT_TOP + NORM_PER_DECADE * np.log10(ranks + 1), NORM_MAX)
    wv.vectors = (vectors * norms[:, None]).astype(np.float32)
    return wv


def spelling_vectors(words: list[str]):
    """For each word, the mean of fixed random unit vectors of its lower-cased character
    trigrams (``#word#``; each trigram's vector seeded by its ``stable_hash``)."""
    import numpy as np

    cache: dict[str, np.ndarray] = {}

    def trigram_vector(trigram: str) -> np.ndarray:
        if trigram not in cache:
            rng = np.random.Generator(np.random.PCG64(stable_hash(trigram)))
            cache[trigram] = rng.standard_normal(VECTOR_SIZE, dtype=np.float32)
        return cache[trigram]

    rows = np.empty((len(words), VECTOR_SIZE), dtype=np.float32)
    for index, word in enumerate(words):
        marked = f"#{word.lower()}#"
        rows[index] = np.mean([trigram_vector(marked[i:i + 3]) for i in range(len(marked) - 2)],
                              axis=0)
    return rows


def without_words(wv, drop: Callable[[str], bool]):
    """``wv`` without the words ``drop`` is true of, keeping the others' order."""
    from gensim.models import KeyedVectors

    keep = [index for index, word in enumerate(wv.index_to_key) if not drop(word)]
    trimmed = KeyedVectors(wv.vector_size)
    trimmed.add_vectors([wv.index_to_key[index] for index in keep], wv.vectors[keep])
    return trimmed


def write_vectors(wv, path: Path) -> None:
    """word2vec binary format, gzip-compressed with a fixed timestamp (byte-identical reruns)."""
    raw = path.with_name(path.name + ".raw")
    wv.save_word2vec_format(str(raw), binary=True)
    with open(raw, "rb") as source, open(path, "wb") as target, \
            gzip.GzipFile(filename="", mode="wb", fileobj=target, mtime=0, compresslevel=6) as gz:
        shutil.copyfileobj(source, gz, 1 << 20)
    raw.unlink()
