"""The digest or reminder post itself, from its inputs. Pure.

What a channel is owed, when, and whether a digest has anything new is decided in
:mod:`bot.delivery.planner`; this module writes the post a
:class:`~bot.delivery.planner.DigestInputs` describes: a short message for the channel
(:func:`post`) and, for a digest, one reply in its thread with the rest (:func:`thread`).

- **A reminder** is its own short post (at most ``REMINDER_CHARS`` shown): one line per summit
  due ("starts in 7 days", "opens today"), each with *Add to calendar*, *Details* and *News*.
- **A digest** leads with what is new since the channel's last posted digest, one or two lines
  each, then the reminders due and a one-line footer (at most ``TOP_CHARS`` shown); the summits
  ahead, the featured topic and how to change the subscription go in its thread.
- **The notification text** (what a phone shows) is written as a person would: "UN Global
  Dialogue on AI Governance, Geneva 2026: in 7 days (6–7 July)".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from slack_sdk.models.blocks import ActionsBlock, Block, HeaderBlock

from bot.answers.core import event_calendar_url
from bot.answers.replies import (
    date_range,
    source_links,
    summit_groups,
    summit_line,
    summit_name,
    timeline_reviewed,
    topic_value,
)
from bot.content.library import Library
from bot.content.schema import Development, Summit
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
from bot.i18n import describe_schedule, human_date, join_list, slack_datetime, t
from bot.periods import describe_period, parse_period
from bot.slack.blocks import (
    button,
    cap,
    context,
    fallback,
    link_button,
    section,
    sections,
    shown_length,
)
from bot.slack.ids import (
    CALENDAR_ACTION,
    COMMAND,
    EVENT_CARD_ACTION,
    POST_EVENT_NEWS_ACTION,
)
from bot.slack.mrkdwn import escape, truncate
from bot.slack.payloads import Reply
from bot.subscriptions.schedule import Schedule
from bot.subscriptions.stored import Kinds

REMINDER_CHARS = 700  # at most, shown, in a reminder post
TOP_CHARS = 1500  # at most, shown, in a digest's top-level message (the welcome too)
MAX_NEW = 6  # developments listed in one digest; the rest are counted, with a pointer to `news`
MAX_REMINDERS = 4  # reminders with their buttons in one post; more are counted
SUMMARY_CHARS = 140  # of a development's summary, in a digest's line


# --- reminders ---------------------------------------------------------------------------------


def _days(n: int, lang: str) -> str:
    if n == 0:
        return t(lang, "reminder.today")
    return t(lang, "countdown.tomorrow") if n == 1 else t(lang, "countdown.in_days", n=n)


def _when(reminder: Reminder, lang: str) -> str:
    """ "in 7 days"; for days from a single weak source, never a day-precise countdown: the month
    or announced period, said to be unconfirmed."""
    summit = reminder.summit
    if not summit.tentative or summit.starts is None:
        return _days(reminder.days, lang)
    period = summit.period or parse_period(f"{summit.starts.year}-{summit.starts.month:02d}")
    return t(lang, "countdown.unconfirmed", period=describe_period(period, lang))


def city(summit: Summit) -> str:
    """Where an event is, as people name it: the city (the part before the country), else the
    whole place: "Palexpo, Geneva, Switzerland" -> "Geneva"."""
    parts = [p.strip() for p in re.split(r"[,，]", summit.location) if p.strip()]
    return parts[-2] if len(parts) >= 2 else summit.location


def short_days(summit: Summit, lang: str) -> str:
    """An event's days without the year, as a notification says them: 6–7 July, 7月6日至7日."""
    first = summit.starts
    assert first is not None
    last = summit.ends or first
    if lang == "zh":
        end = f"{last.day}日" if last.month == first.month else f"{last.month}月{last.day}日"
        start = f"{first.month}月{first.day}日"
        return start if last == first else f"{start}至{end}"
    full = date_range(summit, lang)
    return full.removesuffix(f" {last.year}") if first.year == last.year else full


def _reminder_line(r: Reminder, lang: str) -> str:
    s = r.summit
    if r.days == 0 and not s.tentative:
        return ":alarm_clock: " + t(
            lang, "reminder.opens", summit=summit_name(s), city=escape(city(s))
        )
    return ":alarm_clock: " + t(
        lang,
        "reminder.starts",
        summit=summit_name(s),
        when=_when(r, lang),
        dates=date_range(s, lang),
        location=escape(truncate(s.location, 80)),
    )


def notification(r: Reminder, lang: str) -> str:
    """A reminder as a phone shows it: "UN Global Dialogue…, Geneva 2026: in 7 days (6–7 July)"."""
    s = r.summit
    name = s.name if city(s) in s.name else f"{s.name}, {city(s)}"
    if r.days == 0 and not s.tentative:
        return t(lang, "reminder.opens_plain", summit=name, city=city(s))
    return t(lang, "reminder.plain", summit=name, when=_when(r, lang), dates=short_days(s, lang))


def calendar_link(summit: Summit, calendar_url: str | None) -> str:
    """Where *Add to calendar* goes: the event's own calendar file (PUBLIC_URL set), else a
    Google Calendar template of it (a whole-day event; the end day is exclusive)."""
    own = event_calendar_url(calendar_url, summit)
    if own is not None:
        return own
    assert summit.starts is not None
    end = (summit.ends or summit.starts) + timedelta(days=1)
    about = summit.url or summit.sources[0].url
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": summit.name,
            "dates": f"{summit.starts:%Y%m%d}/{end:%Y%m%d}",
            "location": summit.location,
            "details": about,
        }
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def reminder_buttons(summit: Summit, lang: str, calendar_url: str | None) -> ActionsBlock:
    """*Add to calendar* (a link), *Details* (the event card) and *News* (its news), the last
    two answered to whoever presses them only."""
    value = topic_value(summit.id, lang)
    return ActionsBlock(
        elements=[
            link_button(
                t(lang, "reminder.calendar"),
                f"{CALENDAR_ACTION}:{summit.id}",
                calendar_link(summit, calendar_url),
            ),
            button(t(lang, "reminder.details"), f"{EVENT_CARD_ACTION}:{summit.id}", value),
            button(t(lang, "reminder.news"), f"{POST_EVENT_NEWS_ACTION}:{summit.id}", value),
        ]
    )


def _reminder_blocks(
    reminders: Sequence[Reminder], lang: str, calendar_url: str | None, shown: int
) -> list[Block]:
    """One line per reminder, each followed by its buttons; past ``shown``, one line counting
    the rest."""
    blocks: list[Block] = []
    for r in reminders[:shown]:
        blocks.append(section(_reminder_line(r, lang)))
        if r.summit.starts is not None:
            blocks.append(reminder_buttons(r.summit, lang, calendar_url))
    if len(reminders) > shown:
        rest = len(reminders) - shown
        blocks.append(context(t(lang, "reminder.more", n=rest, command=COMMAND)))
    return blocks


def _fitted(build: Callable[[int], list[Block]], most: int, limit: int) -> list[Block]:
    """The blocks ``build(n)`` makes for the largest ``n`` up to ``most`` that shows at most
    ``limit`` characters (``build(0)`` when none does)."""
    for n in range(most, 0, -1):
        blocks = build(n)
        if shown_length(blocks) <= limit:
            return blocks
    return build(0)


def reminder_post(
    reminders: Sequence[Reminder], lang: str, calendar_url: str | None = None
) -> Reply:
    """Summit reminders alone: one short post, one line each, at most ``REMINDER_CHARS``."""
    blocks = _fitted(
        lambda n: _reminder_blocks(reminders, lang, calendar_url, n),
        min(MAX_REMINDERS, len(reminders)),
        REMINDER_CHARS,
    )
    text = "; ".join(notification(r, lang) for r in reminders)
    return Reply(text=fallback(text), blocks=blocks, response_type="in_channel")


# --- a digest's top-level message --------------------------------------------------------------


def _development_line(d: Development, lang: str) -> str:
    """A development in two lines: title and date; its gist and one source."""
    gist = escape(truncate(" ".join(d.summary.split()), SUMMARY_CHARS))
    return (
        f"• *{escape(truncate(d.title, 150))}* · _{human_date(d.date, lang)}_\n"
        f"{gist} {source_links(d.sources, lang, limit=1)}"
    )


def _news_lines(news: WhatsNew, lang: str) -> list[str]:
    lines = [_development_line(d, lang) for d in news.developments]
    lines += [
        f"• *{escape(tp.title)}* — {t(lang, 'digest.revised', date=human_date(tp.updated, lang))}"
        for tp in news.topics
    ]
    for s in news.summits:
        if s.held:
            lines.append("• " + t(lang, "digest.held", summit=summit_name(s)))
        elif s.updated is not None:
            lines.append(
                f"• {summit_name(s)} — {t(lang, 'digest.added', date=human_date(s.updated, lang))}"
            )
    return lines


def _next_event(library: Library, day: date, lang: str) -> str | None:
    """The upcoming-event line of a digest with nothing new."""
    upcoming, undated, _past = summit_groups(library.summits, day)
    ahead = [s for s in upcoming if s.starts is not None and s.starts >= day] or undated
    if not ahead:
        return None
    return t(lang, "digest.next_event", event=summit_line(ahead[0], day, lang, note=False)[2:])


def _welcome(inputs: DigestInputs) -> str:
    """What the channel will get, and when."""
    lang = inputs.lang
    schedule = inputs.schedule
    when = (
        describe_schedule(schedule.days, schedule.at, schedule.tz, lang)
        if schedule is not None
        else ""
    )
    text = t(lang, "digest.welcome", when=when)
    if inputs.reminders:
        text += " " + lead_days_said(inputs.lead_days, "digest.welcome_reminders", lang)
    return text


def lead_days_said(lead_days: Sequence[int], key: str, lang: str) -> str:
    """The phrase ``key`` with the days before a summit that reminders come ("30, 7 and 1"); with
    lead day 0 as well, its variant ``<key>_day`` ("and on its first day"); with lead day 0
    alone, ``<key>_only_day`` ("on each summit's first day")."""
    before = sorted({d for d in lead_days if d}, reverse=True)
    days = join_list([str(d) for d in before], lang)
    if 0 not in lead_days:
        return t(lang, key, days=days)
    return t(lang, f"{key}_day" if before else f"{key}_only_day", days=days)


def _lead(library: Library, inputs: DigestInputs) -> tuple[list[str], list[str], str]:
    """What a digest leads with: its news lines, their titles (for the notification), and the
    heading (or the one line saying there is nothing new)."""
    lang, day = inputs.lang, inputs.day
    if inputs.first:
        latest = [d for d in library.developments if d.added <= day][:3]
        lines = [_development_line(d, lang) for d in latest]
        heading = _welcome(inputs) + ("\n\n" + t(lang, "digest.latest") if latest else "")
        return lines, [d.title for d in latest], heading
    news = whats_new(library, day, inputs.since, inputs.seen)
    if news:
        titles = [d.title for d in news.developments] + [tp.title for tp in news.topics]
        return _news_lines(news, lang), titles, t(lang, "digest.new")
    assert inputs.since is not None
    quiet = t(lang, "digest.no_news", date=human_date(inputs.since, lang))
    upcoming = _next_event(library, day, lang)
    return [], [], quiet + ("\n" + upcoming if upcoming else "")


def _digest_blocks(
    inputs: DigestInputs,
    head: tuple[list[str], str],
    reminders: Sequence[Reminder],
    calendar_url: str | None,
) -> Callable[[int], list[Block]]:
    """The top-level blocks with the first ``n`` news lines (the rest counted)."""
    lang = inputs.lang
    lines, heading = head
    key = {"daily": "digest.daily", "weekly": "digest.weekly"}.get(inputs.cadence, "digest.days")

    def build(n: int) -> list[Block]:
        blocks: list[Block] = [HeaderBlock(text=t(lang, key, date=human_date(inputs.day, lang)))]
        shown = lines[:n]
        if len(lines) > n:
            shown.append(t(lang, "digest.more_news", n=len(lines) - n, command=COMMAND))
        blocks += sections(heading, shown)
        blocks += _reminder_blocks(reminders, lang, calendar_url, min(2, len(reminders)))
        blocks.append(context(t(lang, "digest.footer", command=COMMAND)))
        return blocks

    return build


def post(library: Library, inputs: DigestInputs, calendar_url: str | None = None) -> Reply:
    """The top-level message ``inputs`` describe, from ``library`` (the one they were made for):
    a reminder post, or a digest led by what is new since the channel's last digest, with the
    reminders due. ``calendar_url``: the calendar feed's address (PUBLIC_URL), if any. It reads
    nothing but these."""
    lang, kinds = inputs.lang, Kinds.read(inputs.kinds)
    library = scoped(library, inputs.topics).for_lang(lang)
    due = Kinds.REMINDER in kinds
    reminders = reminders_on(library, inputs.day, inputs.lead_days) if due else []
    if Kinds.DIGEST not in kinds:
        return reminder_post(reminders, lang, calendar_url)
    lines, titles, heading = _lead(library, inputs)
    if reminders and not lines and not inputs.first:  # the reminders name the events ahead
        heading = heading.split("\n")[0]
    build = _digest_blocks(inputs, (lines, heading), reminders, calendar_url)
    blocks = _fitted(build, min(MAX_NEW, len(lines)), TOP_CHARS)
    plain = [*titles[:MAX_NEW], *(notification(r, lang) for r in reminders)]
    if not lines and not inputs.first:
        plain.insert(0, heading.split("\n")[0])
    text = fallback(t(lang, "digest.fallback"), "; ".join(plain))
    return Reply(text=text, blocks=blocks, response_type="in_channel")


# --- a digest's thread -------------------------------------------------------------------------


def thread(library: Library, inputs: DigestInputs) -> Reply | None:
    """The one reply in a digest's thread: the summits ahead, the featured topic with its
    sources, and how to change the subscription (a reminder post has none)."""
    if Kinds.DIGEST not in Kinds.read(inputs.kinds):
        return None
    lang, day = inputs.lang, inputs.day
    library = scoped(library, inputs.topics).for_lang(lang)
    upcoming, undated, _past = summit_groups(library.summits, day)
    lines = [summit_line(s, day, lang, note=False) for s in upcoming[:8]]
    lines += [summit_line(s, day, lang, note=False) for s in undated[:5]]
    blocks: list[Block] = [
        *sections(t(lang, "digest.upcoming"), lines or [t(lang, "digest.none_upcoming")])
    ]
    topic = library.topics[inputs.featured]
    points = "\n".join(f"• {escape(p)}" for p in topic.key_points[:3])
    blocks.append(
        section(
            t(lang, "digest.featured", title=escape(topic.title))
            + f"\n{escape(truncate(topic.summary, 700))}\n{points}\n"
            + t(lang, "digest.sources", list=source_links(topic.sources, lang))
        )
    )
    reviewed = timeline_reviewed(library)
    if reviewed:
        blocks.append(context(reviewed))
    if inputs.first and not inputs.always:
        blocks.append(context(t(lang, "digest.welcome_quiet", command=COMMAND)))
    blocks.append(context(t(lang, "digest.change", command=COMMAND)))
    text = t(lang, "digest.thread_fallback", title=topic.title)
    return Reply(text=fallback(text), blocks=cap(blocks, lang), response_type="in_channel")


# --- for the channel's commands ----------------------------------------------------------------


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
    """The top-level post for one channel at one scheduled instant (see :func:`post`)."""
    channel = Channel(
        schedule,
        lang=lang,
        always=always,
        last_digest_for=last_digest_for,
        news_seen=news_seen,
        digests_sent=digests_sent,
    )
    return post(library, digest_inputs(library, channel, scheduled_for, kinds, lead_days))


def describe_next(when: datetime, kinds: str, lang: str = "en", zone: str | None = None) -> str:
    """When the next post is, in each reader's zone (the fallback in ``zone``, the channel's)."""
    return f"{slack_datetime(when, lang, zone)} ({describe_kinds(kinds, lang)})"


def describe_kinds(kinds: str, lang: str) -> str:
    """What a post carries, said: a digest, a summit reminder, or both."""
    key = {Kinds.DIGEST: "digest.next_digest", Kinds.REMINDER: "digest.next_reminder"}.get(
        Kinds.read(kinds), "digest.next_both"
    )
    return t(lang, key)
