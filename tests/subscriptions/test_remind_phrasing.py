"""Schedules said the way people say them to /remind, in English, French and Chinese: a table of
phrasings and the schedule each gives, the ones refused and how, and properties: the grammar never
raises, its work is bounded, and every phrasing it accepts reads back through what ``status``
says as the same schedule (and what ``status`` says reads back too)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import MAX_INPUT
from bot.i18n import t
from bot.slack.ids import FIELD_TIME
from bot.subscriptions import schedule as schedule_module
from bot.subscriptions.model import Draft, Problem, names_zone, read_request
from bot.subscriptions.replies import describe
from bot.subscriptions.schedule import (
    EVERY_DAY,
    WEEKDAYS,
    WORKING_DAYS,
    Schedule,
    ScheduleError,
    parse_schedule,
)
from tests.schedulehelp import ALL_ZONES, schedules

LANGS = ("en", "fr", "zh")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def when(days: frozenset[int] | set[int] | int, at: str, tz: str = "UTC") -> Schedule:
    chosen = frozenset({days}) if isinstance(days, int) else frozenset(days)
    return Schedule(chosen, time.fromisoformat(at), tz)


# --- the table ----------------------------------------------------------------------------------

PHRASINGS: list[tuple[str, Schedule]] = [
    # the four
    ("every monday at 9am", when(MON, "09:00")),
    ("daily at 9", when(EVERY_DAY, "09:00")),
    ("weekly on friday", when(FRI, "09:00")),
    ("every weekday at 9:30 Europe/Paris", when(WORKING_DAYS, "09:30", "Europe/Paris")),
    # English
    ("every day at 7", when(EVERY_DAY, "07:00")),
    ("each day at 18:45", when(EVERY_DAY, "18:45")),
    ("everyday at noon", when(EVERY_DAY, "12:00")),
    ("every monday and thursday at 9:30", when({MON, THU}, "09:30")),
    ("on mondays", when(MON, "09:00")),
    ("mondays at 9", when(MON, "09:00")),
    ("at 9:30pm on Fridays", when(FRI, "21:30")),
    ("9:30pm", when(MON, "21:30")),
    ("at 9 pm every tuesday", when(TUE, "21:00")),
    ("every week on sunday at midnight", when(SUN, "00:00")),
    ("from monday to friday at 8", when(WORKING_DAYS, "08:00")),
    ("Monday to Saturday at 09:00 (UTC)", when({MON, TUE, WED, THU, FRI, SAT}, "09:00")),
    ("every Friday at 16:30 (Asia/Shanghai)", when(FRI, "16:30", "Asia/Shanghai")),
    ("Mondays, Wednesdays, and Fridays at 08:00", when({MON, WED, FRI}, "08:00")),
    ("on weekends at 10am", when({SAT, SUN}, "10:00")),
    ("at noon", when(MON, "12:00")),
    ("every weekday at 9:30 lang:fr", when(WORKING_DAYS, "09:30")),
    # the terse form, as before
    ("mon thu 9am Europe/Paris", when({MON, THU}, "09:00", "Europe/Paris")),
    ("daily 09:00 UTC", when(EVERY_DAY, "09:00")),
    # French
    ("tous les lundis à 9h", when(MON, "09:00")),
    ("chaque jour à 9 h", when(EVERY_DAY, "09:00")),
    ("le lundi à 9h30", when(MON, "09:30")),
    ("en semaine à 8h", when(WORKING_DAYS, "08:00")),
    ("midi", when(MON, "12:00")),
    ("tous les jours à midi", when(EVERY_DAY, "12:00")),
    ("du lundi au vendredi à 18h Europe/Paris", when(WORKING_DAYS, "18:00", "Europe/Paris")),
    ("les lundis et jeudis à 9 h 30", when({MON, THU}, "09:30")),
    ("toutes les semaines le vendredi à 21h", when(FRI, "21:00")),
    ("chaque mercredi a 7h15", when(WED, "07:15")),
    ("le week-end à minuit", when({SAT, SUN}, "00:00")),
    ("tous les jours à 09:00 (Europe/Paris)", when(EVERY_DAY, "09:00", "Europe/Paris")),
    # Chinese
    ("每周一上午9点", when(MON, "09:00")),
    ("每天9点", when(EVERY_DAY, "09:00")),
    ("工作日早上8点半", when(WORKING_DAYS, "08:30")),
    ("每周一和周四下午3点", when({MON, THU}, "15:00")),
    ("中午", when(MON, "12:00")),
    ("每天中午", when(EVERY_DAY, "12:00")),
    ("每周五晚上8点15分", when(FRI, "20:15")),
    ("每周日 十点 Asia/Shanghai", when(SUN, "10:00", "Asia/Shanghai")),
    ("周一至周五下午3:30", when(WORKING_DAYS, "15:30")),
    ("每个工作日09:00（Asia/Shanghai）", when(WORKING_DAYS, "09:00", "Asia/Shanghai")),
    ("每周一、周四凌晨1点", when({MON, THU}, "01:00")),
    ("每周 周五 晚上12点", when(FRI, "00:00")),
]


@pytest.mark.parametrize(("words", "expected"), PHRASINGS)
def test_phrasings_give_their_schedule(words: str, expected: Schedule) -> None:
    assert len(PHRASINGS) >= 30
    assert parse_schedule(words.split(), "UTC") == expected


def test_a_zone_in_brackets_or_written_with_chinese_is_named() -> None:
    assert names_zone(["every", "day", "at", "9", "(Europe/Paris)"])
    assert names_zone(["每天9点Asia/Shanghai"])
    assert not names_zone(["every", "monday", "at", "9am"])
    draft = read_request(
        "every weekday at 9:30 Europe/Paris topics:x always".split(),
        default_tz="Asia/Tokyo",
        default_lang="en",
    )
    assert isinstance(draft, Draft)
    assert (draft.days, draft.at, draft.tz) == (WORKING_DAYS, time(9, 30), "Europe/Paris")
    assert draft.zone_given and draft.always and draft.topics == {"x"}
    draft = read_request(["每周一上午9点"], default_tz="Asia/Shanghai", default_lang="zh")
    assert isinstance(draft, Draft) and not draft.zone_given
    assert (draft.days, draft.at, draft.tz) == (frozenset({MON}), time(9), "Asia/Shanghai")


REFUSED: list[tuple[str, str, str]] = [
    ("every blue moon", "unknown", "“every”"),
    ("every other monday", "unknown", "“every”"),
    ("on blue", "unknown", "“on”"),
    ("monday to blue", "unknown", "“to”"),
    ("en retard", "unknown", "“en”"),
    ("每周一上午9点火星", "unknown", "“每周一上午9点火星”"),
    ("daily at", "needs_time", "“at”"),
    ("every monday at dawn", "needs_time", "“at”"),
    ("at 25", "time", "“25”"),
    ("at 9.30", "time", "“9.30”"),
    ("tous les lundis à 25h", "time", "“25h”"),
    ("13 pm", "time", "“13 pm”"),
    ("à 9 h 75", "time", "“9 h 75”"),
    ("每天25点", "time", "“25点”"),
    ("9", "time", "“9”"),
    ("every day on friday", "daily_weekday", "“friday”"),
    ("every week on monday and thursday", "weekly_days", "“monday thursday”"),
    ("at 9 at 10", "twice", "“10”"),
    ("every day daily", "twice", "“every day”"),
    ("每天9点 10点", "twice", "“10点”"),
]


@pytest.mark.parametrize(("words", "code", "quoted"), REFUSED)
def test_what_cannot_be_read_is_refused_with_an_example(words: str, code: str, quoted: str) -> None:
    result = parse_schedule(words.split())
    assert isinstance(result, ScheduleError)
    assert result.code == code
    assert quoted in result.message
    assert "`subscribe " in result.message and result.message.endswith(".")
    for lang in LANGS:
        said = result.say(lang)
        assert "`subscribe " in said and quoted in said
        assert "`" not in result.say(lang, schedule_module.PLAIN)


def test_a_missing_time_is_worded_in_every_language_and_placed_under_time() -> None:
    problem = read_request(["daily", "at"], default_tz="UTC", default_lang="en")
    assert isinstance(problem, Problem)
    assert (problem.code, problem.field) == ("needs_time", FIELD_TIME)
    assert "“at” needs a time of day" in problem.say("en")
    assert "`subscribe every monday at 9am`" in problem.say("en")
    assert "doit être suivi d'une heure" in problem.say("fr")
    assert "后面需要一个时间" in problem.say("zh")
    assert "subscribe every monday at 9am" in problem.say_plain("fr")
    error = parse_schedule(["at"])
    assert isinstance(error, ScheduleError) and error.field == "time"


# --- properties ---------------------------------------------------------------------------------

NAMES_EN = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NAMES_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
ZH = "一二三四五六日"
ZH_NUMBERS = ("零", "一", "两", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二")
CASES: list[Callable[[str], str]] = [str.lower, str.title, str.upper, lambda word: word]


def and_list(names: list[str], joiner: str) -> list[str]:
    """``monday and thursday``; ``mondays, tuesdays and fridays``."""
    if len(names) == 1:
        return names
    return [name + "," for name in names[:-2]] + [names[-2], joiner, names[-1]]


def en_days(days: frozenset[int]) -> list[list[str]]:
    names = [NAMES_EN[d] for d in sorted(days)]
    plural = [name + "s" for name in names]
    ways = [["every", *and_list(names, "and")], ["on", *and_list(plural, "and")], plural]
    if days == EVERY_DAY:
        ways += [["daily"], ["every", "day"], ["each", "day"], ["everyday"]]
    if days == WORKING_DAYS:
        ways += [["every", "weekday"], ["on", "weekdays"], ["from", "monday", "to", "friday"]]
    if len(days) == 1:
        ways += [["weekly", "on", names[0]], ["every", "week", "on", names[0]]]
    return ways


def en_time(at: time) -> list[list[str]]:
    half, suffix = at.hour % 12 or 12, "am" if at.hour < 12 else "pm"
    ways = [
        ["at", f"{at:%H:%M}"],
        ["at", f"{half}:{at.minute:02d}{suffix}"],
        [f"{half}:{at.minute:02d}", suffix],
    ]
    if at.minute == 0:
        ways += [["at", str(at.hour)], [f"{half}{suffix}"], ["at", str(half), suffix]]
    if at == time(12):
        ways += [["noon"], ["at", "noon"]]
    if at == time(0):
        ways += [["midnight"], ["at", "midnight"]]
    return ways


def fr_days(days: frozenset[int]) -> list[list[str]]:
    names = [NAMES_FR[d] for d in sorted(days)]
    ways = [
        ["tous", "les", *and_list([n + "s" for n in names], "et")],
        ["les", *and_list(names, "et")],
        and_list(names, "et"),
    ]
    if days == EVERY_DAY:
        ways += [["tous", "les", "jours"], ["chaque", "jour"], ["quotidien"]]
    if days == WORKING_DAYS:
        ways += [["en", "semaine"], ["du", "lundi", "au", "vendredi"]]
    if len(days) == 1:
        ways += [
            ["le", names[0]],
            ["chaque", names[0]],
            ["toutes", "les", "semaines", "le", names[0]],
        ]
    return ways


def fr_time(at: time) -> list[list[str]]:
    minutes = f"{at.minute:02d}" if at.minute else ""
    ways = [["à", f"{at.hour}h{minutes}"], [f"{at.hour}h{minutes}"], ["a", f"{at:%H:%M}"]]
    ways.append(["à", str(at.hour), "h", *([minutes] if minutes else [])])
    if at.minute == 0:
        ways += [["à", str(at.hour)], ["vers", f"{at.hour}", "heures"]]
    if at == time(12):
        ways += [["midi"], ["à", "midi"]]
    if at == time(0):
        ways += [["minuit"], ["à", "minuit"]]
    return ways


def zh_days(days: frozenset[int]) -> list[str]:
    names = ["周" + ZH[d] for d in sorted(days)]
    ways = ["每" + "和".join(names), "每" + "、".join(names), "".join(names)]
    if days == EVERY_DAY:
        ways += ["每天", "每日", "天天"]
    if days == WORKING_DAYS:
        ways += ["工作日", "每个工作日", "周一至周五"]
    if len(days) == 1:
        ways += ["每星期" + ZH[min(days)], "星期" + ZH[min(days)]]
    return ways


def zh_time(at: time) -> list[str]:
    minute = {0: ["", "整"], 30: ["半", "30分"], 15: ["一刻", "15分"]}.get(
        at.minute, [f"{at.minute}分"]
    )
    hour = at.hour
    if hour == 0:
        periods = [("凌晨", 0), ("凌晨", 12), ("晚上", 12)]
    elif hour < 6:
        periods = [("凌晨", hour)]
    elif hour < 12:
        periods = [("上午", hour), ("早上", hour)]
    elif hour == 12:
        periods = [("中午", 12)]
    else:
        periods = [("下午", hour - 12), ("晚上", hour - 12)]
    periods.append(("", hour))
    ways = [f"{period}{h}点{m}" for period, h in periods for m in minute]
    ways += [f"{period}{ZH_NUMBERS[h]}点" for period, h in periods if h <= 12 and not at.minute]
    ways.append(f"{periods[0][0]}{periods[0][1]}:{at.minute:02d}")
    if at == time(12):
        ways.append("中午")
    return ways


def phrasings(schedule: Schedule, data: st.DataObject) -> list[list[str]]:
    """Several ways of saying this schedule, each a list of words; the zone always named."""
    days, at, tz = schedule.days, schedule.at, schedule.tz
    pick = data.draw
    canonical = [",".join(WEEKDAYS[d] for d in sorted(days)), f"{at:%H:%M}", tz]
    english = [*pick(st.sampled_from(en_days(days))), *pick(st.sampled_from(en_time(at)))]
    english = [pick(st.sampled_from(CASES))(word) for word in english]
    french = [*pick(st.sampled_from(fr_days(days))), *pick(st.sampled_from(fr_time(at)))]
    glued = pick(st.booleans())
    chinese = pick(st.sampled_from(zh_days(days))) + pick(st.sampled_from(zh_time(at)))
    said = [
        canonical,
        [*english, tz],
        [tz, *french] if pick(st.booleans()) else [*french, tz],
        [chinese + tz] if glued else [chinese, tz],
    ]
    said += [describe(schedule, lang).split() for lang in LANGS]
    return said


@settings(deadline=None, max_examples=300)
@given(schedules(), st.data(), st.sampled_from(ALL_ZONES))
def test_every_phrasing_reads_back_through_status_as_the_same_schedule(
    schedule: Schedule, data: st.DataObject, default_tz: str
) -> None:
    for words in phrasings(schedule, data):
        parsed = parse_schedule(words, default_tz)
        assert parsed == schedule, words
        assert isinstance(parsed, Schedule)
        for lang in LANGS:
            assert describe(parsed, lang) == describe(schedule, lang)


@settings(deadline=None, max_examples=200)
@given(schedules(), st.data())
def test_a_phrasing_without_a_zone_takes_the_default_one(
    schedule: Schedule, data: st.DataObject
) -> None:
    english = [*data.draw(st.sampled_from(en_days(schedule.days)))]
    english += data.draw(st.sampled_from(en_time(schedule.at)))
    chinese = data.draw(st.sampled_from(zh_days(schedule.days)))
    chinese += data.draw(st.sampled_from(zh_time(schedule.at)))
    for words in (english, [chinese]):
        assert parse_schedule(words, schedule.tz) == schedule
        assert not names_zone(words)


WORDS = [
    "every",
    "each",
    "on",
    "at",
    "à",
    "a",
    "to",
    "au",
    "du",
    "en",
    "le",
    "les",
    "tous",
    "chaque",
    "day",
    "week",
    "jour",
    "semaine",
    "monday",
    "mondays",
    "lundi",
    "weekday",
    "noon",
    "midi",
    "minuit",
    "h",
    "heures",
    "am",
    "pm",
    "9",
    "25",
    "9h30",
    "25h",
    "12:00",
    "(",
    ")",
    "(UTC)",
    ",",
    "Europe/Paris",
    "lang:fr",
    "<!channel>",
]
CHINESE = st.text(
    alphabet="每周星期礼拜一二三四五六日天个工作末和、，至到上午下中晚凌晨点半分刻整十两零0123459:（）()aU/T",
    max_size=16,
)


def check(result: Schedule | ScheduleError) -> None:
    if isinstance(result, Schedule):
        for lang in LANGS:
            assert describe(result, lang)
        return
    for lang in LANGS:
        said = result.say(lang)
        assert "`subscribe " in said and "<" not in said
        assert result.say(lang, schedule_module.PLAIN)


@settings(deadline=None, max_examples=400)
@given(
    st.lists(st.one_of(st.sampled_from(WORDS), CHINESE, st.text(max_size=8)), max_size=10),
    st.sampled_from(["UTC", "Europe/Paris", "Nowhere/Land", ""]),
)
def test_the_grammar_never_raises(words: list[str], default_tz: str) -> None:
    check(parse_schedule(words, default_tz))


@settings(deadline=None)
@given(st.text(), st.text(max_size=4))
def test_the_grammar_never_raises_on_any_text(text: str, default_tz: str) -> None:
    check(parse_schedule([text], default_tz))


@pytest.mark.parametrize(
    "text",
    [
        "every monday and " * 40,
        "每周一和" * 200,
        "à 9 h " * 100,
        "monday to " * 60,
        "tous les " * 70,
        "9" * MAX_INPUT,
        "每" * MAX_INPUT,
    ],
)
def test_the_work_is_bounded_by_the_length_of_the_text(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every step reads at least one word, and a word written in Chinese is cut into at most as
    many words as it has characters: no more steps than characters."""
    steps = 0
    real = schedule_module._step

    def counted(*args: object) -> object:
        nonlocal steps
        steps += 1
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(schedule_module, "_step", counted)
    text = text[:MAX_INPUT]
    check(parse_schedule([text]))
    assert steps <= len(text)


@pytest.mark.parametrize(
    ("lang", "examples"),
    [
        ("en", ["every monday at 9am", "daily at 9"]),
        ("fr", ["tous les lundis à 9h", "chaque jour à 9 h"]),
        ("zh", ["每周一上午9点", "每天9点"]),
    ],
)
def test_the_help_shows_phrasings_that_read(lang: str, examples: list[str]) -> None:
    helped = t(lang, "help.subscribe")
    for example in examples:
        assert f"`{example}`" in helped
        assert isinstance(parse_schedule(example.split()), Schedule)
