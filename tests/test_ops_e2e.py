"""Operating the bot: ``/readyz`` and ``/metrics`` against the fake Slack and a real database, from
the app in-process, and over real HTTP from `serve` processes where the counters are the point
(they are per process): metrics add up across processes that share ``PROMETHEUS_MULTIPROC_DIR``."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from tests.e2e import (
    BOT_TOKEN,
    SECRET,
    Client,
    bot_env,
    in_process,
    running,
    tick_process,
    wait_logged,
)
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import overdue_subscription, tick_env


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        yield fake


def samples(bot: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    reply = bot.get("/metrics")
    assert reply.status == 200
    assert {k.lower(): v for k, v in reply.headers.items()}["content-type"].startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_commands_without_user_text_tokens_or_teams(
    slack: FakeSlack, tmp_path: Path
) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with running(
        ["serve", "--no-clock"], bot_env(slack.base_url, DATABASE_URL=db), tmp_path
    ) as bot:
        for typed in ("topics", "topics", "bletchley", "search xoxb-leaked-123 <!channel> sekrit"):
            assert bot.command(typed, team_id="TEAMSECRET", channel_id="C77").status == 200
        wait_logged(bot, "sub=Search")
        seen = samples(bot)
        body = bot.get("/metrics").body.decode()
    ok = (("outcome", "ok"), ("subcommand", "ListTopics"))
    assert seen[("declaration_commands_total", ok)] == 2
    assert seen[("declaration_commands_total", (("outcome", "ok"), ("subcommand", "Search")))] == 1
    latency = ("declaration_command_seconds_count", (("subcommand", "ListTopics"),))
    assert seen[latency] == 2
    assert seen[("declaration_database_up", ())] == 1
    assert seen[("declaration_subscriptions", ())] == 0
    for secret in ("TEAMSECRET", "xoxb-leaked", "sekrit", "channel", BOT_TOKEN, SECRET, "C77"):
        assert secret not in body


def test_metrics_can_be_turned_off_and_readyz_answers(slack: FakeSlack, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    env = bot_env(slack.base_url, DATABASE_URL=db, METRICS="off")
    with in_process(env, tmp_path) as bot:
        assert bot.get("/metrics").status == 404
        ready = bot.get("/readyz")
        assert ready.status == 200 and ready.body == b"ready\n"
        assert bot.get("/healthz").status == 200


def test_readyz_fails_while_the_database_is_gone_and_healthz_does_not(
    slack: FakeSlack, tmp_path: Path, postgres_url: str
) -> None:
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    name = f"readyz_{time.monotonic_ns()}"
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    url = postgres_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        env = bot_env(slack.base_url, DATABASE_URL=url)
        with in_process(env, tmp_path) as bot:
            assert bot.get("/readyz").status == 200
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
            gone = bot.get("/readyz")
            assert gone.status == 503 and b"database" in gone.body
            assert bot.get("/healthz").status == 200  # alive, just not ready
            metrics = samples(bot)
            assert metrics[("declaration_database_up", ())] == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_metrics_add_up_across_processes(slack: FakeSlack, tmp_path: Path) -> None:
    """The clock's posts show in the web process's /metrics when both share the metrics folder."""
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = bot_env(slack.base_url, DATABASE_URL=db, PROMETHEUS_MULTIPROC_DIR=str(shared))
    with running(["serve", "--no-clock"], env, tmp_path) as bot:
        assert bot.command("topics").status == 200
        overdue_subscription(db, "C5", minutes=3)
        multiproc = tick_env(slack, db, PROMETHEUS_MULTIPROC_DIR=str(shared))
        out = tick_process(multiproc, tmp_path, datetime.now(UTC))  # a process of its own
        assert "1 delivered" in out
        seen = samples(bot)
    assert seen[("declaration_posts_total", (("outcome", "sent"),))] == 1
    assert seen[("declaration_delivery_pass_seconds_count", ())] == 1
    listed = (("outcome", "ok"), ("subcommand", "ListTopics"))
    assert seen[("declaration_commands_total", listed)] == 1
    assert json.dumps(sorted(p.name for p in shared.iterdir()))  # both processes wrote there
