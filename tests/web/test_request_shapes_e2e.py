"""Whatever arrives at /slack/events, the answer is never a 5xx: the signature is checked on the raw
bytes before anything parses the body (401 whatever the body), and a signed body that does not parse
or lacks what Slack always sends gets 400 (or an empty 200), sent to the app ``serve`` serves
(in-process, as its ASGI app)."""

from __future__ import annotations

import json
import time
import urllib.parse
from collections.abc import Iterator

import pytest

from tests.e2e import (
    FORM,
    JSON,
    InProcessBot,
    bot_env,
    command_fields,
    in_process,
    signed_headers,
)
from tests.e2e import signature as sign
from tests.fakeslack import FakeSlack

COMMAND = urllib.parse.urlencode(command_fields("topics")).encode()


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessBot]:
    tmp = tmp_path_factory.mktemp("shapes")
    with FakeSlack() as slack:
        env = bot_env(slack.base_url, DATABASE_URL=f"sqlite:///{tmp / 'bot.sqlite3'}")
        with in_process(env, tmp) as b:
            yield b


def post(bot: InProcessBot, body: bytes, content_type: str, headers: dict[str, str]) -> int:
    return bot.post(body, {"Content-Type": content_type, **headers}).status


def signed(body: bytes) -> dict[str, str]:
    return signed_headers(body)


BODIES = [
    pytest.param(COMMAND, FORM, id="a real slash command"),
    pytest.param(b"payload=notjson", FORM, id="payload not JSON"),
    pytest.param(b"[1, 2, 3]", JSON, id="JSON array"),
    pytest.param(b"\xff\xfe\x00garbage", FORM, id="invalid UTF-8"),
    pytest.param(b"", FORM, id="empty"),
    pytest.param(b'{"type": "event_callback"', JSON, id="truncated JSON"),
]


@pytest.mark.parametrize(("body", "content_type"), BODIES)
@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda b: {}, id="no signature"),
        pytest.param(
            lambda b: {
                "X-Slack-Request-Timestamp": str(int(time.time())),
                "X-Slack-Signature": "v0=00",
            },
            id="wrong signature",
        ),
        pytest.param(
            lambda b: {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": sign(b, "abc")},
            id="non-numeric timestamp",
        ),
        pytest.param(
            lambda b: (
                lambda ts: {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(b, ts)}
            )(f"+{int(time.time())}"),
            id="signed timestamp with a plus sign",
        ),
        pytest.param(
            lambda b: (
                lambda ts: {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sign(b, ts)}
            )(str(int(time.time()) - 600)),
            id="ten minutes old",
        ),
        pytest.param(
            lambda b: (
                lambda ts: {
                    "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": sign(b, ts, "other"),
                }
            )(str(int(time.time()))),
            id="another app's secret",
        ),
    ],
)
def test_unsigned_requests_get_401_whatever_the_body(
    bot: InProcessBot, body: bytes, content_type: str, headers: object
) -> None:
    assert post(bot, body, content_type, headers(body)) == 401  # type: ignore[operator]


# signed bodies that do not parse at all
UNPARSABLE = [
    pytest.param(b"payload=notjson", FORM, id="payload not JSON"),
    pytest.param(b"[1, 2, 3]", JSON, id="JSON array"),
    pytest.param(b"\xff\xfe\x00garbage", FORM, id="invalid UTF-8"),
    pytest.param(b'{"type": "event_callback"', JSON, id="truncated JSON"),
    pytest.param(b"payload=%5B%5D", FORM, id="payload is a JSON array"),
]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        *UNPARSABLE,
        pytest.param(
            urllib.parse.urlencode({"payload": json.dumps({"type": "block_actions"})}).encode(),
            FORM,
            id="block_actions without actions",
        ),
        pytest.param(
            urllib.parse.urlencode(
                {
                    "payload": json.dumps(
                        {"type": "block_actions", "actions": [{}], "team": {"id": "T1"}}
                    )
                }
            ).encode(),
            FORM,
            id="block_actions with an empty action",
        ),
        pytest.param(
            urllib.parse.urlencode(
                {
                    "payload": json.dumps(
                        {"type": "view_submission", "view": {"callback_id": "nope"}}
                    )
                }
            ).encode(),
            FORM,
            id="unknown view_submission",
        ),
        pytest.param(b'{"type": "event_callback"}', JSON, id="event_callback without event"),
        pytest.param(
            json.dumps(
                {"type": "event_callback", "team_id": "T1", "event": {"type": "app_home_opened"}}
            ).encode(),
            JSON,
            id="app_home_opened without user",
        ),
        pytest.param(b"command=%2Fdeclaration", FORM, id="slash command with no other field"),
        pytest.param(b"", FORM, id="empty"),
    ],
)
def test_signed_but_malformed_requests_never_get_a_5xx(
    bot: InProcessBot, body: bytes, content_type: str
) -> None:
    status = post(bot, body, content_type, signed(body))
    assert status in (200, 400, 404), status


@pytest.mark.parametrize(("body", "content_type"), UNPARSABLE)
def test_a_signed_body_that_does_not_parse_gets_400(
    bot: InProcessBot, body: bytes, content_type: str
) -> None:
    reply = bot.post(body, {"Content-Type": content_type, **signed(body)})
    assert reply.status == 400 and reply.body == b"malformed request body\n"


def test_a_signed_real_command_still_works(bot: InProcessBot) -> None:
    assert post(bot, COMMAND, FORM, signed(COMMAND)) == 200
