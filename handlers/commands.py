"""The ``/declaration`` slash command."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, core, render
from bot.app import Deps
from bot.channels import Invocation
from bot.clock import today

log = logging.getLogger("declaration_bot.command")

FAILED = (
    "Sorry, something went wrong on our side while answering that. It has been logged; "
    "please try again in a moment."
)
NO_STORE = "Subscriptions are not available here: the bot runs without a database."


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(render.COMMAND)
    async def on_declaration(
        ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        text = str(command.get("text") or "")
        parsed = commands.parse(text)
        kind = type(parsed).__name__
        team, channel = command.get("team_id"), command.get("channel_id")
        if isinstance(parsed, commands.CHANNEL_COMMANDS):
            # these touch the database (and maybe users.info): acknowledge first, answer after
            await ack()
            reply = await _channel_command(parsed, command, client, deps)
            await respond(
                text=reply.text,
                blocks=reply.blocks_json(),
                response_type="ephemeral",
                replace_original=False,
            )
        else:
            try:
                reply = core.reply_to(text, deps.library, today(deps.clock))
                payload = reply.blocks_json()
            except Exception:
                log.exception("command failed sub=%s team=%s channel=%s", kind, team, channel)
                reply = render.error_reply(FAILED)
                payload = reply.blocks_json()
            await ack(text=reply.text, blocks=payload, response_type=reply.response_type)
        log.info(
            "command sub=%s team=%s channel=%s user=%s", kind, team, channel, command.get("user_id")
        )


async def _channel_command(
    parsed: commands.ChannelCommand, command: dict[str, Any], client: AsyncWebClient, deps: Deps
) -> render.Reply:
    if deps.channels is None:
        return render.error_reply(NO_STORE)
    inv = Invocation(
        team_id=str(command.get("team_id") or ""),
        channel_id=str(command.get("channel_id") or ""),
        user_id=str(command.get("user_id") or ""),
        enterprise_id=command.get("enterprise_id") or None,
        channel_name=command.get("channel_name"),
    )

    async def user_zone() -> str | None:
        try:
            info = await client.users_info(user=inv.user_id)
            tz = (info.get("user") or {}).get("tz")
            return str(tz) if tz else None
        except Exception as exc:  # no users:read, or Slack is down: fall back to UTC
            log.warning("users.info failed team=%s: %s", inv.team_id, type(exc).__name__)
            return None

    try:
        return await deps.channels.handle(parsed, inv, user_zone)
    except Exception:
        log.exception("channel command failed team=%s channel=%s", inv.team_id, inv.channel_id)
        return render.error_reply(FAILED)
