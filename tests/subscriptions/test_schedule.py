"""Digest schedules: parsing, and wake-ups across daylight saving time in any zone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from cronsim import CronSim
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.subscriptions.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    WORKING_DAYS,
    Schedule,
    ScheduleError,
    days_from_key,
    days_key,
    latest_slot_at_or_before,
    local_day,
    next_digest,
    parse_days,
    parse_schedule,
    wake_after,
    zone,
)
from tests.schedulehelp import ALL_ZONES, schedules

# Zones whose clocks went back by more than an hour at some point from 2000 to 2100: consecutive
# wake-ups there are 24 h plus that much apart (see the module's notes).
BIG_FALL_BACKS = {
    "Antarctica/Casey": timedelta(hours=3),
    "Antarctica/Davis": timedelta(hours=2),
    "Antarctica/Troll": timedelta(hours=2),
    "Antarctica/Vostok": timedelta(hours=2),
    "Asia/Chita": timedelta(hours=2),
    "Asia/Magadan": timedelta(hours=2),
}
# Zones that dropped a whole calendar date (2011-12-30, when they crossed the date line).
SKIPPED_DATES = {"Pacific/Apia", "Pacific/Fakaofo"}
DAY_AFTER_SKIP = date(2011, 12, 31)  # the date after the one they skipped

EPSILON = timedelta(microseconds=1)


def daily(at: str, tz: str) -> Schedule:
    return Schedule(EVERY_DAY, time.fromisoformat(at), tz)


def weekly(day: int, at: str, tz: str) -> Schedule:
    return Schedule(frozenset({day}), time.fromisoformat(at), tz)


def on(days: str, at: str, tz: str) -> Schedule:
    """``on("mon thu", "08:30", "Europe/Paris")``."""
    return Schedule(frozenset(WEEKDAYS.index(d) for d in days.split()), time.fromisoformat(at), tz)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def local_exists(day: date, at: time, tz: ZoneInfo) -> bool:
    wall = datetime.combine(day, at, tzinfo=tz)
    return wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == wall.replace(tzinfo=None)


def is_repeat(local: datetime) -> bool:
    """The second showing of a local time that a fall-back shows twice."""
    return local.fold == 1 and local.replace(fold=0).utcoffset() != local.utcoffset()


def cron_fire(schedule: Schedule, after: datetime) -> datetime:
    """APScheduler's answer, as a reference: its next fire time, passing over repeated times."""
    tz = ZoneInfo(schedule.tz)
    trigger = CronTrigger(hour=schedule.at.hour, minute=schedule.at.minute, timezone=tz)
    start = after.astimezone(UTC)
    for _ in range(3):
        fire = trigger.get_next_fire_time(None, (start + EPSILON).astimezone(tz)).astimezone(UTC)
        if not is_repeat(fire.astimezone(tz)):
            return fire
        start = fire
    raise AssertionError("CronTrigger kept firing at repeated local times")


def check_wake(schedule: Schedule, after: datetime, wake: datetime) -> None:
    """What every wake-up must be, whatever the zone and the day."""
    tz = ZoneInfo(schedule.tz)
    assert wake.tzinfo is UTC
    assert wake > after
    limit = timedelta(hours=24) + BIG_FALL_BACKS.get(schedule.tz, timedelta(hours=1))
    assert wake - after <= limit
    local = wake.astimezone(tz)
    day = local_day(schedule, wake)
    if local_exists(day, schedule.at, tz):
        # The wall clock shows the time asked for, at its first showing that day.
        assert day == local.date()
        assert local.time() == schedule.at
        assert not is_repeat(local)
    else:
        # Skipped by a spring-forward: read with the offset from before the jump, so the clock
        # shows a later time, that day or (after a jump across midnight) early the next.
        assert local.replace(tzinfo=None) > datetime.combine(day, schedule.at)
        assert local.date() - day <= timedelta(days=1)
        assert wake == datetime.combine(day, schedule.at, tzinfo=tz).astimezone(UTC)
    # CronTrigger never fires before it, and each time it fires is a wake-up too: where the two
    # differ, CronTrigger has missed a day (see the module's notes).
    cron = cron_fire(schedule, after)
    assert wake <= cron
    assert wake_after(schedule, cron - EPSILON) == cron


def wake_ups(schedule: Schedule, after: datetime, count: int) -> list[datetime]:
    found = []
    for _ in range(count):
        after = wake_after(schedule, after)
        found.append(after)
    return found


# --- Parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "default_tz", "expected"),
    [
        ("daily 09:00 UTC", "UTC", daily("09:00", "UTC")),
        ("weekly fri 16:30 Asia/Shanghai", "UTC", weekly(4, "16:30", "Asia/Shanghai")),
        ("daily 09:00", "Europe/Paris", daily("09:00", "Europe/Paris")),
        ("", "UTC", weekly(0, "09:00", "UTC")),
        ("", "America/New_York", weekly(0, "09:00", "America/New_York")),
        ("", "america/new_york", weekly(0, "09:00", "America/New_York")),
        ("", "Mars/Olympus", weekly(0, "09:00", "UTC")),
        ("", "", weekly(0, "09:00", "UTC")),
        ("daily", "UTC", daily("09:00", "UTC")),
        ("weekly", "UTC", weekly(0, "09:00", "UTC")),
        ("fri", "UTC", weekly(4, "09:00", "UTC")),
        ("Friday", "UTC", weekly(4, "09:00", "UTC")),
        ("TUES", "UTC", weekly(1, "09:00", "UTC")),
        ("thur", "UTC", weekly(3, "09:00", "UTC")),
        ("thurs 17:30", "UTC", weekly(3, "17:30", "UTC")),
        ("sunday weekly", "UTC", weekly(6, "09:00", "UTC")),
        ("asia/shanghai", "UTC", weekly(0, "09:00", "Asia/Shanghai")),
        ("DAILY 9:00 EUROPE/PARIS", "UTC", daily("09:00", "Europe/Paris")),
        ("utc", "Europe/Paris", weekly(0, "09:00", "UTC")),
        ("GMT", "Europe/Paris", weekly(0, "09:00", "UTC")),
        ("16:30 Asia/Shanghai fri weekly", "UTC", weekly(4, "16:30", "Asia/Shanghai")),
        ("lang:fr daily 08:15", "UTC", daily("08:15", "UTC")),
        ("daily LANG:zh 08:15 lang:", "UTC", daily("08:15", "UTC")),
        ("9am", "UTC", weekly(0, "09:00", "UTC")),
        ("9:30am", "UTC", weekly(0, "09:30", "UTC")),
        ("5pm", "UTC", weekly(0, "17:00", "UTC")),
        ("5:45PM", "UTC", weekly(0, "17:45", "UTC")),
        ("12pm", "UTC", weekly(0, "12:00", "UTC")),
        ("12am", "UTC", weekly(0, "00:00", "UTC")),
        ("12:30am", "UTC", weekly(0, "00:30", "UTC")),
        ("00:00", "UTC", weekly(0, "00:00", "UTC")),
        ("23:59", "UTC", weekly(0, "23:59", "UTC")),
        # several days, in three languages
        ("weekdays 09:00", "UTC", on("mon tue wed thu fri", "09:00", "UTC")),
        ("mon thu 08:30 Europe/Paris", "UTC", on("mon thu", "08:30", "Europe/Paris")),
        ("mon-fri", "Asia/Tokyo", on("mon tue wed thu fri", "09:00", "Asia/Tokyo")),
        ("Mon–Wed", "UTC", on("mon tue wed", "09:00", "UTC")),
        ("fri-mon", "UTC", on("fri sat sun mon", "09:00", "UTC")),
        ("mon,wed,fri 7am", "UTC", on("mon wed fri", "07:00", "UTC")),
        ("mon and thu", "UTC", on("mon thu", "09:00", "UTC")),
        ("Mondays and Thursdays", "UTC", on("mon thu", "09:00", "UTC")),
        ("mon mon", "UTC", on("mon", "09:00", "UTC")),
        ("weekend 10:00", "UTC", on("sat sun", "10:00", "UTC")),
        ("weekdays sat", "UTC", on("mon tue wed thu fri sat", "09:00", "UTC")),
        ("mon-sun", "UTC", daily("09:00", "UTC")),
        ("lundi jeudi 8:30", "UTC", on("mon thu", "08:30", "UTC")),
        ("lun. jeu.", "UTC", on("mon thu", "09:00", "UTC")),
        ("LUNDI-VENDREDI", "UTC", on("mon tue wed thu fri", "09:00", "UTC")),
        ("lun.-ven. 18:00 Europe/Paris", "UTC", on("mon tue wed thu fri", "18:00", "Europe/Paris")),
        ("mercredis", "UTC", on("wed", "09:00", "UTC")),
        ("lundi et jeudi", "UTC", on("mon thu", "09:00", "UTC")),
        ("hebdomadaire ven", "UTC", on("fri", "09:00", "UTC")),
        ("quotidien 7:00", "UTC", daily("07:00", "UTC")),
        ("周一、周四 8:30", "UTC", on("mon thu", "08:30", "UTC")),
        ("每周一、周四", "UTC", on("mon thu", "09:00", "UTC")),
        ("周一周四", "UTC", on("mon thu", "09:00", "UTC")),
        ("周一至周五", "UTC", on("mon tue wed thu fri", "09:00", "UTC")),
        ("星期一 星期四 Asia/Shanghai", "UTC", on("mon thu", "09:00", "Asia/Shanghai")),
        ("礼拜天", "UTC", on("sun", "09:00", "UTC")),
        ("工作日 9:30", "UTC", on("mon tue wed thu fri", "09:30", "UTC")),
        ("周末", "UTC", on("sat sun", "09:00", "UTC")),
        ("每天 08:00", "UTC", daily("08:00", "UTC")),
        ("每周 周五", "UTC", on("fri", "09:00", "UTC")),
    ],
)
def test_parses(words: str, default_tz: str, expected: Schedule) -> None:
    assert parse_schedule(words.split(), default_tz) == expected


def test_words_with_spaces_inside_are_split() -> None:
    assert parse_schedule(["daily  09:00", " UTC "]) == daily("09:00", "UTC")


@pytest.mark.parametrize(
    ("words", "quoted", "hint"),
    [
        ("daily 25:99", "“25:99”", "24-hour HH:MM"),
        ("24:00", "“24:00”", "24-hour HH:MM"),
        ("9:7", "“9:7”", "24-hour HH:MM"),
        ("13pm", "“13pm”", "24-hour HH:MM"),
        ("0am", "“0am”", "24-hour HH:MM"),
        ("9:60", "“9:60”", "24-hour HH:MM"),
        ("9", "“9”", "24-hour HH:MM"),
        ("9.30", "“9.30”", "24-hour HH:MM"),
        ("weekly fri 16:30 Mars/Olympus", "“Mars/Olympus”", "Europe/Paris, Asia/Shanghai"),
        ("every blue moon", "“every”", "`subscribe daily 09:00 UTC`"),
        ("daily fri", "“daily”", "contradict"),
        ("fri daily", "“fri”", "contradict"),
        ("daily weekdays", "“weekdays”", "contradict"),
        ("09:00 10:00", "“10:00”", "one time only"),
        ("9am 9am", "“9am”", "one time only"),
        ("daily weekly", "“weekly”", "one cadence only"),
        ("weekly weekly", "“weekly”", "one cadence only"),
        ("weekly mon thu", "“mon thu”", "one day a week"),
        ("weekly weekdays", "“weekdays”", "drop “weekly”"),
        ("UTC Europe/Paris", "“Europe/Paris”", "one time zone only"),
        ("mon-", "“mon-”", "`subscribe daily"),
        ("mon-xyz", "“mon-xyz”", "`subscribe daily"),
        ("mon - fri", "“-”", "`subscribe daily"),
    ],
)
def test_rejects(words: str, quoted: str, hint: str) -> None:
    result = parse_schedule(words.split())
    assert isinstance(result, ScheduleError)
    assert quoted in result.message
    assert hint in result.message
    assert "`subscribe " in result.message
    assert result.message.endswith(".")


def test_unknown_zone_suggests_real_ones() -> None:
    result = parse_schedule(["Mars/Olympus"])
    assert isinstance(result, ScheduleError)
    for name in ("Europe/Paris", "Asia/Shanghai", "America/New_York", "UTC"):
        assert name in result.message


def test_not_understood_gives_both_examples() -> None:
    result = parse_schedule(["every", "blue", "moon"])
    assert isinstance(result, ScheduleError)
    assert "`subscribe daily 09:00 UTC`" in result.message
    assert "`subscribe weekly fri 16:30 Asia/Shanghai`" in result.message
    assert "blue" not in result.message


def test_user_text_in_errors_is_escaped_and_cut() -> None:
    result = parse_schedule(["daily", "<!channel>"])
    assert isinstance(result, ScheduleError)
    assert "“&lt;!channel&gt;”" in result.message
    assert "<" not in result.message and ">" not in result.message

    result = parse_schedule(["a&b/<@U123>"])
    assert isinstance(result, ScheduleError)
    assert "“a&amp;b/&lt;@U123&gt;”" in result.message

    result = parse_schedule(["x" * 200])
    assert isinstance(result, ScheduleError)
    quoted = re.search("“(.*)”", result.message)
    assert quoted is not None
    assert len(quoted.group(1)) == 40 and quoted.group(1).endswith("…")


def test_zone_lookup() -> None:
    shanghai = zone("asia/shanghai")
    assert shanghai is not None and shanghai.key == "Asia/Shanghai"
    assert zone("Asia/Shanghai") == shanghai
    for name in ("utc", "UTC", "gmt"):
        found = zone(name)
        assert found is not None and found.key == "UTC"
    assert zone("AMERICA/NEW_YORK") == ZoneInfo("America/New_York")
    for unknown in ("Mars/Olympus", "", "localtime", "../etc/passwd", "Europe/Paris\x00", "é"):
        assert zone(unknown) is None


def test_describe_and_digest_days() -> None:
    assert daily("09:00", "Europe/Paris").describe() == "every day at 09:00 (Europe/Paris)"
    friday = weekly(4, "16:30", "Asia/Shanghai")
    assert friday.describe() == "every Friday at 16:30 (Asia/Shanghai)"
    assert friday.is_digest_day(date(2026, 5, 8))
    assert not friday.is_digest_day(date(2026, 5, 9))
    assert all(daily("09:00", "UTC").is_digest_day(date(2026, 5, d)) for d in range(1, 8))
    assert WEEKDAYS[date(2026, 5, 8).weekday()] == "fri"
    mon_thu = on("mon thu", "08:30", "Europe/Paris")
    assert mon_thu.describe() == "Mondays and Thursdays at 08:30 (Europe/Paris)"
    assert [mon_thu.is_digest_day(date(2026, 5, d)) for d in range(4, 11)] == [
        True,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    assert on("mon tue wed thu fri", "09:00", "UTC").describe() == "every weekday at 09:00 (UTC)"
    assert (daily("09:00", "UTC").cadence, friday.cadence, mon_thu.cadence) == (
        "daily",
        "weekly",
        "days",
    )


def test_a_schedule_made_from_any_collection_of_days_is_the_same_schedule() -> None:
    """Days given as a list or a set make the same schedule as the frozen set the store reads
    back: equal, with the same hash (schedules key the planner's caches and the digests a pass
    shares between channels)."""
    listed = Schedule([3, 0], time(9), "UTC")  # type: ignore[arg-type]
    frozen = Schedule(frozenset({0, 3}), time(9), "UTC")
    assert isinstance(listed.days, frozenset) and listed.days == frozenset({0, 3})
    assert listed == frozen and hash(listed) == hash(frozen)
    assert {frozen: "one digest"}[listed] == "one digest"


@pytest.mark.parametrize("days", [frozenset(), frozenset({7}), frozenset({-1, 2})])
def test_a_schedule_with_no_days_or_no_such_day_is_refused_naming_them(
    days: frozenset[int],
) -> None:
    with pytest.raises(ValueError, match=re.escape(f"0 (Monday) to 6, not {days!r}")):
        Schedule(days, time(9), "UTC")


@pytest.mark.parametrize(
    ("at", "tz", "why"),
    [
        (time(9, 0, 30), "UTC", "the time of day must be a naive local time in whole minutes"),
        (time(9, 0, 0, 5), "UTC", "the time of day must be a naive local time in whole minutes"),
        (time(9, tzinfo=UTC), "UTC", "the time of day must be a naive local time in whole minutes"),
        (time(9), "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons'"),
    ],
)
def test_a_schedule_whose_time_or_zone_cannot_be_read_is_refused_saying_why(
    at: time, tz: str, why: str
) -> None:
    """A schedule holds a wall-clock time in whole minutes, read in a zone the bot knows: a time
    with seconds or a zone of its own, or an unknown zone, is refused, and the error says which."""
    with pytest.raises(ValueError, match=f"^{re.escape(why)}$"):
        Schedule(EVERY_DAY, at, tz)


class _NoOffset(tzinfo):
    """A zone that cannot say its offset: times in it are as good as naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_a_time_whose_zone_has_no_offset_is_refused_like_a_naive_one() -> None:
    with pytest.raises(ValueError, match=r"^after must be an aware datetime"):
        wake_after(daily("09:00", "UTC"), datetime(2026, 5, 4, 9, 0, tzinfo=_NoOffset()))


def test_stored_days_with_no_weekday_are_refused_naming_what_was_read() -> None:
    with pytest.raises(ValueError, match=r"^no weekdays in ' '$"):
        days_from_key(" ")


def test_days_are_stored_monday_first() -> None:
    assert days_key(frozenset({3, 0})) == "mon thu"
    assert days_key(EVERY_DAY) == "mon tue wed thu fri sat sun"
    assert days_from_key("mon thu") == frozenset({0, 3})
    for bad in ("", "mon xyz", "monday"):
        with pytest.raises(ValueError):
            days_from_key(bad)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Schedule(frozenset(), time(9, 0), "UTC"),
        lambda: Schedule(frozenset({7}), time(9, 0), "UTC"),
        lambda: Schedule(frozenset({-1, 2}), time(9, 0), "UTC"),
        lambda: Schedule(EVERY_DAY, time(9, 0, 30), "UTC"),
        lambda: Schedule(EVERY_DAY, time(9, 0), "Mars/Olympus"),
    ],
)
def test_schedule_refuses_nonsense(build: Callable[[], Schedule]) -> None:
    with pytest.raises(ValueError):
        build()


# --- Parsing properties -------------------------------------------------------------------------


def check_result(result: Schedule | ScheduleError) -> None:
    if isinstance(result, Schedule):
        assert result.describe()
        assert zone(result.tz) is not None
        return
    assert isinstance(result, ScheduleError)
    message = result.message
    assert "<" not in message and ">" not in message
    assert "&" not in re.sub("&(amp|lt|gt);", "", message)
    assert "`subscribe " in message and message.endswith(".")


@settings(deadline=None)
@given(st.lists(st.text()), st.text())
def test_parse_never_raises(words: list[str], default_tz: str) -> None:
    check_result(parse_schedule(words, default_tz))


TOKENS = [
    "daily",
    "weekly",
    "Weekly",
    *WEEKDAYS,
    "thursday",
    "thurs",
    "09:00",
    "9:30",
    "23:59",
    "9am",
    "12pm",
    "12:30am",
    "25:99",
    "24:00",
    "13pm",
    "9:7",
    "UTC",
    "gmt",
    "Europe/Paris",
    "asia/shanghai",
    "Mars/Olympus",
    "lang:fr",
    "lang:",
    "<!channel>",
    "<@U123|bob>",
    "&",
    "every",
    "",
    " ",
    "/",
    ":",
    "am",
]


@settings(deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(TOKENS),
            st.text(max_size=12),
            st.from_regex(r"[0-9]{1,3}(:[0-9]{0,3})?(am|pm|AM|h)?", fullmatch=True),
        ),
        max_size=8,
    ),
    st.sampled_from(["UTC", "Europe/Paris", "asia/shanghai", "Nowhere/Land", ""]),
)
def test_parse_never_raises_on_near_misses(words: list[str], default_tz: str) -> None:
    check_result(parse_schedule(words, default_tz))


CASES: list[Callable[[str], str]] = [str.lower, str.upper, str.title, lambda word: word]
WEEKDAY_SPELLINGS = [
    ["mon", "monday", "mondays", "lundi", "lun", "lun.", "周一", "星期一", "每周一"],
    ["tue", "tues", "tuesday", "mardi", "mar.", "周二", "星期二"],
    ["wed", "weds", "wednesday", "mercredi", "mer", "周三", "礼拜三"],
    ["thu", "thur", "thurs", "thursday", "jeudi", "jeu.", "周四", "星期四"],
    ["fri", "friday", "vendredi", "ven", "周五", "星期五"],
    ["sat", "saturday", "samedi", "sam.", "周六", "星期六"],
    ["sun", "sunday", "dimanche", "dim", "周日", "周天", "星期日", "星期天"],
]
RANGE_MARKS = ["-", "–", "至"]


def time_spellings(at: time) -> list[str]:
    half = at.hour % 12 or 12
    suffix = "am" if at.hour < 12 else "pm"
    spellings = [f"{at:%H:%M}", f"{at.hour}:{at.minute:02d}", f"{half}:{at.minute:02d}{suffix}"]
    if at.minute == 0:
        spellings.append(f"{half}{suffix}")
    return spellings


def day_words(days: frozenset[int], data: st.DataObject) -> list[str]:
    """A way a person may type these digest days."""

    def one(day: int) -> str:
        return data.draw(st.sampled_from(WEEKDAY_SPELLINGS[day]))

    ways: list[list[str]] = [[one(d) for d in sorted(days)]]
    if days == EVERY_DAY:
        ways += [["daily"], ["每天"], ["quotidien"]]
    if days == WORKING_DAYS:
        ways += [["weekdays"], ["工作日"]]
    if len(days) == 1:
        ways.append(["weekly", one(min(days))])
        if days == {0}:
            ways += [["weekly"], []]
    if len(days) > 1:
        ways.append([",".join(one(d).removeprefix("每") for d in sorted(days))])
        for first in days:  # an unbroken run round the week, written as a range
            if (first - 1) % 7 not in days:
                run = [(first + n) % 7 for n in range(len(days))]
                if set(run) == days and days != EVERY_DAY:
                    mark = data.draw(st.sampled_from(RANGE_MARKS))
                    last = one(run[-1]).removeprefix("每")
                    ways.append([one(first) + mark + last])
                break
    return data.draw(st.sampled_from(ways))


@settings(deadline=None, max_examples=300)
@given(schedules(), st.data())
def test_round_trip(schedule: Schedule, data: st.DataObject) -> None:
    words = day_words(schedule.days, data)
    if schedule.at != time(9, 0) or data.draw(st.booleans()):
        words.append(data.draw(st.sampled_from(time_spellings(schedule.at))))
    default_tz = data.draw(st.sampled_from(ALL_ZONES))
    if schedule.tz != default_tz:
        words.append(schedule.tz)
    if data.draw(st.booleans()):
        words.append("lang:fr")
    words = [data.draw(st.sampled_from(CASES))(word) for word in data.draw(st.permutations(words))]
    assert parse_schedule(words, default_tz) == schedule


@given(st.text(max_size=12))
def test_parse_days_never_raises(word: str) -> None:
    days = parse_days(word)
    assert days is None or (days and days <= EVERY_DAY)


# --- Wake-ups across daylight saving time -------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "start", "short_day", "long_day"),
    [
        ("Europe/Paris", date(2026, 3, 20), date(2026, 3, 29), date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 1), date(2026, 3, 8), date(2026, 11, 1)),
        ("Australia/Sydney", date(2026, 3, 28), date(2026, 10, 4), date(2026, 4, 5)),
    ],
)
def test_nine_oclock_stays_nine_oclock_across_dst(
    tz: str, start: date, short_day: date, long_day: date
) -> None:
    schedule = daily("09:00", tz)
    local = ZoneInfo(tz)
    after = datetime.combine(start, time(12, 0), tzinfo=local)
    wakes = wake_ups(schedule, after, 240)
    assert [local_day(schedule, w) for w in wakes] == [
        start + timedelta(days=n) for n in range(1, 241)
    ]
    for previous, wake in zip([None, *wakes], wakes, strict=False):
        assert wake.tzinfo is UTC
        assert wake.astimezone(local).time() == time(9, 0)
        if previous is None:
            continue
        gap = wake - previous
        day = local_day(schedule, wake)
        if day == short_day:
            assert gap == timedelta(hours=23)
        elif day == long_day:
            assert gap == timedelta(hours=25)
        else:
            assert gap == timedelta(hours=24)


def test_paris_in_winter_and_summer() -> None:
    schedule = daily("09:00", "Europe/Paris")
    assert wake_after(schedule, utc(2026, 1, 15, 0, 0)) == utc(2026, 1, 15, 8, 0)
    assert wake_after(schedule, utc(2026, 7, 15, 0, 0)) == utc(2026, 7, 15, 7, 0)


def test_wake_after_is_strictly_after() -> None:
    schedule = daily("09:00", "UTC")
    assert wake_after(schedule, utc(2026, 5, 4, 9, 0)) == utc(2026, 5, 5, 9, 0)
    assert wake_after(schedule, utc(2026, 5, 4, 9, 0) - EPSILON) == utc(2026, 5, 4, 9, 0)
    assert wake_after(schedule, utc(2026, 5, 4, 8, 59, 59)) == utc(2026, 5, 4, 9, 0)
    # Whatever zone `after` is given in, the answer is the same instant, in UTC.
    tokyo = utc(2026, 5, 4, 8, 0).astimezone(ZoneInfo("Asia/Tokyo"))
    assert wake_after(schedule, tokyo) == utc(2026, 5, 4, 9, 0)


def test_a_local_time_skipped_by_spring_forward_comes_one_hour_late() -> None:
    # Paris, 2026-03-29: 02:00 CET becomes 03:00 CEST, so 02:30 does not exist that day. It is
    # read with the offset before the jump (+01:00): 01:30 UTC, which the clocks show as 03:30.
    schedule = daily("02:30", "Europe/Paris")
    paris = ZoneInfo("Europe/Paris")
    wakes = wake_ups(schedule, utc(2026, 3, 27, 12, 0), 3)
    assert wakes == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert [w.astimezone(paris).time() for w in wakes] == [time(2, 30), time(3, 30), time(2, 30)]
    assert [local_day(schedule, w) for w in wakes] == [date(2026, 3, d) for d in (28, 29, 30)]
    # New York, 2026-03-08: 02:30 EST would be 07:30 UTC, which is 03:30 EDT.
    schedule = daily("02:30", "America/New_York")
    assert wake_after(schedule, utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 7, 30)


def test_a_local_time_repeated_by_fall_back_wakes_once() -> None:
    # Paris, 2026-10-25: 03:00 CEST becomes 02:00 CET, so 02:30 happens at 00:30 and 01:30 UTC.
    schedule = daily("02:30", "Europe/Paris")
    wakes = wake_ups(schedule, utc(2026, 10, 23, 12, 0), 3)
    assert wakes == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    # Woken between the two, the second one is not a new wake-up.
    assert wake_after(schedule, utc(2026, 10, 25, 1, 0)) == utc(2026, 10, 26, 1, 30)
    assert wake_after(schedule, utc(2026, 10, 25, 1, 30) - EPSILON) == utc(2026, 10, 26, 1, 30)


def test_bigger_fall_backs_make_longer_days() -> None:
    # Antarctica/Troll goes from +02 to +00 (2026-10-25), Antarctica/Casey went from +11 to +08.
    troll = wake_ups(daily("09:00", "Antarctica/Troll"), utc(2026, 10, 24, 0, 0), 3)
    assert [b - a for a, b in pairwise(troll)] == [
        timedelta(hours=26),
        timedelta(hours=24),
    ]
    casey = wake_ups(daily("09:00", "Antarctica/Casey"), utc(2010, 3, 3, 12, 0), 3)
    assert casey[0] == utc(2010, 3, 3, 22, 0)
    assert [b - a for a, b in pairwise(casey)] == [
        timedelta(hours=27),
        timedelta(hours=24),
    ]


def test_a_date_a_zone_skipped_has_no_wake_up() -> None:
    # Samoa skipped Friday 2011-12-30: its 09:00 is read as 09:00-10:00, i.e. Saturday 09:00+14:00.
    schedule = daily("09:00", "Pacific/Apia")
    wakes = wake_ups(schedule, utc(2011, 12, 28, 20, 0), 3)
    assert [b - a for a, b in pairwise(wakes)] == [timedelta(hours=24)] * 2
    assert [local_day(schedule, w) for w in wakes] == [
        date(2011, 12, 29),
        date(2011, 12, 31),
        date(2012, 1, 1),
    ]
    # So a Friday digest waits two weeks.
    friday = weekly(4, "09:00", "Pacific/Apia")
    assert local_day(friday, next_digest(friday, utc(2011, 12, 24))) == date(2012, 1, 6)


@pytest.mark.parametrize(
    ("tz", "year"),
    [
        ("Europe/Paris", 2026),
        ("America/New_York", 2026),
        ("Australia/Sydney", 2026),
        ("Australia/Lord_Howe", 2026),
        ("America/Santiago", 2026),
        ("Pacific/Chatham", 2026),
        ("Antarctica/Troll", 2026),
        ("Asia/Gaza", 2026),
        ("America/Havana", 2026),
        ("Antarctica/Casey", 2010),
        ("Pacific/Apia", 2011),
        ("Europe/Moscow", 2011),
        ("America/Scoresbysund", 2026),
        ("Asia/Pyongyang", 2018),
    ],
)
def test_every_wake_up_of_a_year_follows_the_rule(tz: str, year: int) -> None:
    local = ZoneInfo(tz)
    for minutes in [*range(0, 4 * 60, 15), 9 * 60, 23 * 60 + 30, 23 * 60 + 59]:
        schedule = daily(f"{minutes // 60:02d}:{minutes % 60:02d}", tz)
        after = datetime(year, 1, 1, tzinfo=local) - timedelta(days=1)
        day: date | None = None
        for _ in range(366):
            wake = wake_after(schedule, after)
            check_wake(schedule, after, wake)
            # One wake-up per local date, and no date left out but one a zone skipped.
            next_day = local_day(schedule, wake)
            gap = 2 if tz in SKIPPED_DATES and next_day == date(2011, 12, 31) else 1
            assert day is None or next_day == day + timedelta(days=gap)
            # Nothing between two wake-ups is a wake-up.
            assert wake_after(schedule, after + (wake - after) / 2) == wake
            after, day = wake, next_day


def test_a_jump_across_midnight_keeps_one_wake_up_a_day() -> None:
    # America/Scoresbysund, 2026-03-29 01:00 UTC: 23:00 -02 becomes 00:00 -01, so 23:30 on the
    # 28th does not exist. Read as -02 it comes at 01:30 UTC, when the clocks show 00:30 on the
    # 29th: it is the 28th's wake-up all the same, and the 29th has its own at 23:30.
    schedule = daily("23:30", "America/Scoresbysund")
    tz = ZoneInfo("America/Scoresbysund")
    assert utc(2026, 3, 29, 1, 0).astimezone(tz).utcoffset() == timedelta(hours=-1)
    wakes = wake_ups(schedule, utc(2026, 3, 27, 12, 0), 3)
    assert wakes == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    assert wakes[1].astimezone(tz).replace(tzinfo=None) == datetime(2026, 3, 29, 0, 30)
    assert [local_day(schedule, w) for w in wakes] == [date(2026, 3, d) for d in (27, 28, 29)]
    # Woken just after the jump, the 28th's wake-up is still to come.
    assert wake_after(schedule, utc(2026, 3, 29, 1, 10)) == utc(2026, 3, 29, 1, 30)
    # A weekly digest on Saturday the 28th goes out then; one on Sunday the 29th, once.
    saturday = weekly(5, "23:30", "America/Scoresbysund")
    assert next_digest(saturday, utc(2026, 3, 27, 12, 0)) == utc(2026, 3, 29, 1, 30)
    sunday = weekly(6, "23:30", "America/Scoresbysund")
    assert next_digest(sunday, utc(2026, 3, 27, 12, 0)) == utc(2026, 3, 30, 0, 30)
    # Any other instant is on the date the clocks show.
    assert local_day(schedule, utc(2026, 3, 29, 1, 29)) == date(2026, 3, 29)


def test_where_cron_trigger_misses_a_day() -> None:
    # A spring-forward later the same local day: the next day's 00:30 is not to be missed.
    paris = daily("00:30", "Europe/Paris")
    assert wake_after(paris, utc(2026, 3, 28, 23, 30)) == utc(2026, 3, 29, 22, 30)
    # A gap at midnight (America/Santiago, 2026-09-06 00:00 -04 becomes 01:00 -03): that day's
    # 00:00 is read as -04, so the clocks show 01:00.
    santiago = daily("00:00", "America/Santiago")
    assert wake_after(santiago, utc(2026, 9, 5, 4, 0)) == utc(2026, 9, 6, 4, 0)
    assert wake_after(santiago, utc(2026, 9, 6, 4, 0)) == utc(2026, 9, 7, 3, 0)


# --- Wake-up properties -------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31), timezones=st.just(UTC)
)


def shown_in(instant: datetime, tz: str) -> datetime:
    """The same instant with another zone's clock on it, which must change nothing."""
    return instant.astimezone(ZoneInfo(tz))


@settings(deadline=None, max_examples=300)
@given(schedules(), instants, st.sampled_from(ALL_ZONES))
def test_wake_after_properties(schedule: Schedule, after: datetime, shown: str) -> None:
    wake = wake_after(schedule, shown_in(after, shown))
    assert wake == wake_after(schedule, after)
    check_wake(schedule, after, wake)
    # It is the first: the wake-up before it was no later than `after`, on an earlier local date.
    walk = wake_after(schedule, wake - timedelta(hours=50))
    previous = None
    for _ in range(4):
        if walk >= wake:
            break
        previous, walk = walk, wake_after(schedule, walk)
    assert walk == wake
    assert previous is not None
    assert previous <= after
    assert local_day(schedule, previous) < local_day(schedule, wake)


@settings(deadline=None, max_examples=200)
@given(schedules(), instants, st.timedeltas(timedelta(0), timedelta(days=3)))
def test_wake_after_is_monotone(schedule: Schedule, first: datetime, later: timedelta) -> None:
    second = first + later
    assert wake_after(schedule, first) <= wake_after(schedule, second)
    if wake_after(schedule, first) <= second:
        assert wake_after(schedule, first) < wake_after(schedule, second)


def cron_digest(schedule: Schedule, after: datetime) -> datetime:
    """APScheduler's answer for the digest days, passing over repeated local times."""
    tz = ZoneInfo(schedule.tz)
    trigger = CronTrigger(
        day_of_week=",".join(WEEKDAYS[d] for d in sorted(schedule.days)),
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        timezone=tz,
    )
    start = after.astimezone(UTC)
    for _ in range(3):
        fire = trigger.get_next_fire_time(None, (start + EPSILON).astimezone(tz)).astimezone(UTC)
        if not is_repeat(fire.astimezone(tz)):
            return fire
        start = fire
    raise AssertionError("CronTrigger kept firing at repeated local times")


def cronsim_digest(schedule: Schedule, after: datetime) -> datetime:
    """cronsim's answer for the digest days (cron counts Sunday as 0)."""
    dow = ",".join(str((d + 1) % 7) for d in sorted(schedule.days))
    expr = f"{schedule.at.minute} {schedule.at.hour} * * {dow}"
    return next(CronSim(expr, after.astimezone(ZoneInfo(schedule.tz)))).astimezone(UTC)


def check_digest(schedule: Schedule, after: datetime, digest: datetime) -> None:
    """What the next digest must be, checked against two references."""
    tz = ZoneInfo(schedule.tz)
    # APScheduler never fires before it, and each time it fires is a digest here too (where
    # the two differ, CronTrigger has missed a day; see the module's notes).
    cron = cron_digest(schedule, after)
    assert digest <= cron
    assert next_digest(schedule, cron - EPSILON) == cron
    # cronsim agrees to the second, except on a day a spring-forward skips the time: it fires
    # when the clocks jump, where the time is read here with the offset from before the jump.
    ref = cronsim_digest(schedule, after)
    if (
        ref != digest
        and schedule.tz in SKIPPED_DATES
        and ref.astimezone(tz).date() == DAY_AFTER_SKIP
    ):
        return  # cronsim fires the skipped Friday's time on the Saturday; it has none here
    if ref != digest:
        assert not local_exists(local_day(schedule, digest), schedule.at, tz)
        assert ref < digest < ref + timedelta(hours=24)


@settings(deadline=None, max_examples=300)
@given(schedules(), instants)
def test_next_digest_properties(schedule: Schedule, after: datetime) -> None:
    digest = next_digest(schedule, after)
    assert digest.tzinfo is UTC
    assert digest > after
    assert schedule.is_digest_day(local_day(schedule, digest))
    assert local_day(schedule, digest).weekday() in schedule.days
    limit = timedelta(days=15 if schedule.tz in SKIPPED_DATES else 8)
    assert digest - after <= limit
    # It is a wake-up, and no earlier wake-up since `after` was on a digest day.
    wake = wake_after(schedule, after)
    for _ in range(16):
        if wake >= digest:
            break
        assert not schedule.is_digest_day(local_day(schedule, wake))
        wake = wake_after(schedule, wake)
    assert wake == digest
    if schedule.days == EVERY_DAY:
        assert digest == wake_after(schedule, after)
    check_digest(schedule, after, digest)


@pytest.mark.parametrize(
    ("tz", "year"),
    [
        ("Europe/Paris", 2026),
        ("America/New_York", 2026),
        ("Australia/Lord_Howe", 2026),
        ("America/Santiago", 2026),
        ("Antarctica/Troll", 2026),
        ("Asia/Gaza", 2026),
        ("America/Havana", 2026),
        ("America/Scoresbysund", 2026),
        ("Pacific/Apia", 2011),
    ],
)
@pytest.mark.parametrize("days", ["mon thu", "mon tue wed thu fri", "sat sun", "sun"])
def test_every_digest_of_a_year_on_several_days(tz: str, year: int, days: str) -> None:
    """Digest days across every daylight-saving change of a year, at times around the jumps."""
    local = ZoneInfo(tz)
    for minutes in (0, 30, 60 + 30, 2 * 60 + 30, 9 * 60, 23 * 60 + 30):
        schedule = on(days, f"{minutes // 60:02d}:{minutes % 60:02d}", tz)
        after = datetime(year, 1, 1, tzinfo=local) - timedelta(days=1)
        previous: date | None = None
        while after.year <= year:
            digest = next_digest(schedule, after)
            day = local_day(schedule, digest)
            assert day.weekday() in schedule.days
            check_digest(schedule, after, digest)
            # no digest day left out between two digests, but a date the zone skipped
            if previous is not None:
                between = [previous + timedelta(days=n) for n in range(1, (day - previous).days)]
                missed = [d for d in between if d.weekday() in schedule.days]
                assert missed == [] or (tz in SKIPPED_DATES and missed == [date(2011, 12, 30)])
            previous, after = day, digest


@settings(deadline=None, max_examples=200)
@given(
    schedules(),
    instants,
    st.one_of(
        st.timedeltas(timedelta(0), timedelta(days=3)),
        st.timedeltas(timedelta(0), timedelta(days=800)),
    ),
)
def test_latest_slot_properties(schedule: Schedule, after: datetime, outage: timedelta) -> None:
    due = wake_after(schedule, after)
    now = due + outage
    slot = latest_slot_at_or_before(schedule, due, now)
    assert slot.tzinfo is UTC
    assert due <= slot <= now
    assert wake_after(schedule, slot - EPSILON) == slot
    assert wake_after(schedule, slot) > now


def walked_latest(schedule: Schedule, due: datetime, now: datetime) -> datetime:
    """The latest wake-up from ``due`` to ``now``, found by walking them one by one (``due``
    when there is none): what a clock that never stopped would have reached."""
    latest, wake = due, wake_after(schedule, due - EPSILON)
    while wake <= now:
        latest, wake = wake, wake_after(schedule, wake)
    return latest


@settings(deadline=None, max_examples=150)
@given(
    schedules(),
    instants,
    st.timedeltas(timedelta(0), timedelta(days=40)),
    st.booleans(),
)
def test_after_an_outage_the_post_owed_is_for_the_last_wake_up_it_missed(
    schedule: Schedule, due: datetime, outage: timedelta, now_on_a_wake_up: bool
) -> None:
    """A clock down from its stored wake-up (one of the schedule's, or one stored under a
    schedule changed since) until now owes the channel one post, for the last wake-up it
    missed: the same one a day-by-day walk finds, also when now is exactly a wake-up and when
    the outage is longer than the steps the search may take."""
    now = due + outage
    if now_on_a_wake_up:
        now = wake_after(schedule, now - EPSILON)
    assert latest_slot_at_or_before(schedule, due, now) == walked_latest(schedule, due, now)


def test_a_wake_up_stored_off_the_schedule_is_followed_by_the_schedule_s_own() -> None:
    """The stored wake-up 07:15 UTC is not one of this schedule's (it was changed to 09:00 in
    Paris, 07:00 UTC); at 07:00 UTC the next day, exactly its wake-up, that one is owed."""
    schedule = daily("09:00", "Europe/Paris")
    odd = utc(2026, 4, 3, 7, 15)
    assert latest_slot_at_or_before(schedule, odd, utc(2026, 4, 4, 7, 0)) == utc(2026, 4, 4, 7)
    assert latest_slot_at_or_before(schedule, odd, utc(2026, 4, 4, 6, 59)) == odd


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda s, naive, ok: wake_after(s, naive), "after"),
        (lambda s, naive, ok: local_day(s, naive), "instant"),
        (lambda s, naive, ok: latest_slot_at_or_before(s, naive, ok), "due"),
        (lambda s, naive, ok: latest_slot_at_or_before(s, ok, naive), "now"),
    ],
)
def test_a_time_without_a_zone_is_refused_saying_which_one(
    call: Callable[[Schedule, datetime, datetime], object], named: str
) -> None:
    """A time with no zone cannot be placed on anyone's clock: it is refused, and the error
    names the argument, so the code that passed it is found at once."""
    schedule = daily("09:00", "UTC")
    naive, ok = datetime(2026, 5, 4, 9, 0), utc(2026, 5, 4, 9, 0)
    with pytest.raises(ValueError, match=f"^{named} must be an aware datetime, not datetime"):
        call(schedule, naive, ok)


def test_a_stored_wake_up_after_now_is_refused_with_both_times() -> None:
    schedule = daily("09:00", "UTC")
    later, now = utc(2026, 5, 4, 9, 0), utc(2026, 5, 4, 8, 0)
    with pytest.raises(ValueError, match=re.escape(f"due ({later.isoformat()}) is after now")):
        latest_slot_at_or_before(schedule, later, now)


def test_latest_slot_examples() -> None:
    schedule = daily("09:00", "Europe/Paris")
    due = utc(2026, 3, 27, 8, 0)
    assert latest_slot_at_or_before(schedule, due, due) == due
    assert latest_slot_at_or_before(schedule, due, utc(2026, 3, 28, 7, 59)) == due
    # Down for a week across the change to summer time: one post, for this morning.
    now = utc(2026, 4, 3, 7, 30)
    assert latest_slot_at_or_before(schedule, due, now) == utc(2026, 4, 3, 7, 0)
    # A stored wake-up that this schedule would not have chosen still counts as one.
    odd = utc(2026, 4, 3, 7, 15)
    assert latest_slot_at_or_before(schedule, odd, now) == odd
    assert latest_slot_at_or_before(schedule, odd, utc(2026, 4, 5, 12, 0)) == utc(2026, 4, 5, 7)
    with pytest.raises(ValueError):
        latest_slot_at_or_before(schedule, now, due)


def test_naive_instants_are_refused() -> None:
    schedule = daily("09:00", "UTC")
    naive = datetime(2026, 5, 4, 9, 0)
    with pytest.raises(ValueError):
        wake_after(schedule, naive)
    with pytest.raises(ValueError):
        local_day(schedule, naive)


def test_local_day() -> None:
    schedule = daily("09:00", "Asia/Shanghai")
    assert local_day(schedule, utc(2026, 5, 4, 15, 59)) == date(2026, 5, 4)
    assert local_day(schedule, utc(2026, 5, 4, 16, 0)) == date(2026, 5, 5)


def test_weekly_digest_example() -> None:
    schedule = weekly(4, "16:30", "Asia/Shanghai")
    # Monday 2026-05-04: the next digest is Friday 2026-05-08 16:30 +08:00.
    assert next_digest(schedule, utc(2026, 5, 4)) == utc(2026, 5, 8, 8, 30)
    assert next_digest(schedule, utc(2026, 5, 8, 8, 30)) == utc(2026, 5, 15, 8, 30)
    # Reminders still wake it every day.
    assert wake_after(schedule, utc(2026, 5, 4)) == utc(2026, 5, 4, 8, 30)
