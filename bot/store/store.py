"""The bot's database as one object: every transaction of the three parts of the store."""

from __future__ import annotations

from bot.store.deliveries import Deliveries
from bot.store.subscriptions import Subscriptions
from bot.store.teams import Teams


class Store(Subscriptions, Deliveries, Teams):
    """The bot's database: every read and write the bot makes, each one transaction."""
