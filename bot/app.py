"""Building the bot: one place where the store, the Slack clients and the listeners are wired."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import aiohttp
from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.answers import Answers
from bot.channels import Channels
from bot.clock import Clock
from bot.config import Settings
from bot.content import ContentSource, Library
from bot.delivery import Deliverer, DeliverySettings, GuardedRequest
from bot.i18n import DEFAULT, from_locale
from bot.installations import DbInstallationStore, DbOAuthStateStore, TokenCache, TokenCipher
from bot.reach import Reach
from bot.store import Store

log = logging.getLogger("declaration_bot.app")

# channels:read and groups:read: conversations.info and conversations.members, so that the Home tab
# shows each user the subscriptions of channels they can see, and the form refuses a private channel
# the bot has not been invited to
# channels:history and groups:history let the clock look in a channel's history for a post
# whose outcome Slack never told it (see bot.delivery), so that it is not posted twice
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "users:read",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
)


def delivery_settings(settings: Settings) -> DeliverySettings:
    return DeliverySettings(
        lead_days=settings.lead_days,
        max_late=timedelta(hours=settings.max_late_hours),
        concurrency=settings.delivery_concurrency,
        retry_base=settings.retry_base_seconds,
        lease=timedelta(seconds=settings.lease_seconds),
        timeout=settings.slack_timeout_seconds,
        uncertain_posts=settings.uncertain_posts,
        shutdown_grace=settings.shutdown_grace_seconds,
    )


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
        """Post ``message`` to a command's ``response_url``; the HTTP status Slack answered."""
        hook = AsyncWebhookClient(url=response_url, session=self.session(), timeout=self.timeout)
        return (await hook.send_dict(message)).status_code

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


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
        self, client: AsyncWebClient, command: dict[str, Any], pool: HttpPool | None = None
    ) -> UserProfile:
        """The caller's profile for this request: every need of it shares one ``users.info``."""
        team = str(command.get("team_id") or "")
        return UserProfile(client, team, str(command.get("user_id") or ""), self.timeout, pool)

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


@dataclass
class Runtime:
    """Everything a running bot shares: settings, content, clock, storage and delivery."""

    settings: Settings
    content: ContentSource
    clock: Clock
    store: Store | None = None
    clients: SlackClients | None = None
    deliverer: Deliverer | None = None
    channels: Channels | None = None
    installations: DbInstallationStore | None = None
    tokens: TokenCache | None = None
    locales: Locales = field(default_factory=Locales)
    http: HttpPool = field(default_factory=HttpPool)
    admission: Admission = field(default_factory=Admission)
    answers: Answers = field(default_factory=Answers)
    reach: Reach = field(default_factory=Reach)  # what the bot sees of channels (Home, form)

    @property
    def calendar_url(self) -> str | None:
        base = self.settings.public_url
        return f"{base}/summits.ics" if base else None

    @property
    def library(self) -> Library:
        return self.content.current()

    @classmethod
    def build(
        cls, settings: Settings, library: Library, clock: Clock, store: Store | None
    ) -> Runtime:
        content = ContentSource(library)
        rt = cls(settings=settings, content=content, clock=clock, store=store)
        if store is not None:
            ds = delivery_settings(settings)
            if settings.oauth and settings.slack_token_encryption_key is not None:
                key = settings.slack_token_encryption_key.get_secret_value()
                rt.installations = DbInstallationStore(store, TokenCipher(key))
                rt.tokens = TokenCache(rt.installations)
            rt.clients = SlackClients(settings, rt.tokens)
            rt.deliverer = Deliverer(store, content, rt.clients.for_team, clock, ds)
            rt.channels = Channels(store, content, clock, ds, settings.subscription_managers)
        return rt


class LatestContent(AsyncMiddleware):
    """Every request sees the latest content; the files are looked at off the event loop. A
    middleware class rather than a decorated function: Bolt calls it without building keyword
    arguments for it, which a function middleware pays on every request."""

    def __init__(self, content: ContentSource) -> None:
        self.content = content

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        await self.content.refresh()
        return await next()


# Listeners receive the runtime as their dependencies.
Deps = Runtime


def create_app(rt: Runtime) -> AsyncApp:
    from handlers import register_listeners

    settings = rt.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    oauth_flow = None
    if settings.oauth and rt.installations is not None and rt.store is not None:
        oauth_flow = AsyncOAuthFlow(
            client=AsyncWebClient(base_url=settings.slack_api_url),
            settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=(
                    settings.slack_client_secret.get_secret_value()
                    if settings.slack_client_secret
                    else None
                ),
                scopes=list(BOT_SCOPES),
                installation_store=rt.installations,
                state_store=DbOAuthStateStore(rt.store),
                install_path="/slack/install",
                redirect_uri_path="/slack/oauth_redirect",
                redirect_uri=(
                    f"{settings.public_url}/slack/oauth_redirect" if settings.public_url else None
                ),
                install_page_rendering_enabled=True,
            ),
        )
        token = None
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns when it is also given a
    # client, so the token goes to Bolt's own client (pointed at our API URL); with OAuth, no
    # token: Bolt gets a token-less client and each request the workspace's own token
    app = AsyncApp(
        token=token,
        client=(
            None
            if token
            else AsyncWebClient(
                base_url=settings.slack_api_url, retry_handlers=interactive_retry_handlers()
            )
        ),
        signing_secret=secret,
        oauth_flow=oauth_flow,
        installation_store=rt.installations if oauth_flow else None,
        # HTTP requests are verified on their raw bytes by bot.web before Bolt reads them;
        # Socket Mode messages carry no signature
        request_verification_enabled=False,
        # a listener that fails must never turn into an HTTP 500 for Slack
        raise_error_for_unhandled_request=False,
    )
    app.client.base_url = settings.slack_api_url
    app.client.retry_handlers = interactive_retry_handlers()  # Bolt's per-request clients copy them

    app.use(LatestContent(rt.content))

    register_listeners(app, rt)
    return app
