"""Word vectors standing in for GoogleNews: gensim ``Word2Vec`` on a generated background text.

The background text is separate from train, validation and test: programming sentences written
from fresh intents (lower-case, no punctuation, no typos, synonyms spread over contexts by
``synonym_strength``), everyday English sentences (with real words at real frequencies, see
``vocabulary``) and sentences about the themes and people the course's checks of the vectors ask
about (``PROBE_THEMES``, ``PEOPLE``: meals and foods, music, king, queen, man, woman, ...). So the vectors know lower-case words, common English and the lexicon's words, but
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
from sodata.standin.lexicon import ENGLISH_CLUSTERS, PEOPLE, PEOPLE_COMPANY, PROBE_THEMES, TOPICS
from sodata.standin.rand import Rand
from sodata.standin.titles import GLUE, TEMPLATE_WORDS, TOKEN_RE, TitleMaker, World

# Like GoogleNews, the vectors lack a few of the most frequent function words.
MISSING_WORDS = frozenset({"a", "to", "and", "of"})
NORM_AT_TOP, NORM_PER_DECADE, NORM_MAX = 0.2, 0.8, 3.0
SPELLING_WEIGHT = 0.7
# Everyday words of a theme and the topics' names: their many contexts shape them in a big
# corpus, not their spelling (GoogleNews puts "music" near "songs", not near "muslim").
THEME_SPELLING_WEIGHT = 0.1
ENGLISH_SHARE = 0.25
# Sentences about the probes' themes and people: PROBE_SHARE of the background's sentences, and
# PROBE_MIN at least, as the course's checks need a few hundred occurrences of each of their
# words even in the tiny stand-in's short text.
PROBE_SHARE, PROBE_MIN = 0.16, 12_000
PEOPLE_SHARE = 0.6  # of them, about people (half of those about one trait alone)
PARAGRAPH_SHARE = 0.25
COMPANY_SHARE = 0.3
SUBSAMPLE_RATE, SUBSAMPLE_COUNT = 1e-4, 250
# Question-like sentences keeping their case ("How", "Python"), as news text does.
CASED_SHARE = 0.5


def stable_hash(text: str) -> int:
    """A hash of ``text`` that does not depend on ``PYTHONHASHSEED`` (gensim's ``hashfxn``)."""
    return zlib.crc32(text.encode("utf-8"))


THEMES = [*ENGLISH_CLUSTERS, *PROBE_THEMES]
THEME_WORDS = frozenset(
    {word for theme in THEMES for word in theme} | set(PEOPLE)
    | {word for company in PEOPLE_COMPANY.values() for word in company}
    | {token for topic in TOPICS.values() for name in topic["names"]
       for token in TOKEN_RE.findall(name.lower())})


def english_sentence(world: World, rand: Rand, themes: list[list[str]] = THEMES) -> list[str]:
    """A sentence of everyday English words, mostly from one of ``themes``."""
    theme = themes[rand.below(len(themes))]
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
            words.append(rand.choice(THEMES[rand.below(len(THEMES))]))
    return words


def people_sentence(rand: Rand) -> list[str]:
    """A sentence about one person (``PEOPLE``): words of their gender and of their role."""
    if rand.chance(0.5):  # about a trait alone: "the crown and the throne of the palace"
        traits = sorted(PEOPLE_COMPANY)
        company = PEOPLE_COMPANY[traits[rand.below(len(traits))]]
        return [rand.choice(company) if rand.chance(0.8) else rand.choice(GLUE)
                for _ in range(5 + rand.below(5))]
    people = sorted(PEOPLE)
    person = people[rand.below(len(people))]
    gender, role = PEOPLE[person]
    words = [person, *(rand.choice(PEOPLE_COMPANY[gender]) for _ in range(2 + rand.below(3))),
             *(rand.choice(PEOPLE_COMPANY[role]) for _ in range(2 + rand.below(3))),
             *(rand.choice(GLUE) for _ in range(rand.below(3)))]
    for i in range(len(words) - 1, 0, -1):  # shuffle
        j = rand.below(i + 1)
        words[i], words[j] = words[j], words[i]
    return words


def probe_sentences(knobs: Knobs) -> int:
    """How many sentences of the background are about the probes' themes and people."""
    return max(PROBE_MIN, round(PROBE_SHARE * knobs.background_sentences))


def background_corpus(knobs: Knobs, world: World, rand: Rand) -> list[list[str]]:
    """The background sentences the vectors are trained on: everyday English, paragraphs about
    one action, object or topic, question-like sentences, and about ``probe_sentences`` more on
    the probes' themes and people, spread among them."""
    maker = TitleMaker(knobs, world, rand, background=True)
    probes = probe_sentences(knobs)
    probe_share = probes / (knobs.background_sentences + probes)
    sentences = []
    for _ in range(knobs.background_sentences + probes):
        if rand.chance(probe_share):
            sentences.append(people_sentence(rand) if rand.chance(PEOPLE_SHARE)
                             else english_sentence(world, rand, PROBE_THEMES))
            continue
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
    in any case ("groupby", "Groupby", "groupBy").

    Words seen more than ``SUBSAMPLE_COUNT`` times are downsampled (gensim's ``sample``, never
    below ``SUBSAMPLE_RATE``): in the tiny stand-in's short text a rate alone would throw away
    most occurrences of the probes' words."""
    from gensim.models import Word2Vec

    tokens = sum(map(len, sentences))
    model = Word2Vec(sentences=sentences, vector_size=VECTOR_SIZE, window=5, min_count=2,
                     workers=1, epochs=knobs.vector_epochs, seed=seed, hashfxn=stable_hash,
                     sample=max(SUBSAMPLE_RATE, SUBSAMPLE_COUNT / max(tokens, 1)), negative=5)
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
      ``SPELLING_WEIGHT`` (which is what Part 2's trigram model can learn); everyday words of the
      themes and the topics' names with ``THEME_SPELLING_WEIGHT`` only, so that their neighbours
      are their theme's (``music``: ``song``, ``album``), not words that share letters;
    - lengths: short for the most frequent words, which appear in every context, longer for
      content words (a small corpus leaves rare words short instead, barely trained):
      ``NORM_AT_TOP`` for the most frequent word, growing with the log of the rank to ``NORM_MAX``.
    """
    import numpy as np

    vectors = _unit(wv.vectors - wv.vectors.mean(axis=0))
    theme = np.array([word.lower() in THEME_WORDS for word in wv.index_to_key])
    weights = np.where(theme, THEME_SPELLING_WEIGHT, SPELLING_WEIGHT).astype(np.float32)[:, None]
    vectors = _unit((1 - weights) * vectors + weights * _unit(spelling_vectors(wv.index_to_key)))
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
