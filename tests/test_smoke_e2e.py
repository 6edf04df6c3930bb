"""The real entry point over real HTTP: `declaration-bot serve` as its own process (uvicorn, the
logging it sets up, its start-up checks), answering signed requests on loopback against the fake
Slack. What the app answers is tested in-process (tests/test_http_e2e.py and the other *_e2e
files); this checks that the process serves it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e import BOT_TOKEN, Bot, bot_env, running, wait_logged
from tests.fakeslack import FakeSlack


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("serve")
    with running(["serve"], bot_env(slack.base_url), tmp) as b:
        yield b


def test_healthz(bot: Bot) -> None:
    r = bot.get("/healthz")
    assert r.status == 200 and r.body == b"ok\n"


def test_a_command_is_answered_over_http(bot: Bot, slack: FakeSlack) -> None:
    r = bot.command("bletchley")
    assert r.status == 200 and "28 countries" in json.dumps(r.json())
    assert slack.calls_to("auth.test")  # the token was checked as the process started


def test_logs_one_line_per_event_without_secrets(bot: Bot) -> None:
    bot.command("topics", team_id="T77", channel_id="C77")
    wait_logged(bot, "team=T77 channel=C77")
    logs = bot.logs()
    assert "command sub=ListTopics team=T77 channel=C77" in logs
    assert BOT_TOKEN not in logs and "e2e-signing-secret" not in logs
