"""The clock's pass: claim what is due, post it concurrently, record what happened.

Posting is bounded (``concurrency`` posts in flight), paced (at most one post per second per
channel) and polite (a 429 holds back the whole workspace for Retry-After seconds). One failing
channel never delays the others: each post is its own task with its own retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import digest, metrics, subscriptions
from bot.clock import Clock
from bot.content import ContentSource, Library
from bot.schedule import local_day
from bot.store import Claim, Outcome, Store, SubscriptionView

log = logging.getLogger("declaration_bot.delivery")

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


@dataclass(frozen=True)
class DeliverySettings:
    lead_days: tuple[int, ...] = digest.DEFAULT_LEAD_DAYS
    max_late: timedelta = timedelta(hours=6)
    lease: timedelta = timedelta(minutes=10)
    concurrency: int = 50
    max_attempts: int = 4
    retry_base: float = 1.0
    retry_cap: float = 30.0
    channel_spacing: float = 1.0  # seconds between two posts to one channel
    batch: int = 20_000


@dataclass
class PassReport:
    at: datetime
    sent: list[Outcome] = field(default_factory=list)
    failed: list[Outcome] = field(default_factory=list)
    retrying: list[Outcome] = field(default_factory=list)
    skipped: list[tuple[SubscriptionView, datetime, str]] = field(default_factory=list)
    quiet: list[Outcome] = field(default_factory=list)  # digests with nothing new: not posted
    claimed: int = 0

    def lines(self) -> list[str]:
        out = [
            f"tick at {self.at.isoformat()}: {len(self.sent)} delivered, {len(self.failed)} failed,"
            f" {len(self.retrying)} to retry, {len(self.skipped)} skipped,"
            f" {len(self.quiet)} with nothing new"
        ]
        out += [
            f"  delivered {o.kinds} -> sub {o.subscription_id} ts={o.message_ts}" for o in self.sent
        ]
        out += [f"  failed {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.failed]
        out += [f"  retry {o.kinds} -> sub {o.subscription_id}: {o.error}" for o in self.retrying]
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
        self._channel_last: dict[tuple[str, str], float] = {}
        self._team_dead: dict[str, str] = {}
        self._compose_cache: dict[tuple[Any, ...], tuple[str, list[dict[str, Any]]]] = {}
        self._quiet_cache: dict[tuple[Any, ...], bool] = {}
        self._seen_cache: dict[Any, str] = {}
        self._lock = asyncio.Lock()

    # --- one pass ---------------------------------------------------------------------------

    async def run_pass(self, now: datetime | None = None) -> PassReport:
        """One pass; never more than one at a time in this process."""
        async with self._lock:
            started = time.perf_counter()
            report = await self._run(now or self.clock.now())
            metrics.record_pass(report, time.perf_counter() - started)
            return report

    async def _run(self, now: datetime) -> PassReport:
        # each pass sees the latest content, looked at in a worker thread
        library = await self.content.refresh(now=True)
        lead = self.settings.lead_days

        def decide(view: SubscriptionView, wake: datetime) -> str:
            return subscriptions.owed(library, view, wake, lead)

        claims, skipped = await asyncio.to_thread(
            self.store.claim_due,
            now,
            decide,
            max_late=self.settings.max_late,
            lease=self.settings.lease,
            limit=self.settings.batch,
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
        self._compose_cache.clear()  # per pass: content and "today" may have changed
        self._quiet_cache.clear()
        self._seen_cache.clear()
        outcomes = await self._fan_out(claims, library, now)
        for o in outcomes:
            {
                "sent": report.sent,
                "failed": report.failed,
                "retry": report.retrying,
                "nothing_new": report.quiet,
            }[o.status].append(o)
        for team, reason in self._team_dead.items():
            paused = await asyncio.to_thread(self.store.pause_team, team, reason, now)
            log.error("workspace paused team=%s subscriptions=%d: %s", team, paused, reason)
        return report

    async def _fan_out(
        self, claims: Sequence[Claim], library: Library, now: datetime
    ) -> list[Outcome]:
        """Post every claim concurrently; results are written to the database as they come."""
        results: list[Outcome] = []
        pending: list[Outcome] = []
        done = asyncio.Event()

        async def recorder() -> None:
            # write results in small batches: a crash loses at most the last fraction of a second
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
                outcome = await self._deliver(claim, library, now)
            results.append(outcome)
            pending.append(outcome)

        writer = asyncio.create_task(recorder())
        try:
            await asyncio.gather(*(one(c) for c in claims))
        finally:
            done.set()
            await writer
        return results

    # --- one post ---------------------------------------------------------------------------

    async def _deliver(self, claim: Claim, library: Library, now: datetime) -> Outcome:
        sub = claim.subscription
        where = f"team={sub.team_id} channel={sub.channel_id}"

        def outcome(status: str, **kw: Any) -> Outcome:
            return Outcome(
                delivery_id=claim.delivery_id,
                subscription_id=sub.id,
                status=status,
                kinds=claim.kinds,
                scheduled_for=claim.scheduled_for,
                at=self.clock.now() if status != "retry" else now,
                **kw,
            )

        if self._quiet(claim, library):
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
            text, blocks = self._composed(claim, library)
        except Exception as exc:  # a bug in composing must not stop the other channels
            log.exception("compose failed %s", where)
            return outcome("failed", error=f"could not compose the post: {exc}")

        error = "no answer"
        for attempt in range(1, self.settings.max_attempts + 1):
            await self._wait_turn(sub.team_id, sub.channel_id)
            try:
                resp = await client.chat_postMessage(
                    channel=sub.channel_id,
                    text=text,
                    blocks=blocks,
                    unfurl_links=False,
                    unfurl_media=False,
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
                if status >= 500 or code in RETRY_ERRORS:
                    error = f"{code or 'server error'} (HTTP {status})"
                else:
                    log.error("post failed %s: %s", where, code)
                    return outcome("failed", error=code or f"HTTP {status}")
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                error = f"connection problem: {type(exc).__name__}"
            if attempt < self.settings.max_attempts:
                await asyncio.sleep(
                    min(self.settings.retry_cap, self.settings.retry_base * 2 ** (attempt - 1))
                )
        log.warning("will retry %s: %s", where, error)
        retry_at = now + timedelta(seconds=min(300.0, 30.0 * claim.attempts))
        return outcome("retry", error=error, retry_at=retry_at)

    def _quiet(self, claim: Claim, library: Library) -> bool:
        """Whether this claim is a digest with nothing new, to be recorded and not posted."""
        sub = claim.subscription
        if sub.always or claim.kinds != "digest" or sub.last_digest_for is None:
            return False
        schedule = sub.schedule
        key = (
            local_day(schedule, claim.scheduled_for),
            local_day(schedule, sub.last_digest_for),
            sub.news_seen,
            sub.topics,
        )
        hit = self._quiet_cache.get(key)
        if hit is None:
            hit = digest.is_quiet(
                subscriptions.scoped(library, sub.topics),
                schedule,
                claim.scheduled_for,
                claim.kinds,
                last_digest_for=sub.last_digest_for,
                news_seen=sub.news_seen,
                always=sub.always,
            )
            self._quiet_cache[key] = hit
        return hit

    def _seen(self, claim: Claim, library: Library) -> str | None:
        """What a posted digest knew of the items dated on its day (None for a reminder)."""
        if "digest" not in claim.kinds:
            return None
        day = local_day(claim.subscription.schedule, claim.scheduled_for)
        hit = self._seen_cache.get(day)
        if hit is None:
            hit = " ".join(sorted(digest.seen_on(library, day)))
            self._seen_cache[day] = hit
        return hit

    def _composed(self, claim: Claim, library: Library) -> tuple[str, list[dict[str, Any]]]:
        """The post for a claim. Channels that are owed the same post share one composition:
        same language, cadence, local day, kinds, last digest day, what it knew, mode and
        featured topic, within the same topics."""
        sub = claim.subscription
        schedule = sub.schedule
        library = subscriptions.scoped(library, sub.topics)
        key = (
            sub.lang,
            schedule.cadence,
            local_day(schedule, claim.scheduled_for),
            claim.kinds,
            local_day(schedule, sub.last_digest_for) if sub.last_digest_for else None,
            sub.news_seen,
            sub.always,
            sub.digests_sent % max(1, len(library.topics)),
            sub.topics,
        )
        hit = self._compose_cache.get(key)
        if hit is None:
            reply = digest.compose(
                library,
                schedule,
                claim.scheduled_for,
                claim.kinds,
                last_digest_for=sub.last_digest_for,
                digests_sent=sub.digests_sent,
                lead_days=self.settings.lead_days,
                lang=sub.lang,
                news_seen=sub.news_seen,
                always=sub.always,
            )
            hit = (reply.text, reply.blocks_json())
            self._compose_cache[key] = hit
        return hit

    def _hold_team(self, team: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._team_hold[team] = max(self._team_hold.get(team, 0.0), until)

    async def _wait_turn(self, team: str, channel: str) -> None:
        while True:
            now = time.monotonic()
            hold = self._team_hold.get(team, 0.0)
            last = self._channel_last.get((team, channel))
            ready = max(hold, (last + self.settings.channel_spacing) if last else 0.0)
            if ready <= now:
                self._channel_last[(team, channel)] = now
                return
            await asyncio.sleep(ready - now)


def _retry_after(headers: Any) -> float:
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(1.0, min(float(value), 600.0))
    except (TypeError, ValueError, AttributeError):
        return 1.0
