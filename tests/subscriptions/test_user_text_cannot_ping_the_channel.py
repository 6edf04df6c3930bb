"""What a user typed after a channel command, shown back to them (a refused ``lang:`` word, a
schedule word, a zone, a topic), can never ping the channel or mention anyone: ``<!channel>``,
``<!here>`` and ``<@U…>`` come back escaped, in the reply's text and in its blocks alike.

The real channel commands (bot.subscriptions.service) on a real database, with the text read as Slack sends
it (bot.commands.read); only Slack itself is left out."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot import commands
from bot.clock import FixedClock
from bot.content.library import Library
from bot.content.source import ContentSource
from bot.delivery.deliverer import DeliverySettings
from bot.store.store import Store
from bot.subscriptions.replies import Invocation
from bot.subscriptions.service import Channels

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
PINGS = ("<!channel>", "<!here>", "<!everyone>", "<@U0EVIL>")


@pytest.fixture
def channels(tmp_path: Path, library: Library) -> Iterator[Channels]:
    store = Store.open(f"sqlite:///{tmp_path / 'bot.sqlite3'}")
    yield Channels(store, ContentSource(library), FixedClock(NOW), DeliverySettings())
    store.close()


async def no_profile() -> dict[str, Any] | None:
    return {"tz": "UTC"}


async def shown(channels: Channels, text: str) -> str:
    """``/declaration <text>`` in channel C1: the reply as Slack would get it."""
    parsed = commands.read(text)
    inv = Invocation("T1", "C1", "U1", lang=parsed.lang or "en")
    reply = await channels.answer(parsed, inv, no_profile)
    return json.dumps({"text": reply.text, "blocks": reply.blocks_json()}, ensure_ascii=False)


def escaped(ping: str) -> str:
    return ping.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize("ping", PINGS)
@pytest.mark.parametrize(
    ("typed", "refusal"),
    [
        ("subscribe daily 09:00 UTC lang:{}", "Digests can be in English"),  # a refused lang:
        ("status lang:{}", "I don't speak the language"),
        ("subscribe daily {}", "I don't understand"),
        ("subscribe {} 09:00", "I don't understand"),
        ("subscribe daily 09:00 {}/Paris", "is not a time zone"),
        ("subscribe daily 09:00 UTC topics:{}", "I don't know the topic"),
        ("subscribe daily 09:00 UTC lang:fr {}", "Je ne comprends pas"),
    ],
)
async def test_user_text_shown_back_cannot_ping_the_channel(
    channels: Channels, typed: str, refusal: str, ping: str
) -> None:
    seen = await shown(channels, typed.format(ping))
    assert refusal in seen
    assert ping not in seen
    assert escaped(ping) in seen  # shown back, made inert
    assert channels.store.get("T1", "C1") is None  # and nothing was subscribed


async def test_a_refused_lang_word_is_shown_escaped_and_nothing_changes(
    channels: Channels,
) -> None:
    seen = await shown(channels, "subscribe daily 09:00 UTC lang:<!channel>")
    assert "not “&lt;!channel&gt;”" in seen and "Nothing was changed" in seen
    assert "<!channel>" not in seen
    # a channel already subscribed keeps its language
    ok = await shown(channels, "subscribe daily 09:00 UTC lang:fr")
    assert "<#C1>" in ok
    seen = await shown(channels, "subscribe daily 10:00 UTC lang:<!here>")
    assert "&lt;!here&gt;" in seen and "<!here>" not in seen
    sub = channels.store.get("T1", "C1")
    assert sub is not None and sub.lang == "fr" and sub.schedule.at.hour == 9
