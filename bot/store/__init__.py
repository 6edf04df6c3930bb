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
