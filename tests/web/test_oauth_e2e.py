"""Many workspaces end to end: the install page, the OAuth redirect (oauth.v2.access on the fake
Slack), each workspace's own token for its posts, uninstalling, forged and replayed states. The app
`serve` serves and the `tick` and `serve` commands run in-process."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store.store import Store
from tests import e2e
from tests.e2e import InProcessBot, in_process, run_cli
from tests.fakeslack import FakeSlack
from tests.oauthhelp import KEY, get, install, oauth_env, start_install

# slack_sdk's oauth.v2.access call still builds aiohttp's BasicAuth (its own code, not ours)
pytestmark = pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="UTC", team_id="T-ws1")
        fake.add_user("U2", tz="UTC", team_id="T-ws2")
        yield fake


@pytest.fixture
def bot(slack: FakeSlack, db: str, tmp_path: Path) -> Iterator[InProcessBot]:
    with in_process(oauth_env(slack, db), tmp_path) as b:
        yield b


def say(bot: InProcessBot, slack: FakeSlack, text: str, team: str, user: str, channel: str) -> str:
    return e2e.say(bot, slack, text, team_id=team, user_id=user, channel_id=channel)


def tick(slack: FakeSlack, db: str, tmp: Path, at: str) -> str:
    return e2e.run_tick(oauth_env(slack, db), tmp, at)


def test_two_workspaces_install_and_get_posts_with_their_own_tokens(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    for code in ("ws1", "ws2"):
        done = install(bot, code)
        assert done.status == 200, done.body
    assert [c.params.get("code") for c in slack.calls_to("oauth.v2.access")] == ["ws1", "ws2"]

    # tokens are encrypted at rest
    raw = (
        sqlite3.connect(db.removeprefix("sqlite:///"))
        .execute("SELECT data FROM installations")
        .fetchall()
    )
    assert len(raw) == 2 and all("xoxb-" not in row[0] for row in raw)

    assert "Subscribed" in say(bot, slack, "subscribe daily 09:00 UTC", "T-ws1", "U1", "C-A")
    # `always`: workspace 2 gets a digest every day, news or not
    assert "Subscribed" in say(bot, slack, "subscribe daily 09:00 UTC always", "T-ws2", "U2", "C-B")
    store = Store.open(db)
    due = store.get("T-ws1", "C-A").next_wake_at  # type: ignore[union-attr]
    store.close()
    assert due is not None
    out = tick(slack, db, tmp_path, (due + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert "2 delivered" in out
    tokens = {c.params["channel"]: c.token for c in slack.posts()}
    assert tokens == {"C-A": "xoxb-ws1", "C-B": "xoxb-ws2"}

    # workspace 1 uninstalls: its tokens and subscriptions go at once; workspace 2 carries on
    body = {
        "token": "x",
        "team_id": "T-ws1",
        "api_app_id": "A1",
        "type": "event_callback",
        "event_id": "EvU1",
        "event_time": int(time.time()),
        "event": {"type": "app_uninstalled"},
    }
    assert bot.signed(json.dumps(body), content_type="application/json").status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        store = Store.open(db)
        gone = store.get("T-ws1", "C-A") is None
        store.close()
        if gone:
            break
        time.sleep(0.1)
    assert gone
    rows = (
        sqlite3.connect(db.removeprefix("sqlite:///"))
        .execute("SELECT team_id FROM installations")
        .fetchall()
    )
    assert rows == [("T-ws2",)]
    out = tick(
        slack, db, tmp_path, (due + timedelta(days=1, seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert [c.params["channel"] for c in slack.posts()].count("C-A") == 1
    assert [c.params["channel"] for c in slack.posts()].count("C-B") == 2

    # reinstalling starts clean: no subscription comes back
    assert install(bot, "ws1").status == 200
    assert "no subscription" in say(bot, slack, "status", "T-ws1", "U1", "C-A")

    logs = bot.logs()
    for secret in ("xoxb-ws1", "xoxb-ws2", "oauth-client-secret-xyz", KEY):
        assert secret not in logs


def test_forged_and_replayed_states_are_refused(bot: InProcessBot, slack: FakeSlack) -> None:
    state, cookie = start_install(bot)
    forged = get(bot, "/slack/oauth_redirect?code=evil&state=forged-state", cookie)
    assert forged.status >= 400
    no_cookie = get(bot, f"/slack/oauth_redirect?code=evil&state={state}")
    assert no_cookie.status >= 400
    assert slack.calls_to("oauth.v2.access") == []
    ok = get(bot, f"/slack/oauth_redirect?code=good&state={state}", cookie)
    assert ok.status == 200
    replay = get(bot, f"/slack/oauth_redirect?code=again&state={state}", cookie)
    assert replay.status >= 400
    assert [c.params.get("code") for c in slack.calls_to("oauth.v2.access")] == ["good"]


def test_a_workspace_that_never_installed_gets_a_clear_answer(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    r = bot.command("help", team_id="T-unknown", response_url=slack.response_url("unknown"))
    assert r.status == 200
    slack.wait_for(lambda: bool(slack.responses.get("unknown")))
    assert "reinstall" in json.dumps(slack.responses["unknown"]).lower()


def test_oauth_without_an_encryption_key_refuses_to_start(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    env = oauth_env(slack, db)
    env.pop("SLACK_TOKEN_ENCRYPTION_KEY")
    r = run_cli(["serve"], env, tmp_path)
    assert r.returncode == 2 and "SLACK_TOKEN_ENCRYPTION_KEY is not set" in r.stderr
    env["SLACK_TOKEN_ENCRYPTION_KEY"] = "not-a-key"
    r = run_cli(["serve"], env, tmp_path)
    assert r.returncode == 2 and "SLACK_TOKEN_ENCRYPTION_KEY is malformed" in r.stderr
    assert "not-a-key" not in r.stderr


def test_admins_only_setting(slack: FakeSlack, db: str, tmp_path: Path) -> None:
    slack.add_user("UADMIN", tz="UTC", is_admin=True, team_id="T-ws1")
    env = oauth_env(slack, db, SUBSCRIPTION_MANAGERS="admins")
    with in_process(env, tmp_path) as b:
        assert install(b, "ws1").status == 200
        refused = say(b, slack, "subscribe daily 09:00 UTC", "T-ws1", "U1", "C-A")
        assert "only admins and owners" in refused
        assert "no subscription" in say(b, slack, "status", "T-ws1", "U1", "C-A")
        assert "Subscribed" in say(b, slack, "subscribe daily 09:00 UTC", "T-ws1", "UADMIN", "C-A")
        refused = say(b, slack, "unsubscribe", "T-ws1", "U1", "C-A")
        assert "only <@UADMIN>, who set up this channel's subscription, or a workspace" in refused
        assert "every day at 09:00" in say(b, slack, "status", "T-ws1", "U1", "C-A")
