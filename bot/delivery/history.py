"""The history search for uncertain posts: before a post whose outcome is unknown is sent again,
the channel's recent history is searched for a message carrying its delivery key; before a
digest's reply whose outcome is unknown is sent again, the digest's thread
(``conversations.replies``) is searched for the reply's key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.delivery import faults
from bot.delivery.transport import EVENT_TYPE, Pacing, hold
from bot.store.deliveries import Claim

# the history looked at: from a little before the slot (clock skew) to now, newest first, 15
# messages a page (the most Slack serves non-Marketplace apps), at most HISTORY_PAGES pages
HISTORY_MARGIN = timedelta(minutes=10)
HISTORY_PAGE = 15
HISTORY_PAGES = 20


@dataclass(frozen=True)
class Seen:
    """What a channel's history says of one delivery."""

    ts: str | None = None  # found: the message's ts
    unreadable: str | None = None  # this bot cannot read the history (Slack's error)
    unknown: str | None = None  # could not tell for now (rate limited, Slack down)

    @property
    def label(self) -> str:
        """Its label in ``declaration_history_checks_total``."""
        if self.ts:
            return "found"
        if self.unreadable:
            return "unreadable"
        return "unknown" if self.unknown else "not_found"


class History:
    """Searches channels' histories, holding a workspace back while Slack asks it to wait."""

    def __init__(self, pacing: Pacing, max_attempts: int) -> None:
        self.pacing = pacing
        self.max_attempts = max_attempts
        self.holds: dict[str, float] = {}  # monotonic time before which a team waits

    async def look(self, client: AsyncWebClient, claim: Claim, key: str) -> Seen:
        """Search the channel's history since a little before the slot for a message carrying
        this delivery's key."""
        oldest = f"{(claim.scheduled_for - HISTORY_MARGIN).timestamp():.6f}"
        channel = claim.subscription.channel_id

        def page(cursor: str | None) -> Awaitable[Any]:
            return client.conversations_history(
                channel=channel,
                oldest=oldest,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )

        seen = await self._pages(claim.subscription.team_id, page, key)
        metrics.HISTORY_CHECKS.labels(seen.label).inc()
        return seen

    async def look_in_thread(
        self, client: AsyncWebClient, claim: Claim, thread_ts: str, key: str
    ) -> Seen:
        """Search the thread of the message ``thread_ts`` (a digest) for a reply carrying
        ``key``."""
        channel = claim.subscription.channel_id

        def page(cursor: str | None) -> Awaitable[Any]:
            return client.conversations_replies(
                channel=channel,
                ts=thread_ts,
                limit=HISTORY_PAGE,
                include_all_metadata=True,
                cursor=cursor,
            )

        seen = await self._pages(claim.subscription.team_id, page, key)
        metrics.HISTORY_CHECKS.labels(seen.label).inc()
        return seen

    async def _pages(
        self, team: str, fetch: Callable[[str | None], Awaitable[Any]], key: str
    ) -> Seen:
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await self._page(team, fetch, cursor)
            if isinstance(page, Seen):
                return page
            found = _find(page.get("messages") or [], key)
            if found is not None:
                return found
            more = page.get("response_metadata") or {}
            cursor = more.get("next_cursor") if isinstance(more, dict) else None
            if not page.get("has_more") or not cursor:
                return Seen()
        return Seen(unknown=f"more than {HISTORY_PAGES * HISTORY_PAGE} messages since the slot")

    async def _page(
        self, team: str, fetch: Callable[[str | None], Awaitable[Any]], cursor: str | None
    ) -> Any:
        """One page of history, or what stopped the search (a :class:`Seen`)."""
        tries = 0
        while True:
            await self.pacing.wait_hold(self.holds, team)
            if self.pacing.stopping.is_set():
                return Seen(unknown="stopping")
            try:
                return await fetch(cursor)
            except SlackApiError as exc:
                code = str(exc.response.get("error") or "")
                status = exc.response.status_code
                if faults.rate_limited(status, code):
                    wait = faults.retry_after(exc.response.headers)
                    hold(self.holds, team, wait)
                    tries += 1
                    if tries < self.max_attempts:
                        continue
                    return Seen(unknown=f"history rate limited, Retry-After {wait:.0f}s")
                if code in faults.HISTORY_UNREADABLE:
                    return Seen(unreadable=code)
                return Seen(unknown=f"history: {code or 'HTTP'} ({status})")
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                return Seen(unknown=f"history: {type(exc).__name__}")


def _find(messages: list[Any], key: str) -> Seen | None:
    """The message among ``messages`` that carries ``key`` in its metadata, if any."""
    for message in messages:
        meta = message.get("metadata") if isinstance(message, dict) else None
        if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
            continue
        payload = meta.get("event_payload")
        if isinstance(payload, dict) and payload.get("delivery") == key:
            return Seen(ts=str(message.get("ts")))
    return None
