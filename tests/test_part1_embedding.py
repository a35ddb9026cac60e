"""Part 1 question embeddings: the course's ``Embedder`` and the given batched ``embed_texts``."""
import numpy as np
import pytest
from gensim.models import KeyedVectors

from hw_utils.embedding import Embedder
from instructor.ranking import as_dict, embed_texts

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
    assert vector.shape == (3,)
    np.testing.assert_allclose(vector, [0.5, 1.0, 0.0])


def test_repeated_words_count_each_time(embeddings):
    np.testing.assert_allclose(Embedder(embeddings, 3)("sort sort list"), [2 / 3, 2 / 3, 0.0],
                               rtol=1e-6)


def test_normalize(embeddings):
    embedder = Embedder(embeddings, 3)
    vector = embedder("python", normalize=True)
    np.testing.assert_allclose(vector, [0.6, 0.0, 0.8], rtol=1e-6)
    np.testing.assert_allclose(embedder("python"), [3.0, 0.0, 4.0])  # normalize=False by default


@pytest.mark.parametrize("text", ["", "   ", "nothing known", "Sort"])
@pytest.mark.parametrize("normalize", [False, True])
def test_zero_vector_of_dim_when_no_word_is_known(embeddings, text, normalize):
    vector = Embedder(embeddings, 3)(text, normalize=normalize)
    assert vector.shape == (3,) and not vector.any() and not np.isnan(vector).any()


def test_opposite_words_average_to_zero_and_stay_zero_when_normalised():
    embedder = Embedder({"up": np.array([1.0, 1.0]), "down": np.array([-1.0, -1.0])}, 2)
    vector = embedder("up down", normalize=True)
    assert not vector.any() and not np.isnan(vector).any()


TEXTS = ["sort list", "python sort sort", "", "nothing known", "list python unknown sort",
         "  sort\tlist  "]


@pytest.mark.parametrize("normalize", [False, True])
def test_embed_texts_equals_the_embedder_text_by_text(embeddings, normalize):
    vectors = embed_texts(as_dict(embeddings), TEXTS, 3, normalize=normalize)
    assert vectors.shape == (len(TEXTS), 3) and vectors.dtype == np.float32
    embedder = Embedder(embeddings, 3)
    expected = [embedder(text, normalize=normalize) for text in TEXTS]
    np.testing.assert_allclose(vectors, expected, rtol=1e-6, atol=1e-7)


def test_embed_texts_without_known_words_gives_zero_rows(embeddings):
    vectors = embed_texts(embeddings, ["", "nope", "Sort"], 3)
    assert vectors.shape == (3, 3) and not vectors.any()


def test_embed_texts_row_does_not_depend_on_the_batch():
    """The same text gets the same bits in any batch (exact ties stay ties)."""
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(50)]
    embeddings = {word: rng.standard_normal(7).astype(np.float32) for word in words}
    texts = [" ".join(rng.choice([*words, "oov"], size=rng.integers(0, 12))) for _ in range(200)]
    together = embed_texts(embeddings, texts, 7)
    order = rng.permutation(len(texts))
    assert np.array_equal(embed_texts(embeddings, [texts[i] for i in order], 7), together[order])
    alone = np.array([embed_texts(embeddings, [text], 7)[0] for text in texts])
    assert np.array_equal(alone, together)


def test_as_dict_reads_keyed_vectors_rows_and_leaves_a_dict_alone(embeddings):
    mapping = as_dict(embeddings)
    assert set(mapping) == set(WORDS)
    np.testing.assert_array_equal(mapping["python"], WORDS["python"])
    plain = {"a": np.zeros(2)}
    assert as_dict(plain) is plain
