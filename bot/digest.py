"""What a subscribed channel is owed on a day, and the digest or reminder post itself. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.content import Development, Library, Summit, Topic
from bot.i18n import human_date, t
from bot.periods import describe_period, parse_period
from bot.render import (
    COMMAND,
    Reply,
    cap,
    context,
    date_range,
    fallback,
    section,
    sections,
    source_links,
    summit_groups,
    summit_line,
    summit_name,
)
from bot.schedule import Schedule, local_day, next_digest, wake_after
from bot.text import escape, slack_datetime, truncate

DEFAULT_LEAD_DAYS = (30, 7, 1)


@dataclass(frozen=True)
class Reminder:
    summit: Summit
    days: int  # days before it starts


def reminders_on(library: Library, day: date, lead_days: Sequence[int]) -> list[Reminder]:
    """Summits whose start is one of the lead days after ``day`` (a local calendar date)."""
    out = []
    for s in library.summits:
        if s.starts is None:
            continue
        days = (s.starts - day).days
        if days in lead_days:
            out.append(Reminder(s, days))
    out.sort(key=lambda r: (r.days, r.summit.name))
    return out


def owed(library: Library, schedule: Schedule, wake: datetime, lead_days: Sequence[int]) -> str:
    """'', 'digest', 'reminder' or 'digest+reminder': what a wake-up at ``wake`` must post."""
    day = local_day(schedule, wake)
    kinds = []
    if schedule.is_digest_day(day):
        kinds.append("digest")
    if reminders_on(library, day, lead_days):
        kinds.append("reminder")
    return "+".join(kinds)


def next_post(
    library: Library,
    schedule: Schedule,
    now: datetime,
    lead_days: Sequence[int],
    horizon_days: int = 40,
) -> tuple[datetime, str] | None:
    """When this channel next gets a post and what kind, looking ``horizon_days`` ahead."""
    digest_at = next_digest(schedule, now)
    wake = now
    for _ in range(horizon_days):
        wake = wake_after(schedule, wake)
        if wake > digest_at:
            break
        if reminders_on(library, local_day(schedule, wake), lead_days):
            kinds = owed(library, schedule, wake, lead_days)
            return wake, kinds
    return digest_at, owed(library, schedule, digest_at, lead_days)


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


def _featured(library: Library, index: int) -> Topic:
    return library.topics[index % len(library.topics)]


# --- what is new --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatsNew:
    """What a digest reports as new since the channel's last posted digest."""

    developments: tuple[Development, ...] = ()  # newest first
    topics: tuple[Topic, ...] = ()  # revised
    summits: tuple[Summit, ...] = ()  # added or changed

    def __bool__(self) -> bool:
        return bool(self.developments or self.topics or self.summits)


def _dated(library: Library) -> list[tuple[str, date, Development | Topic | Summit]]:
    """Everything that can be news, with its key and the day it became news."""
    items: list[tuple[str, date, Development | Topic | Summit]] = [
        (f"d:{d.id}", d.added, d) for d in library.developments
    ]
    items += [(f"t:{tp.id}", tp.updated, tp) for tp in library.topics]
    items += [(f"s:{s.id}", s.updated, s) for s in library.summits if s.updated is not None]
    return items


LATE_DAYS = 7  # an item reaching the content up to this many days after its date is still news


def whats_new(
    library: Library, day: date, since: date | None, seen: frozenset[str] | None
) -> WhatsNew:
    """What a digest on local ``day`` reports as new.

    ``since`` is the local day of the channel's last POSTED digest (None before the first one:
    then nothing is "new", everything is), and ``seen`` the keys of the recent items that digest
    already knew (see :func:`seen_on`). An item is new when it is dated after ``since`` and no
    later than ``day``; or dated up to ``LATE_DAYS`` before ``since`` but put in the content
    after that digest went out (added later that day, or deployed a few days late). Slots
    skipped as "nothing new" in between change nothing: the comparison is always with the last
    digest the channel actually received. ``seen`` None (a digest posted before this was
    recorded) counts everything dated up to ``since`` as known.
    """
    if since is None:
        return WhatsNew()
    oldest = since - timedelta(days=LATE_DAYS)

    def new(key: str, when: date) -> bool:
        if when > day:
            return False
        if when > since:
            return True
        return seen is not None and when >= oldest and key not in seen

    found = [item for key, when, item in _dated(library) if new(key, when)]
    return WhatsNew(
        developments=tuple(d for d in found if isinstance(d, Development)),
        topics=tuple(tp for tp in found if isinstance(tp, Topic)),
        summits=tuple(s for s in found if isinstance(s, Summit)),
    )


def seen_on(library: Library, day: date) -> frozenset[str]:
    """The keys of the items dated from ``LATE_DAYS`` before ``day`` to ``day``: what a digest
    posted on ``day`` knew of, so that the next digest does not report them again."""
    oldest = day - timedelta(days=LATE_DAYS)
    return frozenset(key for key, when, _ in _dated(library) if oldest <= when <= day)


def news_for(
    library: Library,
    schedule: Schedule,
    scheduled_for: datetime,
    last_digest_for: datetime | None,
    news_seen: frozenset[str] | None,
) -> WhatsNew:
    """What the digest at ``scheduled_for`` reports as new since the last posted digest."""
    since = local_day(schedule, last_digest_for) if last_digest_for else None
    return whats_new(library, local_day(schedule, scheduled_for), since, news_seen)


def is_quiet(
    library: Library,
    schedule: Schedule,
    scheduled_for: datetime,
    kinds: str,
    *,
    last_digest_for: datetime | None,
    news_seen: frozenset[str] | None,
    always: bool,
) -> bool:
    """Whether this post is skipped as "nothing new": a digest alone (no reminder due), not the
    channel's first, not ``always``, with no development, revision or summit change to report."""
    if always or kinds != "digest" or last_digest_for is None:
        return False
    return not news_for(library, schedule, scheduled_for, last_digest_for, news_seen)


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
    """The post for one channel at one scheduled instant: what is new since the channel's last
    digest first, then the reminders, the summits ahead and a featured topic."""
    library = library.for_lang(lang)
    day = local_day(schedule, scheduled_for)
    reminders = reminders_on(library, day, lead_days) if "reminder" in kinds else []
    blocks: list[Block] = []
    plain: list[str] = []
    if "digest" in kinds:
        key = {"daily": "digest.daily", "weekly": "digest.weekly"}.get(
            schedule.cadence, "digest.days"
        )
        blocks.append(HeaderBlock(text=t(lang, key, date=human_date(day, lang))))
    else:
        blocks.append(HeaderBlock(text=t(lang, "digest.reminder_header")))
    if "digest" in kinds:
        if last_digest_for is None:
            welcome = t(lang, "digest.welcome")
            if not always:
                welcome += " " + t(lang, "digest.welcome_quiet", command=COMMAND)
            blocks.append(section(welcome))
            latest = [d for d in library.developments if d.added <= day][:3]
            if latest:
                blocks += sections(t(lang, "digest.latest"), _development_lines(latest, lang))
        else:
            news = news_for(library, schedule, scheduled_for, last_digest_for, news_seen)
            if news:
                blocks += sections(t(lang, "digest.new"), _new_lines(news, lang))
                plain += [d.title for d in news.developments[:MAX_NEW]]
            else:
                blocks.append(section(t(lang, "digest.new") + "\n" + t(lang, "digest.unchanged")))
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
        topic = _featured(library, digests_sent)
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


def describe_next(when: datetime, kinds: str, lang: str = "en") -> str:
    key = {"digest": "digest.next_digest", "reminder": "digest.next_reminder"}.get(
        kinds, "digest.next_both"
    )
    return f"{slack_datetime(when)} ({t(lang, key)})"
