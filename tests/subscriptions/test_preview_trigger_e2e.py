"""The Home tab's Preview button opens its modal within the trigger_id's 3 s even when finding
the preview is slow (issue 21, item 5): a loading modal first, then updated with the preview."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e import InProcessBot, bot_env, in_process, say
from tests.fakeslack import FakeSlack, new_trigger_id


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        yield fake


@pytest.fixture
def bot(slack: FakeSlack, tmp_path: Path) -> Iterator[InProcessBot]:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp_path) as b:
        yield b


def press_preview(bot: InProcessBot, channel: str) -> None:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": new_trigger_id(),  # stamped: the fake refuses it 3 s after the click
        "container": {"type": "view", "view_id": "VHOME"},
        "view": {"id": "VHOME", "type": "home"},
        "actions": [
            {
                "type": "button",
                "action_id": "home_preview",
                "block_id": "b",
                "value": channel,
                "action_ts": "1",
            }
        ],
    }
    r = bot.interactive(payload)
    assert r.status == 200, r.body


def shown_views(slack: FakeSlack) -> list[dict[str, Any]]:
    """The modal views Slack accepted (opened or updated), in order."""
    return [
        c.params["view"]
        for c in slack.calls
        if c.method in ("views.open", "views.update") and c.response.get("ok")
    ]


def test_a_slow_preview_still_opens_its_modal(bot: InProcessBot, slack: FakeSlack) -> None:
    say(bot, slack, "subscribe daily 09:00 Europe/Paris", channel="C1")
    # Slack refuses the ephemeral message (the user is not in the channel), after 3.2 s
    slack.slow_down("chat.postEphemeral", 3.2)
    slack.fail("chat.postEphemeral", "user_not_in_channel")
    press_preview(bot, "C1")
    slack.wait_for(lambda: bool(slack.calls_to("chat.postEphemeral")), timeout=10)
    slack.wait_for(lambda: len(slack.calls_to("views.open") + slack.calls_to("views.update")) >= 2)
    (opened,) = slack.calls_to("views.open")
    assert opened.response.get("ok"), opened.response  # not expired_trigger_id
    view = shown_views(slack)[-1]
    assert view["title"]["text"] == "Preview" and "digest" in json.dumps(view).lower()
    assert "Preview, only for you" in json.dumps(view)


def test_a_slow_preview_sent_in_the_channel_says_so_in_the_modal(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    say(bot, slack, "subscribe daily 09:00 Europe/Paris", channel="C1")
    slack.slow_down("chat.postEphemeral", 1.5)
    press_preview(bot, "C1")
    slack.wait_for(lambda: bool(slack.calls_to("views.update")))
    (ephemeral,) = slack.calls_to("chat.postEphemeral")
    assert "Preview, only for you" in json.dumps(ephemeral.params["blocks"])
    view = slack.calls_to("views.update")[0].params["view"]
    assert "<#C1>" in json.dumps(view)
