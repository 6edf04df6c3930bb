"""Channel subscriptions, the I/O: each channel command loads what it needs (the channel's
subscription, the caller's Slack profile), lets :mod:`bot.subscriptions.replies` decide and say the
reply from plain values, and saves what it decided (a pause, a resume, a subscription)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands as c
from bot.answers import core
from bot.clock import Clock
from bot.content.source import ContentSource
from bot.delivery.deliverer import DeliverySettings
from bot.slack.ids import is_direct_message
from bot.slack.payloads import Reply
from bot.slack.reach import Reach
from bot.store.store import Store
from bot.subscriptions import replies
from bot.subscriptions.model import Draft, Problem, Request, validate
from bot.subscriptions.pauses import read_until, reads_skip
from bot.subscriptions.replies import (
    Facts,
    Invocation,
    Joined,
)
from bot.subscriptions.replies import Reach as CanPost
from bot.subscriptions.stored import SubscriptionView

log = logging.getLogger("declaration_bot.channels")

# the invoking user's Slack profile (users.info), fetched at most once per command, or None
UserInfo = Callable[[], Awaitable[dict[str, Any] | None]]

# a workspace's Web API client (team, enterprise), or None when it has no token
ClientFor = Callable[[str, str | None], Awaitable[AsyncWebClient | None]]

# seconds to wait for conversations.join: the form waits for it before it answers Slack (3 s)
JOIN_SECONDS = 1.5
# a channel the bot joined (or found itself in) is not joined again for this long: subscribing
# again, changing one setting, is then one database write, not a Slack round trip as well
JOINED_SECONDS = 600.0
JOINED_AT_MOST = 10_000

# conversations.join's errors for a conversation that is not a public channel (a private channel,
# a direct message): the bot must be invited there, as before; nothing to say
NOT_JOINABLE = frozenset({"method_not_supported_for_channel_type", "channel_not_found"})

# seconds to wait for conversations.info before `subscribe` stores (as the form's check)
REACH_SECONDS = 0.8

# the channel names Slack gives a slash command typed in a direct message or a group DM
DIRECT_NAMES = ("directmessage", "mpdm-")

# seconds to wait for conversations.open (`subscribe me`: the person's DM with the bot)
OPEN_SECONDS = 1.5

# the commands that change a subscription (the others only read it)
_CHANGES = (c.Subscribe, c.Unsubscribe, c.Pause, c.Resume, c.Skip)


class Channels:
    def __init__(
        self,
        store: Store,
        content: ContentSource,
        clock: Clock,
        settings: DeliverySettings,
        managers: str = "everyone",
        clients: ClientFor | None = None,
        reach: Reach | None = None,
    ) -> None:
        self.managers = managers
        self.clients = clients  # None: no Slack to join channels with (the terminal)
        self.reach = reach if reach is not None else Reach()  # conversations.info, cached
        self._joined: dict[tuple[str, str], float] = {}  # (team, channel) -> when, monotonic
        self.store = store
        self.content = content
        self.clock = clock
        self.settings = settings

    def facts(self, now: datetime | None = None) -> Facts:
        """The content, the instant (now, unless given) and the lead days, for one reply."""
        at = now if now is not None else self.clock.now()
        return Facts(
            self.content.current(),
            at,
            tuple(self.settings.lead_days),
            self.settings.calendar_url,
        )

    async def answer(self, parsed: c.Parsed, inv: Invocation, user_info: UserInfo) -> Reply:
        """Answer what the user typed (a channel command, read once), saying so if a ``lang:``
        was unknown (``subscribe`` refuses one instead: it would set the digests' language)."""
        command = parsed.command
        if not isinstance(command, c.CHANNEL_COMMANDS):
            raise ValueError(f"not a channel command: {parsed.kind}")
        if isinstance(command, c.Subscribe):
            return await self.handle(
                command,
                inv,
                user_info,
                lang_unknown=parsed.lang_unknown,
                lang_given=parsed.lang is not None,
            )
        reply = await self.handle(command, inv, user_info)
        return core.noted(reply, parsed.lang_unknown, inv.lang)

    async def is_manager(self, user_info: UserInfo) -> bool:
        """Whether this user may change every channel's subscription (SUBSCRIPTION_MANAGERS=admins:
        admins and owners only); the Home tab asks this to show its buttons."""
        profile = await user_info() if replies.needs_profile(self.managers) else None
        return replies.may_change(self.managers, profile)

    async def refused(self, inv: Invocation, user_info: UserInfo) -> Reply | None:
        """Why this user may not change the subscription of the invocation's channel, or None
        when they may: the command, the Home tab's buttons and the form all ask this. A person's
        own subscription is theirs alone; with SUBSCRIPTION_MANAGERS=admins a channel's is its
        creator's and the workspace admins' (anyone's, with ``everyone``)."""
        direct = is_direct_message(inv.channel_id)  # where a person's own subscription posts
        if not direct and not replies.needs_profile(self.managers):
            return None  # anyone: nothing to look up
        sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
        if sub is not None and sub.owner_id is not None:
            if sub.owner_id == inv.user_id:
                return None
            return self._refusal(inv, replies.owner_only(inv.lang, sub.owner_id))
        if not replies.needs_profile(self.managers):
            return None
        if sub is not None and sub.created_by is not None and sub.created_by == inv.user_id:
            return None
        if replies.may_change(self.managers, await user_info()):
            return None
        creator = sub.created_by if sub is not None else None
        return self._refusal(inv, replies.admins_only(inv.lang, creator))

    @staticmethod
    def _refusal(inv: Invocation, reply: Reply) -> Reply:
        log.info(
            "refused change team=%s channel=%s user=%s",
            inv.team_id,
            inv.channel_id,
            inv.user_id,
        )
        return reply

    async def handle(
        self,
        command: c.ChannelCommand,
        inv: Invocation,
        user_info: UserInfo,
        *,
        lang_unknown: str | None = None,
        lang_given: bool = False,
    ) -> Reply:
        if getattr(command, "me", False):
            return await self.personal(command, inv, user_info, lang_unknown, lang_given)
        if isinstance(command, _CHANGES):
            refused = await self.refused(inv, user_info)
            if refused is not None:
                return refused
        if isinstance(command, c.Subscribe):
            return await self.subscribe(command.words, inv, user_info, lang_unknown, lang_given)
        return await self.act(command, inv)

    async def act(self, command: c.ChannelCommand, inv: Invocation) -> Reply:
        """A command other than ``subscribe`` on the invocation's channel, allowed already."""
        team, channel = inv.team_id, inv.channel_id
        if isinstance(command, c.Unsubscribe):
            gone = await asyncio.to_thread(self.store.unsubscribe, team, channel)
            log.info("unsubscribed=%s team=%s channel=%s", gone, team, channel)
            return replies.unsubscribed(inv, gone)
        if isinstance(command, c.Digest):
            return await self.preview(inv)
        sub = await asyncio.to_thread(self.store.get, team, channel)
        match command:
            case c.Pause(words=words):
                until = (
                    read_until(words, replies.local_today(sub, self.clock.now())) if sub else None
                )
                if until is None:
                    return await self._save(replies.pause(inv, sub), inv)
                return await self._save(replies.pause_until(inv, sub, until), inv)
            case c.Skip(words=words):
                problem = reads_skip(words)
                if problem is not None:
                    return replies.hold_refused(inv.lang, problem)
                return await self._save(replies.skip(self.facts(), inv, sub), inv)
            case c.Resume():
                return await self._save(replies.resume(self.facts(), inv, sub), inv)
            case c.Status():
                return replies.status(self.facts(), inv, sub)
        raise ValueError(f"not a channel command: {command!r}")  # pragma: no cover

    async def personal(
        self,
        command: c.ChannelCommand,
        inv: Invocation,
        user_info: UserInfo,
        lang_unknown: str | None = None,
        lang_given: bool = False,
    ) -> Reply:
        """``… me``: the caller's own subscription, posted to their direct message with the bot,
        found from any channel; theirs to change, whatever SUBSCRIPTION_MANAGERS says."""
        sub = await asyncio.to_thread(self.store.personal, inv.team_id, inv.user_id)
        if isinstance(command, c.Subscribe):
            dm = sub.channel_id if sub is not None else await self.open_dm(inv)
            if not is_direct_message(dm):
                return replies.open_failed(inv.lang, dm)
            mine = replace(inv, channel_id=dm, channel_name=None)
            return await self.subscribe(
                command.words, mine, user_info, lang_unknown, lang_given, personal=True
            )
        if sub is None:
            return replies.no_personal(inv.lang)
        return await self.act(command, replace(inv, channel_id=sub.channel_id, channel_name=None))

    async def open_dm(self, inv: Invocation) -> str:
        """The id of the caller's direct message with the bot (``conversations.open``, scope
        ``im:write``), or what went wrong (Slack's error code)."""
        if self.clients is None:
            return f"D{inv.user_id}"  # the terminal: its own channel
        try:
            client = await self.clients(inv.team_id, inv.enterprise_id)
            if client is None:
                return "not_installed"
            resp = await asyncio.wait_for(
                client.conversations_open(users=inv.user_id), OPEN_SECONDS
            )
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "error")
            log.info("conversations.open team=%s user=%s: %s", inv.team_id, inv.user_id, code)
            return code
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.warning("conversations.open team=%s: %s", inv.team_id, type(exc).__name__)
            return "no_answer"
        return str((resp.get("channel") or {}).get("id") or "no_channel")

    async def _save(self, decision: replies.Decision, inv: Invocation) -> Reply:
        """Save what was decided (a pause, a hold, a resume), then say it."""
        team, channel = inv.team_id, inv.channel_id
        saved: SubscriptionView | None
        match decision.save:
            case replies.Pause(reason=reason):
                saved = await asyncio.to_thread(
                    self.store.pause, team, channel, reason, self.clock.now()
                )
                log.info("paused team=%s channel=%s", team, channel)
            case replies.Hold(until=until, skip=skip):
                saved = await asyncio.to_thread(
                    lambda: self.store.hold(team, channel, self.clock.now(), until=until, skip=skip)
                )
                log.info("held team=%s channel=%s until=%s skip=%s", team, channel, until, skip)
            case replies.Resume():
                saved = await asyncio.to_thread(self.store.resume, team, channel, self.clock.now())
                log.info("resumed team=%s channel=%s", team, channel)
            case None:
                return decision.reply
        # unsubscribed meanwhile: say so rather than what would have been
        return decision.reply if saved is not None else replies.no_subscription(inv)

    async def preview(self, inv: Invocation) -> Reply:
        """The channel's next post (``digest``; the Home tab's *Preview*)."""
        sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
        return replies.preview(self.facts(), inv, sub)

    async def subscribe(
        self,
        words: tuple[str, ...],
        inv: Invocation,
        user_info: UserInfo,
        unknown: str | None = None,
        lang_given: bool = False,
        personal: bool = False,
    ) -> Reply:
        """``subscribe <words>``: refused where the bot cannot post (a direct message, a private
        channel it is not in); on a subscribed channel, the settings shown (no words) or changed
        (only what the words name, unless ``reset``/``fresh``); else stored as asked.
        ``personal``: the caller's own, in their direct message with the bot (``inv`` names it)."""
        team, channel = inv.team_id, inv.channel_id
        if not personal and self.is_direct(inv):
            log.info("subscribe refused team=%s channel=%s: direct", team, channel)
            return replies.cannot_post(inv, "direct") or replies.no_subscription(inv)
        sub = await asyncio.to_thread(self.store.get, team, channel)
        if sub is not None and replies.shows_settings(
            words, lang_given=lang_given, lang_unknown=unknown
        ):
            return replies.settings(self.facts(), inv, sub)
        user_tz = None
        if replies.needs_user_zone(words, unknown, subscribed=sub is not None):
            user_tz = (await user_info() or {}).get("tz")
        plan = replies.plan_subscribe(
            self.content.current(),
            inv,
            words,
            lang_unknown=unknown,
            user_tz=user_tz,
            stored=sub,
            lang_given=lang_given,
        )
        if isinstance(plan, Reply):
            log.info("subscribe refused team=%s channel=%s", team, channel)
            return plan
        if personal:
            return await self.apply(
                plan.request,
                inv,
                zone_said=plan.zone_said,
                joined=None,
                before=plan.before,
                owner=inv.user_id,
                stored=sub,
            )
        # asked together: whether the bot can post there, and (a public channel) joining it
        reach, joined = await asyncio.gather(self.can_post(inv), self.join(inv))
        refused = replies.cannot_post(inv, reach)
        if refused is not None:
            log.info("subscribe refused team=%s channel=%s: %s", team, channel, reach)
            return refused
        return await self.apply(
            plan.request,
            inv,
            zone_said=plan.zone_said,
            joined=joined,
            before=plan.before,
            reach=reach,
            stored=sub,
        )

    @staticmethod
    def is_direct(inv: Invocation) -> bool:
        """Whether the command was typed in a direct message or a group DM (its id, or the
        channel name Slack gives the command there)."""
        name = inv.channel_name or ""
        return is_direct_message(inv.channel_id) or name.startswith(DIRECT_NAMES)

    async def can_post(self, inv: Invocation) -> CanPost:
        """Whether the bot can post in the invocation's channel, as ``conversations.info`` says
        (cached; a channel it cannot see is asked again, as it may just have been invited).
        Without Slack (the terminal) it can."""
        if self.clients is None:
            return "yes"
        team, channel = inv.team_id, inv.channel_id
        try:
            client = await self.clients(team, inv.enterprise_id)
        except (TimeoutError, OSError, aiohttp.ClientError, SlackApiError) as exc:
            log.warning("no client team=%s: %s", team, type(exc).__name__)
            return "unknown"
        if client is None:
            return "unknown"
        seen = await self.reach.info(client, team, channel, timeout=REACH_SECONDS)
        if seen is None:
            seen = await self.reach.info(client, team, channel, fresh=True, timeout=REACH_SECONDS)
        if seen is None:
            return "private"
        if isinstance(seen, str):
            return "unknown"
        return "yes"

    def check(self, draft: Draft) -> Request | Problem:
        """A subscription chosen in the form, checked as the command's words are
        (:func:`bot.subscriptions.model.validate`) against the current content."""
        return validate(draft, self.content.current())

    async def apply(
        self,
        req: Request,
        inv: Invocation,
        *,
        zone_said: str | None = None,
        joined: Joined | Literal["ask"] = "ask",
        before: Draft | None = None,
        reach: CanPost = "yes",
        owner: str | None = None,
        stored: SubscriptionView | None = None,
    ) -> Reply:
        """Join the channel if it is public (unless ``joined`` says how asking went already),
        store a checked request for it; the reply says what was set (``before``: what changed)
        and whether the bot joined. ``zone_said`` names the zone and where it came from when the
        request did not name it; ``reach``: whether Slack said the bot may post there;
        ``owner``: the person whose own subscription this is (the channel is their DM);
        ``stored``: the subscription as it is (nothing is written when the request is the same)."""
        if joined == "ask":
            joined = await self.join(inv)
        now = self.clock.now()
        if stored is not None and req.stored_as(stored):
            # nothing to change: not written again (its next wake-up stays as the clock left it)
            log.info("subscribed unchanged team=%s channel=%s", inv.team_id, inv.channel_id)
            return replies.subscribed(
                self.facts(now), inv, req, stored, False, zone_said, joined, before, reach
            )
        sub, created = await asyncio.to_thread(
            lambda: self.store.subscribe(
                team_id=inv.team_id,
                channel_id=inv.channel_id,
                schedule=req.schedule,
                now=now,
                user_id=inv.user_id,
                enterprise_id=inv.enterprise_id,
                lang=req.lang,
                always=req.always,
                receives=req.receives,
                topics=req.topics,
                owner_id=owner,
            )
        )
        log.info(
            "subscribed created=%s team=%s channel=%s schedule=%s lang=%s always=%s receives=%s"
            " topics=%s",
            created,
            inv.team_id,
            inv.channel_id,
            req.schedule.describe(),
            req.lang,
            req.always,
            req.receives,
            ",".join(sorted(req.topics)) or "all",
        )
        return replies.subscribed(
            self.facts(now), inv, req, sub, created, zone_said, joined, before, reach
        )

    async def join(self, inv: Invocation) -> Joined:
        """Have the bot join the invocation's channel (``conversations.join``, scope
        ``channels:join``), so that it may read the channel's history: how the clock tells
        whether a post Slack did not confirm is there (docs/exactly-once.md). Without it, a
        public channel is posted to through ``chat:write.public`` and such a post stays
        uncertain. A failure never stops the subscription: the reply says what it costs."""
        if self.clients is None:
            return None
        team, channel = inv.team_id, inv.channel_id
        seen = self._joined.get((team, channel))
        if seen is not None and time.monotonic() - seen < JOINED_SECONDS:
            return "member"
        try:
            client = await self.clients(team, inv.enterprise_id)
            if client is None:
                return None
            resp = await asyncio.wait_for(client.conversations_join(channel=channel), JOIN_SECONDS)
        except SlackApiError as exc:
            code = str(exc.response.get("error") or "")
            log.info("conversations.join team=%s channel=%s: %s", team, channel, code)
            return None if code in NOT_JOINABLE else "failed"
        except (TimeoutError, OSError, aiohttp.ClientError) as exc:
            log.warning("conversations.join team=%s channel=%s: %s", team, channel, exc)
            return "failed"
        warnings = (resp.get("response_metadata") or {}).get("warnings") or []
        self._remember_joined(team, channel)
        if resp.get("warning") == "already_in_channel" or "already_in_channel" in warnings:
            return "member"
        log.info("joined team=%s channel=%s", team, channel)
        return "joined"

    def _remember_joined(self, team: str, channel: str) -> None:
        if len(self._joined) >= JOINED_AT_MOST:
            self._joined.clear()
        self._joined[(team, channel)] = time.monotonic()
