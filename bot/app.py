"""The composition root: the one place where the store, the Slack clients, the deliverer and the
listeners are built and wired. :class:`Runtime` provides :class:`bot.services.Services`, the
narrow interface the listeners (``handlers``) and the Home tab are given."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers.cache import Answers
from bot.clock import Clock
from bot.config import Settings
from bot.content.library import Library
from bot.content.source import ContentSource
from bot.delivery.deliverer import Deliverer, DeliverySettings
from bot.gate import OnceOnly, SameTeam, SeenEvents, Shapes
from bot.installations import DbInstallationStore, SignedOAuthStates, TokenCache, TokenCipher
from bot.services import Admission
from bot.slack.clients import HttpPool, SlackClients, interactive_retry_handlers
from bot.slack.reach import Reach
from bot.store.store import Store
from bot.subscriptions.profiles import Locales
from bot.subscriptions.service import Channels

# channels:read and groups:read: conversations.info and conversations.members, so that the Home tab
# shows each user the subscriptions of channels they can see, and the form refuses a private channel
# the bot has not been invited to
# channels:join: a public channel that subscribes is joined (conversations.join), so that its
# history can be read (bot.subscriptions.service)
# channels:history and groups:history let the clock look in a channel's history for a post
# whose outcome Slack never told it (see bot.delivery.deliverer), so that it is not posted twice
# app_mentions:read and im:history: an @mention is answered in its thread, a direct message in
# the DM (handlers.messages)
BOT_SCOPES = (
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "users:read",
    "im:write",  # `subscribe me`: the person's direct message with the bot
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "app_mentions:read",
    "im:history",
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
        calendar_url=f"{settings.public_url}/summits.ics" if settings.public_url else None,
    )


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
    events: SeenEvents = field(default_factory=SeenEvents)  # Events API deliveries handled

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
            rt.channels = Channels(
                store, content, clock, ds, settings.subscription_managers, rt.clients.for_team
            )
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


class OAuthFlow(AsyncOAuthFlow):
    """Bolt's OAuth flow; once an installation is stored, its state is recorded as used (see
    ``SignedOAuthStates``: only installations Slack accepted write a state)."""

    async def store_installation(
        self, request: AsyncBoltRequest, installation: Installation
    ) -> None:
        await super().store_installation(request, installation)
        states = self.settings.state_store
        if isinstance(states, SignedOAuthStates):
            await states.async_record_used(request.query.get("state", [None])[0])


def create_app(rt: Runtime) -> AsyncApp:
    from handlers import register_listeners

    settings = rt.settings
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    oauth_flow = None
    if settings.oauth and rt.installations is not None and rt.store is not None:
        assert settings.slack_client_secret is not None  # settings.oauth: both are set
        client_secret = settings.slack_client_secret.get_secret_value()
        oauth_flow = OAuthFlow(
            client=AsyncWebClient(base_url=settings.slack_api_url),
            settings=AsyncOAuthSettings(
                client_id=settings.slack_client_id,
                client_secret=client_secret,
                scopes=list(BOT_SCOPES),
                installation_store=rt.installations,
                state_store=SignedOAuthStates(rt.store, client_secret),
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
        # ids and fields Slack could not have sent are refused before anything looks them up
        before_authorize=Shapes(),
    )
    app.client.base_url = settings.slack_api_url
    app.client.retry_handlers = interactive_retry_handlers()  # Bolt's per-request clients copy them

    # then the body names no other workspace than the authorized one, and an Events API
    # delivery Slack sends again is not handled twice (bot.gate)
    app.use(SameTeam(installations=oauth_flow is not None))
    app.use(OnceOnly(rt.events))
    app.use(LatestContent(rt.content))

    register_listeners(app, rt)
    return app
