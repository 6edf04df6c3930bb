"""What keeps channel commands from holding up the server: readers that never queue behind a writer,
a bounded number of channel commands at work, one HTTP pool for replies, PostgreSQL connections
pinged only when idle."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.services import Admission
from bot.slack.clients import HttpPool
from bot.store import engine
from bot.store.engine import make_engine
from bot.store.store import Store
from bot.subscriptions.schedule import parse_schedule
from tests.conftest import fresh_database
from tests.fakeslack import FakeSlack

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def test_readers_answer_while_a_writer_holds_the_sqlite_lock(tmp_path: Path) -> None:
    """`status`, readiness probes and metrics read what is committed while another process is in
    the middle of a write, instead of waiting for it (SQLite's busy timeout is 30 s)."""
    path = tmp_path / "bot.sqlite3"
    store = Store.open(f"sqlite:///{path}")
    schedule = parse_schedule(("daily", "09:00", "UTC"), "UTC")
    assert not isinstance(schedule, Exception)
    store.subscribe(team_id="T1", channel_id="C1", schedule=schedule, now=T0, lang="fr")
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # the write lock, held until we commit below
        other.execute("UPDATE subscriptions SET lang = 'zh' WHERE channel_id = 'C1'")
        seen = store.get("T1", "C1")
        assert seen is not None and seen.lang == "fr"  # the committed value, not the pending one
        assert [s.channel_id for s in store.list_team("T1")] == ["C1"]
        assert store.gauges(T0)["subscriptions"] == 1
        store.ping()
        other.execute("COMMIT")
    finally:
        other.close()
    seen = store.get("T1", "C1")
    assert seen is not None and seen.lang == "zh"
    store.close()


async def test_admission_keeps_at_most_its_limit_at_work_and_lets_every_command_through() -> None:
    admission = Admission(limit=2, wait=0.01)
    gate = asyncio.Event()
    inside = 0
    most = 0
    done: list[int] = []

    async def command(n: int) -> None:
        nonlocal inside, most
        admitted = await admission.enter()
        if not admitted:  # acknowledged after waiting: it still waits for a place to work
            await admission.enter_late()
        inside += 1
        most = max(most, inside)
        await gate.wait()
        inside -= 1
        admission.leave()
        done.append(n)

    tasks = [asyncio.create_task(command(n)) for n in range(6)]
    await asyncio.sleep(0.05)  # every command has either a place or has given up waiting
    assert inside == 2
    gate.set()
    await asyncio.gather(*tasks)
    assert most == 2 and sorted(done) == list(range(6))


async def test_replies_to_response_urls_share_one_session() -> None:
    pool = HttpPool()
    with FakeSlack() as fake:
        first = pool.session()
        assert await pool.respond(fake.response_url("k"), {"text": "one"}) == 200
        assert await pool.respond(fake.response_url("k"), {"text": "two"}) == 200
        assert pool.session() is first
        assert [r["text"] for r in fake.responses["k"]] == ["one", "two"]
    await pool.close()


def test_a_connection_the_server_closed_while_idle_is_replaced_before_use(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pooled PostgreSQL connections are pinged only after being idle (a ping before every use
    costs a round trip per transaction); one the server closed meanwhile (an idle timeout, a
    restart) is replaced, and the command that needed it is answered all the same."""
    monkeypatch.setattr(engine, "IDLE_PING_SECONDS", 0.2)
    store = Store.open(fresh_database(postgres_url))
    schedule = parse_schedule(("daily", "09:00", "UTC"), "UTC")
    assert not isinstance(schedule, Exception)
    store.subscribe(team_id="T1", channel_id="C1", schedule=schedule, now=T0, lang="fr")
    with store.reader.connect() as conn:
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    admin = make_engine(postgres_url)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    admin.dispose()
    time.sleep(0.3)  # idle longer than the ping threshold
    seen = store.get("T1", "C1")
    assert seen is not None and seen.lang == "fr"
    with store.reader.connect() as conn:
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != pid
    store.close()
