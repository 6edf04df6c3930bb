"""What every request from Slack passes before a listener sees it, in HTTP and in Socket Mode
alike (Bolt middlewares):

- :class:`Shapes`, before Bolt looks up who is asking: the ids a request carries (workspace,
  user, channel, event) have the shape of Slack's ids, and the fields our listeners read are
  there; anything else is answered 400 with one WARNING line, before any listener could fail on
  it (and log a traceback) or store it (``<!channel>`` as a channel id);
- :class:`SameTeam`, once Bolt has authorized the request: every workspace the body names is the
  one Bolt authorized it for (``team.id`` and ``view.app_installed_team_id`` agreeing, say), so
  that what the listeners do with the authorized workspace's token is about that workspace;
- :class:`OnceOnly`: an Events API delivery Slack sends again (``X-Slack-Retry-Num``, after a
  slow or lost acknowledgement) is acknowledged and not handled twice.

In Socket Mode a refused request is acknowledged with nothing (a 400 there would only make Slack
send it again)."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.ids import (
    FORM_ACTION,
    FORM_CALLBACK,
    HOME_EDIT,
    HOME_PAUSE,
    HOME_PREVIEW,
    HOME_RESUME,
    HOME_UNSUBSCRIBE,
    Kind,
    is_channel,
    is_id,
    shown,
)
from bot.subscriptions import form as forms

log = logging.getLogger("declaration_bot.gate")

_RETRY = re.compile(r"[0-9]{1,3}")  # an X-Slack-Retry-Num as a log line may show it

# the payload types Slack sends (others are named "other" in the logs)
KINDS = frozenset(
    {
        "command",
        "block_actions",
        "view_submission",
        "view_closed",
        "event_callback",
        "url_verification",
        "ssl_check",
        "app_rate_limited",
        "shortcut",
        "message_action",
        "block_suggestion",
        "interactive_message",
        "dialog_submission",
    }
)

# the Home tab's buttons, whose value is the channel they act on
CHANNEL_BUTTONS = frozenset({HOME_EDIT, HOME_PAUSE, HOME_RESUME, HOME_PREVIEW, HOME_UNSUBSCRIBE})

# (path in the body, kind of id, required)
Rule = tuple[str, Kind, bool]
_INTERACTIVE: tuple[Rule, ...] = (
    ("team.id", "team", True),
    ("user.id", "user", True),
    ("user.team_id", "team", False),
    ("enterprise.id", "enterprise", False),
    ("view.team_id", "team", False),
    ("view.app_installed_team_id", "team", False),
)
RULES: dict[str, tuple[Rule, ...]] = {
    "command": (
        ("team_id", "team", True),
        ("user_id", "user", True),
        ("channel_id", "channel", True),
        ("enterprise_id", "enterprise", False),
    ),
    "block_actions": (
        *_INTERACTIVE,
        ("channel.id", "channel", False),
        ("container.channel_id", "channel", False),
    ),
    "view_submission": _INTERACTIVE,
    "view_closed": _INTERACTIVE,
    "event_callback": (
        ("team_id", "team", True),
        ("enterprise_id", "enterprise", False),
        ("event_id", "event", True),
    ),
}
# what each event we listen to must carry, beyond its envelope
EVENT_RULES: dict[str, tuple[Rule, ...]] = {
    "app_home_opened": (("user", "user", True), ("channel", "channel", False)),
    # a mention is answered in its channel, a direct message in the DM (handlers.messages)
    "app_mention": (("user", "user", False), ("channel", "channel", True)),
    "message": (("user", "user", False), ("channel", "channel", True)),
}

_ABSENT = object()
_BROKEN = object()  # something other than an object on the way (a list where one was expected)


def _at(body: Mapping[str, Any], path: str) -> object:
    """The value at a dotted path; ``_ABSENT`` when it (or an object on the way) is missing or
    null, ``_BROKEN`` when something on the way is not an object."""
    if "." not in path:  # most paths: one look-up
        value = body.get(path)
        return _ABSENT if value is None else value
    here: object = body
    for key in path.split("."):
        if here is None:
            return _ABSENT
        if not isinstance(here, Mapping):
            return _BROKEN
        here = here.get(key, _ABSENT)
        if here is _ABSENT:
            return _ABSENT
    return _ABSENT if here is None else here


def _check(body: Mapping[str, Any], rules: tuple[Rule, ...]) -> str | None:
    for path, kind, required in rules:
        value = _at(body, path)
        if (value is _ABSENT or value == "") and not required:  # Slack may send "" for none
            continue
        if not is_id(kind, value):
            return path
    return None


def kind_of(body: Mapping[str, Any]) -> str:
    """The payload's type, as the logs name it."""
    if "command" in body:
        return "command"
    kind = body.get("type")
    return kind if isinstance(kind, str) and kind in KINDS else "other"


def problem(body: Mapping[str, Any]) -> str | None:
    """The first field of a request from Slack that is missing where our listeners need it, or
    not shaped as Slack shapes it; None when the request may go on. Pure."""
    kind = kind_of(body)
    found = _check(body, RULES.get(kind, ()))
    if found is not None:
        return found
    if kind == "command":
        if not isinstance(body.get("text", ""), str):
            return "text"
    elif kind == "block_actions":
        return _actions_problem(body)
    elif kind == "view_submission":
        view = body.get("view")
        if not isinstance(view, Mapping) or not isinstance(view.get("callback_id"), str):
            return "view"
        if not isinstance(view.get("private_metadata", ""), str):
            return "view.private_metadata"
        if view["callback_id"] == FORM_CALLBACK:
            field = forms.malformed(view)
            return f"view.{field}" if field else None
    elif kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, Mapping) or not isinstance(event.get("type"), str):
            return "event"
        rules = EVENT_RULES.get(event["type"], ())
        field = _check(event, rules)
        if field is not None:
            return f"event.{field}"
        authorizations = body.get("authorizations", [])
        if not isinstance(authorizations, list) or not all(
            isinstance(a, Mapping)
            and _check(a, (("team_id", "team", False), ("enterprise_id", "enterprise", False)))
            is None
            for a in authorizations
        ):
            return "authorizations"
    return None


def _actions_problem(body: Mapping[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "actions"
    for action in actions:
        if not isinstance(action, Mapping) or not isinstance(action.get("action_id"), str):
            return "actions"
        value = action.get("value", "")
        if not isinstance(value, str):
            return "actions.value"
        if action["action_id"] in CHANNEL_BUTTONS and not is_channel(value):
            return "actions.value"
        if action["action_id"] == FORM_ACTION and value and not is_channel(value):
            return "actions.value"
    return None


def _first_at(body: Mapping[str, Any], paths: tuple[str, ...]) -> object:
    """The value at the first of ``paths`` the body has, else None."""
    for path in paths:
        value = _at(body, path)
        if value is not _ABSENT:
            return value
    return None


def team_of(body: Mapping[str, Any]) -> object:
    """The workspace a request names first (for a log line)."""
    return _first_at(body, ("team.id", "team_id", "view.app_installed_team_id", "user.team_id"))


def channel_of(body: Mapping[str, Any]) -> object:
    """The channel a request is about, where it names one (for a log line)."""
    return _first_at(body, ("channel_id", "channel.id", "container.channel_id", "event.channel"))


def _refusal(req: AsyncBoltRequest, text: str) -> BoltResponse:
    if req.mode == "socket_mode":
        return BoltResponse(status=200, body="")  # acknowledged, so not sent again
    return BoltResponse(status=400, body=text, headers={"content-type": "text/plain"})


def _status(req: AsyncBoltRequest) -> str:
    """What a refusal answers, for its log line."""
    return "ack" if req.mode == "socket_mode" else "400"


class Shapes(AsyncMiddleware):
    """Requests whose ids or fields Slack could not have sent are refused (see :func:`problem`),
    before Bolt looks up their workspace."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        body = req.body
        field = problem(body)
        if field is None:
            return await next()
        log.warning(
            "refused malformed request status=%s type=%s field=%s team=%s channel=%s",
            _status(req),
            kind_of(body),
            field,
            shown(team_of(body)),
            shown(channel_of(body)),
        )
        return _refusal(req, "malformed request body\n")


def claimed_teams(body: Mapping[str, Any]) -> set[str]:
    """Every workspace a request's body names as the one it comes from or is about."""
    found = set()
    for path in ("team.id", "team_id", "view.team_id", "view.app_installed_team_id"):
        value = _at(body, path)
        if isinstance(value, str) and value:
            found.add(value)
    return found


def claimed_enterprises(body: Mapping[str, Any]) -> set[str]:
    found = set()
    for path in ("enterprise.id", "enterprise_id", "team.enterprise_id"):
        value = _at(body, path)
        if isinstance(value, str) and value:
            found.add(value)
    return found


class SameTeam(AsyncMiddleware):
    """The workspace (and organization) Bolt authorized a request for is the one every part of
    its body names; the listeners then use the authorized one (``context.team_id``) only.
    ``installations``: Bolt looks each workspace's token up (OAuth), so its authorization names
    a workspace too; with a single token it names the token's, which is not compared."""

    def __init__(self, *, installations: bool) -> None:
        self.installations = installations

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        context = req.context
        team, enterprise = context.team_id, context.enterprise_id
        teams = claimed_teams(req.body)
        enterprises = claimed_enterprises(req.body)
        authorized = context.authorize_result
        if self.installations and authorized is not None:
            # an org-wide install answers for every workspace of its organization: its token
            # names the organization (auth.test's team_id is not the asking workspace's)
            if authorized.team_id and not context.is_enterprise_install:
                teams.add(authorized.team_id)
            enterprises |= {authorized.enterprise_id} if authorized.enterprise_id else set()
        if teams <= {team} and enterprises <= ({enterprise} if enterprise else set()):
            return await next()
        log.warning(
            "refused request naming another workspace status=%s type=%s team=%s channel=%s"
            " named=%s",
            _status(req),
            kind_of(req.body),
            team,
            shown(channel_of(req.body)),
            ",".join(sorted(shown(named) for named in teams | enterprises)),
        )
        return _refusal(req, "the request names another workspace than its own\n")


class SeenEvents:
    """The ids of the Events API deliveries handled in the last ``ttl`` seconds, at most
    ``capacity`` of them (the oldest go first). One process's memory: several processes behind
    one URL would each handle a retry that reaches them."""

    def __init__(
        self,
        capacity: int = 10_000,
        ttl: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.ttl = ttl  # Slack retries after about 0 s, 1 min and 5 min
        self.clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()  # event id -> when first seen

    def first_time(self, event_id: str) -> bool:
        """Whether this delivery is new (it is remembered from now on)."""
        now = self.clock()
        while self._seen:
            oldest, at = next(iter(self._seen.items()))
            if now - at < self.ttl and len(self._seen) < self.capacity:
                break
            del self._seen[oldest]
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True

    def __len__(self) -> int:
        return len(self._seen)


class OnceOnly(AsyncMiddleware):
    """An Events API delivery seen already (by its ``event_id``) is acknowledged, not handled."""

    def __init__(self, seen: SeenEvents) -> None:
        self.seen = seen

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        body = req.body
        event_id = body.get("event_id")
        if body.get("type") != "event_callback" or not isinstance(event_id, str):
            return await next()
        if self.seen.first_time(event_id):
            return await next()
        # Slack's retry number (Bolt gives Socket Mode's retry_attempt the same header)
        retry = (req.headers.get("x-slack-retry-num") or ["-"])[0]
        log.info(
            "event delivered again, not handled twice event_id=%s retry=%s team=%s channel=%s",
            event_id,
            retry if _RETRY.fullmatch(retry) else "-",
            req.context.team_id,
            shown(channel_of(body)),
        )
        return BoltResponse(status=200, body="")
