"""What the calibrated stand-in (generator v6) is made of: real words, far and loose duplicates,
similar negatives, recurring typos, names the vectors lack, vectors shaped like a big
corpus's. The figures against the real data are ``python -m benchmarks standin_calibration``
(minutes); these checks take seconds."""
import numpy as np
import pytest

from sodata.standin import noise
from sodata.standin import titles as titles_module
from sodata.standin.config import make_knobs
from sodata.standin.lexicon import ERRORS
from sodata.standin.rand import Rand, make_rng
from sodata.standin.titles import TOKEN_RE, TitleMaker, World
from sodata.standin.vectors import big_corpus_shape, spelling_vectors
from sodata.standin.vocabulary import OFFENSIVE, content_words, everyday_words

TITLES = 400


def maker(seed: int = 0, **knobs) -> TitleMaker:
    world = World(Rand(make_rng(seed, 6)))
    return TitleMaker(make_knobs("tiny", knobs), world, Rand(make_rng(seed, 2)))


def words(title: str) -> set[str]:
    return set(TOKEN_RE.findall(title.lower()))


def overlap(pairs: list[tuple[str, str]]) -> float:
    """Mean Jaccard overlap of the pairs' word sets."""
    return float(np.mean([len(words(a) & words(b)) / len(words(a) | words(b)) for a, b in pairs]))


def test_content_words_are_real_english_without_offensive_words():
    listed, cumulative = content_words()
    assert len(listed) > 20_000 and len(set(listed)) == len(listed)
    assert all(word.isalpha() and word.isascii() and len(word) >= 4 for word in listed)
    assert not [word for word in listed if OFFENSIVE.search(word)]
    assert all(later >= earlier for earlier, later in zip(cumulative, cumulative[1:]))
    # drawn at real frequencies: the first tenth of the list is more than half of the draws
    assert cumulative[len(cumulative) // 10] > 0.5 * cumulative[-1]


def test_titles_carry_real_words_of_many_kinds():
    titles = maker()
    listed = set(content_words()[0])
    drawn = [titles.title(titles.intent()) for _ in range(TITLES)]
    used = {word for title in drawn for word in words(title) if word in listed}
    assert len(used) > TITLES / 2  # a long tail, not a few hand-written nouns


@pytest.mark.parametrize("knob", ["far_rate", "loose_rate"])
def test_far_and_loose_duplicates_share_fewer_words(knob):
    def pairs(rate: float) -> list[tuple[str, str]]:
        titles = maker(**{knob: rate})
        intents = [titles.intent() for _ in range(TITLES)]
        return [(titles.title(intent), titles.duplicate(intent, frozenset(titles.expressed)))
                for intent in intents]

    assert overlap(pairs(1.0)) < overlap(pairs(0.0)) - 0.1


def unrelated_far_share() -> float:
    """Share of far duplicates saying nothing their question says."""
    titles = maker(far_rate=1.0, loose_rate=0.0)
    unrelated = []
    for _ in range(4 * TITLES):
        intent = titles.intent()
        titles.title(intent)
        said = frozenset(titles.expressed)
        titles.duplicate(intent, said)
        unrelated.append(not titles.expressed & said)
    return float(np.mean(unrelated))


def test_far_duplicates_mostly_share_something_with_their_question(monkeypatch):
    kept = unrelated_far_share()
    monkeypatch.setattr(titles_module, "UNRELATED_FAR_SHARE", 1.0)
    free = unrelated_far_share()
    assert free > 0.05  # another kind of question often says nothing of the first
    assert 0 < kept < 0.5 * free  # UNRELATED_FAR_SHARE of them, and some whose tries all failed


def test_typos_recur_as_a_few_usual_ones_whatever_the_stream():
    first, second = Rand(make_rng(0, 1)), Rand(make_rng(1, 1))
    variants = {noise.usual(noise.typo, "function", first) for _ in range(300)}
    assert 1 < len(variants) <= len(noise.USUAL_CUMULATIVE)
    assert {noise.usual(noise.typo, "function", second) for _ in range(300)} == variants
    assert all(noise.usual(noise.inflect, "parse", first) != "parse" for _ in range(20))


def test_vectors_lack_error_names_and_rare_library_names_but_know_everyday_words():
    world = World(Rand(make_rng(0, 6)))
    errors = {token for error in ERRORS for token in TOKEN_RE.findall(error.lower())}
    assert {"typeerror", "nullpointerexception", "keyerror"} <= world.unknown_words
    assert not world.unknown_words & everyday_words()  # "list", "string", "get" stay known
    assert not errors & everyday_words() & world.unknown_words


def test_siblings_are_similar_questions_that_are_not_duplicates():
    titles = maker()
    intents = [titles.intent() for _ in range(TITLES)]
    siblings = [titles.sibling(intent) for intent in intents]
    assert all(s.topic == i.topic for s, i in zip(siblings, intents))
    # a field drawn afresh can repeat the original's: NegativePool draws again then
    assert np.mean([s.key != i.key for s, i in zip(siblings, intents)]) > 0.9
    others = intents[1:] + intents[:1]
    similar = overlap([(titles.title(i), titles.title(s)) for i, s in zip(intents, siblings)])
    unrelated = overlap([(titles.title(i), titles.title(o)) for i, o in zip(intents, others)])
    assert similar > unrelated + 0.05


def test_vectors_are_centred_spelling_aware_and_short_for_frequent_words():
    from gensim.models import KeyedVectors

    rng = np.random.default_rng(0)
    words_ = ["the", "convert", "converts", "converting", "column", "columns", "window", "zebra"]
    wv = KeyedVectors(300)
    wv.add_vectors(words_, (rng.standard_normal((len(words_), 300)) + 3.0).astype(np.float32))
    shaped = big_corpus_shape(wv)

    def cosine(a: str, b: str) -> float:
        return float(shaped.cosine_similarities(shaped[a], shaped[[b]])[0])

    assert cosine("convert", "converts") > cosine("convert", "zebra") + 0.2
    assert cosine("column", "columns") > cosine("column", "window") + 0.2
    assert abs(cosine("window", "zebra")) < 0.3  # the common +3 direction is gone
    norms = np.linalg.norm(shaped.vectors, axis=1)
    assert norms[0] < norms[-1]  # "the" (rank 0) shorter than the rarest word
    again = spelling_vectors(["convert"])
    assert np.array_equal(again, spelling_vectors(["convert"]))  # fixed, not random per call
