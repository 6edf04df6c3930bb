"""How long ``pause`` lasts, read from its words: ``until 2027-03-10``, ``until monday``,
``for 2 weeks`` (``jusqu'au 2027-03-10``, ``jusqu'à lundi``, ``pendant 2 semaines``;
``到2027-03-10``, ``直到周一``, ``2周``). Pure: the day it is where the subscription is comes in.

What is read is the **last day nothing is posted** (inclusive): ``until 2027-03-10`` posts
nothing through 10 March and posts again from 11 March; ``until monday`` posts nothing through
the next Monday (``until today``: through today); ``for 2 weeks`` posts nothing for fourteen
days, today the first of them, and posts again on the fifteenth. A weekday is the next one after
today (``until monday`` said on a Monday is the Monday after). Never raises: a day past, too far
off or unreadable is a :class:`HoldError` (a code and the user's words), said from the catalogue
with a correct example.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.subscriptions.schedule import MRKDWN, Wording, weekday_of

MAX_DAYS = 3 * 366  # a pause longer than this is refused: `pause` with no end says it better
EXAMPLE_UNTIL = "pause until 2027-03-10"
EXAMPLE_FOR = "pause for 2 weeks"
EXAMPLE_SKIP = "skip next"

# words that say "up to and including" before a day; French elides them (jusqu'au, jusqu’à)
_UNTIL = frozenset({"until", "till", "til", "through", "thru", "to", "jusqu", "au", "à", "a"})
_UNTIL_PREFIXES = ("直到", "截至", "到", "至")
_FOR = frozenset({"for", "pendant", "pour", "durant"})
_TODAY = frozenset({"today", "tonight", "aujourd'hui", "aujourd", "今天"})
_TOMORROW = frozenset({"tomorrow", "demain", "明天"})
_NEXT = frozenset({"next", "prochain", "prochaine", "le", "la", "the", "下", "下个"})
_DAY_UNITS = frozenset({"day", "days", "jour", "jours", "天", "日"})
_WEEK_UNITS = frozenset({"week", "weeks", "semaine", "semaines", "周", "星期", "个星期", "礼拜"})
_NUMBERS = {"a": 1, "an": 1, "one": 1, "un": 1, "une": 1, "two": 2, "deux": 2, "three": 3}
_ZH_NUMBERS = {c: n for n, c in enumerate("零一二三四五六七八九十", start=0)} | {"两": 2}
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_ZH_DATE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号]?")
# a number glued to its unit: 2weeks, 2周, 两周, 3天, 2个星期
_GLUED = re.compile(
    r"(\d{1,4}|[一二两三四五六七八九十]+)\s*(个星期|星期|礼拜|周|天|日|weeks?|days?)"
)


@dataclass(frozen=True)
class HoldError:
    """Why the words after ``pause`` (or ``skip``) are not a day to pause until: ``unknown``
    (``quoted``: the word not understood), ``past`` or ``too_far`` (``quoted``: the day, ISO)."""

    code: str
    quoted: tuple[str, ...] = ()

    def say(self, lang: str, w: Wording = MRKDWN) -> str:
        word = w.quote(self.quoted[0]) if self.quoted else ""
        examples = {"until": w.code(EXAMPLE_UNTIL), "for_": w.code(EXAMPLE_FOR)}
        if self.code == "skip":
            return w.phrase(lang, "hold.err_skip", word=word, example=w.code(EXAMPLE_SKIP))
        key = self.code if self.code in ("past", "too_far") else "unknown"
        return w.phrase(lang, f"hold.err_{key}", word=word, days=str(MAX_DAYS), **examples)


def _tokens(words: Sequence[str]) -> list[str]:
    """The words, lower-cased, with French elisions and Chinese prefixes split off."""
    out: list[str] = []
    for raw in words:
        word = raw.casefold().replace("’", "'")
        while "'" in word:  # jusqu'au, jusqu'à, l'
            head, _, word = word.partition("'")
            out.append(head)
        for prefix in _UNTIL_PREFIXES:
            if word.startswith(prefix) and len(word) > len(prefix):
                out.append("to")
                word = word[len(prefix) :]
                break
        if word:
            out.append(word)
    return out


def _number(word: str) -> int | None:
    if word.isdigit() and word.isascii():
        return int(word[:5])
    if word in _NUMBERS:
        return _NUMBERS[word]
    if word and all(c in _ZH_NUMBERS for c in word):
        if word == "十":
            return 10
        if "十" in word:
            tens, _, units = word.partition("十")
            return _ZH_NUMBERS.get(tens, 1) * 10 + (_ZH_NUMBERS[units] if units else 0)
        return _ZH_NUMBERS[word] if len(word) == 1 else None
    return None


def _day(word: str, today: date) -> date | HoldError | None:
    """The day a word names: an ISO date, a Chinese date, a weekday (the next one), tomorrow."""
    found = _ISO.fullmatch(word) or _ZH_DATE.fullmatch(word)
    if found:
        try:
            return date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return HoldError("unknown", (word,))
    if word in _TODAY:
        return today
    if word in _TOMORROW:
        return today + timedelta(days=1)
    weekday = weekday_of(word.removeprefix("下个").removeprefix("下"))
    if weekday is not None:
        return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
    return None


def _span(tokens: Sequence[str]) -> int | None:
    """The days a ``for <n> <unit>`` names (``2 weeks``, ``une semaine``, ``两周``), or None."""
    joined = "".join(tokens) if all(not t.isascii() for t in tokens) else " ".join(tokens)
    glued = _GLUED.fullmatch(joined.replace(" ", "")) if joined else None
    if glued:
        n, unit = _number(glued[1]), glued[2]
    elif len(tokens) == 2:
        n, unit = _number(tokens[0]), tokens[1]
    elif len(tokens) == 1:
        n, unit = 1, tokens[0]
    else:
        return None
    if n is None or n < 1:
        return None
    if unit in _DAY_UNITS or unit.startswith("day") or unit.startswith("天"):
        return n
    if unit in _WEEK_UNITS or unit.startswith("week"):
        return 7 * n
    return None


def read_until(words: Sequence[str], today: date) -> date | HoldError | None:
    """The last day a pause lasts, from the words after ``pause`` (``today``: the local day
    where the subscription is); None when they name no end (a pause until resumed)."""
    tokens = _tokens(words)
    if not tokens:
        return None
    first = tokens[0]
    found: date | HoldError | None
    if first in _FOR or _number(first) is not None or _GLUED.fullmatch(first):
        rest = [t for t in (tokens[1:] if first in _FOR else tokens) if t not in ("the", "les")]
        days = _span(rest) if rest else None
        if days is None or days > MAX_DAYS:
            return HoldError("unknown", (" ".join(words),))
        return today + timedelta(days=days - 1)
    rest = [t for t in tokens if t not in _UNTIL and t not in _NEXT and t != "hui"]
    if first not in _UNTIL or len(rest) != 1:
        return HoldError("unknown", (" ".join(words),))
    found = _day(rest[0], today)
    if found is None:
        return HoldError("unknown", (rest[0],))
    if isinstance(found, HoldError):
        return found
    if found < today:
        return HoldError("past", (found.isoformat(),))
    if (found - today).days > MAX_DAYS:
        return HoldError("too_far", (found.isoformat(),))
    return found


_SKIP_WORDS = frozenset(
    {
        "next",
        "the",
        "digest",
        "one",
        "prochain",
        "le",
        "résumé",
        "resume",
        "下次",
        "下一次",
        "下一期",
    }
)


def reads_skip(words: Sequence[str]) -> HoldError | None:
    """Whether the words after ``skip`` say "the next digest" (``next``, ``next digest``,
    ``prochain``, ``下次``; none at all): None, else what was not understood."""
    for word in words:
        if word.casefold() not in _SKIP_WORDS:
            return HoldError("skip", (word,))
    return None
