"""Building the Bolt app: one place where the Slack client and the listeners are wired."""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.config import Settings
from bot.content import Library


@dataclass(frozen=True)
class Deps:
    """What listeners may use; they never build clients or read the environment themselves."""

    settings: Settings
    library: Library
    clock: Clock


def create_app(
    settings: Settings, library: Library, clock: Clock, *, socket_mode: bool = False
) -> AsyncApp:
    from handlers import register_listeners

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
    register_listeners(app, Deps(settings=settings, library=library, clock=clock))
    return app
