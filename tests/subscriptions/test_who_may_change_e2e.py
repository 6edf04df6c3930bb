"""Who may change a channel's subscription (issue 20, item 6): anyone by default; with
SUBSCRIPTION_MANAGERS=admins, the person who set it up and the workspace admins and owners. A
refused change says who can make it, from the command, the form and the Home tab alike; the
Home tab shows a person's own digest with a button to turn it on or off, and never anyone
else's. Signed to the app `serve` serves (in-process), against the fake Slack on loopback and a
real SQLite database; the setting changes between two runs of the bot on the same database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.store.store import Store
from tests import e2e
from tests.e2e import InProcessBot, bot_env, in_process
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import actions, home_of, last_view, press, submit

WHO = "only <@U1>, who set up this channel's subscription, or a workspace admin can change it"


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        for user in ("U1", "U2"):
            fake.add_user(user, tz="UTC")
        fake.add_user("UADMIN", tz="UTC", is_admin=True)
        fake.add_channel("C1", name="general", members=("U1", "U2", "UADMIN"))
        yield fake


def say(bot: InProcessBot, slack: FakeSlack, text: str, user: str) -> str:
    return e2e.say(bot, slack, text, channel_id="C1", user_id=user)


def stored(db: str, channel: str = "C1") -> Any:
    store = Store.open(db)
    try:
        return store.get("T1", channel)
    finally:
        store.close()


def admins(slack: FakeSlack, db: str, tmp_path: Path) -> Any:
    return in_process(
        bot_env(slack.base_url, DATABASE_URL=db, SUBSCRIPTION_MANAGERS="admins"), tmp_path
    )


def test_everyone_by_default_and_the_creator_is_kept(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC", "U1")
    assert stored(db).created_by == "U1"
    assert "Time: 09:00 → 08:00" in say(bot, slack, "subscribe 8am", "U2")
    assert stored(db).created_by == "U1"  # a change does not make its author the creator


def test_under_admins_the_creator_and_admins_may_and_the_refusal_names_them(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    """The issue's check: a refused change names who can make it."""
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp_path) as bot:
        say(bot, slack, "subscribe daily 09:00 UTC", "U1")  # made while anyone could
    with admins(slack, db, tmp_path) as bot:
        refused = say(bot, slack, "pause", "U2")
        assert WHO in refused and not stored(db).paused
        assert WHO in say(bot, slack, "subscribe 8am", "U2")
        assert "Subscription of <#C1>" in say(bot, slack, "status", "U2")  # reading stays open
        assert "Paused <#C1>" in say(bot, slack, "pause", "U1")  # its creator may
        assert "Resumed" in say(bot, slack, "resume", "UADMIN")  # and an admin may
        # the Home tab: the creator gets the buttons, others only a preview and the words
        assert actions(home_of(bot, slack, "U1"))["sub:C1"][0] == "home_edit"
        assert actions(home_of(bot, slack, "U2"))["sub:C1"] == ["home_preview"]
        published = len(slack.calls_to("views.publish"))
        press(bot, "home_pause", "C1", user="U2")  # a forged press
        view = last_view(slack, "views.publish", published + 1)
        assert WHO in json.dumps(view) and not stored(db).paused
        # the form (last: a saved form refreshes the Home tab): refused with the same words, nothing changed
        answer, _ = submit(bot, channel="C1", user="U2", at="07:00")
        assert answer["response_action"] == "errors"
        assert "only @U1, who set up" in json.dumps(answer) and stored(db).schedule.at.hour == 9
        answer, _ = submit(bot, channel="C1", user="U1", at="07:00")
        assert answer["response_action"] == "update" and stored(db).schedule.at.hour == 7


def test_a_subscription_of_unknown_maker_needs_an_admin(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    """Rows from before the maker was recorded: anyone with the right under the setting."""
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp_path) as bot:
        say(bot, slack, "subscribe daily 09:00 UTC", "U1")
    store = Store.open(db)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE subscriptions SET created_by = NULL")
    store.close()
    with admins(slack, db, tmp_path) as bot:
        assert "only admins and owners can change" in say(bot, slack, "pause", "U1")
        assert "Paused" in say(bot, slack, "pause", "UADMIN")


def test_the_home_tab_turns_ones_own_digest_on_and_off(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    view = home_of(bot, slack, "U2")
    assert "Your own digest" in json.dumps(view)
    published = len(slack.calls_to("views.publish"))
    press(bot, "home_me_on", "", user="U2")
    view = last_view(slack, "views.publish", published + 1)
    said = json.dumps(view)
    assert "Subscribed your direct messages" in said and "home_me_off" in said
    store = Store.open(db)
    try:
        mine = store.personal("T1", "U2")
    finally:
        store.close()
    assert mine is not None and mine.channel_id == slack.dm_of("U2")
    # nobody else sees it, in their tab or in the workspace's list
    other = json.dumps(home_of(bot, slack, "U1"))
    assert slack.dm_of("U2") not in other and "home_me_on" in other
    # paused, resumed and its next digest skipped from the tab, as `pause me`, `resume me` and
    # `skip next me` do; nobody else's press reaches it
    for action, check in (
        ("home_me_pause", lambda sub: sub.paused),
        ("home_me_resume", lambda sub: not sub.paused),
        ("home_me_skip", lambda sub: sub.skip_digest_at is not None),
    ):
        published = len(slack.calls_to("views.publish"))
        press(bot, action, "", user="U2")
        view = json.dumps(last_view(slack, "views.publish", published + 1))
        store = Store.open(db)
        try:
            mine = store.personal("T1", "U2")
        finally:
            store.close()
        assert mine is not None and check(mine), action
    assert "home_me_resume" not in view and "home_me_skip" not in view  # skipped already
    press(bot, "home_me_pause", "", user="U1")  # U1 has no digest of their own: U2's stays
    store = Store.open(db)
    try:
        mine = store.personal("T1", "U2")
    finally:
        store.close()
    assert mine is not None and not mine.paused
    published = len(slack.calls_to("views.publish"))
    press(bot, "home_me_off", "", user="U2")
    view = last_view(slack, "views.publish", published + 1)
    assert "home_me_on" in json.dumps(view)
    store = Store.open(db)
    try:
        assert store.personal("T1", "U2") is None
    finally:
        store.close()


def test_the_home_tab_says_until_when_and_what_is_skipped(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC", "U1")
    say(bot, slack, "skip next", "U1")
    said = json.dumps(home_of(bot, slack, "U1"))
    assert "Skipping the digest of" in said
    say(bot, slack, "pause for 1 week", "U1")
    said = json.dumps(home_of(bot, slack, "U1"))
    assert "Paused through" in said and "posting resumes by itself on" in said
