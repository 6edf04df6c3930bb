"""Bolt listeners, one module per kind (commands, actions, views, events, messages), each a set of
module-level functions and a ``register(app)`` that maps ids to them. Each listener finds the
running bot's services and who is asking on Bolt's context (:mod:`handlers.context`)."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.services import Services
from handlers import actions, commands, events, messages, views
from handlers.context import Listening


def register_listeners(app: AsyncApp, deps: Services) -> None:
    """The middleware that puts ``deps`` and the reader on each request's context, then every
    listener."""
    app.use(Listening(deps))
    commands.register(app)
    actions.register(app)
    views.register(app)
    events.register(app)
    messages.register(app)
