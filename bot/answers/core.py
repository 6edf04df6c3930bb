"""The decision: from what the user typed to the reply. Pure: no network, no clock, no database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from bot import commands as c
from bot.answers import lookup, questions, replies
from bot.content.library import Library
from bot.content.schema import Summit, Topic, normalize
from bot.i18n import DEFAULT, language_name, t
from bot.slack import blocks as block_kit
from bot.slack import ids
from bot.slack.ids import COMMAND
from bot.slack.mrkdwn import quote_user_text
from bot.slack.payloads import Reply


def reply_to(
    asked: c.Parsed | str,
    library: Library,
    today: date,
    lang: str = DEFAULT,
    *,
    calendar_url: str | None = None,
    zone: str | None = None,
) -> Reply:
    """Answer ``/declaration <text>`` as of ``today``, in ``lang`` unless the text says lang:xx.

    ``asked`` is the text read once (:func:`bot.commands.read`; a string is read here).
    ``zone`` is the one time zone every reader shares (the local shell), if there is one. A
    ``lang:`` naming no language we speak is answered in ``lang``, with a line saying so.
    """
    parsed = c.read(asked) if isinstance(asked, str) else asked
    lang = parsed.lang or lang
    reply = _reply_to(parsed.command, library, today, lang, calendar_url, zone)
    return noted(reply, parsed.lang_unknown, lang)


def lang_note(unknown: str | None, lang: str) -> str | None:
    """The line for a ``lang:`` word naming no language we speak (``unknown``: its value, "" for
    a bare ``lang:``; None when there is none)."""
    if unknown is None:
        return None
    language = language_name(lang, lang)
    if not unknown:
        return t(lang, "lang.empty", language=language)
    return t(lang, "lang.unknown", word=quote_user_text(unknown, 30), language=language)


def noted(reply: Reply, unknown: str | None, lang: str) -> Reply:
    """The reply, led by a line saying an unknown ``lang:`` was not understood, if there was one."""
    note = lang_note(unknown, lang)
    if note is None:
        return reply
    blocks = [block_kit.context(f":warning: {note}"), *reply.blocks]
    return replace(
        reply, text=block_kit.fallback(note, reply.text), blocks=block_kit.cap(blocks, lang)
    )


@dataclass(frozen=True, slots=True)
class Question:
    """A content question, as its answer takes it: the text after the subcommand's word, the
    content in the reader's language, and the day and the place it is asked from."""

    query: str
    lib: Library
    today: date
    calendar_url: str | None
    zone: str | None


def _share(q: Question) -> Reply:
    if not q.query:
        return replies.share_what_reply(q.lib)
    return _show(q, shared=True)


def _show(q: Question, *, shared: bool = False) -> Reply:
    if shared:  # what is shared is a topic card
        found = lookup.find_topic(q.lib, q.query)
        if found.topic is None:
            return replies.not_found_reply(q.query, found.suggestions, q.lib)
        return card(q.lib, found.topic, shared=shared)
    asked = questions.read(q.query)
    if asked.intents and (asked.about_events or "remind" in asked.intents):
        return _ask(q, asked, ())  # names nothing: "what's next", "remind me tomorrow"
    if asked.about_events and asked.events:  # "sommets", "峰会": the words for events alone
        return _summits(q)
    named = lookup.find(q.lib, q.query)
    return _named_reply(q, named) or _ask(q, asked, named.suggestions)


def _named_reply(q: Question, named: lookup.Named, *, next_one: bool = False) -> Reply | None:
    """The answer for what a name leads to: an event's card, a series (``next_one``: its next
    edition's card, when one is ahead), a topic's card; None when it leads nowhere."""
    if named.series is not None and next_one:
        ahead = replies.ahead_of(named.editions, q.today)
        named = lookup.Named(event=ahead[0]) if ahead else named
    if named.event is not None:
        calendar_file = event_calendar_url(q.calendar_url, named.event)
        return replies.event_reply(q.lib, named.event, q.today, calendar_file)
    if named.series is not None:
        return replies.series_reply(q.lib, named.series, q.today)
    if named.topic is not None:
        return card(q.lib, named.topic)
    return None


def _ask(q: Question, asked: questions.Asked, suggestions: tuple[Topic, ...]) -> Reply:
    """A text that names nothing, read as a question in plain words (bot.answers.questions):
    "remind me" says what the bot can do; the next events, when it asks about events in
    general; the card of the thing it asks about (an event before a topic); else a search
    across topics, events and developments; else "did you mean"."""
    if "remind" in asked.intents:
        return replies.remind_reply(q.lib)
    if asked.about_events and asked.intents:  # "when is the next summit?", "what's next"
        return replies.next_reply(q.lib, q.today)
    looked = normalize(q.query)
    dated = bool(asked.intents)
    plain = " ".join(w for w in asked.subject.split() if w not in lookup.STOPWORDS)
    for subject in dict.fromkeys((plain, asked.subject, asked.bare)):
        if subject and subject != looked:
            named = lookup.find(q.lib, subject, events_first=dated, suggest=False)
            reply = _named_reply(q, named, next_one="next" in asked.intents)
            if reply is not None:
                return reply
    query = asked.subject or q.query
    hits = _hits(q.lib, query)
    if hits:
        return _search_reply(q.lib, query, hits)
    return replies.not_found_reply(q.query, suggestions, q.lib)


def event_calendar_url(calendar_url: str | None, event: Summit) -> str | None:
    """The address of an event's own calendar file, beside the feed's (``…/summits.ics`` ->
    ``…/summits/<id>.ics``): only for an event with exact dates, and only when the feed has an
    address (PUBLIC_URL is set)."""
    if calendar_url is None or event.starts is None:
        return None
    return f"{calendar_url.removesuffix('.ics')}/{event.id}.ics"


def _summits(q: Question) -> Reply:
    return replies.summits_reply(q.lib, q.today, calendar_url=q.calendar_url, zone=q.zone)


# Every content subcommand, by its kind, and its answer. Its words are phrases
# (``subcommand.<kind>`` in bot/locales/messages.yml), which ``bot.commands`` reads; ``ShowTopic``
# has none (a text that starts no subcommand is a topic's name). A new content subcommand is one
# row here, its reply (``bot/answers/replies.py``) and its phrases.
SUBCOMMANDS: dict[str, Callable[[Question], Reply]] = {
    "Help": lambda q: replies.help_reply(q.lib),
    "ListTopics": lambda q: replies.topics_reply(q.lib),
    "Summits": _summits,
    "Search": lambda q: search(q.lib, q.query),
    "Share": _share,
    "News": lambda q: news(q.lib, q.query),
    "ShowTopic": _show,
}


def _reply_to(
    command: c.Command,
    library: Library,
    today: date,
    lang: str,
    calendar_url: str | None,
    zone: str | None,
) -> Reply:
    lib = library.for_lang(lang)
    if isinstance(command, c.CHANNEL_COMMANDS):
        return replies.error_reply(t(lang, "error.channel_only"))
    answer = SUBCOMMANDS.get(type(command).__name__)
    if answer is None:  # pragma: no cover - a test checks every subcommand has its answer
        return replies.help_reply(lib)
    return answer(Question(command.query, lib, today, calendar_url, zone))


def card(lib: Library, topic: Topic, *, shared: bool = False) -> Reply:
    """A topic card with the topic's latest developments; shared with the channel, a short card
    (the whole one is a press away)."""
    if shared:
        return replies.share_reply(topic, lib.lang)
    devs = lookup.developments_of(lib, topic.id)
    return replies.topic_reply(topic, shared=shared, lang=lib.lang, developments=devs)


def news(lib: Library, query: str) -> Reply:
    """``news [topic]``: the latest developments, or one topic's ("did you mean" on a typo)."""
    if not query.strip():
        return replies.news_reply(lib)
    found = lookup.find_topic(lib, query)
    if found.topic is None:
        return replies.not_found_reply(query, found.suggestions, lib, ids.NEWS_ACTION)
    return replies.news_reply(lib, found.topic)


def _in(lib: Library, hit: lookup.AnyHit) -> lookup.AnyHit:
    """A hit found in another language, shown in the reader's."""
    if isinstance(hit, lookup.Hit):
        return replace(hit, topic=lib.topic(hit.topic.id) or hit.topic)
    if isinstance(hit, lookup.EventHit):
        return replace(hit, event=lib.summit(hit.event.id) or hit.event)
    mine = {d.id: d for d in lib.developments}
    return replace(hit, development=mine.get(hit.development.id, hit.development))


def _hits(lib: Library, query: str) -> list[lookup.AnyHit]:
    """Search in the reader's language first, then in the others (hits shown in the reader's)."""
    hits = lookup.search_all(lib, query)
    if not hits and lookup.terms(query):
        for other in lib.languages:
            if other == lib.lang:
                continue
            found = lookup.search_all(lib.for_lang(other), query)
            if found:
                return [_in(lib, h) for h in found]
    return hits


def _search_reply(lib: Library, query: str, hits: list[lookup.AnyHit]) -> Reply:
    terms = lookup.terms(query)
    return replies.search_reply(query, hits, terms, lib.lang, lib, lookup.common_words(query))


def search(lib: Library, query: str) -> Reply:
    """Search in the reader's language first, then in the others (results stay in theirs)."""
    return _search_reply(lib, query, _hits(lib, query))


def parse_button_value(value: str) -> tuple[str, str]:
    """A button's value: 'topic-id|lang' (older buttons: just the id)."""
    topic_id, _, lang = value.partition("|")
    return topic_id, lang or DEFAULT


def topic_by_id(library: Library, value: str, *, shared: bool = False) -> Reply:
    """The reply for a topic button press; a stale id gets a clear answer."""
    topic_id, lang = parse_button_value(value)
    lib = library.for_lang(lang)
    topic = lib.topic(topic_id)
    if topic is None:
        return replies.error_reply(t(lang, "topic.gone", command=COMMAND))
    return card(lib, topic, shared=shared)


def event_by_id(
    library: Library, value: str, today: date, calendar_url: str | None = None
) -> Reply:
    """The reply for a post's "details" button press: the event's card as of ``today``."""
    event_id, lang = parse_button_value(value)
    lib = library.for_lang(lang)
    event = lib.summit(event_id)
    if event is None:
        return replies.error_reply(t(lang, "event.gone", command=COMMAND))
    return replies.event_reply(lib, event, today, event_calendar_url(calendar_url, event))


def event_news_by_id(library: Library, value: str) -> Reply:
    """The reply for an event card's "news" button press: the developments that name it."""
    event_id, lang = parse_button_value(value)
    lib = library.for_lang(lang)
    event = lib.summit(event_id)
    if event is None:
        return replies.error_reply(t(lang, "event.gone", command=COMMAND))
    return replies.event_news_reply(lib, event)


def news_by_id(library: Library, value: str) -> Reply:
    """The reply for a "news for this topic" button press."""
    topic_id, lang = parse_button_value(value)
    lib = library.for_lang(lang)
    topic = lib.topic(topic_id)
    if topic is None:
        return replies.error_reply(t(lang, "topic.gone", command=COMMAND))
    return replies.news_reply(lib, topic)
