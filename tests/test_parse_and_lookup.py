"""Parsing what users type, finding topics by name, and search."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import commands as c
from bot.content import Library
from bot.lookup import find_topic, search


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", c.Help()),
        ("   ", c.Help()),
        ("help", c.Help()),
        ("HELP", c.Help()),
        ("topics", c.ListTopics()),
        ("list", c.ListTopics()),
        ("summits", c.Summits()),
        ("search  rafah   ceasefire ", c.Search("rafah ceasefire")),
        ("search", c.Search("")),
        ("share bletchley", c.Share("bletchley")),
        ("share", c.Share("")),
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
