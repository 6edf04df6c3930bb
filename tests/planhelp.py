"""Shortcuts over the planner and the channel grammar that only tests need."""

from __future__ import annotations

from datetime import datetime

from bot.content.library import Library
from bot.delivery.planner import Channel, WhatsNew, digest_inputs, posted_kinds, whats_new
from bot.subscriptions.model import ALWAYS
from bot.subscriptions.schedule import Schedule, local_day


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


def split_always(words: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """Take the word ``always`` (any case) out of the words after ``subscribe``."""
    rest = tuple(w for w in words if w.casefold() != ALWAYS)
    return rest, len(rest) != len(words)


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
    """Whether the post at ``scheduled_for`` of a channel seeing ``library`` is skipped as
    "nothing new"."""
    channel = Channel(schedule, always=always, last_digest_for=last_digest_for, news_seen=news_seen)
    return not posted_kinds(library, digest_inputs(library, channel, scheduled_for, kinds))
