"""A subscription as it is stored: the value the store gives back and the rest of the bot reads
(the model, the replies, the planner), with no database in sight."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime

from bot.subscriptions.schedule import Schedule


class Receives(enum.StrEnum):
    """What a channel receives; its value is the word stored (equal to it as a string)."""

    ALL = "all"  # digests and summit reminders
    DIGESTS = "digests"
    REMINDERS = "reminders"


RECEIVES: tuple[Receives, ...] = tuple(Receives)


class Kinds(enum.Flag):
    """What one post carries: a digest, summit reminders, or both. Stored, and passed from the
    planner to the store and the deliverer, as its :attr:`word` (``digest``, ``reminder``,
    ``digest+reminder``)."""

    DIGEST = enum.auto()
    REMINDER = enum.auto()

    @classmethod
    def read(cls, word: str) -> Kinds:
        """The kinds written as ``digest+reminder`` (``""``: none)."""
        kinds = cls(0)
        for kind, name in _KIND_WORDS:
            if name in word.split("+"):
                kinds |= kind
        return kinds

    @property
    def word(self) -> str:
        """As stored: ``digest``, ``reminder``, ``digest+reminder`` or ``""``."""
        return "+".join(word for kind, word in _KIND_WORDS if kind in self)


_KIND_WORDS = ((Kinds.DIGEST, "digest"), (Kinds.REMINDER, "reminder"))


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    team_id: str
    enterprise_id: str | None
    channel_id: str
    schedule: Schedule
    lang: str
    next_wake_at: datetime | None
    paused: bool
    paused_reason: str | None
    created_by: str | None
    last_digest_for: datetime | None
    last_delivery_at: datetime | None
    last_result: str | None
    digests_sent: int
    always: bool = False  # post every digest, even with nothing new
    # what the last posted digest knew of the items dated on its day (None: not recorded)
    news_seen: frozenset[str] | None = None
    receives: Receives = Receives.ALL  # digests and reminders, or only one of them
    topics: frozenset[str] = frozenset()  # the topics it is limited to; empty: every topic
    owner_id: str | None = None  # a person's own subscription: theirs (channel_id: their DM)
    paused_until: date | None = None  # nothing posted through this local day (`pause until`)
    skip_digest_at: datetime | None = None  # the one digest slot not posted (`skip next`)
