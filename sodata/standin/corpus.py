"""The three corpus files: train (duplicate groups), validation and test (ranking rows)."""
from collections.abc import Iterator

from sodata.standin.config import Knobs
from sodata.standin.rand import Rand
from sodata.standin.titles import Intent, TitleMaker, World

# Share of train rows with 2, 3, 4, 5 and 6 duplicate questions.
GROUP_SIZES = (2, 3, 4, 5, 6)
GROUP_CUMULATIVE = (0.80, 0.90, 0.95, 0.98, 1.0)


def duplicate_titles(maker: TitleMaker, intent: Intent, count: int) -> list[str]:
    """A question on ``intent`` and ``count - 1`` duplicates of it (``TitleMaker.duplicate``),
    all different where a few tries allow."""
    titles = [maker.title(intent)]
    said = frozenset(maker.expressed)
    for _ in range(count * 4):
        title = maker.duplicate(intent, said)
        if title not in titles:
            titles.append(title)
            if len(titles) == count:
                break
    while len(titles) < count:
        titles.append(maker.duplicate(intent, said))
    return titles


def train_rows(knobs: Knobs, world: World, rand: Rand) -> Iterator[list[str]]:
    """Rows of 2 to 6 paraphrases of one intent."""
    maker = TitleMaker(knobs, world, rand)
    for _ in range(knobs.train_rows):
        size = GROUP_SIZES[_group_index(rand)]
        yield duplicate_titles(maker, maker.intent(), size)


def _group_index(rand: Rand) -> int:
    """Index into ``GROUP_SIZES`` drawn with the shares ``GROUP_CUMULATIVE``."""
    draw = rand.random()
    return next(i for i, edge in enumerate(GROUP_CUMULATIVE) if draw < edge)


class NegativePool:
    """Questions to draw negatives from."""

    def __init__(self, knobs: Knobs, world: World, rand: Rand):
        maker = TitleMaker(knobs, world, rand)
        self.intents = [maker.intent() for _ in range(knobs.pool_size)]
        self.titles = [maker.title(intent) for intent in self.intents]

    def negatives(self, intent: Intent, count: int, maker: TitleMaker,
                  exclude: set[str]) -> list[str]:
        """``count`` questions on other intents: about ``hard_negative_share`` of them siblings
        of ``intent`` (``TitleMaker.sibling``: similar, not duplicates), the others from the pool."""
        rand, share = maker.rand, maker.knobs.hard_negative_share
        chosen: list[str] = []
        for _ in range(count):
            for _attempt in range(20):
                if rand.chance(share):
                    other = maker.sibling(intent)
                    title = maker.title(other)
                else:
                    index = rand.below(len(self.titles))
                    other, title = self.intents[index], self.titles[index]
                if other.key != intent.key and title not in exclude:
                    break
            chosen.append(title)
        return chosen


def negatives_count(knobs: Knobs, rand: Rand) -> int:
    """``negatives`` for most rows, a few fewer for some (the real mean is 998.81 of 1000)."""
    if rand.chance(0.85):
        return knobs.negatives
    return max(1, knobs.negatives - 1 - rand.below(max(1, knobs.negatives // 60)))


def ranking_rows(knobs: Knobs, world: World, rand: Rand, pool: NegativePool
                 ) -> Iterator[list[str]]:
    """Rows of question, duplicate, then negatives."""
    maker = TitleMaker(knobs, world, rand)
    for _ in range(knobs.validation_rows):
        intent = maker.intent()
        question, duplicate = duplicate_titles(maker, intent, 2)
        negatives = pool.negatives(intent, negatives_count(knobs, rand), maker,
                                   exclude={question, duplicate})
        yield [question, duplicate, *negatives]
