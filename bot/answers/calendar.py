"""The events as an iCalendar feed (``GET /summits.ics``), built with the icalendar library.

Only events with exact dates are in the feed, as all-day events. An event known only by a period
("first half of 2027", "July 2027") is left out rather than given invented days; it joins the feed,
under the same UID, once an editor adds its dates. Each event with exact dates also has a file of
its own (``GET /summits/<id>.ics``), with the same UID as its entry in the feed. Dates from a
single source are marked: the event's STATUS is TENTATIVE and its title and description say
"dates unconfirmed".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from bot.content.library import Library
from bot.content.schema import Summit
from bot.i18n import t
from bot.periods import describe_period

PRODID = "-//declaration-bot//AI summits//EN"
UID_DOMAIN = "declaration-bot"


def summits_ics(library: Library, now: datetime | None = None) -> bytes:
    """Every event with exact dates as an all-day event; UIDs are stable across builds."""
    stamp = _stamp(now)
    cal = _calendar(library.lang, "AI summits (declaration-bot)")
    for s in library.summits:
        if s.starts is not None:  # a period is not a day: no invented all-day event
            cal.add_component(_event(s, library.lang, stamp))
    return bytes(cal.to_ical())


def summit_ics(library: Library, summit_id: str, now: datetime | None = None) -> bytes | None:
    """One event's own calendar file (``GET /summits/<id>.ics``), with the same UID as its
    entry in the feed; None for an unknown id or an event known only by a period."""
    summit = library.summit(summit_id)
    if summit is None or summit.starts is None:
        return None
    cal = _calendar(library.lang, summit.name)
    cal.add_component(_event(summit, library.lang, _stamp(now)))
    return bytes(cal.to_ical())


def uid(summit: Summit) -> str:
    """An event's UID, the same in the feed and in its own file, across builds."""
    return f"{summit.id}@{UID_DOMAIN}"


def _stamp(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def _calendar(lang: str, name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-caldesc", t(lang, "calendar.description"))
    cal.add("x-published-ttl", "PT12H")
    return cal


def _event(s: Summit, lang: str, stamp: datetime) -> Event:
    """One event with exact dates as an all-day event."""
    assert s.starts is not None
    today = stamp.date()
    last = s.ends or s.starts
    ev = Event()
    ev.add("uid", uid(s))
    ev.add("dtstamp", stamp)
    unconfirmed = f" ({t(lang, 'calendar.unconfirmed')})" if s.tentative else ""
    ev.add("summary", s.name + unconfirmed)
    ev.add("dtstart", s.starts)
    ev.add("dtend", last + timedelta(days=1))  # all-day: end is exclusive
    ev.add("location", s.location)
    if s.url:
        ev.add("url", s.url)
    lines = []
    if s.tentative and s.period is not None:
        lines.append(t(lang, "calendar.unconfirmed_detail", period=describe_period(s.period, lang)))
    if last < today and not s.held:
        lines.append(t(lang, "calendar.held_unconfirmed"))
    lines += [x for x in (s.summary, s.note) if x]
    lines += [f"Source: {src.title} — {src.url}" for src in s.sources]
    ev.add("description", "\n".join(lines))
    ev.add("status", "TENTATIVE" if s.tentative else "CONFIRMED")
    ev.add("transp", "TRANSPARENT")
    return ev
