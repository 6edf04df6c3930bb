"""The summits as an iCalendar feed (``GET /summits.ics``), built with the icalendar library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from bot.content import Library

PRODID = "-//declaration-bot//AI summits//EN"
UID_DOMAIN = "declaration-bot"


def summits_ics(library: Library, now: datetime | None = None) -> bytes:
    """Every summit with known dates as an all-day event; UIDs are stable across builds."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", "AI summits (declaration-bot)")
    cal.add(
        "x-wr-caldesc", "WAIC in Shanghai and the AI summit series (Bletchley, Seoul, Paris, …)"
    )
    cal.add("x-published-ttl", "PT12H")
    for s in library.summits:
        if s.starts is None:
            continue
        ev = Event()
        ev.add("uid", f"{s.id}@{UID_DOMAIN}")
        ev.add("dtstamp", stamp)
        ev.add("summary", s.name + (" (dates tentative)" if s.tentative else ""))
        ev.add("dtstart", s.starts)
        ev.add("dtend", (s.ends or s.starts) + timedelta(days=1))  # all-day: end is exclusive
        ev.add("location", s.location)
        if s.url:
            ev.add("url", s.url)
        lines = [x for x in (s.summary, s.note) if x]
        lines += [f"Source: {src.title} — {src.url}" for src in s.sources]
        ev.add("description", "\n".join(lines))
        ev.add("status", "TENTATIVE" if s.tentative else "CONFIRMED")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    return bytes(cal.to_ical())
