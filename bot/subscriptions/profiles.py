"""Who is asking: a caller's Slack profile (fetched at most once per request) and their language
(``lang:xx`` in the command, else their Slack locale, cached)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import DEFAULT, from_locale
from bot.slack.clients import HttpPool

log = logging.getLogger("declaration_bot.app")


class UserProfile:
    """A caller's Slack profile (``users.info``), fetched at most once per request."""

    def __init__(
        self,
        client: AsyncWebClient,
        team_id: str,
        user_id: str,
        timeout: float,
        pool: HttpPool | None = None,
    ) -> None:
        self.client = client
        self.team_id = team_id
        self.user_id = user_id
        self.timeout = timeout
        self.pool = pool  # the connections to call users.info on (else the client's own)
        self._task: asyncio.Future[dict[str, Any] | None] | None = None

    async def get(self) -> dict[str, Any] | None:
        """The ``user`` object, or None when Slack cannot tell (no scope, slow, down)."""
        if self._task is None:
            self._task = asyncio.ensure_future(self._fetch())
        return await asyncio.shield(self._task)

    async def _fetch(self) -> dict[str, Any] | None:
        if self.pool is not None:
            self.pool.share(self.client)
        try:
            info = await asyncio.wait_for(
                self.client.users_info(user=self.user_id, include_locale=True), self.timeout
            )
        except Exception as exc:  # no users:read scope, Slack slow or down
            log.warning("users.info failed team=%s: %s", self.team_id, type(exc).__name__)
            return None
        user = info.get("user")
        return user if isinstance(user, dict) else None


class Locales:
    """Each caller's language: ``lang:xx`` in the command, else their Slack locale (cached)."""

    def __init__(self, ttl: float = 3600.0, timeout: float = 1.5) -> None:
        self.ttl = ttl
        self.timeout = timeout
        self._cache: dict[tuple[str, str], tuple[float, str]] = {}

    def profile(
        self, client: AsyncWebClient, team: str, user: str, pool: HttpPool | None = None
    ) -> UserProfile:
        """The caller's profile for this request (``team``: the workspace Bolt authorized it
        for): every need of it shares one ``users.info``."""
        return UserProfile(client, team, user, self.timeout, pool)

    async def lang_of(self, profile: UserProfile, asked: str | None = None) -> str:
        """``asked`` (the ``lang:`` of the command, read once by bot.commands.read), else the
        caller's Slack locale."""
        if asked:
            return asked
        key = (profile.team_id, profile.user_id)
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        user = await profile.get()
        lang = (from_locale(user.get("locale")) if user else None) or DEFAULT
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[key] = (now, lang)
        return lang
