"""@mentions in a channel and direct messages to the bot: the text (mentions taken out) is read as
``/declaration``'s is (bot.commands) and answered by the same code, a content question by
bot.answers.core and a channel command by the channel service, in the asker's language. A
mention is answered in its thread, for the channel to see (a channel command's reply, such as
``status`` or a ``digest`` preview, only for the asker, as the slash command's); a direct message
in the DM.

The bot's own messages, other bots', and edits or deletions (any message with a subtype) are
not answered; bot.gate's OnceOnly has answered a delivery Slack sends again already."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands, metrics
from bot.answers import core, replies
from bot.clock import today
from bot.i18n import DEFAULT, t
from bot.slack.ids import shown
from bot.slack.payloads import Reply
from handlers.commands import Caller, channel_command
from handlers.context import Reader, reader, services

log = logging.getLogger("declaration_bot.message")

# a message's timestamp, as Slack writes it (the thread a reply goes in)
TS = re.compile(r"[0-9]{1,12}\.[0-9]{1,9}")


def register(app: AsyncApp) -> None:
    app.event("app_mention")(on_mention)
    # every message event (the Messages tab's, ``message.im``), subtypes included: each is
    # acknowledged, and only a person's new message is answered (:func:`from_a_person`)
    app.event("message")(on_message)


def from_a_person(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Whether a message event is a person's new message: no subtype (an edit, a deletion, a
    bot's post, a join), no bot, not the bot itself."""
    if event.get("subtype") or event.get("bot_id") or event.get("bot_profile"):
        return False
    user = event.get("user")
    return isinstance(user, str) and bool(user) and user != bot_user_id


def thread_of(event: dict[str, Any], *, own: bool = True) -> str | None:
    """The thread a message is answered in: the one it is in, else (``own``) its own."""
    for key in ("thread_ts", "ts") if own else ("thread_ts",):
        value = event.get(key)
        if isinstance(value, str) and TS.fullmatch(value):
            return value
    return None


async def on_mention(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if from_a_person(event, context.bot_user_id):
        await _answer(event, client, context, "mention", thread_of(event))


async def on_message(
    event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    if event.get("channel_type") != "im" or not from_a_person(event, context.bot_user_id):
        return
    # a DM is answered in the DM, in its thread if it is in one
    await _answer(event, client, context, "dm", thread_of(event, own=False))


async def _answer(
    event: dict[str, Any],
    client: AsyncWebClient,
    context: AsyncBoltContext,
    where: str,
    thread: str | None,
) -> None:
    """Read the text as ``/declaration``'s, answer it, post the answer; one log line."""
    started = time.perf_counter()
    asker = reader(context)
    parsed = commands.read(commands.unmentioned(str(event.get("text") or "")))
    channel = str(event.get("channel") or "")
    caller = Caller(asker.team_id, channel, asker.user_id, asker.enterprise_id, None)
    reply, outcome = await _reply(parsed, caller, asker, context)
    error = "-"
    try:
        if where == "mention" and isinstance(parsed.command, commands.CHANNEL_COMMANDS):
            # a channel command's reply is for the one who typed it, as the slash command's is
            await client.chat_postEphemeral(
                channel=channel,
                user=asker.user_id,
                thread_ts=thread,
                text=reply.text,
                blocks=reply.blocks_json(),
            )
        else:
            await client.chat_postMessage(
                channel=channel,
                thread_ts=thread,
                text=reply.text,
                blocks=reply.blocks_json(),
                unfurl_links=False,
            )
    except SlackApiError as exc:  # not posted: said in the log line (Slack's error code)
        outcome, code = "not_posted", exc.response.get("error")
        error = code if isinstance(code, str) and code.isidentifier() else "?"
    metrics.commands(parsed.kind, outcome).inc()
    log.info(
        "%s answered sub=%s team=%s channel=%s user=%s outcome=%s error=%s duration_ms=%.1f",
        where,
        parsed.kind,
        asker.team_id,
        shown(channel),
        asker.user_id,
        outcome,
        error,
        (time.perf_counter() - started) * 1000,
    )


async def _reply(
    parsed: commands.Parsed, caller: Caller, asker: Reader, context: AsyncBoltContext
) -> tuple[Reply, str]:
    """The answer, in the asker's language (``lang:``, else their Slack locale), and its outcome."""
    deps = services(context)
    lang = DEFAULT
    try:
        lang = await asker.lang(parsed.lang)
        if isinstance(parsed.command, commands.CHANNEL_COMMANDS):
            return await channel_command(parsed, caller, asker.profile, deps, lang), "ok"
        day = today(deps.clock)
        reply = core.reply_to(parsed, deps.library, day, lang, calendar_url=deps.calendar_url)
        return reply, "ok"
    except Exception:
        log.exception("message failed sub=%s team=%s", parsed.kind, caller.team_id)
        return replies.error_reply(t(lang, "error.failed")), "error"
