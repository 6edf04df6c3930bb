"""Answers to ``/declaration`` as Slack payloads, remembered: the same question, in the same
language, on the same day, against the same content gets the same answer."""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

from bot import core
from bot.content import Library

Payload = dict[str, Any]


class Answers:
    def __init__(self, size: int = 2048) -> None:
        self.size = size
        self._cache: OrderedDict[tuple[str, str, int, date, str | None], tuple[Library, Payload]]
        self._cache = OrderedDict()

    def payload(
        self, text: str, library: Library, today: date, lang: str, calendar_url: str | None
    ) -> Payload:
        """``ack()`` keyword arguments for this question: text, blocks and response type."""
        key = (" ".join(text.split())[:500], lang, id(library), today, calendar_url)
        hit = self._cache.get(key)
        if hit is not None and hit[0] is library:
            self._cache.move_to_end(key)
            return hit[1]
        reply = core.reply_to(text, library, today, lang, calendar_url=calendar_url)
        payload: Payload = {
            "text": reply.text,
            "blocks": reply.blocks_json(),
            "response_type": reply.response_type,
        }
        self._cache[key] = (library, payload)
        if len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return payload
