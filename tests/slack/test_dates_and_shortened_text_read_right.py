"""What readers see of the small text helpers (bot.slack.mrkdwn): user text shown back on one line and
shortened with an ellipsis, never over its limit; dates that show the same calendar day to every
reader and a fallback in the reader's language; instants with a UTC fallback. The same on a server
whose local time zone is not UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest

from bot.i18n import human_date, slack_datetime
from bot.slack.mrkdwn import quote_user_text, truncate


@pytest.fixture
def server_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is New York's (a server not set to UTC)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_text_within_its_limit_is_shown_whole() -> None:
    assert truncate("abcde", 5) == "abcde"
    assert truncate("", 0) == ""


def test_longer_text_is_cut_to_its_limit_with_an_ellipsis() -> None:
    assert truncate("abcdef", 5) == "abcd…"
    assert truncate("abcd  efgh", 7) == "abcd…"  # no space left before the ellipsis
    assert truncate("  leading spaces are kept", 6) == "  lea…"
    assert truncate("abc", 1) == "…"
    for limit in range(1, 12):
        cut = truncate("one two three four", limit)
        assert len(cut) <= limit and cut.endswith("…")


def test_user_text_is_shown_on_one_line_shortened_in_quotes() -> None:
    assert quote_user_text("daily\n  at\tnine") == "“daily at nine”"
    assert quote_user_text("x" * 40, 30) == "“" + "x" * 29 + "…”"
    assert quote_user_text("<!here> now", 100) == "“&lt;!here&gt; now”"


def test_a_day_is_shown_as_its_own_day_everywhere(server_in_new_york: None) -> None:
    """A calendar day is plain text, never a ``<!date>`` token a reader's zone could shift."""
    day = date(2026, 12, 5)
    assert human_date(day) == "5 December 2026"
    assert human_date(day, "fr") == "5 décembre 2026"
    assert human_date(day, "zh") == "2026年12月5日"


def test_an_instant_speaks_the_readers_language_with_a_fallback_in_the_channels_zone(
    server_in_new_york: None,
) -> None:
    when = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)
    ts = int(when.timestamp())
    assert slack_datetime(when) == (
        f"<!date^{ts}^{{date_short_pretty}} at {{time}}|5 Dec 2026 at 09:30 UTC>"
    )
    assert slack_datetime(when, "fr", "Europe/Paris") == (
        f"<!date^{ts}^{{date_short_pretty}} à {{time}}|5 déc. 2026 à 10:30 CET>"
    )
    assert slack_datetime(when, "zh", "Asia/Shanghai") == (
        f"<!date^{ts}^{{date_short_pretty}} {{time}}|2026年12月5日 17:30 CST>"
    )
