"""The delivery faults table on its own: what each Slack answer to a post means."""

from __future__ import annotations

import pytest
from aiohttp import ClientConnectionError, ClientConnectorError, ConnectionTimeoutError
from aiohttp.client_reqrep import ConnectionKey

from bot.delivery.faults import (
    FAULTS,
    PAUSING,
    Verdict,
    classify,
    rate_limited,
    retry_after,
    settles,
)
from bot.delivery.outcomes import Status, last_result, read_last_result

V = Verdict

# every row of the table, as Slack answers it (HTTP 200 with ok: false, the usual case)
ROWS = {
    "ratelimited": V.RATE_LIMITED,
    "rate_limited": V.RATE_LIMITED,
    "service_unavailable": V.RETRY,
    "request_timeout": V.RETRY,
    "internal_error": V.UNCERTAIN,
    "fatal_error": V.UNCERTAIN,
    "channel_not_found": V.PAUSE_CHANNEL,
    "is_archived": V.PAUSE_CHANNEL,
    "not_in_channel": V.PAUSE_CHANNEL,
    "restricted_action": V.PAUSE_CHANNEL,
    "restricted_action_read_only_channel": V.PAUSE_CHANNEL,
    "restricted_action_thread_only_channel": V.PAUSE_CHANNEL,
    "restricted_action_non_threadable_channel": V.PAUSE_CHANNEL,
    "ekm_access_denied": V.PAUSE_CHANNEL,
    "user_not_found": V.PAUSE_CHANNEL,  # a person's own subscription, once they have left
    "user_disabled": V.PAUSE_CHANNEL,
    "invalid_auth": V.PAUSE_WORKSPACE,
    "account_inactive": V.PAUSE_WORKSPACE,
    "token_revoked": V.PAUSE_WORKSPACE,
    "token_expired": V.PAUSE_WORKSPACE,
    "missing_scope": V.PAUSE_WORKSPACE,
    "not_authed": V.PAUSE_WORKSPACE,
    "msg_too_long": V.REFUSED,
    "invalid_blocks": V.REFUSED,
    "msg_blocks_too_long": V.REFUSED,
    "no_text": V.REFUSED,
}


def test_the_table_is_the_one_tested_here() -> None:
    assert FAULTS == ROWS


@pytest.mark.parametrize(("code", "verdict"), sorted(ROWS.items()))
def test_every_row(code: str, verdict: Verdict) -> None:
    assert classify(200, code, None) is verdict


@pytest.mark.parametrize(
    ("status", "error", "verdict"),
    [
        # HTTP 429 is a rate limit whatever the body says
        (429, "ratelimited", V.RATE_LIMITED),
        (429, "", V.RATE_LIMITED),
        (429, None, V.RATE_LIMITED),
        (429, "something_else", V.RATE_LIMITED),
        # a 5xx may have posted: look before sending again
        (500, None, V.UNCERTAIN),
        (500, "", V.UNCERTAIN),
        (502, None, V.UNCERTAIN),
        (503, "service_unavailable", V.UNCERTAIN),
        (504, "request_timeout", V.UNCERTAIN),
        (500, "an_unknown_code", V.UNCERTAIN),
        (500, "internal_error", V.UNCERTAIN),
        (200, "fatal_error", V.UNCERTAIN),
        # a code that needs a person, or our bug, is not hidden by a 5xx
        (500, "channel_not_found", V.PAUSE_CHANNEL),
        (503, "token_revoked", V.PAUSE_WORKSPACE),
        (500, "invalid_blocks", V.REFUSED),
        (500, "ratelimited", V.RATE_LIMITED),
        # retry codes outside a 5xx
        (200, "service_unavailable", V.RETRY),
        (400, "request_timeout", V.RETRY),
        # codes we do not know fail, and are not sent again
        (200, "an_unknown_code", V.FAILED),
        (400, "invalid_arguments", V.FAILED),
        (404, None, V.FAILED),
        (None, None, V.FAILED),
    ],
)
def test_status_and_code(status: int | None, error: str | None, verdict: Verdict) -> None:
    assert classify(status, error, None) is verdict


def _connector_error() -> ClientConnectorError:
    key = ConnectionKey("slack.com", 443, True, None, None, None, None)
    return ClientConnectorError(key, OSError(111, "Connection refused"))


@pytest.mark.parametrize(
    ("exception", "verdict"),
    [
        # the connection never opened: nothing was posted
        (_connector_error(), V.RETRY),
        (ConnectionTimeoutError("connect timed out"), V.RETRY),
        # the request may have reached Slack: its answer did not reach us
        (TimeoutError(), V.UNCERTAIN),
        (ClientConnectionError("server disconnected"), V.UNCERTAIN),
        (ConnectionResetError(104, "reset by peer"), V.UNCERTAIN),
        (OSError("broken pipe"), V.UNCERTAIN),
    ],
)
def test_exceptions(exception: BaseException, verdict: Verdict) -> None:
    assert classify(None, None, exception) is verdict
    # an exception decides, whatever else is passed
    assert classify(200, "channel_not_found", exception) is verdict


def test_uncertain_posts_settle_after_a_gateway_gave_up_or_no_answer() -> None:
    assert settles(502, None) and settles(504, None) and settles(None, TimeoutError())
    assert not settles(500, None) and not settles(200, None)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "30"}, 30.0),
        ({"retry-after": "7"}, 7.0),
        ({"Retry-After": "0"}, 1.0),  # at least a second
        ({"Retry-After": "86400"}, 600.0),  # at most ten minutes
        ({"Retry-After": "soon"}, 1.0),
        ({}, 1.0),
        (None, 1.0),
    ],
)
def test_retry_after(headers: dict[str, str] | None, seconds: float) -> None:
    assert retry_after(headers) == seconds


def test_rate_limited_for_any_method() -> None:
    assert rate_limited(429, None) and rate_limited(200, "ratelimited")
    assert not rate_limited(200, "not_in_channel") and not rate_limited(500, None)


def test_pausing_codes_are_the_pause_rows() -> None:
    pauses = {V.PAUSE_CHANNEL, V.PAUSE_WORKSPACE}
    assert {c for c, v in ROWS.items() if v in pauses} == PAUSING


@pytest.mark.parametrize(
    ("status", "detail", "stored"),
    [
        (Status.SENT, None, "sent"),
        (Status.NOTHING_NEW, None, "nothing new"),
        (Status.RETRY, "x (HTTP 500)", "retrying: x (HTTP 500)"),
        (Status.FAILED, "channel_not_found", "failed: channel_not_found"),
        (Status.SKIPPED, "more than 6:00:00 late", "skipped: more than 6:00:00 late"),
        (Status.UNCERTAIN, "gave up", "uncertain: gave up"),
    ],
)
def test_last_results_are_stored_as_before_and_read_back(
    status: Status, detail: str | None, stored: str
) -> None:
    assert last_result(status, detail) == stored
    assert read_last_result(stored) == (status, detail or "")


def test_statuses_are_the_stored_words() -> None:
    stored = {"claimed", "sent", "failed", "skipped", "nothing_new", "uncertain"}
    assert stored <= {s.value for s in Status}
    assert read_last_result("paused by someone") == (None, "paused by someone")
    assert read_last_result(None) == (None, "")
    assert Status.RETRY.metric == "retried" and Status.SENT.metric == "sent"
