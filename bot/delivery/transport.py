"""Posting: one ``chat.postMessage`` as Slack answers it, the key it carries, the last check
before its bytes leave, and the pacing between posts.

Every post carries Slack message metadata naming its delivery (:func:`post_metadata`), so that a
post whose outcome is unknown can be found in the channel's history. :class:`GuardedRequest` is
the transport hook: the Slack clients (:mod:`bot.slack.clients`) make their requests with it, and
it asks the post's guard whether the lease still allows the post, right before the body is
written.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.delivery.faults import retry_after
from bot.store.deliveries import Claim

# the Slack message metadata every digest and reminder carries: {"delivery": delivery_key(...)}
EVENT_TYPE = "declaration_delivery"


def delivery_key(subscription_id: int, scheduled_for: datetime) -> str:
    """The key a post carries in its metadata: subscription and scheduled instant (UTC)."""
    return f"{subscription_id}@{scheduled_for.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def thread_key(key: str) -> str:
    """The key of a digest's reply in its thread, from its slot's key: ``<slot key>/thread``."""
    return f"{key}/thread"


def post_metadata(claim: Claim, *, reply: bool = False) -> dict[str, Any]:
    """The metadata of a slot's post, or (``reply``) of the reply in its thread."""
    key = delivery_key(claim.subscription.id, claim.scheduled_for)
    key = thread_key(key) if reply else key
    return {"event_type": EVENT_TYPE, "event_payload": {"delivery": key}}


class _SendGuard:
    """The last word on whether a post may leave: asked by :class:`GuardedRequest` as the
    request's bytes are about to be written, with nothing awaited in between."""

    def __init__(self, check: Callable[[], bool]) -> None:
        self.check = check
        self.refused = False

    def __call__(self) -> bool:
        self.refused = not self.check()
        return not self.refused


_SEND_GUARD: contextvars.ContextVar[_SendGuard | None] = contextvars.ContextVar(
    "declaration_send_guard", default=None
)


class GuardedRequest(aiohttp.ClientRequest):
    """An aiohttp request that asks the post's guard (if any) right before its body is written.

    Under Python 3.11 aiohttp writes a request's body in a task of its own, one turn of the event
    loop after the request was made: a process frozen in between (SIGSTOP, a stalled VM) would
    send, when it wakes, a post whose lease may have passed to another clock. Checked here, the
    lease is checked with nothing left to wait for before the bytes go out; if it has run out,
    the request fails without a byte written."""

    async def write_bytes(self, writer: Any, conn: Any, *args: Any, **kwargs: Any) -> None:
        guard = _SEND_GUARD.get()
        if guard is not None and not guard():
            refusal = aiohttp.ClientConnectionError("not sent: the post's lease has run out")
            if conn.protocol is not None:
                conn.protocol.set_exception(refusal)
            conn.close()
            return
        await super().write_bytes(writer, conn, *args, **kwargs)


@dataclass(frozen=True)
class Answer:
    """How one post went: its ts, or what Slack (or the connection) answered instead."""

    ts: str | None = None  # posted
    status: int | None = None  # Slack's HTTP status, when it answered with an error
    error: str = ""  # Slack's error code
    exception: BaseException | None = None  # no answer: the request failed
    wait: float = 1.0  # what a 429 asked to wait (Retry-After)
    held_back: bool = False  # the lease ran out before the request left: not a byte sent


async def send(
    client: AsyncWebClient,
    channel: str,
    message: tuple[str, list[dict[str, Any]]],
    metadata: dict[str, Any],
    may_leave: Callable[[], bool],
    thread_ts: str | None = None,
) -> Answer:
    """Post ``message`` (text, blocks) once, in the thread of ``thread_ts`` if given;
    ``may_leave`` is asked as its bytes are about to go out, with nothing awaited in between."""
    text, blocks = message
    guard = _SendGuard(may_leave)
    guarded = _SEND_GUARD.set(guard)
    try:
        resp = await client.chat_postMessage(
            channel=channel,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
            metadata=metadata,
            thread_ts=thread_ts,
        )
        return Answer(ts=str(resp.get("ts")))
    except SlackApiError as exc:
        return Answer(
            status=exc.response.status_code,
            error=str(exc.response.get("error") or ""),
            wait=retry_after(exc.response.headers),
        )
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        return Answer(exception=exc, held_back=guard.refused)
    finally:
        _SEND_GUARD.reset(guarded)


class Pacing:
    """At most one post per ``spacing`` seconds per channel, and a workspace held back while
    Slack asks it to wait; every wait ends early when ``stopping`` is set."""

    def __init__(self, stopping: asyncio.Event, spacing: float) -> None:
        self.stopping = stopping
        self.spacing = spacing
        self.team_hold: dict[str, float] = {}  # monotonic time before which a team waits
        self.channel_last: dict[tuple[str, str], float] = {}

    async def nap(self, seconds: float) -> None:
        """Sleep, unless asked to stop."""
        if seconds <= 0 or self.stopping.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def turn(self, team: str, channel: str) -> None:
        """Wait until this channel may be posted to."""
        while not self.stopping.is_set():
            now = time.monotonic()
            hold = self.team_hold.get(team, 0.0)
            last = self.channel_last.get((team, channel))
            ready = max(hold, (last + self.spacing) if last else 0.0)
            if ready <= now:
                self.channel_last[(team, channel)] = now
                return
            await self.nap(ready - now)

    async def wait_hold(self, holds: dict[str, float], team: str) -> None:
        """Wait while ``team`` is held back in ``holds``."""
        while not self.stopping.is_set():
            wait = holds.get(team, 0.0) - time.monotonic()
            if wait <= 0:
                return
            await self.nap(wait)


def hold(holds: dict[str, float], team: str, seconds: float) -> None:
    """Hold ``team`` back for ``seconds`` (or longer, if it already is)."""
    until = time.monotonic() + seconds
    holds[team] = max(holds.get(team, 0.0), until)
