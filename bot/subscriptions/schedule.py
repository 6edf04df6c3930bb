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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
# Words that stand for several days at once.
_DAY_SETS: dict[str, frozenset[int]] = {
    "weekdays": WORKING_DAYS,
    "weekday": WORKING_DAYS,
    "工作日": WORKING_DAYS,
    "weekends": WEEKEND,
    "weekend": WEEKEND,
    "周末": WEEKEND,
}
_CADENCE_WORDS: dict[str, Literal["daily", "weekly"]] = {
    "daily": "daily",
    "quotidien": "daily",
    "quotidienne": "daily",
    "每天": "daily",
    "每日": "daily",
    "weekly": "weekly",
    "hebdomadaire": "weekly",
    "每周": "weekly",
}
# Words between day names that say nothing: "mon and thu", "lundi et jeudi".
_FILLERS = frozenset({"and", "et"})
# What separates the two ends of a range of days ("mon-fri", "lun.-ven.", "周一至周五").
_RANGE = re.compile(r"(.+?)(?:-|–|—|~|至|到)(.+)")
# Several days in one word: "mon,thu", "周一、周四", and Chinese days written together, "周一周四".
_LIST_SEPARATORS = re.compile(r"[,，、;；]")
_CHINESE_DAYS = re.compile(r"(?:周|星期|礼拜)[一二三四五六日天]")

_TIME_24H = re.compile(r"([0-9]{1,2}):([0-9]{2})", re.ASCII)
_TIME_12H = re.compile(r"([0-9]{1,2})(?::([0-9]{2}))?(am|pm)", re.ASCII)
# Anything a reader would take for an attempt at a time of day, right or wrong.
_TIME_LIKE = re.compile(r"[0-9]{1,4}(?:[:.h][0-9]*)?(?:am|pm|h)?|[0-9]*:[0-9]+", re.ASCII)

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
        # time, zone, unknown
        code = self.code if self.code in ("time", "zone") else "unknown"
        word = q[0] if q else ""
        return w.phrase(lang, f"schedule.err_{code}", word=word, daily=daily, weekly=weekly)

    @property
    def field(self) -> str:
        """Which part of a form the mistake is in: ``days``, ``time`` or ``tz`` (else ``""``)."""
        if self.code == "time" or self.part == "time":
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


def _parse_time(word: str) -> time | None:
    """``09:00``, ``9:00``, ``17:30``, ``9am``, ``9:30am``, ``5pm``, ``12pm`` (noon), ``12am``."""
    match = _TIME_24H.fullmatch(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour <= 23 and minute <= 59:
            return time(hour, minute)
        return None
    match = _TIME_12H.fullmatch(word)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or "0")
        if not 1 <= hour <= 12 or minute > 59:
            return None
        hour %= 12
        if match.group(3) == "pm":
            hour += 12
        return time(hour, minute)
    return None


def _split(words: Sequence[str]) -> Iterator[tuple[str, str]]:
    """Each word as typed and in lowercase, skipping blanks and the ``lang:`` option."""
    for item in words:
        for word in item.split():
            lowered = word.lower()
            if not lowered.startswith("lang:"):
                yield word, lowered


def _twice(part: str, first: str, second: str) -> ScheduleError:
    return ScheduleError("twice", (first, second), part)


def _one_day(word: str) -> int | None:
    lowered = word.lower()
    if lowered.startswith("每") and len(lowered) > 1:  # 每周一: every Monday
        lowered = lowered[1:]
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
            return frozenset((first + n) % 7 for n in range((last - first) % 7 + 1))
    return None


def parse_schedule(words: Sequence[str], default_tz: str = "UTC") -> Schedule | ScheduleError:
    """Read ``[daily | weekly | <days>] [HH:MM] [IANA zone]`` in any order and any case.

    Days are any number of words naming weekdays (see :func:`parse_days`), in English, French or
    Chinese: ``mon thu``, ``weekdays``, ``mon-fri``, ``lundi jeudi``, ``周一、周四``. ``daily`` is
    every day; ``weekly`` is one day a week (Monday unless one day is named).
    Left out: on Monday, at 09:00, in ``default_tz`` (UTC if that is not a known zone).
    Words starting with ``lang:`` are someone else's and are passed over. Never raises.
    """
    cadence: tuple[str, Literal["daily", "weekly"]] | None = None
    days: set[int] = set()
    day_words: list[str] = []
    at: tuple[str, time] | None = None
    tz: tuple[str, str] | None = None

    for word, lowered in _split(words):
        if lowered in _CADENCE_WORDS:
            if cadence is not None:
                return _twice("cadence", cadence[0], word)
            cadence = (word, _CADENCE_WORDS[lowered])
        elif (named := parse_days(lowered)) is not None:
            days |= named
            day_words.append(word)
        elif lowered in _FILLERS:
            continue
        elif (found := zone(lowered)) is not None:
            if tz is not None:
                return _twice("time zone", tz[0], word)
            tz = (word, found.key)
        elif (parsed := _parse_time(lowered)) is not None:
            if at is not None:
                return _twice("time", at[0], word)
            at = (word, parsed)
        elif _TIME_LIKE.fullmatch(lowered):
            return ScheduleError("time", (word,))
        elif "/" in lowered:
            return ScheduleError("zone", (word,))
        else:
            return ScheduleError("unknown", (word,))

    if cadence is not None and cadence[1] == "daily" and day_words:
        return ScheduleError("daily_weekday", (cadence[0], day_words[0]))
    if cadence is not None and cadence[1] == "weekly" and len(days) > 1:
        return ScheduleError("weekly_days", (cadence[0], " ".join(day_words), str(len(days))))

    if tz is not None:
        tz_name = tz[1]
    else:
        default = zone(default_tz)
        tz_name = default.key if default is not None else FALLBACK_TZ
    if cadence is not None and cadence[1] == "daily":
        chosen = EVERY_DAY
    else:
        chosen = frozenset(days) or DEFAULT_DAYS
    return Schedule(days=chosen, at=at[1] if at is not None else DEFAULT_TIME, tz=tz_name)


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
