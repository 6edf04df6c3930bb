"""A request whose body was changed after Slack signed it is refused with 401, as is one signed
with another secret, one whose signature is for another timestamp, or one too old or too far in
the future: whoever changes a command on its way (a proxy, a replay) cannot make the bot act on
it. Checked through the signature check's own interface, and over HTTP on the bot's real app."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator

import pytest

from bot.web import RequestSigning
from tests.e2e import (
    FORM,
    SECRET,
    InProcessBot,
    bot_env,
    command_fields,
    in_process,
    signature,
    signed_headers,
)
from tests.fakeslack import FakeSlack

NOW = 1_790_000_000  # the check's clock: a fixed instant
BODY = urllib.parse.urlencode(command_fields("subscribe daily 09:00 UTC")).encode()


def check() -> RequestSigning:
    return RequestSigning(SECRET, lambda: float(NOW))


def headers(body: bytes, *, timestamp: int = NOW, secret: str = SECRET) -> dict[str, str]:
    """As Slack sends them (lower-case, as Starlette gives them to the check)."""
    ts = str(timestamp)
    return {"x-slack-request-timestamp": ts, "x-slack-signature": signature(body, ts, secret)}


def test_the_body_slack_signed_is_accepted() -> None:
    assert check().valid(BODY, headers(BODY))
    # the whole window: five minutes either way
    assert check().valid(BODY, headers(BODY, timestamp=NOW - 300))
    assert check().valid(BODY, headers(BODY, timestamp=NOW + 300))


@pytest.mark.parametrize(
    "changed",
    [
        BODY.replace(b"subscribe", b"unsubscri"),  # a word changed, same length
        BODY + b"&text=unsubscribe",  # a field added
        BODY[:-1],  # one byte cut
        BODY[:10] + bytes([BODY[10] ^ 1]) + BODY[11:],  # one bit flipped
        b"",  # the body dropped
    ],
)
def test_a_body_changed_after_signing_is_refused(changed: bytes) -> None:
    assert changed != BODY
    assert not check().valid(changed, headers(BODY))


def test_a_signature_made_with_another_secret_or_for_another_time_is_refused() -> None:
    assert not check().valid(BODY, headers(BODY, secret="another-secret"))
    stale = headers(BODY, timestamp=NOW - 10)
    stale["x-slack-request-timestamp"] = str(NOW)  # the signature was for another instant
    assert not check().valid(BODY, stale)


def test_a_request_signed_too_long_ago_or_ahead_is_refused() -> None:
    assert not check().valid(BODY, headers(BODY, timestamp=NOW - 301))
    assert not check().valid(BODY, headers(BODY, timestamp=NOW + 301))
    assert not check().valid(BODY, headers(BODY, timestamp=NOW - 3600))


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"x-slack-request-timestamp": str(NOW)},  # no signature
        {"x-slack-signature": "v0=00"},  # no timestamp
        {"x-slack-request-timestamp": "", "x-slack-signature": "v0=00"},
        {"x-slack-request-timestamp": "-5", "x-slack-signature": "v0=00"},
        {"x-slack-request-timestamp": "１２３", "x-slack-signature": "v0=00"},  # not ASCII digits
        # letters among the digits: refused as unsigned, not a crash (int() would raise on them)
        {"x-slack-request-timestamp": "17900000ab", "x-slack-signature": "v0=00"},
    ],
)
def test_a_request_without_a_usable_signature_is_refused(bad: dict[str, str]) -> None:
    # already by its headers, before a byte of its body is read (a body is read up to 1 MB)
    assert not check().fresh(bad)
    assert not check().valid(BODY, bad)


def test_a_signature_without_its_version_prefix_is_refused() -> None:
    h = headers(BODY)
    h["x-slack-signature"] = h["x-slack-signature"].removeprefix("v0=")
    assert not check().valid(BODY, h)
    h["x-slack-signature"] = "v1=" + h["x-slack-signature"]
    assert not check().valid(BODY, h)


def test_a_signature_that_is_not_text_is_refused_not_a_crash() -> None:
    """A signature header with a character no encoding can write (a lone surrogate, as a
    transport that decodes bytes leniently may produce) is refused like any wrong signature."""
    h = headers(BODY)
    h["x-slack-signature"] = h["x-slack-signature"][:-1] + "\udc80"
    assert not check().valid(BODY, h)


# --- over HTTP, on the bot's real app -------------------------------------------------------------


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="UTC")
        yield fake


@pytest.fixture(scope="module")
def bot(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessBot]:
    tmp = tmp_path_factory.mktemp("signing")
    db = f"sqlite:///{tmp / 'bot.sqlite3'}"
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp) as b:
        yield b


def test_over_http_a_changed_body_gets_401_and_changes_nothing(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    signed = urllib.parse.urlencode(command_fields("subscribe daily 09:00 UTC", channel_id="CX"))
    sent = signed.replace("CX", "CY")  # the channel changed on the way
    r = bot.post(sent, {"Content-Type": FORM, **signed_headers(signed)})
    assert r.status == 401
    assert bot.store.get("T1", "CX") is None and bot.store.get("T1", "CY") is None
    # the same request as signed is taken
    r = bot.post(signed, {"Content-Type": FORM, **signed_headers(signed)})
    assert r.status == 200
    slack.wait_for(lambda: bot.store.get("T1", "CX") is not None)
    assert bot.store.get("T1", "CY") is None


def test_over_http_a_stale_signature_gets_401(bot: InProcessBot) -> None:
    body = urllib.parse.urlencode(command_fields("help"))
    old = int(time.time()) - 3600
    r = bot.post(body, {"Content-Type": FORM, **signed_headers(body, timestamp=old)})
    assert r.status == 401
