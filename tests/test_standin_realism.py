"""The stand-in's titles against real StackOverflow titles (skipped where those are absent).

Only figures are compared (length, casing, punctuation, stopwords); no real title enters the
project. ``python -m maintainers.standin_report`` prints the full comparison.
"""
from pathlib import Path

import pytest

from sodata import read_corpus
from sodata.stopwords import english_stopwords
from sodata.standin import generate

REAL_TITLES = Path(__file__).resolve().parents[1].parent / "shared" / "realtext" / "stackoverflow_titles.tsv"

pytestmark = [
    pytest.mark.realtext,
    pytest.mark.skipif(not REAL_TITLES.is_file(), reason=f"real titles not found at {REAL_TITLES}"),
]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    from maintainers.standin_report import figures, read_real_titles

    out = generate("tiny", seed=0, out=tmp_path_factory.mktemp("realism") / "tiny")
    standin = [title for row in read_corpus(out / "train.tsv") for title in row]
    real = read_real_titles(REAL_TITLES)[:len(standin)]
    stopwords = english_stopwords()
    return figures(standin, stopwords), figures(real, stopwords)


@pytest.mark.parametrize("figure, tolerance", [
    ("words per title, mean", 2.0),
    ("titles with a capital letter", 0.2),
    ("titles starting with a capital", 0.2),
    ("titles ending with '?'", 0.15),
    ("tokens with punctuation/code", 0.1),
    ("stopword share of words", 0.1),
])
def test_standin_titles_look_like_real_ones(compared, figure, tolerance):
    standin, real = compared
    assert abs(standin[figure] - real[figure]) <= tolerance, (
        f"{figure}: stand-in {standin[figure]}, real {real[figure]} (tolerance {tolerance})")


def test_vocabulary_grows_like_the_real_titles(compared):
    """Distinct words after the first 10,000 words of titles: within 1.5x of the real titles'."""
    standin, real = compared
    ours, theirs = (int(side["types at 10k/50k/100k/200k words"].split("/")[0])
                    for side in (standin, real))
    assert theirs / 1.5 <= ours <= theirs * 1.5, f"distinct words at 10k: stand-in {ours}, real {theirs}"
