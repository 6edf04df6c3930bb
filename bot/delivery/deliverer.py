"""The clock's pass: claim what is due, post it concurrently, record what happened.

Posting is bounded (``concurrency`` posts in flight), paced (at most one post per second per
channel) and polite (a 429 holds back the whole workspace for Retry-After seconds). One failing
channel never delays the others: each post is its own task with its own retries.

Exactly once: every post carries Slack message metadata naming its delivery; a digest's reply in
its thread carries a key of its own, derived from its slot's (``<key>/thread``), and is sent once
the digest is known to be in the channel. Before a post whose
outcome is unknown (a timeout, a dropped connection, a 5xx, ``internal_error``/``fatal_error``, or
a claim taken over from a pass that died) is sent again, the channel's recent history is searched
for that key; a post found there is recorded as sent. Only this pass retries (the Slack clients
have no retry handlers of their own), with exponential back-off and full jitter. Leases are
renewed while the pass holds them, a post is only sent with time left on its lease, and every
write is fenced by the owner (``status = claimed AND claimed_by = me``). A slot is recorded as
sent once both of its messages are in the channel: a pass that dies between them leaves it to the
next, which finds the digest in the history, looks in its thread, and posts only the missing reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.clock import Clock
from bot.content.library import Library
from bot.content.source import ContentSource
from bot.delivery import digest, faults, planner, transport
from bot.delivery.faults import Verdict
from bot.delivery.history import History
from bot.delivery.leases import PassState
from bot.delivery.outcomes import Status
from bot.delivery.planner import DigestInputs
from bot.delivery.report import PassReport
from bot.slack import payloads
from bot.store.deliveries import Claim, Outcome
from bot.store.store import Store
from bot.subscriptions.schedule import local_day
from bot.subscriptions.stored import Kinds

log = logging.getLogger("declaration_bot.delivery")

Message = tuple[str, list[dict[str, Any]]]  # a post's text and blocks
Composed = tuple[Message, Message | None]  # the top-level post, and the reply in its thread


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
    calendar_url: str | None = None  # the calendar feed's address (PUBLIC_URL): reminders link
    # each event's own file beside it; without one, a Google Calendar template


ClientFor = Callable[[str, str | None], Awaitable[AsyncWebClient | None]]


@dataclass(frozen=True)
class _Post:
    """One claim being posted in a pass, and the outcomes it can end with."""

    claim: Claim
    now: datetime  # the pass's instant
    clock: Clock

    @property
    def where(self) -> str:
        sub = self.claim.subscription
        return f"team={sub.team_id} channel={sub.channel_id}"

    def outcome(self, status: Status, **kw: Any) -> Outcome:
        return Outcome(
            delivery_id=self.claim.delivery_id,
            subscription_id=self.claim.subscription.id,
            status=status,
            kinds=self.claim.kinds,
            scheduled_for=self.claim.scheduled_for,
            at=self.clock.now() if status is not Status.RETRY else self.now,
            **kw,
        )

    def paused(self, reason: str, error: str | None = None) -> Outcome:
        """Failed, and the subscription paused until a person acts."""
        return self.outcome(Status.FAILED, error=error or reason, pause_reason=reason)

    def retry(self, error: str, unsure: bool) -> Outcome:
        """Left for a later pass (the lease moves to then), with whether it may have landed."""
        log.warning("will retry %s: %s", self.where, error)
        wait = random.uniform(0.5, 1.0) * min(300.0, 30.0 * self.claim.attempts)
        retry_at = self.now + timedelta(seconds=wait)
        return self.outcome(Status.RETRY, error=error, retry_at=retry_at, maybe_posted=unsure)


@dataclass
class _Tries:
    """Where one message's attempts stand in this pass."""

    unsure: bool  # a post may be in the channel already: look in the history first
    thread_ts: str | None = None  # the reply in a digest's thread: the digest's ts
    error: str = "no answer"  # the last attempt's
    attempt: int = 0

    @property
    def landed(self) -> bool:
        """Whether something of the slot is in the channel already (the digest, for its
        reply): whatever happens to this message, the slot may have been posted."""
        return self.thread_ts is not None


@dataclass(frozen=True)
class _Landed:
    """A message that is in the channel: its ts, and whether it was found in the history (a
    pass before this one posted it)."""

    ts: str
    found: bool = False


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
        self._team_dead: dict[str, str] = {}
        # what one pass shares between channels, all from one library (held, so that its id in
        # the keys stays its own): posts by their inputs, "nothing new" by the same, and what a
        # digest posted on a day knew of
        self._compose_cache: dict[DigestInputs, Composed] = {}
        self._kinds_cache: dict[DigestInputs, str] = {}
        self._seen_cache: dict[Any, str] = {}
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()  # no new work: hand back what has not left
        self._abort = asyncio.Event()  # the grace is over: cut what is still in flight
        self._idle = asyncio.Event()  # no pass is running
        self._idle.set()
        self._pacing = transport.Pacing(self._stopping, self.settings.channel_spacing)
        self._history = History(self._pacing, self.settings.max_attempts)

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
        self._kinds_cache.clear()
        self._seen_cache.clear()
        outcomes, report.handed_back = await self._fan_out(claims, library, now)
        for o in outcomes:
            report.file(o)
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
        s = self.settings
        st = PassState(self.store, self.clock, s.lease, claims, s.concurrency, s.timeout)
        gate = asyncio.Semaphore(s.concurrency)

        async def one(claim: Claim) -> None:
            async with gate:
                outcome = await self._deliver(claim, library, now, st)
            if outcome is not None:
                st.done.add(claim.delivery_id)
                results.append(outcome)
                pending.append(outcome)

        writer = asyncio.create_task(self._recorder(pending, done))
        tasks = {c.delivery_id: asyncio.create_task(one(c)) for c in claims}
        beat = asyncio.create_task(st.heartbeat(tasks))
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
            held = st.held(claims)
            if held:
                await asyncio.to_thread(self.store.release, held, self.clock.now())
                log.warning("handed back %d claims for the next pass", len(held))
        return results, len(held)

    async def _recorder(self, pending: list[Outcome], done: asyncio.Event) -> None:
        """Write results in small batches as they come, until ``done``: what a crash loses is
        found again in the history."""
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

    async def _stop_when_asked(self, st: PassState, tasks: dict[int, asyncio.Task[None]]) -> None:
        """On shutdown: stop every claim that has no request in flight at once (they are handed
        back); after the grace, the rest too."""
        await self._stopping.wait()
        for i, task in tasks.items():
            if i not in st.sending:
                task.cancel()
        await self._abort.wait()
        for task in tasks.values():
            task.cancel()

    # --- one post ---------------------------------------------------------------------------

    async def _deliver(
        self, claim: Claim, library: Library, now: datetime, st: PassState
    ) -> Outcome | None:
        """Post one claim (a digest, then its reply in its thread); its outcome, or None when it
        is no longer this pass's to finish."""
        ready = await self._prepare(_Post(claim, now, self.clock), library)
        if isinstance(ready, Outcome):
            return ready
        client, (top, reply), post = ready
        try:
            tries = _Tries(unsure=claim.maybe_posted)
            landed = await self._attempts(post, client, top, tries, st, reply is not None)
            if not isinstance(landed, _Landed):
                return landed
            if reply is not None:
                # a digest found in the history was posted by a pass before this one, which
                # may have posted its reply too: looked for in the thread first
                tries = _Tries(unsure=landed.found, thread_ts=landed.ts)
                done = await self._attempts(post, client, reply, tries, st)
                if not isinstance(done, _Landed):
                    return done
        finally:
            st.sending.discard(claim.delivery_id)
        news_seen = self._seen(post.claim, library)
        return post.outcome(Status.SENT, message_ts=landed.ts, news_seen=news_seen)

    async def _prepare(
        self, post: _Post, library: Library
    ) -> Outcome | tuple[AsyncWebClient, Composed, _Post]:
        """The client, the messages to post and what they carry (a digest with nothing new left
        out: a reminder due with it goes alone), or the outcome when there is nothing to post
        (a digest with nothing new, a workspace that cannot be reached, a post that cannot be
        composed)."""
        sub = post.claim.subscription
        inputs = planner.digest_inputs(
            library, sub, post.claim.scheduled_for, post.claim.kinds, self.settings.lead_days
        )
        kinds = self._posted_kinds(inputs, library)
        if not kinds:
            log.info("nothing new %s: digest not posted", post.where)
            return post.outcome(Status.NOTHING_NEW)
        if kinds != inputs.kinds:  # the reminder alone: the digest had nothing new
            log.info("nothing new %s: the reminder goes alone", post.where)
            inputs = replace(inputs, kinds=kinds)
            post = replace(post, claim=replace(post.claim, kinds=kinds))
        if sub.team_id in self._team_dead:
            return post.paused(self._team_dead[sub.team_id])
        client = await self.client_for(sub.team_id, sub.enterprise_id)
        if client is None:
            return post.paused("slack:not_installed")
        try:
            return client, self._composed(inputs, library), post
        except Exception as exc:  # a bug in composing must not stop the other channels
            log.exception("compose failed %s", post.where)
            return post.outcome(Status.FAILED, error=f"could not compose the post: {exc}")

    async def _attempts(
        self,
        post: _Post,
        client: AsyncWebClient,
        message: Message,
        tries: _Tries,
        st: PassState,
        then_reply: bool = False,
    ) -> _Landed | Outcome | None:
        """Post one message (the digest, or its reply when ``tries.thread_ts`` is set) until
        Slack has it, says no, or the attempts run out; an uncertain message is looked for in
        the history (the thread, for a reply) before it is sent again. A digest with a reply to
        follow stays "sending" in between: on shutdown, the reply still goes within the grace
        (only the abort after it stops it)."""
        claim, i = post.claim, post.claim.delivery_id
        team, channel = claim.subscription.team_id, claim.subscription.channel_id
        metadata = transport.post_metadata(claim, reply=tries.landed)
        stop = self._abort if tries.landed else self._stopping
        while True:
            if stop.is_set():
                return None
            if tries.unsure:
                found = await self._look_first(post, client, metadata, tries)
                if found is not None:
                    return found
                st.unsure[i] = tries.landed
            if tries.attempt >= self.settings.max_attempts:
                return post.retry(tries.error, tries.landed)
            tries.attempt += 1
            if tries.landed:  # a reply follows its digest at once: a burst of two, not paced
                await self._pacing.wait_hold(self._pacing.team_hold, team)
            else:
                await self._pacing.turn(team, channel)
            if not await st.own(claim, stop):
                return None
            st.sending.add(i)
            st.unsure[i] = True
            try:
                answer = await transport.send(
                    client, channel, message, metadata, lambda: st.lease_left(i), tries.thread_ts
                )
            finally:
                st.sending.discard(i)
            if answer.ts is not None and then_reply:
                st.sending.add(i)  # until its reply is done
            if answer.ts is not None:
                what = "thread reply" if tries.landed else claim.kinds
                log.info("posted %s %s ts=%s", what, post.where, answer.ts)
                return _Landed(answer.ts)
            judged = self._judge(post, answer, tries)
            st.unsure[i] = tries.unsure or tries.landed
            if isinstance(judged, Outcome):
                return self._reply_refused(post, judged, tries)
            await self._pacing.nap(judged)

    def _reply_refused(self, post: _Post, judged: Outcome, tries: _Tries) -> _Landed | Outcome:
        """A digest's reply Slack refused for good (not a channel or workspace error): the
        digest is in the channel, so the slot counts as posted."""
        if tries.thread_ts is None or judged.status is not Status.FAILED or judged.pause_reason:
            return judged
        log.error("thread reply not posted %s: %s; the digest is", post.where, judged.error)
        return _Landed(tries.thread_ts)

    async def _look_first(
        self, post: _Post, client: AsyncWebClient, metadata: dict[str, Any], tries: _Tries
    ) -> _Landed | Outcome | None:
        """Before an uncertain message is sent again: found, it is there (sent); cannot tell
        yet: retry later; cannot be read: uncertain, unless UNCERTAIN_POSTS is resend. None to
        send it again."""
        key = metadata["event_payload"]["delivery"]
        if tries.thread_ts is None:
            seen = await self._history.look(client, post.claim, key)
        else:
            seen = await self._history.look_in_thread(client, post.claim, tries.thread_ts, key)
        if seen.ts is not None:
            log.info("found in history %s ts=%s: recorded as sent", post.where, seen.ts)
            return _Landed(seen.ts, found=True)
        if seen.unknown is not None:
            return post.retry(f"{tries.error}; history not checked yet ({seen.unknown})", True)
        if seen.unreadable is not None:
            if self.settings.uncertain_posts != "resend":
                log.warning(
                    "uncertain %s: %s, and the history cannot be read (%s): not sent again",
                    post.where,
                    tries.error,
                    seen.unreadable,
                )
                error = f"{tries.error}; history unreadable ({seen.unreadable}), not resent"
                return post.outcome(Status.UNCERTAIN, error=error)
            log.warning(
                "history unreadable %s (%s): sending again (UNCERTAIN_POSTS=resend)",
                post.where,
                seen.unreadable,
            )
        tries.unsure = False
        return None

    def _judge(self, post: _Post, answer: transport.Answer, tries: _Tries) -> Outcome | float:
        """What a failed attempt means (:func:`bot.delivery.faults.classify`): the post's
        outcome, or the seconds to wait before the next attempt."""
        if answer.held_back:  # not a byte left: the lease ran out while we waited
            log.warning("not posted %s: its lease ran out before the request left", post.where)
            tries.attempt -= 1
            return 0.0
        code, status = answer.error, answer.status
        verdict = faults.classify(status, code or None, answer.exception)
        if verdict is Verdict.RATE_LIMITED:  # the workspace waits in the next turn
            transport.hold(self._pacing.team_hold, post.claim.subscription.team_id, answer.wait)
            metrics.RATE_LIMIT_WAITS.inc()
            metrics.RATE_LIMIT_WAIT_SECONDS.inc(answer.wait)
            log.warning("rate limited %s: workspace waits %.0fs", post.where, answer.wait)
            tries.error = f"rate limited (HTTP 429), waited {answer.wait:.0f}s"
            return 0.0
        if verdict is Verdict.PAUSE_CHANNEL:
            log.warning("paused %s: %s", post.where, code)
            return post.paused(f"slack:{code}", code)
        if verdict is Verdict.PAUSE_WORKSPACE:
            self._team_dead[post.claim.subscription.team_id] = f"slack:{code}"
            log.error("workspace error %s: %s", post.where, code)
            return post.paused(f"slack:{code}", code)
        if verdict is Verdict.REFUSED:
            log.error("Slack refused our message %s: %s", post.where, code)
            return post.outcome(Status.FAILED, error=f"Slack refused the message ({code})")
        if verdict is Verdict.FAILED:
            log.error("post failed %s: %s", post.where, code)
            return post.outcome(Status.FAILED, error=code or f"HTTP {status}")
        tries.error = _attempt_error(answer, verdict)
        delay = self._backoff(tries.attempt)
        if verdict is Verdict.UNCERTAIN:
            tries.unsure = True
            log.warning("post outcome unknown %s: %s", post.where, tries.error)
            if faults.settles(status, answer.exception):  # Slack may still be at it: give it
                delay = max(delay, min(self.settings.timeout, 5.0))  # time to show in history
        return delay

    def _backoff(self, attempt: int) -> float:
        """Exponential back-off with full jitter: anywhere from 0 to base·2^(attempt-1), capped,
        so posts that failed together do not come back together."""
        return random.uniform(
            0.0, min(self.settings.retry_cap, self.settings.retry_base * 2 ** (attempt - 1))
        )

    def _posted_kinds(self, inputs: DigestInputs, library: Library) -> str:
        """What this post carries, a digest with nothing new left out ('': nothing to post)."""
        hit = self._kinds_cache.get(inputs)
        if hit is None:
            hit = self._kinds_cache[inputs] = planner.posted_kinds(library, inputs)
        return hit

    def _seen(self, claim: Claim, library: Library) -> str | None:
        """What a posted digest knew of the items dated on its day (None for a reminder)."""
        if Kinds.DIGEST not in Kinds.read(claim.kinds):
            return None
        day = local_day(claim.subscription.schedule, claim.scheduled_for)
        hit = self._seen_cache.get(day)
        if hit is None:
            hit = " ".join(sorted(planner.seen_on(library, day)))
            self._seen_cache[day] = hit
        return hit

    def _composed(self, inputs: DigestInputs, library: Library) -> Composed:
        """The post ``inputs`` describe, and its reply in its thread (a digest's). Channels owed
        equal inputs share one composition: the inputs are all a post is made from (with the
        calendar's address, one per process), so no channel is ever served another's post."""
        hit = self._compose_cache.get(inputs)
        if hit is None:
            top = _message(digest.post(library, inputs, self.settings.calendar_url))
            below = digest.thread(library, inputs)
            hit = self._compose_cache[inputs] = (top, _message(below) if below else None)
        return hit


def _message(reply: payloads.Reply) -> Message:
    message = payloads.payload(reply)
    return message["text"], message["blocks"]


def _attempt_error(answer: transport.Answer, verdict: Verdict) -> str:
    """How a failed attempt that is tried again is said in the outcome's error."""
    if answer.exception is not None:
        name = type(answer.exception).__name__
        if verdict is Verdict.UNCERTAIN:  # the request may have reached Slack
            return f"no answer: {name}"
        return f"connection problem: {name}"  # nothing was sent
    if verdict is Verdict.UNCERTAIN:
        return f"{answer.error or 'server error'} (HTTP {answer.status})"
    return f"{answer.error} (HTTP {answer.status})"
