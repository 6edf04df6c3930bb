"""Signed requests Slack could not have sent (an id that is no Slack id, a field a listener reads
missing, a form value the form never offers) are refused at the edge: 400, one WARNING line
naming the field, no traceback, nothing stored or done. Sent to the app `serve` serves
(in-process), the fake Slack on loopback, a real SQLite database."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from bot.store.store import Store
from tests.e2e import JSON, InProcessBot, command_fields, event_body
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import submission, submit


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        yield fake


def subscriptions(db: str) -> list[str]:
    store = Store.open(db)
    try:
        return [s.channel_id for s in store.list_team("T1")]
    finally:
        store.close()


def refused(bot: InProcessBot, send: Any, field: str) -> None:
    """``send()`` gets 400, and the bot logs one WARNING line for it (naming ``field``) and no
    error or traceback."""
    before = len(bot.logs())
    status = send()
    time.sleep(0.05)  # a listener that would have run after the acknowledgement has run now
    logged = bot.logs()[before:]
    assert status == 400, logged
    lines = [line for line in logged.splitlines() if line.strip()]
    assert len(lines) == 1, logged
    assert " WARNING declaration_bot.gate refused malformed request status=400" in lines[0]
    assert f"field={field} " in lines[0]
    assert "Traceback" not in logged and "ERROR" not in logged


def command(bot: InProcessBot, text: str, **fields: str) -> int:
    return bot.command(text, **fields).status


def press(bot: InProcessBot, action_id: str, value: Any, **extra: Any) -> int:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "1.2",
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b", "value": value}],
        **extra,
    }
    return bot.interactive(payload).status


def event(bot: InProcessBot, event: dict[str, Any], **envelope: Any) -> int:
    body = {**event_body(event), **envelope}
    return bot.signed(json.dumps(body), content_type=JSON).status


def test_a_command_with_ids_slack_does_not_send(bot: InProcessBot, db: str) -> None:
    refused(bot, lambda: command(bot, "subscribe daily", channel_id="<!channel>"), "channel_id")
    refused(bot, lambda: command(bot, "status", user_id="<@U1>"), "user_id")
    refused(bot, lambda: command(bot, "topics", team_id="T1 OR 1=1"), "team_id")
    refused(bot, lambda: command(bot, "topics", enterprise_id="E" + "9" * 40), "enterprise_id")
    no_team = {k: v for k, v in command_fields("topics").items() if k != "team_id"}
    refused(bot, lambda: bot.signed(urllib.parse.urlencode(no_team)).status, "team_id")
    assert subscriptions(db) == []
    # the same command from a real channel is answered
    assert command(bot, "subscribe daily", channel_id="C1") == 200
    assert subscriptions(db) == ["C1"]


def test_buttons_with_values_or_users_slack_does_not_send(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    assert command(bot, "subscribe daily", channel_id="C1") == 200
    refused(bot, lambda: press(bot, "home_pause", "<!channel>"), "actions.value")
    refused(bot, lambda: press(bot, "home_unsubscribe", ["C1"]), "actions.value")
    refused(bot, lambda: press(bot, "subscription_form", "#general"), "actions.value")
    refused(bot, lambda: press(bot, "home_pause", "C1", user={"name": "ada"}), "user.id")
    refused(bot, lambda: press(bot, "home_pause", "C1", actions="home_pause"), "actions")
    assert not slack.calls_to("views.publish") and not slack.calls_to("views.open")
    assert subscriptions(db) == ["C1"]


def test_a_form_with_values_the_form_never_offers(bot: InProcessBot, db: str) -> None:
    # "²" is a digit to str.isdigit, not to int()
    refused(bot, lambda: submit_status(bot, days=["²"]), "view.days")
    refused(bot, lambda: submit_status(bot, channel="<!channel>"), "view.channel")
    refused(bot, lambda: submit_status(bot, fixed="<!here>"), "view.private_metadata.channel")
    refused(bot, lambda: submit_status(bot, at="25:99:00"), "view.time")
    refused(bot, lambda: submit_status(bot, topics=["bletchley always"]), "view.topics")
    assert subscriptions(db) == []
    answer, _ = submit(bot, channel="C5")
    assert answer["response_action"] == "update" and subscriptions(db) == ["C5"]


def submit_status(bot: InProcessBot, **choices: Any) -> int:
    return bot.interactive(submission(**choices)).status


def test_events_slack_does_not_send(bot: InProcessBot, slack: FakeSlack) -> None:
    home = {"type": "app_home_opened", "channel": "D1", "tab": "home"}
    refused(bot, lambda: event(bot, home), "event.user")
    refused(bot, lambda: event(bot, {**home, "user": "<!everyone>"}), "event.user")
    refused(bot, lambda: event(bot, {**home, "user": "U1"}, event_id=None), "event_id")
    refused(bot, lambda: event(bot, {**home, "user": "U1"}, team_id=["T1"]), "team_id")
    refused(bot, lambda: event(bot, "app_home_opened"), "event")  # type: ignore[arg-type]
    assert not slack.calls_to("views.publish")
    assert event(bot, {**home, "user": "U1"}) == 200
    slack.wait_for(lambda: len(slack.calls_to("views.publish")) == 1)
