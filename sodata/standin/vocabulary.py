"""Real English words at their real frequencies, from the ``wordfreq`` package's lists.

Titles name what an application is about ("invoice", "thermostat", "leaderboard"); drawing those
words from a real frequency list, instead of a small hand-written one, gives the stand-in the
real corpus's vocabulary growth: a few common words and a long tail of rare ones, the rarest of
which the word vectors do not know (as GoogleNews, cut at 500,000 words, lacks rare words).
``wordfreq`` (Apache-2.0 code; its data is CC BY-SA 4.0, used here only to draw words) ships its
lists inside the package, so this works offline; its version goes into the manifest.
"""
import re
from functools import lru_cache
from itertools import accumulate

from sodata.stopwords import english_stopwords

# The most frequent words are function words and everyday verbs; the tail past this rank is
# mostly names, misspellings and foreign words.
FIRST_RANK, LAST_RANK = 800, 40_000
EVERYDAY_RANK = 5_000
MIN_LENGTH = 4
# Words no question title should be made of (the lists are drawn from the web and subtitles).
OFFENSIVE = re.compile(r"fuck|shit|pussy|dick|cock|cunt|bitch|slut|whore|porn|sex|nigg|fag|"
                       r"rape|penis|vagina|boob|tits|anal|horny|nude|naked|dildo|bastard|"
                       r"retard|kill|murder|suicide|nazi|hitler|jihad|terror|drug|cocaine|heroin")


def wordfreq_version() -> str:
    """The installed ``wordfreq``'s version; a clear error when it is missing."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wordfreq")
    except PackageNotFoundError:
        raise ModuleNotFoundError("the stand-in generator needs the wordfreq package: run "
                                  "`make setup` or `pip install wordfreq==3.1.1`") from None


@lru_cache(maxsize=1)
def content_words() -> tuple[tuple[str, ...], tuple[float, ...]]:
    """English content words of ranks ``FIRST_RANK``..``LAST_RANK`` (ASCII letters, at least
    ``MIN_LENGTH`` long, no stopwords), most frequent first, and their running frequency sums."""
    from wordfreq import get_frequency_dict, top_n_list

    frequencies = get_frequency_dict("en")
    stopwords = english_stopwords("shipped")  # the same data wherever NLTK's list differs
    words = tuple(word for word in top_n_list("en", LAST_RANK)[FIRST_RANK:]
                  if word.isascii() and word.isalpha() and len(word) >= MIN_LENGTH
                  and word not in stopwords and not OFFENSIVE.search(word))
    return words, tuple(accumulate(frequencies[word] for word in words))


@lru_cache(maxsize=1)
def everyday_words() -> frozenset[str]:
    """The ``EVERYDAY_RANK`` most frequent English words (lower-case): words GoogleNews' vectors
    know with the meaning a programmer gives them ("list", "string", "table", "get")."""
    from wordfreq import top_n_list

    return frozenset(top_n_list("en", EVERYDAY_RANK))
