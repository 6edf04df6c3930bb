"""The digest or reminder post itself, from its inputs. Pure.

What a channel is owed, when, and whether a digest has anything new is decided in
:mod:`bot.delivery.planner`; this module writes the post a
:class:`~bot.delivery.planner.DigestInputs` describes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.answers.replies import (
    date_range,
    source_links,
    summit_groups,
    summit_line,
    summit_name,
    timeline_reviewed,
)
from bot.content.library import Library
from bot.content.schema import Development
from bot.delivery.planner import (
    DEFAULT_LEAD_DAYS,
    Channel,
    DigestInputs,
    Reminder,
    WhatsNew,
    digest_inputs,
    reminders_on,
    scoped,
    whats_new,
)
from bot.i18n import human_date, slack_datetime, t
from bot.periods import describe_period, parse_period
from bot.slack.blocks import cap, context, fallback, section, sections
from bot.slack.ids import COMMAND
from bot.slack.mrkdwn import escape, truncate
from bot.slack.payloads import Reply
from bot.subscriptions.schedule import Schedule


def _days(n: int, lang: str) -> str:
    return t(lang, "countdown.tomorrow") if n == 1 else t(lang, "countdown.in_days", n=n)


def _when(reminder: Reminder, lang: str) -> str:
    """ "in 7 days"; for days from a single weak source, never a day-precise countdown: the month
    or announced period, said to be unconfirmed."""
    summit = reminder.summit
    if not summit.tentative or summit.starts is None:
        return _days(reminder.days, lang)
    period = summit.period or parse_period(f"{summit.starts.year}-{summit.starts.month:02d}")
    return t(lang, "countdown.unconfirmed", period=describe_period(period, lang))


def _reminder_lines(reminders: Sequence[Reminder], lang: str) -> list[str]:
    return [
        "• :alarm_clock: "
        + t(
            lang,
            "digest.starts",
            summit=summit_name(r.summit),
            when=_when(r, lang),
            dates=date_range(r.summit, lang),
            location=escape(r.summit.location),
        )
        for r in reminders
    ]


MAX_NEW = 6  # developments listed in one digest; the rest are counted, with a pointer to `news`


def _development_lines(devs: Sequence[Development], lang: str) -> list[str]:
    return [
        f"• *{escape(d.title)}* · _{human_date(d.date, lang)}_\n"
        f"{escape(truncate(' '.join(d.summary.split()), 300))}\n"
        + t(lang, "digest.sources", list=source_links(d.sources, lang, limit=3))
        for d in devs
    ]


def _new_lines(news: WhatsNew, lang: str) -> list[str]:
    lines = _development_lines(news.developments[:MAX_NEW], lang)
    if len(news.developments) > MAX_NEW:
        extra = len(news.developments) - MAX_NEW
        lines.append(t(lang, "digest.more_news", n=extra, command=COMMAND))
    lines += [
        f"• *{escape(tp.title)}* — {t(lang, 'digest.revised', date=human_date(tp.updated, lang))}"
        for tp in news.topics
    ]
    lines += [
        f"• {summit_name(s)} — {t(lang, 'digest.added', date=human_date(s.updated, lang))}"
        for s in news.summits
        if s.updated is not None
    ]
    return lines


def compose(
    library: Library,
    schedule: Schedule,
    scheduled_for: datetime,
    kinds: str,
    *,
    last_digest_for: datetime | None,
    digests_sent: int,
    lead_days: Sequence[int] = DEFAULT_LEAD_DAYS,
    lang: str = "en",
    news_seen: frozenset[str] | None = None,
    always: bool = False,
) -> Reply:
    """The post for one channel at one scheduled instant (see :func:`post`)."""
    channel = Channel(
        schedule,
        lang=lang,
        always=always,
        last_digest_for=last_digest_for,
        news_seen=news_seen,
        digests_sent=digests_sent,
    )
    return post(library, digest_inputs(library, channel, scheduled_for, kinds, lead_days))


def post(library: Library, inputs: DigestInputs) -> Reply:
    """The post ``inputs`` describe, from ``library`` (the one they were made for): what is new
    since the channel's last digest first, then the reminders, the summits ahead and a featured
    topic. It reads nothing but the two."""
    lang, kinds, day = inputs.lang, inputs.kinds, inputs.day
    library = scoped(library, inputs.topics).for_lang(lang)
    reminders = reminders_on(library, day, inputs.lead_days) if "reminder" in kinds else []
    blocks: list[Block] = []
    plain: list[str] = []
    if "digest" in kinds:
        key = {"daily": "digest.daily", "weekly": "digest.weekly"}.get(
            inputs.cadence, "digest.days"
        )
        blocks.append(HeaderBlock(text=t(lang, key, date=human_date(day, lang))))
    else:
        blocks.append(HeaderBlock(text=t(lang, "digest.reminder_header")))
    if "digest" in kinds:
        if inputs.first:
            welcome = t(lang, "digest.welcome")
            if not inputs.always:
                welcome += " " + t(lang, "digest.welcome_quiet", command=COMMAND)
            blocks.append(section(welcome))
            latest = [d for d in library.developments if d.added <= day][:3]
            if latest:
                blocks += sections(t(lang, "digest.latest"), _development_lines(latest, lang))
        else:
            news = whats_new(library, day, inputs.since, inputs.seen)
            if news:
                blocks += sections(t(lang, "digest.new"), _new_lines(news, lang))
                plain += [d.title for d in news.developments[:MAX_NEW]]
            else:
                blocks.append(section(t(lang, "digest.new") + "\n" + t(lang, "digest.unchanged")))
        reviewed = timeline_reviewed(library)
        if reviewed:
            blocks.append(context(reviewed))
    if reminders:
        blocks += sections(t(lang, "digest.coming_up"), _reminder_lines(reminders, lang))
        plain += [
            t(
                lang,
                "digest.starts",
                summit=r.summit.name,
                when=_days(r.days, lang),
                dates=str(r.summit.starts),
                location=r.summit.location,
            ).replace("*", "")
            for r in reminders
        ]
    if "digest" in kinds:
        upcoming, undated, _past = summit_groups(library.summits, day)
        lines = [summit_line(s, day, lang, note=False) for s in upcoming[:8]]
        lines += [summit_line(s, day, lang, note=False) for s in undated[:5]]
        blocks += sections(t(lang, "digest.upcoming"), lines or [t(lang, "digest.none_upcoming")])
        topic = library.topics[inputs.featured]
        points = "\n".join(f"• {escape(p)}" for p in topic.key_points[:3])
        sources = source_links(topic.sources, lang)
        blocks.append(
            section(
                t(lang, "digest.featured", title=escape(topic.title))
                + f"\n{escape(truncate(topic.summary, 700))}\n{points}\n"
                + t(lang, "digest.sources", list=sources)
            )
        )
        plain.append(t(lang, "digest.featured", title=topic.title).strip("*"))
    blocks.append(context(t(lang, "digest.change", command=COMMAND)))
    head = t(lang, "digest.fallback") if "digest" in kinds else t(lang, "digest.reminder_header")
    return Reply(
        text=fallback(head, "; ".join(plain)), blocks=cap(blocks, lang), response_type="in_channel"
    )


def describe_next(when: datetime, kinds: str, lang: str = "en", zone: str | None = None) -> str:
    """When the next post is, in each reader's zone (the fallback in ``zone``, the channel's)."""
    key = {"digest": "digest.next_digest", "reminder": "digest.next_reminder"}.get(
        kinds, "digest.next_both"
    )
    return f"{slack_datetime(when, lang, zone)} ({t(lang, key)})"
