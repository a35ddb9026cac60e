"""Question titles: an *intent* (what is asked) and its paraphrases (how it is written).

An intent fixes the kind of question (how-to, problem, error, comparison), the topic, the action,
the object and optional extras (a modifier, a target object, a library or API, an error name, and
0-3 *details*: real English words drawn at their real frequencies, see ``vocabulary``).
A paraphrase picks a template of that kind and a surface form for every slot: synonyms, singular or
plural, optional parts left out or context added, casing, punctuation, and a few words turned into
words the vectors lack (see ``noise``). Duplicates are paraphrases of one intent (``duplicate``):
most are close, ``far_rate`` of them are written another way (another kind of question, mostly
synonyms, most optional parts left out, yet mostly saying something the question says) and
``loose_rate`` of them are about another intent.
Negatives are paraphrases of other intents, ``hard_negative_share`` of them *siblings*: similar
questions sharing most of the intent (``sibling``).

The same machinery, without noise, lower-cased and with synonyms spread over contexts by
``synonym_strength``, writes the background text the word vectors are trained on.
"""
import re
from dataclasses import dataclass, replace
from itertools import accumulate

from sodata.standin.config import Knobs
from sodata.standin.lexicon import (ACTIONS, API_SUFFIXES, API_VERBS, CONTEXT, DOMAINS,
                                      ENGLISH_CLUSTERS, ERRORS, MODIFIERS, OBJECTS, PREPOSITIONS, PROBLEMS, TOPICS, VERSIONS)
from sodata.standin.noise import oov_variant, typo, usual
from sodata.standin.rand import Rand, zipf_cumulative
from sodata.standin.vocabulary import content_words, everyday_words

OPENERS = ["How to", "How do I", "How can I", "How do you", "How would I", "How should I",
           "Best way to", "Easiest way to", "Simplest way to", "Is there a way to", "Any way to",
           "Need to", "I want to", "Correct way to", "What is the best way to"]

TEMPLATES: dict[str, list[str]] = {
    "howto": [
        "{how} {A} {O} {T} {inL} ?", "{how} {A} {O} {T} {inL} ?", "{how} {A} {O} {T} with {E} ?",
        "{how} {A} {O} {T} using {E} {inL} ?", "{Aing} {O} {T} {inL}", "{Aing} {O} {T} with {E}",
        "{L} : {A} {O} {T}", "{L} - {how} {A} {O} {T} ?", "{E} : {how} {A} {O} {T} ?",
        "{A} {O} {T} {inL}", "{A} {O} {T} in {E}", "{E} {A} {O} {T}",
        "Can I {A} {O} {T} {inL} ?", "Is it possible to {A} {O} {T} {inL} ?",
        "{O} {T} - how to {A} it {inL} ?", "{how} {A} {O} {T} {inL} {C} ?",
        "{A} {O} {T} {C} {inL}", "{L} {E} {A} {O} {T}", "Trying to {A} {O} {T} {inL}",
        "{how} {A} {O} {T} {C}", "{E} how to {A} {O} {T}",
    ],
    "problem": [
        "{E} {P}", "{E} {P} {inL}", "{L} {E} {P}", "{Aing} {O} {P} {inL}",
        "{Aing} {O} with {E} {P}", "{E} {P} when {Aing} {O}", "{E} {P} after {Aing} {O} {T}",
        "Why is my {Obare} {P} {inL} ?", "Problem with {E} : {O} {P}", "{L} : {A} {O} {P}",
        "My {E} {P} {C}", "{O} {P} in {E} {inL}", "{E} {Aed} {O} {P}",
    ],
    "error": [
        "{X} when {Aing} {O} {inL}", "{X} in {E}", "Getting {X} while trying to {A} {O} {inL}",
        "{L} : {X} on {E}", "How to fix {X} when {Aing} {O} ?", "Why do I get {X} {inL} ?",
        "{X} error {Aing} {O} {T}", "{E} throws {X} {inL}", "{X} with {E} {A} {O}",
        "Unexpected {X} in {E} {inL}", "{E} {X} after {Aing} {O}",
    ],
    "versus": [
        "{E} vs {E2}", "{E} vs {E2} {inL}", "Difference between {E} and {E2} {inL}",
        "What is the difference between {E} and {E2} ?",
        "{E} or {E2} : which is better for {Aing} {O} ?",
        "When to use {E} instead of {E2} {inL} ?", "{E} versus {E2} for {Aing} {O}",
        "{E} vs {E2} performance {inL}", "Should I use {E} or {E2} to {A} {O} ?",
    ],
}
# The literal words of the templates ("how", "best", "trying", ...): everyday words that the
# background's English sentences use too, so their vectors are not only about questions.
TEMPLATE_WORDS = sorted({word.lower() for text in [*OPENERS, *(t for ts in TEMPLATES.values() for t in ts)]
                         for word in text.split() if word.isalpha()})
KINDS = ("howto", "problem", "error", "versus")
KIND_WEIGHTS = [0.62, 0.18, 0.14, 0.06]
TOPIC_PREPOSITIONS = ["in", "in", "in", "using", "with", "for", "on"]
FUNCTION_WORDS = frozenset(
    "a an the to in of for with on by is it my i do how can what why when and or from into using "
    "you would should there way any need want be it's its this that at as if not".split())
GLUE = ["the", "a", "to", "and", "of", "is", "in", "it", "that", "for", "on", "with", "was",
        "be", "so", "but", "not", "just", "all", "this", "do", "like", "can", "get", "one"]
SMALL_WORDS = frozenset("a an the to in of for with on by and or vs from into at as".split())
TOKEN_RE = re.compile(r"[a-z0-9_#+]+")
CASED_TOKEN_RE = re.compile(r"[A-Za-z0-9_#+]+")


@dataclass(frozen=True)
class Intent:
    """What a question asks; its fields index the lexicon (``-1``: absent)."""

    kind: str
    topic: int
    action: int
    obj: int
    plural: bool
    modifier: int
    preposition: int
    target: int
    entity: int
    entity2: int
    error: int
    problem: int
    domain: int
    details: tuple[int, ...] = ()

    @property
    def key(self) -> tuple:
        """Intents with the same key ask the same thing."""
        return (self.kind, self.topic, self.action, self.obj, self.entity,
                self.error if self.kind == "error" else -1, self.domain, self.details)


# How far paraphrases are written: synonym rate and drop rate of optional parts.
FAR_SYNONYM_RATE = 0.8
FAR_DROP_RATE = 0.8
# Share of far paraphrases allowed to say nothing the question says (no object, action, library,
# topic, error, ... in common: "Why do I get a TypeError?" for "How to sort a list"); the others
# are rewritten (up to FAR_TRIES times) until they share something.
UNRELATED_FAR_SHARE = 0.3
FAR_TRIES = 5
# Share of intents with 0, 1, 2 and 3 detail words (running sums).
DETAIL_COUNT_CUM = (0.1, 0.4, 0.8, 1.0)
# The fields a sibling (a similar question, not a duplicate) may share, and how often each:
# mostly what it does, less often what it is about.
SIBLING_KEEP = {"kind": 0.8, "action": 0.8, "obj": 0.8, "domain": 0.5, "details": 0.2,
                "entity": 0.7, "modifier": 0.6}
# Share of the background's cased sentences in title case, as a quarter of the titles are.
TITLE_CASE_SHARE = 0.7
# Made-up API names per topic ("getOrderItems()"), after the lexicon's libraries in popularity.
API_NAMES = 100
ENTITY_ZIPF = 0.7  # how unequal the libraries and APIs of a topic are in popularity (Zipf exponent)
CAMEL_TOPICS = frozenset({"java", "csharp", "android", "ios"})
COMPANIONS = 6  # everyday words that keep company with one lexicon group in the background text


def _zipf_weights(n: int, exponent: float) -> list[float]:
    return [1.0 / rank ** exponent for rank in range(1, n + 1)]


def _boosted(weights: list[float], rand: Rand, count: int, factor: float) -> list[float]:
    """``weights`` with ``count`` random entries multiplied by ``factor``."""
    boosted = list(weights)
    for _ in range(count):
        boosted[rand.below(len(boosted))] *= factor
    return boosted


class World:
    """What goes with what: the topics' favourite objects, the objects' favourite actions, the
    topics' APIs. Drawn once per seed and shared by every ``TitleMaker`` of a data set, so the
    background text and the questions talk about the world in the same way."""

    def __init__(self, rand: Rand):
        self.topic_keys = list(TOPICS)
        self.topics = list(TOPICS.values())
        self.topic_cum = zipf_cumulative(len(self.topics), 0.8)
        object_weights = _zipf_weights(len(OBJECTS), 0.7)
        action_weights = _zipf_weights(len(ACTIONS), 0.7)
        domain_weights = _zipf_weights(len(DOMAINS), 0.7)
        # each topic has favourite objects and domains, each object favourite actions
        objects_of_topic = [_boosted(object_weights, rand, 10, 4.0) for _ in self.topics]
        actions_of_object = [_boosted(action_weights, rand, 6, 10.0) for _ in OBJECTS]
        self.object_cum = [list(accumulate(weights)) for weights in objects_of_topic]
        self.action_cum = [list(accumulate(weights)) for weights in actions_of_object]
        self.domain_cum = [list(accumulate(_boosted(domain_weights, rand, 25, 6.0)))
                           for _ in self.topics]
        # the other way round, for background paragraphs about one action
        self.objects_of_action_cum = [
            list(accumulate(object_weights[o] * actions_of_object[o][a] / sum(actions_of_object[o])
                            for o in range(len(OBJECTS))))
            for a in range(len(ACTIONS))]
        self.action_global_cum = list(accumulate(action_weights))
        self.target_cum = list(accumulate(object_weights))
        self.modifier_cum = zipf_cumulative(len(MODIFIERS), 0.8)
        self.error_cum = zipf_cumulative(len(ERRORS), 0.8)
        # the lexicon's entities first, then made-up API names (rarer, unknown to the vectors)
        self.entities = [list(topic["entities"]) for topic in self.topics]
        self.known_entities = [len(entities) for entities in self.entities]
        for key, entities in zip(self.topic_keys, self.entities):
            for _ in range(API_NAMES):
                name = self._api_name(key in CAMEL_TOPICS, rand)
                if name not in entities:
                    entities.append(name)
        self.entity_cum = [zipf_cumulative(len(entities), ENTITY_ZIPF)
                           for entities in self.entities]
        # names the vectors lack (as GoogleNews lacks "listview", "groupby" and "TypeError"),
        # but not everyday English words ("list", "get")
        names = [entity for topic in self.topics for entity in topic["entities"]] + ERRORS
        self.unknown_words = frozenset(
            token for name in names for token in TOKEN_RE.findall(name.lower())
            if len(token) > 2 and token not in FUNCTION_WORDS and token not in everyday_words())
        # every action, object, modifier and domain has its own company in the background text
        pool = sorted({word for cluster in ENGLISH_CLUSTERS for word in cluster})
        self.companions = {
            (kind, index): [rand.choice(pool) for _ in range(COMPANIONS)]
            for kind, size in (("A", len(ACTIONS)), ("O", len(OBJECTS)),
                               ("M", len(MODIFIERS)), ("D", len(DOMAINS)))
            for index in range(size)}
        self.modifier_global_cum = self.modifier_cum
        self.domain_global_cum = list(accumulate(domain_weights))
        # what a question is about, beyond its object: real English words at real frequencies
        self.details, self.detail_cum = content_words()

    def detail(self, rand: Rand) -> int:
        """An index into ``details`` drawn with the words' real frequencies."""
        return rand.weighted(self.detail_cum)

    @staticmethod
    def _api_name(camel: bool, rand: Rand) -> str:
        """A made-up API name: ``UserListAdapter``, ``getOrderItems()``, ``load_user_config``."""
        domain = rand.choice(DOMAINS)
        noun = rand.choice(rand.choice(OBJECTS))[0].replace(" ", "")
        if camel and rand.chance(0.6):
            return domain.capitalize() + noun.capitalize() + rand.choice(API_SUFFIXES)
        verb = rand.choice(API_VERBS)
        if rand.chance(0.5):
            return verb + domain.capitalize() + noun.capitalize() + ("()" if rand.chance(0.5) else "")
        return f"{verb}_{domain}_{noun}"


class TitleMaker:
    """Draws intents and writes their paraphrases with the knobs' rates."""

    def __init__(self, knobs: Knobs, world: World, rand: Rand, background: bool = False):
        self.knobs = knobs
        self.world = world
        self.rand = rand
        self.background = background
        self.kind_cum = [sum(KIND_WEIGHTS[:i + 1]) for i in range(len(KINDS))]
        self.far = False  # writing a far paraphrase (see ``title``)
        self.expressed: set[tuple[str, int]] = set()  # what the last title said: (field, value)
        self.foreign: dict[int, list] = self._second_senses() if background else {}

    def _second_senses(self) -> dict[int, list]:
        """Give every synonym (not a group's usual word) a second sense: another group of its kind.

        Returns ``id(group) -> words borrowed by that group``. The borrowing makes a synonym's
        background contexts differ from its group's, so pretrained vectors see synonyms as only
        partly alike, while the training pairs show that they mean the same.
        """
        foreign: dict[int, list] = {}
        for groups in (ACTIONS, OBJECTS, MODIFIERS, PROBLEMS):
            for index, group in enumerate(groups):
                for word in group[1:]:
                    other = self.rand.below(len(groups) - 1)
                    host = groups[other + (other >= index)]
                    foreign.setdefault(id(host), []).append(word)
        return foreign

    # -- intents -----------------------------------------------------------------------------
    def intent(self, topic: int | None = None) -> Intent:
        """A question's intent, on ``topic`` when given."""
        rand, world = self.rand, self.world
        kind = KINDS[rand.weighted(self.kind_cum)]
        topic = rand.weighted(world.topic_cum) if topic is None else topic
        entity = rand.weighted(world.entity_cum[topic])
        has_entity = kind != "howto" or rand.chance(0.7)
        entity2 = rand.weighted(world.entity_cum[topic]) if kind == "versus" else -1
        if entity2 == entity:
            entity2 = (entity + 1) % len(world.entities[topic])
        obj = rand.weighted(world.object_cum[topic])
        has_target = rand.chance(0.35)
        details = tuple(world.detail(rand) for _ in range(rand.weighted(DETAIL_COUNT_CUM)))
        return Intent(
            kind=kind, topic=topic, action=rand.weighted(world.action_cum[obj]), obj=obj,
            plural=rand.chance(0.3),
            modifier=rand.weighted(world.modifier_cum) if rand.chance(0.4) else -1,
            preposition=rand.below(len(PREPOSITIONS)) if has_target else -1,
            target=rand.weighted(world.target_cum) if has_target else -1,
            entity=entity if has_entity else -1, entity2=entity2,
            error=rand.weighted(world.error_cum), problem=rand.below(len(PROBLEMS)),
            domain=rand.weighted(world.domain_cum[topic]) if rand.chance(0.75) else -1,
            details=details)

    def sibling(self, intent: Intent) -> Intent:
        """An intent on ``intent``'s topic sharing some of its other fields (each with
        ``SIBLING_KEEP``), but not all: a similar question that is not a duplicate."""
        fresh = self.intent(intent.topic)
        kept = {name: getattr(intent, name) for name, keep in SIBLING_KEEP.items()
                if self.rand.chance(keep)}
        if len(kept) == len(SIBLING_KEEP):
            del kept[list(SIBLING_KEEP)[self.rand.below(len(SIBLING_KEEP))]]
        if "obj" in kept or "action" in kept:  # an action fits its object
            kept["action"], kept["obj"] = kept.get("action", fresh.action), kept.get("obj", fresh.obj)
        if kept.get("kind", fresh.kind) == "versus" and fresh.entity2 < 0:
            kept["kind"] = "howto"
        return replace(fresh, **kept)

    # -- surface forms -----------------------------------------------------------------------
    def _synonym(self, group: list):
        """The group's usual word, or with ``synonym_rate`` one of its synonyms.

        In background text, a group's word is drawn from the group itself with
        ``synonym_strength``, else from the words whose second sense is this group.
        """
        if self.background:
            foreign = self.foreign.get(id(group))
            if foreign and not self.rand.chance(self.knobs.synonym_strength):
                return self.rand.choice(foreign)
            if self.rand.chance(0.5):
                return group[0]
            return self.rand.choice(group)
        rate = FAR_SYNONYM_RATE if self.far else self.knobs.synonym_rate
        if len(group) > 1 and self.rand.chance(rate):
            return group[1 + self.rand.below(len(group) - 1)]
        return group[0]

    @property
    def drop_rate(self) -> float:
        return max(self.knobs.drop_rate, FAR_DROP_RATE) if self.far else self.knobs.drop_rate

    def _object_phrase(self, obj: int, plural: bool, modifier: int, domain: int = -1,
                       determiner: bool = True, details: tuple[int, ...] = ()
                       ) -> list[tuple[str, bool]]:
        """``[determiner] [modifier] [domain] [details] object``: "the empty user tables"."""
        rand, drop = self.rand, self.drop_rate
        words: list[tuple[str, bool]] = []
        if determiner and rand.chance(0.45):
            words.append((rand.choice(("the", "all")) if plural else rand.choice(("a", "the")), False))
        if modifier >= 0 and not rand.chance(drop / 2):
            words.append((self._synonym(MODIFIERS[modifier]), False))
            self.expressed.add(("modifier", modifier))
        if domain >= 0 and not rand.chance(drop / 4):
            words.append((DOMAINS[domain], False))
            self.expressed.add(("domain", domain))
        for detail in details:
            if not rand.chance(drop):
                words.append((self.world.details[detail], False))
                self.expressed.add(("detail", detail))
        if rand.chance(0.1):
            plural = not plural
        words.append((self._synonym(OBJECTS[obj])[1 if plural else 0], False))
        self.expressed.add(("object", obj))
        return words

    def _topic_name(self, topic: int) -> str:
        self.expressed.add(("topic", topic))
        name = self._synonym(self.world.topics[topic]["names"])
        versions = VERSIONS.get(self.world.topic_keys[topic])
        if versions and self.rand.chance(0.06):
            name = f"{name} {self.rand.choice(versions)}"
        return name

    def _entity(self, intent: Intent, which: int) -> str:
        if which < 0:
            return self._topic_name(intent.topic)
        if self.background and which >= self.world.known_entities[intent.topic]:
            which = self.rand.below(self.world.known_entities[intent.topic])
        self.expressed.add(("entity", which))
        return self.world.entities[intent.topic][which]

    def _fill(self, slot: str, intent: Intent) -> list[tuple[str, bool]]:
        """Words for one template slot as ``(word, keeps_its_case)``."""
        rand = self.rand
        if slot == "how":
            return [(word, False) for word in self._synonym(OPENERS).split()]
        if slot in ("A", "Aing", "Aed"):
            self.expressed.add(("action", intent.action))
            forms = self._synonym(ACTIONS[intent.action])
            return [(forms[("A", "Aing", "Aed").index(slot)], False)]
        if slot in ("O", "Obare"):
            return self._object_phrase(intent.obj, intent.plural, intent.modifier, intent.domain,
                                       determiner=slot == "O", details=intent.details)
        if slot == "T":
            if intent.target < 0 or rand.chance(self.drop_rate):
                return []
            return [(PREPOSITIONS[intent.preposition], False),
                    *self._object_phrase(intent.target, rand.chance(0.3), -1)]
        if slot == "inL":
            if rand.chance(self.drop_rate):
                return []
            if rand.chance(0.1):
                return [(f"({self._topic_name(intent.topic)})", True)]
            return [(rand.choice(TOPIC_PREPOSITIONS), False), (self._topic_name(intent.topic), True)]
        if slot == "L":
            return [(self._topic_name(intent.topic), True)]
        if slot in ("E", "E2"):
            return [(self._entity(intent, intent.entity if slot == "E" else intent.entity2), True)]
        if slot == "P":
            self.expressed.add(("problem", intent.problem))
            return [(word, False) for word in self._synonym(PROBLEMS[intent.problem]).split()]
        if slot == "X":
            self.expressed.add(("error", intent.error))
            error = ERRORS[intent.error]
            if not self.background and rand.chance(0.25):
                error = f'"{error}"'
            return [(error, True)]
        if slot == "C":
            return [(word, False) for word in rand.choice(CONTEXT).split()]
        raise ValueError(f"unknown template slot {slot!r}")

    def _words(self, intent: Intent) -> list[tuple[str, bool]]:
        """The template filled in: words with their case flags; ``?`` and ``:`` as separate items."""
        kind = intent.kind
        if self.far and kind != "versus":  # "X not working" for "how to X", and the like
            kind = KINDS[self.rand.below(3)]
        template = TEMPLATES[kind][self.rand.below(len(TEMPLATES[kind]))]
        words: list[tuple[str, bool]] = []
        for part in template.split():
            if part.startswith("{"):
                words.extend(self._fill(part[1:-1], intent))
            else:
                words.append((part, False))
        if "{C}" not in template and self.rand.chance(self.knobs.context_rate):
            at = len(words) - (1 if words[-1][0] == "?" else 0)
            words[at:at] = [(word, False) for word in self.rand.choice(CONTEXT).split()]
        return words

    # -- titles ------------------------------------------------------------------------------
    def duplicate(self, intent: Intent, question: frozenset[tuple[str, int]]) -> str:
        """A duplicate of a question on ``intent`` that said ``question`` (its ``expressed``):
        with ``loose_rate`` a question on another intent (duplicates whose titles say nothing of
        it), with ``far_rate`` a far paraphrase (sharing something with the question but for
        ``UNRELATED_FAR_SHARE`` of them), else a paraphrase."""
        if self.rand.chance(self.knobs.loose_rate):
            return self.title(self.intent())
        if not self.rand.chance(self.knobs.far_rate):
            return self.title(intent)
        unrelated = self.rand.chance(UNRELATED_FAR_SHARE)
        for _ in range(FAR_TRIES):
            title = self.title(intent, far=True)
            if unrelated or self.expressed & question:
                break
        return title

    def title(self, intent: Intent, far: bool = False) -> str:
        """One paraphrase of ``intent`` as a StackOverflow-like title.

        ``far``: written another way: the template of another kind of question, synonyms
        (``FAR_SYNONYM_RATE``), and optional parts left out (``FAR_DROP_RATE``)."""
        rand, knobs = self.rand, self.knobs
        self.far = far
        self.expressed = set()
        try:
            words = self._words(intent)
        finally:
            self.far = False
        # words the vectors lack
        for i, (word, fixed) in enumerate(words):
            if len(word) < 3 or not word.isalpha() or word.lower() in FUNCTION_WORDS:
                continue
            if fixed:  # names are only mistyped: "jqeury", "Pyhton"
                if rand.chance(knobs.oov_rate / 2):
                    words[i] = (usual(typo, word, rand), fixed)
            elif rand.chance(knobs.oov_rate):
                other = next((w for w, _ in words[i + 1:] if w.isalpha() and len(w) > 2
                              and w.lower() not in FUNCTION_WORDS),
                             rand.choice(OBJECTS[rand.below(len(OBJECTS))])[0])
                words[i] = (oov_variant(word, other.lower(), rand), fixed)
        # casing: all lower-case (8%), sentence case or title case (25%)
        style = rand.random()
        out: list[str] = []
        for i, (word, fixed) in enumerate(words):
            if style < 0.08:
                word = word.lower()
            elif not fixed and (i == 0 or (style > 0.75 and word not in SMALL_WORDS)):
                word = word[:1].upper() + word[1:]
            out.append(word)
        # punctuation
        text: list[str] = []
        for word in out:
            if word == "?":
                if text and rand.chance(0.85):
                    text[-1] += "??" if rand.chance(0.03) else "?"
            elif word == ":" and text:
                text[-1] += ":"
            else:
                text.append(word)
        if text and not text[-1].endswith("?") and rand.chance(0.04):
            text[-1] += rand.choice(("...", "!", "."))
        return " ".join(text)

    def paragraph(self) -> list[str]:
        """Background text about one action, object or topic: a few short clauses around it.

        Words that mean the same (a group's synonyms) meet the same neighbours here, and
        different groups meet different ones, which is what the vectors learn from.
        """
        rand, world = self.rand, self.world
        focus = rand.random()
        clauses: list[list[str]] = []
        if focus < 0.4:
            action = rand.weighted(world.action_global_cum)
            for _ in range(2 + rand.below(3)):
                obj = rand.weighted(world.objects_of_action_cum[action])
                clauses.append([self._synonym(ACTIONS[action])[rand.below(2)],
                                self._synonym(OBJECTS[obj])[rand.below(2)]])
        elif focus < 0.75:
            topic = rand.weighted(world.topic_cum)
            obj = rand.weighted(world.object_cum[topic])
            for _ in range(2 + rand.below(3)):
                action = rand.weighted(world.action_cum[obj])
                clause = [self._synonym(ACTIONS[action])[rand.below(2)],
                          self._synonym(OBJECTS[obj])[rand.below(2)]]
                if rand.chance(0.3):
                    clause.insert(1, DOMAINS[rand.weighted(world.domain_cum[topic])])
                clauses.append(clause)
        else:
            topic = rand.weighted(world.topic_cum)
            for _ in range(2 + rand.below(3)):
                entity = rand.below(world.known_entities[topic])
                clauses.append([self._topic_name(topic), world.entities[topic][entity],
                                self._synonym(OBJECTS[rand.weighted(world.object_cum[topic])])[0]])
        return TOKEN_RE.findall(" ".join(word for clause in clauses for word in clause).lower())

    def company(self) -> list[str]:
        """Background text pairing one action, object, modifier or domain word with its company.

        A group's synonyms share the group's company (with ``synonym_strength``), so their
        vectors end up close; different groups keep different company, so theirs differ.
        """
        rand, world = self.rand, self.world
        draw = rand.random()
        if draw < 0.3:
            index = rand.weighted(world.action_global_cum)
            word = self._synonym(ACTIONS[index])[rand.below(3)]
            kind = "A"
        elif draw < 0.6:
            index = rand.weighted(world.target_cum)
            word = self._synonym(OBJECTS[index])[rand.below(2)]
            kind = "O"
        elif draw < 0.7:
            index = rand.weighted(world.modifier_global_cum)
            word = self._synonym(MODIFIERS[index])
            kind = "M"
        else:
            index = rand.weighted(world.domain_global_cum)
            word = DOMAINS[index]
            kind = "D"
        company = world.companions[kind, index]
        words = [word, *(rand.choice(company) for _ in range(3 + rand.below(3))),
                 *(rand.choice(GLUE) for _ in range(rand.below(3)))]
        for i in range(len(words) - 1, 0, -1):  # shuffle
            j = rand.below(i + 1)
            words[i], words[j] = words[j], words[i]
        return TOKEN_RE.findall(" ".join(words).lower())

    def sentence(self, intent: Intent, cased: bool = False) -> list[str]:
        """A background sentence about ``intent``: words without punctuation or noise, lower-case,
        or (``cased``) with names in their usual case and the first word capitalised (every word
        but the small ones in ``TITLE_CASE_SHARE`` of them)."""
        text = " ".join(word for word, _ in self._words(intent))
        if not cased:
            return TOKEN_RE.findall(text.lower())
        tokens = CASED_TOKEN_RE.findall(text)
        title_case = self.rand.chance(TITLE_CASE_SHARE)  # as headlines are written
        for i, token in enumerate(tokens):
            if i == 0 or (title_case and token not in SMALL_WORDS):
                tokens[i] = token[:1].upper() + token[1:]
        return tokens
