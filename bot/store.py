"""Storage: subscriptions and deliveries in SQLite or PostgreSQL, through SQLAlchemy 2.

Every method is one transaction and returns plain frozen dataclasses, never ORM objects, so callers
(Bolt listeners, the clock) can use the results after the session is gone and from any thread.
"""

from __future__ import annotations

import ast
import functools
import logging
import os
import secrets
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot import planner
from bot.models import Delivery, Subscription
from bot.schedule import Schedule, days_from_key, days_key

log = logging.getLogger("declaration_bot.store")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@functools.cache
def head_revision() -> str:
    """The newest migration's revision, read from the files in migrations/versions/ (the one no
    other migration names as its ``down_revision``), without importing Alembic."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, str | None] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
                value = node.value.value
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                        found[target.id] = value if isinstance(value, str) else None
        if isinstance(found.get("revision"), str):
            revisions[str(found["revision"])] = found.get("down_revision")
    heads = set(revisions) - {down for down in revisions.values() if down}
    if len(heads) != 1:
        raise RuntimeError(f"migrations must form one line, found heads {sorted(heads)}")
    return heads.pop()


class StoreError(Exception):
    """The database cannot be reached or used; the message says which and what to do."""


def normalize_url(url: str) -> str:
    """postgres:// and postgresql:// use the psycopg 3 driver; sqlite URLs are kept."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class SubscriptionView:
    id: int
    team_id: str
    enterprise_id: str | None
    channel_id: str
    schedule: Schedule
    lang: str
    next_wake_at: datetime | None
    paused: bool
    paused_reason: str | None
    created_by: str | None
    last_digest_for: datetime | None
    last_delivery_at: datetime | None
    last_result: str | None
    digests_sent: int
    always: bool = False  # post every digest, even with nothing new
    # what the last posted digest knew of the items dated on its day (None: not recorded)
    news_seen: frozenset[str] | None = None
    receives: str = "all"  # "all", "digests" (no reminders) or "reminders" (no digests)
    topics: frozenset[str] = frozenset()  # the topics it is limited to; empty: every topic


@dataclass(frozen=True)
class Claim:
    """A post this worker owns until ``lease_until``: deliver it, then record the result."""

    delivery_id: int
    subscription: SubscriptionView
    scheduled_for: datetime
    kinds: str
    attempts: int
    # a previous owner may have posted it without recording so: look in the history first
    maybe_posted: bool = False


@dataclass(frozen=True)
class Outcome:
    """What happened to a claimed delivery."""

    delivery_id: int
    subscription_id: int
    status: str  # sent | retry | failed | nothing_new
    kinds: str
    scheduled_for: datetime
    at: datetime
    message_ts: str | None = None
    error: str | None = None
    pause_reason: str | None = None  # set when the channel (or workspace) needs a person
    retry_at: datetime | None = None
    news_seen: str | None = None  # for a posted digest: what it knew (see digest.seen_on)
    maybe_posted: bool = False  # for a retry: an attempt may have been posted (check first)


RESULT_NOTHING_NEW = "nothing new"
RESULT_UNCERTAIN = "uncertain"  # may have been posted; recorded as such, not sent again


def _result(o: Outcome) -> str:
    if o.status == "nothing_new":
        return RESULT_NOTHING_NEW
    if o.status == "uncertain":
        return f"{RESULT_UNCERTAIN}: {o.error}"
    return "sent" if o.status == "sent" else f"failed: {o.error}"


def seen_keys(stored: str | None) -> frozenset[str] | None:
    return None if stored is None else frozenset(stored.split())


def _channel_row(s: Session, team_id: str, channel_id: str) -> Subscription | None:
    return s.scalars(
        select(Subscription).where(
            Subscription.team_id == team_id, Subscription.channel_id == channel_id
        )
    ).one_or_none()


_SUBSCRIPTIONS = Subscription.__table__
assert isinstance(_SUBSCRIPTIONS, Table)
_BY_CHANNEL = select(_SUBSCRIPTIONS).where(
    _SUBSCRIPTIONS.c.team_id == bindparam("team"),
    _SUBSCRIPTIONS.c.channel_id == bindparam("channel"),
)


# what `subscribe` sets, on a new subscription and on an existing one alike
_SUBSCRIBE_SETS: dict[str, Any] = {
    name: bindparam(f"v_{name}")
    for name in (
        "enterprise_id",
        "days",
        "at_minute",
        "tz",
        "lang",
        "always",
        "receives",
        "topics",
        "paused",
        "paused_reason",
        "created_by",
        "updated_at",
        "next_wake_at",
    )
}
_SUBSCRIBE_UPDATE = (
    update(_SUBSCRIPTIONS)
    .where(
        _SUBSCRIPTIONS.c.team_id == bindparam("b_team"),
        _SUBSCRIPTIONS.c.channel_id == bindparam("b_channel"),
    )
    .values(_SUBSCRIBE_SETS)
    .returning(*_SUBSCRIPTIONS.c)
)
_SUBSCRIBE_INSERT = (
    insert(_SUBSCRIPTIONS)
    .values(
        team_id=bindparam("b_team"),
        channel_id=bindparam("b_channel"),
        created_at=bindparam("b_created"),
        digests_sent=0,
        **_SUBSCRIBE_SETS,
    )
    .returning(*_SUBSCRIPTIONS.c)
)


def _view(row: Any) -> SubscriptionView:
    """A subscription as a plain value, from an ORM ``Subscription`` or a Core row of its table
    (the same attribute names)."""
    return SubscriptionView(
        id=row.id,
        team_id=row.team_id,
        enterprise_id=row.enterprise_id,
        channel_id=row.channel_id,
        schedule=Schedule(
            days=days_from_key(row.days),
            at=time(row.at_minute // 60, row.at_minute % 60),
            tz=row.tz,
        ),
        lang=row.lang,
        next_wake_at=row.next_wake_at,
        paused=row.paused,
        paused_reason=row.paused_reason,
        created_by=row.created_by,
        last_digest_for=row.last_digest_for,
        last_delivery_at=row.last_delivery_at,
        last_result=row.last_result,
        digests_sent=row.digests_sent,
        always=bool(row.always),
        news_seen=seen_keys(row.news_seen),
        receives=row.receives or "all",
        topics=frozenset((row.topics or "").split()),
    )


def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
    # let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE: writers queue instead of deadlocking
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


# the execution option that marks a connection that only reads (``Store.reads``)
READ_ONLY = "declaration_read_only"


def _sqlite_begin(conn: Any) -> None:
    # A reader must not take the write lock: BEGIN IMMEDIATE would queue it behind every writer
    # (and SQLite's busy handler sleeps between tries). It begins nothing: each of its statements
    # reads one consistent snapshot on its own (WAL), and rolling back nothing costs nothing.
    if not conn.get_execution_options().get(READ_ONLY):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            # a server that never answers is reported after 10 s instead of hanging the start
            connect_args={"connect_timeout": 10},
        )
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(
            f"DATABASE_URL cannot be used ({_first_line(exc)}): use "
            "sqlite:///declaration-bot.sqlite3 or postgresql://user:password@host/dbname"
        ) from None


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else exc).strip().splitlines()
    return lines[0].rstrip(".") if lines else type(exc).__name__


def _database_problem(engine: Engine, exc: Exception) -> str:
    """One line: what is wrong with the database DATABASE_URL names, and what to do."""
    url = engine.url
    reason = _first_line(exc)
    if not isinstance(exc, DBAPIError):  # Alembic's CommandError: a revision we do not know
        return (
            f"the database at DATABASE_URL ({url.render_as_string()}) was set up by another "
            f"program or a newer declaration-bot ({reason}); point DATABASE_URL at the bot's own "
            "database or a new one"
        )
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        if not path.parent.is_dir():
            return (
                f"DATABASE_URL names a file in a folder that does not exist ({path.parent}): "
                "create the folder or point DATABASE_URL at another file"
            )
        if "not a database" in reason:
            return (
                f"DATABASE_URL names {path}, which is not a SQLite database: point it at the "
                "bot's database file or at a new file, e.g. sqlite:///declaration-bot.sqlite3"
            )
        return (
            f"cannot use the SQLite file DATABASE_URL names ({path}): {reason}; check that the "
            "file and its folder are writable, or point DATABASE_URL at another file"
        )
    if isinstance(exc, OperationalError):
        return (
            f"cannot connect to the database at DATABASE_URL ({url.render_as_string()}): "
            f"{reason}; check that the server is running and the URL's host, port, user, "
            "password and database name"
        )
    return f"cannot use the database at DATABASE_URL ({url.render_as_string()}): {reason}"


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.is_postgres = engine.dialect.name == "postgresql"
        # connections and sessions that only read, one statement at a time: on SQLite they never
        # wait for the write lock, on PostgreSQL they skip BEGIN and ROLLBACK (two round trips)
        options: dict[str, Any] = {READ_ONLY: True}
        if self.is_postgres:
            options["isolation_level"] = "AUTOCOMMIT"
        self.reader = engine.execution_options(**options)
        self.reads = sessionmaker(self.reader, expire_on_commit=False)
        # who holds a lease: unique per store, so two clocks in one process fence each other too
        self.worker = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        store = cls(make_engine(url))
        if migrate:
            try:
                store.migrate()
            except BaseException:
                store.close()
                raise
        return store

    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic); safe to run at every start.

        A current schema is recognised with one query, without loading Alembic (a third of a
        second of imports at every start of every command)."""
        if self.schema_revision() == head_revision():
            return
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        try:
            with self.engine.begin() as conn:
                if self.is_postgres:
                    # two processes starting at once must not migrate concurrently
                    conn.execute(text("SELECT pg_advisory_xact_lock(7243619)"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except (DBAPIError, CommandError) as exc:
            raise StoreError(_database_problem(self.engine, exc)) from None

    def require_current(self) -> None:
        """Raise StoreError unless the schema is this version's (for starts without migrating)."""
        found = self.schema_revision()
        if found != head_revision():
            raise StoreError(
                f"the database at DATABASE_URL is at schema revision {found or 'none'}, this "
                f"version needs {head_revision()}: run `declaration-bot migrate` first (or start "
                "without --no-migrate)"
            )

    def ping(self) -> None:
        """Raise unless the database answers a query (readiness probes)."""
        with self.reader.connect() as conn:
            conn.execute(text("SELECT 1"))

    def schema_revision(self) -> str | None:
        """The revision the database is at, or None (no schema yet, or no database)."""
        try:
            with self.reader.connect() as conn:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            return None

    def close(self) -> None:
        self.engine.dispose()

    # --- subscriptions ---------------------------------------------------------------------

    def subscribe(
        self,
        *,
        team_id: str,
        channel_id: str,
        schedule: Schedule,
        now: datetime,
        user_id: str | None = None,
        enterprise_id: str | None = None,
        lang: str = "en",
        always: bool = False,
        receives: str = "all",
        topics: frozenset[str] = frozenset(),
    ) -> tuple[SubscriptionView, bool]:
        """Create or replace this channel's subscription; (view, created). Unpauses it.

        Every option is set anew: subscribing again without ``always`` turns it off, without
        topics lifts the topic limit."""
        # Core statements built once: a quarter of the ORM's time, and this is every `subscribe`
        params: dict[str, Any] = {
            "b_team": team_id,
            "b_channel": channel_id,
            "v_enterprise_id": enterprise_id,
            "v_days": days_key(schedule.days),
            "v_at_minute": schedule.at.hour * 60 + schedule.at.minute,
            "v_tz": schedule.tz,
            "v_lang": lang,
            "v_always": always,
            "v_receives": receives,
            "v_topics": " ".join(sorted(topics)) or None,
            "v_paused": False,
            "v_paused_reason": None,
            "v_created_by": user_id,
            "v_updated_at": now,
            "v_next_wake_at": planner.next_wake(schedule, now),
        }
        with self.engine.begin() as conn:
            row = conn.execute(_SUBSCRIBE_UPDATE, params).first()
            created = row is None
            if row is None:
                row = conn.execute(_SUBSCRIBE_INSERT, {**params, "b_created": now}).one()
        return _view(row), created

    def get(self, team_id: str, channel_id: str) -> SubscriptionView | None:
        # Core rather than the ORM: half the time, and this is every `status` and `pause`
        with self.reader.connect() as conn:
            row = conn.execute(_BY_CHANNEL, {"team": team_id, "channel": channel_id}).first()
        return _view(row) if row is not None else None

    def unsubscribe(self, team_id: str, channel_id: str) -> bool:
        with self.sessions.begin() as s:
            result = s.execute(
                delete(Subscription).where(
                    Subscription.team_id == team_id, Subscription.channel_id == channel_id
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def pause(
        self, team_id: str, channel_id: str, reason: str, now: datetime
    ) -> SubscriptionView | None:
        with self.sessions.begin() as s:
            row = _channel_row(s, team_id, channel_id)
            if row is None:
                return None
            row.paused, row.paused_reason, row.next_wake_at, row.updated_at = (
                True,
                reason,
                None,
                now,
            )
            return _view(row)

    def resume(self, team_id: str, channel_id: str, now: datetime) -> SubscriptionView | None:
        with self.sessions.begin() as s:
            row = _channel_row(s, team_id, channel_id)
            if row is None:
                return None
            view = _view(row)
            row.paused, row.paused_reason, row.updated_at = False, None, now
            row.next_wake_at = planner.next_wake(view.schedule, now)
            return _view(row)

    def list_team(self, team_id: str) -> list[SubscriptionView]:
        with self.reads() as s:
            rows = s.scalars(
                select(Subscription)
                .where(Subscription.team_id == team_id)
                .order_by(Subscription.channel_id)
            ).all()
            return [_view(r) for r in rows]

    def count(self) -> int:
        with self.reads() as s:
            return int(s.scalar(select(func.count()).select_from(Subscription)) or 0)

    def gauges(self, now: datetime) -> dict[str, int]:
        """Counts for monitoring: subscriptions, paused ones, and those due but not yet claimed."""
        with self.reads() as s:
            total, paused, due = s.execute(
                select(
                    func.count(),
                    func.count().filter(Subscription.paused.is_(True)),
                    func.count().filter(
                        Subscription.paused.is_(False), Subscription.next_wake_at <= now
                    ),
                ).select_from(Subscription)
            ).one()
        return {"subscriptions": int(total), "paused": int(paused), "due": int(due)}

    def deliveries(self, subscription_id: int) -> list[dict[str, Any]]:
        """Every delivery of one subscription, oldest first (for status and tests)."""
        with self.sessions() as s:
            rows = s.scalars(
                select(Delivery)
                .where(Delivery.subscription_id == subscription_id)
                .order_by(Delivery.scheduled_for)
            ).all()
            return [
                {
                    "scheduled_for": r.scheduled_for,
                    "kinds": r.kinds,
                    "status": r.status,
                    "attempts": r.attempts,
                    "error": r.error,
                    "message_ts": r.message_ts,
                }
                for r in rows
            ]

    # --- the clock -------------------------------------------------------------------------

    def claim_due(
        self,
        now: datetime,
        rules: planner.Rules,
        *,
        lease: timedelta,
        limit: int = 10_000,
    ) -> tuple[list[Claim], list[tuple[SubscriptionView, datetime, str]]]:
        """Claim every post that is due at ``now``: (claims, skipped as too late).

        In one transaction: deliveries whose lease ran out (a pass died) are taken over or given
        up, and each subscription whose wake-up time has come gets the delivery rows its plan
        names, keyed by (subscription, scheduled instant), and its next wake-up. What is owed,
        what is too late and when to wake next is :func:`bot.planner.plan`'s to say, from the rows
        loaded here; this writes it down.
        """
        claims: list[Claim] = []
        skipped: list[tuple[SubscriptionView, datetime, str]] = []
        until = now + lease
        with self.sessions.begin() as s:
            # 1. take over deliveries whose worker died or gave up for now
            stale_q = (
                select(Delivery)
                .where(Delivery.status == "claimed", Delivery.lease_until <= now)
                .order_by(Delivery.lease_until)
                .limit(limit)
            )
            if self.is_postgres:
                stale_q = stale_q.with_for_update(skip_locked=True)
            for d in s.scalars(stale_q).all():
                sub = s.get(Subscription, d.subscription_id)
                took = planner.take_over(
                    scheduled_for=d.scheduled_for,
                    maybe_posted=bool(d.maybe_posted),
                    error=d.error,
                    active=sub is not None and not sub.paused,
                    now=now,
                    max_late=rules.max_late,
                )
                if took.status != "claimed":
                    d.status, d.finished_at, d.error = took.status, now, took.error
                    if sub is not None and took.last_result is not None:
                        sub.last_result = took.last_result
                    continue
                assert sub is not None
                d.claimed_by, d.lease_until, d.attempts = self.worker, until, d.attempts + 1
                claims.append(
                    Claim(
                        d.id, _view(sub), d.scheduled_for, d.kinds, d.attempts, bool(d.maybe_posted)
                    )
                )

            # 2. subscriptions whose wake-up time has come
            due_q = (
                select(Subscription)
                .where(Subscription.next_wake_at <= now)
                .order_by(Subscription.next_wake_at)
                .limit(max(0, limit - len(claims)))
            )
            if self.is_postgres:
                due_q = due_q.with_for_update(skip_locked=True)
            rows = s.scalars(due_q).all()
            new_rows: list[dict[str, Any]] = []
            pending: list[tuple[Subscription, SubscriptionView, planner.Post]] = []
            for sub in rows:
                view = _view(sub)
                assert sub.next_wake_at is not None
                plan = planner.plan(view, sub.next_wake_at, now, rules)
                sub.next_wake_at = plan.next_wake
                for post in plan.posts:
                    late = post.skipped is not None
                    new_rows.append(
                        {
                            "subscription_id": sub.id,
                            "scheduled_for": post.scheduled_for,
                            "kinds": post.kinds,
                            "status": "skipped" if late else "claimed",
                            "attempts": 0 if late else 1,
                            "claimed_by": None if late else self.worker,
                            "lease_until": None if late else until,
                            "created_at": now,
                            "finished_at": now if late else None,
                            "error": post.skipped,
                            "maybe_posted": False,
                        }
                    )
                    pending.append((sub, view, post))
            if new_rows:
                ids = self._insert_deliveries(s, new_rows)
                for (sub, view, post), new_id in zip(pending, ids, strict=True):
                    if new_id is None:  # another clock already owns this slot
                        continue
                    if post.skipped is not None:
                        sub.last_result = f"skipped: {post.skipped}"
                        skipped.append((view, post.scheduled_for, post.kinds))
                    else:
                        claims.append(Claim(new_id, view, post.scheduled_for, post.kinds, 1))
        return claims, skipped

    def _insert_deliveries(self, s: Session, rows: list[dict[str, Any]]) -> list[int | None]:
        """Insert delivery rows, ignoring any slot already taken; the new ids (None if taken)."""
        table = Delivery.__table__
        assert isinstance(table, Table)
        insert = postgresql.insert if self.is_postgres else sqlite.insert
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["subscription_id", "scheduled_for"])
            .returning(table.c.id, table.c.subscription_id, table.c.scheduled_for)
        )
        got = {
            (r.subscription_id, r.scheduled_for): r.id for r in s.connection().execute(stmt, rows)
        }
        ids: list[int | None] = [got.get((r["subscription_id"], r["scheduled_for"])) for r in rows]
        return ids

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write what happened to claimed deliveries, and what the channels should show.

        One transaction and a handful of batched statements, whatever the number of outcomes.
        Only deliveries this worker still owns are written (a lease lost to another worker is
        that worker's to record).
        """
        if not outcomes:
            return
        d, sub = Delivery.__table__, Subscription.__table__
        assert isinstance(d, Table) and isinstance(sub, Table)
        with self.sessions.begin() as s:
            owned: set[int] = set()
            ids = [o.delivery_id for o in outcomes]
            for i in range(0, len(ids), 1000):
                q = select(Delivery.id).where(
                    Delivery.id.in_(ids[i : i + 1000]),
                    Delivery.status == "claimed",
                    Delivery.claimed_by == self.worker,
                )
                if self.is_postgres:
                    q = q.with_for_update()  # nobody takes these over until we commit
                owned.update(s.scalars(q))
            mine = [o for o in outcomes if o.delivery_id in owned]
            retry = [o for o in mine if o.status == "retry"]
            final = [o for o in mine if o.status != "retry"]
            conn = s.connection()
            if retry:
                conn.execute(
                    update(d)
                    .where(
                        d.c.id == bindparam("b_id"),
                        d.c.status == "claimed",
                        d.c.claimed_by == self.worker,
                    )
                    .values(
                        lease_until=bindparam("b_lease"),
                        error=bindparam("b_error"),
                        maybe_posted=bindparam("b_maybe"),
                    ),
                    [
                        {
                            "b_id": o.delivery_id,
                            "b_lease": o.retry_at or o.at,
                            "b_error": o.error,
                            "b_maybe": o.maybe_posted,
                        }
                        for o in retry
                    ],
                )
                conn.execute(
                    update(sub)
                    .where(sub.c.id == bindparam("b_sid"))
                    .values(last_result=bindparam("b_result")),
                    [
                        {"b_sid": o.subscription_id, "b_result": f"retrying: {o.error}"}
                        for o in retry
                    ],
                )
            if final:
                conn.execute(
                    update(d)
                    .where(
                        d.c.id == bindparam("b_id"),
                        d.c.status == "claimed",
                        d.c.claimed_by == self.worker,
                    )
                    .values(
                        status=bindparam("b_status"),
                        finished_at=bindparam("b_at"),
                        message_ts=bindparam("b_ts"),
                        error=bindparam("b_error"),
                        lease_until=None,
                        maybe_posted=bindparam("b_maybe"),
                    ),
                    [
                        {
                            "b_id": o.delivery_id,
                            "b_status": o.status,
                            "b_at": o.at,
                            "b_ts": o.message_ts,
                            "b_error": o.error,
                            "b_maybe": o.status == RESULT_UNCERTAIN,
                        }
                        for o in final
                    ],
                )
            digests = [o for o in final if o.status == "sent" and "digest" in o.kinds]
            digest_ids = {o.delivery_id for o in digests}
            others = [o for o in final if o.delivery_id not in digest_ids and not o.pause_reason]
            paused = [o for o in final if o.pause_reason]
            if digests:
                conn.execute(
                    update(sub)
                    .where(sub.c.id == bindparam("b_sid"))
                    .values(
                        last_delivery_at=bindparam("b_at"),
                        last_result="sent",
                        last_digest_for=bindparam("b_slot"),
                        digests_sent=sub.c.digests_sent + 1,
                        news_seen=bindparam("b_seen"),
                    ),
                    [
                        {
                            "b_sid": o.subscription_id,
                            "b_at": o.at,
                            "b_slot": o.scheduled_for,
                            "b_seen": o.news_seen,
                        }
                        for o in digests
                    ],
                )
            if others:
                conn.execute(
                    update(sub)
                    .where(sub.c.id == bindparam("b_sid"))
                    .values(last_delivery_at=bindparam("b_at"), last_result=bindparam("b_result")),
                    [
                        {"b_sid": o.subscription_id, "b_at": o.at, "b_result": _result(o)}
                        for o in others
                    ],
                )
            if paused:
                conn.execute(
                    update(sub)
                    .where(sub.c.id == bindparam("b_sid"))
                    .values(
                        last_delivery_at=bindparam("b_at"),
                        last_result=bindparam("b_result"),
                        paused=True,
                        paused_reason=bindparam("b_reason"),
                        next_wake_at=None,
                    ),
                    [
                        {
                            "b_sid": o.subscription_id,
                            "b_at": o.at,
                            "b_result": _result(o),
                            "b_reason": o.pause_reason,
                        }
                        for o in paused
                    ],
                )

    def renew(self, ids: Sequence[int], until: datetime, *, sending: bool = False) -> set[int]:
        """Extend this worker's leases on ``ids`` to ``until``; the ids it still holds.

        A delivery another worker has taken over (or that is finished) is not touched and not
        returned: its owner fenced us out. With ``sending``, also record that a post is about to
        leave for Slack, so whoever owns it next looks in the channel's history first.
        """
        if not ids:
            return set()
        d = Delivery.__table__
        assert isinstance(d, Table)
        values: dict[str, Any] = {"lease_until": until}
        if sending:
            values["maybe_posted"] = True
        kept: set[int] = set()
        with self.sessions.begin() as s:
            for i in range(0, len(ids), 1000):
                stmt = (
                    update(d)
                    .where(
                        d.c.id.in_(list(ids[i : i + 1000])),
                        d.c.status == "claimed",
                        d.c.claimed_by == self.worker,
                    )
                    .values(**values)
                    .returning(d.c.id)
                )
                kept.update(int(x) for x in s.execute(stmt).scalars())
        return kept

    def release(self, held: Sequence[tuple[int, bool]], at: datetime) -> None:
        """Hand back deliveries this worker holds and will not finish (it is stopping): their
        lease ends ``at``, so the next pass takes them over at once. Each comes with whether a
        post of it may have reached Slack (the next owner then looks in the history first)."""
        if not held:
            return
        d = Delivery.__table__
        assert isinstance(d, Table)
        with self.sessions.begin() as s:
            s.connection().execute(
                update(d)
                .where(
                    d.c.id == bindparam("b_id"),
                    d.c.status == "claimed",
                    d.c.claimed_by == self.worker,
                )
                .values(lease_until=at, claimed_by=None, maybe_posted=bindparam("b_maybe")),
                [{"b_id": i, "b_maybe": maybe} for i, maybe in held],
            )

    def delete_team(self, team_id: str) -> int:
        """Delete every subscription (and delivery) of a workspace."""
        with self.sessions.begin() as s:
            result = s.execute(delete(Subscription).where(Subscription.team_id == team_id))
            return int(getattr(result, "rowcount", 0) or 0)

    def pause_team(self, team_id: str, reason: str, now: datetime) -> int:
        """Pause every subscription of a workspace (its token stopped working)."""
        with self.sessions.begin() as s:
            result = s.execute(
                update(Subscription)
                .where(Subscription.team_id == team_id, Subscription.paused.is_(False))
                .values(paused=True, paused_reason=reason, next_wake_at=None, updated_at=now)
            )
            return int(getattr(result, "rowcount", 0) or 0)
