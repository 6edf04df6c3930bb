"""Text made to be expensive costs a bounded amount of work: a command of 500 characters of near
misses compares a bounded number of word pairs with difflib, a search of a hundred distinct
prefixes looks for a bounded number of words, and the cache of what was read holds a bounded
text per entry however long the texts sent. (Bounds, not timings: bench/crafted_text.py measures
the time.)"""

from __future__ import annotations

import difflib
import gc
import random
import tracemalloc
from collections.abc import Iterator
from datetime import date

import pytest

from bot import commands
from bot.answers import core, lookup
from bot.content.library import Library
from bot.content.schema import normalize

# the content subcommands, by kind (their words are phrases)
Search = commands.content("Search")


def vocabulary(library: Library) -> list[str]:
    """Every word of every name of every topic, in every language."""
    found = {
        word
        for lang in library.languages
        for topic in library.for_lang(lang).topics
        for name in topic.names()
        for word in normalize(name).split()
    }
    return sorted(found)


def near_misses(library: Library, length: int = 500, seed: int = 1) -> str:
    """Words of the topics' names with one letter changed, up to ``length`` characters: each is
    close to a real word, so none is told apart by its length alone."""
    rnd = random.Random(seed)
    words = [w for w in vocabulary(library) if len(w) >= 6]
    out: list[str] = []
    while len(" ".join(out)) < length:
        word = rnd.choice(words)
        i = rnd.randrange(len(word))
        out.append(word[:i] + rnd.choice("qxz") + word[i + 1 :])
    return " ".join(out)[:length]


def prefixes(library: Library, count: int = 124) -> str:
    """``search`` and ``count`` distinct prefixes of words of the summaries."""
    words = sorted({w for tp in library.topics for w in normalize(tp.summary).split()})
    found = list(dict.fromkeys(w[: 3 + i % 3] for i, w in enumerate(words) if len(w) > 5))
    return "search " + " ".join(found[:count])


class Comparisons:
    """Every full comparison difflib makes (``ratio``), with the lengths it compared."""

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []


@pytest.fixture
def comparisons(monkeypatch: pytest.MonkeyPatch) -> Iterator[Comparisons]:
    seen = Comparisons()
    full = difflib.SequenceMatcher.ratio

    def counted(self: difflib.SequenceMatcher[str]) -> float:
        seen.sizes.append((len(self.a), len(self.b)))
        return full(self)

    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", counted)
    yield seen


@pytest.mark.parametrize("lang", ["en", "fr", "zh"])
def test_a_long_text_of_near_misses_is_compared_a_bounded_number_of_times(
    library: Library, comparisons: Comparisons, lang: str
) -> None:
    crafted = near_misses(library)
    assert len(crafted) == 500 and len(set(crafted.split())) > 40
    lib = library.for_lang(lang)
    reply = core.reply_to(commands.read(crafted), lib, date(2026, 1, 5), lang, calendar_url=None)
    assert reply.text  # answered ("I don't know a topic…", with suggestions or not)
    names = [n for tp in lib.topics for n in tp.names()]
    words = {w for n in names for w in normalize(n).split()}
    # each considered word against each distinct word of the names, and the text against each
    # name, at most
    assert len(comparisons.sizes) <= lookup.MAX_WORDS * len(words) + len(names)
    # and what is compared is short: a word, or the considered part of the text
    assert max(a for a, _ in comparisons.sizes) <= lookup.MAX_WORDS * (lookup.MAX_WORD + 1)


def test_a_typo_is_still_suggested(library: Library, comparisons: Comparisons) -> None:
    found = lookup.find_topic(library, "bletchly")
    assert [tp.id for tp in found.suggestions][:1] == ["bletchley"]
    found = lookup.find_topic(library, "the declaraton of bletchly park on ai safety")
    assert "bletchley" in [tp.id for tp in found.suggestions]


def test_a_search_looks_for_a_bounded_number_of_words(library: Library) -> None:
    crafted = prefixes(library)
    parsed = commands.read(crafted)
    assert isinstance(parsed.command, Search)
    asked = lookup.terms(parsed.command.query)
    assert len(asked) == lookup.MAX_WORDS
    assert all(len(term) <= lookup.MAX_WORD for term in asked)
    long_words = " ".join(f"{n}" + "x" * 60 for n in range(5))
    assert [len(t) for t in lookup.terms(long_words)] == [lookup.MAX_WORD] * 5
    common = lookup.common_words(" ".join(sorted(lookup.STOPWORDS)))
    assert len(common) == lookup.MAX_WORDS


def test_a_search_of_a_few_words_finds_what_it_found(library: Library) -> None:
    hits = lookup.search_all(library, "frontier risks")
    assert hits and "Bletchley" in hits[0].topic.title  # type: ignore[union-attr]
    assert lookup.terms("the frontier risks of AI") == ["frontier", "risks", "ai"]


def test_what_was_read_is_remembered_without_the_whole_text() -> None:
    """600 distinct 1 MB commands kept 585 MB: each is cut to the longest text that can matter
    before it keys the cache."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(40):
            commands.read(f"bletchley {n} " + "x" * 200_000)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 40 * 4 * commands.MAX_INPUT + 200_000  # 8 MB of text sent
    assert commands.read("bletchley lang:fr" + " " * 600 + "x") == commands.read(
        "bletchley lang:fr"
    )
