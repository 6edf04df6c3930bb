"""What Slack's answer to a post means for it: one table, one pure function.

:func:`classify` reads an answer (HTTP status, Slack's error code, or the exception the request
raised) and says what the deliverer does next (a :class:`Verdict`). Most answers are decided by
:data:`FAULTS`, one row per error code; the HTTP status and the exception decide the rest. A new
rule is one row here, and, for a pause, its phrase ``pause.<code>`` in ``bot/locales/messages.yml``
(said by :func:`bot.i18n.pause_reason`; a test checks every pausing code has one).

The grouping is ours (Slack publishes none), from Slack's own pages: the errors of
https://api.slack.com/methods/chat.postMessage and https://api.slack.com/docs/rate-limits.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import aiohttp


class Verdict(StrEnum):
    """What the deliverer does after a failed post."""

    RETRY = "retry"  # not posted: try again after a back-off
    UNCERTAIN = "uncertain"  # may have been posted: look in the history before trying again
    RATE_LIMITED = "rate_limited"  # not posted: the workspace waits Retry-After, then again
    PAUSE_CHANNEL = "pause_channel"  # a person must act for this channel: pause it
    PAUSE_WORKSPACE = "pause_workspace"  # the workspace's token is no good: pause all of it
    REFUSED = "refused"  # a bug in our message: failed, not sent again
    FAILED = "failed"  # an answer we do not know: failed, not sent again


FAULTS: dict[str, Verdict] = {
    # Slack is busy or down for a moment
    "ratelimited": Verdict.RATE_LIMITED,
    "rate_limited": Verdict.RATE_LIMITED,
    "service_unavailable": Verdict.RETRY,
    "request_timeout": Verdict.RETRY,
    # answers after which Slack may have posted the message all the same
    "internal_error": Verdict.UNCERTAIN,
    "fatal_error": Verdict.UNCERTAIN,
    # the channel needs a person
    "channel_not_found": Verdict.PAUSE_CHANNEL,
    "is_archived": Verdict.PAUSE_CHANNEL,
    "not_in_channel": Verdict.PAUSE_CHANNEL,
    "restricted_action": Verdict.PAUSE_CHANNEL,
    "restricted_action_read_only_channel": Verdict.PAUSE_CHANNEL,
    "restricted_action_thread_only_channel": Verdict.PAUSE_CHANNEL,
    "restricted_action_non_threadable_channel": Verdict.PAUSE_CHANNEL,
    "ekm_access_denied": Verdict.PAUSE_CHANNEL,
    # a person's own subscription (their DM), once they have left the workspace
    "user_not_found": Verdict.PAUSE_CHANNEL,
    "user_disabled": Verdict.PAUSE_CHANNEL,
    # the workspace needs a person (its token)
    "invalid_auth": Verdict.PAUSE_WORKSPACE,
    "account_inactive": Verdict.PAUSE_WORKSPACE,
    "token_revoked": Verdict.PAUSE_WORKSPACE,
    "token_expired": Verdict.PAUSE_WORKSPACE,
    "missing_scope": Verdict.PAUSE_WORKSPACE,
    "not_authed": Verdict.PAUSE_WORKSPACE,
    # our message is wrong
    "msg_too_long": Verdict.REFUSED,
    "invalid_blocks": Verdict.REFUSED,
    "msg_blocks_too_long": Verdict.REFUSED,
    "no_text": Verdict.REFUSED,
}

# the codes that pause, each said by its phrase "pause.<code>"
PAUSING = frozenset(
    code
    for code, verdict in FAULTS.items()
    if verdict in (Verdict.PAUSE_CHANNEL, Verdict.PAUSE_WORKSPACE)
)

# conversations.history answers meaning "this bot cannot read this channel" (no scope yet, a
# public channel it was never invited to, a private one it cannot see): UNCERTAIN_POSTS decides
HISTORY_UNREADABLE = frozenset(
    {
        "missing_scope",
        "not_in_channel",
        "channel_not_found",
        "access_denied",
        "ekm_access_denied",
        "restricted_action",
        "team_access_not_granted",
        "not_allowed_token_type",
    }
)

# failures to connect: the request never left, so nothing was posted
_NOT_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def classify(status: int | None, error: str | None, exception: BaseException | None) -> Verdict:
    """What to do after a post that did not succeed.

    ``status`` and ``error`` are Slack's answer (HTTP status, ``error`` field); ``exception`` is
    what the request raised instead of an answer (a timeout, a dropped connection). An error code
    in :data:`FAULTS` decides, except that ``retry`` codes under an HTTP 5xx are ``uncertain``
    (Slack may have posted before it failed), and HTTP 429 is always rate-limited.
    """
    if exception is not None:
        # a failed connection sent nothing; any other failure may have reached Slack
        return Verdict.RETRY if isinstance(exception, _NOT_SENT) else Verdict.UNCERTAIN
    if status == 429:
        return Verdict.RATE_LIMITED
    verdict = FAULTS.get(error or "")
    if verdict is not None and verdict is not Verdict.RETRY:
        return verdict
    if status is not None and status >= 500:
        return Verdict.UNCERTAIN
    return verdict or Verdict.FAILED


def rate_limited(status: int | None, error: str | None) -> bool:
    """Whether an answer (to any method) says: wait Retry-After, then ask again."""
    return classify(status, error, None) is Verdict.RATE_LIMITED


def settles(status: int | None, exception: BaseException | None) -> bool:
    """Whether an uncertain post may still be under way at Slack (a gateway gave up, or no
    answer came): the history is searched a little later, when it may show."""
    return exception is not None or status in (502, 504)


def retry_after(headers: Any) -> float:
    """The seconds a 429 asks to wait (Retry-After), between 1 and 600; 1 when it says none."""
    try:
        value = headers.get("Retry-After") or headers.get("retry-after")
        return max(1.0, min(float(value), 600.0))
    except (TypeError, ValueError, AttributeError):
        return 1.0
