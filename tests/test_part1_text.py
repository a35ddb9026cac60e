"""Part 1 preprocessing and Part 3 tokenization (hw_utils.text)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw_utils.text import (DEFAULT_CHARACTERS, DEFAULT_MIN_WORD_LENGTH, TextPreprocessor,
                           TextTokenizer, default_preprocessor)


def test_course_example():
    preprocess = TextPreprocessor(("?", ".", "-", ":"), min_word_length=3,
                                  stopwords={"not", "and", "or"})
    assert preprocess("jquery .bind() and/or .ready() not working") == \
        "jquery bind() and/or ready() working"


def test_defaults_keep_every_word_lower_cased():
    assert TextPreprocessor(())("  Why   IS\tmy Code slow?  ") == "why is my code slow?"


def test_stopwords_are_compared_after_lower_casing():
    assert TextPreprocessor((), stopwords={"the"})("The cat and THE dog") == "cat and dog"


def test_min_word_length_counts_after_character_replacement():
    preprocess = TextPreprocessor(("-",), min_word_length=2)
    assert preprocess("a-b c++ x-ray") == "c++ ray"


def test_empty_result_is_empty_string():
    assert TextPreprocessor(("?",), min_word_length=5)("why? ?") == ""


@given(st.text())
def test_output_is_normalised_text(text):
    preprocess = TextPreprocessor(("?", ".", "-"), min_word_length=2, stopwords={"is"})
    result = preprocess(text)
    assert result == result.lower()
    assert not any(c in result for c in "?.-")
    words = result.split()
    assert " ".join(words) == result
    assert all(len(word) >= 2 and word != "is" for word in words)
    assert preprocess(result) == result


def test_default_preprocessor_uses_english_stopwords():
    preprocess = default_preprocessor()
    assert preprocess.min_word_length == DEFAULT_MIN_WORD_LENGTH
    assert set(preprocess.characters) == set(DEFAULT_CHARACTERS)
    assert {"the", "and", "not", "is"} <= preprocess.stopwords
    assert preprocess("How do I sort a list (in Python)?") == "sort list python"


def test_tokenizer_skips_unknown_words():
    tokenizer = TextTokenizer({"sort": 0, "list": 1, "python": 2})
    assert tokenizer.vocab_size == 3
    assert tokenizer("sort a python list list") == [0, 2, 1, 1]
    assert tokenizer("nothing known here") == []
    assert tokenizer("") == []


def test_tokenizer_vocab_size_covers_the_largest_index():
    assert TextTokenizer({"a": 0, "b": 5}).vocab_size == 6
    assert TextTokenizer({}).vocab_size == 0


@pytest.mark.parametrize("text", ["x", "x y", " x  y "])
def test_tokenizer_splits_on_white_space(text):
    assert TextTokenizer({"x": 7, "y": 8})(text) == [7, 8][:len(text.split())]
