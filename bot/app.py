"""Building the bot: one place where the store, the Slack clients and the listeners are wired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import aiohttp
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.channels import Channels
from bot.clock import Clock
from bot.config import Settings
from bot.content import ContentSource, Library
from bot.delivery import Deliverer, DeliverySettings
from bot.store import Store


def delivery_settings(settings: Settings) -> DeliverySettings:
    return DeliverySettings(
        lead_days=settings.lead_days,
        max_late=timedelta(hours=settings.max_late_hours),
        concurrency=settings.delivery_concurrency,
        retry_base=settings.retry_base_seconds,
    )


class SlackClients:
    """Web API clients for the clock, sharing one connection pool; one per workspace token."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._session: aiohttp.ClientSession | None = None
        self._clients: dict[str, AsyncWebClient] = {}

    def _pool(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self.settings.delivery_concurrency + 10)
            self._session = aiohttp.ClientSession(connector=connector)
            self._clients.clear()
        return self._session

    def for_team(self, team_id: str, enterprise_id: str | None = None) -> AsyncWebClient | None:
        token = self.settings.slack_bot_token
        if token is None:
            return None
        secret = token.get_secret_value()
        session = self._pool()
        client = self._clients.get(secret)
        if client is None:
            client = AsyncWebClient(
                token=secret, base_url=self.settings.slack_api_url, session=session, timeout=15
            )
            self._clients[secret] = client
        return client

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()


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
            rt.clients = SlackClients(settings)
            rt.deliverer = Deliverer(store, content, rt.clients.for_team, clock, ds)
            rt.channels = Channels(store, content, clock, ds)
        return rt


# Listeners receive the runtime as their dependencies.
Deps = Runtime


def create_app(rt: Runtime, *, socket_mode: bool = False) -> AsyncApp:
    from handlers import register_listeners

    settings = rt.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    client = AsyncWebClient(token=token, base_url=settings.slack_api_url)
    app = AsyncApp(
        client=client,
        signing_secret=secret,
        # Socket Mode messages carry no signature; HTTP requests must always be verified
        request_verification_enabled=not socket_mode,
        # a listener that fails must never turn into an HTTP 500 for Slack
        raise_error_for_unhandled_request=False,
    )
    register_listeners(app, rt)
    return app
