"""Exactly once, measured: fault scenarios against the fake Slack, many runs, doubles and gaps
counted where Slack keeps the messages (each channel's history in the fake), 300 channels a run.
Each slot is two messages, a digest and its reply in the digest's thread: both are counted
(doubled: any message shown more than once; missing: any digest or reply not shown).

    .venv/bin/python bench/exactly_once.py [--runs 5] [--db sqlite] [--db postgresql]
        [--scenario accepted,storm,sigkill-tick,sigkill-clock,sigstop,sigterm,unreadable]

Scenarios (the same set-ups as tests/delivery/test_exactly_once.py and tests/delivery/test_exactly_once_e2e.py,
where the kill point is fixed; here it is drawn at random in each run):

- accepted: every first post is stored by Slack while the bot sees a timeout (answer after 5 s,
  limit 0.5 s), an HTTP 500, a dropped connection, internal_error or fatal_error.
- storm: two clocks; Slack answers 429 to every post for 2.5 s, longer than the 1 s lease.
- sigkill-tick: `declaration-bot tick` killed (SIGKILL) once Slack accepted a random number of posts
  (1–299), then a second `tick` after the lease.
- sigkill-clock: the same with a `declaration-bot clock` process and a new clock (SQLite).
- sigstop: clock A frozen (SIGSTOP) mid-pass for longer than its lease while clock B takes over,
  then resumed (PostgreSQL only: a frozen SQLite writer holds the whole file).
- sigterm: `declaration-bot clock` gets SIGTERM at a random point; its exit status, what it handed
  back, then a `tick` finishes the pass.
- unreadable: every post accepted-then-500 and a history the bot cannot read, under
  UNCERTAIN_POSTS=give-up and =resend.

Prints a Markdown table (runs, doubled, missing, and what each scenario saw) and exits 0; a
scenario that doubles or misses a post is reported, not raised.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

from fanout import throwaway_postgres  # noqa: E402

from tests.conftest import fresh_database  # noqa: E402
from tests.delivery.test_exactly_once import FAILURES, T0, Clockwork, MovingClock, channels  # noqa: E402
from tests.delivery.test_exactly_once_e2e import (  # noqa: E402
    FIXED,
    NAMES,
    N,
    real_slot,
    rows,
    seed,
    start,
    tick_at,
    wait_for,
)
from tests.deliveryhelp import once, shown  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402


@dataclass
class Run:
    doubled: int
    missing: int
    notes: dict[str, Any] = field(default_factory=dict)


def count(slack: FakeSlack) -> tuple[int, int]:
    """Messages doubled, and digests or replies missing, over every channel."""
    seen = shown(slack)
    doubled = sum(c - 1 for c in seen.values() if c > 1)
    missing = sum(1 for key in once(NAMES) if seen.get(key, 0) == 0)
    return doubled, missing


def without_reply(slack: FakeSlack) -> int:
    """Digests in the channels whose reply is not (yet) in their thread."""
    seen = shown(slack)
    return sum(1 for name in NAMES if seen[(name, "post")] > seen[(name, "reply")])


# --- in-process scenarios -----------------------------------------------------------------------


async def accepted(db: str) -> Run:
    clock = MovingClock(T0 + timedelta(seconds=5))
    with FakeSlack(clock=lambda: clock.now().timestamp()) as slack:
        w = Clockwork(db, slack, clock, slack_timeout_seconds=0.5)
        w.subscribe(channels())
        for i, name in enumerate(channels()):
            slack.accept_but(FAILURES[i % len(FAILURES)], channel=name, hang=5.0)
        report = await w.tick()
        await w.close()
        d, m = count(slack)
        found = len(slack.calls_to("conversations.history"))
        return Run(d, m, {"recorded sent": len(report.sent), "history searches": found})


async def storm(db: str) -> Run:
    clock = MovingClock(T0 + timedelta(seconds=5))
    with FakeSlack(clock=lambda: clock.now().timestamp()) as slack:
        cfg = {"lease_seconds": 1.0, "slack_timeout_seconds": 0.3}
        a, b = Clockwork(db, slack, clock, **cfg), Clockwork(db, slack, clock, **cfg)
        a.subscribe(channels())
        slack.fail_always("chat.postMessage", "ratelimited", status=429, retry_after=1)
        loop = asyncio.get_running_loop()
        loop.call_later(2.5, slack.clear_faults)
        a_pass = asyncio.create_task(a.tick())
        while len(a.rows()) < N:
            await asyncio.sleep(0.01)
        b_sent = 0
        b_passes = 0
        while not a_pass.done():
            b_sent += len((await b.tick()).sent)
            b_passes += 1
            await asyncio.sleep(0.2)
        a_sent = len((await a_pass).sent)
        await a.close()
        await b.close()
        d, m = count(slack)
        return Run(
            d,
            m,
            {
                "429s": len(slack.calls_to("chat.postMessage")) - 2 * N,
                "B passes": b_passes,
                "A sent": a_sent,
                "B sent": b_sent,
            },
        )


async def unreadable(db: str, rule: str) -> Run:
    clock = MovingClock(T0 + timedelta(seconds=5))
    with FakeSlack(clock=lambda: clock.now().timestamp()) as slack:
        w = Clockwork(db, slack, clock, uncertain_posts=rule)
        w.subscribe(channels())
        slack.fail_always("conversations.history", "not_in_channel")
        for name in channels():  # each channel's first post: stored, answered 500
            slack.accept_but("500", channel=name)
        report = await w.tick()
        await w.close()
        d, m = count(slack)
        return Run(
            d, m, {"recorded uncertain": len(report.uncertain), "recorded sent": len(report.sent)}
        )


# --- processes ----------------------------------------------------------------------------------


def sigkill_tick(db: str, tmp: Path) -> Run:
    seed(db, FIXED)
    at = FIXED + timedelta(seconds=30)
    kill_after = random.randint(1, N - 1)
    with FakeSlack(delay=0.05, clock=lambda: at.timestamp()) as slack:
        first = start(tick_at(at), slack, db, tmp)
        wait_for(lambda: len(slack.top_level()) >= kill_after, 30, "posts accepted", first)
        first.signal(signal.SIGKILL)
        first.wait()
        landed = len(slack.top_level())
        halfway = without_reply(slack)
        at_kill = rows(db)
        recorded = sum(r.status == "sent" for r in at_kill)
        marked = sum(r.status == "claimed" and r.maybe_posted for r in at_kill)
        second = start(tick_at(at + timedelta(seconds=5)), slack, db, tmp)
        second.wait(60)
        found = len(re.findall("found in history", second.logs()))
        d, m = count(slack)
        return Run(
            d,
            m,
            {
                "digests accepted at kill": landed,
                "of them without their reply": halfway,
                "recorded at kill": recorded,
                "unrecorded posts": landed - recorded,
                "marked maybe_posted": marked,
                "found in history": found,
            },
        )


def sigkill_clock(db: str, tmp: Path) -> Run:
    seed(db, real_slot())
    kill_after = random.randint(1, N - 1)
    with FakeSlack(delay=0.05, clock=time.time) as slack:
        first = start(["clock"], slack, db, tmp)
        wait_for(lambda: len(slack.top_level()) >= kill_after, 30, "posts accepted", first)
        first.signal(signal.SIGKILL)
        first.wait()
        landed = len(slack.top_level())
        halfway = without_reply(slack)
        recorded = sum(r.status == "sent" for r in rows(db))
        second = start(["clock"], slack, db, tmp)
        with contextlib.suppress(AssertionError):
            wait_for(lambda: {r.status for r in rows(db)} == {"sent"}, 30, "all sent", second)
        time.sleep(1.0)
        second.signal(signal.SIGTERM)
        code = second.wait()
        d, m = count(slack)
        return Run(
            d,
            m,
            {
                "digests accepted at kill": landed,
                "of them without their reply": halfway,
                "unrecorded posts": landed - recorded,
                "second clock exit": code,
            },
        )


def sigstop(db: str, tmp: Path) -> Run:
    seed(db, real_slot())
    stop_after = random.randint(20, 200)
    with FakeSlack(delay=0.05, clock=time.time) as slack:
        a = start(["clock"], slack, db, tmp)
        wait_for(lambda: len(slack.top_level()) >= stop_after, 30, "A posting", a)
        a.signal(signal.SIGSTOP)
        frozen_at = len(slack.top_level())
        b = start(["clock"], slack, db, tmp)
        with contextlib.suppress(AssertionError):
            wait_for(lambda: len(slack.top_level()) >= N - 10, 30, "B took over", b)
        time.sleep(1.0)
        a.signal(signal.SIGCONT)
        with contextlib.suppress(AssertionError):
            wait_for(lambda: {r.status for r in rows(db)} == {"sent"}, 30, "all sent", a, b)
        time.sleep(1.0)
        for p in (a, b):
            p.signal(signal.SIGTERM)
        codes = (a.wait(), b.wait())
        d, m = count(slack)
        fenced = len(re.findall("not posting .*taken over by another clock", a.logs()))
        refused = len(re.findall("lease ran out before the request left", a.logs()))
        return Run(
            d,
            m,
            {
                "posted before the freeze": frozen_at,
                "A fenced out": fenced,
                "A refused as the bytes left": refused,
                "exit codes": codes,
            },
        )


def sigterm(db: str, tmp: Path) -> Run:
    seed(db, real_slot())
    term_after = random.randint(1, N - 1)
    with FakeSlack(delay=0.05, clock=time.time) as slack:
        proc = start(["clock"], slack, db, tmp)
        wait_for(lambda: len(slack.top_level()) >= term_after, 30, "posting", proc)
        proc.signal(signal.SIGTERM)
        started = time.monotonic()
        code = proc.wait(20)
        took = time.monotonic() - started
        after = rows(db)
        held = [r for r in after if r.status == "claimed"]
        released = sum(r.claimed_by is None for r in held)
        unrecorded = len(slack.top_level()) - sum(r.status == "sent" for r in after)
        nxt = start(["tick"], slack, db, tmp)
        nxt.wait(60)
        d, m = count(slack)
        return Run(
            d,
            m,
            {
                "exit": code,
                "stop took (s)": round(took, 2),
                "handed back": len(held),
                "released at once": released,
                "unrecorded posts": unrecorded,
            },
        )


# --- driver -------------------------------------------------------------------------------------

Scenario = Callable[[str, Path], Run]

SCENARIOS: list[tuple[str, str, set[str], Scenario]] = [
    (
        "accepted",
        "timeouts, 500s, drops after Slack accepted the post",
        {"SQLite", "PostgreSQL"},
        lambda db, _: asyncio.run(accepted(db)),
    ),
    (
        "storm",
        "429 storm longer than the lease, two clocks",
        {"SQLite", "PostgreSQL"},
        lambda db, _: asyncio.run(storm(db)),
    ),
    (
        "sigkill-tick",
        "SIGKILL `tick` mid-pass, then `tick`",
        {"SQLite", "PostgreSQL"},
        sigkill_tick,
    ),
    ("sigkill-clock", "SIGKILL `clock` mid-pass, then a new `clock`", {"SQLite"}, sigkill_clock),
    (
        "sigstop",
        "SIGSTOP clock A past its lease, clock B takes over, SIGCONT A",
        {"PostgreSQL"},
        sigstop,
    ),
    ("sigterm", "SIGTERM `clock` mid-pass, then `tick`", {"SQLite", "PostgreSQL"}, sigterm),
    (
        "unreadable",
        "history unreadable, UNCERTAIN_POSTS=give-up",
        {"SQLite", "PostgreSQL"},
        lambda db, _: asyncio.run(unreadable(db, "give-up")),
    ),
    (
        "unreadable",
        "history unreadable, UNCERTAIN_POSTS=resend",
        {"SQLite", "PostgreSQL"},
        lambda db, _: asyncio.run(unreadable(db, "resend")),
    ),
]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    ap.add_argument("--scenario", default=",".join(dict.fromkeys(k for k, *_ in SCENARIOS)))
    args = ap.parse_args()
    wanted = args.db or ["sqlite", "postgresql"]
    chosen = set(args.scenario.split(","))
    table: list[str] = []
    with tempfile.TemporaryDirectory(prefix="exactly-once-") as tmpdir:
        work = Path(tmpdir)
        pg = throwaway_postgres(work) if "postgresql" in wanted else contextlib.nullcontext("")
        with pg as url:
            n = 0
            for engine in wanted:
                label = "SQLite" if engine == "sqlite" else "PostgreSQL"
                for key, title, engines, scenario in SCENARIOS:
                    if key not in chosen or label not in engines:
                        continue
                    results = []
                    for _ in range(args.runs):
                        n += 1
                        run_dir = work / f"run{n}"
                        run_dir.mkdir()
                        db = (
                            f"sqlite:///{run_dir / 'bot.sqlite3'}"
                            if engine == "sqlite"
                            else fresh_database(url)
                        )
                        results.append(scenario(db, run_dir))
                        print(f"  {label} {title}: {results[-1]}", file=sys.stderr, flush=True)
                    doubled = sum(r.doubled for r in results)
                    missing = sum(r.missing for r in results)
                    notes = "; ".join(
                        f"{k}: " + ", ".join(str(r.notes[k]) for r in results)
                        for k in results[0].notes
                    )
                    table.append(
                        f"| {title} | {label} | {args.runs} | {doubled} | {missing} | {notes} |"
                    )
    print("| scenario | database | runs | doubled | missing | per run |")
    print("| --- | --- | ---: | ---: | ---: | --- |")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
