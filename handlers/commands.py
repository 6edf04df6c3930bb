"""The ``/declaration`` slash command."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot import commands, core, render
from bot.app import Deps
from bot.clock import today

log = logging.getLogger("declaration_bot.command")

FAILED = (
    "Sorry, something went wrong on our side while answering that. It has been logged; "
    "please try again in a moment."
)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(render.COMMAND)
    async def on_declaration(ack: AsyncAck, command: dict[str, Any]) -> None:
        text = str(command.get("text") or "")
        kind = type(commands.parse(text)).__name__
        try:
            reply = core.reply_to(text, deps.library, today(deps.clock))
            payload = reply.blocks_json()
        except Exception:
            log.exception(
                "command failed sub=%s team=%s channel=%s",
                kind,
                command.get("team_id"),
                command.get("channel_id"),
            )
            reply = render.error_reply(FAILED)
            payload = reply.blocks_json()
        await ack(text=reply.text, blocks=payload, response_type=reply.response_type)
        log.info(
            "command sub=%s team=%s channel=%s user=%s",
            kind,
            command.get("team_id"),
            command.get("channel_id"),
            command.get("user_id"),
        )
