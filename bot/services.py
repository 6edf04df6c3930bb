"""What Bolt listeners and the Home tab may use of a running bot: a narrow, read-only interface,
so that handlers depend on it and not on the composition root (:mod:`bot.app`, whose ``Runtime``
provides it) and are tested with any object that has these attributes."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.answers.cache import Answers
    from bot.clock import Clock
    from bot.config import Settings
    from bot.content.library import Library
    from bot.installations import DbInstallationStore, TokenCache
    from bot.slack.clients import HttpPool
    from bot.slack.reach import Reach
    from bot.store.store import Store
    from bot.subscriptions.profiles import Locales
    from bot.subscriptions.service import Channels


class Services(Protocol):
    """The services a listener is given: content, clock, storage, channel commands, and the
    per-workspace caches (languages, reach, tokens)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def library(self) -> Library: ...
    @property
    def calendar_url(self) -> str | None: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def store(self) -> Store | None: ...
    @property
    def channels(self) -> Channels | None: ...
    @property
    def installations(self) -> DbInstallationStore | None: ...
    @property
    def tokens(self) -> TokenCache | None: ...
    @property
    def locales(self) -> Locales: ...
    @property
    def http(self) -> HttpPool: ...
    @property
    def admission(self) -> Admission: ...
    @property
    def answers(self) -> Answers: ...
    @property
    def reach(self) -> Reach: ...


class Admission:
    """At most ``limit`` channel commands at work at once (database, reply); the others wait for
    a place before they are acknowledged, so a burst of them slows its senders down instead of
    piling up work (and memory) that content commands and ``/healthz`` would wait behind. A
    command that waited ``wait`` seconds is acknowledged anyway (Slack wants an answer within
    3 s) and does its work when a place is free."""

    def __init__(self, limit: int = 8, wait: float = 2.0) -> None:
        self.limit = limit
        self.wait = wait
        self._places = asyncio.Semaphore(limit)

    async def enter(self) -> bool:
        """Wait for a place, at most ``wait`` seconds; whether one was taken."""
        if not self._places.locked():  # a place is free: no timer to arm and cancel
            await self._places.acquire()
            return True
        try:
            async with asyncio.timeout(self.wait):
                await self._places.acquire()
        except TimeoutError:
            return False
        return True

    async def enter_late(self) -> None:
        """Wait for a place as long as it takes (after an ``enter`` that gave up)."""
        await self._places.acquire()

    def leave(self) -> None:
        self._places.release()
