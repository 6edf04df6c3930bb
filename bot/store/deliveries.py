"""Deliveries: the posts owed to channels, claimed under a lease, and what became of them.

What is owed and when is :mod:`bot.delivery.planner`'s to decide; this writes its plans down in the
transaction that claims them, and the results as they come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Connection, Row, and_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.delivery.outcomes import Status, last_result
from bot.store.engine import Database
from bot.store.subscriptions import view_of
from bot.store.tables import deliveries as _deliveries
from bot.store.tables import subscriptions as _subscriptions
from bot.subscriptions.stored import Kinds, SubscriptionView


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
    status: Status  # sent | retry | failed | nothing_new | uncertain
    kinds: str
    scheduled_for: datetime
    at: datetime
    message_ts: str | None = None
    error: str | None = None
    pause_reason: str | None = None  # set when the channel (or workspace) needs a person
    retry_at: datetime | None = None
    news_seen: str | None = None  # for a posted digest: what it knew (see planner.seen_on)
    maybe_posted: bool = False  # for a retry: an attempt may have been posted (check first)


Skipped = tuple[SubscriptionView, datetime, str]  # a post too late to send: whose, when, kinds


# What claiming asks the planner (bot.delivery.planner.Rules has it all). The store is handed
# these decisions by its caller; it does not import the planner.


class PlannedPost(Protocol):
    @property
    def scheduled_for(self) -> datetime: ...
    @property
    def kinds(self) -> str: ...
    @property
    def skipped(self) -> str | None: ...


class WakePlan(Protocol):
    @property
    def posts(self) -> Sequence[PlannedPost]: ...
    @property
    def next_wake(self) -> datetime: ...


class TakeoverDecision(Protocol):
    @property
    def status(self) -> Status: ...
    @property
    def error(self) -> str | None: ...
    @property
    def last_result(self) -> str | None: ...


class Planning(Protocol):
    """What is owed, what is too late, when to wake next, and whether a stale claim is taken
    over: :class:`bot.delivery.planner.Rules`."""

    def plan(self, sub: SubscriptionView, due: datetime, now: datetime) -> WakePlan: ...

    def take_over(
        self,
        *,
        scheduled_for: datetime,
        maybe_posted: bool,
        error: str | None,
        active: bool,
        now: datetime,
    ) -> TakeoverDecision: ...


def _result(o: Outcome) -> str:
    """What a finished delivery leaves in its subscription's ``last_result``."""
    return last_result(o.status, o.error)


class Deliveries(Database):
    """Claiming what is due, leases, results, and each subscription's delivery history."""

    def deliveries(self, subscription_id: int) -> list[dict[str, Any]]:
        """Every delivery of one subscription, oldest first (for status and tests)."""
        d = _deliveries.c
        with self.reader.connect() as conn:
            rows = conn.execute(
                select(_deliveries)
                .where(d.subscription_id == subscription_id)
                .order_by(d.scheduled_for)
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
        d = _deliveries.c
        return and_(which, d.status == Status.CLAIMED, d.claimed_by == self.worker)

    def claim_due(
        self,
        now: datetime,
        rules: Planning,
        *,
        lease: timedelta,
        limit: int = 10_000,
    ) -> tuple[list[Claim], list[Skipped]]:
        """Claim every post that is due at ``now``: (claims, skipped as too late).

        In one transaction: deliveries whose lease ran out (a pass died) are taken over or given
        up, and each subscription whose wake-up time has come gets the delivery rows its plan
        names, keyed by (subscription, scheduled instant), and its next wake-up. What is owed,
        what is too late and when to wake next is ``rules``'s to say (the planner's
        :class:`bot.delivery.planner.Rules`), from the rows loaded here; this writes it down.
        """
        until = now + lease
        with self.write() as conn:
            claims = self._take_over_stale(conn, now, until, rules, limit)
            woken, skipped = self._claim_woken(conn, now, until, rules, limit - len(claims))
        return claims + woken, skipped

    def _take_over_stale(
        self, conn: Connection, now: datetime, until: datetime, rules: Planning, limit: int
    ) -> list[Claim]:
        """Take over (or give up) deliveries whose worker died or gave up for now."""
        d = _deliveries.c
        stale_q = (
            select(_deliveries)
            .where(d.status == Status.CLAIMED, d.lease_until <= now)
            .order_by(d.lease_until)
            .limit(limit)
        )
        if self.is_postgres:
            stale_q = stale_q.with_for_update(skip_locked=True)
        stale = conn.execute(stale_q).all()
        # their subscriptions, as loaded and then changed in this transaction
        subs = _load_subscriptions(conn, {r.subscription_id for r in stale})
        claims: list[Claim] = []
        given_up: list[dict[str, Any]] = []
        taken: list[dict[str, Any]] = []
        results: dict[int, str] = {}
        for row in stale:
            sub = subs.get(row.subscription_id)
            took = rules.take_over(
                scheduled_for=row.scheduled_for,
                maybe_posted=bool(row.maybe_posted),
                error=row.error,
                active=sub is not None and not sub.paused,
                now=now,
            )
            if took.status != Status.CLAIMED:
                given_up.append({"b_id": row.id, "b_status": took.status, "b_error": took.error})
                if sub is not None and took.last_result is not None:
                    sub.last_result = results[sub.id] = took.last_result
                continue
            assert sub is not None
            taken.append({"b_id": row.id, "b_attempts": row.attempts + 1})
            claims.append(_taken_claim(row, view_of(sub)))
        self._write_takeovers(conn, now, until, given_up, taken)
        _set_results(conn, results)
        return claims

    def _write_takeovers(
        self,
        conn: Connection,
        now: datetime,
        until: datetime,
        given_up: list[dict[str, Any]],
        taken: list[dict[str, Any]],
    ) -> None:
        d = _deliveries.c
        if given_up:
            conn.execute(
                update(_deliveries)
                .where(d.id == bindparam("b_id"))
                .values(status=bindparam("b_status"), finished_at=now, error=bindparam("b_error")),
                given_up,
            )
        if taken:
            conn.execute(
                update(_deliveries)
                .where(d.id == bindparam("b_id"))
                .values(
                    claimed_by=self.worker, lease_until=until, attempts=bindparam("b_attempts")
                ),
                taken,
            )

    def _claim_woken(
        self, conn: Connection, now: datetime, until: datetime, rules: Planning, limit: int
    ) -> tuple[list[Claim], list[Skipped]]:
        """Plan and claim the posts of subscriptions whose wake-up time has come, and set when
        each wakes next."""
        sub_c = _subscriptions.c
        due_q = (
            select(_subscriptions)
            .where(sub_c.next_wake_at <= now)
            .order_by(sub_c.next_wake_at)
            .limit(max(0, limit))
        )
        if self.is_postgres:
            due_q = due_q.with_for_update(skip_locked=True)
        new_rows: list[dict[str, Any]] = []
        pending: list[tuple[SubscriptionView, PlannedPost]] = []
        wakes: list[dict[str, Any]] = []
        for row in conn.execute(due_q).all():
            view = view_of(row)
            assert row.next_wake_at is not None
            plan = rules.plan(view, row.next_wake_at, now)
            wakes.append({"b_sid": row.id, "b_wake": plan.next_wake})
            for post in plan.posts:
                new_rows.append(self._new_row(row.id, post, now, until))
                pending.append((view, post))
        claims: list[Claim] = []
        skipped: list[Skipped] = []
        results: dict[int, str] = {}
        ids = self._insert_deliveries(conn, new_rows) if new_rows else []
        for (view, post), new_id in zip(pending, ids, strict=True):
            if new_id is None:  # another clock already owns this slot
                continue
            if post.skipped is not None:
                results[view.id] = last_result(Status.SKIPPED, post.skipped)
                skipped.append((view, post.scheduled_for, post.kinds))
            else:
                claims.append(Claim(new_id, view, post.scheduled_for, post.kinds, 1))
        if wakes:
            conn.execute(
                update(_subscriptions)
                .where(sub_c.id == bindparam("b_sid"))
                .values(next_wake_at=bindparam("b_wake")),
                wakes,
            )
        _set_results(conn, results)
        return claims, skipped

    def _new_row(
        self, subscription_id: int, post: PlannedPost, now: datetime, until: datetime
    ) -> dict[str, Any]:
        """The delivery row a planned post is written as: claimed by this worker, or skipped."""
        late = post.skipped is not None
        return {
            "subscription_id": subscription_id,
            "scheduled_for": post.scheduled_for,
            "kinds": post.kinds,
            "status": Status.SKIPPED if late else Status.CLAIMED,
            "attempts": 0 if late else 1,
            "claimed_by": None if late else self.worker,
            "lease_until": None if late else until,
            "created_at": now,
            "finished_at": now if late else None,
            "error": post.skipped,
            "maybe_posted": False,
        }

    def _insert_deliveries(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int | None]:
        """Insert delivery rows, ignoring any slot already taken; the new ids (None if taken)."""
        table = _deliveries
        insert = postgresql.insert if self.is_postgres else sqlite.insert
        stmt = (
            insert(table)
            .on_conflict_do_nothing(index_elements=["subscription_id", "scheduled_for"])
            .returning(table.c.id, table.c.subscription_id, table.c.scheduled_for)
        )
        got = {(r.subscription_id, r.scheduled_for): r.id for r in conn.execute(stmt, rows)}
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
        with self.write() as conn:
            owned = self._owned(conn, [o.delivery_id for o in outcomes])
            mine = [o for o in outcomes if o.delivery_id in owned]
            retry = [o for o in mine if o.status is Status.RETRY]
            final = [o for o in mine if o.status is not Status.RETRY]
            if retry:
                self._record_retries(conn, retry)
            if final:
                self._record_finished(conn, final)
                _show_finished(conn, final)

    def _owned(self, conn: Connection, ids: list[int]) -> set[int]:
        """Which of ``ids`` this worker still holds (locked until the transaction ends)."""
        d = _deliveries
        owned: set[int] = set()
        for i in range(0, len(ids), 1000):
            q = select(d.c.id).where(self._held(d.c.id.in_(ids[i : i + 1000])))
            if self.is_postgres:
                q = q.with_for_update()  # nobody takes these over until we commit
            owned.update(conn.execute(q).scalars())
        return owned

    def _record_retries(self, conn: Connection, retry: list[Outcome]) -> None:
        """Posts to try again later: still claimed, the lease moved to the retry time."""
        d = _deliveries
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
        _set_results(conn, {o.subscription_id: _result(o) for o in retry})

    def _record_finished(self, conn: Connection, final: list[Outcome]) -> None:
        """Posts that are done: their status, when, their ts or error; the lease ends."""
        d = _deliveries
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
                    "b_maybe": o.status is Status.UNCERTAIN,
                }
                for o in final
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
        d = _deliveries
        values: dict[str, Any] = {"lease_until": until}
        if sending:
            values["maybe_posted"] = True
        kept: set[int] = set()
        with self.write() as conn:
            for i in range(0, len(ids), 1000):
                stmt = (
                    update(d)
                    .where(self._held(d.c.id.in_(list(ids[i : i + 1000]))))
                    .values(**values)
                    .returning(d.c.id)
                )
                kept.update(int(x) for x in conn.execute(stmt).scalars())
        return kept

    def release(self, held: Sequence[tuple[int, bool]], at: datetime) -> None:
        """Hand back deliveries this worker holds and will not finish (it is stopping): their
        lease ends ``at``, so the next pass takes them over at once. Each comes with whether a
        post of it may have reached Slack (the next owner then looks in the history first)."""
        if not held:
            return
        d = _deliveries
        with self.write() as conn:
            conn.execute(
                update(d)
                .where(self._held(d.c.id == bindparam("b_id")))
                .values(lease_until=at, claimed_by=None, maybe_posted=bindparam("b_maybe")),
                [{"b_id": i, "b_maybe": maybe} for i, maybe in held],
            )


def _load_subscriptions(conn: Connection, ids: set[int]) -> dict[int, SimpleNamespace]:
    """The subscriptions with these ids, by id, each as an object whose attributes are its columns
    (changed as the transaction changes them, so each view made of it says what it will say)."""
    found: dict[int, SimpleNamespace] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), 1000):
        q = select(_subscriptions).where(_subscriptions.c.id.in_(wanted[i : i + 1000]))
        found.update((r.id, SimpleNamespace(**r._asdict())) for r in conn.execute(q))
    return found


def _set_results(conn: Connection, results: dict[int, str]) -> None:
    """Set the ``last_result`` of subscriptions, by id."""
    if results:
        sub = _subscriptions.c
        conn.execute(
            update(_subscriptions)
            .where(sub.id == bindparam("b_sid"))
            .values(last_result=bindparam("b_result")),
            [{"b_sid": i, "b_result": r} for i, r in results.items()],
        )


def _show_finished(conn: Connection, final: list[Outcome]) -> None:
    """What the subscriptions of finished posts show: a posted digest counts and remembers what
    it knew; a post that needs a person pauses its subscription; any other shows its result."""
    sub = _subscriptions
    digests = [o for o in final if o.status is Status.SENT and Kinds.DIGEST in Kinds.read(o.kinds)]
    digest_ids = {o.delivery_id for o in digests}
    others = [o for o in final if o.delivery_id not in digest_ids and not o.pause_reason]
    paused = [o for o in final if o.pause_reason]
    if digests:
        conn.execute(
            update(sub)
            .where(sub.c.id == bindparam("b_sid"))
            .values(
                last_delivery_at=bindparam("b_at"),
                last_result=last_result(Status.SENT),
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
            [{"b_sid": o.subscription_id, "b_at": o.at, "b_result": _result(o)} for o in others],
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


def _taken_claim(row: Row[Any], sub: SubscriptionView) -> Claim:
    """The claim a delivery row taken over from another worker becomes (one more attempt)."""
    return Claim(
        row.id, sub, row.scheduled_for, row.kinds, row.attempts + 1, bool(row.maybe_posted)
    )
