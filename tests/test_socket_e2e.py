"""Socket Mode end to end: `declaration-bot socket` as a subprocess against a fake Socket Mode server
(apps.connections.open hands out a ws://127.0.0.1 URL; envelopes in, acks out)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e import Bot, bot_env, button_press, command_fields, running
from tests.fakeslack import FakeSlack


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("socket")
    env = bot_env(slack.base_url, SLACK_APP_TOKEN="xapp-1-e2e")
    env.pop("SLACK_SIGNING_SECRET")
    with running(["socket"], env, tmp, wait_http=False) as b:
        try:
            slack.wait_socket_connected(timeout=30)
        except AssertionError:
            raise AssertionError(b.logs()) from None
        yield b


def command(text: str) -> dict[str, str]:
    return command_fields(text)


def test_connects_with_the_app_token(bot: Bot, slack: FakeSlack) -> None:
    (opened,) = slack.calls_to("apps.connections.open")[:1]
    assert opened.token == "xapp-1-e2e"


def test_slash_command_is_acked_with_the_reply(bot: Bot, slack: FakeSlack) -> None:
    ack = slack.send_envelope("slash_commands", command("bletchley"))
    payload = ack["payload"]
    assert payload["response_type"] == "ephemeral"
    assert "28 countries" in json.dumps(payload)


def test_share_and_escaping_over_socket_mode(bot: Bot, slack: FakeSlack) -> None:
    ack = slack.send_envelope("slash_commands", command("share middle east"))
    assert ack["payload"]["response_type"] == "in_channel"
    ack = slack.send_envelope("slash_commands", command("<!channel>"))
    body = json.dumps(ack["payload"])
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body


def test_interactive_button_over_socket_mode(bot: Bot, slack: FakeSlack) -> None:
    payload = button_press("share_topic", "france-china-ai", slack.response_url("sock-share"))
    slack.send_envelope("interactive", payload)
    slack.wait_for(lambda: bool(slack.responses.get("sock-share")))
    assert slack.responses["sock-share"][0]["response_type"] == "in_channel"
