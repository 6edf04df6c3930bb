"""Parsing what a user typed after ``/declaration`` into a command. Pure; never raises."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from bot.i18n import read_lang

# The longest text that can matter: longer input is cut to it before any work is done on it
# (the ``lang:`` words included), and before it keys the cache of what was read, so that the
# cache holds at most its 4096 entries of this many characters, whatever the texts sent
MAX_INPUT = 500


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


@dataclass(frozen=True, slots=True)
class Parsed:
    """What the user typed, read once: the command (with its arguments) and the language a
    ``lang:`` word asks for. It routes the listener, keys the answer cache and feeds the core and
    the channel commands; nothing after it reads the text again."""

    command: Command
    lang: str | None = None  # a language we speak, asked for with ``lang:`` (None: not asked)
    lang_unknown: str | None = None  # a ``lang:`` naming none we speak ("" for a bare ``lang:``)
    # the command's name, for logs and metrics (``ShowTopic``, ``Status``…)
    kind: str = field(init=False, compare=False, repr=False)
    # worked out once: the value keys the answer cache on every content command
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", type(self.command).__name__)
        object.__setattr__(self, "_hash", hash((self.command, self.lang, self.lang_unknown)))

    def __hash__(self) -> int:
        return self._hash


def read(text: str) -> Parsed:
    """Read the text after ``/declaration`` once (its first MAX_INPUT characters): every
    ``lang:`` word is taken out, the rest is the command. The same texts come again and again;
    the result is frozen and cached."""
    return _read(text[:MAX_INPUT])


@lru_cache(maxsize=4096)
def _read(text: str) -> Parsed:
    rest, asked, unknown = read_lang(text)
    return Parsed(_command(rest), asked, unknown)


def parse(text: str) -> Command:
    """The command of ``text`` (see :func:`read`)."""
    return read(text).command


def _command(text: str) -> Command:
    """Turn the text after ``/declaration`` (``lang:`` words taken out) into a command.

    Empty text or ``help`` gives Help; a known first word picks the subcommand; anything else is
    looked up as a topic name (so ``/declaration bletchley`` shows the Bletchley Declaration).
    """
    text = " ".join(text[:MAX_INPUT].split())
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
