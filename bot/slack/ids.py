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


def is_direct_message(channel_id: str) -> bool:
    """Whether a conversation id is a direct message's (D…): where a person's own subscription
    posts, and where a channel's cannot."""
    return channel_id.startswith("D")


def shown(value: object) -> str:
    """An id for a log line: itself when it has the shape of one, else ``-`` (whatever a request
    carried in its place is not written out)."""
    if isinstance(value, str) and any(p.fullmatch(value) for p in _SHAPES.values()):
        return value
    return "-"


# --- the app's own ids: every id the app gives Slack and reads back, here only ----------------
# (the command; action ids of buttons; callback ids of views; block ids)

COMMAND = "/declaration"

# buttons on content replies (bot.answers.buttons says what each answers); SHOW and NEWS are
# prefixes (``show_topic:<id>``), so that one message may hold several of them
SHOW_ACTION = "show_topic"
SHARE_ACTION = "share_topic"
NEWS_ACTION = "show_news"
EVENT_NEWS_ACTION = "show_event_news"  # an event's news: show_event_news:<event id>
LIST_ACTION = "list_topics"  # value: the language
# buttons on the channel's posts (a reminder, a digest, a shared topic): each answers only the
# person who pressed it, below the post (which stays as it is); prefixes, with the event's id
CALENDAR_ACTION = "add_to_calendar"  # a link to the event's calendar file: add_to_calendar:<id>
EVENT_CARD_ACTION = "event_details"  # the event's card: event_details:<id>, value id|lang
POST_EVENT_NEWS_ACTION = "event_news"  # the event's news: event_news:<id>, value id|lang
READ_TOPIC_ACTION = "read_topic"  # a shared topic's whole card; value: topic-id|lang
# opens the subscription form; value: the channel, or "" (also the block id of its actions block)
FORM_ACTION = "subscription_form"

# the Home tab's buttons; each one's value is the channel it is about (SUBSCRIBE's: "")
HOME_SUBSCRIBE = "home_subscribe"
HOME_EDIT = "home_edit"
HOME_PAUSE = "home_pause"
HOME_RESUME = "home_resume"
HOME_PREVIEW = "home_preview"
HOME_UNSUBSCRIBE = "home_unsubscribe"
HOME_ME_ON = "home_me_on"  # the reader's own digest, to their DM (`subscribe me`)
HOME_ME_OFF = "home_me_off"  # `unsubscribe me`
HOME_ME_PAUSE = "home_me_pause"  # `pause me`
HOME_ME_RESUME = "home_me_resume"  # `resume me`
HOME_ME_SKIP = "home_me_skip"  # `skip next me`
HOME_ROW = "sub:"  # block id of a subscription's row of buttons: sub:<channel>

# the subscription form (a modal): its callback id, and its fields, each named by its block id and
# its element's action id alike (a refused submission's errors are keyed by block id)
FORM_CALLBACK = "subscription_form"
FIELD_CHANNEL = "channel"
FIELD_DAYS = "days"
FIELD_TIME = "time"
FIELD_TZ = "tz"
FIELD_LANG = "lang"
FIELD_RECEIVE = "receives"
FIELD_TOPICS = "topics"
FIELD_ALWAYS = "always"
