"""Migrations: a new database gets the whole schema, an older one is brought up to date, and a
current one is recognised without running Alembic (on SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from bot.store.engine import MIGRATIONS, head_revision
from bot.store.store import Store
from bot.store.tables import metadata
from tests.conftest import ROOT
from tests.e2e import bot_env, running, say
from tests.fakeslack import FakeSlack


def _alembic() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def test_head_revision_is_alembics_head() -> None:
    assert head_revision() == ScriptDirectory.from_config(_alembic()).get_current_head()


def test_a_new_database_gets_every_table(db_url: str) -> None:
    store = Store.open(db_url)
    try:
        assert store.schema_revision() == head_revision()
        tables = set(inspect(store.engine).get_table_names())
        assert {"subscriptions", "deliveries", "installations"} <= tables
    finally:
        store.close()


def test_an_older_database_is_upgraded_when_opened(db_url: str) -> None:
    store = Store.open(db_url, migrate=False)
    try:
        assert store.schema_revision() is None
        cfg = _alembic()
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        assert store.schema_revision() == "0001"
        assert "installations" not in inspect(store.engine).get_table_names()
        store.migrate()
        assert store.schema_revision() == head_revision()
        assert "installations" in inspect(store.engine).get_table_names()
    finally:
        store.close()


def test_a_current_database_is_recognised_without_loading_alembic(db_url: str) -> None:
    """Every command opens the store; when nothing is to migrate, Alembic is not even imported."""
    probe = (
        "import sys; from bot.store.store import Store; Store.open(sys.argv[1]).close();"
        " print('alembic' in sys.modules)"
    )
    run = [sys.executable, "-c", probe, db_url]
    first = subprocess.run(run, capture_output=True, text=True, check=True, cwd=ROOT)
    assert first.stdout.strip() == "True"  # a new database: migrated with Alembic
    again = subprocess.run(run, capture_output=True, text=True, check=True, cwd=ROOT)
    assert again.stdout.strip() == "False"


def test_the_tables_the_bot_uses_are_the_migrated_schema(db_url: str) -> None:
    """bot.store.tables describes the tables the migrations create, column for column: names, types,
    nullability, keys, unique constraints and indexes (Alembic's autogenerate finds nothing to
    change), so no statement the bot builds names a column the database lacks."""
    store = Store.open(db_url)
    try:
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            differences = compare_metadata(context, metadata)
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
    finally:
        store.close()
    assert differences == []
    assert tables == set(metadata.tables)


# imported by every Python process started with it on its path: writes, as the process exits,
# which of the modules we watch it loaded
_WATCH = """
import atexit, os, sys

def _report():
    loaded = {m for m in sys.modules if m.split(".")[0] == "alembic" or m.startswith("sqlalchemy.orm")}
    with open(os.environ["MODULES_REPORT"], "a") as out:
        out.write(" ".join(sorted(loaded)) + "\\n")

atexit.register(_report)
"""


def test_serve_and_tick_load_neither_alembic_nor_the_orm(db_url: str, tmp_path: Path) -> None:
    """On a migrated database, `serve --no-migrate` answering commands that write and read the
    store, and `tick` delivering, import neither Alembic nor SQLAlchemy's ORM (6 MB of memory)."""
    Store.open(db_url).close()
    (tmp_path / "watch").mkdir()
    (tmp_path / "watch" / "sitecustomize.py").write_text(_WATCH)
    report = tmp_path / "modules.txt"
    with FakeSlack() as slack:
        env = bot_env(
            slack.base_url,
            DATABASE_URL=db_url,
            MODULES_REPORT=str(report),
            PYTHONPATH=f"{tmp_path / 'watch'}:{ROOT}",
        )
        with running(["serve", "--no-migrate"], env, tmp_path) as bot:
            assert "09:00" in say(bot, slack, "subscribe daily 09:00 UTC")
            assert "09:00" in say(bot, slack, "status")
        at = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=30)
        ticked = subprocess.run(
            [sys.executable, "-m", "bot", "tick", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        assert slack.posts(), ticked.stdout + ticked.stderr  # the digest it delivered
    assert report.read_text().splitlines() == ["", ""]  # serve, then tick: neither loaded
