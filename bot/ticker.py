"""The clock: APScheduler drives a periodic delivery pass; the database decides what is due."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Deliverer

log = logging.getLogger("declaration_bot.clock")


class Ticker:
    """Runs ``deliverer.run_pass`` every ``seconds`` on the running asyncio loop."""

    def __init__(self, deliverer: Deliverer, seconds: float) -> None:
        self.deliverer = deliverer
        self.seconds = seconds
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    async def _tick(self) -> None:
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
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
