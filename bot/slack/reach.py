"""What the bot can see of a workspace's channels (``conversations.info`` and
``conversations.members``), cached for a few minutes: which subscriptions a user may see in the
Home tab (and act on, with its buttons and the form), and whether a channel chosen in the form can
be posted to.

What Slack answered is kept; that it did not answer (rate-limited, slow, down) is not: the next
lookup asks again. A channel Slack said nothing about, or a private channel whose members it did
not list, is hidden (fails closed). A 429 stops this workspace's lookups for its ``Retry-After``
(at most a minute): they answer "unknown" meanwhile, without asking."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

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

# whether a user may see a channel's subscription: "unknown" when Slack did not say (hidden)
Access = Literal["yes", "no", "unknown"]

MAX_BACKOFF = 60.0  # seconds: the longest Retry-After honoured


class Reach:
    """Channel facts per workspace, kept ``ttl`` seconds; lookups are bounded and time-limited."""

    def __init__(self, ttl: float = 300.0, timeout: float = 2.0, concurrency: int = 8) -> None:
        self.ttl = ttl
        self.timeout = timeout
        self._gate = asyncio.Semaphore(concurrency)
        self._info: dict[tuple[str, str], tuple[float, Seen]] = {}
        self._members: dict[tuple[str, str], tuple[float, frozenset[str] | None]] = {}
        self._quiet: dict[str, float] = {}  # team -> until when Slack asked us not to call (429)

    def _fresh(self, stamp: float) -> bool:
        return time.monotonic() - stamp < self.ttl

    def _held_back(self, team: str) -> bool:
        until = self._quiet.get(team)
        if until is None:
            return False
        if time.monotonic() < until:
            return True
        del self._quiet[team]
        return False

    def _rate_limited(self, team: str, exc: SlackApiError) -> None:
        """Slack answered 429: no more lookups for this workspace until its Retry-After."""
        if getattr(exc.response, "status_code", None) != 429:
            return
        headers = getattr(exc.response, "headers", None) or {}
        raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
        try:
            wait = min(max(float(str(raw)), 1.0), MAX_BACKOFF)
        except ValueError:
            wait = 1.0
        if len(self._quiet) > 10_000:
            self._quiet.clear()
        self._quiet[team] = time.monotonic() + wait

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
        if self._held_back(team):
            return "unknown"
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
                is_private=any(data.get(k) for k in ("is_private", "is_group", "is_im", "is_mpim")),
                is_archived=bool(data.get("is_archived")),
            )
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            log.info("conversations.info team=%s channel=%s: %s", team, channel, code)
            if code not in NOT_FOUND:
                self._rate_limited(team, exc)
                return "unknown"  # not kept: ask again next time
            found = None
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
        if self._held_back(team):
            return None
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
        except SlackApiError as exc:
            error = exc.response.get("error")
            log.info("conversations.members team=%s channel=%s: %s", team, channel, error)
            self._rate_limited(team, exc)
            return None
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.info("conversations.members team=%s channel=%s: %s", team, channel, exc)
            return None
        if len(self._members) > 10_000:
            self._members.clear()
        self._members[key] = (time.monotonic(), frozenset(found))
        return frozenset(found)

    async def access(
        self,
        client: AsyncWebClient,
        team: str,
        user: str,
        channel: str,
        created_by: str | None = None,
    ) -> Access:
        """Whether ``user`` may see (and act on) the subscription of ``channel``: they created it,
        or it is a public channel, or a private one they are in. "unknown" when Slack did not say
        (not the same as "no" for what the user is told; the same for what they may do)."""
        if created_by is not None and created_by == user:
            return "yes"
        found = await self.info(client, team, channel)
        if found is None:
            return "no"
        if isinstance(found, str):
            return "unknown"
        if not found.is_private:
            return "yes"
        members = await self.members(client, team, channel)
        if members is None:
            return "unknown"
        return "yes" if user in members else "no"

    def name(self, team: str, channel: str) -> str | None:
        """The channel's name if it was looked up recently (for a confirmation dialog)."""
        hit = self._info.get((team, channel))
        found = hit[1] if hit is not None else None
        return found.name if isinstance(found, ChannelInfo) and found.name else None
