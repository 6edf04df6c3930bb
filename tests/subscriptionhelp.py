"""A channel's subscription end to end, in tests: a command typed in a channel, the settings of
a `tick`, a subscription left overdue, the form's submission, the Home tab and its buttons."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from slack_sdk.models.views import View
from sqlalchemy import update

from bot.store.store import Store
from bot.store.tables import subscriptions
from bot.subscriptions.schedule import EVERY_DAY, Schedule
from bot.subscriptions.stored import SubscriptionView
from tests import e2e
from tests.e2e import InProcessBot, bot_env
from tests.fakeslack import FakeSlack


def say(bot: e2e.Client, slack: FakeSlack, text: str, channel: str = "C1") -> str:
    """Type a slash command; return what the user sees (the reply posted to response_url)."""
    return e2e.say(bot, slack, text, channel_id=channel)


def tick_env(slack: FakeSlack, db: str, **env: str) -> dict[str, str]:
    return bot_env(slack.base_url, DATABASE_URL=db, RETRY_BASE_SECONDS="0.01", **env)


def overdue_subscription(db: str, channel: str, minutes: int) -> None:
    """A daily subscription whose post fell due `minutes` ago while no clock was running."""
    from bot.subscriptions.schedule import parse_schedule

    store = Store.open(db)
    now = datetime.now(UTC)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    store.subscribe(team_id="T1", channel_id=channel, schedule=schedule, now=now)  # type: ignore[arg-type]
    with store.engine.begin() as conn:
        conn.execute(
            update(subscriptions)
            .where(subscriptions.c.channel_id == channel)
            .values(next_wake_at=now - timedelta(minutes=minutes))
        )
    store.close()


def stored(db: str, channel: str) -> Any:
    store = Store.open(db)
    try:
        return store.get("T1", channel)
    finally:
        store.close()


def checked_view(raw: Any) -> dict[str, Any]:
    """A view the bot sent, parsed back and validated against Block Kit's limits."""
    payload = json.loads(raw) if isinstance(raw, str) else raw
    View(**payload).validate_json()
    return dict(payload)


def last_view(slack: FakeSlack, method: str, count: int) -> dict[str, Any]:
    slack.wait_for(lambda: len(slack.calls_to(method)) >= count)
    call = slack.calls_to(method)[count - 1]
    assert call.status == 200 and call.response.get("ok"), call.response
    return checked_view(call.params["view"])


def press(
    bot: InProcessBot, action_id: str, value: str, *, user: str = "U1", where: str = "home"
) -> None:
    """A button press, in the Home tab or on a message in channel C1."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "value": value,
                "action_ts": "1",
            }
        ],
    }
    if where == "home":
        payload["container"] = {"type": "view", "view_id": "VHOME"}
        payload["view"] = {"id": "VHOME", "type": "home"}
    else:
        payload["container"] = {"type": "message", "channel_id": "C1", "is_ephemeral": True}
        payload["channel"] = {"id": "C1", "name": "general"}
        payload["response_url"] = "http://127.0.0.1:9/none"
    r = bot.interactive(payload)
    assert r.status == 200, r.body


def submit(bot: InProcessBot, **choices: Any) -> tuple[dict[str, Any], float]:
    """Submit the form as Slack would (view_submission); the bot's answer and how long it took."""
    payload = submission(**choices)
    started = time.monotonic()
    r = bot.interactive(payload)
    elapsed = time.monotonic() - started
    assert r.status == 200, r.body
    return (r.json() if r.body else {}), elapsed


def submission(
    *,
    channel: str | None = "C5",
    days: list[str] = ("0", "3"),  # type: ignore[assignment]
    at: str = "08:30",
    tz: str = "Europe/Paris",
    lang: str = "en",
    receives: str = "all",
    topics: list[str] = (),  # type: ignore[assignment]
    always: bool = False,
    user: str = "U1",
    fixed: str | None = None,
) -> dict[str, Any]:
    """The view_submission payload of the form with these choices."""
    values: dict[str, Any] = {
        "days": {"days": {"type": "checkboxes", "selected_options": [{"value": d} for d in days]}},
        "time": {"time": {"type": "timepicker", "selected_time": at}},
        "tz": {"tz": {"type": "static_select", "selected_option": {"value": tz}}},
        "lang": {"lang": {"type": "static_select", "selected_option": {"value": lang}}},
        "receives": {"receives": {"type": "radio_buttons", "selected_option": {"value": receives}}},
        "topics": {
            "topics": {"type": "checkboxes", "selected_options": [{"value": t} for t in topics]}
        },
        "always": {
            "always": {
                "type": "checkboxes",
                "selected_options": [{"value": "always"}] if always else [],
            }
        },
    }
    if not fixed:
        values["channel"] = {
            "channel": {"type": "conversations_select", "selected_conversation": channel}
        }
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": user, "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-submit",
        "view": {
            "id": "VM1",
            "type": "modal",
            "callback_id": "subscription_form",
            "private_metadata": json.dumps({"channel": fixed, "lang": lang}),
            "state": {"values": values},
        },
    }


def home_of(bot: InProcessBot, slack: FakeSlack, user: str = "U1") -> dict[str, Any]:
    before = len(slack.calls_to("views.publish"))
    r = bot.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"})
    assert r.status == 200
    return last_view(slack, "views.publish", before + 1)


def actions(view: dict[str, Any]) -> dict[str, list[str]]:
    return {
        b["block_id"]: [e["action_id"] for e in b["elements"]]
        for b in view["blocks"]
        if b["type"] == "actions"
    }


def form_submission(channel: str) -> dict[str, Any]:
    """The subscription form's view_submission, daily at 09:00 UTC in English."""
    values: dict[str, Any] = {
        "channel": {"channel": {"type": "conversations_select", "selected_conversation": channel}},
        "days": {
            "days": {
                "type": "checkboxes",
                "selected_options": [{"value": str(d)} for d in range(7)],
            }
        },
        "time": {"time": {"type": "timepicker", "selected_time": "09:00"}},
        "tz": {"tz": {"type": "static_select", "selected_option": {"value": "UTC"}}},
        "lang": {"lang": {"type": "static_select", "selected_option": {"value": "en"}}},
        "receives": {"receives": {"type": "radio_buttons", "selected_option": {"value": "all"}}},
        "topics": {"topics": {"type": "checkboxes", "selected_options": []}},
        "always": {"always": {"type": "checkboxes", "selected_options": []}},
    }
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "api_app_id": "A1",
        "trigger_id": "trigger-submit",
        "view": {
            "id": "VM1",
            "type": "modal",
            "callback_id": "subscription_form",
            "private_metadata": json.dumps({"channel": None, "lang": "en"}),
            "state": {"values": values},
        },
    }


def sub_of(**changes: Any) -> SubscriptionView:
    """A stored subscription as the store hands it out: every day at 08:30 in Paris, in English,
    never delivered, with ``changes`` made to it."""
    base = SubscriptionView(
        id=1,
        team_id="T1",
        enterprise_id=None,
        channel_id="C1",
        schedule=Schedule(EVERY_DAY, clock_time(8, 30), "Europe/Paris"),
        lang="en",
        next_wake_at=None,
        paused=False,
        paused_reason=None,
        created_by="U1",
        last_digest_for=None,
        last_delivery_at=None,
        last_result=None,
        digests_sent=0,
    )
    return dataclasses.replace(base, **changes)
