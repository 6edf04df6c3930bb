"""Parsing what a user typed after ``/declaration`` into a command. Pure; never raises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from bot.i18n import catalog, read_lang

# The longest text that can matter: longer input is cut to it before any work is done on it
# (the ``lang:`` words included), and before it keys the cache of what was read, so that the
# cache holds at most its 4096 entries of this many characters, whatever the texts sent
MAX_INPUT = 500


@dataclass(frozen=True)
class Content:
    """A question about the content. Its class names the subcommand (``Search``, ``ShowTopic``…:
    see :func:`content`), and ``query`` is the text after its first word (for ``ShowTopic``, the
    whole text)."""

    query: str = ""


@lru_cache(maxsize=64)  # kinds come from the catalogue: a handful
def content(kind: str) -> type[Content]:
    """The class of the content subcommand ``kind``, made once: its words are in the phrase
    catalogue (``subcommand.<kind>``) and its answer in ``bot.answers.core.SUBCOMMANDS``."""
    made: type[Content] = type(kind, (Content,), {"__module__": __name__})
    return made


# The two the reading falls back on: no text is Help, a first word that starts no subcommand is
# a topic's name
Help = content("Help")
ShowTopic = content("ShowTopic")


# ``me`` on a channel command: the caller's own subscription (their DM), not the channel's
ME_WORDS = frozenset({"me", "moi", "我"})


@dataclass(frozen=True)
class Subscribe:
    words: tuple[str, ...]
    me: bool = False


@dataclass(frozen=True)
class Unsubscribe:
    me: bool = False


@dataclass(frozen=True)
class Pause:
    words: tuple[str, ...] = ()  # ``until 2027-03-10``, ``for 2 weeks`` (none: until resumed)
    me: bool = False


@dataclass(frozen=True)
class Resume:
    me: bool = False


@dataclass(frozen=True)
class Status:
    me: bool = False


@dataclass(frozen=True)
class Skip:
    """``skip next``: the next digest is not posted (reminders still are)."""

    words: tuple[str, ...] = ()
    me: bool = False


@dataclass(frozen=True)
class Digest:
    me: bool = False


ChannelCommand = Subscribe | Unsubscribe | Pause | Resume | Status | Digest | Skip
Command = Content | ChannelCommand
CHANNEL_COMMANDS = (Subscribe, Unsubscribe, Pause, Resume, Status, Digest, Skip)

# The words that start a content subcommand are phrases (``subcommand.<kind>``: its words,
# separated by spaces, in each language)
_CONTENT_KEY = "subcommand."

# Every word that starts a channel subcommand (first word, case-insensitive).
_KEYWORDS: dict[str, str] = {
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
    "skip": "skip",
}


@lru_cache(maxsize=1)
def content_words() -> dict[str, str]:
    """Every word that starts a content subcommand (case-folded), and the subcommand's kind."""
    return {
        word.casefold(): key.removeprefix(_CONTENT_KEY)
        for key, entry in catalog().items()
        if key.startswith(_CONTENT_KEY)
        for words in entry.values()
        for word in words.split()
    }


def _channel_command(kind: str, rest: str) -> Command:
    """A channel subcommand from its kind and the words after it (``me`` taken out of them)."""
    words = rest.split()
    me = any(word.casefold() in ME_WORDS for word in words)
    words = [word for word in words if word.casefold() not in ME_WORDS]
    if kind == "subscribe":
        return Subscribe(tuple(words), me)
    if kind == "pause":
        return Pause(tuple(words), me)
    if kind == "skip":
        return Skip(tuple(words), me)
    if kind == "unsubscribe":
        return Unsubscribe(me)
    if kind == "resume":
        return Resume(me)
    if kind == "status":
        return Status(me)
    return Digest(me)


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


# A mention in a message: Slack's ``<@U123>`` (``<@U123|name>``), or the bot's name typed with an
# @ (the local shell, where an @mention is simply the text)
MENTION = re.compile(
    r"<@[A-Za-z0-9_-]{1,32}(?:\|[^>]{0,80})?>|(?<![^\s>])@declaration(?:-bot)?(?![\w-])",
    re.IGNORECASE,
)


def unmentioned(text: str) -> str:
    """A message's text without its mentions, as ``/declaration``'s would be (its first few
    MAX_INPUT characters looked at: :func:`read` keeps MAX_INPUT of it)."""
    return MENTION.sub(" ", text[: 4 * MAX_INPUT]).strip()


def parse(text: str) -> Command:
    """The command of ``text`` (see :func:`read`)."""
    return read(text).command


def _command(text: str) -> Command:
    """Turn the text after ``/declaration`` (``lang:`` words taken out) into a command.

    Empty text gives Help; a known first word picks the subcommand (a content subcommand's words
    are phrases: :func:`content_words`); anything else is looked up as a topic name (so
    ``/declaration bletchley`` shows the Bletchley Declaration).
    """
    text = " ".join(text[:MAX_INPUT].split())
    if not text:
        return Help()
    first, _, rest = text.partition(" ")
    word = first.casefold()
    kind = content_words().get(word)
    if kind is not None:
        return content(kind)(rest)
    kind = _KEYWORDS.get(word)
    if kind is not None:
        return _channel_command(kind, rest)
    return ShowTopic(text)
