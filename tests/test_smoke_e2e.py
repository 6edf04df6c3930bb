"""The real entry points as processes: `declaration-bot serve` (uvicorn, the logging it sets up, its
start-up checks) answering signed requests over real HTTP on loopback, and `declaration-bot socket`
against the fake Socket Mode server (apps.connections.open hands out a ws://127.0.0.1 URL; envelopes
in, acks out). What the app answers is tested in-process (tests/test_http_e2e.py and the other
*_e2e files); this checks that each process serves it."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.e2e import (
    BOT_TOKEN,
    Bot,
    bot_env,
    button_press,
    command_fields,
    direct_message,
    event_body,
    mention,
    running,
    wait_logged,
)
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


@pytest.fixture(scope="module")
def socket_bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    tmp = tmp_path_factory.mktemp("socket")
    env = bot_env(slack.base_url, SLACK_APP_TOKEN="xapp-1-e2e")
    env.pop("SLACK_SIGNING_SECRET")
    with running(["socket"], env, tmp, wait_http=False) as b:
        try:
            slack.wait_socket_connected(timeout=30)
        except AssertionError:
            raise AssertionError(b.logs()) from None
        yield b


# --- serve --------------------------------------------------------------------------------------


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


# --- socket -------------------------------------------------------------------------------------


def command(text: str) -> dict[str, str]:
    return command_fields(text)


def test_connects_with_the_app_token(socket_bot: Bot, slack: FakeSlack) -> None:
    (opened,) = slack.calls_to("apps.connections.open")[:1]
    assert opened.token == "xapp-1-e2e"


def test_slash_command_is_acked_with_the_reply(socket_bot: Bot, slack: FakeSlack) -> None:
    ack = slack.send_envelope("slash_commands", command("bletchley"))
    payload = ack["payload"]
    assert payload["response_type"] == "ephemeral"
    assert "28 countries" in json.dumps(payload)


def test_a_channel_command_is_acked_with_its_answer(socket_bot: Bot, slack: FakeSlack) -> None:
    """A channel command reads the database: its answer comes in the envelope's ack too."""
    ack = slack.send_envelope("slash_commands", command("status"))
    payload = ack["payload"]
    assert payload["response_type"] == "ephemeral"
    assert "no subscription" in json.dumps(payload)


def test_share_and_escaping_over_socket_mode(socket_bot: Bot, slack: FakeSlack) -> None:
    ack = slack.send_envelope("slash_commands", command("share middle east"))
    assert ack["payload"]["response_type"] == "in_channel"
    ack = slack.send_envelope("slash_commands", command("<!channel>"))
    body = json.dumps(ack["payload"])
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body


def test_interactive_button_over_socket_mode(socket_bot: Bot, slack: FakeSlack) -> None:
    payload = button_press("share_topic", "france-china-ai", slack.response_url("sock-share"))
    slack.send_envelope("interactive", payload)
    slack.wait_for(lambda: bool(slack.responses.get("sock-share")))
    assert slack.responses["sock-share"][0]["response_type"] == "in_channel"


def test_a_malformed_payload_over_socket_mode_is_acknowledged_and_refused(
    socket_bot: Bot, slack: FakeSlack
) -> None:
    """The same check as over HTTP (bot.gate); acknowledged with nothing, so that Slack does not
    send it again, and one WARNING line."""
    ack = slack.send_envelope("slash_commands", command_fields("status", channel_id="<!channel>"))
    assert "payload" not in ack or not ack["payload"]
    wait_logged(socket_bot, "refused malformed request")
    logs = socket_bot.logs()
    assert "WARNING declaration_bot.gate refused malformed request status=ack type=command" in logs
    assert "field=channel_id team=T1 channel=-" in logs and "Traceback" not in logs


def _posts_to(slack: FakeSlack, channel: str) -> list[dict[str, object]]:
    posts = slack.calls_to("chat.postMessage")
    # the posts Slack took (one it refused, such as a reply to no message, is not there to read)
    return [c.params for c in posts if c.params.get("channel") == channel and c.response.get("ok")]


def test_a_mention_over_socket_mode_is_answered_once_in_its_thread(
    socket_bot: Bot, slack: FakeSlack
) -> None:
    said = mention("when is waic?", channel="CSOCK", ts="1700000100.000100")
    slack.said(said)  # in the channel's history, as on Slack, before the event tells of it
    delivery = event_body(said)
    ack = slack.send_envelope("events_api", delivery)
    assert not ack.get("payload")
    slack.wait_for(lambda: len(_posts_to(slack, "CSOCK")) == 1, timeout=10)
    (post,) = _posts_to(slack, "CSOCK")
    assert post["thread_ts"] == "1700000100.000100" and "`waic-2027`" in json.dumps(post)
    # Slack sends the same delivery again (its retry_attempt): acknowledged, not answered twice
    slack.send_envelope("events_api", delivery, retry_attempt=1)
    wait_logged(socket_bot, "event delivered again")
    assert "retry=1" in socket_bot.logs()
    assert len(_posts_to(slack, "CSOCK")) == 1


def test_a_direct_message_over_socket_mode_is_answered_in_the_dm(
    socket_bot: Bot, slack: FakeSlack
) -> None:
    own = direct_message("summits", channel="DSOCK", user="UBOT", bot_id="BBOT")
    slack.send_envelope("events_api", event_body(own))  # the bot's own message: not answered
    slack.send_envelope(
        "events_api", event_body(direct_message("prochain sommet", channel="DSOCK"))
    )
    slack.wait_for(lambda: len(_posts_to(slack, "DSOCK")) == 1, timeout=10)
    wait_logged(socket_bot, "dm answered sub=ShowTopic")
    (post,) = _posts_to(slack, "DSOCK")
    assert post.get("thread_ts") is None and "`ai-summit-geneva-2027`" in json.dumps(post)
