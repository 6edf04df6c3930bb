"""Languages: the fixed phrases in English, French and Chinese, and dates written for each."""

from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from babel.dates import format_date, get_day_names

LANGS = ("en", "fr", "zh")
DEFAULT = "en"
CATALOG = Path(__file__).resolve().parent / "locales" / "messages.yml"
_BABEL = {"en": "en_GB", "fr": "fr_FR", "zh": "zh_Hans_CN"}
# a ``lang:xx`` word anywhere in a command, any case; the value may be empty or unknown
LANG_WORD = re.compile(r"(?<!\S)lang:(\S*)", re.IGNORECASE)
# languages also understood by name in ``lang:``
_LANG_NAMES = {
    "english": "en",
    "anglais": "en",
    "英文": "en",
    "英语": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "法文": "fr",
    "法语": "fr",
    "chinese": "zh",
    "chinois": "zh",
    "中文": "zh",
    "汉语": "zh",
    "简体中文": "zh",
}


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    data = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return {str(k): {str(lang): str(text) for lang, text in v.items()} for k, v in data.items()}


def t(lang: str, key: str, **values: Any) -> str:
    """The phrase ``key`` in ``lang`` (English if missing), with ``{names}`` filled in."""
    entry = catalog()[key]
    text = entry.get(lang) or entry[DEFAULT]
    return text.format(**values) if values else text


def from_locale(locale: str | None) -> str | None:
    """A Slack locale ('fr-FR', 'zh-CN', 'en-US') to one of our languages, or None."""
    if not locale:
        return None
    head = locale.replace("_", "-").split("-")[0].lower()
    return head if head in LANGS else None


def lang_code(word: str) -> str | None:
    """What follows ``lang:``: a code, a locale or a language's name, to one of ours or None."""
    word = word.strip(".,;:!?()[]\"'“”«»").casefold()
    return _LANG_NAMES.get(word) or from_locale(word)


def read_lang(text: str) -> tuple[str, str | None, str | None]:
    """Take every ``lang:`` word out of a command: (the rest, the language asked for or None,
    the value of a ``lang:`` word naming no language we speak, "" for an empty one, or None).
    """
    found: str | None = None
    unknown: str | None = None
    for m in LANG_WORD.finditer(text):
        code = lang_code(m.group(1))
        if code is not None:
            found = code
        elif unknown is None:
            unknown = m.group(1)
    if found is None and unknown is None:
        return text, None, None
    rest = LANG_WORD.sub(" ", text)
    return " ".join(rest.split()), found, None if found else unknown


def split_lang(text: str) -> tuple[str, str | None]:
    """Take a ``lang:fr`` word out of a command: (the rest, the language or None)."""
    rest, found, _ = read_lang(text)
    if found is None:
        return text, None
    return rest, found


@lru_cache(maxsize=4096)
def human_date(day: date, lang: str = DEFAULT) -> str:
    """6 May 2024 / 6 mai 2024 (1er mai 2024) / 2024年5月6日."""
    written = str(format_date(day, format="long", locale=_BABEL.get(lang, _BABEL[DEFAULT])))
    if lang == "fr" and day.day == 1 and written.startswith("1 "):
        written = "1er" + written[1:]  # French writes the first of the month as an ordinal
    return written


@lru_cache(maxsize=64)
def weekday_name(weekday: int, lang: str = DEFAULT) -> str:
    names = get_day_names("wide", locale=_BABEL.get(lang, _BABEL[DEFAULT]))
    return str(names[weekday])


def describe_schedule(cadence: str, weekday: int | None, at: time, tz: str, lang: str) -> str:
    hhmm = f"{at.hour:02d}:{at.minute:02d}"
    if cadence == "weekly" and weekday is not None:
        return t(lang, "schedule.weekly", weekday=weekday_name(weekday, lang), time=hhmm, tz=tz)
    return t(lang, "schedule.daily", time=hhmm, tz=tz)


def language_name(code: str, lang: str) -> str:
    return t(lang, f"language.{code}")


def pause_reason(reason: str | None, lang: str) -> str:
    """Why a subscription is paused, in ``lang``: Slack errors are stored as ``slack:<error>``."""
    if not reason:
        return t(lang, "channels.no_reason")
    if reason.startswith("slack:"):
        code = reason.removeprefix("slack:")
        key = f"pause.{code}"
        return f"{t(lang, key)} ({code})" if key in catalog() else code
    return reason
