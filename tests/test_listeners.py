"""Listeners are module-level functions, tested one by one: called with what Bolt would give them
(the services on its context, as handlers.context.Listening puts them), no app, no HTTP."""

from __future__ import annotations

import json
from typing import Any

from slack_bolt.async_app import AsyncBoltContext

from bot.answers.buttons import BUTTONS, button_for
from bot.content.library import Library
from bot.slack import ids
from handlers import actions
from handlers.context import SERVICES


class Services:
    def __init__(self, library: Library) -> None:
        self.library = library


async def test_a_content_button_answers_in_the_message_place(library: Library) -> None:
    context = AsyncBoltContext({SERVICES: Services(library), "team_id": "T1", "channel_id": "C1"})
    acked: list[bool] = []
    said: list[dict[str, Any]] = []

    async def ack() -> None:
        acked.append(True)

    async def respond(**message: Any) -> None:
        said.append(message)

    body = {"actions": [{"action_id": f"{ids.NEWS_ACTION}:bletchley", "value": "bletchley|fr"}]}
    await actions.on_content_button(ack, body, respond, context)
    assert acked == [True]
    (message,) = said
    assert message["replace_original"] is True and message["response_type"] == "ephemeral"
    assert "Déclaration de Bletchley" in json.dumps(message, ensure_ascii=False)


async def test_a_shared_topic_is_posted_below_the_message(library: Library) -> None:
    context = AsyncBoltContext({SERVICES: Services(library), "team_id": "T1", "channel_id": "C1"})
    said: list[dict[str, Any]] = []

    async def ack() -> None:
        return None

    async def respond(**message: Any) -> None:
        said.append(message)

    body = {"actions": [{"action_id": ids.SHARE_ACTION, "value": "bletchley|en"}]}
    await actions.on_content_button(ack, body, respond, context)
    assert said[0]["replace_original"] is False and said[0]["response_type"] == "in_channel"


def test_every_content_button_id_finds_its_row() -> None:
    assert button_for(f"{ids.SHOW_ACTION}:bletchley") is BUTTONS[0]
    assert button_for(ids.SHOW_ACTION) is BUTTONS[0]
    assert button_for(ids.LIST_ACTION) is not None
    assert button_for(f"{ids.SHARE_ACTION}:x") is None  # not a prefix
    assert button_for(ids.HOME_PREVIEW) is None  # not a content button
