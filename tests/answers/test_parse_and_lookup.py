"""Parsing what users type, finding topics by name, and search."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import commands as c
from bot.answers.lookup import find_topic, search
from bot.content.library import Library

# the content subcommands, by kind (their words are phrases)
ListTopics = c.content("ListTopics")
News = c.content("News")
Search = c.content("Search")
Share = c.content("Share")
Summits = c.content("Summits")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("   ", c.Help()),
        ("help", c.Help()),
        ("HELP", c.Help()),
        ("topics", ListTopics()),
        ("list", ListTopics()),
        ("summits", Summits()),
        ("search  rafah   ceasefire ", Search("rafah ceasefire")),
        ("search", Search("")),
        ("share bletchley", Share("bletchley")),
        ("share", Share("")),
        ("Middle East", c.ShowTopic("Middle East")),
        ("bletchley", c.ShowTopic("bletchley")),
    ],
)
def test_parse(text: str, expected: c.Command) -> None:
    assert c.parse(text) == expected


@given(st.text(max_size=2000))
def test_parse_never_raises_and_bounds_input(text: str) -> None:
    command = c.parse(text)
    for value in vars(command).values():
        assert len(value) <= c.MAX_INPUT


@pytest.mark.parametrize(
    ("query", "topic_id"),
    [
        ("bletchley", "bletchley"),
        ("BLETCHLEY", "bletchley"),
        ("Bletchley Declaration", "bletchley"),
        ("bletchley park", "bletchley"),
        ("middle east", "france-china-middle-east"),
        ("Middle   EAST", "france-china-middle-east"),
        ("gaza", "france-china-middle-east"),
        ("france china", "france-china-ai"),
        ("france-china-ai", "france-china-ai"),
        ("France–China on AI governance", "france-china-ai"),
        ("france china middle east", "france-china-middle-east"),
    ],
)
def test_find_topic_by_id_title_alias(library: Library, query: str, topic_id: str) -> None:
    found = find_topic(library, query)
    assert found.topic is not None and found.topic.id == topic_id


@pytest.mark.parametrize(
    ("typo", "topic_id"),
    [
        ("bletchly", "bletchley"),
        ("midle east", "france-china-middle-east"),
        ("blechley", "bletchley"),
    ],
)
def test_typos_get_suggestions(library: Library, typo: str, topic_id: str) -> None:
    found = find_topic(library, typo)
    assert found.topic is None
    assert topic_id in [t.id for t in found.suggestions]


def test_nonsense_gets_no_topic(library: Library) -> None:
    found = find_topic(library, "quantum banana")
    assert found.topic is None and not found.suggestions


def test_search_ranks_the_relevant_topic_first(library: Library) -> None:
    hits = search(library, "ceasefire rafah")
    assert hits[0].topic.id == "france-china-middle-east"
    assert "afah" in hits[0].snippet or "easefire" in hits[0].snippet
    hits = search(library, "frontier AI risks")
    assert hits[0].topic.id == "bletchley"
    hits = search(library, "personal data")
    assert hits[0].topic.id == "france-china-ai"


def test_search_without_match(library: Library) -> None:
    assert search(library, "zzzz qqqq") == []
    assert search(library, "the of and") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("lang:fr status", c.Parsed(c.Status(), "fr")),
        ("status lang:FR", c.Parsed(c.Status(), "fr")),
        ("bletchley lang:zh", c.Parsed(c.ShowTopic("bletchley"), "zh")),
        ("lang:français  search  ceasefire", c.Parsed(Search("ceasefire"), "fr")),
        ("subscribe lang:fr daily 09:00", c.Parsed(c.Subscribe(("daily", "09:00")), "fr")),
        ("topics lang:xx", c.Parsed(ListTopics(), None, "xx")),
        ("lang: topics", c.Parsed(ListTopics(), None, "")),
        ("lang:fr", c.Parsed(c.Help(), "fr")),
        ("lang:xx lang:zh news", c.Parsed(News(""), "zh")),
    ],
)
def test_read_takes_the_language_out_once(text: str, expected: c.Parsed) -> None:
    assert c.read(text) == expected


_WORDS = st.sampled_from(
    [
        "status",
        "topics",
        "bletchley",
        "search",
        "subscribe",
        "daily",
        "lang:fr",
        "lang:xx",
        "lang:",
        "LANG:zh",
        "news",
        "middle",
        "east",
        "help",
        "lang:english",
    ]
)


@given(st.lists(_WORDS, max_size=8), st.lists(st.sampled_from([" ", "  ", "\t"]), max_size=8))
def test_read_ignores_spacing_and_where_the_language_is(words: list[str], gaps: list[str]) -> None:
    """One reading per question: spacing does not matter, a ``lang:`` word may be anywhere, and
    the command is what the other words say."""
    spaced = "".join(w + (gaps[i] if i < len(gaps) else " ") for i, w in enumerate(words))
    langs = [w for w in words if w.casefold().startswith("lang:")]
    others = [w for w in words if not w.casefold().startswith("lang:")]
    parsed = c.read(spaced)
    assert parsed == c.read(" ".join(langs + others)) == c.read(" ".join(others + langs))
    assert parsed.command == c.read(" ".join(others)).command
    assert parsed.lang in (None, "en", "fr", "zh")
    assert (parsed.lang_unknown is not None) <= (parsed.lang is None)
    assert hash(parsed) == hash(c.read(" ".join(others + langs)))  # a cache key


@given(st.text(max_size=2000))
def test_read_never_raises(text: str) -> None:
    parsed = c.read(text)
    assert parsed.command == c.parse(text)
    assert parsed.kind == type(parsed.command).__name__
