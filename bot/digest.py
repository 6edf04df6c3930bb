"""What a subscribed channel is owed on a day, and the digest or reminder post itself. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from slack_sdk.models.blocks import Block, HeaderBlock

from bot.content import Library, Summit, Topic
from bot.render import (
    COMMAND,
    Reply,
    cap,
    context,
    countdown,
    date_range,
    fallback,
    link,
    section,
    sections,
    summit_groups,
    summit_name,
)
from bot.schedule import Schedule, local_day, next_digest, wake_after
from bot.text import escape, human_date, slack_datetime, truncate

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


def _days(n: int) -> str:
    return "tomorrow" if n == 1 else f"in {n} days"


def _reminder_lines(reminders: Sequence[Reminder]) -> list[str]:
    return [
        f"• :alarm_clock: {summit_name(r.summit)} starts *{_days(r.days)}* — "
        f"{date_range(r.summit)}, {escape(r.summit.location)}"
        + (" _(dates tentative)_" if r.summit.tentative else "")
        for r in reminders
    ]


def _featured(library: Library, index: int) -> Topic:
    return library.topics[index % len(library.topics)]


def _new_since(library: Library, since: date | None) -> list[str]:
    if since is None:
        return []
    lines = [
        f"• *{escape(t.title)}* — revised {human_date(t.updated)}"
        for t in library.topics
        if t.updated > since
    ]
    lines += [
        f"• {summit_name(s)} — added or updated {human_date(s.updated)}"
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
) -> Reply:
    """The post for one channel at one scheduled instant: reminders first, then the digest."""
    day = local_day(schedule, scheduled_for)
    reminders = reminders_on(library, day, lead_days) if "reminder" in kinds else []
    blocks: list[Block] = []
    plain: list[str] = []
    if "digest" in kinds:
        title = "Daily" if schedule.cadence == "daily" else "Weekly"
        blocks.append(HeaderBlock(text=f"{title} AI-governance digest · {human_date(day)}"))
    else:
        blocks.append(HeaderBlock(text="AI summit reminder"))
    if reminders:
        blocks += sections("*Coming up*", _reminder_lines(reminders))
        plain += [f"{r.summit.name} starts {_days(r.days)} ({r.summit.starts})" for r in reminders]
    if "digest" in kinds:
        since = local_day(schedule, last_digest_for) if last_digest_for else None
        new = _new_since(library, since)
        if last_digest_for is None:
            blocks.append(
                section(
                    "*Welcome* — this channel's first digest: the summits ahead, then one "
                    "topic in depth, in turn."
                )
            )
        elif new:
            blocks += sections("*New since the last digest*", new)
        else:
            blocks.append(section("*New since the last digest*\nNothing has changed."))
        upcoming, undated, _past = summit_groups(library.summits, day)
        lines = [
            f"• {summit_name(s)} — {escape(s.location)} · {date_range(s)} · "
            f"*{countdown(s, day)}*" + (" _(dates tentative)_" if s.tentative else "")
            for s in upcoming[:8]
        ]
        lines += [
            f"• {summit_name(s)} — {escape(s.location)} · dates not announced"
            + (f" (expected {escape(s.expected)})" if s.expected else "")
            for s in undated[:5]
        ]
        blocks += sections("*Upcoming summits*", lines or ["_None with announced dates._"])
        topic = _featured(library, digests_sent)
        points = "\n".join(f"• {escape(p)}" for p in topic.key_points[:3])
        sources = " · ".join(link(s.url, s.publisher) for s in topic.sources[:4])
        blocks.append(
            section(
                f"*Featured: {escape(topic.title)}*\n{escape(truncate(topic.summary, 700))}\n"
                f"{points}\nSources: {sources}"
            )
        )
        plain.append(f"Featured: {topic.title}")
    blocks.append(
        context(
            f"Change it: `{COMMAND} subscribe …` · `{COMMAND} status` · `{COMMAND} unsubscribe`"
        )
    )
    head = "AI-governance digest" if "digest" in kinds else "AI summit reminder"
    return Reply(
        text=fallback(f"{head}:", "; ".join(plain)), blocks=cap(blocks), response_type="in_channel"
    )


def describe_next(when: datetime, kinds: str) -> str:
    what = {"digest": "digest", "reminder": "summit reminder"}.get(kinds, "digest and reminder")
    return f"{slack_datetime(when)} ({what})"
