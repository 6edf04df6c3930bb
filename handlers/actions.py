"""Button presses on our messages: show a topic, its news, share it, list the topics."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot import core, render
from bot.app import Deps

log = logging.getLogger("declaration_bot.action")


def _where(body: dict[str, Any]) -> tuple[Any, Any]:
    team = (body.get("team") or {}).get("id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return team, channel


def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.action(re.compile(rf"^{render.SHOW_ACTION}(:.*)?$"))
    async def on_show(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = core.topic_by_id(deps.library, _value(body))
        await respond(
            text=reply.text,
            blocks=reply.blocks_json(),
            response_type="ephemeral",
            replace_original=True,
        )
        team, channel = _where(body)
        log.info("action show topic=%s team=%s channel=%s", _value(body), team, channel)

    @app.action(re.compile(rf"^{render.NEWS_ACTION}(:.*)?$"))
    async def on_news(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = core.news_by_id(deps.library, _value(body))
        await respond(
            text=reply.text,
            blocks=reply.blocks_json(),
            response_type="ephemeral",
            replace_original=True,
        )
        team, channel = _where(body)
        log.info("action news topic=%s team=%s channel=%s", _value(body), team, channel)

    @app.action(render.SHARE_ACTION)
    async def on_share(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = core.topic_by_id(deps.library, _value(body), shared=True)
        await respond(
            text=reply.text,
            blocks=reply.blocks_json(),
            response_type=reply.response_type,
            replace_original=False,
        )
        team, channel = _where(body)
        log.info("action share topic=%s team=%s channel=%s", _value(body), team, channel)

    @app.action("list_topics")
    async def on_list(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        reply = render.topics_reply(deps.library.for_lang(_value(body) or "en"))
        await respond(
            text=reply.text,
            blocks=reply.blocks_json(),
            response_type="ephemeral",
            replace_original=True,
        )
        team, channel = _where(body)
        log.info("action topics team=%s channel=%s", team, channel)
