"""The ``/declaration`` slash command."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, metrics, render
from bot.app import Deps
from bot.channels import Invocation
from bot.clock import today
from bot.i18n import DEFAULT, t
from bot.profiles import UserProfile

log = logging.getLogger("declaration_bot.command")

# The database behind a channel command must answer well inside Slack's 3 s, or the user is told
# (a change is one transaction: done whole or not at all, and `status` says which)
CHANNEL_COMMAND_SECONDS = 2.5


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(render.COMMAND)
    async def on_declaration(
        ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient
    ) -> None:
        started = time.perf_counter()
        # read once (cached: the same texts come again and again): routes, keys, answers
        parsed = commands.read(str(command.get("text") or ""))
        kind = parsed.kind
        team, channel = command.get("team_id"), command.get("channel_id")
        profile = deps.locales.profile(client, command, deps.http)
        outcome = "ok"
        if isinstance(parsed.command, commands.CHANNEL_COMMANDS):
            # these touch the database (and maybe users.info): acknowledge first, answer after;
            # only a few at once (bot.app.Admission)
            admitted = await deps.admission.enter()
            try:
                await ack()
                metrics.command_seconds(kind).observe(time.perf_counter() - started)
                if not admitted:
                    await deps.admission.enter_late()
                    admitted = True
                lang = await deps.locales.lang_of(profile, parsed.lang)
                try:
                    async with asyncio.timeout(CHANNEL_COMMAND_SECONDS):
                        reply = await _channel_command(parsed, command, profile, deps, lang)
                except TimeoutError:
                    log.warning("channel command timed out team=%s channel=%s", team, channel)
                    outcome = "timeout"
                    reply = render.error_reply(t(lang, "error.slow", command=render.COMMAND))
                except Exception:
                    log.exception("channel command failed team=%s channel=%s", team, channel)
                    outcome = "error"
                    reply = render.error_reply(t(lang, "error.failed"))
                # Bolt's respond() would open a new HTTP session (and connection) for every reply
                await deps.http.respond(
                    str(command.get("response_url") or ""),
                    render.payload(reply, response_type="ephemeral", replace_original=False),
                )
            finally:
                if admitted:
                    deps.admission.leave()
        else:
            try:
                lang = await deps.locales.lang_of(profile, parsed.lang)
                body = deps.answers.body(
                    parsed, deps.library, today(deps.clock), lang, deps.calendar_url
                )
            except Exception:
                log.exception("command failed sub=%s team=%s channel=%s", kind, team, channel)
                outcome = "error"
                failed = render.error_reply(t(DEFAULT, "error.failed"))
                body = render.response_body(failed)
            # the answer is already JSON: hand Bolt the body rather than have ack() encode it again
            ack.response = BoltResponse(status=200, body=body)
            metrics.command_seconds(kind).observe(time.perf_counter() - started)
        metrics.commands(kind, outcome).inc()
        log.info(
            "command sub=%s team=%s channel=%s user=%s outcome=%s duration_ms=%.1f",
            kind,
            team,
            channel,
            command.get("user_id"),
            outcome,
            (time.perf_counter() - started) * 1000,
        )


async def _channel_command(
    parsed: commands.Parsed,
    command: dict[str, Any],
    profile: UserProfile,
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

    return await deps.channels.answer(parsed, inv, profile.get)
