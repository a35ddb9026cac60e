"""How StackOverflow-like are the stand-in's titles? Stand-in vs real titles, side by side.

    python -m maintainers.standin_report [--scale sample] [--real ../shared/realtext/stackoverflow_titles.tsv]

Prints, for the stand-in's train titles and for the real titles (the same number of each):
title length in words (mean and quantiles), share of titles with capitals, ending with '?',
share of tokens with punctuation or code characters, stopword share, vocabulary growth (types at
several token counts and the Heaps exponent) and the slope of the top of the Zipf curve.
Only figures are printed, never real titles. Without the real file only the stand-in is shown.
"""
import argparse
import csv
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

from sodata import get_dataset, read_corpus
from sodata.paths import REPO_ROOT
from sodata.stopwords import english_stopwords

DEFAULT_REAL = REPO_ROOT.parent / "shared" / "realtext" / "stackoverflow_titles.tsv"
CODE_RE = re.compile(r"[^A-Za-z]|[a-z][A-Z]")
WORD_RE = re.compile(r"[a-z0-9]+")


def read_real_titles(path: Path) -> list[str]:
    """The ``title`` column of the real titles file (header ``title<TAB>tags``)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [row["title"] for row in csv.DictReader(handle, delimiter="\t")]


def standin_titles(scale: str, count: int) -> list[str]:
    """The first ``count`` titles of the stand-in's train.tsv (generated if missing)."""
    titles = [title for row in read_corpus(get_dataset(scale).train) for title in row]
    return titles[:count]


def heaps(tokens: list[str], points: tuple[int, ...]) -> tuple[list[int], float]:
    """Distinct types after each of ``points`` tokens, and the Heaps exponent (log-log slope)."""
    seen: set[str] = set()
    types = []
    checkpoints = [n for n in points if n <= len(tokens)]
    growth_x, growth_y = [], []
    for index, token in enumerate(tokens, 1):
        seen.add(token)
        if index in checkpoints:
            types.append(len(seen))
        if index % 1000 == 0:
            growth_x.append(np.log(index))
            growth_y.append(np.log(len(seen)))
    slope = float(np.polyfit(growth_x, growth_y, 1)[0]) if len(growth_x) > 1 else float("nan")
    return types, slope


def zipf_slope(counts: Counter, top: int = 1000) -> float:
    """Slope of log frequency against log rank over the ``top`` most frequent words."""
    frequencies = np.array(sorted(counts.values(), reverse=True)[:top], dtype=float)
    ranks = np.arange(1, len(frequencies) + 1)
    return float(np.polyfit(np.log(ranks), np.log(frequencies), 1)[0])


def figures(titles: list[str], stopwords: frozenset[str]) -> dict[str, float | str]:
    """The realism figures of a list of titles."""
    lengths = np.array([len(title.split()) for title in titles])
    raw_tokens = [token for title in titles for token in title.split()]
    words = [word for title in titles for word in WORD_RE.findall(title.lower())]
    counts = Counter(words)
    types, heaps_exponent = heaps(words, (10_000, 50_000, 100_000, 200_000))
    quantiles = np.quantile(lengths, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "titles": len(titles),
        "words per title, mean": round(float(lengths.mean()), 2),
        "words per title, 5/25/50/75/95%": "/".join(f"{q:g}" for q in quantiles),
        "titles with a capital letter": round(np.mean([t != t.lower() for t in titles]), 3),
        "titles starting with a capital": round(np.mean([t[:1].isupper() for t in titles]), 3),
        "titles ending with '?'": round(np.mean([t.rstrip().endswith("?") for t in titles]), 3),
        "tokens with punctuation/code": round(np.mean([bool(CODE_RE.search(t)) for t in raw_tokens]), 3),
        "stopword share of words": round(np.mean([w in stopwords for w in words]), 3),
        "distinct words": len(counts),
        "types at 10k/50k/100k/200k words": "/".join(map(str, types)),
        "Heaps exponent": round(heaps_exponent, 3),
        "Zipf slope (top 1000 words)": round(zipf_slope(counts), 3),
        "share of words seen once": round(sum(1 for c in counts.values() if c == 1) / len(counts), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="sample", help="stand-in scale (default: sample)")
    parser.add_argument("--real", type=Path, default=DEFAULT_REAL, help="real titles TSV")
    parser.add_argument("--count", type=int, default=30_000, help="titles of each to compare")
    args = parser.parse_args(argv)

    stopwords = english_stopwords()
    columns = {"stand-in": figures(standin_titles(args.scale, args.count), stopwords)}
    if args.real.is_file():
        columns["real"] = figures(read_real_titles(args.real)[:args.count], stopwords)
    else:
        print(f"(real titles not found at {args.real}: showing the stand-in only)", file=sys.stderr)
    names = list(columns)
    print(f"{'':36}" + "".join(f"{name:>24}" for name in names))
    for key in columns["stand-in"]:
        print(f"{key:36}" + "".join(f"{str(columns[name][key]):>24}" for name in names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
