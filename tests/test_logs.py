"""Log lines: plain text or JSON (``LOG_FORMAT=json``) with the same fields, and no secret in either,
not even inside a traceback."""

from __future__ import annotations

import io
import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.logs import REDACTED, JsonFormatter, Redactor, TextFormatter
from tests.e2e import BOT_TOKEN, SECRET, bot_env, running, wait_logged
from tests.fakeslack import FakeSlack

TOKENS = [
    "xoxb-1234-5678-abcdef",
    "xoxp-1234-5678-abcdef",
    "xoxa-2-abcdef",
    "xoxr-refresh-abc",
    "xoxe-1-refresh-token-abc",
    "xoxe.xoxp-1-rotating-abc",
    "xapp-1-A111-222-abcdef",
]


def _emit(formatter: logging.Formatter, msg: str, *args: object, exc: bool = False) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    log = logging.getLogger(f"test.logs.{time.monotonic_ns()}")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    if exc:
        try:
            raise RuntimeError(f"Slack said no to {TOKENS[0]} and {SECRET}")
        except RuntimeError:
            log.exception(msg, *args)
    else:
        log.info(msg, *args)
    return stream.getvalue()


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("fmt", [TextFormatter, JsonFormatter])
def test_every_token_shape_is_redacted(token: str, fmt: type[logging.Formatter]) -> None:
    out = _emit(fmt(Redactor()), "auth failed token=%s team=%s", token, "T1")  # type: ignore[call-arg]
    assert token not in out and REDACTED in out and "T1" in out


@pytest.mark.parametrize("fmt", [TextFormatter, JsonFormatter])
def test_secrets_inside_tracebacks_are_redacted(fmt: type[logging.Formatter]) -> None:
    out = _emit(fmt(Redactor([SECRET])), "delivery failed team=%s", "T1", exc=True)  # type: ignore[call-arg]
    assert "RuntimeError" in out and "Traceback" in out
    assert TOKENS[0] not in out and SECRET not in out


def test_json_lines_carry_the_event_and_its_fields() -> None:
    line = _emit(
        JsonFormatter(Redactor()),
        "post sent team=%s channel=%s outcome=%s duration_ms=%d",
        "T1",
        "C9",
        "sent",
        42,
    )
    record = json.loads(line)
    assert record["event"] == "post sent"
    assert (record["team"], record["channel"], record["outcome"]) == ("T1", "C9", "sent")
    assert record["duration_ms"] == "42" and record["level"] == "INFO"
    assert line.count("\n") == 1  # one object per line


def test_json_exceptions_stay_on_one_line() -> None:
    line = _emit(JsonFormatter(Redactor()), "command failed team=%s", "T1", exc=True)
    assert line.count("\n") == 1
    record = json.loads(line)
    assert record["event"] == "command failed" and "RuntimeError" in record["exception"]


@given(
    before=st.text(max_size=40),
    token=st.sampled_from(["xoxb-", "xoxp-", "xoxe-", "xoxe.xoxp-", "xapp-"]),
    body=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-",
        min_size=1,
        max_size=40,
    ),
)
def test_any_token_in_any_text_is_redacted(before: str, token: str, body: str) -> None:
    secret = token + body
    cleaned = Redactor()(f"{before} {secret} after")
    assert secret not in cleaned


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


def test_serve_logs_json_lines_when_asked(slack: FakeSlack, tmp_path: Path) -> None:
    env = bot_env(slack.base_url, LOG_FORMAT="json")
    with running(["serve", "--no-clock"], env, tmp_path) as bot:
        assert bot.command("topics", team_id="T77", channel_id="C77").status == 200
        wait_logged(bot, "C77")
        records = [json.loads(line) for line in bot.logs().splitlines() if line.strip()]
    commands = [r for r in records if r.get("event") == "command"]
    assert commands and commands[-1]["team"] == "T77" and commands[-1]["channel"] == "C77"
    assert commands[-1]["sub"] == "ListTopics"
    assert BOT_TOKEN not in json.dumps(records) and SECRET not in json.dumps(records)


def test_accept_errors_are_one_line_per_interval() -> None:
    """asyncio's "socket.accept() out of system resource", logged with a traceback at every
    failed accept, comes out as one line per interval saying how many were left out."""
    import errno
    import os

    from bot.logs import AcceptErrors

    now = [1000.0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter(Redactor()))
    log = logging.getLogger(f"test.accept.{time.monotonic_ns()}")
    log.propagate = False
    log.addHandler(handler)
    log.addFilter(AcceptErrors(interval=60, clock=lambda: now[0]))
    error = OSError(errno.EMFILE, os.strerror(errno.EMFILE))
    for second in range(130):
        now[0] = 1000.0 + second
        for _ in range(50):  # 50 failed accepts a second
            log.error(
                "socket.accept() out of system resource\nsocket: <socket fd=6>",
                exc_info=(OSError, error, None),
            )
    log.error("something else")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 4, lines
    assert lines[0].endswith(
        "connections not accepted: Too many open files errno=EMFILE left_out=0 next_line_in=60s"
    )
    assert "left_out=2999" in lines[1] and "left_out=2999" in lines[2]
    assert lines[3].endswith("something else")
