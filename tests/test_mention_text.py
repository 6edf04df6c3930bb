"""An @mention is the text after it (issue 18, items 4 and 6): Slack's ``<@U…>`` in a channel or a
DM, and ``@declaration-bot`` typed in the shell, are taken out by one helper before the text is
read as ``/declaration``'s, whatever the text."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st

from bot import commands


@given(st.text(max_size=300), st.sampled_from(["<@UBOT>", "<@UBOT|declaration-bot>",
                                               "@declaration-bot", "@Declaration"]))  # fmt: skip
def test_a_mention_is_the_text_after_it(text: str, mention: str) -> None:
    assume(not commands.MENTION.search(text))
    assert commands.read(commands.unmentioned(f"{mention} {text}")) == commands.read(text)
    assert commands.read(commands.unmentioned(f"{text} {mention}")) == commands.read(text)


@given(st.text(max_size=3000))
def test_no_mention_is_left_in_what_is_read(text: str) -> None:
    left = commands.unmentioned(text)
    assert len(left) <= 4 * commands.MAX_INPUT
    assert not commands.MENTION.search(left)


def test_only_the_bots_name_is_a_mention_in_the_shell() -> None:
    assert commands.unmentioned("@declaration-bot when is waic?") == "when is waic?"
    assert commands.unmentioned("email@declaration-bot.org") == "email@declaration-bot.org"
    assert commands.unmentioned("@declarations") == "@declarations"
    assert commands.unmentioned("<@U1>@declaration hi") == "hi"
    assert commands.unmentioned("<@U123> tell <@U456|ada> about waic") == "tell   about waic"
