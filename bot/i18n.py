"""Languages: the fixed phrases in English, French and Chinese, and dates written for each."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import yaml
from babel.dates import format_date, get_day_names
from babel.lists import format_list

from bot.slack.mrkdwn import escape

LANGS = ("en", "fr", "zh")
DEFAULT = "en"
CATALOG = Path(__file__).resolve().parent / "locales" / "messages.yml"
_BABEL = {"en": "en_GB", "fr": "fr_FR", "zh": "zh_Hans_CN"}
# a ``lang:xx`` word anywhere in a command, any case; the value may be empty or unknown
LANG_WORD = re.compile(r"(?<!\S)lang:(\S*)", re.IGNORECASE)
# a Slack user id as a pause reason names it (the local shell's is U-LOCAL)
_USER_ID = re.compile(r"[A-Za-z0-9_-]+")
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


@lru_cache(maxsize=8192)
def _template(lang: str, key: str) -> str:
    entry = catalog()[key]
    return escape(entry.get(lang) or entry[DEFAULT])


def t(lang: str, key: str, **values: Any) -> str:
    """The phrase ``key`` in ``lang`` (English if missing) as mrkdwn, ``{names}`` filled in.

    The phrase's own text is escaped here, the one place phrases are (``search <words>`` keeps
    its placeholder visible in Slack). The values are inserted as given: they are mrkdwn already,
    text escaped by whoever made it or a control sequence from a builder (``<#C1>``, a link), so
    nothing is escaped twice. A phrase has no control sequence of its own."""
    text = _template(lang, key)
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


def _day_month(day: date, lang: str) -> str:
    """6 July / 1er juillet: a day of a range whose year is written once, at its end."""
    written = str(format_date(day, format="d MMMM", locale=_BABEL.get(lang, _BABEL[DEFAULT])))
    if lang == "fr" and day.day == 1 and written.startswith("1 "):
        written = "1er" + written[1:]
    return written


def date_range(first: date, last: date | None, lang: str = DEFAULT) -> str:
    """Calendar days from ``first`` to ``last``, as compact as a reader writes them:
    6–7 July 2026, 30 June – 2 July 2026; 6–7 juillet 2026; 2026年7月6日至7日."""
    if last is None or last == first:
        return human_date(first, lang)
    if last.year != first.year:
        joined = "至" if lang == "zh" else " – "
        return human_date(first, lang) + joined + human_date(last, lang)
    if lang == "zh":
        if last.month == first.month:
            return f"{first.year}年{first.month}月{first.day}日至{last.day}日"
        return f"{first.year}年{first.month}月{first.day}日至{last.month}月{last.day}日"
    if last.month == first.month:
        start = "1er" if lang == "fr" and first.day == 1 else str(first.day)
        return f"{start}–{human_date(last, lang)}"
    return f"{_day_month(first, lang)} – {human_date(last, lang)}"


def human_instant(when: datetime, lang: str, zone: tzinfo) -> str:
    """An instant written for ``lang`` in ``zone``: 1 Dec 2026 at 09:00 CET, 1 déc. 2026 à
    09:00 CET, 2026年12月1日 09:00 CET."""
    local = when.astimezone(zone)
    day = format_date(local.date(), format="medium", locale=_BABEL.get(lang, _BABEL[DEFAULT]))
    hhmm = local.strftime("%H:%M")
    return t(lang, "terminal.datetime", date=day, time=hhmm, zone=local.tzname() or "")


def day_name(weekday: int, lang: str = DEFAULT) -> str:
    """A weekday as a schedule names it: Friday, vendredi, 周五."""
    width: Literal["abbreviated", "wide"] = "abbreviated" if lang == "zh" else "wide"
    return str(get_day_names(width, locale=_BABEL.get(lang, _BABEL[DEFAULT]))[weekday])


def _run(days: frozenset[int]) -> tuple[int, int] | None:
    """The first and last day of a set that is one unbroken run round the week, else None."""
    for first in days:
        if (first - 1) % 7 not in days:
            run = [(first + n) % 7 for n in range(len(days))]
            return (first, run[-1]) if set(run) == days else None
    return None


def join_list(
    items: Sequence[str], lang: str = DEFAULT, style: Literal["standard", "or"] = "standard"
) -> str:
    """``a, b and c`` / ``a, b et c`` / ``a、b、c``; with ``style="or"``, ``a or b``."""
    if lang == "zh":
        return ("、" if style == "standard" else "或").join(items)
    locale = _BABEL.get(lang, _BABEL[DEFAULT])
    return str(format_list(list(items), style=style, locale=locale))


def describe_days(days: frozenset[int], lang: str = DEFAULT) -> str:
    """The digest days as a reader says them, without the time: every day, every Friday,
    every weekday, Mondays and Thursdays, Monday to Saturday; tous les jours, chaque vendredi,
    lundi et jeudi; 每天, 每周五, 每周一、周四, 每周一至周六."""
    if len(days) == 7:
        return t(lang, "schedule.days_every")
    if days == frozenset(range(5)):
        return t(lang, "schedule.days_weekdays")
    ordered = sorted(days)
    if len(days) == 1:
        return t(lang, "schedule.days_one", day=day_name(ordered[0], lang))
    run = _run(days)
    if run is not None and len(days) >= 3:
        first, last = (day_name(d, lang) for d in run)
        return t(lang, "schedule.days_range", first=first, last=last)
    plural = "s" if lang == DEFAULT else ""  # Mondays and Thursdays; lundi et jeudi
    names = join_list([day_name(d, lang) + plural for d in ordered], lang)
    return t(lang, "schedule.days_list", days=names)


def describe_schedule(days: frozenset[int], at: time, tz: str, lang: str) -> str:
    """Digest days, time and zone: every Friday at 16:30 (Asia/Shanghai)."""
    hhmm = f"{at.hour:02d}:{at.minute:02d}"
    return t(lang, "schedule.at", days=describe_days(days, lang), time=hhmm, tz=tz)


def describe_time(at: time, tz: str, lang: str) -> str:
    """A time of day and its zone, no days: at 09:00 (Europe/Paris)."""
    return t(lang, "schedule.time_only", time=f"{at.hour:02d}:{at.minute:02d}", tz=tz)


def language_name(code: str, lang: str) -> str:
    return t(lang, f"language.{code}")


def pause_reason(reason: str | None, lang: str) -> str:
    """Why a subscription is paused, in ``lang``. Reasons are stored as codes: ``user:<id>`` (who
    paused it), ``slack:<error>`` (what Slack answered a post); older rows keep their text."""
    if not reason:
        return t(lang, "channels.no_reason")
    if reason.startswith("user:"):
        user = reason.removeprefix("user:")
        if _USER_ID.fullmatch(user):
            return t(lang, "channels.paused_by", user=f"<@{user}>")
        return t(lang, "channels.no_reason")
    if reason.startswith("slack:"):
        code = reason.removeprefix("slack:")
        key = f"pause.{code}"
        return f"{t(lang, key)} ({code})" if key in catalog() else code
    return reason


# an instant's format per language: Slack fills in the tokens, the words around them are ours
INSTANT_TOKEN = {
    "en": "{date_short_pretty} at {time}",
    "fr": "{date_short_pretty} à {time}",
    "zh": "{date_short_pretty} {time}",
}


def slack_datetime(when: datetime, lang: str = "en", zone: str | None = None) -> str:
    """An instant, shown in each reader's own time zone, in ``lang``. The fallback (where Slack
    cannot format it) is written in ``zone`` (the channel's) when known, else in UTC."""
    ts = int(when.timestamp())
    try:
        tz = ZoneInfo(zone) if zone else ZoneInfo("UTC")
    except (KeyError, ValueError):
        tz = ZoneInfo("UTC")
    fallback = escape(human_instant(when.astimezone(UTC), lang, tz))
    token = INSTANT_TOKEN.get(lang, INSTANT_TOKEN["en"])
    return f"<!date^{ts}^{token}|{fallback}>"
