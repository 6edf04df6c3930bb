"""Questions in plain words: "when is the next summit?", "prochain sommet", "waic什么时候".

No language model: the words of a few kinds of question, in English, French and Chinese, are in
``bot/locales/questions.yml`` (checked when loaded: :class:`Words`). Reading a question takes
them out of the text; what they said (what comes next, when, a reminder) and what is left (the
thing asked about, if any) make an :class:`Asked`. ``bot.answers.core`` answers it. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from bot.answers.lookup import CJK, STOPWORDS
from bot.content.schema import normalize

WORDS = Path(__file__).resolve().parent.parent / "locales" / "questions.yml"
Intent = Literal["next", "when", "remind"]
_INTENTS: dict[str, Intent] = {"next": "next", "when": "when", "remind": "remind"}
GROUPS = ("next", "when", "remind", "events", "filler")  # the file's groups, as it lists them


class PerLang(BaseModel):
    """A group's phrases in each language, normalized as names are (``what's`` -> ``what s``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: tuple[str, ...]
    fr: tuple[str, ...]
    zh: tuple[str, ...]

    @field_validator("en", "fr", "zh")
    @classmethod
    def _normalized(cls, phrases: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for phrase in phrases:
            key = normalize(str(phrase))
            if not key:
                raise ValueError(f"the phrase {phrase!r} has no words")
            out.append(key)
        return tuple(out)

    def all(self) -> set[str]:
        return {*self.en, *self.fr, *self.zh}


class Words(BaseModel):
    """``bot/locales/questions.yml``: the words of each kind of question (see the file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    next: PerLang
    when: PerLang
    remind: PerLang
    events: PerLang
    filler: PerLang

    @model_validator(mode="after")
    def _one_group_each(self) -> Words:
        seen: dict[str, str] = {}
        for group in GROUPS:
            per_lang: PerLang = getattr(self, group)
            for phrase in sorted(per_lang.all()):
                if phrase in seen:
                    raise ValueError(f"{phrase!r} is in both {seen[phrase]!r} and {group!r}")
                seen[phrase] = group
        return self


def load(path: Path = WORDS) -> Words:
    """The words, checked (a pydantic ValidationError names the group and the phrase)."""
    return Words.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class _Rule:
    """One phrase, as it is looked for in a normalized text."""

    phrase: str
    group: str
    pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def _rules() -> tuple[_Rule, ...]:
    """Every phrase, longest first (``what date`` before ``what``, ``下一次`` before ``下次``): a
    Latin phrase as whole words, a Chinese one anywhere."""
    words = load()
    rules = []
    for group in GROUPS:
        per_lang: PerLang = getattr(words, group)
        for phrase in per_lang.all():
            if CJK.search(phrase):
                pattern = re.compile(re.escape(phrase))
            else:
                pattern = re.compile(rf"(?<!\S){re.escape(phrase)}(?!\S)")
            rules.append(_Rule(phrase, group, pattern))
    rules.sort(key=lambda r: (-len(r.phrase), r.phrase))
    return tuple(rules)


@dataclass(frozen=True)
class Asked:
    """What a text asks: the kinds of question its words say (``intents``), and the words left
    once those are taken out (``subject``, normalized; "" when nothing is left). ``bare`` is the
    subject without the words for "an event" and common words: empty when the text asks about
    events in general ("the next summit", "下一次峰会"); ``events``: it has such words."""

    intents: frozenset[Intent]
    subject: str
    bare: str
    events: bool = False  # whether it says "summit", "sommet", "峰会"…

    @property
    def about_events(self) -> bool:
        """Whether it names no one thing: only question words, or the words for events."""
        return not self.bare


def read(text: str) -> Asked:
    """Take the question words out of ``text`` (see :class:`Asked`). Never raises."""
    return _read(normalize(text[:500]))


@lru_cache(maxsize=1024)
def _read(key: str) -> Asked:
    intents: set[Intent] = set()
    rest = f" {key} "
    for rule in _rules():
        if rule.group == "events":
            continue
        rest, n = rule.pattern.subn(" ", rest)
        intent = _INTENTS.get(rule.group)
        if n and intent is not None:
            intents.add(intent)
    subject = " ".join(rest.split())
    bare, events = f" {subject} ", 0
    for rule in _rules():
        if rule.group == "events":
            bare, n = rule.pattern.subn(" ", bare)
            events += n
    left = [w for w in bare.split() if w not in STOPWORDS]
    return Asked(frozenset(intents), subject, " ".join(left), events > 0)
