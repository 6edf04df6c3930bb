"""The delivery pass in tests: one clock process (World) on a real database and the fake Slack,
the instants its tests start from, and what a channel was posted."""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from bot.app import Runtime
from bot.clock import FixedClock
from bot.config import Settings
from bot.content.loading import load_library
from bot.store.store import Store
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests.conftest import CONTENT
from tests.fakeslack import FakeSlack

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # a Tuesday


class World:
    """One clock process: its own store (engine), runtime and clock."""

    def __init__(self, db_url: str, slack: FakeSlack, content: Path = CONTENT, **cfg: object):
        self.clock = FixedClock(T0)
        self.settings = Settings(
            slack_bot_token=SecretStr("xoxb-delivery"),
            slack_api_url=slack.base_url,
            database_url=db_url,
            retry_base_seconds=0.01,
            **cfg,  # type: ignore[arg-type]
        )
        self.store = Store.open(db_url)
        self.rt = Runtime.build(self.settings, load_library(content), self.clock, self.store)

    def subscribe(self, channel: str, words: str, team: str = "T1") -> None:
        """As `/declaration subscribe <words>`: `always` posts every digest, news or not."""
        split = words.split()
        schedule = parse_schedule([w for w in split if w != "always"])
        assert isinstance(schedule, Schedule), schedule
        self.store.subscribe(
            team_id=team,
            channel_id=channel,
            schedule=schedule,
            now=self.clock.now(),
            always="always" in split,
        )

    async def tick(self, at: datetime):  # type: ignore[no-untyped-def]
        self.clock.at = at
        assert self.rt.deliverer is not None
        return await self.rt.deliverer.run_pass()

    async def close(self) -> None:
        if self.rt.clients:
            await self.rt.clients.close()
        self.store.close()


def posts_to(slack: FakeSlack, channel: str) -> list[str]:
    return [c.params.get("text", "") for c in slack.posts() if c.params.get("channel") == channel]


NINE = T0.replace(hour=9, second=5)  # Tuesday 1 December 2026, just after the 09:00 UTC slot


def day(n: int) -> datetime:
    return NINE + timedelta(days=n)


def edited(content: Path) -> None:
    """Make sure the next pass sees the edit (file times can be coarse)."""
    later = time.time() + 5
    for path in content.rglob("*.yml"):
        os.utime(path, (later, later))


def statuses(w: World, channel: str = "C1") -> list[str]:
    sub = w.store.get("T1", channel)
    assert sub is not None
    return [d["status"] for d in w.store.deliveries(sub.id)]


def shown(slack: FakeSlack) -> Counter[tuple[str, str]]:
    """What each channel shows, whatever the bot's client saw: ``(channel, "post")`` for each
    message at the top level, ``(channel, "reply")`` for each reply in a thread."""
    found: Counter[tuple[str, str]] = Counter()
    for m in slack.messages():
        thread = m.get("thread_ts")
        found[(str(m["channel"]), "reply" if thread and thread != m["ts"] else "post")] += 1
    return found


def once(channels: Iterable[str], replies: bool = True) -> Counter[tuple[str, str]]:
    """Each channel shown one post (a digest) and, with ``replies``, one reply in its thread."""
    parts = ("post", "reply") if replies else ("post",)
    return Counter((c, part) for c in channels for part in parts)
