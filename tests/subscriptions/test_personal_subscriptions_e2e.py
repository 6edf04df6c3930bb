"""A person's own subscription (issue 20, item 4): `subscribe me` sends digests to the person's
direct message with the bot (conversations.open), in their Slack language and time zone unless
the words say otherwise, exactly once per slot; `status me`, `pause me` and `unsubscribe me`
find it from any channel; it needs no admin right; a person who left is paused with the reason.
Signed to the app `serve` serves (in-process), `declaration-bot tick --at` for the clock, against
the fake Slack on loopback and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store.store import Store
from tests import e2e
from tests.e2e import InProcessBot, bot_env, in_process
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import last_view, press, tick_env


@pytest.fixture
def db(db_url: str) -> str:
    """This module's tests run on SQLite and on PostgreSQL."""
    return db_url


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="UTC")
        fake.add_user("UFR", tz="Asia/Tokyo", locale="fr-FR")
        fake.add_user("UADMIN", tz="UTC", is_admin=True)
        yield fake


def say(
    bot: InProcessBot, slack: FakeSlack, text: str, user: str = "U1", channel: str = "C1"
) -> str:
    return e2e.say(bot, slack, text, channel_id=channel, user_id=user)


def mine(db: str, user: str = "U1") -> Any:
    store = Store.open(db)
    try:
        return store.personal("T1", user)
    finally:
        store.close()


def posts(slack: FakeSlack, channel: str) -> list[str]:
    return [c.params.get("text", "") for c in slack.posts() if c.params.get("channel") == channel]


def next_nine() -> datetime:
    """The next 09:00 UTC after now: the slot of a daily 09:00 UTC subscription made now."""
    now = datetime.now(UTC)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return nine if nine > now else nine + timedelta(days=1)


def test_subscribe_me_posts_one_digest_to_the_dm(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    """The issue's check: one digest in the person's DM at 09:00, however often the clock
    ticks at that instant."""
    seen = say(bot, slack, "subscribe me daily 09:00 UTC")
    dm = slack.dm_of("U1")
    assert "Subscribed your direct messages: digests every day at 09:00 (UTC)" in seen
    # managed with `… me`, not the channel's commands, and no channel form button
    assert "status me" in seen and "unsubscribe me" in seen and "subscription_form" not in seen
    (opened,) = slack.calls_to("conversations.open")
    assert opened.params["users"] == "U1"
    sub = mine(db)
    assert sub.channel_id == dm and sub.owner_id == "U1" and sub.created_by == "U1"
    env = tick_env(slack, db)
    slot = next_nine()
    e2e.run_tick(env, tmp_path, slot)
    e2e.run_tick(env, tmp_path, slot)
    assert len(posts(slack, dm)) == 1
    assert not posts(slack, "C1")  # the channel where it was typed gets nothing
    assert not slack.calls_to("conversations.join")


def test_in_the_persons_language_and_zone_unless_given(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    seen = say(bot, slack, "subscribe me daily 9am", user="UFR")
    assert "votre canal de messages directs abonné" in seen
    sub = mine(db, "UFR")
    assert sub.lang == "fr" and sub.schedule.tz == "Asia/Tokyo"
    say(bot, slack, "subscribe me lang:en Europe/Paris", user="UFR")
    sub = mine(db, "UFR")
    assert sub.lang == "en" and sub.schedule.tz == "Europe/Paris"
    assert sub.schedule.days == set(range(7))  # a change keeps what it does not name


def test_me_commands_find_it_from_any_channel(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    assert "You have no digest of your own" in say(bot, slack, "status me")
    say(bot, slack, "subscribe me daily 09:00 UTC", channel="C1")
    assert "your direct messages" in say(bot, slack, "status me", channel="C2")
    assert "This channel has no subscription" in say(bot, slack, "status", channel="C2")
    assert "the next digest of this subscription, due" in say(bot, slack, "digest me", channel="C2")
    assert "Paused your direct messages" in say(bot, slack, "pause me", channel="C3")
    assert mine(db).paused
    say(bot, slack, "resume me", channel="C2")
    assert not mine(db).paused
    assert mine(db).channel_id == slack.dm_of("U1")
    say(bot, slack, "unsubscribe me", channel="C3")
    assert mine(db) is None


def test_typed_in_the_dm_itself(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    """`/declaration subscribe` in a DM points to `subscribe me`, which works there."""
    dm = slack.dm_of("U1")
    pointed = e2e.say(bot, slack, "subscribe", channel_id=dm, channel_name="directmessage")
    assert "`/declaration subscribe me`" in pointed
    seen = e2e.say(bot, slack, "subscribe me", channel_id=dm, channel_name="directmessage")
    assert "Subscribed your direct messages" in seen
    assert mine(db).channel_id == dm


def test_no_admin_right_needed(slack: FakeSlack, db: str, tmp_path: Path) -> None:
    env = bot_env(slack.base_url, DATABASE_URL=db, SUBSCRIPTION_MANAGERS="admins")
    with in_process(env, tmp_path) as bot:
        assert "only admins" in say(bot, slack, "subscribe daily 09:00 UTC")
        assert "Subscribed your direct messages" in say(bot, slack, "subscribe me daily 09:00")
        assert "Paused your direct messages" in say(bot, slack, "pause me")
        assert mine(db).paused
        # one's own only: the admin has none, and `pause me` does not reach U1's
        assert "You have no digest of your own" in say(bot, slack, "pause me", user="UADMIN")


def test_nobody_else_can_change_it(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    """Someone else's own subscription, reached through its DM's id (a forged Home press)."""
    say(bot, slack, "subscribe me daily 09:00 UTC")
    published = len(slack.calls_to("views.publish"))
    press(bot, "home_pause", slack.dm_of("U1"), user="UADMIN")
    view = last_view(slack, "views.publish", published + 1)
    assert "This is <@U1>'s own digest: only they can change it." in json.dumps(view)
    assert not mine(db).paused


def test_a_person_who_left_is_paused_with_the_reason(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    say(bot, slack, "subscribe me daily 09:00 UTC")
    dm = slack.dm_of("U1")
    slack.fail_always("chat.postMessage", "user_not_found", channel=dm)
    e2e.run_tick(tick_env(slack, db), tmp_path, next_nine())
    sub = mine(db)
    assert sub.paused and sub.paused_reason == "slack:user_not_found"
    seen = say(bot, slack, "status me")
    assert "the person was not found (they may have left the workspace) (user_not_found)" in seen


def test_slack_will_not_open_the_dm(bot: InProcessBot, slack: FakeSlack, db: str) -> None:
    slack.deactivate_user("U1")
    seen = say(bot, slack, "subscribe me daily 09:00 UTC")
    assert "I could not open a direct message with you (`user_disabled`)" in seen
    assert "nothing is stored" in seen and mine(db) is None
