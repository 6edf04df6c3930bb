"""Answers to ``/declaration`` as Slack response bodies, remembered: the same question, in the
same language, on the same day, against the same content gets the same answer, already encoded as
JSON (encoding a 7 KB reply costs more than everything else the bot does per command)."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date

from bot.answers import core
from bot.commands import Parsed
from bot.content.library import Library
from bot.slack import payloads


class Answers:
    """At most ``budget`` bytes of answers (searches are free text, so the questions are not a
    small set: the cache must not grow the process without bound), least recently used first out."""

    def __init__(self, budget: int = 8 * 1024 * 1024) -> None:
        self.budget = budget
        self.held = 0  # bytes of the bodies held
        self._cache: OrderedDict[tuple[Parsed, str, int, date, str | None], tuple[Library, str]]
        self._cache = OrderedDict()

    def body(
        self, asked: Parsed, library: Library, today: date, lang: str, calendar_url: str | None
    ) -> str:
        """The JSON response body for this question (read once: command, arguments and the
        ``lang:`` asked for, which is also the key), in ``lang``: text, blocks, response type."""
        key = (asked, lang, id(library), today, calendar_url)
        hit = self._cache.get(key)
        if hit is not None and hit[0] is library:
            self._cache.move_to_end(key)
            return hit[1]
        reply = core.reply_to(asked, library, today, lang, calendar_url=calendar_url)
        body = payloads.response_body(reply, response_type=reply.response_type)
        old = self._cache.pop(key, None)  # an answer for content since replaced
        if old is not None:
            self.held -= len(old[1])
        self._cache[key] = (library, body)
        self.held += len(body)
        while self.held > self.budget and len(self._cache) > 1:
            _, (_, dropped) = self._cache.popitem(last=False)
            self.held -= len(dropped)
        return body
