"""One rule decides what a typed word matches, for topic names, searches and the bold in results:
the word whole, or the start of a word when three or more letters are typed."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bot.answers import lookup
from bot.answers.replies import highlight
from bot.content.loading import load_library
from bot.content.schema import normalize
from tests.conftest import CONTENT

LIBRARY = load_library(CONTENT)
# (topic, word of its title): long enough to have short and long starts, in one topic's title only
TITLE_WORDS = sorted(
    {
        (topic.id, word)
        for topic in LIBRARY.topics
        for word in normalize(topic.title).split()
        if len(word) >= 5
        and word.isalpha()
        and word.isascii()
        and sum(word in normalize(t.title).split() for t in LIBRARY.topics) == 1
    }
)


def test_the_shipped_titles_give_words_to_try() -> None:
    assert len({topic for topic, _ in TITLE_WORDS}) == len(LIBRARY.topics)


@given(st.sampled_from(TITLE_WORDS), st.integers(min_value=1, max_value=20))
def test_a_start_of_three_letters_or_more_matches_everywhere_and_a_shorter_one_nowhere(
    pair: tuple[str, str], length: int
) -> None:
    topic_id, word = pair
    topic = LIBRARY.topic(topic_id)
    assert topic is not None
    typed = word[:length]
    bold = f"*{typed}" in highlight(topic.title, [typed]).casefold()
    hits = [h.topic.id for h in lookup.search(LIBRARY, typed, limit=len(LIBRARY.topics))]
    if len(typed) >= 3 or typed == word:
        assert bold and topic_id in hits
        assert lookup.word_match(typed, word)
    elif all(typed not in normalize(t.title).split() for t in LIBRARY.topics):
        assert not bold
        assert not lookup.word_match(typed, word)


def test_a_topic_is_found_by_the_start_of_each_word_of_its_name() -> None:
    found = lookup.find_topic(LIBRARY, "bletch decl")
    assert found.topic is not None and found.topic.id == "bletchley"
    assert lookup.find_topic(LIBRARY, "bl de").topic is None
