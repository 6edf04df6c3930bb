"""Finding topics by name and searching the library. Pure functions over a Library."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.content.library import Library
from bot.content.schema import Development, Summit, Topic, normalize

# Words too common to search for, per language. Words that mean something in another of the
# languages are left out: French "un" is the UN, "ai" is AI, "us" is the US.
STOPWORDS_BY_LANG: dict[str, frozenset[str]] = {
    "en": frozenset(
        "a an and the of on in to for by with at is are was were be been it its this that these "
        "those as from or not but what which who about into than".split()
    ),
    "fr": frozenset(
        "le la les l de des du d et au aux en un une sur pour par dans que qui quoi est ou ne pas "
        "ce cette ces son sa ses leur leurs avec entre".split()
    ),
    "zh": frozenset("的 了 和 与 及 是 在 也 都 而 或 对 等 之 其".split()),
}
STOPWORDS = frozenset().union(*STOPWORDS_BY_LANG.values())


PREFIX_LETTERS = 3  # a typed word this long or longer also matches the words it starts

# What of a typed text is looked at, whatever its length (a command is at most 500 characters,
# bot.commands.MAX_INPUT): its first MAX_WORDS distinct words, each cut to MAX_WORD characters.
# A name or a search is a few words; 500 characters of near misses would otherwise cost a
# fuzzy comparison of every word with every word of every name (difflib, about 0.1 s).
MAX_WORDS = 10
MAX_WORD = 32
FUZZY = 0.75  # how close a typed word must be to a word of a name to suggest that name
CLOSE = 0.6  # how close the whole text must be to a whole name to suggest it


def considered(words: Iterable[str]) -> list[str]:
    """The words of a text that are looked at: the first MAX_WORDS distinct ones, each cut to
    MAX_WORD characters."""
    found: dict[str, None] = {}
    for word in words:
        found.setdefault(word[:MAX_WORD])
        if len(found) == MAX_WORDS:
            break
    return list(found)


def word_match(typed: str, word: str) -> bool:
    """The one match rule of names and searches: a typed word matches a word whole, or as its
    start when it is three or more letters long ("bletch" finds "bletchley", "ai" only "ai")."""
    return word == typed or (len(typed) >= PREFIX_LETTERS and word.startswith(typed))


@dataclass(frozen=True)
class Found:
    """Result of a topic lookup: the topic, or suggestions when nothing matched exactly."""

    topic: Topic | None
    suggestions: tuple[Topic, ...] = ()


def find_topic(library: Library, query: str, *, suggest: bool = True) -> Found:
    """Find a topic by id, title or alias, case-insensitively; suggest close names otherwise
    (``suggest``: look for them, the costly part)."""
    key = normalize(query)
    if not key:
        return Found(None)
    names: list[tuple[str, Topic]] = [(normalize(n), t) for t in library.topics for n in t.names()]
    for name, topic in names:
        if key == name:
            return Found(topic)
    # All the query's words start words of exactly one topic's names: "bletchley decl", "middle".
    words = considered(w for w in key.split() if w not in STOPWORDS) or considered(key.split())
    hits: dict[str, Topic] = {}
    for name, topic in names:
        name_words = name.split()
        if all(any(word_match(w, nw) for nw in name_words) for w in words):
            hits[topic.id] = topic
    if len(hits) == 1:
        return Found(next(iter(hits.values())))
    if not suggest:
        return Found(None)
    # A typo: suggest topics whose names are close (never more than three).
    by_name = {name: topic for name, topic in names}
    close = difflib.get_close_matches(key[: MAX_WORDS * (MAX_WORD + 1)], list(by_name), 6, CLOSE)
    # also compare word by word, for one misspelt word in a longer name ("bletchly"): each
    # considered word with each distinct word of the names, once
    vocabulary = {nw for name, _topic in names for nw in name.split()}
    near = _close_words(words, vocabulary)
    for w in words:
        close += [name for name, _topic in names if not near[w].isdisjoint(name.split())]
    suggestions: dict[str, Topic] = dict(hits)
    for name in close:
        topic = by_name[name]
        suggestions.setdefault(topic.id, topic)
    return Found(None, tuple(suggestions.values())[:3])


# What a name leads to: ("topic", id), ("event", id) or ("series", id)
Target = tuple[str, str]


@dataclass(frozen=True)
class Named:
    """What ``/declaration <name>`` names: a topic, an event, or a series (its id and its
    editions, in the file's order); else the topics suggested (the same as :func:`find_topic`)."""

    topic: Topic | None = None
    event: Summit | None = None
    series: str | None = None
    editions: tuple[Summit, ...] = ()
    suggestions: tuple[Topic, ...] = ()


def _all_names(library: Library) -> list[tuple[str, Target]]:
    """Every name of every topic, event and series, in every language (a reader may type any
    language's name), normalized."""
    names: list[tuple[str, Target]] = []
    for lang in library.languages:
        lib = library.for_lang(lang)
        names += [(normalize(n), ("topic", tp.id)) for tp in lib.topics for n in tp.names()]
        names += [(normalize(n), ("event", ev.id)) for ev in lib.summits for n in ev.names()]
        names += [(normalize(n), ("series", x.id)) for x in lib.series for n in x.names()]
        names += [(normalize(ev.series), ("series", ev.series)) for ev in lib.summits]
    return names


def _named(library: Library, target: Target) -> Named:
    kind, key = target
    if kind == "topic":
        return Named(topic=library.topic(key))
    if kind == "event":
        return Named(event=library.summit(key))
    editions = tuple(library.editions(key))
    if len(editions) == 1:  # a series of one edition is that edition
        return Named(event=editions[0])
    return Named(series=key, editions=editions)


def find(
    library: Library, query: str, *, events_first: bool = False, suggest: bool = True
) -> Named:
    """A topic, an event or a series by one of its names (in any language), case-insensitively;
    else by the start of its names' words when that leads to exactly one ("waic 2026", "seoul
    summ"; a series and its own editions count as the series; ``events_first``: events and
    series before topics, for a question about dates); else :func:`find_topic`'s answer (its
    suggestions are topics; ``suggest``: look for them)."""
    key = normalize(query)
    if not key:
        return Named()
    names = _all_names(library)
    for name, target in names:
        if key == name:
            return _named(library, target)
    words = considered(w for w in key.split() if w not in STOPWORDS) or considered(key.split())
    hits: dict[Target, None] = {}
    for name, target in names:
        name_words = name.split()
        if all(any(word_match(w, nw) for nw in name_words) for w in words):
            hits[target] = None
    left = _one_of_a_series(library, list(hits))
    if events_first and len(left) > 1:
        events = [h for h in left if h[0] != "topic"]
        if len(events) > 1:  # several events: none is the one asked about
            return Named()
        left = events or left
    if len(left) == 1:
        return _named(library, left[0])
    found = find_topic(library, query, suggest=suggest)
    return Named(topic=found.topic, suggestions=found.suggestions)


def _one_of_a_series(library: Library, hits: list[Target]) -> list[Target]:
    """A series found with its editions is the series ("world ai conf"), unless only one of its
    editions is found with it: then that edition ("seoul summ")."""
    series_of = {s.id: s.series for s in library.summits}
    left = list(hits)
    for kind, sid in hits:
        if kind != "series":
            continue
        editions = [h for h in hits if h[0] == "event" and series_of.get(h[1]) == sid]
        drop = [("series", sid)] if len(editions) == 1 else editions
        left = [h for h in left if h not in drop]
    return left


def _close_words(typed: list[str], vocabulary: set[str]) -> dict[str, set[str]]:
    """For each typed word, the words of ``vocabulary`` difflib finds at least FUZZY alike to
    it. Each pair once, difflib's upper bounds first: most pairs are told apart by their lengths
    (or their letters) alone, and each vocabulary word is indexed once."""
    near: dict[str, set[str]] = {w: set() for w in typed}
    for word in vocabulary:
        matcher: difflib.SequenceMatcher[str] | None = None
        for w in typed:
            if 2.0 * min(len(w), len(word)) / (len(w) + len(word)) < FUZZY:  # real_quick_ratio
                continue
            if matcher is None:
                matcher = difflib.SequenceMatcher(None, "", word)
            matcher.set_seq1(w)
            if matcher.quick_ratio() >= FUZZY and matcher.ratio() >= FUZZY:
                near[w].add(word)
    return near


@dataclass(frozen=True)
class Hit:
    topic: Topic
    score: float
    snippet: str  # plain content text (not yet escaped) containing the best match


_WORD = re.compile(r"\w+", re.UNICODE)


def terms(query: str) -> list[str]:
    """The words a search looks for (see :func:`considered`), common words left out."""
    return considered(w for w in normalize(query).split() if w not in STOPWORDS)


def common_words(query: str) -> list[str]:
    """The words of a query left out of a search because they are too common ("the", "de")."""
    return considered(w for w in normalize(query).split() if w in STOPWORDS)


CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def needle(term: str) -> str:
    """What a search term is looked for as, with ``in`` or ``str.count``, in a text's words joined
    by two spaces (:func:`spaced`): a Chinese or Japanese term anywhere (those scripts are
    written without spaces), a term of three letters or more at the start of a word, a shorter
    one as a whole word (:func:`word_match`)."""
    if CJK.search(term):
        return term
    return f" {term}" if len(term) >= PREFIX_LETTERS else f" {term} "


@lru_cache(maxsize=16384)  # the content's texts, in each language: searched again and again
def spaced(text: str) -> str:
    """A text's normalized words with two spaces before, between and after them: each word has
    spaces of its own on both sides, so that ``str.count`` finds each match of a
    :func:`needle` once, at C speed."""
    return "  " + "  ".join(normalize(text).split()) + "  "


def search(library: Library, query: str, limit: int = 5) -> list[Hit]:
    """Rank topics by how well their titles, summaries, key points and dates match the words."""
    words = terms(query)
    if not words:
        return []
    hits: list[Hit] = []
    for topic in library.topics:
        score = _score(
            [
                (4.0, [topic.title, *topic.aliases]),
                (2.0, [topic.short]),
                (1.0, [topic.summary, *topic.key_points]),
                (1.0, [d.event for d in topic.key_dates] + list(topic.caveats)),
                (0.5, [s.title for s in topic.sources]),
            ],
            words,
        )
        if score:
            hits.append(Hit(topic, score, _best_snippet(topic, words)))
    hits.sort(key=lambda h: (-h.score, h.topic.title))
    return hits[:limit]


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?;])\s+|(?<=[。！？；])", text)
    return [p.strip() for p in parts if p.strip()]


def _best_snippet(topic: Topic, terms: list[str]) -> str:
    candidates = [*_sentences(topic.summary), *topic.key_points]
    candidates += [d.event for d in topic.key_dates]
    candidates += [topic.short]
    return _most_terms(candidates, topic.short, terms)


def _most_terms(texts: list[str], default: str, terms: list[str]) -> str:
    """The first of ``texts`` matching the most distinct terms; ``default`` if none matches."""
    best, best_score = default, 0
    needles = [needle(t) for t in terms]
    for text in texts:
        text_spaced = spaced(text)
        distinct = sum(1 for found_as in needles if found_as in text_spaced)
        if distinct > best_score:
            best, best_score = text, distinct
    return best


# --- developments ------------------------------------------------------------------------------


def developments_of(library: Library, topic_id: str | None = None) -> list[Development]:
    """The library's developments, newest first; only one topic's when ``topic_id`` is given."""
    devs = library.developments
    if topic_id is None:
        return list(devs)
    return [d for d in devs if topic_id in d.topics]


@dataclass(frozen=True)
class DevelopmentHit:
    development: Development
    score: float
    snippet: str  # plain content text (not yet escaped): the sentence that matches best


def _score(fields: list[tuple[float, list[str]]], words: list[str]) -> float:
    score = 0.0
    found: set[str] = set()
    needles = [(term, needle(term)) for term in words]
    for weight, texts in fields:
        for text in texts:
            text_spaced = spaced(text)
            for term, found_as in needles:
                n = text_spaced.count(found_as)
                if n:
                    found.add(term)
                    score += weight * (1 + 0.2 * min(n - 1, 5))
    # an item matching every word beats one matching a single word many times
    return score * (len(found) / len(words)) ** 2 if found else 0.0


def search_developments(library: Library, query: str, limit: int = 5) -> list[DevelopmentHit]:
    """Rank developments by how well their titles and summaries match the words."""
    words = terms(query)
    if not words:
        return []
    hits: list[DevelopmentHit] = []
    for dev in library.developments:
        score = _score(
            [
                (4.0, [dev.title]),  # a headline weighs as much as a topic title
                (1.0, [dev.summary]),
                (0.5, [s.title for s in dev.sources]),
            ],
            words,
        )
        if score:
            hits.append(DevelopmentHit(dev, score, _best_sentence(dev.summary, dev.title, words)))
    hits.sort(key=lambda h: (-h.score, -h.development.date.toordinal(), h.development.title))
    return hits[:limit]


@dataclass(frozen=True)
class EventHit:
    event: Summit
    score: float
    snippet: str  # plain content text (not yet escaped): the sentence that matches best


def search_events(library: Library, query: str, limit: int = 5) -> list[EventHit]:
    """Rank events by how well their names, places, notes and sources match the words (weighed
    as a topic's: a name as a title)."""
    words = terms(query)
    if not words:
        return []
    hits: list[EventHit] = []
    for ev in library.summits:
        score = _score(
            [
                (4.0, [ev.name, *ev.aliases]),
                (2.0, [ev.location]),
                (1.0, [x for x in (ev.summary, ev.note) if x]),
                (0.5, [s.title for s in ev.sources]),
            ],
            words,
        )
        if score:
            text = " ".join(x for x in (ev.summary, ev.note) if x)
            hits.append(EventHit(ev, score, _best_sentence(text, ev.location, words)))
    hits.sort(key=lambda h: (-h.score, h.event.window or (date.max, date.max), h.event.name))
    return hits[:limit]


AnyHit = Hit | EventHit | DevelopmentHit


def search_all(library: Library, query: str, limit: int = 5) -> list[AnyHit]:
    """Topics, events and developments ranked together; at equal score a topic comes first, then
    an event."""
    both: list[tuple[float, int, AnyHit]] = [(h.score, 0, h) for h in search(library, query, limit)]
    both += [(h.score, 1, h) for h in search_events(library, query, limit)]
    both += [(h.score, 2, h) for h in search_developments(library, query, limit)]
    both.sort(key=lambda x: (-x[0], x[1]))
    return [h for _, _, h in both[:limit]]


def _best_sentence(text: str, fallback: str, terms: list[str]) -> str:
    """The sentence of ``text`` matching most terms; the first one if none matches."""
    sentences = _sentences(text) or [fallback]
    return _most_terms(sentences, sentences[0], terms)
