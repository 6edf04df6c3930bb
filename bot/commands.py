"""Parsing what a user typed after ``/declaration`` into a command. Pure; never raises."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import LANG_WORD

MAX_INPUT = 500  # longer input is cut before any work is done on it


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class ListTopics:
    pass


@dataclass(frozen=True)
class ShowTopic:
    query: str


@dataclass(frozen=True)
class Search:
    query: str


@dataclass(frozen=True)
class Summits:
    pass


@dataclass(frozen=True)
class Share:
    query: str


@dataclass(frozen=True)
class News:
    query: str  # a topic name, or empty for every topic


@dataclass(frozen=True)
class Subscribe:
    words: tuple[str, ...]


@dataclass(frozen=True)
class Unsubscribe:
    pass


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Status:
    pass


@dataclass(frozen=True)
class Digest:
    pass


ChannelCommand = Subscribe | Unsubscribe | Pause | Resume | Status | Digest
Command = Help | ListTopics | ShowTopic | Search | Summits | Share | News | ChannelCommand
CHANNEL_COMMANDS = (Subscribe, Unsubscribe, Pause, Resume, Status, Digest)

# Every word that starts a subcommand (first word, case-insensitive).
_KEYWORDS: dict[str, str] = {
    "help": "help",
    "?": "help",
    "-h": "help",
    "--help": "help",
    "topics": "topics",
    "list": "topics",
    "ls": "topics",
    "search": "search",
    "find": "search",
    "summits": "summits",
    "summit": "summits",
    "events": "summits",
    "upcoming": "summits",
    "share": "share",
    "post": "share",
    "news": "news",
    "latest": "news",
    "developments": "news",
    "subscribe": "subscribe",
    "sub": "subscribe",
    "unsubscribe": "unsubscribe",
    "unsub": "unsubscribe",
    "stop": "unsubscribe",
    "pause": "pause",
    "resume": "resume",
    "unpause": "resume",
    "status": "status",
    "digest": "digest",
    "preview": "digest",
}

_SIMPLE: dict[str, Command] = {
    "unsubscribe": Unsubscribe(),
    "pause": Pause(),
    "resume": Resume(),
    "status": Status(),
    "digest": Digest(),
}


def parse(text: str) -> Command:
    """Turn the text after ``/declaration`` into a command.

    Empty text or ``help`` gives Help; a known first word picks the subcommand; anything else is
    looked up as a topic name (so ``/declaration bletchley`` shows the Bletchley Declaration).
    """
    words = text[:MAX_INPUT].split()
    # a ``lang:`` word may come first (`lang:fr status`): the subcommand is the first other word
    langs = [w for w in words if LANG_WORD.fullmatch(w)]
    text = " ".join([w for w in words if not LANG_WORD.fullmatch(w)] + langs)
    if not text:
        return Help()
    first, _, rest = text.partition(" ")
    kind = _KEYWORDS.get(first.casefold())
    if kind == "help":
        return Help()
    if kind == "topics":
        return ListTopics()
    if kind == "summits":
        return Summits()
    if kind == "search":
        return Search(rest)
    if kind == "share":
        return Share(rest)
    if kind == "news":
        return News(rest)
    if kind == "subscribe":
        return Subscribe(tuple(rest.split()))
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    return ShowTopic(text)
