"""Bolt listeners. Each module registers itself on the app and delegates to ``bot``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers import actions, commands, events, views


def register_listeners(app: AsyncApp, deps: Services) -> None:
    commands.register(app, deps)
    actions.register(app, deps)
    actions.register_home(app, deps)
    views.register(app, deps)
    events.register(app, deps)
