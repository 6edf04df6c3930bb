"""The release steps as an operator runs them: `migrate`, starting with `--no-migrate`, and
`rotate-key`, after which every workspace still gets its posts (the command line's main()
in-process, as the operator would type each command; the fake Slack on loopback)."""

from __future__ import annotations

import asyncio
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.installations import DbInstallationStore, TokenCipher
from bot.store.engine import head_revision
from bot.store.store import Store
from bot.subscriptions.schedule import parse_schedule
from tests.e2e import run_cli
from tests.fakeslack import FakeSlack


def bot(args: list[str], tmp: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp), "PYTHONPATH": str(Path.cwd())}
    return run_cli(args, {**base, **env}, tmp)


def test_migrate_then_start_without_migrating(tmp_path: Path, slack: FakeSlack) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    env = {"DATABASE_URL": db, "SLACK_BOT_TOKEN": "xoxb-release", "SLACK_API_URL": slack.base_url}
    ticked = bot(["tick", "--at", "2026-12-01T09:00:00Z"], tmp_path, **env)
    assert ticked.returncode == 0  # tick migrates as it starts (no --no-migrate for tick)
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    early = bot(["clock", "--no-migrate"], tmp_path, **{**env, "DATABASE_URL": fresh})
    assert early.returncode == 2
    (line,) = early.stderr.strip().splitlines()
    assert "schema revision none" in line and "declaration-bot migrate" in line
    for _ in range(2):  # a release step may run again: nothing to do the second time
        done = bot(["migrate"], tmp_path, DATABASE_URL=fresh)
        assert done.returncode == 0, done.stderr
        assert f"revision {head_revision()}" in done.stdout
    store = Store.open(fresh, migrate=False)
    assert store.schema_revision() == head_revision()
    store.close()


def _install(store: Store, key: str, team: str) -> None:
    inst = Installation(
        app_id="A1",
        team_id=team,
        bot_token=f"xoxb-{team}",
        bot_id="B1",
        bot_user_id="UB",
        bot_scopes="commands,chat:write",
        user_id="U1",
    )
    asyncio.run(DbInstallationStore(store, TokenCipher(key)).async_save(inst))


def test_rotate_key_then_every_workspace_still_posts(tmp_path: Path, slack: FakeSlack) -> None:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    store = Store.open(db)
    now = datetime.now(UTC)
    for team, channel in (("T-one", "C-1"), ("T-two", "C-2")):
        _install(store, old, team)
        store.subscribe(
            team_id=team,
            channel_id=channel,
            schedule=parse_schedule(["daily", "09:00", "UTC"]),  # type: ignore[arg-type]
            now=now - timedelta(days=2),
        )
    store.close()

    missing = bot(["rotate-key"], tmp_path, DATABASE_URL=db)
    assert missing.returncode == 2 and "SLACK_TOKEN_ENCRYPTION_KEY" in missing.stderr
    wrong = bot(["rotate-key"], tmp_path, DATABASE_URL=db, SLACK_TOKEN_ENCRYPTION_KEY=new)
    assert wrong.returncode == 2 and "nothing was changed" in wrong.stderr
    both = f"{new},{old}"
    done = bot(["rotate-key"], tmp_path, DATABASE_URL=db, SLACK_TOKEN_ENCRYPTION_KEY=both)
    assert done.returncode == 0, done.stderr
    assert "2 installation(s) encrypted again" in done.stdout
    assert new not in done.stdout + done.stderr and old not in done.stdout + done.stderr

    # the old key is gone: the clock posts to both workspaces with the new key alone
    oauth = {
        "DATABASE_URL": db,
        "SLACK_API_URL": slack.base_url,
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "release-client-secret",
        "SLACK_TOKEN_ENCRYPTION_KEY": new,
        "MAX_LATE_HOURS": "72",
    }
    at = (now + timedelta(days=1)).replace(hour=9, minute=0, second=30, microsecond=0)
    out = bot(["tick", "--at", at.strftime("%Y-%m-%dT%H:%M:%SZ")], tmp_path, **oauth)
    assert out.returncode == 0, out.stderr
    assert {c.params["channel"]: c.token for c in slack.posts()} == {
        "C-1": "xoxb-T-one",
        "C-2": "xoxb-T-two",
    }
