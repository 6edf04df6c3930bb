"""Channel subscriptions: subscribe, unsubscribe, pause, resume, status and the digest preview."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import time
from typing import Any

from slack_sdk.models.blocks import Block

from bot import commands as c
from bot import digest
from bot.clock import Clock
from bot.content import ContentSource
from bot.delivery import DeliverySettings
from bot.i18n import DEFAULT, describe_schedule, language_name, pause_reason, split_lang, t
from bot.render import COMMAND, Reply, context, fallback, section
from bot.schedule import Schedule, ScheduleError, local_day, next_digest, parse_schedule, zone
from bot.store import RESULT_NOTHING_NEW, Store, SubscriptionView
from bot.text import escape, slack_datetime

log = logging.getLogger("declaration_bot.channels")


@dataclass(frozen=True)
class Invocation:
    team_id: str
    channel_id: str
    user_id: str
    enterprise_id: str | None = None
    channel_name: str | None = None
    lang: str = DEFAULT  # the language the caller reads replies in


# the invoking user's Slack profile (users.info), fetched at most once per command, or None
UserInfo = Callable[[], Awaitable[dict[str, Any] | None]]


def _reply(*parts: str, extra: list[Block] | None = None) -> Reply:
    text = "\n".join(parts)
    return Reply(text=text, blocks=[section(text), *(extra or [])])


def describe(schedule: Schedule, lang: str) -> str:
    return describe_schedule(schedule.cadence, schedule.weekday, schedule.at, schedule.tz, lang)


ALWAYS = "always"  # `subscribe … always`: post every digest, even with nothing new


def split_always(words: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """Take the word ``always`` (any case) out of the words after ``subscribe``."""
    rest = tuple(w for w in words if w.casefold() != ALWAYS)
    return rest, len(rest) != len(words)


def quiet(sub: SubscriptionView) -> bool:
    """Whether this channel's next digest is skipped when there is nothing new."""
    return not sub.always and sub.last_digest_for is not None


def last_result(result: str | None, lang: str) -> str:
    """The last delivery's result, in the reader's language where it is one of ours."""
    if result == "sent":
        return t(lang, "channels.result_sent")
    if result == RESULT_NOTHING_NEW:
        return t(lang, "channels.result_nothing_new")
    if result and result.startswith("uncertain:"):  # bot.store.RESULT_UNCERTAIN
        return t(lang, "channels.result_uncertain")
    return escape(result or "?")


def schedule_error(err: ScheduleError, lang: str) -> str:
    """A schedule mistake, said in the reader's language (with the same examples)."""
    q = err.quoted
    daily, weekly = "`subscribe daily 09:00 UTC`", "`subscribe weekly fri 16:30 Asia/Shanghai`"
    if err.code == "twice" and len(q) == 2:
        part = t(lang, f"schedule.part_{err.part.replace(' ', '_')}")
        return t(lang, "schedule.err_twice", part=part, first=q[0], second=q[1], example=weekly)
    if err.code in ("time", "zone", "unknown") and q:
        return t(lang, f"schedule.err_{err.code}", word=q[0], daily=daily, weekly=weekly)
    if err.code == "daily_weekday" and len(q) == 2:
        return t(
            lang, "schedule.err_daily_weekday", first=q[0], second=q[1], daily=daily, weekly=weekly
        )
    return err.message


class Channels:
    def __init__(
        self,
        store: Store,
        content: ContentSource,
        clock: Clock,
        settings: DeliverySettings,
        managers: str = "everyone",
    ) -> None:
        self.managers = managers
        self.store = store
        self.content = content
        self.clock = clock
        self.settings = settings

    def _none(self, lang: str) -> Reply:
        return _reply(t(lang, "channels.none", command=COMMAND))

    async def handle(
        self, command: c.ChannelCommand, inv: Invocation, user_info: UserInfo
    ) -> Reply:
        lang = inv.lang
        changes = isinstance(command, c.Subscribe | c.Unsubscribe | c.Pause | c.Resume)
        if changes and self.managers == "admins":
            info = await user_info() or {}
            if not (info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner")):
                log.info(
                    "refused non-admin team=%s channel=%s user=%s",
                    inv.team_id,
                    inv.channel_id,
                    inv.user_id,
                )
                return _reply(t(lang, "channels.admins_only", command=COMMAND))
        channel = f"<#{inv.channel_id}>"
        match command:
            case c.Subscribe(words=words):
                return await self.subscribe(words, inv, user_info)
            case c.Unsubscribe():
                gone = await asyncio.to_thread(self.store.unsubscribe, inv.team_id, inv.channel_id)
                log.info("unsubscribed=%s team=%s channel=%s", gone, inv.team_id, inv.channel_id)
                if not gone:
                    return self._none(lang)
                return _reply(t(lang, "channels.unsubscribed", channel=channel, command=COMMAND))
            case c.Pause():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return self._none(lang)
                if sub.paused:
                    reason = pause_reason(sub.paused_reason, lang)
                    return _reply(
                        t(lang, "channels.already_paused", reason=reason, command=COMMAND)
                    )
                reason = t(sub.lang, "channels.paused_by", user=f"<@{inv.user_id}>")
                await asyncio.to_thread(
                    self.store.pause, inv.team_id, inv.channel_id, reason, self.clock.now()
                )
                log.info("paused team=%s channel=%s", inv.team_id, inv.channel_id)
                return _reply(t(lang, "channels.paused", channel=channel, command=COMMAND))
            case c.Resume():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return self._none(lang)
                was_paused = sub.paused
                sub = await asyncio.to_thread(
                    self.store.resume, inv.team_id, inv.channel_id, self.clock.now()
                )
                assert sub is not None
                log.info("resumed team=%s channel=%s", inv.team_id, inv.channel_id)
                head = t(lang, "channels.resumed" if was_paused else "channels.not_paused")
                return _reply(" ".join([head, *self._next_lines(sub, lang)]))
            case c.Status():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return self._none(lang)
                return self.status(sub, lang)
            case c.Digest():
                return await self.preview(inv)
        return self._none(lang)  # pragma: no cover

    async def subscribe(
        self, words: tuple[str, ...], inv: Invocation, user_info: UserInfo
    ) -> Reply:
        lang = inv.lang
        rest, digest_lang = split_lang(" ".join(words))
        words, always = split_always(tuple(rest.split()))
        digest_lang = digest_lang or lang
        given_zone = any(zone(w) is not None for w in words)
        default_tz = "UTC"
        if not given_zone:
            default_tz = str((await user_info() or {}).get("tz") or "UTC")
            if zone(default_tz) is None:
                default_tz = "UTC"
        parsed = parse_schedule(words, default_tz)
        if isinstance(parsed, ScheduleError):
            log.info("subscribe refused team=%s channel=%s", inv.team_id, inv.channel_id)
            return _reply(
                t(lang, "channels.invalid", message=schedule_error(parsed, lang)),
                t(lang, "channels.nothing_changed"),
            )
        now = self.clock.now()
        sub, created = await asyncio.to_thread(
            lambda: self.store.subscribe(
                team_id=inv.team_id,
                channel_id=inv.channel_id,
                schedule=parsed,
                now=now,
                user_id=inv.user_id,
                enterprise_id=inv.enterprise_id,
                lang=digest_lang,
                always=always,
            )
        )
        log.info(
            "subscribed created=%s team=%s channel=%s schedule=%s lang=%s always=%s",
            created,
            inv.team_id,
            inv.channel_id,
            parsed.describe(),
            digest_lang,
            always,
        )
        lead = ", ".join(str(d) for d in self.settings.lead_days)
        note = ""
        if not given_zone:
            note = t(lang, "channels.your_zone" if default_tz != "UTC" else "channels.utc_default")
        head = t(
            lang,
            "channels.subscribed" if created else "channels.updated",
            channel=f"<#{inv.channel_id}>",
            schedule=describe(parsed, lang),
            note=note,
            language=language_name(digest_lang, lang),
        )
        return _reply(
            head,
            " ".join(self._next_lines(sub, lang)),
            self._mode(sub, lang),
            t(lang, "channels.reminders", days=lead),
            extra=[context(t(lang, "channels.tips", command=COMMAND))],
        )

    def _mode(self, sub: SubscriptionView, lang: str) -> str:
        if sub.always:
            return t(lang, "channels.mode_always", command=COMMAND)
        return t(lang, "channels.mode_quiet", command=COMMAND)

    def _next_lines(self, sub: SubscriptionView, lang: str) -> list[str]:
        """The next post; for a quiet channel, when it is next checked for news."""
        if sub.paused:
            reason = pause_reason(sub.paused_reason, lang)
            return [t(lang, "channels.paused_line", reason=reason)]
        now = self.clock.now()
        found = digest.next_post(self.content.current(), sub.schedule, now, self.settings.lead_days)
        if found is None:
            return [t(lang, "channels.no_post")]
        when, kinds = found
        if quiet(sub) and kinds == "digest":
            return [t(lang, "channels.next_check", when=slack_datetime(when))]
        lines = [t(lang, "channels.next_post", when=digest.describe_next(when, kinds, lang))]
        if quiet(sub) and "digest" not in kinds:
            check = next_digest(sub.schedule, now)
            lines.append(t(lang, "channels.next_check", when=slack_datetime(check)))
        return lines

    def status(self, sub: SubscriptionView, lang: str) -> Reply:
        lines = [
            t(lang, "channels.status_head", channel=f"<#{sub.channel_id}>"),
            "• "
            + t(
                lang,
                "channels.status_schedule",
                schedule=describe(sub.schedule, lang),
                language=language_name(sub.lang, lang),
            ),
            "• "
            + t(
                lang,
                "channels.status_reminders",
                days=", ".join(map(str, self.settings.lead_days)),
            ),
            "• " + self._mode(sub, lang),
            *(f"• {line}" for line in self._next_lines(sub, lang)),
        ]
        if sub.last_digest_for:
            when = slack_datetime(sub.last_digest_for)
            lines.append("• " + t(lang, "channels.last_news", when=when))
        else:
            lines.append("• " + t(lang, "channels.last_news_none"))
        if sub.last_delivery_at:
            result = last_result(sub.last_result, lang)
            when = slack_datetime(sub.last_delivery_at)
            lines.append("• " + t(lang, "channels.last_delivery", when=when, result=result))
        else:
            lines.append("• " + t(lang, "channels.last_none"))
        if sub.paused:
            reason = pause_reason(sub.paused_reason, lang)
            lines.append("• " + t(lang, "channels.status_paused", reason=reason, command=COMMAND))
        return _reply("\n".join(lines))

    async def preview(self, inv: Invocation) -> Reply:
        sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
        schedule = sub.schedule if sub else Schedule("weekly", 0, time(9, 0), "UTC")
        now = self.clock.now()
        when = next_digest(schedule, now)
        library = self.content.current()
        kinds = digest.owed(library, schedule, when, self.settings.lead_days) or "digest"
        skipped = sub is not None and digest.is_quiet(
            library,
            schedule,
            when,
            kinds,
            last_digest_for=sub.last_digest_for,
            news_seen=sub.news_seen,
            always=sub.always,
        )
        post = digest.compose(
            library,
            schedule,
            when,
            kinds,
            last_digest_for=sub.last_digest_for if sub else None,
            digests_sent=sub.digests_sent if sub else 0,
            lead_days=self.settings.lead_days,
            lang=sub.lang if sub else inv.lang,
            news_seen=sub.news_seen if sub else None,
            always=sub.always if sub else False,
        )
        lang = inv.lang
        if sub:
            note = t(
                lang,
                "channels.preview",
                when=slack_datetime(when),
                day=escape(local_day(schedule, when).isoformat()),
                tz=schedule.tz,
            )
        else:
            note = (
                t(lang, "channels.preview_none") + " " + t(lang, "channels.none", command=COMMAND)
            )
        blocks = [context(note), *post.blocks]
        text = post.text
        if skipped and sub is not None and sub.last_digest_for is not None:
            quiet_note = t(
                lang,
                "channels.preview_quiet",
                last=slack_datetime(sub.last_digest_for),
                command=COMMAND,
            )
            blocks.insert(1, section(quiet_note))
            text = fallback(quiet_note, text)
        return Reply(text=text, blocks=blocks[:50], response_type="ephemeral")
