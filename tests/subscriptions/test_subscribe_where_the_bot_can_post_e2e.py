"""`/declaration subscribe` only where the bot can post (issue 20, item 3): a private channel the
bot is not in is refused with how to invite it, a direct message or a group DM is pointed to
subscribing a channel, and nothing is stored; once invited, the same command subscribes. When
Slack does not answer conversations.info, the subscription is stored and the reply says posting
could not be checked. Signed to the app `serve` serves (in-process), against the fake Slack on
loopback (which answers conversations.info for a private channel the bot is not in with
channel_not_found, as Slack does) and a real SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot.store.store import Store
from tests import e2e
from tests.e2e import InProcessBot
from tests.fakeslack import FakeSlack

INVITE = "invite me first: `/invite @declaration-bot`"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="UTC")
        fake.add_user("UFR", tz="UTC", locale="fr-FR")
        fake.add_user("UZH", tz="UTC", locale="zh-CN")
        fake.add_channel("CPRIV", name="secret", is_private=True, bot_member=False)
        yield fake


def say(bot: InProcessBot, slack: FakeSlack, text: str, channel: str, **fields: str) -> str:
    return e2e.say(bot, slack, text, channel_id=channel, user_id=fields.pop("user", "U1"), **fields)


def stored(db: str, channel: str) -> Any:
    store = Store.open(db)
    try:
        return store.get("T1", channel)
    finally:
        store.close()


def test_a_private_channel_the_bot_is_not_in_is_refused_and_nothing_stored(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "CPRIV")
    assert INVITE in seen and "Nothing was changed." in seen
    assert "Subscribed" not in seen
    assert stored(db, "CPRIV") is None
    assert slack.calls_to("conversations.info")
    # invited, the same command subscribes (a refusal is not kept: Slack is asked again)
    slack.add_channel("CPRIV", name="secret", is_private=True, members=("U1",))
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "CPRIV")
    assert "Subscribed <#CPRIV>" in seen
    assert stored(db, "CPRIV") is not None


@pytest.mark.parametrize(
    ("user", "invite", "direct"),
    [
        ("U1", INVITE, "Only channels subscribe with"),
        ("UFR", "invitez-moi d'abord : `/invite @declaration-bot`", "Seuls les canaux s'abonnent"),
        ("UZH", "请先邀请我：`/invite @declaration-bot`", "只有频道可以用"),
    ],
)
def test_the_refusals_are_said_in_the_callers_language(
    bot: InProcessBot, slack: FakeSlack, db: str, user: str, invite: str, direct: str
) -> None:
    assert invite in say(bot, slack, "subscribe", "CPRIV", user=user)
    assert direct in say(bot, slack, "subscribe", "D1", user=user)
    assert stored(db, "CPRIV") is None and stored(db, "D1") is None


def test_a_dm_or_a_group_dm_is_pointed_to_subscribe_me(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "D1", channel_name="directmessage")
    assert "Only channels subscribe with" in seen and "`/declaration subscribe me`" in seen
    group = say(bot, slack, "subscribe daily 09:00 UTC", "C0MPIM", channel_name="mpdm-a--b-1")
    assert "`/declaration subscribe me`" in group
    assert stored(db, "D1") is None and stored(db, "C0MPIM") is None
    assert not slack.calls_to("conversations.join")  # nothing asked of Slack for these


def test_public_channels_are_still_joined(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    slack.add_channel("CPUB", name="general", bot_member=False)
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "CPUB")
    assert "Subscribed <#CPUB>" in seen and "I joined <#CPUB>" in seen
    assert stored(db, "CPUB") is not None


def test_when_slack_does_not_answer_it_is_stored_and_said(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    slack.add_channel("CPUB", name="general", bot_member=False)
    slack.fail_always("conversations.info", "ratelimited", status=429)
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "CPUB")
    # joined: a public channel, so nothing is in doubt
    assert "Subscribed <#CPUB>" in seen and "Slack did not tell me" not in seen
    seen = say(bot, slack, "subscribe daily 09:00 UTC", "CPRIV")
    assert "Subscribed <#CPRIV>" in seen
    assert "Slack did not tell me in time whether I can post here" in seen
    assert stored(db, "CPRIV") is not None


def test_changing_a_setting_again_does_not_join_again(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    """A channel the bot joined is remembered for a while: changing one setting after another is
    a database write, not another Slack round trip."""
    slack.add_channel("CPUB", name="general", bot_member=False)
    assert "I joined <#CPUB>" in say(bot, slack, "subscribe daily 09:00 UTC", "CPUB")
    for words in ("subscribe 8am", "subscribe lang:fr", "subscribe 10am"):
        seen = say(bot, slack, words, "CPUB")
        assert "joined" not in seen.lower() and "rejoint" not in seen
    assert len(slack.calls_to("conversations.join")) == 1
    sub = stored(db, "CPUB")
    assert sub is not None
