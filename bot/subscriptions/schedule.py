"""Digest schedules: parsing ``/declaration subscribe …`` and finding when a channel's clock wakes.

A channel's schedule is a local wall-clock time in an IANA time zone, plus the set of weekdays its
digest goes out on (every day, one day, or any other set: ``mon thu``, ``weekdays``, ``mon-fri``).
The clock wakes every subscription once a day at that local time (summit reminders go out on any
day, whatever the digest days); the digest itself goes out only on digest days.

Everything here is a plain function over plain data: no clock reads, no I/O. Offsets and daylight
saving come from ``zoneinfo``; the only arithmetic done here is on calendar dates.

Daylight saving time, as implemented by :func:`wake_after`:

* 09:00 Europe/Paris is 09:00 local in winter and in summer, so consecutive wake-ups are 23 h apart
  across a spring-forward night and 25 h apart across a fall-back night.
* A local time that does not exist that day (02:30 Europe/Paris on 2026-03-29, when clocks jump
  from 02:00 to 03:00) is read with the offset in force just before the jump, as ``fold=0`` does:
  the wake-up comes at 03:30 local, one gap-length late. Nothing is skipped. Where the jump
  crosses midnight (America/Scoresbysund goes from 23:00 to 00:00), 23:30 comes at 00:30 on the
  next date, yet :func:`local_day` still counts it as the wake-up of the day before: every local
  date has exactly one wake-up.
* A local time that happens twice that day (02:30 Europe/Paris on 2026-10-25) wakes the channel at
  the first of the two only, so no local day has two wake-ups.
* Consecutive wake-ups are therefore never more than 24 h plus the size of a fall-back apart:
  25 h almost everywhere, 26 h in Antarctica/Troll (2 h), 27 h in Antarctica/Casey (3 h, 2009–2023).
* A date a zone skips altogether (Pacific/Apia, Friday 2011-12-30) is the one exception: it has
  no wake-up of its own, so a weekly digest on that weekday waits a fortnight.

APScheduler 3.11's ``CronTrigger(hour=…, minute=…)`` is not used for this, though it agrees on
most days: when a spring-forward comes later on the same local day, it misses the next day's
wake-ups in the first hour after midnight (00:30 Europe/Paris after 00:30 on 2026-03-29 gives
2026-03-31, 47 h later), and it never fires on a day whose wake-up falls in a gap at midnight
(00:00 America/Santiago on 2026-09-06). The tests check that every time it fires is a wake-up here,
and that it never fires before the one found here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, available_timezones

from bot.i18n import DEFAULT as DEFAULT_LANG
from bot.i18n import t
from bot.slack import plaintext
from bot.slack.mrkdwn import escape, truncate

# How the digest days read: every day, one day a week, or another set of days.
Cadence = Literal["daily", "weekly", "days"]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
EVERY_DAY: frozenset[int] = frozenset(range(7))
WORKING_DAYS: frozenset[int] = frozenset(range(5))
WEEKEND: frozenset[int] = frozenset({5, 6})

DEFAULT_DAYS: frozenset[int] = frozenset({0})  # weekly, on Monday
DEFAULT_TIME = time(9, 0)
FALLBACK_TZ = "UTC"

QUOTE_LIMIT = 40
EXAMPLE_DAILY = "subscribe daily 09:00 UTC"
EXAMPLE_WEEKLY = "subscribe weekly fri 16:30 Asia/Shanghai"
EXAMPLE_DAYS = "subscribe mon thu 08:30 Europe/Paris"
EXAMPLE_REMIND = "subscribe every monday at 9am"

# Names the zoneinfo database lists that are not places: the host's own zone and a placeholder.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# Both mean the one zone shown as "UTC".
_UTC_WORDS = frozenset({"utc", "gmt"})


def _day_words() -> dict[str, int]:
    """Every spelling of a weekday this parser reads, lowercase: English, French, Chinese."""
    words: dict[str, int] = {}
    french = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
    chinese = "一二三四五六日"
    for index, name in enumerate(WEEKDAY_NAMES):
        lowered = name.lower()
        words[lowered] = words[lowered + "s"] = words[WEEKDAYS[index]] = index
        words[french[index]] = words[french[index] + "s"] = words[french[index][:3]] = index
        words[french[index][:3] + "."] = index
        for prefix in ("周", "星期", "礼拜"):
            words[prefix + chinese[index]] = index
    words.update({"tues": 1, "weds": 2, "thur": 3, "thurs": 3})
    for prefix in ("周", "星期", "礼拜"):
        words[prefix + "天"] = 6
    return words


_WEEKDAY_WORDS: dict[str, int] = _day_words()


def weekday_of(word: str) -> int | None:
    """The weekday (Monday 0) a word names in any of the parser's spellings (``monday``, ``lun.``,
    ``周一``), or None."""
    return _WEEKDAY_WORDS.get(word.casefold())


# Words that stand for several days at once.
_DAY_SETS: dict[str, frozenset[int]] = {
    "weekdays": WORKING_DAYS,
    "weekday": WORKING_DAYS,
    "工作日": WORKING_DAYS,
    "每个工作日": WORKING_DAYS,
    "weekends": WEEKEND,
    "weekend": WEEKEND,
    "week-end": WEEKEND,
    "week-ends": WEEKEND,
    "周末": WEEKEND,
    "每周末": WEEKEND,
    "每个周末": WEEKEND,
}
_CADENCE_WORDS: dict[str, Literal["daily", "weekly"]] = {
    "daily": "daily",
    "everyday": "daily",
    "quotidien": "daily",
    "quotidienne": "daily",
    "每天": "daily",
    "每日": "daily",
    "天天": "daily",
    "weekly": "weekly",
    "hebdomadaire": "weekly",
    "每周": "weekly",
    "每星期": "weekly",
    "每礼拜": "weekly",
}
# Words between day names that say nothing: "mon and thu", "lundi et jeudi", "周一和周四".
_FILLERS = frozenset({"and", "et", "和", "与", "及", "跟", "、", "，", ",", "的", "在", "于"})
# Words before days: "every monday", "each day", "chaque lundi", "tous les lundis", "toutes les
# semaines"; "on mondays", "le lundi", "du lundi au vendredi", "from monday to friday".
_EVERY = frozenset({"every", "each", "chaque"})
_ALL_THE = frozenset({"tous", "toutes"})
_THE_PLURAL = frozenset({"les"})
_DAY_UNITS = frozenset({"day", "jour", "jours"})
_WEEK_UNITS = frozenset({"week", "semaine", "semaines"})
_ON = frozenset({"on", "le", "les", "du", "from", "en"})
# Between the two ends of a range of days written as words: "monday to friday", "du lundi au".
_TO = frozenset({"to", "au", "through", "thru", "until"})
# Words before a time of day, which may then be a bare hour: "at 9", "à 9 h", "vers 8h".
_AT = frozenset({"at", "à", "a", "@", "vers", "around"})
# What separates the two ends of a range of days ("mon-fri", "lun.-ven.", "周一至周五").
_RANGE = re.compile(r"(.+?)(?:-|–|—|~|至|到)(.+)")
# Several days in one word: "mon,thu", "周一、周四", and Chinese days written together, "周一周四".
_LIST_SEPARATORS = re.compile(r"[,，、;；]")
_CHINESE_DAYS = re.compile(r"(?:周|星期|礼拜)[一二三四五六日天]")

_TIME_24H = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_TIME_12H = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(am|pm)", re.ASCII)
_TIME_FRENCH = re.compile(r"([0-9]{1,2})h([0-9]{2})?", re.ASCII)  # 9h, 9h30, 21h
# Anything a reader would take for an attempt at a time of day, right or wrong.
_TIME_LIKE = re.compile(r"[0-9]{1,4}(?:[:.h][0-9]*)?(?:am|pm|h)?|[0-9]*:[0-9]+", re.ASCII)
_NAMED_TIMES: dict[str, time] = {
    **dict.fromkeys(("noon", "midday", "midi", "中午", "正午"), time(12, 0)),
    **dict.fromkeys(("midnight", "minuit", "午夜", "半夜"), time(0, 0)),
}
# Words said with an hour: "9 am", "9 pm"; "9 h", "9 h 30", "9 heures".
_AM_PM = {"am": "am", "pm": "pm", "a.m.": "am", "p.m.": "pm"}
_HOUR_WORDS = frozenset({"h", "heure", "heures", "o'clock"})
_HOUR_NUMBER = re.compile(r"[0-9]{1,2}", re.ASCII)
_MINUTES = re.compile(r"[0-9]{2}", re.ASCII)
# Chinese times of day: 9点, 上午9点, 下午3点半, 9点15分, 十点, 下午3:30; the part of the day first.
_ZH_PERIODS = {
    **dict.fromkeys(("上午", "早上", "早晨", "清晨"), "am"),
    "凌晨": "night",
    "中午": "noon",
    **dict.fromkeys(("下午", "傍晚", "晚上", "夜里"), "pm"),
}
_ZH_LATE = frozenset({"晚上", "夜里"})  # 晚上12点 is midnight
_ZH_PERIOD = "|".join(_ZH_PERIODS)
_ZH_HOUR = "[0-9]{1,2}|[零〇一二两三四五六七八九十]{1,3}"
_ZH_MINUTE = "[0-9]{1,2}分?|半|一刻|三刻|整"
_ZH_TIME = re.compile(
    rf"({_ZH_PERIOD})?(?:({_ZH_HOUR})[点點时時]({_ZH_MINUTE})?|([0-9]{{1,2}}):([0-9]{{2}}))"
)
_ZH_DIGITS = {c: n for n, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_ZH_MINUTES = {"": 0, "整": 0, "半": 30, "一刻": 15, "三刻": 45}
# Chinese (and full-width) characters: a word with any is cut into the words it is written with.
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_ZH_DAY = "(?:周|星期|礼拜)[一二三四五六日天]"
_SEGMENT = re.compile(
    rf"(?P<time>(?:{_ZH_PERIOD})?(?:{_ZH_HOUR})[点點时時](?:{_ZH_MINUTE})?"
    rf"|(?:{_ZH_PERIOD})[0-9]{{1,2}}:[0-9]{{2}}|中午|正午|午夜|半夜)"
    rf"|(?P<days>(?:每个|每)?{_ZH_DAY}(?:[至到~\-–—]{_ZH_DAY})?|(?:每个|每)?(?:工作日|周末))"
    r"|(?P<cadence>每天|每日|天天|每周|每星期|每礼拜)"
    r"|(?P<filler>[和与及跟、，,的在于])"
    r"|(?P<paren>[()（）])"
    r"|(?P<latin>[a-z0-9_/+\-:.]+)",
    re.IGNORECASE,
)

# The smallest step in time: the instant just before a wake-up.
_EPSILON = timedelta(microseconds=1)
# Dates past the local date of `after` that can hold the next wake-up: one, two when a zone
# jumps forward a whole day; more is a margin.
_MAX_DAYS_AHEAD = 3
# Wake-ups a search may pass over before it gives up: a digest day comes within 7, or within 14
# if a zone drops a whole date; an outage is walked from no more than 2 days back.
_MAX_STEPS = 16


def days_key(days: frozenset[int]) -> str:
    """How a set of weekdays is stored: ``mon thu`` (Monday first)."""
    return " ".join(WEEKDAYS[d] for d in sorted(days))


def days_from_key(key: str) -> frozenset[int]:
    """The set of weekdays stored as ``mon thu``; raises ValueError on anything else."""
    days = frozenset(WEEKDAYS.index(word) for word in key.split())
    if not days:
        raise ValueError(f"no weekdays in {key!r}")
    return days


@dataclass(frozen=True)
class Schedule:
    """When a channel's digest goes out: on a set of weekdays, at a local time, in a zone."""

    days: frozenset[int]  # 0 is Monday, 6 Sunday
    at: time
    tz: str

    def __post_init__(self) -> None:
        if not isinstance(self.days, frozenset):
            object.__setattr__(self, "days", frozenset(self.days))
        if not self.days or not self.days <= EVERY_DAY:
            raise ValueError(f"digest days must be weekdays 0 (Monday) to 6, not {self.days!r}")
        if self.at.second or self.at.microsecond or self.at.tzinfo is not None:
            raise ValueError("the time of day must be a naive local time in whole minutes")
        if zone(self.tz) is None:
            raise ValueError(f"unknown time zone {self.tz!r}")

    @property
    def cadence(self) -> Cadence:
        if self.days == EVERY_DAY:
            return "daily"
        return "weekly" if len(self.days) == 1 else "days"

    def describe(self) -> str:
        """``every day at 09:00 (Europe/Paris)``, ``every Friday at 16:30 (Asia/Shanghai)``,
        ``Mondays and Thursdays at 08:30 (Europe/Paris)``: in English, for logs."""
        if self.days == EVERY_DAY:
            days = "every day"
        elif self.days == WORKING_DAYS:
            days = "every weekday"
        elif len(self.days) == 1:
            days = f"every {WEEKDAY_NAMES[min(self.days)]}"
        else:
            names = [WEEKDAY_NAMES[d] + "s" for d in sorted(self.days)]
            days = ", ".join(names[:-1]) + " and " + names[-1]
        return f"{days} at {self.at:%H:%M} ({self.tz})"

    def is_digest_day(self, local_day: date) -> bool:
        """Whether a digest goes out on this local date."""
        return local_day.weekday() in self.days


@dataclass(frozen=True)
class Wording:
    """How a mistake is written. For a message (mrkdwn): the user's words escaped, examples in
    backticks. Under a form's field (plain text): the same phrase without markup, the user's
    words as they are (nothing to escape, nothing to undo)."""

    plain: bool = False

    def phrase(self, lang: str, key: str, **values: str) -> str:
        """The catalogue's phrase ``key``, ``{names}`` filled in with values written this way."""
        if not self.plain:
            return t(lang, key, **values)
        return plaintext.mrkdwn(t(lang, key)).format(**values)

    def quote(self, word: str) -> str:
        """The user's word, cut short and between quotes."""
        cut = truncate(word, QUOTE_LIMIT)
        return f"“{cut}”" if self.plain else f"“{escape(cut)}”"

    def code(self, text: str) -> str:
        """Something to type (an example, a topic id)."""
        return text if self.plain else f"`{text}`"


MRKDWN = Wording()
PLAIN = Wording(plain=True)


@dataclass(frozen=True)
class ScheduleError:
    """Why the words after ``subscribe`` are not a schedule: what went wrong (a code) and the
    user's words as typed. Its text lives in the message catalogue (``schedule.err_*``):
    :meth:`say` gives one sentence in a reader's language, as mrkdwn safe to post as is or as
    plain text."""

    code: str
    quoted: tuple[str, ...] = ()  # the user's words (quoted when said), as typed
    part: str = ""  # for ``twice``: cadence, weekday, time or time zone

    @property
    def message(self) -> str:
        """The mistake in English."""
        return self.say(DEFAULT_LANG)

    def say(self, lang: str, wording: Wording = MRKDWN) -> str:
        """The mistake in ``lang``, with the same examples in every language."""
        w = wording
        q = [w.quote(word) for word in self.quoted]
        daily, weekly = w.code(EXAMPLE_DAILY), w.code(EXAMPLE_WEEKLY)
        if self.code == "twice":
            part = w.phrase(lang, f"schedule.part_{self.part.replace(' ', '_')}")
            first, second = q
            return w.phrase(
                lang, "schedule.err_twice", part=part, first=first, second=second, example=weekly
            )
        if self.code == "daily_weekday":
            first, second = q
            return w.phrase(
                lang,
                f"schedule.err_{self.code}",
                first=first,
                second=second,
                daily=daily,
                weekly=weekly,
            )
        if self.code == "weekly_days":
            first, second, _ = q
            return w.phrase(
                lang,
                "schedule.err_weekly_days",
                first=first,
                second=second,
                n=self.quoted[2],
                example=w.code(EXAMPLE_DAYS),
            )
        if self.code == "needs_time":
            word = q[0] if q else ""
            return w.phrase(
                lang, "schedule.err_needs_time", word=word, example=w.code(EXAMPLE_REMIND)
            )
        # time, zone, unknown
        code = self.code if self.code in ("time", "zone") else "unknown"
        word = q[0] if q else ""
        return w.phrase(lang, f"schedule.err_{code}", word=word, daily=daily, weekly=weekly)

    @property
    def field(self) -> str:
        """Which part of a form the mistake is in: ``days``, ``time`` or ``tz`` (else ``""``)."""
        if self.code in ("time", "needs_time") or self.part == "time":
            return "time"
        if self.code == "zone" or self.part == "time zone":
            return "tz"
        if self.code in ("daily_weekday", "weekly_days") or self.part == "cadence":
            return "days"
        return ""


# --- Time zones ---------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Every IANA zone name the system knows, keyed by its lowercase form."""
    return {name.lower(): name for name in available_timezones() if name not in _NOT_ZONES}


def zone(name: str) -> ZoneInfo | None:
    """The zone an IANA name stands for, whatever its case; ``None`` if no zone has that name."""
    key = name.strip().lower()
    if key in _UTC_WORDS:
        return ZoneInfo(FALLBACK_TZ)
    canonical = _zone_names().get(key)
    if canonical is None:
        return None
    return ZoneInfo(canonical)


def _zone_of(schedule: Schedule) -> ZoneInfo:
    found = zone(schedule.tz)
    if found is None:  # Schedule checks its zone when built; this is for a zone since removed.
        raise ValueError(f"unknown time zone {schedule.tz!r}")
    return found


# --- Parsing ------------------------------------------------------------------------------------


def _clock(hour: int, minute: int) -> time | None:
    if 0 <= hour <= 23 and 0 <= minute <= 59:
        return time(hour, minute)
    return None


def _chinese_number(text: str) -> int | None:
    """``9``, ``九``, ``十``, ``十一``, ``二十三``, ``两``: a number of hours (0 to 99)."""
    if text.isascii():
        return int(text)
    if "十" not in text:
        return _ZH_DIGITS.get(text) if len(text) == 1 else None
    tens_word, _, units_word = text.partition("十")
    tens = _ZH_DIGITS.get(tens_word) if tens_word else 1
    units = _ZH_DIGITS.get(units_word) if units_word else 0
    if tens is None or units is None:
        return None
    return tens * 10 + units


def _chinese_hour(period: str, hour: int) -> int | None:
    """The hour on a 24-hour clock of ``下午3点`` (period 下午, hour 3), or None."""
    kind = _ZH_PERIODS.get(period, "")
    if kind == "am":  # 上午, 早上: 0 to 12 as said
        return hour if hour <= 12 else None
    if kind == "night":  # 凌晨12点 is midnight
        return hour % 12 if hour <= 12 else None
    if kind == "noon":  # 中午12点, 中午1点
        return hour if 11 <= hour <= 12 else hour + 12 if 1 <= hour <= 3 else None
    if kind == "pm":  # 下午3点; 晚上12点 is midnight; 下午15点 as said
        if hour == 12:
            return 0 if period in _ZH_LATE else 12
        return hour + 12 if 1 <= hour <= 11 else hour if 13 <= hour <= 23 else None
    return hour


def _chinese_time(word: str) -> time | None:
    """``9点``, ``上午9点``, ``下午3点``, ``8点半``, ``9点15分``, ``十点``, ``下午3:30``."""
    match = _ZH_TIME.fullmatch(word)
    if not match:
        return None
    period, hour_word, minute_word, hh, mm = match.groups()
    if hh is not None:
        hour, minute = int(hh), int(mm)
    else:
        number = _chinese_number(hour_word)
        if number is None:
            return None
        hour, minute = number, _ZH_MINUTES.get(minute_word or "", -1)
        if minute < 0:
            minute = int(minute_word.removesuffix("分"))
    if hour > 23 or minute > 59:
        return None
    converted = _chinese_hour(period or "", hour)
    return None if converted is None else _clock(converted, minute)


def _parse_time(word: str) -> time | None:
    """``09:00``, ``9:00``, ``17:30``, ``9am``, ``9:30am``, ``5pm``, ``12pm`` (noon), ``12am``;
    ``9h``, ``9h30``, ``21h``; ``noon``, ``midnight``, ``midi``, ``minuit``; ``9点``,
    ``上午9点``, ``下午3点``, ``8点半``, ``中午``. ``word`` is in lowercase."""
    if word in _NAMED_TIMES:
        return _NAMED_TIMES[word]
    match = _TIME_24H.fullmatch(word) or _TIME_FRENCH.fullmatch(word)
    if match:
        return _clock(int(match.group(1)), int(match.group(2) or "0"))
    match = _TIME_12H.fullmatch(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or "0")
        if not 1 <= hour <= 12 or minute > 59:
            return None
        hour %= 12
        if match.group(3) == "pm":
            hour += 12
        return time(hour, minute)
    return _chinese_time(word)


def _time_like(word: str) -> bool:
    """Whether a reader would take ``word`` for an attempt at a time of day, right or wrong."""
    return bool(_TIME_LIKE.fullmatch(word) or _ZH_TIME.fullmatch(word))


# One word as typed and in lowercase.
Token = tuple[str, str]


def _segments(word: str) -> list[Token] | None:
    """A word written in Chinese without spaces, cut into the words it is made of
    (``每周一上午9点``: ``每周一``, ``上午9点``); None if some part of it is not one."""
    found: list[Token] = []
    position = 0
    while position < len(word):
        match = _SEGMENT.match(word, position)
        if match is None:
            return None
        piece = match.group()
        if match.lastgroup != "paren":
            found.append((piece, piece.lower()))
        position = match.end()
    return found


def _known_word(lowered: str) -> bool:
    return (
        lowered in _CADENCE_WORDS
        or lowered in _FILLERS
        or parse_days(lowered) is not None
        or _parse_time(lowered) is not None
    )


def _tokens(words: Sequence[str]) -> list[Token]:
    """Each word as typed and in lowercase: blanks and the ``lang:`` option skipped, brackets
    and a trailing comma taken off (``(Europe/Paris)``, ``Mondays,``), and words written in
    Chinese without spaces cut into theirs."""
    found: list[Token] = []
    for item in words:
        for raw in item.split():
            if raw.lower().startswith("lang:"):
                continue
            word = raw.strip("()（）").rstrip(",，") or raw
            lowered = word.lower()
            if _CJK.search(word) and not _known_word(lowered):
                cut = _segments(word)
                if cut is not None:
                    found += cut
                    continue
            found.append((word, lowered))
    return found


def names_zone(words: Sequence[str]) -> bool:
    """Whether the words name a time zone (if not, the default zone is used)."""
    return any(zone(lowered) is not None for _, lowered in _tokens(words))


def _twice(part: str, first: str, second: str) -> ScheduleError:
    return ScheduleError("twice", (first, second), part)


def _one_day(word: str) -> int | None:
    lowered = word.lower()
    for every in ("每个", "每"):  # 每周一: every Monday
        if lowered.startswith(every) and len(lowered) > len(every):
            lowered = lowered[len(every) :]
            break
    return _WEEKDAY_WORDS.get(lowered)


def parse_days(word: str) -> frozenset[int] | None:
    """The weekdays one word names, or None if it names none: ``fri``, ``Friday``, ``vendredi``,
    ``ven.``, ``周五``, ``星期五``; ``weekdays``, ``weekend``, ``工作日``; ranges ``mon-fri``,
    ``lun.-ven.``, ``周一至周五`` (``fri-mon`` wraps round the week); lists ``mon,thu``,
    ``周一、周四``, ``周一周四``."""
    lowered = word.lower()
    if lowered in _DAY_SETS:
        return _DAY_SETS[lowered]
    single = _one_day(lowered)
    if single is not None:
        return frozenset({single})
    parts = [p for p in _LIST_SEPARATORS.split(lowered) if p]
    if len(parts) > 1:
        found: set[int] = set()
        for part in parts:
            days = parse_days(part)
            if days is None:
                return None
            found |= days
        return frozenset(found)
    bare = lowered.removeprefix("每")
    chinese = _CHINESE_DAYS.findall(bare)
    if len(chinese) > 1 and "".join(chinese) == bare:
        return frozenset(_WEEKDAY_WORDS[c] for c in chinese)
    match = _RANGE.fullmatch(lowered)
    if match:
        first, last = _one_day(match.group(1)), _one_day(match.group(2))
        if first is not None and last is not None:
            return _day_range(first, last)
    return None


def _day_range(first: int, last: int) -> frozenset[int]:
    return frozenset((first + n) % 7 for n in range((last - first) % 7 + 1))


def _single_day(word: str) -> int | None:
    days = parse_days(word)
    return min(days) if days is not None and len(days) == 1 else None


@dataclass
class _Reading:
    """What the words said so far."""

    cadence: tuple[str, Literal["daily", "weekly"]] | None = None
    days: set[int] = field(default_factory=set)
    day_words: list[str] = field(default_factory=list)
    at: tuple[str, time] | None = None
    tz: tuple[str, str] | None = None
    last_day: int | None = None  # the one day the word just read named, for "monday to friday"

    def set_cadence(self, said: str, cadence: Literal["daily", "weekly"]) -> ScheduleError | None:
        if self.cadence is not None:
            return _twice("cadence", self.cadence[0], said)
        self.cadence = (said, cadence)
        return None

    def set_time(self, said: str, at: time) -> ScheduleError | None:
        if self.at is not None:
            return _twice("time", self.at[0], said)
        self.at = (said, at)
        return None

    def add_days(self, said: str, days: frozenset[int]) -> None:
        self.days |= days
        self.day_words.append(said)
        self.last_day = min(days) if len(days) == 1 else None


# What one step of reading gives: the index of the next word, or the mistake.
_Step = int | ScheduleError


def _read_time(tokens: Sequence[Token], i: int, bare: bool) -> tuple[str, time, int] | None:
    """The time of day the words from ``tokens[i]`` say, as typed and where they end:
    ``9am``, ``9 am``, ``9 h 30``, ``midi``; a bare hour (``9``) only when ``bare`` (after
    ``at`` or ``à``). None if they say none (an attempt that is wrong is checked by the caller)."""
    if i >= len(tokens):
        return None
    text, lowered = tokens[i]
    after = tokens[i + 1][1] if i + 1 < len(tokens) else ""
    number = _HOUR_NUMBER.fullmatch(lowered)
    if (number or _TIME_24H.fullmatch(lowered)) and after in _AM_PM:
        said = f"{text} {tokens[i + 1][0]}"
        parsed = _parse_time(lowered + _AM_PM[after])
        return (said, parsed, i + 2) if parsed is not None else None
    if number and after in _HOUR_WORDS:
        end, minute = i + 2, 0
        if end < len(tokens) and _MINUTES.fullmatch(tokens[end][1]):
            end, minute = end + 1, int(tokens[end][1])
        said = " ".join(word for word, _ in tokens[i:end])
        parsed = _clock(int(lowered), minute)
        return (said, parsed, end) if parsed is not None else None
    parsed = _parse_time(lowered)
    if parsed is None and bare and number:
        parsed = _clock(int(lowered), 0)
    return (text, parsed, i + 1) if parsed is not None else None


def _time_mistake(tokens: Sequence[Token], i: int, bare: bool) -> ScheduleError | None:
    """The time wrongly said at ``tokens[i]`` (``25:99``, ``13 pm``, ``25 h``), if any."""
    if i >= len(tokens):
        return None
    text, lowered = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ("", "")
    if _HOUR_NUMBER.fullmatch(lowered) and (after[1] in _AM_PM or after[1] in _HOUR_WORDS):
        end = i + 2
        if after[1] in _HOUR_WORDS and end < len(tokens) and _MINUTES.fullmatch(tokens[end][1]):
            end += 1  # 9 h 75
        return ScheduleError("time", (" ".join(word for word, _ in tokens[i:end]),))
    if _time_like(lowered) or (bare and lowered.isascii() and lowered[:1].isdigit()):
        return ScheduleError("time", (text,))
    return None


def _step_every(tokens: Sequence[Token], i: int, reading: _Reading) -> _Step:
    """``every monday``, ``every day``, ``every week``, ``tous les lundis``, ``chaque jour``."""
    text, lowered = tokens[i]
    j = i + 1
    if lowered in _ALL_THE and j < len(tokens) and tokens[j][1] in _THE_PLURAL:
        j += 1
    following = tokens[j][1] if j < len(tokens) else ""
    said = " ".join(word for word, _ in tokens[i : j + 1])
    if following in _DAY_UNITS or following in _WEEK_UNITS:
        cadence: Literal["daily", "weekly"] = "daily" if following in _DAY_UNITS else "weekly"
        return reading.set_cadence(said, cadence) or j + 1
    if parse_days(following) is not None:
        return j
    return ScheduleError("unknown", (text,))


def _step_on(tokens: Sequence[Token], i: int, reading: _Reading) -> _Step:
    """``on mondays``, ``le lundi``, ``from monday``, ``en semaine``."""
    text, lowered = tokens[i]
    following = tokens[i + 1][1] if i + 1 < len(tokens) else ""
    if lowered == "en" and following in _WEEK_UNITS:
        reading.add_days(f"{text} {tokens[i + 1][0]}", WORKING_DAYS)
        return i + 2
    if lowered != "en" and parse_days(following) is not None:
        return i + 1
    return ScheduleError("unknown", (text,))


def _step_to(tokens: Sequence[Token], i: int, reading: _Reading, first: int | None) -> _Step:
    """``monday to friday``, ``du lundi au vendredi``: the days from the one just named."""
    text, _ = tokens[i]
    last = _single_day(tokens[i + 1][1]) if i + 1 < len(tokens) else None
    if first is None or last is None:
        return ScheduleError("unknown", (text,))
    said = f"{reading.day_words.pop()} {text} {tokens[i + 1][0]}"
    reading.add_days(said, _day_range(first, last))
    return i + 2


def _step_at(tokens: Sequence[Token], i: int, reading: _Reading) -> _Step:
    """``at 9``, ``at 9:30pm``, ``à 9 h``, ``at noon``."""
    found = _read_time(tokens, i + 1, bare=True)
    if found is None:
        mistake = _time_mistake(tokens, i + 1, bare=True)
        return mistake or ScheduleError("needs_time", (tokens[i][0],))
    said, at, end = found
    return reading.set_time(said, at) or end


def _step(tokens: Sequence[Token], i: int, reading: _Reading) -> _Step:
    """Read the word at ``tokens[i]`` (and any that go with it)."""
    text, lowered = tokens[i]
    first, reading.last_day = reading.last_day, None
    if lowered in _EVERY or lowered in _ALL_THE:
        return _step_every(tokens, i, reading)
    if lowered in _ON:
        return _step_on(tokens, i, reading)
    if lowered in _TO:
        return _step_to(tokens, i, reading, first)
    if lowered in _AT:
        return _step_at(tokens, i, reading)
    if lowered in _CADENCE_WORDS:
        return reading.set_cadence(text, _CADENCE_WORDS[lowered]) or i + 1
    if (named := parse_days(lowered)) is not None:
        reading.add_days(text, named)
        return i + 1
    if lowered in _FILLERS:
        return i + 1
    if (found := zone(lowered)) is not None:
        if reading.tz is not None:
            return _twice("time zone", reading.tz[0], text)
        reading.tz = (text, found.key)
        return i + 1
    if (at := _read_time(tokens, i, bare=False)) is not None:
        said, parsed, end = at
        return reading.set_time(said, parsed) or end
    if (mistake := _time_mistake(tokens, i, bare=False)) is not None:
        return mistake
    if "/" in lowered:
        return ScheduleError("zone", (text,))
    return ScheduleError("unknown", (text,))


def parse_schedule(words: Sequence[str], default_tz: str = "UTC") -> Schedule | ScheduleError:
    """The schedule the words ask for (see :func:`read_schedule`)."""
    read = read_schedule(words, default_tz)
    return read if isinstance(read, ScheduleError) else read[0]


def read_schedule(
    words: Sequence[str], default_tz: str = "UTC"
) -> tuple[Schedule, frozenset[str]] | ScheduleError:
    """The schedule the words ask for, and which of its parts they named (``days``, ``time``,
    ``zone``; the others are defaults), so that a change keeps what it does not name.

    Reads ``[daily | weekly | <days>] [<time>] [IANA zone]`` in any order and any case, the way
    people say it (``every monday at 9am``, ``daily at 9``, ``weekly on friday``, ``tous les
    lundis à 9h``, ``每周一上午9点``) or tersely (``mon thu 08:30 Europe/Paris``).

    Days are any number of words naming weekdays (see :func:`parse_days`), in English, French or
    Chinese: ``mon thu``, ``weekdays``, ``mon-fri``, ``lundi jeudi``, ``周一、周四``, also
    ``monday to friday``, ``du lundi au vendredi``, ``en semaine``. ``daily`` (``every day``,
    ``chaque jour``, ``每天``) is every day; ``weekly`` (``every week``) is one day a week
    (Monday unless one day is named). ``every``, ``on``, ``le``/``les``, ``tous les``,
    ``chaque`` go before days; ``at``/``à`` before a time, which may then be a bare hour
    (``at 9``). Times: ``09:00``, ``9am``, ``9:30pm``, ``9h30``, ``9 h``, ``noon``, ``midi``,
    ``minuit``, ``上午9点``, ``8点半``, ``中午``. Brackets round a zone are passed over, so what
    ``status`` says reads back as the same schedule.
    Left out: on Monday, at 09:00, in ``default_tz`` (UTC if that is not a known zone).
    Words starting with ``lang:`` are someone else's and are passed over. Never raises; the work
    grows in step with the length of the words.
    """
    tokens = _tokens(words)
    reading = _Reading()
    i = 0
    while i < len(tokens):
        step = _step(tokens, i, reading)
        if isinstance(step, ScheduleError):
            return step
        i = step

    cadence, days, day_words = reading.cadence, reading.days, reading.day_words
    if cadence is not None and cadence[1] == "daily" and day_words:
        return ScheduleError("daily_weekday", (cadence[0], day_words[0]))
    if cadence is not None and cadence[1] == "weekly" and len(days) > 1:
        return ScheduleError("weekly_days", (cadence[0], " ".join(day_words), str(len(days))))

    if reading.tz is not None:
        tz_name = reading.tz[1]
    else:
        default = zone(default_tz)
        tz_name = default.key if default is not None else FALLBACK_TZ
    if cadence is not None and cadence[1] == "daily":
        chosen = EVERY_DAY
    else:
        chosen = frozenset(days) or DEFAULT_DAYS
    at = reading.at[1] if reading.at is not None else DEFAULT_TIME
    named = {
        part
        for part, said in (
            ("days", cadence is not None or bool(day_words)),
            ("time", reading.at is not None),
            ("zone", reading.tz is not None),
        )
        if said
    }
    return Schedule(days=chosen, at=at, tz=tz_name), frozenset(named)


# --- Wake-ups -----------------------------------------------------------------------------------


def _require_aware(name: str, instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {instant!r}")


def _slot(day: date, at: time, tz: ZoneInfo) -> datetime:
    """A local date's wake-up, in UTC: its wall-clock time read with ``fold=0`` (PEP 495)."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def wake_after(schedule: Schedule, after: datetime) -> datetime:
    """The first wake-up strictly after ``after``, in UTC: the local clock reads ``schedule.at``.

    Every day counts, whatever the cadence. A local time skipped by a spring-forward is read with
    the offset in force before the jump (the wake-up comes one gap-length late that day); a local
    time repeated by a fall-back wakes the channel at its first occurrence only.
    """
    _require_aware("after", after)
    tz = _zone_of(schedule)
    start = after.astimezone(tz).date()
    # Wake-ups never go backwards from one date to the next, so the first date whose wake-up is
    # later than `after` has the answer. The date before counts when a jump across midnight has
    # carried its wake-up onto the date of `after` (America/Scoresbysund, 23:00 -> 00:00).
    for shift in range(-1, _MAX_DAYS_AHEAD + 1):
        slot = _slot(start + timedelta(days=shift), schedule.at, tz)
        if slot > after:
            return slot
    raise RuntimeError(f"no wake-up found for {schedule.describe()} after {after.isoformat()}")


def local_day(schedule: Schedule, instant: datetime) -> date:
    """The calendar date the schedule's zone shows at an (aware) instant.

    One exception: the wake-up of a local time skipped by a jump across midnight falls on the
    next date, but stands for the date before, and that is the date returned for it.
    """
    _require_aware("instant", instant)
    tz = _zone_of(schedule)
    day = instant.astimezone(tz).date()
    before = day - timedelta(days=1)
    if _slot(day, schedule.at, tz) != instant and _slot(before, schedule.at, tz) == instant:
        return before
    return day


def next_digest(schedule: Schedule, after: datetime) -> datetime:
    """The first wake-up strictly after ``after`` on a digest day (by local date), in UTC."""
    instant = after
    for _ in range(_MAX_STEPS):
        instant = wake_after(schedule, instant)
        if schedule.is_digest_day(local_day(schedule, instant)):
            return instant
    raise RuntimeError(f"no digest day found for {schedule.describe()} after {after.isoformat()}")


def latest_slot_at_or_before(schedule: Schedule, due: datetime, now: datetime) -> datetime:
    """The latest wake-up ``w`` with ``due <= w <= now``, in UTC: missed wake-ups become one.

    ``due`` is the stored next wake-up, which has passed (``due <= now``). If no wake-up lies
    between the two (``due`` was stored under another schedule), ``due`` itself is returned.
    The work does not grow with the length of the outage.
    """
    _require_aware("due", due)
    _require_aware("now", now)
    if due > now:
        raise ValueError(f"due ({due.isoformat()}) is after now ({now.isoformat()})")
    first = wake_after(schedule, due - _EPSILON)
    if first > now:
        return due.astimezone(UTC)
    # A wake-up in the two days before now, if later than the first, saves walking the outage.
    recent = wake_after(schedule, now - timedelta(days=2))
    slot = recent if first < recent <= now else first
    for _ in range(_MAX_STEPS):
        following = wake_after(schedule, slot)
        if following > now:
            return slot
        slot = following
    raise RuntimeError(f"no wake-up found for {schedule.describe()} before {now.isoformat()}")
