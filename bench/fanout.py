"""Benchmark: one delivery pass of the clock fanning out to N due channels, and an idle tick.

The bot's real delivery path runs in this process: ``Store.open`` (Alembic migrations, SQLite or
PostgreSQL), ``Runtime.build`` with a ``FixedClock``, and one ``await rt.deliverer.run_pass()``,
which claims what is due in one transaction, composes each channel's digest, posts it with the
shared aiohttp session (``delivery_concurrency`` posts in flight) and records the outcomes. The
Slack Web API is ``tests/fakeslack.py`` in a process of its own (``bench/fake_slack_server.py``,
127.0.0.1 only), answering every call after 50 ms, so the bot's process keeps a core to itself.

    .venv/bin/python bench/fanout.py [--sizes 1000,10000] [--concurrency 50,100,200]
        [--idle 100000] [--db sqlite] [--db postgresql | --db postgresql://user@host/db]
        [--delay 0.05] [--passes 20] [--repeat 1] [--log-level INFO]

Fan-out: for each N and each concurrency, a fresh database holds N subscriptions "daily 09:00 UTC"
(channels C000000, C000001, ...; ``next_wake_at`` set by ``wake_after`` as ``Store.subscribe``
does), and one pass runs at 09:00:30. The time is compared with the sequential floor N × 50 ms:
floor / time is the speed-up over posting one at a time. Then the fake is asked what it answered:
every channel must have had exactly one chat.postMessage answered ok (no duplicate, none missing,
none unexpected), and the database must hold N deliveries marked sent. ``--repeat`` runs each
case again (the target is judged on the median).

Where the time goes, without touching the bot: ``Store.claim_due`` and ``Store.record`` are
wrapped on the store instance to add up their time; the fake reports when the first and the last
post arrived (on the system-wide monotonic clock), which splits the pass into "to 1st post"
(claim, compose, connect), "posting" and "tail" (after the last answer: outcomes still being
recorded). "bot CPU" is this process's CPU time during the pass (all threads), "fake CPU" the fake
server's, and "other CPU" how many cores the rest of the machine kept busy meanwhile (from
/proc/stat): when it is not near 0 the times are pessimistic, and a note says so.

Idle tick: a fresh database with N subscriptions none of which is due, 2 warm-up passes and then
``--passes`` timed ones (median and p95) at 1,000, 10,000 and ``--idle`` subscriptions. The same is
measured after each fan-out (the deliveries table then holds N rows).

``--db sqlite`` (default) uses a SQLite file in a temporary folder. ``--db postgresql`` starts a
throwaway PostgreSQL cluster from /usr/lib/postgresql/*/bin (as the ``postgres`` user when run as
root; fsync left on); ``--db postgresql://...`` uses that server and creates (then drops) one
database per run there, so the role needs CREATEDB. ``--db`` may be given more than once.

Logging is set up as ``declaration-bot clock`` does (``bot.logs.setup_logging`` at ``--log-level``,
INFO by default, one line per post) but written to bench/results/fanout.log, not the terminal.

Targets (from the issue), on a 2-core machine: 10,000 channels delivered in at most 20 s with no
duplicate and none missing (judged at the default concurrency, 100), and an idle tick under 20 ms
at 100,000 subscriptions that does not grow with N. Missing a target is reported, not an error: the
exit status is 0 (1 only if the benchmark itself cannot run). Results are printed as Markdown and
written to bench/results/fanout.json (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pgcluster  # noqa: E402  (bench/, beside this file)
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bot.app import Runtime  # noqa: E402
from bot.clock import FixedClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.content.library import Library  # noqa: E402
from bot.content.loading import load_library  # noqa: E402
from bot.logs import setup_logging  # noqa: E402
from bot.store.engine import normalize_url  # noqa: E402
from bot.store.store import Store  # noqa: E402
from bot.store.tables import deliveries, subscriptions  # noqa: E402
from bot.subscriptions.schedule import Schedule, days_key, parse_schedule, wake_after  # noqa: E402

RESULTS = ROOT / "bench" / "results"
FAKE_SERVER = ROOT / "bench" / "fake_slack_server.py"
CONTENT = ROOT / "content"
TOKEN = "xoxb-bench"
TEAM = "T1"
SCHEDULE_WORDS = "daily 09:00 UTC"
CREATED = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)  # when the channels subscribe
DUE = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # their first wake-up
DELIVER_AT = DUE + dt.timedelta(seconds=30)  # the pass that fans out
IDLE_AT = CREATED + dt.timedelta(minutes=1)  # nothing is due yet
IDLE_AFTER = DELIVER_AT + dt.timedelta(minutes=1)  # everything was delivered, nothing is due
DEFAULT_CONCURRENCY = 100  # Settings.delivery_concurrency's default

FANOUT_TARGET_N = 10_000
FANOUT_TARGET_S = 20.0
IDLE_TARGET_N = 100_000
IDLE_TARGET_MS = 20.0
IDLE_SIZES = (1_000, 10_000)
WARMUPS = 2
OTHER_CPU_WARNING = 0.25  # cores used by other processes during a run before the figures are noted


class BenchError(Exception):
    """The benchmark cannot produce trustworthy figures (the fake died, bad setup, ...)."""


# ------------------------------------------------------------------------------- the fake Slack


class FakeSlackProcess:
    """``bench/fake_slack_server.py`` as a child process, driven over its stdin and stdout."""

    def __init__(self, delay: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(FAKE_SERVER), "--delay", str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        hello = self._read()
        self.base_url = str(hello["base_url"])

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise BenchError(f"the fake Slack server exited (status {self.proc.poll()})")
        answer = json.loads(line)
        if not isinstance(answer, dict) or "error" in answer:
            raise BenchError(f"the fake Slack server answered {line.strip()!r}")
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                assert self.proc.stdin is not None
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()


# ----------------------------------------------------------------------------------- databases


class Databases:
    """Hands out one fresh, empty database URL per run, and cleans up after."""

    def __init__(self, spec: str, workdir: Path) -> None:
        self.spec = spec
        self.workdir = workdir
        self.count = 0
        self._stack = contextlib.ExitStack()
        self._admin: str | None = None
        self._created: list[str] = []
        if spec == "sqlite":
            self.kind = "sqlite"
        elif spec in ("postgresql", "postgres", "pg"):
            self.kind = "postgresql"
            self._admin = self._stack.enter_context(throwaway_postgres(workdir))
        elif spec.startswith(("postgresql:", "postgresql+psycopg:", "postgres:")):
            self.kind = "postgresql"
            self._admin = normalize_url(spec)
        else:
            raise BenchError(
                f"--db must be sqlite, postgresql or a postgresql:// URL, not {spec!r}"
            )

    @property
    def label(self) -> str:
        return self.kind

    def fresh(self) -> str:
        self.count += 1
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / f'fanout-{self.count}.sqlite3'}"
        assert self._admin is not None
        name = f"declaration_bot_fanout_{os.getpid()}_{self.count}"
        self._execute_autocommit(f'CREATE DATABASE "{name}"')
        self._created.append(name)
        return make_url(self._admin).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        if self.kind == "sqlite":
            path = Path(make_url(url).database or "")
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            return
        name = make_url(url).database
        if name in self._created:
            self._execute_autocommit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            self._created.remove(name)

    def _execute_autocommit(self, sql: str) -> None:
        assert self._admin is not None
        engine = create_engine(self._admin, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(sql))
        finally:
            engine.dispose()

    def close(self) -> None:
        try:
            for name in list(self._created):
                with contextlib.suppress(Exception):
                    self._execute_autocommit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            self._stack.close()


@contextlib.contextmanager
def throwaway_postgres(workdir: Path) -> Iterator[str]:
    """A PostgreSQL cluster on 127.0.0.1 for the length of the benchmark, in ``workdir``."""
    try:
        with pgcluster.throwaway_postgres(workdir, prefix="fanout-pg-") as url:
            yield url
    except pgcluster.NoPostgres as exc:
        raise BenchError(str(exc)) from None


# ------------------------------------------------------------------------------------- the bot


def the_schedule() -> Schedule:
    schedule = parse_schedule(SCHEDULE_WORDS.split())
    assert isinstance(schedule, Schedule), schedule
    return schedule


def channel(i: int) -> str:
    return f"C{i:06d}"


def add_subscriptions(store: Store, n: int, now: dt.datetime) -> None:
    """N subscriptions as ``Store.subscribe`` would write them, inserted in bulk."""
    schedule = the_schedule()
    wake = wake_after(schedule, now)
    table = subscriptions
    common = {
        "team_id": TEAM,
        "enterprise_id": None,
        "days": days_key(schedule.days),
        "at_minute": schedule.at.hour * 60 + schedule.at.minute,
        "tz": schedule.tz,
        "lang": "en",
        "next_wake_at": wake,
        "paused": False,
        "paused_reason": None,
        "created_by": "U1",
        "created_at": now,
        "updated_at": now,
        "digests_sent": 0,
    }
    step = 5_000
    with store.engine.begin() as conn:
        for start in range(0, n, step):
            rows = [
                {**common, "channel_id": channel(i)} for i in range(start, min(n, start + step))
            ]
            conn.execute(insert(table), rows)
    # the planner needs to know the table is big (as autovacuum / a later ANALYZE would tell it)
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def make_runtime(
    url: str, store: Store, library: Library, at: dt.datetime, concurrency: int, base_url: str
) -> Runtime:
    settings = Settings(
        _env_file=None,  # no developer .env in the figures
        slack_bot_token=SecretStr(TOKEN),
        slack_api_url=base_url,
        database_url=url,
        delivery_concurrency=concurrency,
        max_late_hours=6.0,
        reminder_lead_days="30,7,1",
        retry_base_seconds=1.0,
    )
    return Runtime.build(settings, library, FixedClock(at), store)


class Timed:
    """Wraps a store method to add up the time spent in it (it runs in worker threads)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        self.fn = fn
        self.seconds = 0.0
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - start
            self.calls += 1


def machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used since boot (Linux /proc/stat); 0 if
    unknown."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return 0.0
    if not fields or fields[0] != "cpu":
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


async def timed_passes(rt: Runtime, count: int, warmups: int) -> list[float]:
    """Seconds taken by ``count`` passes after ``warmups`` untimed ones; none may claim anything."""
    assert rt.deliverer is not None
    timings: list[float] = []
    for i in range(warmups + count):
        start = time.perf_counter()
        report = await rt.deliverer.run_pass()
        elapsed = time.perf_counter() - start
        if report.claimed or report.skipped:
            raise BenchError(
                f"an idle pass claimed {report.claimed}, skipped {len(report.skipped)}"
            )
        if i >= warmups:
            timings.append(elapsed)
    return timings


# ------------------------------------------------------------------------------------- results


@dataclass
class IdleResult:
    db: str
    subscriptions: int
    deliveries: int
    passes: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float
    after_fanout: bool = False


@dataclass
class FanoutResult:
    db: str
    n: int
    concurrency: int
    seconds: float
    posts_per_s: float
    floor_s: float
    speedup: float  # floor / time
    efficiency: float  # speed-up / concurrency: 1.0 means every slot was busy all the time
    reported_sent: int
    answered_ok: int
    duplicates: int
    missing: int
    unexpected: int
    not_ok: int
    db_sent: int
    to_first_post_s: float  # pass start -> first post arrives at the fake (claim, compose, connect)
    posting_s: float  # first post arrives -> last post arrives
    tail_s: float  # last post answered -> pass returns (outcomes still being recorded)
    claim_s: float
    record_s: float
    record_batches: int
    setup_s: float
    bot_cpu_s: float
    other_cpu: float  # cores busy with other processes during the pass (neither bot nor fake)
    fake_cpu_s: float
    run: int = 1
    idle_after: IdleResult | None = None

    @property
    def correct(self) -> bool:
        return (
            self.duplicates == 0
            and self.missing == 0
            and self.unexpected == 0
            and self.answered_ok == self.n
            and self.db_sent == self.n
            and self.reported_sent == self.n
        )


@dataclass
class Report:
    started: str
    machine: dict[str, Any]
    args: dict[str, Any]
    fanout: list[FanoutResult] = field(default_factory=list)
    idle: list[IdleResult] = field(default_factory=list)
    verdicts: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------- the runs


def run_fanout(
    dbs: Databases,
    fake: FakeSlackProcess,
    library: Library,
    n: int,
    concurrency: int,
    delay: float,
    passes: int,
    run: int = 1,
) -> FanoutResult:
    url = dbs.fresh()
    setup_start = time.perf_counter()
    store = Store.open(url)
    try:
        add_subscriptions(store, n, CREATED)
        setup_s = time.perf_counter() - setup_start
        claim = Timed(store.claim_due)
        record = Timed(store.record)
        setattr(store, "claim_due", claim)  # noqa: B010 (an instance attribute, not the class's)
        setattr(store, "record", record)  # noqa: B010
        fake.ask("reset")
        fake_cpu0 = float(fake.ask("stats")["cpu"])
        rt = make_runtime(url, store, library, DELIVER_AT, concurrency, fake.base_url)

        async def go() -> tuple[float, float, float, float, int, list[float]]:
            assert rt.deliverer is not None and rt.clients is not None
            try:
                busy0 = machine_busy_seconds()
                cpu0 = time.process_time()
                mono = time.monotonic()
                start = time.perf_counter()
                report = await rt.deliverer.run_pass()
                seconds = time.perf_counter() - start
                cpu = time.process_time() - cpu0
                busy = machine_busy_seconds() - busy0
                rt.clock.at = IDLE_AFTER  # type: ignore[attr-defined]
                idle = await timed_passes(rt, passes, WARMUPS)
                return mono, seconds, cpu, busy, len(report.sent), idle
            finally:
                await rt.clients.close()

        mono, seconds, bot_cpu, busy, reported_sent, idle = asyncio.run(go())
        stats = fake.ask("stats")
        answered, duplicates, missing, unexpected = check_posts([str(c) for c in stats["posts"]], n)
        with store.engine.connect() as conn:
            db_sent = int(
                conn.scalar(
                    select(func.count())
                    .select_from(deliveries)
                    .where(deliveries.c.status == "sent")
                )
                or 0
            )
    finally:
        store.close()
        dbs.drop(url)
    floor = n * delay
    fake_cpu = float(stats["cpu"]) - fake_cpu0
    first = float(stats["first"]) - mono if stats["first"] is not None else float("nan")
    last = float(stats["last"]) - mono if stats["last"] is not None else float("nan")
    return FanoutResult(
        db=dbs.label,
        n=n,
        concurrency=concurrency,
        seconds=seconds,
        posts_per_s=n / seconds,
        floor_s=floor,
        speedup=floor / seconds,
        efficiency=floor / seconds / concurrency,
        reported_sent=reported_sent,
        answered_ok=answered,
        duplicates=duplicates,
        missing=missing,
        unexpected=unexpected,
        not_ok=int(stats["not_ok"]),
        db_sent=db_sent,
        to_first_post_s=first,
        posting_s=last - first,
        tail_s=seconds - last - delay,
        claim_s=claim.seconds,
        record_s=record.seconds,
        record_batches=record.calls,
        setup_s=setup_s,
        bot_cpu_s=bot_cpu,
        other_cpu=max(0.0, busy - bot_cpu - fake_cpu) / seconds,
        fake_cpu_s=fake_cpu,
        run=run,
        idle_after=idle_result(dbs.label, n, n, idle, after_fanout=True),
    )


def check_posts(channels: Sequence[str], n: int) -> tuple[int, int, int, int]:
    """(posts answered ok, duplicates, channels missing, channels unexpected) for N channels."""
    posted = Counter(channels)
    expected = {channel(i) for i in range(n)}
    return (
        sum(posted.values()),
        sum(k - 1 for k in posted.values() if k > 1),
        len(expected - posted.keys()),
        len(posted.keys() - expected),
    )


def idle_result(
    db: str, subs: int, deliveries: int, timings: Sequence[float], *, after_fanout: bool = False
) -> IdleResult:
    ms = [t * 1000 for t in timings]
    return IdleResult(
        db=db,
        subscriptions=subs,
        deliveries=deliveries,
        passes=len(ms),
        median_ms=statistics.median(ms),
        p95_ms=percentile(ms, 95),
        min_ms=min(ms),
        max_ms=max(ms),
        after_fanout=after_fanout,
    )


def run_idle(
    dbs: Databases, fake: FakeSlackProcess, library: Library, n: int, passes: int
) -> IdleResult:
    url = dbs.fresh()
    store = Store.open(url)
    try:
        add_subscriptions(store, n, CREATED)
        rt = make_runtime(url, store, library, IDLE_AT, DEFAULT_CONCURRENCY, fake.base_url)

        async def go() -> list[float]:
            assert rt.clients is not None
            try:
                return await timed_passes(rt, passes, WARMUPS)
            finally:
                await rt.clients.close()

        timings = asyncio.run(go())
    finally:
        store.close()
        dbs.drop(url)
    return idle_result(dbs.label, n, 0, timings)


# ------------------------------------------------------------------------------------ printing


def fanout_table(results: Sequence[FanoutResult]) -> list[str]:
    out = [
        "| db | N | concurrency | run | time (s) | posts/s | floor N×delay (s) | speed-up"
        " floor/time | speed-up / concurrency | duplicates | missing | to 1st post (s)"
        " | posting (s) | tail (s) | claim_due (s) | record (s, calls) | bot CPU (s)"
        " | bot CPU per post (ms) | fake CPU (s) | other CPU (cores) | idle tick after (median ms) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:"
        "|---:|---:|---:|---:|",
    ]
    for r in results:
        idle = f"{r.idle_after.median_ms:.2f}" if r.idle_after else "–"
        flag = "" if r.correct else " ⚠"
        out.append(
            f"| {r.db} | {r.n:,} | {r.concurrency} | {r.run} | {r.seconds:.2f}"
            f" | {r.posts_per_s:,.0f} | {r.floor_s:,.0f} | {r.speedup:.1f}× | {r.efficiency:.2f}"
            f" | {r.duplicates}{flag} | {r.missing}{flag} | {r.to_first_post_s:.2f}"
            f" | {r.posting_s:.2f} | {r.tail_s:.2f} | {r.claim_s:.2f}"
            f" | {r.record_s:.2f} ({r.record_batches}) | {r.bot_cpu_s:.1f}"
            f" | {r.bot_cpu_s / r.n * 1000:.2f} | {r.fake_cpu_s:.1f} | {r.other_cpu:.2f}"
            f" | {idle} |"
        )
    return out


def idle_table(results: Sequence[IdleResult]) -> list[str]:
    out = [
        "| db | subscriptions (none due) | passes | median (ms) | p95 (ms) | min (ms) | max (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        out.append(
            f"| {r.db} | {r.subscriptions:,} | {r.passes} | {r.median_ms:.2f} | {r.p95_ms:.2f}"
            f" | {r.min_ms:.2f} | {r.max_ms:.2f} |"
        )
    return out


def verdicts(report: Report, sizes: Sequence[int], idle_max: int) -> list[str]:
    out: list[str] = []
    dbs = list(dict.fromkeys([r.db for r in report.fanout] + [r.db for r in report.idle]))
    for db in dbs:
        mine = [r for r in report.fanout if r.db == db]
        wrong = [r for r in mine if not r.correct]
        if wrong:
            out.append(
                f"FAIL [{db}] delivery correctness: "
                + "; ".join(
                    f"N={r.n:,} c={r.concurrency}: {r.duplicates} duplicate(s), {r.missing}"
                    f" missing, {r.unexpected} unexpected, {r.answered_ok} answered ok,"
                    f" {r.db_sent} sent in the database"
                    for r in wrong
                )
            )
        elif mine:
            out.append(
                f"PASS [{db}] every run: each channel got exactly one post answered ok"
                " (no duplicate, none missing), and the database marks each one sent"
            )
        at_target = [r for r in mine if r.n == FANOUT_TARGET_N]
        by_c: dict[int, list[FanoutResult]] = {}
        for r in at_target:
            by_c.setdefault(r.concurrency, []).append(r)
        if not by_c:
            out.append(f"n/a  [{db}] 10,000 channels ≤ {FANOUT_TARGET_S:.0f} s: N=10,000 not run")
        else:
            c = DEFAULT_CONCURRENCY if DEFAULT_CONCURRENCY in by_c else min(by_c)
            runs = by_c[c]
            median = statistics.median(r.seconds for r in runs)
            ok = median <= FANOUT_TARGET_S and all(r.correct for r in runs)
            spread = (
                f" (median of {len(runs)} runs: "
                + ", ".join(f"{r.seconds:.1f}" for r in runs)
                + " s)"
                if len(runs) > 1
                else ""
            )
            others = ", ".join(
                f"{statistics.median(r.seconds for r in rs):.1f} s at {k}"
                for k, rs in sorted(by_c.items())
                if k != c
            )
            out.append(
                f"{'PASS' if ok else 'FAIL'} [{db}] 10,000 channels ≤ {FANOUT_TARGET_S:.0f} s,"
                f" no duplicate, none missing: {median:.1f} s at concurrency {c}"
                f"{' (the default)' if c == DEFAULT_CONCURRENCY else ''}{spread}, speed-up"
                f" {runs[0].floor_s / median:.0f}× over the {runs[0].floor_s:.0f} s sequential"
                " floor" + (f"; {others}" if others else "")
            )
        idle = sorted(
            (r for r in report.idle if r.db == db and not r.after_fanout),
            key=lambda r: r.subscriptions,
        )
        big = [i for i in idle if i.subscriptions == IDLE_TARGET_N]
        if not big:
            out.append(
                f"n/a  [{db}] idle tick < {IDLE_TARGET_MS:.0f} ms at 100,000: largest measured"
                f" {idle[-1].subscriptions if idle else 0:,} (--idle {idle_max})"
            )
        else:
            i = big[0]
            ok = i.median_ms < IDLE_TARGET_MS and i.p95_ms < IDLE_TARGET_MS
            out.append(
                f"{'PASS' if ok else 'FAIL'} [{db}] idle tick < {IDLE_TARGET_MS:.0f} ms at"
                f" 100,000 subscriptions: median {i.median_ms:.2f} ms, p95 {i.p95_ms:.2f} ms"
            )
        if len(idle) >= 2:
            small, large = idle[0], idle[-1]
            ratio = large.median_ms / small.median_ms
            flat = ratio <= 1.5 or large.median_ms - small.median_ms <= 1.0
            out.append(
                f"{'PASS' if flat else 'FAIL'} [{db}] idle tick does not grow with N: median"
                f" {small.median_ms:.2f} ms at {small.subscriptions:,}, {large.median_ms:.2f} ms"
                f" at {large.subscriptions:,} (×{ratio:.2f})"
            )
    cpus = len(os.sched_getaffinity(0))
    busiest = max((r.other_cpu for r in report.fanout), default=0.0)
    if busiest > OTHER_CPU_WARNING:
        out.append(
            f"NOTE other processes kept up to {busiest:.2f} of this machine's {cpus} cores busy"
            " during a fan-out: its time is pessimistic (the bot CPU per post is the steadier"
            " figure); rerun on an idle machine to judge the targets."
        )
    return out


def machine() -> dict[str, Any]:
    import aiohttp
    import slack_sdk.version
    import sqlalchemy

    return {
        "cpus": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "slack_sdk": slack_sdk.version.__version__,
        "sqlalchemy": sqlalchemy.__version__,
        **code_state(),
    }


def code_state() -> dict[str, Any]:
    """The commit measured, and whether bot/ had uncommitted changes (figures belong to code)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "bot"], cwd=ROOT, capture_output=True, text=True
        ).stdout.split("\n")
    except OSError:
        return {}
    return {"commit": head or None, "bot_uncommitted_files": sum(1 for line in dirty if line)}


# ----------------------------------------------------------------------------------------- main


def int_list(value: str) -> list[int]:
    try:
        out = [int(x.replace("_", "")) for x in value.split(",") if x.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of whole numbers: {value!r}") from None
    if not out or any(x < 1 for x in out):
        raise argparse.ArgumentTypeError(f"not a list of positive numbers: {value!r}")
    return out


def setup_bench_logging(level: str, path: Path) -> IO[str]:
    """The bot's own logging setup (``bot.logs``), written to a file instead of stderr."""
    setup_logging(level, [TOKEN])
    stream = path.open("w", encoding="utf-8")
    handler = logging.getLogger().handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return stream


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Delivery fan-out and idle-tick benchmark (see the module docstring)."
    )
    parser.add_argument(
        "--sizes", type=int_list, default=[1_000, 10_000], help="N, e.g. 1000,10000"
    )
    parser.add_argument(
        "--concurrency",
        type=int_list,
        default=[DEFAULT_CONCURRENCY, 100, 200],
        help="delivery_concurrency values tried at every N (default 50,100,200)",
    )
    parser.add_argument(
        "--idle",
        type=int,
        default=IDLE_TARGET_N,
        help="largest subscription count for the idle tick (also run at 1,000 and 10,000); 0: skip",
    )
    parser.add_argument(
        "--db",
        action="append",
        help="sqlite (default), postgresql (a throwaway local cluster) or a postgresql:// URL;"
        " may be repeated",
    )
    parser.add_argument("--delay", type=float, default=0.05, help="fake Slack answer delay (s)")
    parser.add_argument("--passes", type=int, default=20, help="timed idle passes per size")
    parser.add_argument(
        "--repeat", type=int, default=1, help="fan-out runs per N and concurrency (default 1)"
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="the bot's log level (its default, INFO, logs each post)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS / "fanout.json")
    args = parser.parse_args(argv)
    db_specs: list[str] = args.db or ["sqlite"]
    idle_sizes = sorted({s for s in (*IDLE_SIZES, args.idle) if 0 < s <= args.idle})

    RESULTS.mkdir(parents=True, exist_ok=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    log_stream = setup_bench_logging(args.log_level.upper(), RESULTS / "fanout.log")
    report = Report(
        started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        machine=machine(),
        args={
            "sizes": args.sizes,
            "concurrency": args.concurrency,
            "idle_sizes": idle_sizes,
            "db": db_specs,
            "delay": args.delay,
            "passes": args.passes,
            "repeat": args.repeat,
            "warmups": WARMUPS,
            "log_level": args.log_level.upper(),
        },
    )
    library = load_library(CONTENT)
    dirty = report.machine.get("bot_uncommitted_files")
    print(
        f"fan-out benchmark: {report.machine['cpus_usable']} usable CPU(s), Python"
        f" {report.machine['python']}, fake Slack delay {args.delay * 1000:.0f} ms, commit"
        f" {report.machine.get('commit')}"
        + (f" + uncommitted changes in {dirty} file(s) of bot/" if dirty else ""),
        flush=True,
    )
    fake = FakeSlackProcess(args.delay)
    try:
        for spec in db_specs:
            with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
                dbs = Databases(spec, Path(tmp))
                try:
                    for n in args.sizes:
                        for c in args.concurrency:
                            for k in range(1, args.repeat + 1):
                                r = run_fanout(dbs, fake, library, n, c, args.delay, args.passes, k)
                                report.fanout.append(r)
                                print(
                                    f"  [{dbs.label}] fan-out N={n:,} concurrency={c}:"
                                    f" {r.seconds:.2f} s ({r.speedup:.1f}× the floor),"
                                    f" {r.duplicates} duplicate(s), {r.missing} missing",
                                    flush=True,
                                )
                    for n in idle_sizes:
                        i = run_idle(dbs, fake, library, n, args.passes)
                        report.idle.append(i)
                        print(
                            f"  [{dbs.label}] idle tick at {n:,} subscriptions: median"
                            f" {i.median_ms:.2f} ms, p95 {i.p95_ms:.2f} ms",
                            flush=True,
                        )
                finally:
                    dbs.close()
    except (BenchError, subprocess.CalledProcessError) as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        return 1
    finally:
        fake.close()
        log_stream.close()

    report.verdicts = verdicts(report, args.sizes, args.idle)
    lines = [
        "",
        f"## Delivery fan-out (fake Slack answers each call after {args.delay * 1000:.0f} ms)",
        "",
        *fanout_table(report.fanout),
        "",
        f"## Idle tick (nothing due; median of {args.passes} passes after {WARMUPS} warm-ups)",
        "",
        *idle_table(report.idle),
        "",
        "## Verdict",
        "",
        *[f"- {v}" for v in report.verdicts],
        "",
    ]
    print("\n".join(lines))
    payload = asdict(report)
    args.out.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(
        f"results written to {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
