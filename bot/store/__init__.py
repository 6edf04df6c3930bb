"""Storage: subscriptions, deliveries and workspaces in SQLite or PostgreSQL, through SQLAlchemy 2.

Every method is one transaction of SQLAlchemy Core statements (the ORM is never imported) and
returns plain frozen dataclasses, so callers (Bolt listeners, the clock) can use the results after
the connection is gone and from any thread. The store decides nothing: what a channel is owed and
when is :mod:`bot.delivery.planner`'s to say.

- :mod:`bot.store.engine`: the engine, migrations and the schema's revision, database problems;
- :mod:`bot.store.subscriptions`: subscribing, pausing, resuming, listing;
- :mod:`bot.store.deliveries`: claiming what is due under a lease, results, history;
- :mod:`bot.store.teams`: installations, OAuth states, a workspace's subscriptions as a whole.
"""

from bot.store.deliveries import (
    RESULT_NOTHING_NEW,
    RESULT_UNCERTAIN,
    Claim,
    Deliveries,
    Outcome,
)
from bot.store.engine import (
    MIGRATIONS,
    READ_ONLY,
    Database,
    StoreError,
    head_revision,
    make_engine,
    normalize_url,
)
from bot.store.subscriptions import Subscriptions, SubscriptionView, seen_keys
from bot.store.teams import Teams


class Store(Subscriptions, Deliveries, Teams):
    """The bot's database: every read and write the bot makes, each one transaction."""


__all__ = [
    "MIGRATIONS",
    "READ_ONLY",
    "RESULT_NOTHING_NEW",
    "RESULT_UNCERTAIN",
    "Claim",
    "Database",
    "Outcome",
    "Store",
    "StoreError",
    "SubscriptionView",
    "head_revision",
    "make_engine",
    "normalize_url",
    "seen_keys",
]
