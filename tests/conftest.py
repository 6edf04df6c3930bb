"""The fixtures every test module shares: the real content and a scratch copy of it, the fake Slack,
the databases (SQLite, and SQLite plus PostgreSQL), and the bot in-process; free ports.

A module overrides a fixture of the same name where it needs something else (users in the fake
Slack, a fixture kept for the whole module, settings of its own)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.content.library import Library
from bot.content.loading import load_library
from tests.contenthelp import add_summit
from tests.fakeslack import FakeSlack

if TYPE_CHECKING:  # tests.e2e imports this module
    from tests.e2e import InProcessBot

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(CONTENT)


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the real content folder."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    return dest


@pytest.fixture
def soon(content_copy: Path) -> Library:
    """The content plus a summit 30 days after 1 December 2026."""
    add_summit(content_copy, "soon", date(2026, 12, 31), date(2027, 1, 2), name="Summit Soon")
    return load_library(content_copy)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API on loopback, with no users."""
    with FakeSlack() as fake:
        yield fake


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pg_bindir() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the tests: $TEST_DATABASE_URL, or a throwaway cluster we start.

    As root the cluster runs as the `postgres` user (the server refuses to run as root). Without
    a PostgreSQL server the tests that need it are skipped, except in CI, where they fail.
    """
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        yield given
        return
    bindir = _pg_bindir()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server not installed (.ci/run installs it)")
        pytest.skip("PostgreSQL server not installed")
    base = Path(tempfile.mkdtemp(prefix="declaration-bot-pg-"))
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        os.chmod(base, 0o700)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    run = subprocess.run
    run(
        [
            *prefix,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(base / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


def wait_until(predicate: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def fresh_database(url: str) -> str:
    """Empty a shared test database (every table of ours and Alembic's), and return its URL."""
    from sqlalchemy import text

    from bot.store.engine import make_engine
    from bot.store.tables import metadata

    engine = make_engine(url)
    with engine.begin() as conn:
        metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, once on SQLite (a file in the test's folder) and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"
        return
    yield fresh_database(request.getfixturevalue("postgres_url"))


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An empty SQLite database, a file in the test's folder (``db_url`` adds PostgreSQL)."""
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.fixture
def bot(slack: FakeSlack, db: str, tmp_path: Path) -> Iterator[InProcessBot]:
    """The app `declaration-bot serve` serves, in-process, on ``slack`` and ``db``."""
    from tests.e2e import bot_env, in_process

    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp_path) as b:
        yield b
