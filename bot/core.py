"""The decision: from what the user typed to the reply. Pure: no network, no clock, no database."""

from __future__ import annotations

from datetime import date

from bot import commands as c
from bot import lookup, render
from bot.content import Library
from bot.render import Reply


def reply_to(text: str, library: Library, today: date) -> Reply:
    """Answer ``/declaration <text>`` as of ``today``."""
    command = c.parse(text)
    if isinstance(command, c.CHANNEL_COMMANDS):
        return render.error_reply(
            "Digests and reminders belong to a Slack channel: type this command in the "
            "channel that should receive them."
        )
    match command:
        case c.Help():
            return render.help_reply(library)
        case c.ListTopics():
            return render.topics_reply(library)
        case c.Summits():
            return render.summits_reply(library, today)
        case c.Search(query=query):
            hits = lookup.search(library, query)
            terms = lookup.terms(query)
            return render.search_reply(query, hits, terms)
        case c.Share(query=query):
            if not query:
                return render.share_what_reply(library)
            found = lookup.find_topic(library, query)
            if found.topic is None:
                return render.not_found_reply(query, found.suggestions, library)
            return render.topic_reply(found.topic, shared=True)
        case c.ShowTopic(query=query):
            found = lookup.find_topic(library, query)
            if found.topic is None:
                return render.not_found_reply(query, found.suggestions, library)
            return render.topic_reply(found.topic)
    return render.help_reply(library)  # pragma: no cover - every command is matched above


def topic_by_id(library: Library, topic_id: str, *, shared: bool = False) -> Reply:
    """The reply for a topic button press; a stale id gets a clear answer."""
    topic = library.topic(topic_id)
    if topic is None:
        return render.error_reply(
            "That topic is no longer available. Try `/declaration topics` for the current list."
        )
    return render.topic_reply(topic, shared=shared)
