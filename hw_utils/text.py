"""Text preprocessing (Part 1) and word-index tokenization (Part 3).

``TextPreprocessor`` cleans a question title before it is embedded::

    >>> preprocess = TextPreprocessor(('?', '.', '-', ':'), min_word_length=3,
    ...                               stopwords={'not', 'and', 'or'})
    >>> preprocess('jquery .bind() and/or .ready() not working')
    'jquery bind() and/or ready() working'

``TextTokenizer`` turns a (preprocessed) text into the indices of its words in a vocabulary.
"""
from collections.abc import Collection, Iterable, Mapping

# The characters ``default_preprocessor`` replaces by spaces, and its shortest kept word.
# Chosen by Hits@K on the stand-in (see notebooks/part1_pretrained_vectors.ipynb): punctuation
# glued to words ("python?", "(list)") hides them from the word vectors.
DEFAULT_CHARACTERS = tuple("?!.,:;-()[]{}<>\"'`/\\|=+*&^%$#@~")
DEFAULT_MIN_WORD_LENGTH = 2


class TextPreprocessor:
    """Lower-case a text, replace some characters by spaces, drop stopwords and short words.

    Args:
        characters: characters to replace by a space (each is a one-character string).
        min_word_length: words shorter than this (after the replacement) are dropped.
        stopwords: words to drop (compared after lower-casing); ``None`` drops none.

    Calling it on a text returns the processed text: the remaining words joined by one space
    (the empty string when no word remains).
    """

    def __init__(self, characters: Iterable[str], min_word_length: int = 0,
                 stopwords: Collection[str] | None = None):
        # BEGIN SOLUTION
        self.characters = tuple(characters)
        self.min_word_length = min_word_length
        self.stopwords = frozenset(stopwords or ())
        # END SOLUTION

    def __call__(self, text: str) -> str:
        # BEGIN SOLUTION
        text = text.lower()
        for character in self.characters:
            text = text.replace(character, " ")
        words = [word for word in text.split()
                 if word not in self.stopwords and len(word) >= self.min_word_length]
        return " ".join(words)
        # END SOLUTION


def default_preprocessor() -> TextPreprocessor:
    """The preprocessing the later parts use: ``DEFAULT_CHARACTERS``, ``DEFAULT_MIN_WORD_LENGTH``
    and NLTK's English stopwords (``sodata.stopwords.english_stopwords``)."""
    from sodata.stopwords import english_stopwords

    return TextPreprocessor(DEFAULT_CHARACTERS, min_word_length=DEFAULT_MIN_WORD_LENGTH,
                            stopwords=english_stopwords())


class TextTokenizer:
    """Map a text to the vocabulary indices of its words (Part 3).

    Args:
        vocab: word -> index, indices ``0 .. n-1``.

    ``vocab_size`` is the number of rows an embedding table needs: one more than the largest
    index (``len(vocab)`` for the usual indices ``0 .. n-1``). Calling the tokenizer on a text
    returns the indices of the words of ``text.split()`` in order; words not in the vocabulary
    are skipped (so the result may be empty), never a ``KeyError``.
    """

    def __init__(self, vocab: Mapping[str, int]):
        # BEGIN SOLUTION
        self.vocab = dict(vocab)
        self.vocab_size = max(self.vocab.values(), default=-1) + 1
        # END SOLUTION

    def __call__(self, text: str) -> list[int]:
        # BEGIN SOLUTION
        return [self.vocab[word] for word in text.split() if word in self.vocab]
        # END SOLUTION
