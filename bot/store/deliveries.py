"""Deliveries: the posts owed to channels, claimed under a lease, and what became of them.

What is owed and when is :mod:`bot.planner`'s to decide; this writes its plans down in the
transaction that claims them, and the results as they come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot import planner
from bot.models import Delivery, Subscription
from bot.store.engine import Database
from bot.store.subscriptions import SubscriptionView, view_of


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


class Deliveries(Database):
    """Claiming what is due, leases, results, and each subscription's delivery history."""

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

    def _held(self, which: ColumnElement[bool]) -> ColumnElement[bool]:
        """The deliveries ``which`` picks, as long as this worker holds them: every write about a
        claim is fenced so, and one another worker has taken over is left alone."""
        d = Delivery.__table__
        assert isinstance(d, Table)
        return and_(which, d.c.status == "claimed", d.c.claimed_by == self.worker)

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
                        d.id,
                        view_of(sub),
                        d.scheduled_for,
                        d.kinds,
                        d.attempts,
                        bool(d.maybe_posted),
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
                view = view_of(sub)
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
                q = select(Delivery.id).where(self._held(Delivery.id.in_(ids[i : i + 1000])))
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
                    .where(self._held(d.c.id == bindparam("b_id")))
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
                    .where(self._held(d.c.id == bindparam("b_id")))
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
                    .where(self._held(d.c.id.in_(list(ids[i : i + 1000]))))
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
                .where(self._held(d.c.id == bindparam("b_id")))
                .values(lease_until=at, claimed_by=None, maybe_posted=bindparam("b_maybe")),
                [{"b_id": i, "b_maybe": maybe} for i, maybe in held],
            )
