"""The ``/declaration`` slash command."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, NamedTuple

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_bolt.middleware.async_middleware import AsyncMiddleware

from bot import commands, metrics
from bot.answers import replies
from bot.clock import today
from bot.i18n import DEFAULT, t
from bot.services import Services
from bot.slack import ids, payloads
from bot.subscriptions.profiles import UserProfile
from bot.subscriptions.replies import Invocation
from handlers.context import Reader, reader, services

log = logging.getLogger("declaration_bot.command")

# The database behind a channel command must answer well inside Slack's 3 s, or the user is told
# (a change is one transaction: done whole or not at all, and `status` says which)
CHANNEL_COMMAND_SECONDS = 2.5
# A channel command answered within this long (from its arrival) is answered in its
# acknowledgement; a slower one is acknowledged then and answered through its response_url
INLINE_SECONDS = 1.0


class Caller(NamedTuple):
    """Who typed a command, where: the workspace and enterprise Bolt authorized the request for
    (bot.gate has checked the body names no other), the user and the channel."""

    team_id: str
    channel_id: str
    user_id: str
    enterprise_id: str | None
    channel_name: str | None

    @classmethod
    def of(cls, context: AsyncBoltContext, command: dict[str, Any]) -> Caller:
        name = command.get("channel_name")
        return cls(
            team_id=context.team_id or "",
            channel_id=context.channel_id or "",
            user_id=context.user_id or "",
            enterprise_id=context.enterprise_id or None,
            channel_name=name if isinstance(name, str) else None,
        )


def register(app: AsyncApp) -> None:
    # questions about the content are answered before Bolt's listener machinery (ContentAnswers);
    # channel commands reach the listener
    app.use(ContentAnswers())
    app.command(ids.COMMAND)(on_declaration)


async def on_declaration(ack: AsyncAck, command: dict[str, Any], context: AsyncBoltContext) -> None:
    """Channel commands (ContentAnswers has answered the others)."""
    started = time.perf_counter()
    deps = services(context)
    # read once (cached: the same texts come again and again): routes, keys, answers
    parsed = commands.read(str(command.get("text") or ""))
    caller = Caller.of(context, command)
    asker = reader(context)
    # these touch the database (and maybe users.info), and only a few at once
    # (bot.app.Admission); the answer goes in the acknowledgement when it is ready within
    # INLINE_SECONDS (one round trip, the user sees it at once), else through the
    # command's response_url when it is
    admitted = await deps.admission.enter()
    # the work holds the place (if it has one yet) and gives it back when done
    work = asyncio.ensure_future(_answer_channel_command(parsed, caller, asker, deps, admitted))
    budget = INLINE_SECONDS - (time.perf_counter() - started)
    if admitted and budget > 0:
        await asyncio.wait((work,), timeout=budget)
    if work.done():
        reply, outcome = work.result()
        ack.response = BoltResponse(
            status=200, body=payloads.response_body(reply, response_type="ephemeral")
        )
        metrics.command_seconds(parsed.kind).observe(time.perf_counter() - started)
    else:
        await ack()
        metrics.command_seconds(parsed.kind).observe(time.perf_counter() - started)
        reply, outcome = await work
        # Bolt's respond() would open a new HTTP session (and connection) per reply
        await deps.http.respond(
            str(command.get("response_url") or ""),
            payloads.payload(reply, response_type="ephemeral", replace_original=False),
        )
    _logged(parsed.kind, caller, outcome, started)


class ContentAnswers(AsyncMiddleware):
    """``/declaration`` questions about the content (a topic, the list, a search, the summits,
    help) answered as soon as Bolt has checked who is asking, without a listener: the answer is
    usually ready (bot.answers.cache), and a listener would cost a task and Bolt's wait for its ack,
    which it polls every 10 ms. Bolt answers ``url_verification`` and ``ssl_check`` the same
    way. Channel commands, and everything else, go on to the listeners."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        started = time.perf_counter()
        body = req.body
        if body.get("command") != ids.COMMAND:
            return await next()
        parsed = commands.read(str(body.get("text") or ""))
        if isinstance(parsed.command, commands.CHANNEL_COMMANDS):
            return await next()
        caller = Caller.of(req.context, body)
        asker = reader(req.context)
        answer = await _content_answer(parsed, caller, asker, services(req.context), started)
        return BoltResponse(status=200, body=answer)


async def _content_answer(
    parsed: commands.Parsed,
    caller: Caller,
    asker: Reader,
    deps: Services,
    started: float,
) -> str:
    """The JSON answer to a question about the content, in the reader's language (asked with
    ``lang:``, else their Slack locale), counted and logged."""
    outcome = "ok"
    try:
        lang = await asker.lang(parsed.lang)
        body = deps.answers.body(parsed, deps.library, today(deps.clock), lang, deps.calendar_url)
    except Exception:
        log.exception(
            "command failed sub=%s team=%s channel=%s",
            parsed.kind,
            caller.team_id,
            caller.channel_id,
        )
        outcome = "error"
        body = payloads.response_body(replies.error_reply(t(DEFAULT, "error.failed")))
    metrics.command_seconds(parsed.kind).observe(time.perf_counter() - started)
    _logged(parsed.kind, caller, outcome, started)
    return body


def _logged(kind: str, caller: Caller, outcome: str, started: float) -> None:
    """Count the command and log its one line."""
    metrics.commands(kind, outcome).inc()
    log.info(
        "command sub=%s team=%s channel=%s user=%s outcome=%s duration_ms=%.1f",
        kind,
        caller.team_id,
        caller.channel_id,
        caller.user_id,
        outcome,
        (time.perf_counter() - started) * 1000,
    )


async def _answer_channel_command(
    parsed: commands.Parsed,
    caller: Caller,
    asker: Reader,
    deps: Services,
    admitted: bool,
) -> tuple[payloads.Reply, str]:
    """The reply to a channel command and its outcome (ok, timeout, error), once it has a place
    (``admitted``: it has one already)."""
    if not admitted:
        await deps.admission.enter_late()
    try:
        team, channel = caller.team_id, caller.channel_id
        lang = DEFAULT  # until the reader's language is known
        try:
            async with asyncio.timeout(CHANNEL_COMMAND_SECONDS):
                lang = await asker.lang(parsed.lang)
                reply = await channel_command(parsed, caller, asker.profile, deps, lang)
                return reply, "ok"
        except TimeoutError:
            log.warning("channel command timed out team=%s channel=%s", team, channel)
            reply = replies.error_reply(t(lang, "error.slow", command=ids.COMMAND))
            return reply, "timeout"
        except Exception:
            log.exception("channel command failed team=%s channel=%s", team, channel)
            return replies.error_reply(t(lang, "error.failed")), "error"
    finally:
        deps.admission.leave()


async def channel_command(
    parsed: commands.Parsed,
    caller: Caller,
    profile: UserProfile,
    deps: Services,
    lang: str,
) -> payloads.Reply:
    """A channel command's reply (the slash command's, a mention's or a direct message's)."""
    if deps.channels is None:
        return replies.error_reply(t(lang, "error.no_store"))
    inv = Invocation(
        team_id=caller.team_id,
        channel_id=caller.channel_id,
        user_id=caller.user_id,
        enterprise_id=caller.enterprise_id,
        channel_name=caller.channel_name,
        lang=lang,
    )

    return await deps.channels.answer(parsed, inv, profile.get)
