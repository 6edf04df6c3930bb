"""What a subscribed channel is owed on a day, and the digest or reminder post itself. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.content import Library, Summit, Topic
from bot.i18n import human_date, t
from bot.render import (
    COMMAND,
    Reply,
    cap,
    context,
    date_range,
    fallback,
    link,
    section,
    sections,
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


def _reminder_lines(reminders: Sequence[Reminder], lang: str) -> list[str]:
    tentative = " " + t(lang, "summits.tentative")
    return [
        "• :alarm_clock: "
        + t(
            lang,
            "digest.starts",
            summit=summit_name(r.summit),
            when=_days(r.days, lang),
            dates=date_range(r.summit, lang),
            location=escape(r.summit.location),
        )
        + (tentative if r.summit.tentative else "")
        for r in reminders
    ]


def _featured(library: Library, index: int) -> Topic:
    return library.topics[index % len(library.topics)]


def _new_since(library: Library, since: date | None, lang: str) -> list[str]:
    if since is None:
        return []
    lines = [
        f"• *{escape(tp.title)}* — {t(lang, 'digest.revised', date=human_date(tp.updated, lang))}"
        for tp in library.topics
        if tp.updated > since
    ]
    lines += [
        f"• {summit_name(s)} — {t(lang, 'digest.added', date=human_date(s.updated, lang))}"
        for s in library.summits
        if s.updated is not None and s.updated > since
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
) -> Reply:
    """The post for one channel at one scheduled instant: reminders first, then the digest."""
    library = library.for_lang(lang)
    day = local_day(schedule, scheduled_for)
    reminders = reminders_on(library, day, lead_days) if "reminder" in kinds else []
    blocks: list[Block] = []
    plain: list[str] = []
    if "digest" in kinds:
        key = "digest.daily" if schedule.cadence == "daily" else "digest.weekly"
        blocks.append(HeaderBlock(text=t(lang, key, date=human_date(day, lang))))
    else:
        blocks.append(HeaderBlock(text=t(lang, "digest.reminder_header")))
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
        since = local_day(schedule, last_digest_for) if last_digest_for else None
        new = _new_since(library, since, lang)
        if last_digest_for is None:
            blocks.append(section(t(lang, "digest.welcome")))
        elif new:
            blocks += sections(t(lang, "digest.new"), new)
        else:
            blocks.append(section(t(lang, "digest.new") + "\n" + t(lang, "digest.unchanged")))
        upcoming, undated, _past = summit_groups(library.summits, day)
        lines = [summit_line(s, day, lang, note=False) for s in upcoming[:8]]
        lines += [summit_line(s, day, lang, note=False) for s in undated[:5]]
        blocks += sections(t(lang, "digest.upcoming"), lines or [t(lang, "digest.none_upcoming")])
        topic = _featured(library, digests_sent)
        points = "\n".join(f"• {escape(p)}" for p in topic.key_points[:3])
        sources = " · ".join(link(s.url, s.publisher) for s in topic.sources[:4])
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
