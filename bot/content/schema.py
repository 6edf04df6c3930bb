"""What a content file may say: the pydantic models of topics, summits and developments, in
English and in translation, and the field types they share."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    PrivateAttr,
    StringConstraints,
    model_validator,
)

from bot.periods import Period, parse_period

ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=60)]


def _text(max_length: int) -> StringConstraints:
    """Text that is not empty once trimmed, of at most ``max_length`` characters."""
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Text40 = Annotated[str, _text(40)]
Text80 = Annotated[str, _text(80)]
Text150 = Annotated[str, _text(150)]
Text200 = Annotated[str, _text(200)]
Text300 = Annotated[str, _text(300)]
Text500 = Annotated[str, _text(500)]
Text600 = Annotated[str, _text(600)]
Text1200 = Annotated[str, _text(1200)]
Line = Text150  # one line: a title, a name

Url = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^https?://\S+$", max_length=500)
]
_HOME_PATH = re.compile(
    r"^/?(?:[a-z]{2}(?:[-_][a-z]{2})?/?)?(?:(?:index|default|home)\.\w+)?$", re.IGNORECASE
)


def is_home_page(url: str) -> bool:
    """True for a site's front page: a bare domain, ``/``, ``/en/``, ``/index.html``."""
    parts = urlsplit(url)
    return not parts.query and bool(_HOME_PATH.match(parts.path))


def _document(url: str) -> str:
    if is_home_page(url):
        raise ValueError(
            f"{url} is a home page: give the address of the document itself (the article, "
            "statement or press release), not the site's front page"
        )
    return url


DocUrl = Annotated[Url, AfterValidator(_document)]  # a source: the document, never a home page
PeriodField = Annotated[Period, PlainValidator(parse_period), PlainSerializer(str)]

Day = date  # for fields declared after a field named "date"


def normalize(text: str) -> str:
    """Lowercase, punctuation to spaces, collapsed: the form names are matched in."""
    text = re.sub(r"[^\w]+", " ", text.casefold())  # dashes, quotes, any punctuation
    return " ".join(text.split())


class Strict(BaseModel):
    """A content model: unknown fields are errors, values are trimmed and never change."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Shown(Strict):
    """An item readers see; in French or Chinese it may be shown in English until translated."""

    _untranslated: bool = PrivateAttr(default=False)

    @property
    def untranslated(self) -> bool:
        """True when this is the English text standing in for a missing translation."""
        return self._untranslated

    def as_fallback(self) -> Self:
        copy = self.model_copy()
        copy._untranslated = True
        return copy


class Source(Strict):
    title: Text300
    url: DocUrl
    publisher: Text150
    date: date
    # How sure the facts drawn from this source are: C confirmed in a public source, C- official
    # statements seen only through consistent secondary reports, P one weak source, ? unconfirmed.
    grade: Literal["C", "C-", "P", "?"]


class KeyDate(Strict):
    date: date
    event: Text200


class _TopicWords(_Shown):
    """What a topic says, in any language."""

    id: Id
    title: Line
    label: Text40
    short: Line
    aliases: list[Text80] = Field(default_factory=list)
    summary: Text1200
    key_points: list[Text300] = Field(min_length=1, max_length=10)
    caveats: list[Text300] = Field(default_factory=list, max_length=6)


class Topic(_TopicWords):
    reviewed: Day | None = None  # the day an editor last checked the whole file
    key_dates: list[KeyDate] = Field(default_factory=list, max_length=12)
    sources: list[Source] = Field(min_length=1, max_length=10)
    updated: date

    def names(self) -> list[str]:
        """Every name a user may type for this topic: id, title and aliases."""
        return [self.id, self.title, self.label, *self.aliases]


SeriesId = Literal["waic", "ai-summit", "un-global-dialogue", "ai-for-good"]


class Summit(_Shown):
    """An event, with what is known of its dates at each precision."""

    id: Id
    name: Line
    series: SeriesId
    aliases: list[Text80] = Field(default_factory=list)  # short names, in any language
    location: Text150
    starts: date | None = None
    ends: date | None = None
    period: PeriodField | None = None  # announced: 2027, 2027-H1, 2027-Q3, 2027-07
    expected: PeriodField | None = None  # not announced, only expected (e.g. from past years)
    tentative: bool = False  # the exact dates come from a single weak source
    held: bool = False  # a report after the event says it took place
    note: Text300 | None = None
    summary: Text500 | None = None
    url: Url | None = None  # the event's own web site; may be a home page
    topics: list[Id] = Field(default_factory=list)
    sources: list[Source] = Field(min_length=1, max_length=10)
    updated: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Summit:
        if self.ends is not None and self.starts is None:
            raise ValueError("'ends' is set but 'starts' is not: give both dates, or neither")
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"'ends' ({self.ends}) is before 'starts' ({self.starts})")
        if self.period is not None and self.expected is not None:
            raise ValueError("give 'period' (announced) or 'expected' (not announced), not both")
        if self.tentative and self.starts is None:
            raise ValueError("'tentative' says the dates are unconfirmed, but there are no dates")
        return self

    @property
    def last_day(self) -> date | None:
        return self.ends or self.starts

    @property
    def window(self) -> tuple[date, date] | None:
        """The first and last day it may fall on: its dates, else its (announced or expected)
        period."""
        if self.starts is not None:
            return self.starts, self.ends or self.starts
        known = self.period or self.expected
        return (known.first_day, known.last_day) if known is not None else None

    def names(self) -> list[str]:
        """Every name a user may type for this event: id, name and aliases."""
        return [self.id, self.name, *self.aliases]


class Series(_Shown):
    """A series of events (``series:`` on each event names it): the names a user may type for
    the whole series ("waic", "ai summit"), which answer with its editions."""

    id: SeriesId
    name: Line
    aliases: list[Text80] = Field(default_factory=list)

    def names(self) -> list[str]:
        return [self.id, self.name, *self.aliases]


class SummitsFile(Strict):
    """``summits.yml``."""

    reviewed: date | None = None
    series: list[Series] = Field(default_factory=list)
    summits: list[Summit]


class Development(_Shown):
    """Something that happened after the texts, dated and sourced, linked to topics and events."""

    id: Id
    date: date  # the day it happened
    title: Line
    summary: Text600
    topics: list[Id] = Field(min_length=1)
    events: list[Id] = Field(default_factory=list)  # ids of the summits it concerns
    sources: list[Source] = Field(min_length=1, max_length=10)
    added: Day  # the day an editor added it: the next digest of every channel lists it as new


class DevelopmentsFile(Strict):
    """``developments.yml``."""

    reviewed: date | None = None
    developments: list[Development]


LANGUAGES = ("en", "fr", "zh")  # English, and the languages it is translated into
LANGUAGE_NAMES = {"fr": "French", "zh": "Chinese"}


class TopicText(_TopicWords):
    """A topic's text in another language; dates, links and sources come from English."""

    reviewed: Day | None = None
    key_dates: list[Text200] = Field(default_factory=list)


class SummitText(Strict):
    id: Id
    name: Line
    aliases: list[Text80] = Field(default_factory=list)  # understood in every language
    location: Text150
    note: Text300 | None = None
    summary: Text500 | None = None


class SeriesText(Strict):
    id: SeriesId
    name: Line
    aliases: list[Text80] = Field(default_factory=list)  # understood in every language


class SummitTexts(Strict):
    """``translations/<lang>/summits.yml``."""

    reviewed: date | None = None
    series: list[SeriesText] = Field(default_factory=list)
    summits: list[SummitText]


class DevelopmentText(Strict):
    id: Id
    title: Line
    summary: Text600


class DevelopmentTexts(Strict):
    """``translations/<lang>/developments.yml``."""

    reviewed: date | None = None
    developments: list[DevelopmentText]


class PublisherName(Strict):
    """A publisher's official name in another language, for the English name sources give."""

    en: Text150  # as the sources' ``publisher`` gives it in English
    name: Text150


class PublisherNames(Strict):
    """``translations/<lang>/publishers.yml``: publishers with an official name in that language."""

    reviewed: date | None = None
    publishers: list[PublisherName]
