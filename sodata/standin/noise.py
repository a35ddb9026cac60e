"""Words the vectors do not know: typos, rare inflections, compound identifiers, code tokens.

Pretrained vectors lack such words (GoogleNews has no ``jqeury`` and no ``getElementsByTagName``),
which is what Part 2's character-trigram model is for: most of these words are spelled like known
words (a typo, an inflection, two known words glued together), a share are unrelated code tokens.
Typos and inflections recur as in real text ("recieve", "seperate"): each word has a few usual
ones (``usual``), so they add words to the vocabulary as a real corpus does, not one per use.
"""
import random
import zlib

from sodata.standin.rand import Rand

# How often a word's first, second and third usual typo (or inflection) is the one written.
USUAL_CUMULATIVE = (0.6, 0.85, 1.0)

KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
NEIGHBOURS = {
    char: row[max(index - 1, 0):index] + row[index + 1:index + 2]
    for row in KEYBOARD_ROWS for index, char in enumerate(row)
}
SUFFIXES = ("s", "es", "ed", "ing", "er", "ers", "able", "ation", "ize", "ized", "izing", "ly",
            "ness", "ments", "ify", "ified")
PREFIXES = ("re", "un", "pre", "sub", "multi", "auto", "de", "non", "over", "inter")
CODE_PARTS = ("my", "tmp", "foo", "bar", "baz", "obj", "val", "res", "ctx", "cfg", "btn", "lbl",
              "txt", "str", "arr", "idx", "cnt", "num", "buf", "ptr", "ref", "cb", "fn", "el")


def typo(word: str, rand: Rand) -> str:
    """One keyboard slip: two letters swapped, one dropped, doubled or replaced by a neighbour."""
    if len(word) < 4:
        return word + word[-1]
    at = 1 + rand.below(len(word) - 2)
    kind = rand.below(4)
    if kind == 0:
        return word[:at] + word[at + 1] + word[at] + word[at + 2:]
    if kind == 1:
        return word[:at] + word[at + 1:]
    if kind == 2:
        return word[:at] + word[at] + word[at:]
    neighbours = NEIGHBOURS.get(word[at].lower(), "")
    return word[:at] + (rand.choice(neighbours) if neighbours else word[at]) + word[at + 1:]


def inflect(word: str, rand: Rand) -> str:
    """A rare inflection or derivation: ``serializer``, ``reparsed``, ``sortable``."""
    if rand.chance(0.25):
        return rand.choice(PREFIXES) + word
    suffix = rand.choice(SUFFIXES)
    stem = word[:-1] if word.endswith("e") and suffix[0] in "aei" else word
    return stem + suffix


def compound(word: str, other: str, rand: Rand) -> str:
    """Two words glued into one identifier: ``stringList``, ``string_list``, ``stringlist``."""
    style = rand.below(3)
    if style == 0:
        return word + other[:1].upper() + other[1:]
    if style == 1:
        return word + "_" + other
    return word + other


class _SeededRand(Rand):
    """Draws that depend only on ``key``: a word's usual variants are the same in every data set."""

    def __init__(self, key: str):
        self._draws = random.Random(zlib.crc32(key.encode("utf-8")))

    def random(self) -> float:
        return self._draws.random()


_USUAL: dict[tuple[str, str, int], str] = {}


def usual(make, word: str, rand: Rand) -> str:
    """``make(word, ...)`` (``typo`` or ``inflect``) as one of ``word``'s few usual variants,
    drawn with ``USUAL_CUMULATIVE``."""
    key = (make.__name__, word, rand.weighted(USUAL_CUMULATIVE))
    if key not in _USUAL:
        _USUAL[key] = make(word, _SeededRand("/".join(map(str, key))))
    return _USUAL[key]


def code_token(rand: Rand) -> str:
    """An identifier unrelated to any word: ``tmpIdx2``, ``foo_cb``, ``0x1f``."""
    kind = rand.below(4)
    first, second = rand.choice(CODE_PARTS), rand.choice(CODE_PARTS)
    if kind == 0:
        return first + second.capitalize() + str(rand.below(10))
    if kind == 1:
        return f"{first}_{second}"
    if kind == 2:
        return f"0x{rand.below(4096):x}"
    return f"{first}{rand.below(100)}"


def oov_variant(word: str, other: str, rand: Rand) -> str:
    """``word`` turned into a word the vectors lack (``other``: a neighbour for compounds)."""
    draw = rand.random()
    if draw < 0.6:
        return usual(typo, word, rand)
    if draw < 0.85:
        return usual(inflect, word, rand)
    if draw < 0.95:
        return compound(word, other, rand)
    return code_token(rand)
