"""Channel subscriptions: subscribe, unsubscribe, pause, resume, status and the digest preview."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time

from slack_sdk.models.blocks import Block

from bot import commands as c
from bot import digest
from bot.clock import Clock
from bot.content import ContentSource
from bot.delivery import DeliverySettings
from bot.render import COMMAND, Reply, context, section
from bot.schedule import Schedule, ScheduleError, local_day, next_digest, parse_schedule, zone
from bot.store import Store, SubscriptionView
from bot.text import escape, slack_datetime

log = logging.getLogger("declaration_bot.channels")

DEFAULT_SCHEDULE_HINT = "weekly on Monday at 09:00 in your Slack time zone"
NO_SUBSCRIPTION = (
    f"This channel has no subscription. Start one with `{COMMAND} subscribe` "
    f"({DEFAULT_SCHEDULE_HINT}), or e.g. `{COMMAND} subscribe daily 09:00 Europe/Paris`."
)


@dataclass(frozen=True)
class Invocation:
    team_id: str
    channel_id: str
    user_id: str
    enterprise_id: str | None = None
    channel_name: str | None = None


UserZone = Callable[[], Awaitable[str | None]]


def _reply(*parts: str, extra: list[Block] | None = None) -> Reply:
    text = "\n".join(parts)
    return Reply(text=text, blocks=[section(text), *(extra or [])])


class Channels:
    def __init__(
        self, store: Store, content: ContentSource, clock: Clock, settings: DeliverySettings
    ) -> None:
        self.store = store
        self.content = content
        self.clock = clock
        self.settings = settings

    async def handle(
        self, command: c.ChannelCommand, inv: Invocation, user_zone: UserZone
    ) -> Reply:
        match command:
            case c.Subscribe(words=words):
                return await self.subscribe(words, inv, user_zone)
            case c.Unsubscribe():
                gone = await asyncio.to_thread(self.store.unsubscribe, inv.team_id, inv.channel_id)
                log.info("unsubscribed=%s team=%s channel=%s", gone, inv.team_id, inv.channel_id)
                if not gone:
                    return _reply(NO_SUBSCRIPTION)
                return _reply(
                    f"Unsubscribed <#{inv.channel_id}>: no more digests or summit reminders here."
                    f" `{COMMAND} subscribe` starts again."
                )
            case c.Pause():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return _reply(NO_SUBSCRIPTION)
                if sub.paused:
                    return _reply(
                        f"Already paused: {escape(sub.paused_reason or '')}",
                        f"`{COMMAND} resume` starts it again.",
                    )
                reason = f"paused by <@{inv.user_id}>"
                await asyncio.to_thread(
                    self.store.pause, inv.team_id, inv.channel_id, reason, self.clock.now()
                )
                log.info("paused team=%s channel=%s", inv.team_id, inv.channel_id)
                return _reply(
                    f"Paused <#{inv.channel_id}>: nothing is posted until `{COMMAND} resume`."
                )
            case c.Resume():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return _reply(NO_SUBSCRIPTION)
                was_paused = sub.paused
                sub = await asyncio.to_thread(
                    self.store.resume, inv.team_id, inv.channel_id, self.clock.now()
                )
                assert sub is not None
                log.info("resumed team=%s channel=%s", inv.team_id, inv.channel_id)
                head = "Resumed." if was_paused else "It was not paused."
                return _reply(f"{head} {self._next_line(sub)}")
            case c.Status():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return _reply(NO_SUBSCRIPTION)
                return self.status(sub)
            case c.Digest():
                return await self.preview(inv)
        return _reply(NO_SUBSCRIPTION)  # pragma: no cover

    async def subscribe(
        self, words: tuple[str, ...], inv: Invocation, user_zone: UserZone
    ) -> Reply:
        given_zone = any(zone(w) is not None for w in words)
        default_tz = "UTC"
        if not given_zone:
            default_tz = await user_zone() or "UTC"
            if zone(default_tz) is None:
                default_tz = "UTC"
        parsed = parse_schedule(words, default_tz)
        if isinstance(parsed, ScheduleError):
            log.info("subscribe refused team=%s channel=%s", inv.team_id, inv.channel_id)
            return _reply(f":warning: {parsed.message}", "Nothing was changed.")
        now = self.clock.now()
        sub, created = await asyncio.to_thread(
            lambda: self.store.subscribe(
                team_id=inv.team_id,
                channel_id=inv.channel_id,
                schedule=parsed,
                now=now,
                user_id=inv.user_id,
                enterprise_id=inv.enterprise_id,
            )
        )
        log.info(
            "subscribed created=%s team=%s channel=%s schedule=%s",
            created,
            inv.team_id,
            inv.channel_id,
            parsed.describe(),
        )
        lead = ", ".join(str(d) for d in self.settings.lead_days)
        head = "Subscribed" if created else "Updated the subscription of"
        zone_note = ""
        if not given_zone:
            zone_note = " (your Slack time zone)" if default_tz != "UTC" else " (UTC by default)"
        return _reply(
            f":white_check_mark: {head} <#{inv.channel_id}>: digests {parsed.describe()}"
            f"{zone_note}.",
            self._next_line(sub),
            f"Summit reminders come {lead} days before each summit, at the same time.",
            extra=[
                context(
                    f"`{COMMAND} digest` previews it · `{COMMAND} status` · "
                    f"`{COMMAND} pause` · `{COMMAND} unsubscribe`. In a private channel, "
                    "invite the bot first (`/invite @declaration-bot`)."
                )
            ],
        )

    def _next_line(self, sub: SubscriptionView) -> str:
        if sub.paused:
            return f"Paused: {escape(sub.paused_reason or 'no reason given')}."
        found = digest.next_post(
            self.content.current(), sub.schedule, self.clock.now(), self.settings.lead_days
        )
        if found is None:
            return "No post is scheduled."
        when, kinds = found
        return f"Next post: {digest.describe_next(when, kinds)}."

    def status(self, sub: SubscriptionView) -> Reply:
        lines = [
            f"*Subscription of <#{sub.channel_id}>*",
            f"• Schedule: digests {sub.schedule.describe()}",
            f"• Summit reminders: {', '.join(map(str, self.settings.lead_days))} days before",
            f"• {self._next_line(sub)}",
        ]
        if sub.last_delivery_at:
            lines.append(
                f"• Last delivery: {slack_datetime(sub.last_delivery_at)} — "
                f"{escape(sub.last_result or 'unknown')}"
            )
        else:
            lines.append("• Last delivery: none yet")
        if sub.paused:
            lines.append(
                f"• :double_vertical_bar: Paused: {escape(sub.paused_reason or '')}. "
                f"`{COMMAND} resume` starts it again."
            )
        return _reply("\n".join(lines))

    async def preview(self, inv: Invocation) -> Reply:
        sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
        schedule = sub.schedule if sub else Schedule("weekly", 0, time(9, 0), "UTC")
        now = self.clock.now()
        when = next_digest(schedule, now)
        library = self.content.current()
        kinds = digest.owed(library, schedule, when, self.settings.lead_days) or "digest"
        post = digest.compose(
            library,
            schedule,
            when,
            kinds,
            last_digest_for=sub.last_digest_for if sub else None,
            digests_sent=sub.digests_sent if sub else 0,
            lead_days=self.settings.lead_days,
        )
        note = (
            f"Preview, only for you: this channel's next digest, due {slack_datetime(when)} "
            f"({escape(local_day(schedule, when).isoformat())} in {schedule.tz})."
            if sub
            else f"Preview, only for you. {NO_SUBSCRIPTION}"
        )
        blocks = [context(note), *post.blocks]
        return Reply(text=post.text, blocks=blocks[:50], response_type="ephemeral")
