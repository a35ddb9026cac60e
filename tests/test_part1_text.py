"""Part 1 preprocessing and Part 3 tokenization (hw_utils.text), as the course specifies them."""
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hw_utils import recipes
from hw_utils.text import TextPreprocessor, TextTokenizer
from instructor.pipeline import course_preprocessor


def test_docstring_example():
    preprocess = TextPreprocessor(("?", ".", "-", ":"), min_word_length=3,
                                  stopwords={"not", "and", "or"})
    assert preprocess("jquery .bind() and/or .ready() not working") == \
        "jquery bind() and/or ready() working"


def test_the_course_s_defaults_keep_every_word_lower_cased():
    """``min_word_length=0, stopwords=None``: only lower-casing and the characters apply."""
    assert TextPreprocessor(())("  Why   IS\tmy Code slow?  ") == "why is my code slow?"


def test_stopwords_are_compared_after_lower_casing():
    assert TextPreprocessor((), stopwords={"the"})("The cat and THE dog") == "cat and dog"


def test_min_word_length_counts_after_character_replacement():
    preprocess = TextPreprocessor(("-",), min_word_length=2)
    assert preprocess("a-b c++ x-ray") == "c++ ray"


def test_characters_may_be_any_iterable_of_characters():
    assert TextPreprocessor("?!", min_word_length=0)("why?!now") == "why now"


def test_empty_result_is_empty_string():
    assert TextPreprocessor(("?",), min_word_length=5)("why? ?") == ""


@given(st.text())
def test_output_is_normalised_text(text):
    preprocess = TextPreprocessor(("?", ".", "-"), min_word_length=2, stopwords={"is"})
    result = preprocess(text)
    assert not any(c in result for c in "?.-")
    words = result.split()
    assert " ".join(words) == result
    assert all(len(word) >= 2 and word != "is" for word in words)
    assert result == result.lower()
    assert preprocess(result) == result


def test_course_preprocessor_is_the_course_s_recipe():
    """string.punctuation, words of three letters or more, NLTK's English stopwords."""
    assert recipes.PREPROCESSING == {"characters": tuple(string.punctuation),
                                     "min_word_length": 3}
    preprocess = course_preprocessor()
    assert preprocess("How do I sort a list (in Python)?") == "sort list python"
    assert preprocess("What's the best way to parse JSON in C#?") == "best way parse json"


def test_tokenizer_indexes_the_vocabulary_in_its_order():
    tokenizer = TextTokenizer(["sort", "list", "python"])
    assert tokenizer.vocab_size == 3
    assert tokenizer("sort python list list") == [0, 2, 1, 1]
    assert tokenizer("") == []


def test_tokenizer_of_a_word_index_dict_keeps_its_indices():
    """``build_vocab`` gives word -> index in index order: iterating it gives the words."""
    tokenizer = TextTokenizer({"sort": 0, "list": 1})
    assert tokenizer("list sort") == [1, 0]


def test_tokenizer_leaves_out_words_outside_the_vocabulary():
    assert TextTokenizer(["sort", "list"])("sort a python list") == [0, 1]


@pytest.mark.parametrize("text", ["x", "x y", " x  y "])
def test_tokenizer_splits_on_white_space(text):
    assert TextTokenizer(["x", "y"])(text) == [0, 1][:len(text.split())]
