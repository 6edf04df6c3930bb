"""The bot's HTTP clients for Slack: the clock's Web API clients (one per workspace token, on one
connection pool) and the pool the listeners send their own replies and ``users.info`` on."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.transport import GuardedRequest
from bot.installations import TokenCache


def interactive_retry_handlers() -> list[AsyncRetryHandler]:
    """What the clients of slash commands, Home tab and modals retry on their own: one wait of
    Retry-After when Slack answers 429 (users.info, views.publish, views.open…). Nothing else:
    a post is never sent twice by a client."""
    return [AsyncRateLimitErrorRetryHandler(max_retry_count=1)]


class SlackClients:
    """Web API clients for the clock, sharing one connection pool; one per workspace token.

    With OAuth each workspace's own token comes from the installation store; otherwise every
    post uses SLACK_BOT_TOKEN.

    Only the delivery pass retries: these clients have no retry handlers (slack_sdk's default one
    would resend a post after a dropped connection, inside each of the pass's attempts). The
    time limit is the session's own (``aiohttp.ClientTimeout``): slack_sdk applies its ``timeout``
    only to sessions it creates, not to one it is given.
    """

    def __init__(self, settings: Settings, tokens: TokenCache | None = None) -> None:
        self.settings = settings
        self.tokens = tokens
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    def _pool(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.settings.delivery_concurrency + 10)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.settings.slack_timeout_seconds),
                request_class=GuardedRequest,  # a post's lease is checked as its bytes leave
            )
            self._clients.clear()
        return self._session

    async def for_team(
        self, team_id: str, enterprise_id: str | None = None
    ) -> AsyncWebClient | None:
        if self.tokens is not None:
            found = await asyncio.to_thread(self.tokens.token, team_id, enterprise_id)
            if found is None:
                return None
            secret = found
        elif self.settings.slack_bot_token is not None:
            secret = self.settings.slack_bot_token.get_secret_value()
        else:
            return None
        session = self._pool()
        client = self._clients.get(secret)
        if client is None:
            client = AsyncWebClient(
                token=secret,
                base_url=self.settings.slack_api_url,
                session=session,
                timeout=int(max(1.0, self.settings.slack_timeout_seconds)),
                retry_handlers=[],
            )
            self._clients[secret] = client
        return client

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


_JSON = {"Content-Type": "application/json; charset=utf-8"}
# what slack_sdk's clients retry once by default: the connection failed or was closed before an
# answer (a kept-alive connection the other side had closed, a reset)
_CONNECTION_LOST = (aiohttp.ServerConnectionError, aiohttp.ClientOSError)


class HttpPool:
    """One aiohttp connection pool for what the listeners send themselves: replies to a
    command's ``response_url`` and ``users.info``. Bolt's ``respond`` and a Web API client
    without a session open (and close) a new session and connection for every call, which cost
    more than the rest of a channel command. Created on first use, in the running event loop."""

    def __init__(self, limit: int = 100, timeout: int = 15) -> None:
        self.limit = limit
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._loop is not loop:
            connector = aiohttp.TCPConnector(limit=self.limit)
            self._session = aiohttp.ClientSession(connector=connector)
            self._loop = loop
        return self._session

    def share(self, client: AsyncWebClient) -> AsyncWebClient:
        """``client`` (Bolt's per-request client) with its calls on this pool."""
        if client.session is None or client.session.closed:
            client.session = self.session()
        return client

    async def respond(self, response_url: str, message: dict[str, Any]) -> int:
        """Post ``message`` to a command's ``response_url``; the HTTP status Slack answered.

        Posted on the pool directly: slack_sdk's webhook client costs about a third more CPU
        per reply (it reads the proxy settings and builds its own request each time). Like it,
        one retry when the connection fails or is closed before Slack answered."""
        body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
        try:
            return await self._post(response_url, body)
        except _CONNECTION_LOST:
            return await self._post(response_url, body)

    async def _post(self, url: str, body: bytes) -> int:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with self.session().post(url, data=body, headers=_JSON, timeout=timeout) as answer:
            await answer.read()
            return answer.status

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
