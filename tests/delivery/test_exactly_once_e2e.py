"""Exactly once across processes: real `declaration-bot tick`, `clock`, `serve` and `socket`
processes, killed (SIGKILL), frozen (SIGSTOP) or stopped (SIGTERM) in the middle of a pass of 300
channels, against the fake Slack on loopback and a real database (SQLite and PostgreSQL). Every
channel's messages are counted where Slack keeps them: none may be missing, none doubled."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select

from bot.store.store import Store
from bot.store.tables import deliveries
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests.conftest import fresh_database
from tests.deliveryhelp import once, shown
from tests.e2e import bot_env, spawn
from tests.fakeslack import FakeSlack

N = 300
NAMES = [f"C{i:03d}" for i in range(N)]
FIXED = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # the slot, for `tick --at`
# small leases and limits keep the suite fast; the fake answers each call after 50 ms and ten
# posts are in flight at once, so a pass of 300 takes about 1.5 s: long enough to hit mid-way
FAST = {
    "LEASE_SECONDS": "1.5",
    "SLACK_TIMEOUT_SECONDS": "2",
    "RETRY_BASE_SECONDS": "0.01",
    "DELIVERY_CONCURRENCY": "10",
    "TICK_SECONDS": "0.5",
    "SHUTDOWN_GRACE_SECONDS": "5",
}


@pytest.fixture
def db(db_url: str) -> str:
    """This module's tests run on SQLite and on PostgreSQL."""
    return db_url


def seed(db: str, slot: datetime) -> None:
    """300 channels whose daily digest falls due at ``slot``."""
    schedule = parse_schedule(["daily", f"{slot:%H:%M}", "UTC"])
    assert isinstance(schedule, Schedule)
    store = Store.open(db)
    for name in NAMES:
        store.subscribe(
            team_id="T1",
            channel_id=name,
            schedule=schedule,
            now=slot - timedelta(minutes=1),
            always=True,
        )
    store.close()


def real_slot() -> datetime:
    """A slot a minute ago at most, for processes that run on the real clock."""
    return (datetime.now(UTC) - timedelta(minutes=1)).replace(second=0, microsecond=0)


@dataclass
class Proc:
    popen: subprocess.Popen[str]
    log: Path

    def logs(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        os.kill(self.popen.pid, sig)

    def wait(self, timeout: float = 20.0) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"did not exit within {timeout}s:\n{self.logs()}") from None


def start(args: list[str], slack: FakeSlack, db: str, tmp: Path, **extra: str) -> Proc:
    log = tmp / f"{args[0]}-{time.monotonic_ns()}.log"
    env = bot_env(slack.base_url, DATABASE_URL=db, **{**FAST, **extra})
    return Proc(spawn(args, env, tmp, log), log)


def tick_at(at: datetime) -> list[str]:
    return ["tick", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")]


def rows(db: str) -> list[Row[Any]]:
    store = Store.open(db, migrate=False)
    with store.engine.connect() as conn:
        found = list(conn.execute(select(deliveries)))
    store.close()
    return found


def wait_for(predicate: object, timeout: float, what: str, *procs: Proc) -> None:
    deadline = time.monotonic() + timeout
    while not (callable(predicate) and predicate()):
        if time.monotonic() > deadline:
            logs = "\n".join(p.logs()[-3000:] for p in procs)
            raise AssertionError(f"{what}: not within {timeout}s\n{logs}")
        time.sleep(0.005)


# --- SIGKILL at any moment of a pass --------------------------------------------------------


@pytest.mark.parametrize("after", [20, 200])
def test_sigkill_mid_pass_then_another_pass_misses_none_and_doubles_none(
    db: str, tmp_path: Path, after: int
) -> None:
    """`tick` is killed once Slack has accepted ``after`` posts, with posts in flight and results
    not yet written; a second `tick` after the lease finds those in the history and posts the
    rest."""
    seed(db, FIXED)
    at = FIXED + timedelta(seconds=30)
    with FakeSlack(delay=0.05, clock=lambda: at.timestamp()) as slack:
        first = start(tick_at(at), slack, db, tmp_path)
        wait_for(lambda: len(slack.top_level()) >= after, 30, "posts accepted", first)
        first.signal(signal.SIGKILL)
        assert first.wait() == -signal.SIGKILL
        landed = len(slack.top_level())
        assert after <= landed < N, "the kill must fall in the middle of the pass"
        second = start(tick_at(at + timedelta(seconds=5)), slack, db, tmp_path)
        assert second.wait(60) == 0, second.logs()
        assert shown(slack) == once(NAMES)  # 0 missing, 0 doubled
        assert {r.status for r in rows(db)} == {"sent"}


def test_sigkill_of_a_clock_process_then_a_new_clock(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    seed(db, real_slot())
    with FakeSlack(delay=0.05, clock=time.time) as slack:
        first = start(["clock"], slack, db, tmp_path)
        wait_for(lambda: len(slack.top_level()) >= 120, 30, "posts accepted", first)
        first.signal(signal.SIGKILL)
        first.wait()
        assert len(slack.top_level()) < N
        second = start(["clock"], slack, db, tmp_path)
        try:
            wait_for(lambda: shown(slack) == once(NAMES), 30, "every channel posted", second)
            time.sleep(1.0)  # a few more passes: still nothing doubled
        finally:
            second.signal(signal.SIGTERM)
            assert second.wait() == 0, second.logs()
        assert shown(slack) == once(NAMES)
        assert {r.status for r in rows(db)} == {"sent"}


# --- a clock frozen for longer than its lease -----------------------------------------------


def test_a_clock_frozen_longer_than_its_lease_doubles_nothing(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Clock A is frozen (SIGSTOP) mid-pass with posts in flight; clock B takes its claims over
    when the lease runs out and finishes the pass; A then wakes up (SIGCONT) still holding
    answers and claims it no longer owns. PostgreSQL: two clocks share a database across
    machines (a frozen SQLite writer would hold the whole file)."""
    db = fresh_database(request.getfixturevalue("postgres_url"))
    seed(db, real_slot())
    with FakeSlack(delay=0.05, clock=time.time) as slack:
        a = start(["clock"], slack, db, tmp_path)
        b: Proc | None = None
        try:
            wait_for(lambda: len(slack.top_level()) >= 60, 30, "A posting", a)
            a.signal(signal.SIGSTOP)
            frozen_at = len(slack.top_level())
            b = start(["clock"], slack, db, tmp_path)
            wait_for(lambda: len(slack.top_level()) > frozen_at + 100, 30, "B took over", b)
            time.sleep(1.0)
            a.signal(signal.SIGCONT)
            # A carries on: it must send nothing it lost, and find out what it had sent
            wait_for(lambda: {r.status for r in rows(db)} == {"sent"}, 30, "all recorded", a, b)
            time.sleep(1.0)
        finally:
            a.signal(signal.SIGCONT)
            for p in (a, b):
                if p is not None:
                    p.signal(signal.SIGTERM)
                    assert p.wait() == 0, p.logs()
        assert shown(slack) == once(NAMES)
        assert {r.status for r in rows(db)} == {"sent"}
        assert "taken over by another clock" in a.logs()


# --- SIGTERM ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "engine"),
    [("clock", "sqlite"), ("clock", "postgresql"), ("serve", "sqlite"), ("socket", "sqlite")],
)
def test_sigterm_mid_pass_hands_back_and_exits_0(
    tmp_path: Path, mode: str, engine: str, request: pytest.FixtureRequest
) -> None:
    """SIGTERM while a pass is posting: the posts in flight finish and are recorded, the rest
    are handed back at once (lease released), the process exits 0, and the next pass posts the
    rest: nothing doubled, and nothing it has to look up in the history. (`serve` and `socket`
    run the same clock in-process: SQLite is enough for them.)"""
    if engine == "sqlite":
        db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    else:
        db = fresh_database(request.getfixturevalue("postgres_url"))
    seed(db, real_slot())
    with FakeSlack(delay=0.05, clock=time.time) as slack:
        extra = {"SLACK_APP_TOKEN": "xapp-1-term"} if mode == "socket" else {}
        if mode == "serve":
            from tests.conftest import free_port

            extra["PORT"] = str(free_port())
        proc = start([mode], slack, db, tmp_path, **extra)
        wait_for(lambda: len(slack.top_level()) >= 100, 30, "posting", proc)
        proc.signal(signal.SIGTERM)
        assert proc.wait(15) == 0, proc.logs()
        landed = len(slack.top_level())
        assert landed < N, "SIGTERM must fall in the middle of the pass"
        after = rows(db)
        assert sum(r.status == "sent" for r in after) == landed  # every post recorded
        held = [r for r in after if r.status == "claimed"]
        assert held and all(r.claimed_by is None for r in held)  # handed back, not left leased
        assert not any(r.maybe_posted for r in held)
        slack_history_before = len(slack.calls_to("conversations.history"))
        nxt = start(["tick"], slack, db, tmp_path)
        assert nxt.wait(60) == 0, nxt.logs()
        assert shown(slack) == once(NAMES)  # 0 missing, 0 doubled
        assert {r.status for r in rows(db)} == {"sent"}
        assert len(slack.calls_to("conversations.history")) == slack_history_before
