"""Text helpers for Slack mrkdwn: escaping user text, dates, truncation."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_RE = re.compile(r"[&<>]")


def escape(text: str) -> str:
    """Escape text for mrkdwn so that nothing in it becomes a mention, a link or a command.

    ``<!channel>``, ``<!here>``, ``<@U123>`` and ``<url|label>`` are all made inert by escaping
    ``&``, ``<`` and ``>``, which is what Slack asks of any text that came from a user.
    """
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


def quote_user_text(text: str, limit: int = 100) -> str:
    """User text shown back to them: escaped, on one line, shortened, in quotes."""
    one_line = " ".join(text.split())
    return f"“{escape(truncate(one_line, limit))}”"


def truncate(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)].rstrip()
    return cut + "…"


def human_date(day: date, lang: str = "en") -> str:
    """6 May 2024 (or 6 mai 2024, 2024年5月6日): the fallback where Slack cannot format a date."""
    from bot.i18n import human_date as localized

    return localized(day, lang)


def date_instant(day: date) -> int:
    """The Unix time Slack should format for a calendar day.

    Noon UTC: every time zone from UTC-11 to UTC+11 sees the same calendar day, where midnight UTC
    would show the day before to everyone in the Americas.
    """
    return int(datetime.combine(day, time(12, 0), tzinfo=UTC).timestamp())


def slack_date(day: date, token: str = "{date_long_pretty}", lang: str = "en") -> str:
    """A ``<!date^…>`` token that each reader sees in their own locale, with a plain fallback."""
    return f"<!date^{date_instant(day)}^{token}|{human_date(day, lang)}>"


def slack_datetime(when: datetime) -> str:
    """An instant, shown in each reader's own time zone, with a UTC fallback."""
    ts = int(when.timestamp())
    fallback = when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{ts}^{{date_short_pretty}} at {{time}}|{fallback}>"
