"""Log lines: plain text or JSON (``LOG_FORMAT=json``) with the same fields, and no secret in either,
not even inside a traceback."""

from __future__ import annotations

import io
import json
import logging
import time
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


# lines slack_sdk and Bolt write at DEBUG, as they write them
DEBUG_LINES = [
    "Sending a request - url: POST https://slack.com/api/oauth.v2.access, params: {}, files: {}, "
    "data: {'code': 'CODE-1234.5678.abcdef'}, json: {}, proxy: {}, headers: {}",
    "Handling an OAuth callback success (request: {'code': ['CODE-1234.5678.abcdef'], "
    "'state': ['STATE-1796469031.Mj.tp']})",
    "Handling an OAuth callback failure (reason: invalid_state, error: None, request: "
    "{'code': ['CODE-1234.5678.abcdef'], 'state': ['STATE-forged']})",
    "GET /slack/oauth_redirect?code=CODE-1234.5678.abcdef&state=STATE-1796469031.Mj.tp HTTP/1.1",
    "Sending a request - url: https://hooks.slack.com/commands/T1/HOOK-123/abcdef, body: {}",
    "body: token=x&team_id=T1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2FHOOK-123"
    "%2Fabcdef&trigger_id=1.2",
    '{"response_url":"https:\\/\\/hooks.slack.com\\/actions\\/T1\\/HOOK-123\\/abcdef"}',
    "payload: {'type': 'block_actions', 'response_url': 'https://hooks.slack.com/actions/T1/HOOK-"
    "123/abcdef'}",
]


@pytest.mark.parametrize("line", DEBUG_LINES)
@pytest.mark.parametrize("fmt", [TextFormatter, JsonFormatter])
def test_response_urls_and_oauth_codes_are_redacted(
    line: str, fmt: type[logging.Formatter]
) -> None:
    out = _emit(fmt(Redactor()), "%s", line)  # type: ignore[call-arg]
    for secret in ("CODE-", "STATE-", "HOOK-"):
        assert secret not in out
    assert REDACTED in out


def test_our_own_fields_named_alike_are_kept() -> None:
    line = "exit code=2 state=paused the state of the code"
    assert Redactor()(line) == line


def test_every_url_the_webhook_client_logs_is_redacted() -> None:
    """slack_sdk's webhook client posts to response URLs and incoming webhooks only."""
    line = "Sending a request - url: http://127.0.0.1:3000/response/KEY-1, body: {}, headers: {}"
    assert "KEY-1" not in Redactor()(line, "slack_sdk.webhook.async_client")
    assert "KEY-1" in Redactor()(line, "slack_sdk.web.async_base_client")  # an API URL: kept


@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
def test_serve_at_debug_logs_no_oauth_code_and_no_response_url(
    slack: FakeSlack, tmp_path: Path
) -> None:
    """With LOG_LEVEL=DEBUG, slack_sdk writes the oauth.v2.access request (with the code) and
    every response URL it posts to; Bolt writes the callback's query. None of them shows."""
    from tests.oauthhelp import oauth_env, start_install

    code = "CODE4242SECRET"
    env = oauth_env(slack, f"sqlite:///{tmp_path / 'oauth.sqlite3'}", LOG_LEVEL="DEBUG")
    with running(["serve", "--no-clock"], env, tmp_path) as bot:
        state, cookie = start_install(bot)  # type: ignore[arg-type]
        back = bot.get(f"/slack/oauth_redirect?code={code}&state={state}", {"Cookie": cookie})
        assert back.status == 200
        # a workspace that never installed: Bolt answers at the response URL (webhook client)
        key = "RESPONSEKEY77"
        bot.command("help", team_id="T-unknown", response_url=slack.response_url(key))
        slack.wait_for(lambda: bool(slack.responses.get(key)))
        wait_logged(bot, "Received the following response")
        logs = bot.logs()
    assert "Sending a request" in logs and "oauth.v2.access" in logs  # DEBUG it was
    # the fake Slack names the installed team after the code: that id is not the code
    assert code not in logs.replace(f"T-{code}", "T-…").replace(f"Team {code}", "Team …")
    assert key not in logs and state not in logs


def test_requests_refused_past_the_concurrency_limit_are_one_line_per_interval() -> None:
    """uvicorn logs "Exceeded concurrency limit." for each request it answers 503."""
    from bot.logs import ConcurrencyRefusals

    now = [0.0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter(Redactor()))
    log = logging.getLogger(f"test.concurrency.{time.monotonic_ns()}")
    log.propagate = False
    log.addHandler(handler)
    log.addFilter(ConcurrencyRefusals(interval=60, clock=lambda: now[0]))
    for second in range(61):
        now[0] = float(second)
        for _ in range(100):
            log.warning("Exceeded concurrency limit.")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(
        "requests refused: concurrency limit reached status=503 left_out=0 next_line_in=60s"
    )
    assert "left_out=5999" in lines[1]


def test_serve_throttles_what_uvicorn_and_asyncio_log_per_connection() -> None:
    from bot.logs import AcceptErrors, ConcurrencyRefusals, setup_logging
    from tests.e2e import _logging_kept

    with _logging_kept():
        setup_logging("INFO")
        setup_logging("INFO")  # once each, however often logging is set up
        kinds = [type(f) for f in logging.getLogger("asyncio").filters]
        assert kinds.count(AcceptErrors) == 1
        kinds = [type(f) for f in logging.getLogger("uvicorn.error").filters]
        assert kinds.count(ConcurrencyRefusals) == 1
