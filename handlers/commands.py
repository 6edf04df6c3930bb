"""The ``/declaration`` slash command."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, render
from bot.app import Deps
from bot.channels import Invocation
from bot.clock import today
from bot.i18n import DEFAULT, t

log = logging.getLogger("declaration_bot.command")


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
            lang = await deps.locales.lang_of(client, command, text)
            reply = await _channel_command(parsed, command, client, deps, lang)
            await respond(
                text=reply.text,
                blocks=reply.blocks_json(),
                response_type="ephemeral",
                replace_original=False,
            )
        else:
            try:
                lang = await deps.locales.lang_of(client, command, text)
                payload = deps.answers.payload(
                    text, deps.library, today(deps.clock), lang, deps.calendar_url
                )
            except Exception:
                log.exception("command failed sub=%s team=%s channel=%s", kind, team, channel)
                failed = render.error_reply(t(DEFAULT, "error.failed"))
                payload = {"text": failed.text, "blocks": failed.blocks_json()}
            await ack(**payload)
        log.info(
            "command sub=%s team=%s channel=%s user=%s", kind, team, channel, command.get("user_id")
        )


async def _channel_command(
    parsed: commands.ChannelCommand,
    command: dict[str, Any],
    client: AsyncWebClient,
    deps: Deps,
    lang: str,
) -> render.Reply:
    if deps.channels is None:
        return render.error_reply(t(lang, "error.no_store"))
    inv = Invocation(
        team_id=str(command.get("team_id") or ""),
        channel_id=str(command.get("channel_id") or ""),
        user_id=str(command.get("user_id") or ""),
        enterprise_id=command.get("enterprise_id") or None,
        channel_name=command.get("channel_name"),
        lang=lang,
    )

    fetched: dict[str, Any] = {}

    async def user_info() -> dict[str, Any] | None:
        if "user" not in fetched:
            try:
                info = await client.users_info(user=inv.user_id, include_locale=True)
                fetched["user"] = info.get("user") or None
            except Exception as exc:  # no users:read, or Slack is down
                log.warning("users.info failed team=%s: %s", inv.team_id, type(exc).__name__)
                fetched["user"] = None
        user = fetched["user"]
        return user if isinstance(user, dict) else None

    try:
        return await deps.channels.handle_text(str(command.get("text") or ""), inv, user_info)
    except Exception:
        log.exception("channel command failed team=%s channel=%s", inv.team_id, inv.channel_id)
        return render.error_reply(t(lang, "error.failed"))
