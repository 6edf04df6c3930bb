"""The shapes of Slack's ids, checked before an id from a request is used, stored or logged.

Slack's ids are a letter saying what they are (``T`` a workspace, ``E`` an Enterprise Grid
organization, ``U`` or ``W`` a user, ``C``, ``G`` or ``D`` a conversation) followed by upper-case
letters and digits, 9 to 11 characters today. Slack calls them opaque, so after the letter the
check also lets through lower-case letters, digits, ``-`` and ``_``, up to 32 characters in all:
nothing that mrkdwn, a mention (``<!channel>``), a link or a log line gives a meaning to."""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["team", "enterprise", "user", "channel", "event"]

MAX_ID = 32  # characters

_TAIL = rf"[A-Za-z0-9_-]{{1,{MAX_ID - 1}}}"
_SHAPES: dict[Kind, re.Pattern[str]] = {
    "team": re.compile(rf"T{_TAIL}"),
    "enterprise": re.compile(rf"E{_TAIL}"),
    "user": re.compile(rf"[UW]{_TAIL}"),
    "channel": re.compile(rf"[CGD]{_TAIL}"),
    # an Events API delivery: Ev followed by upper-case letters and digits
    "event": re.compile(rf"Ev{_TAIL}"),
}


def is_id(kind: Kind, value: object) -> bool:
    """Whether ``value`` is shaped like a Slack id of this kind."""
    return isinstance(value, str) and _SHAPES[kind].fullmatch(value) is not None


def is_channel(value: object) -> bool:
    return is_id("channel", value)


def shown(value: object) -> str:
    """An id for a log line: itself when it has the shape of one, else ``-`` (whatever a request
    carried in its place is not written out)."""
    if isinstance(value, str) and any(p.fullmatch(value) for p in _SHAPES.values()):
        return value
    return "-"


# --- the app's own ids: the command, buttons (action ids), forms (callback ids) ----------------

COMMAND = "/declaration"
SHOW_ACTION = "show_topic"
SHARE_ACTION = "share_topic"
NEWS_ACTION = "show_news"
FORM_ACTION = "subscription_form"  # opens the subscription form; value: the channel, or ""
