"""Text preprocessing (Part 1) and word-index tokenization (Part 3).

``TextPreprocessor`` cleans a question title before it is embedded::

    >>> preprocess = TextPreprocessor(('?', '.', '-', ':'), min_word_length=3,
    ...                               stopwords={'not', 'and', 'or'})
    >>> preprocess('jquery .bind() and/or .ready() not working')
    'jquery bind() and/or ready() working'

``TextTokenizer`` turns a (preprocessed) text into the indices of its words in a vocabulary.
"""
from collections.abc import Collection, Iterable


class TextPreprocessor:
    """Lower-case a text, replace bad characters by spaces, drop stopwords and short words.

    Args:
        characters: the characters to replace by a space (each a one-character string).
        min_word_length: the shortest word kept (after the replacement).
        stopwords: the words to drop (compared after lower-casing); ``None`` drops none.

    Calling it on a text returns the processed text: the remaining words joined by one space.
    """

    def __init__(self, characters: Iterable[str], min_word_length: int = 0,
                 stopwords: Collection[str] | None = None):
        # BEGIN SOLUTION
        self.characters = list(characters)
        self.min_word_length = min_word_length
        self.stopwords = set(stopwords or [])
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


class TextTokenizer:
    """Map a text to the vocabulary indices of its words (Part 3).

    Args:
        vocab: the words of the training set; a dict word -> index is read in its order.

    ``vocab_size`` is the number of words; calling the tokenizer on a text returns the indices
    of the words of ``text.split()``, in order.
    """

    def __init__(self, vocab: Iterable[str]):
        # BEGIN SOLUTION
        self.word_to_index = {word: index for index, word in enumerate(vocab)}
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        # BEGIN SOLUTION
        return len(self.word_to_index)
        # END SOLUTION

    def __call__(self, text: str) -> list[int]:
        # BEGIN SOLUTION
        return [self.word_to_index[word] for word in text.split() if word in self.word_to_index]
        # END SOLUTION
