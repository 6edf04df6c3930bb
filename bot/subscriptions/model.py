"""What a subscription asks for, and what it is owed. Pure: no network, no clock, no database.

A subscription asked for is first a :class:`Draft`: what ``/declaration subscribe`` reads from its
words (days, time, zone, ``lang:``, ``always``, ``reminders-only``/``digests-only``,
``topics:a,b``; :func:`read_request`), or what the subscription form is read into
(:meth:`bot.subscriptions.form.Submission.draft`). Both go through one validation,
:func:`validate`, to a checked :class:`Request` or a :class:`Problem`: a code, the field it is
about and the user's values, which each surface words (:meth:`Problem.say` for a message,
:meth:`Problem.say_plain` under a form's field).

A topic limit keeps the developments linked to one of the topics, the events linked to one of them
(by their own ``topics:``, or named in the ``events:`` of a development kept), and those topics
themselves; digests, "what's new" and reminders are all drawn from that smaller library.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import time

from bot.answers.lookup import find_topic
from bot.content.library import Library
from bot.i18n import describe_schedule, describe_time, join_list, split_lang, t
from bot.slack.ids import FIELD_DAYS, FIELD_RECEIVE, FIELD_TOPICS, FIELD_TZ
from bot.slack.mrkdwn import escape
from bot.subscriptions.schedule import (
    DEFAULT_DAYS,
    MRKDWN,
    PLAIN,
    WEEKDAYS,
    Schedule,
    ScheduleError,
    Wording,
    read_schedule,
    zone,
)
from bot.subscriptions.schedule import names_zone as schedule_names_zone
from bot.subscriptions.stored import RECEIVES, Receives, SubscriptionView

ALWAYS = "always"  # post every digest, even with nothing new
REMINDERS_ONLY = "reminders-only"
DIGESTS_ONLY = "digests-only"
_RECEIVES_WORDS: dict[str, Receives] = {
    REMINDERS_ONLY: Receives.REMINDERS,
    "reminders_only": Receives.REMINDERS,
    "reminder-only": Receives.REMINDERS,
    DIGESTS_ONLY: Receives.DIGESTS,
    "digests_only": Receives.DIGESTS,
    "digest-only": Receives.DIGESTS,
}
# the fields of a subscription that ``subscribe <words>`` may name, each changed alone on a
# subscribed channel (the rest kept): see :attr:`Draft.given` and :meth:`Draft.over`
FIELDS: tuple[str, ...] = ("days", "time", "zone", "lang", "receives", "topics", "always")
EVERYTHING: frozenset[str] = frozenset(FIELDS)
TOPICS_PREFIX = "topics:"
_TOPICS_PREFIXES = (TOPICS_PREFIX, "topic:")
_TOPIC_SEPARATORS = (",", "，", "、")


@dataclass(frozen=True)
class Draft:
    """A subscription as asked for, not yet checked: the same value whether it was typed after
    ``subscribe`` or chosen in the form. :func:`validate` checks it."""

    days: frozenset[int]  # none: only a channel that receives reminders may leave them out
    at: time
    tz: str
    lang: str
    receives: Receives = Receives.ALL
    topics: frozenset[str] = frozenset()  # topic ids as given (any case), checked by validate
    always: bool = False
    zone_given: bool = False  # the zone was named (else it is the default one)
    # the fields (of FIELDS) this draft names; the others are defaults, which a change to a
    # stored subscription leaves as they were (:meth:`over`). The form names them all.
    given: frozenset[str] = EVERYTHING

    @classmethod
    def of(cls, sub: SubscriptionView) -> Draft:
        """A stored subscription as a draft naming everything (its zone too)."""
        schedule = sub.schedule
        return cls(
            days=schedule.days,
            at=schedule.at,
            tz=schedule.tz,
            lang=sub.lang,
            receives=Receives(sub.receives) if sub.receives in RECEIVES else Receives.ALL,
            topics=frozenset(sub.topics),
            always=sub.always,
            zone_given=True,
        )

    def over(self, stored: Draft) -> Draft:
        """This draft as a change to ``stored``: what it names (:attr:`given`), the rest kept.
        Naming everything, it is itself; naming nothing, it is ``stored``."""
        given = self.given
        zone = "zone" in given
        return Draft(
            days=self.days if "days" in given else stored.days,
            at=self.at if "time" in given else stored.at,
            tz=self.tz if zone else stored.tz,
            lang=self.lang if "lang" in given else stored.lang,
            receives=self.receives if "receives" in given else stored.receives,
            topics=self.topics if "topics" in given else stored.topics,
            always=self.always if "always" in given else stored.always,
            zone_given=self.zone_given if zone else stored.zone_given,
            given=self.given | stored.given,
        )

    def words(self) -> list[str]:
        """The words of ``/declaration subscribe`` that ask for this, read back by the parser."""
        return request_words(
            days=self.days,
            at=self.at,
            tz=self.tz,
            lang=self.lang,
            receives=self.receives,
            topics=self.topics,
            always=self.always,
        )


@dataclass(frozen=True)
class Request:
    """A subscription as asked for, checked: when, in which language, and what it receives."""

    schedule: Schedule
    lang: str
    receives: Receives = Receives.ALL
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

    def stored_as(self, sub: SubscriptionView) -> bool:
        """Whether ``sub`` is stored with exactly these settings and posts as usual (not paused,
        nothing held back): storing this again would change nothing."""
        s, mine = sub.schedule, self.schedule
        held = sub.paused or sub.paused_until is not None or sub.skip_digest_at is not None
        return (
            not held
            and (s.days, s.at, s.tz, sub.lang, sub.always)
            == (
                mine.days,
                mine.at,
                mine.tz,
                self.lang,
                self.always,
            )
            and (sub.receives, frozenset(sub.topics)) == (self.receives, self.topics)
        )


# the codes of schedule mistakes (bot.subscriptions.schedule.ScheduleError), said from there
SCHEDULE_CODES = frozenset(
    {"twice", "time", "needs_time", "zone", "unknown", "daily_weekday", "weekly_days"}
)


@dataclass(frozen=True)
class Problem:
    """Why a request is refused: a code, the field of the form it is about (a block id of
    :mod:`bot.slack.ids`, or ``""``) and the values it is said with; no words of its own.

    Codes: the schedule's (:data:`SCHEDULE_CODES`, ``part`` naming what was given twice),
    ``topic_unknown`` (``values``: the word; ``suggestions``), ``topics_empty``,
    ``receives_both`` (``values``: the two words), ``no_day``, and the form's ``no_channel``,
    ``channel_hidden``, ``channel_archived``. ``ids``: the known topic ids, for the examples."""

    field: str  # days | time | tz | topics | receives | channel | ""
    code: str
    values: tuple[str, ...] = ()  # the user's words, as typed
    ids: tuple[str, ...] = ()  # known topic ids
    suggestions: tuple[str, ...] = ()
    part: str = ""

    def say(self, lang: str) -> str:
        """The problem in ``lang`` as mrkdwn, for a message: one or two sentences, with an
        example, safe to post as they are (the user's words escaped)."""
        return self.word(lang, MRKDWN)

    def say_plain(self, lang: str) -> str:
        """The problem in ``lang`` as plain text, for an error under a form's field."""
        return self.word(lang, PLAIN)

    def word(self, lang: str, w: Wording) -> str:
        if self.code in SCHEDULE_CODES:
            return schedule_error(ScheduleError(self.code, self.values, self.part), lang, w)
        ids = ", ".join(w.code(i) for i in self.ids)
        if self.code == "topic_unknown" and self.suggestions:
            suggestion = join_list([w.code(s) for s in self.suggestions], lang, "or")
            word = w.quote(self.values[0])
            key = "subscription.err_topic_suggest"
            return w.phrase(lang, key, word=word, suggestion=suggestion, ids=ids)
        if self.code == "topic_unknown":
            return w.phrase(
                lang, "subscription.err_topic_unknown", word=w.quote(self.values[0]), ids=ids
            )
        if self.code == "topics_empty":
            example = ",".join(self.ids[:2])
            return w.phrase(lang, "subscription.err_topics_empty", example=example, ids=ids)
        return w.phrase(lang, f"subscription.err_{self.code}")


def schedule_error(err: ScheduleError, lang: str, wording: Wording = MRKDWN) -> str:
    """A schedule mistake, said in the reader's language (with the same examples)."""
    return err.say(lang, wording)


def names_zone(words: Sequence[str]) -> bool:
    """Whether the words name a time zone (if not, the caller's Slack zone is the default): read
    as the schedule reads them, so ``(Europe/Paris)`` and ``每天9点Asia/Shanghai`` name one."""
    return schedule_names_zone(words)


# --- reading the words -------------------------------------------------------------------------


def read_request(words: Sequence[str], *, default_tz: str, default_lang: str) -> Draft | Problem:
    """Read the words after ``subscribe`` into a draft (see :func:`_read`)."""
    read = _read(words, default_tz=default_tz, default_lang=default_lang)
    return read if isinstance(read, Problem) else read[0]


def _read(
    words: Sequence[str], *, default_tz: str, default_lang: str
) -> tuple[Draft, frozenset[str]] | Problem:
    """Read the words after ``subscribe`` into a draft, and which of the schedule's parts they
    named: the schedule (see :func:`bot.subscriptions.schedule.read_schedule`) and, in any
    order, ``lang:fr``,
    ``always``, ``reminders-only`` or ``digests-only``, and ``topics:a,b`` (topic ids, also
    ``topic:``; given twice, the lists add up). Only what the words themselves get wrong is a
    problem here; what they ask for is checked by :func:`validate`. Never raises."""
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
                return Problem(FIELD_RECEIVE, "receives_both", (receives[0], word))
            receives = (word, kind)
        elif lowered.startswith(_TOPICS_PREFIXES):
            saw_topics = True
            topic_words += _topic_words(word.split(":", 1)[1])
        else:
            schedule_words.append(word)
    if saw_topics and not topic_words:
        return Problem(FIELD_TOPICS, "topics_empty")
    read = read_schedule(schedule_words, default_tz)
    if isinstance(read, ScheduleError):
        return Problem(read.field, read.code, read.quoted, part=read.part)
    parsed, named = read
    draft = Draft(
        days=parsed.days,
        at=parsed.at,
        tz=parsed.tz,
        lang=asked_lang or default_lang,
        receives=receives[1] if receives is not None else Receives.ALL,
        topics=frozenset(topic_words),
        always=always,
        zone_given=names_zone(schedule_words),
    )
    return draft, named


def _topic_words(value: str) -> list[str]:
    for sep in _TOPIC_SEPARATORS:
        value = value.replace(sep, " ")
    return value.split()


# --- what the words name, for a change ---------------------------------------------------------

# ``subscribe reset`` or ``subscribe … fresh``: start from the defaults, not the stored settings
FRESH_WORDS = frozenset({"reset", "fresh"})


def is_fresh(words: Sequence[str]) -> bool:
    """Whether the words ask to start from the defaults (``reset``, ``fresh``)."""
    return any(word.casefold() in FRESH_WORDS for word in words)


def without_fresh(words: Sequence[str]) -> tuple[str, ...]:
    """The words without ``reset`` and ``fresh``."""
    return tuple(word for word in words if word.casefold() not in FRESH_WORDS)


def read_change(words: Sequence[str], *, default_tz: str, default_lang: str) -> Draft | Problem:
    """The words after ``subscribe`` read as :func:`read_request` reads them, the draft saying
    which fields they name (:attr:`Draft.given`), so that a subscribed channel changes only
    those. Never raises."""
    read = _read(words, default_tz=default_tz, default_lang=default_lang)
    if isinstance(read, Problem):
        return read
    draft, named = read
    given = set(named & {"days", "time"})
    if split_lang(" ".join(words))[1]:
        given.add("lang")
    if draft.receives != Receives.ALL:
        given.add("receives")
    if draft.topics:
        given.add("topics")
    if draft.always:
        given.add("always")
    if draft.zone_given:
        given.add("zone")
    return replace(draft, given=frozenset(given))


# --- the one validation ------------------------------------------------------------------------


def missing_day(draft: Draft) -> Problem | None:
    """No day while digests are wanted (a form can leave the days empty; words cannot)."""
    if not draft.days and draft.receives != Receives.REMINDERS:
        return Problem(FIELD_DAYS, "no_day")
    return None


def validate(draft: Draft, library: Library) -> Request | Problem:
    """The one check of a subscription asked for, typed or chosen in the form: known topics
    (the first unknown one, in order, with what it may have meant), a day when digests are
    wanted, a known zone. Never raises."""
    ids = tuple(tp.id for tp in library.topics)
    known = {i.casefold(): i for i in ids}
    topics: set[str] = set()
    for word in sorted(draft.topics):
        found = known.get(word.casefold())
        if found is None:
            return _topic_problem(word, library, ids)
        topics.add(found)
    if (problem := missing_day(draft)) is not None:
        return problem
    found_zone = zone(draft.tz)
    if found_zone is None:
        return Problem(FIELD_TZ, "zone", (draft.tz,))
    at = draft.at.replace(second=0, microsecond=0, tzinfo=None)
    return Request(
        schedule=Schedule(draft.days or DEFAULT_DAYS, at, found_zone.key),
        lang=draft.lang,
        receives=Receives(draft.receives),
        topics=frozenset(topics),
        always=draft.always,
        zone_given=draft.zone_given,
    )


def _topic_problem(word: str, library: Library, ids: tuple[str, ...]) -> Problem:
    found = find_topic(library, word.replace("-", " "))
    hints = (found.topic,) if found.topic is not None else found.suggestions
    return Problem(FIELD_TOPICS, "topic_unknown", (word,), ids, tuple(tp.id for tp in hints))


def parse_request(
    words: Sequence[str], *, default_tz: str, default_lang: str, library: Library
) -> Request | Problem:
    """The words after ``subscribe``, read (:func:`read_request`) and checked
    (:func:`validate`). Never raises."""
    draft = read_request(words, default_tz=default_tz, default_lang=default_lang)
    if isinstance(draft, Problem):
        return draft
    return validate(draft, library)


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
    """The command words for a subscription, for :func:`parse_request`."""
    words = [",".join(WEEKDAYS[d] for d in sorted(days))] if days else []
    words += [f"{at:%H:%M}", tz, f"lang:{lang}"]
    if receives == Receives.REMINDERS:
        words.append(REMINDERS_ONLY)
    elif receives == Receives.DIGESTS:
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
    what = t(lang, f"receives.{receives if receives in RECEIVES else Receives.ALL}")
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
    if sub.receives == Receives.REMINDERS:
        return describe_time(schedule.at, schedule.tz, lang)
    return describe_schedule(schedule.days, schedule.at, schedule.tz, lang)
