"""The events as an iCalendar feed (``GET /summits.ics``), built with the icalendar library.

Only events with exact dates are in the feed, as all-day events. An event known only by a period
("first half of 2027", "July 2027") is left out rather than given invented days; it joins the feed,
under the same UID, once an editor adds its dates. Dates from a single source are marked: the
event's STATUS is TENTATIVE and its title and description say "dates unconfirmed".
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from bot.content.library import Library
from bot.i18n import t
from bot.periods import describe_period

PRODID = "-//declaration-bot//AI summits//EN"
UID_DOMAIN = "declaration-bot"


def summits_ics(library: Library, now: datetime | None = None) -> bytes:
    """Every event with exact dates as an all-day event; UIDs are stable across builds."""
    lang = library.lang
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    today = stamp.date()
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "AI summits (declaration-bot)")
    cal.add("x-wr-caldesc", t(lang, "calendar.description"))
    cal.add("x-published-ttl", "PT12H")
    for s in library.summits:
        if s.starts is None:
            continue  # a period is not a day: no invented all-day event
        last = s.ends or s.starts
        ev = Event()
        ev.add("uid", f"{s.id}@{UID_DOMAIN}")
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
            lines.append(
                t(lang, "calendar.unconfirmed_detail", period=describe_period(s.period, lang))
            )
        if last < today and not s.held:
            lines.append(t(lang, "calendar.held_unconfirmed"))
        lines += [x for x in (s.summary, s.note) if x]
        lines += [f"Source: {src.title} — {src.url}" for src in s.sources]
        ev.add("description", "\n".join(lines))
        ev.add("status", "TENTATIVE" if s.tentative else "CONFIRMED")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return bytes(cal.to_ical())
