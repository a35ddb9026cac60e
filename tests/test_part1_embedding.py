"""Part 1 question embeddings (hw_utils.embedding)."""
import numpy as np
import pytest
from gensim.models import KeyedVectors

from hw_utils.embedding import Embedder

WORDS = {"sort": [1.0, 0.0, 0.0], "list": [0.0, 2.0, 0.0], "python": [3.0, 0.0, 4.0]}


@pytest.fixture(params=["dict", "keyed_vectors"])
def embeddings(request):
    if request.param == "dict":
        return {word: np.array(vector, dtype=np.float32) for word, vector in WORDS.items()}
    vectors = KeyedVectors(vector_size=3)
    vectors.add_vectors(list(WORDS), np.array(list(WORDS.values()), dtype=np.float32))
    return vectors


def test_mean_of_known_words(embeddings):
    vector = Embedder(embeddings, 3)("sort unknown list")
    assert vector.shape == (3,) and vector.dtype == np.float32
    np.testing.assert_allclose(vector, [0.5, 1.0, 0.0])


def test_repeated_words_count_each_time(embeddings):
    np.testing.assert_allclose(Embedder(embeddings, 3)("sort sort list"), [2 / 3, 2 / 3, 0.0],
                               rtol=1e-6)


def test_normalize(embeddings):
    vector = Embedder(embeddings, 3)("python", normalize=True)
    np.testing.assert_allclose(vector, [0.6, 0.0, 0.8], rtol=1e-6)
    assert np.linalg.norm(vector) == pytest.approx(1.0)


@pytest.mark.parametrize("text", ["", "   ", "nothing known", "Sort"])
@pytest.mark.parametrize("normalize", [False, True])
def test_zero_vector_when_no_word_is_known(embeddings, text, normalize):
    vector = Embedder(embeddings, 3)(text, normalize=normalize)
    assert vector.shape == (3,) and not vector.any() and not np.isnan(vector).any()


def test_opposite_words_average_to_zero_and_stay_zero_when_normalised():
    embedder = Embedder({"up": np.array([1.0, 1.0]), "down": np.array([-1.0, -1.0])}, 2)
    vector = embedder("up down", normalize=True)
    assert not vector.any() and not np.isnan(vector).any()


def test_wrong_dimension_is_a_clear_error(embeddings):
    with pytest.raises(ValueError, match=r"3-dimensional vectors but dim=300.*dim=3"):
        Embedder(embeddings, 300)


@pytest.mark.parametrize("dim", [0, -1, 2.5, "300", True])
def test_dim_must_be_a_positive_integer(dim):
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        Embedder({}, dim)


def test_empty_dict_cannot_be_checked_and_embeds_to_zero():
    assert not Embedder({}, 4)("anything").any()


TEXTS = ["sort list", "python sort sort", "", "nothing known", "list python unknown sort",
         "  sort\tlist  "]


@pytest.mark.parametrize("normalize", [False, True])
def test_embed_many_equals_one_call_per_text(embeddings, normalize):
    embedder = Embedder(embeddings, 3)
    vectors = embedder.embed_many(TEXTS, normalize=normalize)
    assert vectors.shape == (len(TEXTS), 3) and vectors.dtype == np.float32
    expected = [embedder(text, normalize=normalize) for text in TEXTS]
    np.testing.assert_allclose(vectors, expected, rtol=1e-6, atol=1e-7)


def test_embed_many_of_no_texts_and_no_known_words(embeddings):
    embedder = Embedder(embeddings, 3)
    assert embedder.embed_many([]).shape == (0, 3)
    vectors = embedder.embed_many(["", "nope", "Sort"], normalize=True)
    assert vectors.shape == (3, 3) and not vectors.any()


def test_embed_many_row_does_not_depend_on_the_batch():
    """The same text gets the same bits in any batch (the Scorer relies on it for exact ties)."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    embedder = Embedder({word: rng.standard_normal(7).astype(np.float32) for word in words}, 7)
    texts = [" ".join(rng.choice([*words, "oov"], size=rng.integers(0, 12))) for _ in range(200)]
    together = embedder.embed_many(texts, normalize=True)
    order = rng.permutation(len(texts))
    shuffled = embedder.embed_many([texts[i] for i in order], normalize=True)
    assert np.array_equal(shuffled, together[order])
    alone = np.array([embedder.embed_many([text], normalize=True)[0] for text in texts])
    assert np.array_equal(alone, together)
