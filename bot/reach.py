"""What the bot can see of a workspace's channels (``conversations.info`` and
``conversations.members``), cached for a few minutes: which subscriptions a user may see in the
Home tab, and whether a channel chosen in the form can be posted to."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.store import SubscriptionView

log = logging.getLogger("declaration_bot.reach")

# the bot cannot see the channel: private without the bot in it, or deleted
NOT_FOUND = frozenset({"channel_not_found", "not_in_channel"})


@dataclass(frozen=True)
class ChannelInfo:
    channel_id: str
    name: str
    is_private: bool
    is_archived: bool


# an answer: the channel, None when the bot cannot see it, "unknown" when Slack did not say
Seen = ChannelInfo | None | str


class Reach:
    """Channel facts per workspace, kept ``ttl`` seconds; lookups are bounded and time-limited."""

    def __init__(self, ttl: float = 300.0, timeout: float = 2.0, concurrency: int = 8) -> None:
        self.ttl = ttl
        self.timeout = timeout
        self._gate = asyncio.Semaphore(concurrency)
        self._info: dict[tuple[str, str], tuple[float, Seen]] = {}
        self._members: dict[tuple[str, str], tuple[float, frozenset[str] | None]] = {}

    def _fresh(self, stamp: float) -> bool:
        return time.monotonic() - stamp < self.ttl

    async def info(
        self,
        client: AsyncWebClient,
        team: str,
        channel: str,
        *,
        fresh: bool = False,
        timeout: float | None = None,
    ) -> Seen:
        """What the bot sees of a channel (``fresh``: ask Slack again, as after an invitation)."""
        key = (team, channel)
        hit = self._info.get(key)
        if hit is not None and self._fresh(hit[0]) and not fresh:
            return hit[1]
        found: Seen
        try:
            async with self._gate:
                resp = await asyncio.wait_for(
                    client.conversations_info(channel=channel), timeout or self.timeout
                )
            data: dict[str, Any] = resp.get("channel") or {}
            found = ChannelInfo(
                channel_id=channel,
                name=str(data.get("name") or ""),
                is_private=bool(data.get("is_private") or data.get("is_group")),
                is_archived=bool(data.get("is_archived")),
            )
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            found = None if code in NOT_FOUND else "unknown"
            log.info("conversations.info team=%s channel=%s: %s", team, channel, code)
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.warning("conversations.info team=%s: %s", team, type(exc).__name__)
            return "unknown"  # not kept: ask again next time
        if len(self._info) > 50_000:
            self._info.clear()
        self._info[key] = (time.monotonic(), found)
        return found

    async def members(
        self, client: AsyncWebClient, team: str, channel: str
    ) -> frozenset[str] | None:
        """Who is in a (private) channel, or None when Slack does not say."""
        key = (team, channel)
        hit = self._members.get(key)
        if hit is not None and self._fresh(hit[0]):
            return hit[1]
        found: set[str] = set()
        cursor = None
        try:
            for _ in range(10):  # at most 10,000 members are looked at
                async with self._gate:
                    resp = await asyncio.wait_for(
                        client.conversations_members(channel=channel, limit=1000, cursor=cursor),
                        self.timeout,
                    )
                found.update(str(m) for m in resp.get("members") or [])
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except (SlackApiError, TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.info("conversations.members team=%s channel=%s: %s", team, channel, exc)
            return None
        if len(self._members) > 10_000:
            self._members.clear()
        self._members[key] = (time.monotonic(), frozenset(found))
        return frozenset(found)

    async def can_see(
        self, client: AsyncWebClient, team: str, user: str, sub: SubscriptionView
    ) -> bool:
        """Whether ``user`` may see this subscription in the Home tab: a public channel, a
        private one they are in, or one that they subscribed; when Slack cannot say, yes."""
        if sub.created_by == user:
            return True
        found = await self.info(client, team, sub.channel_id)
        if found is None:
            return False
        if isinstance(found, str) or not found.is_private:
            return True
        members = await self.members(client, team, sub.channel_id)
        return members is None or user in members

    async def visible(
        self, client: AsyncWebClient, team: str, user: str, subs: Sequence[SubscriptionView]
    ) -> list[SubscriptionView]:
        seen = await asyncio.gather(*(self.can_see(client, team, user, s) for s in subs))
        return [s for s, ok in zip(subs, seen, strict=True) if ok]

    def name(self, team: str, channel: str) -> str | None:
        """The channel's name if it was looked up recently (for a confirmation dialog)."""
        hit = self._info.get((team, channel))
        found = hit[1] if hit is not None else None
        return found.name if isinstance(found, ChannelInfo) and found.name else None
