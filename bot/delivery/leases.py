"""The leases one pass holds while it posts: renewed in batches before posts leave, renewed by a
heartbeat while it holds them, and checked (with time left for a whole request) before a send."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.clock import Clock
from bot.store.deliveries import Claim
from bot.store.store import Store

log = logging.getLogger("declaration_bot.delivery")


class PassState:
    """What one pass holds while it posts, and the lease renewals made just before posts leave.

    Renewals before a send are batched: each batch is one statement that extends the leases,
    records that those posts may reach Slack (``maybe_posted``), and tells which claims this
    worker still holds (the others were taken over: fenced out). A batch also takes the next
    ``lookahead`` claims in line, so a pass writes once per few dozen posts, not once per post;
    after a crash the next owner looks those few up in the history.
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        lease: timedelta,
        claims: Sequence[Claim],
        lookahead: int,
        request_time: float,
    ) -> None:
        self.store = store
        self.clock = clock
        self.lease = lease
        self.lookahead = lookahead
        # a request must end, answered or timed out, before its lease does
        self.margin = min(timedelta(seconds=request_time + 1.0), lease / 2)
        first = clock.now() + lease
        self.order = [c.delivery_id for c in claims]  # the order posts leave in (the gate's)
        self.deadline: dict[int, datetime] = dict.fromkeys(self.order, first)  # lease ends
        self.unsure = {c.delivery_id: c.maybe_posted for c in claims}  # may have landed
        self.marked: set[int] = set()  # maybe_posted written, lease renewed, in this pass
        self.sending: set[int] = set()  # a chat.postMessage is in flight
        self.done: set[int] = set()  # an outcome is known (recorded soon)
        self.lost: set[int] = set()  # taken over by another worker
        self._next = 0
        self._waiting: dict[int, list[asyncio.Future[bool]]] = {}
        self._flusher: asyncio.Task[None] | None = None

    def lease_left(self, i: int) -> bool:
        """Whether claim ``i``'s lease lasts longer than a whole request."""
        return i not in self.lost and self.clock.now() + self.margin < self.deadline[i]

    async def own(self, claim: Claim, stopping: asyncio.Event) -> bool:
        """Whether this pass may send ``claim`` now: it still holds the lease, with time left
        for a whole request. A claim's first send (and any send near the end of its lease)
        renews the lease and records that the post may leave, in one batched write. The last
        check is made without awaiting anything, right before the request is handed to the
        client: a process frozen while it waited (SIGSTOP, a stalled VM) looks again."""
        i = claim.delivery_id
        while True:
            if stopping.is_set() or i in self.lost:
                return False
            if i in self.marked and self.lease_left(i):
                return True
            if not await self.renew_to_send(i):
                log.warning(
                    "not posting team=%s channel=%s: taken over by another clock",
                    claim.subscription.team_id,
                    claim.subscription.channel_id,
                )
                return False

    async def renew_to_send(self, delivery_id: int) -> bool:
        """Renew this claim's lease and record that its post may leave; False if it is no
        longer this pass's to send."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(delivery_id, []).append(fut)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, {}
            ids = [*batch, *self._ahead(batch)]
            until = self.clock.now() + self.lease
            try:
                kept = await asyncio.to_thread(self.store.renew, ids, until, sending=True)
            except Exception:  # the database is away: send nothing we cannot vouch for
                log.exception("could not renew %d leases before posting", len(ids))
                kept = set()
            for i in ids:
                if i in kept:
                    self.marked.add(i)
                    self.deadline[i] = until
                elif i in batch:
                    self.lost.add(i)
            for i, futures in batch.items():
                for fut in futures:
                    if not fut.done():
                        fut.set_result(i in kept)

    def _ahead(self, batch: dict[int, list[asyncio.Future[bool]]]) -> list[int]:
        """The next ``lookahead`` claims in line, not yet marked, to renew with ``batch``."""
        ahead: list[int] = []
        while len(ahead) < self.lookahead and self._next < len(self.order):
            i = self.order[self._next]
            self._next += 1
            if i not in batch and i not in self.marked and i not in self.done:
                ahead.append(i)
        return ahead

    async def heartbeat(self, tasks: dict[int, asyncio.Task[None]]) -> None:
        """Renew the leases this pass still holds, every third of a lease."""
        every = max(0.05, self.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(every)
            ids = [i for i, t in tasks.items() if not t.done() and i not in self.lost]
            if not ids:
                continue
            until = self.clock.now() + self.lease
            try:
                kept = await asyncio.to_thread(self.store.renew, ids, until)
            except Exception:  # a later beat may succeed; sends check their deadline meanwhile
                log.exception("could not renew %d leases", len(ids))
                continue
            for i in ids:
                if i in kept:
                    self.deadline[i] = until
                elif i not in self.done:
                    self.lost.add(i)
            if len(kept) < len(ids):
                log.warning("%d claims were taken over by another clock", len(ids) - len(kept))

    def held(self, claims: Sequence[Claim]) -> list[tuple[int, bool]]:
        """The claims this pass holds but has not finished, each with whether a post of it may
        have reached Slack: to hand back."""
        return [
            (c.delivery_id, self.unsure.get(c.delivery_id, c.maybe_posted))
            for c in claims
            if c.delivery_id not in self.done and c.delivery_id not in self.lost
        ]
