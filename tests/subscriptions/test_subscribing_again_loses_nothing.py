"""Subscribing again with the settings a channel already has changes nothing: not its next
wake-up either, so a digest due a moment ago and not yet posted still goes out."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.clock import FixedClock
from bot.config import Settings
from bot.content.library import Library
from bot.local.shell import LOCAL_CHANNEL, LOCAL_TEAM, Shell
from bot.store.store import Store

EIGHT = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)


def say(shell: Shell, line: str) -> str:
    answer = shell.answer(line)
    assert answer is not None
    return answer.text


def test_the_same_subscribe_just_after_its_time_keeps_the_digest_due(
    library: Library, db: str
) -> None:
    env = {"TZ": "UTC", "LANG": "C", "USER": "ada"}
    shell = Shell(library, FixedClock(EIGHT), Settings(database_url=db), env, io.StringIO())
    say(shell, "subscribe daily 09:00 UTC")
    store = Store.open(db)
    before = store.get(LOCAL_TEAM, LOCAL_CHANNEL)
    assert before is not None
    # 09:00:10: the clock has not taken the 09:00 digest yet when someone subscribes again
    shell.clock.at = datetime(2026, 11, 27, 9, 0, 10, tzinfo=UTC)
    out = say(shell, "subscribe daily 09:00 UTC")
    assert "Nothing changed" in out
    after = store.get(LOCAL_TEAM, LOCAL_CHANNEL)
    assert after is not None and after.next_wake_at == before.next_wake_at
    store.close()
    ticked = say(shell, "tick 2026-11-27T09:00:30Z")
    assert "Posted in #local (digest)" in ticked
