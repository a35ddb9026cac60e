"""The three corpus files: train (duplicate groups), validation and test (ranking rows)."""
from collections.abc import Iterator

from sodata.standin.config import Knobs
from sodata.standin.rand import Rand
from sodata.standin.titles import Intent, TitleMaker, World

# Share of train rows with 2, 3, 4, 5 and 6 duplicate questions.
GROUP_SIZES = (2, 3, 4, 5, 6)
GROUP_CUMULATIVE = (0.80, 0.90, 0.95, 0.98, 1.0)


def distinct_titles(maker: TitleMaker, intent: Intent, count: int) -> list[str]:
    """``count`` paraphrases of ``intent``, all different where a few tries allow."""
    titles: list[str] = []
    for _ in range(count * 4):
        title = maker.title(intent)
        if title not in titles:
            titles.append(title)
            if len(titles) == count:
                break
    while len(titles) < count:
        titles.append(maker.title(intent))
    return titles


def train_rows(knobs: Knobs, world: World, rand: Rand) -> Iterator[list[str]]:
    """Rows of 2 to 6 paraphrases of one intent."""
    maker = TitleMaker(knobs, world, rand)
    for _ in range(knobs.train_rows):
        size = GROUP_SIZES[_group_index(rand)]
        yield distinct_titles(maker, maker.intent(), size)


def _group_index(rand: Rand) -> int:
    """Index into ``GROUP_SIZES`` drawn with the shares ``GROUP_CUMULATIVE``."""
    draw = rand.random()
    return next(i for i, edge in enumerate(GROUP_CUMULATIVE) if draw < edge)


class NegativePool:
    """Questions to draw negatives from, indexed by topic for hard negatives."""

    def __init__(self, knobs: Knobs, world: World, rand: Rand):
        maker = TitleMaker(knobs, world, rand)
        self.intents = [maker.intent() for _ in range(knobs.pool_size)]
        self.titles = [maker.title(intent) for intent in self.intents]
        self.by_topic: dict[int, list[int]] = {}
        for index, intent in enumerate(self.intents):
            self.by_topic.setdefault(intent.topic, []).append(index)

    def negatives(self, intent: Intent, count: int, knobs: Knobs, rand: Rand,
                  exclude: set[str]) -> list[str]:
        """``count`` questions on other intents; about ``hard_negative_share`` on the same topic."""
        same_topic = self.by_topic.get(intent.topic, [])
        chosen: list[str] = []
        for _ in range(count):
            for _attempt in range(20):
                if same_topic and rand.chance(knobs.hard_negative_share):
                    index = rand.choice(same_topic)
                else:
                    index = rand.below(len(self.titles))
                title = self.titles[index]
                if self.intents[index].key != intent.key and title not in exclude:
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
        question, duplicate = distinct_titles(maker, intent, 2)
        negatives = pool.negatives(intent, negatives_count(knobs, rand), knobs, rand,
                                   exclude={question, duplicate})
        yield [question, duplicate, *negatives]
