"""What a subscription asks for, and what it is owed. Pure: no network, no clock, no database.

One parser reads what follows ``/declaration subscribe`` (days, time, zone, ``lang:``, ``always``,
``reminders-only``/``digests-only``, ``topics:a,b``); the Home tab's form is turned into the same
words and read by the same parser, so the command and the form follow one set of rules.

A topic limit keeps the developments linked to one of the topics, the events linked to one of them
(by their own ``topics:``, or named in the ``events:`` of a development kept), and those topics
themselves; digests, "what's new" and reminders are all drawn from that smaller library.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Literal

from bot.answers.lookup import find_topic
from bot.content.library import Library
from bot.i18n import describe_schedule, describe_time, join_list, split_lang, t
from bot.slack.mrkdwn import escape, truncate
from bot.store.subscriptions import SubscriptionView
from bot.subscriptions.schedule import WEEKDAYS, Schedule, ScheduleError, parse_schedule, zone

Receives = Literal["all", "digests", "reminders"]
RECEIVES: tuple[Receives, ...] = ("all", "digests", "reminders")

ALWAYS = "always"  # post every digest, even with nothing new
REMINDERS_ONLY = "reminders-only"
DIGESTS_ONLY = "digests-only"
_RECEIVES_WORDS: dict[str, Receives] = {
    REMINDERS_ONLY: "reminders",
    "reminders_only": "reminders",
    "reminder-only": "reminders",
    DIGESTS_ONLY: "digests",
    "digests_only": "digests",
    "digest-only": "digests",
}
TOPICS_PREFIX = "topics:"
_TOPICS_PREFIXES = (TOPICS_PREFIX, "topic:")
_TOPIC_SEPARATORS = (",", "，", "、")


@dataclass(frozen=True)
class Request:
    """A subscription as asked for, checked: when, in which language, and what it receives."""

    schedule: Schedule
    lang: str
    receives: Receives = "all"
    topics: frozenset[str] = frozenset()
    always: bool = False
    zone_given: bool = False  # the words named a time zone (else it is the default one)

    def words(self) -> list[str]:
        """The words of ``/declaration subscribe`` that ask for this, read back by the parser."""
        return request_words(
            days=self.schedule.days,
            at=self.schedule.at,
            tz=self.schedule.tz,
            lang=self.lang,
            receives=self.receives,
            topics=self.topics,
            always=self.always,
        )


@dataclass(frozen=True)
class Problem:
    """Why a request is refused, and which field of the form it is about."""

    field: str  # days | time | tz | topics | receives | channel | ""
    code: str
    words: tuple[str, ...] = ()  # the user's words, quoted and escaped
    ids: tuple[str, ...] = ()  # known topic ids
    suggestions: tuple[str, ...] = ()
    schedule: ScheduleError | None = None

    def say(self, lang: str) -> str:
        """The problem in ``lang``: one or two sentences, safe to post as they are."""
        if self.schedule is not None:
            return schedule_error(self.schedule, lang)
        ids = ", ".join(f"`{i}`" for i in self.ids)
        if self.code == "topic_unknown" and self.suggestions:
            suggestion = join_list([f"`{s}`" for s in self.suggestions], lang, "or")
            return t(
                lang,
                "subscription.err_topic_suggest",
                word=self.words[0],
                suggestion=suggestion,
                ids=ids,
            )
        if self.code == "topic_unknown":
            return t(lang, "subscription.err_topic_unknown", word=self.words[0], ids=ids)
        if self.code == "topics_empty":
            example = ",".join(self.ids[:2])
            return t(lang, "subscription.err_topics_empty", example=example, ids=ids)
        return t(lang, f"subscription.err_{self.code}")


def _quote(word: str) -> str:
    return f"“{escape(truncate(word, 40))}”"


def schedule_error(err: ScheduleError, lang: str) -> str:
    """A schedule mistake, said in the reader's language (with the same examples)."""
    return err.say(lang)


def names_zone(words: Sequence[str]) -> bool:
    """Whether the words name a time zone (if not, the caller's Slack zone is the default)."""
    return any(zone(w) is not None for item in words for w in item.split())


def _topic_problem(word: str, library: Library, ids: tuple[str, ...]) -> Problem:
    found = find_topic(library, word.replace("-", " "))
    hints = (found.topic,) if found.topic is not None else found.suggestions
    return Problem("topics", "topic_unknown", (_quote(word),), ids, tuple(tp.id for tp in hints))


def parse_request(
    words: Sequence[str], *, default_tz: str, default_lang: str, library: Library
) -> Request | Problem:
    """Read the words after ``subscribe``: the schedule (see
    :func:`bot.subscriptions.schedule.parse_schedule`) and, in any order, ``lang:fr``,
    ``always``, ``reminders-only`` or ``digests-only``, and ``topics:a,b`` (topic ids, also
    ``topic:``; given twice, the lists add up). Never raises."""
    rest, asked_lang = split_lang(" ".join(words))
    receives: tuple[str, Receives] | None = None
    always = False
    topic_words: list[str] = []
    saw_topics = False
    schedule_words: list[str] = []
    for word in rest.split():
        lowered = word.casefold()
        if lowered == ALWAYS:
            always = True
        elif lowered in _RECEIVES_WORDS:
            kind = _RECEIVES_WORDS[lowered]
            if receives is not None and receives[1] != kind:
                return Problem("receives", "receives_both", (_quote(receives[0]), _quote(word)))
            receives = (word, kind)
        elif lowered.startswith(_TOPICS_PREFIXES):
            saw_topics = True
            value = word.split(":", 1)[1]
            for sep in _TOPIC_SEPARATORS:
                value = value.replace(sep, " ")
            topic_words += value.split()
        else:
            schedule_words.append(word)

    ids = tuple(tp.id for tp in library.topics)
    known = {i.casefold(): i for i in ids}
    topics: set[str] = set()
    for word in topic_words:
        found = known.get(word.casefold())
        if found is None:
            return _topic_problem(word, library, ids)
        topics.add(found)
    if saw_topics and not topics:
        return Problem("topics", "topics_empty", ids=ids)

    parsed = parse_schedule(schedule_words, default_tz)
    if isinstance(parsed, ScheduleError):
        return Problem(parsed.field, parsed.code, parsed.quoted, schedule=parsed)
    return Request(
        schedule=parsed,
        lang=asked_lang or default_lang,
        receives=receives[1] if receives is not None else "all",
        topics=frozenset(topics),
        always=always,
        zone_given=names_zone(schedule_words),
    )


def request_words(
    *,
    days: Collection[int],
    at: time,
    tz: str,
    lang: str,
    receives: str,
    topics: Collection[str],
    always: bool,
) -> list[str]:
    """The command words for a subscription chosen in a form, for :func:`parse_request`."""
    words = [",".join(WEEKDAYS[d] for d in sorted(days))] if days else []
    words += [f"{at:%H:%M}", tz, f"lang:{lang}"]
    if receives == "reminders":
        words.append(REMINDERS_ONLY)
    elif receives == "digests":
        words.append(DIGESTS_ONLY)
    if topics:
        words.append(TOPICS_PREFIX + ",".join(sorted(topics)))
    if always:
        words.append(ALWAYS)
    return words


# --- saying what a channel gets -----------------------------------------------------------------


def describe_receives(receives: str, topics: Collection[str], library: Library, lang: str) -> str:
    """``digests and summit reminders, on every topic``; ``summit reminders only (no digests),
    about *Bletchley Declaration* only``: in the reader's language."""
    what = t(lang, f"receives.{receives if receives in RECEIVES else 'all'}")
    if not topics:
        return t(lang, "receives.every_topic", what=what)
    local = library.for_lang(lang)
    titles = []
    for topic_id in sorted(topics):
        topic = local.topic(topic_id)
        titles.append(f"*{escape(topic.label)}*" if topic is not None else f"`{escape(topic_id)}`")
    return t(lang, "receives.limited", what=what, topics=join_list(titles, lang))


def describe_when(sub: SubscriptionView | Request, lang: str) -> str:
    """The days, time and zone; for a channel that receives only reminders, the time and zone."""
    schedule = sub.schedule
    if sub.receives == "reminders":
        return describe_time(schedule.at, schedule.tz, lang)
    return describe_schedule(schedule.days, schedule.at, schedule.tz, lang)
