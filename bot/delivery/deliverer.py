"""The clock's pass: claim what is due, post it concurrently, record what happened.

Posting is bounded (``concurrency`` posts in flight), paced (at most one post per second per
channel) and polite (a 429 holds back the whole workspace for Retry-After seconds). One failing
channel never delays the others: each post is its own task with its own retries.

Exactly once: every post carries Slack message metadata naming its delivery. Before a post whose
outcome is unknown (a timeout, a dropped connection, a 5xx, ``internal_error``/``fatal_error``, or
a claim taken over from a pass that died) is sent again, the channel's recent history is searched
for that key; a post found there is recorded as sent. Only this pass retries (the Slack clients
have no retry handlers of their own), with exponential back-off and full jitter. Leases are
renewed while the pass holds them, a post is only sent with time left on its lease, and every
write is fenced by the owner (``status = claimed AND claimed_by = me``).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.clock import Clock
from bot.content.library import Library
from bot.content.source import ContentSource
from bot.delivery import digest, planner
from bot.delivery.planner import DigestInputs
from bot.slack import payloads
from bot.store.deliveries import Claim, Outcome
from bot.store.store import Store
from bot.store.subscriptions import SubscriptionView
from bot.subscriptions.schedule import local_day

log = logging.getLogger("declaration_bot.delivery")

# the Slack message metadata every digest and reminder carries: {"delivery": delivery_key(...)}
EVENT_TYPE = "declaration_delivery"

RETRY_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "service_unavailable",
        "request_timeout",
        "internal_error",
        "fatal_error",
    }
)
# answers after which Slack may have posted the message all the same (with any HTTP 5xx)
UNCERTAIN_ERRORS = frozenset({"internal_error", "fatal_error"})
# errors that need a person: the subscription is paused with "slack:<error>" as its reason,
# said in the reader's language by bot.i18n.pause_reason (phrases "pause.<error>")
CHANNEL_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "restricted_action",
        "restricted_action_read_only_channel",
        "restricted_action_thread_only_channel",
        "restricted_action_non_threadable_channel",
        "ekm_access_denied",
    }
)
WORKSPACE_ERRORS = frozenset(
    {
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "missing_scope",
        "not_authed",
    }
)
PAYLOAD_ERRORS = frozenset({"msg_too_long", "invalid_blocks", "msg_blocks_too_long", "no_text"})
# conversations.history answers meaning "this bot cannot read this channel" (no scope yet, a
# public channel it was never invited to, a private one it cannot see): UNCERTAIN_POSTS decides
HISTORY_UNREADABLE = frozenset(
    {
        "missing_scope",
        "not_in_channel",
        "channel_not_found",
        "access_denied",
        "ekm_access_denied",
        "restricted_action",
        "team_access_not_granted",
        "not_allowed_token_type",
    }
)
# the history looked at: from a little before the slot (clock skew) to now, newest first, 15
# messages a page (the most Slack serves non-Marketplace apps), at most HISTORY_PAGES pages
HISTORY_MARGIN = timedelta(minutes=10)
HISTORY_PAGE = 15
HISTORY_PAGES = 20


class _SendGuard:
    """The last word on whether a post may leave: asked by :class:`GuardedRequest` as the
    request's bytes are about to be written, with nothing awaited in between."""

    def __init__(self, check: Callable[[], bool]) -> None:
        self.check = check
        self.refused = False

    def __call__(self) -> bool:
        self.refused = not self.check()
        return not self.refused


_SEND_GUARD: contextvars.ContextVar[_SendGuard | None] = contextvars.ContextVar(
    "declaration_send_guard", default=None
)


class GuardedRequest(aiohttp.ClientRequest):
    """An aiohttp request that asks the post's guard (if any) right before its body is written.

    Under Python 3.11 aiohttp writes a request's body in a task of its own, one turn of the event
    loop after the request was made: a process frozen in between (SIGSTOP, a stalled VM) would
    send, when it wakes, a post whose lease may have passed to another clock. Checked here, the
    lease is checked with nothing left to wait for before the bytes go out; if it has run out,
    the request fails without a byte written."""

    async def write_bytes(self, writer: Any, conn: Any, *args: Any, **kwargs: Any) -> None:
        guard = _SEND_GUARD.get()
        if guard is not None and not guard():
            refusal = aiohttp.ClientConnectionError("not sent: the post's lease has run out")
            if conn.protocol is not None:
                conn.protocol.set_exception(refusal)
            conn.close()
            return
        await super().write_bytes(writer, conn, *args, **kwargs)


def delivery_key(subscription_id: int, scheduled_for: datetime) -> str:
    """The key a post carries in its metadata: subscription and scheduled instant (UTC)."""
    return f"{subscription_id}@{scheduled_for.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"


def post_metadata(claim: Claim) -> dict[str, Any]:
    key = delivery_key(claim.subscription.id, claim.scheduled_for)
    return {"event_type": EVENT_TYPE, "event_payload": {"delivery": key}}


@dataclass(frozen=True)
class DeliverySettings:
    lead_days: tuple[int, ...] = planner.DEFAULT_LEAD_DAYS
    max_late: timedelta = planner.DEFAULT_MAX_LATE
    lease: timedelta = timedelta(minutes=2)  # renewed every third of it while a pass holds it
    concurrency: int = 50
    max_attempts: int = 4
    retry_base: float = 1.0
    retry_cap: float = 30.0
    channel_spacing: float = 1.0  # seconds between two posts to one channel
    batch: int = 20_000
    timeout: float = 15.0  # seconds one Slack request may take (SlackClients enforces it)
    uncertain_posts: str = "give-up"  # or "resend": when the history cannot be read
    shutdown_grace: float = 10.0  # seconds SIGTERM waits for posts in flight


@dataclass
class PassReport:
    at: datetime
    sent: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    retrying: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[SubscriptionView, datetime, str]] = field(default_factory=list)
    quiet: list[Outcome] = field(default_factory=list)  # digests with nothing new: not posted
    uncertain: list[Outcome] = field(default_factory=list)  # may have landed; not sent again
    claimed: int = 0
    handed_back: int = 0  # claims left for the next pass (stopping, or taken over)

    def lines(self) -> list[str]:
        first = (
            f"tick at {self.at.isoformat()}: {len(self.sent)} delivered, {len(self.failed)} failed,"
            f" {len(self.retrying)} to retry, {len(self.skipped)} skipped,"
            f" {len(self.quiet)} with nothing new"
        )
        if self.uncertain:
            first += f", {len(self.uncertain)} uncertain"
        if self.handed_back:
            first += f", {self.handed_back} handed back"
        out = [first]
        out += [
            f"  delivered {o.kinds} -> sub {o.subscription_id} ts={o.message_ts}" for o in self.sent
        ]
        out += [f"  failed {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.failed]
        out += [f"  retry {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.retrying]
        out += [
            f"  uncertain {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.uncertain
        ]
        out += [
            f"  skipped {kinds} -> {v.team_id}/{v.channel_id} due {slot.isoformat()} (too late)"
            for v, slot, kinds in self.skipped
        ]
        out += [
            f"  nothing new {o.kinds} -> sub {o.subscription_id} due {o.scheduled_for.isoformat()}"
            " (not posted)"
            for o in self.quiet
        ]
        return out


ClientFor = Callable[[str, str | None], Awaitable[AsyncWebClient | None]]


@dataclass(frozen=True)
class _Seen:
    """What a channel's history says of one delivery."""

    ts: str | None = None  # found: the message's ts
    unreadable: str | None = None  # this bot cannot read the history (Slack's error)
    unknown: str | None = None  # could not tell for now (rate limited, Slack down)


class _PassState:
    """What one pass holds while it posts, and the lease renewals made just before posts leave.

    Renewals before a send are batched: each batch is one statement that extends the leases,
    records that those posts may reach Slack (``maybe_posted``), and tells which claims this
    worker still holds (the others were taken over: fenced out). A batch also takes the next
    ``lookahead`` claims in line, so a pass writes once per few dozen posts, not once per post;
    after a crash the next owner looks those few up in the history.
    """

    def __init__(
        self, store: Store, clock: Clock, lease: timedelta, claims: Sequence[Claim], lookahead: int
    ) -> None:
        self.store = store
        self.clock = clock
        self.lease = lease
        self.lookahead = lookahead
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
            ahead: list[int] = []
            while len(ahead) < self.lookahead and self._next < len(self.order):
                i = self.order[self._next]
                self._next += 1
                if i not in batch and i not in self.marked and i not in self.done:
                    ahead.append(i)
            ids = [*batch, *ahead]
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


class Deliverer:
    def __init__(
        self,
        store: Store,
        content: ContentSource,
        client_for: ClientFor,
        clock: Clock,
        settings: DeliverySettings | None = None,
    ) -> None:
        self.store = store
        self.content = content
        self.client_for = client_for
        self.clock = clock
        self.settings = settings or DeliverySettings()
        self._team_hold: dict[str, float] = {}  # monotonic time before which a team waits
        self._history_hold: dict[str, float] = {}  # the same, for conversations.history
        self._channel_last: dict[tuple[str, str], float] = {}
        self._team_dead: dict[str, str] = {}
        # what one pass shares between channels, all from one library (held, so that its id in
        # the keys stays its own): posts by their inputs, "nothing new" by the same, and what a
        # digest posted on a day knew of
        self._compose_cache: dict[DigestInputs, tuple[str, list[dict[str, Any]]]] = {}
        self._quiet_cache: dict[DigestInputs, bool] = {}
        self._seen_cache: dict[Any, str] = {}
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()  # no new work: hand back what has not left
        self._abort = asyncio.Event()  # the grace is over: cut what is still in flight
        self._idle = asyncio.Event()  # no pass is running
        self._idle.set()

    # --- one pass ---------------------------------------------------------------------------

    async def run_pass(self, now: datetime | None = None) -> PassReport:
        """One pass; never more than one at a time in this process."""
        async with self._lock:
            if self._stopping.is_set():
                return PassReport(at=now or self.clock.now())
            self._idle.clear()
            try:
                started = time.perf_counter()
                report = await self._run(now or self.clock.now())
                metrics.record_pass(report, time.perf_counter() - started)
                return report
            finally:
                self._idle.set()

    async def shutdown(self, grace: float | None = None) -> None:
        """Stop taking work (SIGTERM): posts not yet sent are handed back at once (lease
        released), posts in flight get ``grace`` seconds to finish, then are cut and handed back
        too; every known result is recorded. Returns when the pass (if any) has ended."""
        grace = self.settings.shutdown_grace if grace is None else grace
        self._stopping.set()
        try:
            await asyncio.wait_for(self._idle.wait(), grace)
        except TimeoutError:
            log.warning("posts still in flight after %.0fs: cut and handed back", grace)
            self._abort.set()
            await self._idle.wait()

    async def _run(self, now: datetime) -> PassReport:
        # each pass sees the latest content, looked at in a worker thread
        library = await self.content.refresh(now=True)
        rules = planner.Rules(library, self.settings.lead_days, self.settings.max_late)
        claims, skipped = await asyncio.to_thread(
            self.store.claim_due, now, rules, lease=self.settings.lease, limit=self.settings.batch
        )
        report = PassReport(at=now, skipped=skipped, claimed=len(claims))
        for view, slot, kinds in skipped:
            log.warning(
                "skipped %s team=%s channel=%s due=%s: more than %s late",
                kinds,
                view.team_id,
                view.channel_id,
                slot.isoformat(),
                self.settings.max_late,
            )
        if not claims:
            return report
        self._team_dead.clear()
        self._compose_cache.clear()  # per pass: the inputs of past passes will not come again
        self._quiet_cache.clear()
        self._seen_cache.clear()
        outcomes, report.handed_back = await self._fan_out(claims, library, now)
        for o in outcomes:
            {
                "sent": report.sent,
                "failed": report.failed,
                "retry": report.retrying,
                "nothing_new": report.quiet,
                "uncertain": report.uncertain,
            }[o.status].append(o)
        for team, reason in self._team_dead.items():
            paused = await asyncio.to_thread(self.store.pause_team, team, reason, now)
            log.error("workspace paused team=%s subscriptions=%d: %s", team, paused, reason)
        return report

    async def _fan_out(
        self, claims: Sequence[Claim], library: Library, now: datetime
    ) -> tuple[list[Outcome], int]:
        """Post every claim concurrently; results are written to the database as they come.
        Returns the outcomes and how many claims were handed back (stopping)."""
        results: list[Outcome] = []
        pending: list[Outcome] = []
        done = asyncio.Event()
        st = _PassState(
            self.store, self.clock, self.settings.lease, claims, self.settings.concurrency
        )

        async def recorder() -> None:
            # write results in small batches: what a crash loses is found again in the history
            while True:
                finished = done.is_set()
                if pending:
                    batch = pending[:]
                    del pending[:]
                    await asyncio.to_thread(self.store.record, batch)
                if finished and not pending:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(done.wait(), 0.05)

        gate = asyncio.Semaphore(self.settings.concurrency)

        async def one(claim: Claim) -> None:
            async with gate:
                outcome = await self._deliver(claim, library, now, st)
            if outcome is not None:
                st.done.add(claim.delivery_id)
                results.append(outcome)
                pending.append(outcome)

        writer = asyncio.create_task(recorder())
        tasks = {c.delivery_id: asyncio.create_task(one(c)) for c in claims}
        beat = asyncio.create_task(self._heartbeat(st, tasks))
        stopper = asyncio.create_task(self._stop_when_asked(st, tasks))
        try:
            answers = await asyncio.gather(*tasks.values(), return_exceptions=True)
            for claim, answer in zip(claims, answers, strict=True):
                if isinstance(answer, Exception):
                    log.error(
                        "post failed unexpectedly team=%s channel=%s: %r",
                        claim.subscription.team_id,
                        claim.subscription.channel_id,
                        answer,
                    )
        finally:
            beat.cancel()
            stopper.cancel()
            for task in tasks.values():  # if this pass itself is cancelled
                task.cancel()
            done.set()
            await writer
            # what this pass holds but will not finish goes back at once, not when the lease
            # ends (with whether a post of it may have reached Slack)
            held = [
                (c.delivery_id, st.unsure.get(c.delivery_id, c.maybe_posted))
                for c in claims
                if c.delivery_id not in st.done and c.delivery_id not in st.lost
            ]
            if held:
                await asyncio.to_thread(self.store.release, held, self.clock.now())
                log.warning("handed back %d claims for the next pass", len(held))
        return results, len(held)

    async def _heartbeat(self, st: _PassState, tasks: dict[int, asyncio.Task[None]]) -> None:
        """Renew the leases this pass still holds, every third of a lease."""
        every = max(0.05, self.settings.lease.total_seconds() / 3)
        while True:
            await asyncio.sleep(every)
            ids = [i for i, t in tasks.items() if not t.done() and i not in st.lost]
            if not ids:
                continue
            until = self.clock.now() + self.settings.lease
            try:
                kept = await asyncio.to_thread(self.store.renew, ids, until)
            except Exception:  # a later beat may succeed; sends check their deadline meanwhile
                log.exception("could not renew %d leases", len(ids))
                continue
            for i in ids:
                if i in kept:
                    st.deadline[i] = until
                elif i not in st.done:
                    st.lost.add(i)
            if len(kept) < len(ids):
                log.warning("%d claims were taken over by another clock", len(ids) - len(kept))

    async def _stop_when_asked(self, st: _PassState, tasks: dict[int, asyncio.Task[None]]) -> None:
        """On shutdown: stop every claim that has no request in flight at once (they are handed
        back); after the grace, the rest too."""
        await self._stopping.wait()
        for i, task in tasks.items():
            if i not in st.sending:
                task.cancel()
        await self._abort.wait()
        for task in tasks.values():
            task.cancel()

    async def _own(self, st: _PassState, claim: Claim) -> bool:
        """Whether this pass may send ``claim`` now: it still holds the lease, with time left
        for a whole request. A claim's first send (and any send near the end of its lease)
        renews the lease and records that the post may leave, in one batched write. The last
        check is made without awaiting anything, right before the request is handed to the
        client: a process frozen while it waited (SIGSTOP, a stalled VM) looks again."""
        i = claim.delivery_id
        while True:
            if self._stopping.is_set() or i in st.lost:
                return False
            if i in st.marked and self._lease_left(st, i):
                return True
            if not await st.renew_to_send(i):
                log.warning(
                    "not posting team=%s channel=%s: taken over by another clock",
                    claim.subscription.team_id,
                    claim.subscription.channel_id,
                )
                return False

    def _lease_left(self, st: _PassState, i: int) -> bool:
        """Whether claim ``i``'s lease lasts longer than a whole request (which must end,
        answered or timed out, before the lease does)."""
        margin = min(timedelta(seconds=self.settings.timeout + 1.0), self.settings.lease / 2)
        return i not in st.lost and self.clock.now() + margin < st.deadline[i]

    # --- one post ---------------------------------------------------------------------------

    async def _deliver(
        self, claim: Claim, library: Library, now: datetime, st: _PassState
    ) -> Outcome | None:
        """Post one claim; its outcome, or None when it is no longer this pass's to finish."""
        sub = claim.subscription
        where = f"team={sub.team_id} channel={sub.channel_id}"
        i = claim.delivery_id

        def outcome(status: str, **kw: Any) -> Outcome:
            return Outcome(
                delivery_id=i,
                subscription_id=sub.id,
                status=status,
                kinds=claim.kinds,
                scheduled_for=claim.scheduled_for,
                at=self.clock.now() if status != "retry" else now,
                **kw,
            )

        def retry(error: str, unsure: bool) -> Outcome:
            log.warning("will retry %s: %s", where, error)
            wait = random.uniform(0.5, 1.0) * min(300.0, 30.0 * claim.attempts)
            return outcome(
                "retry", error=error, retry_at=now + timedelta(seconds=wait), maybe_posted=unsure
            )

        inputs = planner.digest_inputs(
            library, sub, claim.scheduled_for, claim.kinds, self.settings.lead_days
        )
        if self._quiet(inputs, library):
            log.info("nothing new %s: digest not posted", where)
            return outcome("nothing_new")
        if sub.team_id in self._team_dead:
            reason = self._team_dead[sub.team_id]
            return outcome("failed", error=reason, pause_reason=reason)
        client = await self.client_for(sub.team_id, sub.enterprise_id)
        if client is None:
            reason = "slack:not_installed"
            return outcome("failed", error=reason, pause_reason=reason)
        try:
            text, blocks = self._composed(inputs, library)
        except Exception as exc:  # a bug in composing must not stop the other channels
            log.exception("compose failed %s", where)
            return outcome("failed", error=f"could not compose the post: {exc}")

        metadata = post_metadata(claim)
        key = metadata["event_payload"]["delivery"]
        unsure = claim.maybe_posted  # a post may be in the channel already: look first
        error = "no answer"
        attempt = 0
        while True:
            if self._stopping.is_set():
                return None
            if unsure:
                seen = await self._look_in_history(client, claim, key)
                if seen.ts is not None:
                    log.info("found in history %s ts=%s: recorded as sent", where, seen.ts)
                    return outcome("sent", message_ts=seen.ts, news_seen=self._seen(claim, library))
                if seen.unknown is not None:
                    return retry(f"{error}; history not checked yet ({seen.unknown})", True)
                if seen.unreadable is not None:
                    if self.settings.uncertain_posts != "resend":
                        log.warning(
                            "uncertain %s: %s, and the history cannot be read (%s): not sent again",
                            where,
                            error,
                            seen.unreadable,
                        )
                        return outcome(
                            "uncertain",
                            error=f"{error}; history unreadable ({seen.unreadable}), not resent",
                        )
                    log.warning(
                        "history unreadable %s (%s): sending again (UNCERTAIN_POSTS=resend)",
                        where,
                        seen.unreadable,
                    )
                unsure = False
                st.unsure[i] = False
            if attempt >= self.settings.max_attempts:
                return retry(error, False)
            attempt += 1
            await self._wait_turn(sub.team_id, sub.channel_id)
            if not await self._own(st, claim):
                return None
            st.sending.add(i)
            st.unsure[i] = True
            settle = False
            guard = _SendGuard(lambda: self._lease_left(st, i))
            guarded = _SEND_GUARD.set(guard)
            try:
                resp = await client.chat_postMessage(
                    channel=sub.channel_id,
                    text=text,
                    blocks=blocks,
                    unfurl_links=False,
                    unfurl_media=False,
                    metadata=metadata,
                )
                log.info("posted %s %s ts=%s", claim.kinds, where, resp.get("ts"))
                return outcome(
                    "sent", message_ts=str(resp.get("ts")), news_seen=self._seen(claim, library)
                )
            except SlackApiError as exc:
                code = str(exc.response.get("error") or "")
                status = exc.response.status_code
                if status == 429 or code in ("ratelimited", "rate_limited"):
                    wait = _retry_after(exc.response.headers)
                    self._hold_team(sub.team_id, wait)
                    metrics.RATE_LIMIT_WAITS.inc()
                    metrics.RATE_LIMIT_WAIT_SECONDS.inc(wait)
                    log.warning("rate limited %s: workspace waits %.0fs", where, wait)
                    error = f"rate limited (HTTP 429), waited {wait:.0f}s"
                    st.unsure[i] = False
                    continue
                if code in CHANNEL_ERRORS:
                    reason = f"slack:{code}"
                    log.warning("paused %s: %s", where, code)
                    return outcome("failed", error=code, pause_reason=reason)
                if code in WORKSPACE_ERRORS:
                    reason = f"slack:{code}"
                    self._team_dead[sub.team_id] = reason
                    log.error("workspace error %s: %s", where, code)
                    return outcome("failed", error=code, pause_reason=reason)
                if code in PAYLOAD_ERRORS:
                    log.error("Slack refused our message %s: %s", where, code)
                    return outcome("failed", error=f"Slack refused the message ({code})")
                if status >= 500 or code in UNCERTAIN_ERRORS:
                    error = f"{code or 'server error'} (HTTP {status})"
                    unsure = True
                    settle = status in (502, 504)  # a gateway gave up: Slack may still be at it
                elif code in RETRY_ERRORS:
                    error = f"{code} (HTTP {status})"
                else:
                    log.error("post failed %s: %s", where, code)
                    return outcome("failed", error=code or f"HTTP {status}")
            except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
                error = f"connection problem: {type(exc).__name__}"  # nothing was sent
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                if guard.refused:  # not a byte left: the lease ran out while we waited
                    log.warning("not posted %s: its lease ran out before the request left", where)
                    st.unsure[i] = False
                    attempt -= 1
                    continue
                # the request may have reached Slack: its answer did not reach us
                error = f"no answer: {type(exc).__name__}"
                unsure = settle = True
            finally:
                _SEND_GUARD.reset(guarded)
                st.sending.discard(i)
            st.unsure[i] = unsure
            if unsure:
                log.warning("post outcome unknown %s: %s", where, error)
            delay = self._backoff(attempt)
            if settle:  # Slack may still be working on it: give it time to show in the history
                delay = max(delay, min(self.settings.timeout, 5.0))
            await self._nap(delay)

    async def _look_in_history(self, client: AsyncWebClient, claim: Claim, key: str) -> _Seen:
        """Search the channel's history since a little before the slot for a message carrying
        this delivery's key."""
        sub = claim.subscription
        oldest = f"{(claim.scheduled_for - HISTORY_MARGIN).timestamp():.6f}"
        seen = await self._history_pages(client, sub, oldest, key)
        metrics.HISTORY_CHECKS.labels(
            "found"
            if seen.ts
            else "unreadable"
            if seen.unreadable
            else "unknown"
            if seen.unknown
            else "not_found"
        ).inc()
        return seen

    async def _history_pages(
        self,
        client: AsyncWebClient,
        sub: SubscriptionView,
        oldest: str,
        key: str,
    ) -> _Seen:
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            tries = 0
            while True:
                await self._wait_hold(self._history_hold, sub.team_id)
                if self._stopping.is_set():
                    return _Seen(unknown="stopping")
                try:
                    resp = await client.conversations_history(
                        channel=sub.channel_id,
                        oldest=oldest,
                        limit=HISTORY_PAGE,
                        include_all_metadata=True,
                        cursor=cursor,
                    )
                    break
                except SlackApiError as exc:
                    code = str(exc.response.get("error") or "")
                    status = exc.response.status_code
                    if status == 429 or code in ("ratelimited", "rate_limited"):
                        wait = _retry_after(exc.response.headers)
                        until = time.monotonic() + wait
                        hold = self._history_hold.get(sub.team_id, 0.0)
                        self._history_hold[sub.team_id] = max(hold, until)
                        tries += 1
                        if tries < self.settings.max_attempts:
                            continue
                        return _Seen(unknown=f"history rate limited, Retry-After {wait:.0f}s")
                    if code in HISTORY_UNREADABLE:
                        return _Seen(unreadable=code)
                    return _Seen(unknown=f"history: {code or 'HTTP'} ({status})")
                except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                    return _Seen(unknown=f"history: {type(exc).__name__}")
            for message in resp.get("messages") or []:
                meta = message.get("metadata") if isinstance(message, dict) else None
                if not isinstance(meta, dict) or meta.get("event_type") != EVENT_TYPE:
                    continue
                payload = meta.get("event_payload")
                if isinstance(payload, dict) and payload.get("delivery") == key:
                    return _Seen(ts=str(message.get("ts")))
            more = resp.get("response_metadata") or {}
            cursor = more.get("next_cursor") if isinstance(more, dict) else None
            if not resp.get("has_more") or not cursor:
                return _Seen()
        return _Seen(unknown=f"more than {HISTORY_PAGES * HISTORY_PAGE} messages since the slot")

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter: anywhere from 0 to base·2^(attempt-1), capped,
        so posts that failed together do not come back together."""
        return random.uniform(
            0.0, min(self.settings.retry_cap, self.settings.retry_base * 2 ** (attempt - 1))
        )

    async def _nap(self, seconds: float) -> None:
        """Sleep, unless the deliverer is asked to stop."""
        if seconds <= 0 or self._stopping.is_set():
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    def _quiet(self, inputs: DigestInputs, library: Library) -> bool:
        """Whether this post is a digest with nothing new, to be recorded and not posted."""
        hit = self._quiet_cache.get(inputs)
        if hit is None:
            hit = self._quiet_cache[inputs] = planner.skips(library, inputs)
        return hit

    def _seen(self, claim: Claim, library: Library) -> str | None:
        """What a posted digest knew of the items dated on its day (None for a reminder)."""
        if "digest" not in claim.kinds:
            return None
        day = local_day(claim.subscription.schedule, claim.scheduled_for)
        hit = self._seen_cache.get(day)
        if hit is None:
            hit = " ".join(sorted(planner.seen_on(library, day)))
            self._seen_cache[day] = hit
        return hit

    def _composed(self, inputs: DigestInputs, library: Library) -> tuple[str, list[dict[str, Any]]]:
        """The post ``inputs`` describe. Channels owed equal inputs share one composition: the
        inputs are all a post is made from, so no channel is ever served another's post."""
        hit = self._compose_cache.get(inputs)
        if hit is None:
            reply = digest.post(library, inputs)
            message = payloads.payload(reply)
            hit = self._compose_cache[inputs] = (message["text"], message["blocks"])
        return hit

    def _hold_team(self, team: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._team_hold[team] = max(self._team_hold.get(team, 0.0), until)

    async def _wait_turn(self, team: str, channel: str) -> None:
        while not self._stopping.is_set():
            now = time.monotonic()
            hold = self._team_hold.get(team, 0.0)
            last = self._channel_last.get((team, channel))
            ready = max(hold, (last + self.settings.channel_spacing) if last else 0.0)
            if ready <= now:
                self._channel_last[(team, channel)] = now
                return
            await self._nap(ready - now)

    async def _wait_hold(self, holds: dict[str, float], team: str) -> None:
        while not self._stopping.is_set():
            wait = holds.get(team, 0.0) - time.monotonic()
            if wait <= 0:
                return
            await self._nap(wait)


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(1.0, min(float(value), 600.0))
    except (TypeError, ValueError, AttributeError):
        return 1.0
