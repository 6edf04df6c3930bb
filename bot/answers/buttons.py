"""Decides: what each button on a content reply answers. One table, ``{action id: answer}``, that
Bolt registers (``handlers.actions``) and the local shell presses (``bot.local.shell``): a button
added here works in both.

An answer is a pure function of the content and the button's value (which carries the language
the reply is in: ``topic-id|lang``, or a language alone for the list of topics); an event's card
also of the day it is pressed on and the calendar feed's address (``dated``).

The buttons on the channel's posts (a reminder, a digest, a shared topic) answer the presser
only, below the post, which stays as it is (``replace=False``); the others answer in place of
the ephemeral reply they are on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot.answers import core, replies
from bot.content.library import Library
from bot.i18n import DEFAULT
from bot.slack import ids
from bot.slack.payloads import Reply


@dataclass(frozen=True)
class Button:
    """A content button: its action id (``prefix``: also ``<id>:<anything>``, so that one reply
    may hold several of them), the name its log line gives it, its answer, and whether the answer
    is shared (``keep``: posted below the message, which stays) or replaces the message."""

    action_id: str
    name: str
    answer: Callable[[Library, str], Reply] | None = None
    prefix: bool = False
    keep: bool = False
    replace: bool = True  # False: a new ephemeral reply, the message pressed stays
    dated: Callable[[Library, str, date, str | None], Reply] | None = None

    def reply(
        self,
        library: Library,
        value: str,
        today: Callable[[], date],
        calendar_url: Callable[[], str | None],
    ) -> Reply:
        """Its answer to a press (``today`` and ``calendar_url`` are asked only by an answer
        that needs them)."""
        if self.dated is not None:
            return self.dated(library, value, today(), calendar_url())
        assert self.answer is not None
        return self.answer(library, value)

    @property
    def replaces(self) -> bool:
        """Whether its answer takes the place of the message pressed."""
        return self.replace and not self.keep

    @property
    def pattern(self) -> re.Pattern[str]:
        """The action ids it answers (as Bolt matches them)."""
        tail = "(:.*)?" if self.prefix else ""
        return re.compile(rf"^{re.escape(self.action_id)}{tail}$")

    def lang(self, value: str) -> str:
        """The language its answer is in."""
        if self.action_id == ids.LIST_ACTION:
            return value or DEFAULT
        return core.parse_button_value(value)[1]


def _show(library: Library, value: str) -> Reply:
    return core.topic_by_id(library, value)


def _share(library: Library, value: str) -> Reply:
    return core.topic_by_id(library, value, shared=True)


def _topics(library: Library, value: str) -> Reply:
    return replies.topics_reply(library.for_lang(value or DEFAULT))


BUTTONS: tuple[Button, ...] = (
    Button(ids.SHOW_ACTION, "show", _show, prefix=True),
    Button(ids.NEWS_ACTION, "news", core.news_by_id, prefix=True),
    Button(ids.EVENT_NEWS_ACTION, "event news", core.event_news_by_id, prefix=True),
    Button(ids.SHARE_ACTION, "share", _share, keep=True),
    Button(ids.LIST_ACTION, "topics", _topics),
    Button(
        ids.EVENT_CARD_ACTION, "event details", prefix=True, replace=False, dated=core.event_by_id
    ),
    Button(
        ids.POST_EVENT_NEWS_ACTION,
        "post event news",
        core.event_news_by_id,
        prefix=True,
        replace=False,
    ),
    Button(ids.READ_TOPIC_ACTION, "read topic", _show, replace=False),
)


def button_for(action_id: str) -> Button | None:
    """The content button an action id belongs to, if any."""
    return next((b for b in BUTTONS if b.pattern.fullmatch(action_id)), None)
