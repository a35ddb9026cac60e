"""The main job: every method of the homework on one data set, in one table and one plot.

    python -m instructor.demo [--quick] [--dataset NAME] [--out DIR]      (``make demo [QUICK=1]``)

Runs Part 1 (raw and preprocessed text), Part 2, Part 3, the five bonus models and the TF-IDF
and BM25 baselines (``instructor.bonus.comparison.METHODS``) on the data set (by default the
embedded default: ``$HW_DATASET``, else the real data when downloaded, else the ``sample``
stand-in), printing a progress line per step. Then prints the table (Hits@1/5/10/100/500,
DCG@10, MRR, training and scoring seconds) and the bonus-vs-base notes, and writes into
``--out`` (``dist/demo``): ``hits_at_k.png``, ``results.md`` and ``results.json`` (and the
training runs' TensorBoard logs in ``runs/``).

``--quick`` trains less on less data (``Settings.quick()``): a first look, not the comparison.
No step is skipped: if one fails, the demo stops with its error and exits non-zero. Each training
run shows a progress bar over its batches, with the time left. Ctrl-C stops the demo at once
with one line saying where (exit status 130); nothing is saved then.
"""
import argparse
import json
import os
import signal
import sys
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from instructor.bonus.comparison import (METHODS, Comparison, Settings, comparison_notes,
                                       plot_hits, results_table)
from sodata import get_dataset
from hw_utils.reproducibility import set_seed

DEFAULT_OUT = Path("dist/demo")


def _label(dataset, quick: bool) -> str:
    data = (f"STAND-IN numbers (generated data, scale '{dataset.name}'; NOT the real "
            f"StackOverflow data, not comparable with the course's)" if dataset.is_standin
            else "real StackOverflow data")
    return data + (", QUICK mode: less data and training, a first look only" if quick else "")


def run(dataset_name: str | None, quick: bool, out: Path) -> int:
    """Run every step; 0 when all succeeded, 1 (after saying which step failed and why) if not."""
    started = STEP["started"] = time.perf_counter()

    def log(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {line}", flush=True)

    log("data: locating the data set (a stand-in is generated on first use)")
    dataset = get_dataset(dataset_name)
    log(f"data: {dataset.describe()}")
    settings = Settings.quick() if quick else Settings()
    set_seed(settings.seed)
    comparison = Comparison(dataset, settings, workdir=out / "runs", log=log, progress=True)
    preparation = (("reading and preprocessing the validation samples", "validation"),
                   ("reading and preprocessing the training questions", "train_texts"),
                   ("loading the pretrained word vectors", "vectors"),
                   ("building Part 3's training pairs", "pairs"),
                   ("building Part 3's vocabulary", "tokenizer"))
    names = [name for name, _, _ in METHODS]
    try:
        for message, attribute in preparation:
            log(f"data: {message}")
            STEP["now"] = f"data: {message}"
            getattr(comparison, attribute)
        log(f"data: {len(comparison.validation)} validation samples, "
            f"{len(comparison.train_rows)} training rows, {len(comparison.pairs[0])} training "
            f"and {len(comparison.pairs[1])} eval pairs, {comparison.tokenizer.vocab_size} words")
        for index, name in enumerate(names, 1):
            current = f"[{index}/{len(names)}] {name}"
            STEP["now"] = current
            log(f"{current}: training and scoring")
            result = comparison.run(name)
            log(f"{current}: done (train {result.train_s:.1f} s, score {result.score_s:.1f} s, "
                f"Hits@10 {result.metrics['hits@10']:.3f}, MRR {result.metrics['mrr']:.3f})")
    except Exception as error:  # noqa: BLE001 - reported, then the demo fails
        traceback.print_exc()
        step = next((name for name in names if name not in comparison.results), "data")
        print(f"\ndemo FAILED at step '{step}': {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    results = [comparison.results[name] for name in names]
    label = _label(dataset, quick)
    table, notes = results_table(results), comparison_notes(results)
    out.mkdir(parents=True, exist_ok=True)
    title = (f"Hits@K, {'STAND-IN' if dataset.is_standin else 'real'} data '{dataset.name}'"
             + (" (not the real data)" if dataset.is_standin else "")
             + (", quick mode" if quick else ""))
    plot_hits(results, title=title, path=out / "hits_at_k.png")
    (out / "results.md").write_text(f"{label}\n\n{table}\n\n" + "\n".join(
        f"- {note}" for note in notes) + "\n", encoding="utf-8")
    (out / "results.json").write_text(json.dumps({
        "dataset": dataset.name, "is_standin": dataset.is_standin, "quick": quick,
        "label": label, "settings": asdict(settings),
        "results": [result.as_dict() for result in results], "notes": notes,
        "total_s": time.perf_counter() - started}, indent=2), encoding="utf-8")
    print(f"\n{label}\n\n{table}\n")
    print("\n".join(notes))
    log(f"saved {out / 'hits_at_k.png'}, {out / 'results.md'} and {out / 'results.json'}")
    return 0


STEP = {"now": "start-up", "started": time.perf_counter()}  # what the demo is doing, for Ctrl-C


def stop_at_once(signum: int, frame) -> None:
    """Ctrl-C: one line saying where, then exit at once (130), not after the running step's
    threads and writers finish; nothing is saved."""
    print(f"\ndemo interrupted (Ctrl-C) during {STEP['now']} after "
          f"{time.perf_counter() - STEP['started']:.0f} s; nothing was saved", file=sys.stderr,
          flush=True)
    os._exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m instructor.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a first look: less data, fewer epochs")
    parser.add_argument("--dataset", help="tiny | sample | full | real | auto (default: $HW_DATASET, "
                                          "else auto)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the plot and the "
                                                                       "table go (dist/demo)")
    args = parser.parse_args(argv)
    return run(args.dataset, args.quick, args.out)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, stop_at_once)
    sys.exit(main())
