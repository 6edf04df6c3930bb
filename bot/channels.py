"""Channel subscriptions: subscribe, unsubscribe, pause, resume, status and the digest preview."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block

from bot import commands as c
from bot import core, digest
from bot.clock import Clock
from bot.content import ContentSource
from bot.delivery import DeliverySettings
from bot.i18n import (
    DEFAULT,
    describe_schedule,
    describe_time,
    language_name,
    pause_reason,
    t,
)
from bot.render import COMMAND, FORM_ACTION, Reply, button, context, fallback, section
from bot.schedule import DEFAULT_DAYS, DEFAULT_TIME, Schedule, local_day, next_digest, zone
from bot.store import RESULT_NOTHING_NEW, Store, SubscriptionView
from bot.subscriptions import (
    ALWAYS,
    Problem,
    Request,
    describe_receives,
    describe_when,
    names_zone,
    next_post,
    next_reminder,
    parse_request,
    schedule_error,
    scoped,
)
from bot.text import escape, quote_user_text, slack_datetime

log = logging.getLogger("declaration_bot.channels")

__all__ = [
    "ALWAYS",  # from bot.subscriptions, as before
    "Channels",
    "Invocation",
    "UserInfo",
    "describe",
    "form_button",
    "is_admin",
    "last_result",
    "quiet",
    "schedule_error",  # from bot.subscriptions, as before
    "split_always",
]


@dataclass(frozen=True)
class Invocation:
    team_id: str
    channel_id: str
    user_id: str
    enterprise_id: str | None = None
    channel_name: str | None = None
    lang: str = DEFAULT  # the language the caller reads replies in
    local: bool = False  # the terminal's own channel: its zone is the terminal's (bot.shell)


# the invoking user's Slack profile (users.info), fetched at most once per command, or None
UserInfo = Callable[[], Awaitable[dict[str, Any] | None]]


def _reply(*parts: str, extra: list[Block] | None = None) -> Reply:
    text = "\n".join(parts)
    return Reply(text=text, blocks=[section(text), *(extra or [])])


def describe(schedule: Schedule, lang: str, zone: str | None = None) -> str:
    """The schedule in words; ``zone`` replaces the bare zone name ("UTC, by default")."""
    return describe_schedule(schedule.days, schedule.at, zone or schedule.tz, lang)


def is_admin(info: dict[str, Any] | None) -> bool:
    info = info or {}
    return bool(info.get("is_admin") or info.get("is_owner") or info.get("is_primary_owner"))


def form_button(channel_id: str, lang: str) -> ActionsBlock:
    """A button that opens the subscription form for a channel (in place of typing)."""
    return ActionsBlock(
        block_id=FORM_ACTION,
        elements=[button(t(lang, "channels.form_button"), FORM_ACTION, channel_id)],
    )


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

    def _none(self, lang: str, local: bool = False) -> Reply:
        return _reply(t(lang, "channels.none_local" if local else "channels.none", command=COMMAND))

    async def answer(self, parsed: c.Parsed, inv: Invocation, user_info: UserInfo) -> Reply:
        """Answer what the user typed (a channel command, read once), saying so if a ``lang:``
        was unknown (``subscribe`` refuses one instead: it would set the digests' language)."""
        command = parsed.command
        if not isinstance(command, c.CHANNEL_COMMANDS):
            raise ValueError(f"not a channel command: {parsed.kind}")
        if isinstance(command, c.Subscribe):
            return await self.handle(command, inv, user_info, lang_unknown=parsed.lang_unknown)
        reply = await self.handle(command, inv, user_info)
        return core.noted(reply, parsed.lang_unknown, inv.lang)

    async def is_manager(self, user_info: UserInfo) -> bool:
        """Whether this user may change subscriptions (SUBSCRIPTION_MANAGERS=admins: admins and
        owners only); the command, the Home tab's buttons and the form all ask this."""
        return self.managers != "admins" or is_admin(await user_info())

    async def may_change(self, inv: Invocation, user_info: UserInfo) -> bool:
        """:meth:`is_manager`, logging a refusal."""
        if await self.is_manager(user_info):
            return True
        log.info(
            "refused non-admin team=%s channel=%s user=%s",
            inv.team_id,
            inv.channel_id,
            inv.user_id,
        )
        return False

    async def handle(
        self,
        command: c.ChannelCommand,
        inv: Invocation,
        user_info: UserInfo,
        *,
        lang_unknown: str | None = None,
    ) -> Reply:
        lang = inv.lang
        changes = isinstance(command, c.Subscribe | c.Unsubscribe | c.Pause | c.Resume)
        if changes and not await self.may_change(inv, user_info):
            return _reply(t(lang, "channels.admins_only", command=COMMAND))
        channel = f"<#{inv.channel_id}>"
        match command:
            case c.Subscribe(words=words):
                return await self.subscribe(words, inv, user_info, lang_unknown)
            case c.Unsubscribe():
                gone = await asyncio.to_thread(self.store.unsubscribe, inv.team_id, inv.channel_id)
                log.info("unsubscribed=%s team=%s channel=%s", gone, inv.team_id, inv.channel_id)
                if not gone:
                    return self._none(lang, inv.local)
                return _reply(t(lang, "channels.unsubscribed", channel=channel, command=COMMAND))
            case c.Pause():
                sub = await asyncio.to_thread(self.store.get, inv.team_id, inv.channel_id)
                if sub is None:
                    return self._none(lang, inv.local)
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
                    return self._none(lang, inv.local)
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
                    return self._none(lang, inv.local)
                return self.status(sub, lang)
            case c.Digest():
                return await self.preview(inv)
        return self._none(lang)  # pragma: no cover

    async def subscribe(
        self,
        words: tuple[str, ...],
        inv: Invocation,
        user_info: UserInfo,
        unknown: str | None = None,
    ) -> Reply:
        lang = inv.lang
        if unknown is not None:
            log.info("subscribe refused team=%s channel=%s: language", inv.team_id, inv.channel_id)
            word = quote_user_text(unknown or "lang:", 30)
            return _reply(
                t(lang, "channels.invalid", message=t(lang, "channels.lang_unknown", word=word)),
                t(lang, "channels.nothing_changed"),
            )
        default_tz = "UTC"
        if not names_zone(words):
            default_tz = str((await user_info() or {}).get("tz") or "UTC")
            if zone(default_tz) is None:
                default_tz = "UTC"
        parsed = self.parse(words, default_tz, lang)
        if isinstance(parsed, Problem):
            log.info("subscribe refused team=%s channel=%s", inv.team_id, inv.channel_id)
            return _reply(
                t(lang, "channels.invalid", message=parsed.say(lang)),
                t(lang, "channels.nothing_changed"),
                extra=(
                    []
                    if inv.local
                    else [context(t(lang, "channels.form_hint")), form_button(inv.channel_id, lang)]
                ),
            )
        zone_said = None  # the zone, said once: "(UTC, by default)", "(Asia/Tokyo, your …)"
        if not parsed.zone_given:
            source = "channels.zone_yours" if default_tz != "UTC" else "channels.zone_default"
            if inv.local:
                source = "channels.zone_terminal"
            zone_said = t(lang, source, tz=default_tz)
        return await self.apply(parsed, inv, zone_said=zone_said)

    def parse(self, words: tuple[str, ...], default_tz: str, lang: str) -> Request | Problem:
        """The words after ``subscribe`` (or a form turned into them), checked."""
        return parse_request(
            words, default_tz=default_tz, default_lang=lang, library=self.content.current()
        )

    async def apply(self, req: Request, inv: Invocation, *, zone_said: str | None = None) -> Reply:
        """Store a checked request for the invocation's channel; the reply says what was set.
        ``zone_said`` names the zone and where it came from when the request did not name it."""
        lang = inv.lang
        now = self.clock.now()
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
        lead = ", ".join(str(d) for d in self.settings.lead_days)
        channel = f"<#{inv.channel_id}>"
        language = language_name(req.lang, lang)
        if req.receives == "reminders":
            key = "channels.subscribed_reminders" if created else "channels.updated_reminders"
            head = t(
                lang,
                key,
                channel=channel,
                time=describe_time(req.schedule.at, zone_said or req.schedule.tz, lang),
                language=language,
            )
        else:
            key = "channels.subscribed" if created else "channels.updated"
            head = t(
                lang,
                key,
                channel=channel,
                schedule=describe(req.schedule, lang, zone_said),
                language=language,
            )
        what = describe_receives(sub.receives, sub.topics, self.content.current(), lang)
        lines = [
            head,
            " ".join(self._next_lines(sub, lang)),
            t(lang, "channels.receives_line", what=what),
        ]
        if sub.receives != "reminders":
            lines.append(self._mode(sub, lang))
        if sub.receives != "digests":
            lines.append(t(lang, "channels.reminders", days=lead))
        return _reply(
            *lines,
            extra=[
                context(
                    t(
                        lang,
                        "channels.tips_local" if inv.local else "channels.tips",
                        command=COMMAND,
                    )
                ),
                *([] if inv.local else [form_button(inv.channel_id, lang)]),
            ],
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
        found = next_post(self.content.current(), sub, now, self.settings.lead_days)
        if found is None:
            return [t(lang, "channels.no_post")]
        when, kinds = found
        if quiet(sub) and kinds == "digest":
            return [t(lang, "channels.next_check", when=slack_datetime(when))]
        lines = [t(lang, "channels.next_post", when=digest.describe_next(when, kinds, lang))]
        if quiet(sub) and "digest" not in kinds and sub.receives != "reminders":
            check = next_digest(sub.schedule, now)
            lines.append(t(lang, "channels.next_check", when=slack_datetime(check)))
        return lines

    def status(self, sub: SubscriptionView, lang: str) -> Reply:
        language = language_name(sub.lang, lang)
        if sub.receives == "reminders":
            when = t(
                lang,
                "channels.status_schedule_reminders",
                time=describe_when(sub, lang),
                language=language,
            )
        else:
            schedule = describe(sub.schedule, lang)
            when = t(lang, "channels.status_schedule", schedule=schedule, language=language)
        what = describe_receives(sub.receives, sub.topics, self.content.current(), lang)
        lines = [
            t(lang, "channels.status_head", channel=f"<#{sub.channel_id}>"),
            "• " + when,
            "• " + t(lang, "channels.status_receives", what=what),
        ]
        if sub.receives != "digests":
            days = ", ".join(map(str, self.settings.lead_days))
            lines.append("• " + t(lang, "channels.status_reminders", days=days))
        if sub.receives != "reminders":
            lines.append("• " + self._mode(sub, lang))
        lines += [f"• {line}" for line in self._next_lines(sub, lang)]
        if sub.receives != "reminders" and sub.last_digest_for:
            when = slack_datetime(sub.last_digest_for)
            lines.append("• " + t(lang, "channels.last_news", when=when))
        elif sub.receives != "reminders":
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
        schedule = sub.schedule if sub else Schedule(DEFAULT_DAYS, DEFAULT_TIME, "UTC")
        now = self.clock.now()
        library = self.content.current()
        lang = inv.lang
        if sub is not None and sub.receives == "reminders":
            return self._preview_reminder(sub, lang)
        if sub is not None:
            library = scoped(library, sub.topics)
        when = next_digest(schedule, now)
        kinds = digest.owed(library, schedule, when, self.settings.lead_days) or "digest"
        if sub is not None and sub.receives == "digests":
            kinds = "digest"
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
                t(lang, "channels.preview_none")
                + " "
                + t(lang, "channels.none_local" if inv.local else "channels.none", command=COMMAND)
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

    def _preview_reminder(self, sub: SubscriptionView, lang: str) -> Reply:
        """The next summit reminder of a channel that receives only reminders."""
        library = scoped(self.content.current(), sub.topics)
        when = next_reminder(library, sub.schedule, self.clock.now(), self.settings.lead_days)
        if when is None:
            days = ", ".join(map(str, self.settings.lead_days))
            return _reply(t(lang, "channels.no_reminder", days=days))
        post = digest.compose(
            library,
            sub.schedule,
            when,
            "reminder",
            last_digest_for=sub.last_digest_for,
            digests_sent=sub.digests_sent,
            lead_days=self.settings.lead_days,
            lang=sub.lang,
        )
        note = t(
            lang,
            "channels.preview_reminder",
            when=slack_datetime(when),
            day=escape(local_day(sub.schedule, when).isoformat()),
            tz=sub.schedule.tz,
        )
        return Reply(text=post.text, blocks=[context(note), *post.blocks][:50])
