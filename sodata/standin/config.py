"""Scales and knobs of the stand-in generator, and the folder each data set is kept in.

Every knob is a field of ``Knobs`` with a default; ``generate(scale, seed, out, **knobs)``
overrides them by name. The manifest records them, and a data set on disk is reused only when
its scale, seed, generator version and knobs all match. ``folder_name`` names a data set's default
folder after what makes it: ``standin-tiny``, ``standin-tiny-seed3``,
``standin-tiny-oov_rate=0.2`` (the knobs that differ from the scale's), so a data set with other
knobs never goes over the default one.
"""
from dataclasses import asdict, dataclass, fields, replace

GENERATOR_VERSION = "6"
VECTOR_SIZE = 300
# The scales whose numbers match the real data's closely enough for the course's quality bars
# (Hits@500 >= 0.82 / 0.85 / 0.89 / 0.98) to be graded on them (maintainers/standin_report.py).
CALIBRATED_SCALES: tuple[str, ...] = ("sample",)


@dataclass(frozen=True)
class Knobs:
    """What the generated data looks like. Rates are probabilities in [0, 1].

    Sizes (set by the scale, overridable):
      train_rows           rows of train.tsv (each 2 to 6 duplicate questions)
      validation_rows      rows of validation.tsv and of test.tsv
      negatives            negatives per validation/test row on average (a few rows have fewer,
                           as in the real file, whose mean is 998.81)
      pool_size            distinct questions the negatives are drawn from
      background_sentences sentences of the background text the word vectors are trained on
      vector_epochs        Word2Vec epochs over the background text

    Realism and difficulty:
      oov_rate             chance that a content word of a title becomes a word the vectors lack:
                           a typo, a rare inflection, a compound identifier or a code token
      synonym_rate         chance that a paraphrase uses a synonym instead of the usual word
                           (higher: duplicates share fewer words)
      synonym_strength     how consistently the background text uses synonyms in the same
                           contexts (higher: pretrained vectors place synonyms closer together)
      hard_negative_share  share of negatives that are siblings of the question: similar questions
                           on its topic sharing most of its intent, not duplicates
      context_rate         chance that a paraphrase adds a context phrase ("dynamically", ...)
      drop_rate            chance that a paraphrase leaves out an optional part (topic, target)
      far_rate             chance that a duplicate is a far paraphrase: another kind of question
                           ("X not working" for "how to X"), mostly synonyms, optional parts left
                           out (the pretrained vectors relate it only partly; Part 3 learns it);
                           most still say something the question says (``UNRELATED_FAR_SHARE``)
      loose_rate           chance that a duplicate is a question on another intent (duplicates
                           whose titles do not say what makes them duplicates)
    """

    train_rows: int = 100_000
    validation_rows: int = 1_000
    negatives: int = 1_000
    pool_size: int = 100_000
    background_sentences: int = 250_000
    vector_epochs: int = 5
    oov_rate: float = 0.08
    synonym_rate: float = 0.15
    synonym_strength: float = 0.8
    hard_negative_share: float = 0.0045
    context_rate: float = 0.2
    drop_rate: float = 0.1
    far_rate: float = 0.64
    loose_rate: float = 0.001

    def as_dict(self) -> dict:
        return asdict(self)


SCALES: dict[str, Knobs] = {
    "tiny": Knobs(train_rows=2_000, validation_rows=60, negatives=50, pool_size=3_000,
                  background_sentences=20_000, vector_epochs=4),
    "sample": Knobs(),
    "full": Knobs(train_rows=1_000_000, validation_rows=3_760, negatives=1_000, pool_size=400_000,
                  background_sentences=400_000, vector_epochs=5),
}

RATE_KNOBS = ("oov_rate", "synonym_rate", "synonym_strength", "hard_negative_share",
              "context_rate", "drop_rate", "far_rate", "loose_rate")


def make_knobs(scale: str, overrides: dict) -> Knobs:
    """The scale's knobs with ``overrides`` applied; a clear ``ValueError`` for a bad name or value."""
    if scale not in SCALES:
        raise ValueError(f"unknown stand-in scale {scale!r}: use one of {', '.join(SCALES)}")
    names = {field.name: field.type for field in fields(Knobs)}
    for name, value in overrides.items():
        if name not in names:
            raise ValueError(f"unknown stand-in knob {name!r}: the knobs are {', '.join(names)}")
        if name in RATE_KNOBS:
            if not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"stand-in knob {name} must be a number in [0, 1], got {value!r}")
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"stand-in knob {name} must be a positive integer, got {value!r}")
    knobs = replace(SCALES[scale], **{k: (float(v) if k in RATE_KNOBS else v)
                                      for k, v in overrides.items()})
    if knobs.pool_size < 2:
        raise ValueError("stand-in knob pool_size must be at least 2")
    return knobs


def knob_changes(scale: str, knobs: dict) -> dict:
    """The knobs of ``knobs`` (a ``Knobs.as_dict()``) that differ from the scale's own."""
    defaults = SCALES[scale].as_dict()
    return {name: value for name, value in knobs.items() if defaults.get(name) != value}


def folder_name(scale: str, seed: int = 0, knobs: dict | None = None) -> str:
    """The default folder name of the data set of ``scale``, ``seed`` and ``knobs`` (a
    ``Knobs.as_dict()``; None: the scale's own)."""
    changes = knob_changes(scale, knobs) if knobs is not None else {}
    parts = [f"standin-{scale}", *([f"seed{seed}"] if seed else []),
             *(f"{name}={value}" for name, value in sorted(changes.items()))]
    return "-".join(parts)
