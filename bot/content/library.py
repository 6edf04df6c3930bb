"""The content library: every topic, summit and development, validated, in every language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath

from bot.content.problems import Problem
from bot.content.schema import Development, Series, Summit, Topic


@dataclass(frozen=True)
class Library:
    """A complete, validated content library."""

    topics: tuple[Topic, ...]
    summits: tuple[Summit, ...]
    directory: Path
    lang: str = "en"
    localized: Mapping[str, Library] = field(default_factory=dict)
    developments: tuple[Development, ...] = ()  # newest first
    # what check-content reports; a running bot only logs them
    warnings: tuple[Problem, ...] = ()
    # each English file as shown in messages -> its `reviewed:` date (None when it has none)
    reviewed: Mapping[str, date | None] = field(default_factory=dict)
    # where each summit starts in summits.yml: (file as shown, line)
    summit_places: Mapping[str, tuple[str, int | None]] = field(default_factory=dict)
    # the series named in summits.yml (a series without an entry answers to its id alone)
    series: tuple[Series, ...] = ()

    def for_lang(self, lang: str) -> Library:
        """The same library with its text in ``lang`` (English where there is none)."""
        if lang == self.lang:
            return self
        return self.localized.get(lang, self.localized.get("en", self))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.localized)) if self.localized else (self.lang,)

    @property
    def timeline_reviewed(self) -> date | None:
        """The day ``developments.yml`` was last reviewed: the timeline holds everything on
        record up to that day. None when it has no ``reviewed:`` date."""
        for file, day in self.reviewed.items():
            if PurePath(file).name == "developments.yml":
                return day
        return None

    def topic(self, topic_id: str) -> Topic | None:
        for t in self.topics:
            if t.id == topic_id:
                return t
        return None

    def summit(self, summit_id: str) -> Summit | None:
        return next((s for s in self.summits if s.id == summit_id), None)

    def series_named(self, series_id: str) -> Series | None:
        return next((s for s in self.series if s.id == series_id), None)

    def editions(self, series_id: str) -> list[Summit]:
        """The events of a series, in the file's order."""
        return [s for s in self.summits if s.series == series_id]
