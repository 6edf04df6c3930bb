"""The clock: APScheduler drives a periodic delivery pass; the database decides what is due.

On SIGTERM (or SIGINT) a running clock stops taking work, lets the posts in flight finish within
SHUTDOWN_GRACE_SECONDS, hands back at once what it has not sent (lease released), records every
result it has, and returns, so the process exits 0 (130 after Ctrl-C, as shells expect).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.deliverer import Deliverer

log = logging.getLogger("declaration_bot.clock")

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


async def until_terminated() -> str:
    """Wait for SIGTERM or SIGINT; the signal's name. Later signals are ignored, so a second
    SIGTERM does not cut short the recording of results (SIGKILL still ends the process)."""
    loop = asyncio.get_running_loop()
    got: asyncio.Future[str] = loop.create_future()

    def on_signal(sig: signal.Signals) -> None:
        if not got.done():
            got.set_result(sig.name)

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)
    name = await got
    log.info("%s received: stopping", name)
    return name


class Ticker:
    """Runs ``deliverer.run_pass`` every ``seconds`` on the running asyncio loop."""

    def __init__(self, deliverer: Deliverer, seconds: float) -> None:
        self.deliverer = deliverer
        self.seconds = seconds
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: set[asyncio.Task[object]] = set()

    async def _tick(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            report = await self.deliverer.run_pass()
        except asyncio.CancelledError:
            # the process is stopping (Ctrl-C, SIGTERM): nothing is lost, as for a pass that dies
            log.info("clock pass interrupted; its claims are taken over when their lease ends")
            return
        except Exception:
            # a pass that dies loses nothing: its claims are taken over when their lease ends
            log.exception("clock pass failed")
            return
        finally:
            if task is not None:
                self._running.discard(task)
        if report.claimed or report.skipped:
            log.info(report.lines()[0])

    def start(self) -> None:
        self.scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.seconds),
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        # the first pass right away, then every `seconds`
        self.scheduler.add_job(self._tick, id="first-tick")
        self.scheduler.start()
        log.info("clock started: a pass every %ss", self.seconds)

    def stop(self) -> None:
        """No more passes, at once: a pass that is running is cancelled (its claims are taken
        over when their lease ends). :meth:`shutdown` is the graceful way."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def shutdown(self, grace: float | None = None) -> None:
        """Stop for good: no new pass; the running one finishes its posts in flight within
        ``grace`` seconds (SHUTDOWN_GRACE_SECONDS by default), hands back the rest and records
        what it knows. Only then is the scheduler shut down (which would cancel the pass)."""
        if self.scheduler.running:
            self.scheduler.pause()
        await self.deliverer.shutdown(grace)
        if self._running:  # ticks queued behind the pass return at once now
            await asyncio.wait(set(self._running), timeout=1.0)
        self.stop()
        log.info("clock stopped")

    async def run_until_terminated(self) -> str:
        """``declaration-bot clock``: passes until SIGTERM or SIGINT, then a clean stop; the
        signal's name."""
        self.start()
        try:
            return await until_terminated()
        finally:
            await self.shutdown()
