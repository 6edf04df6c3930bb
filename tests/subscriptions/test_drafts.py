"""One draft, one validation: `/declaration subscribe <words>` and the subscription form read the
same settings into the same Draft, one function checks both, and a problem it finds (a code, a
field, the user's values) is worded by each surface: the command in mrkdwn with an example, the
form in plain text under the field it is about."""

from __future__ import annotations

from datetime import time

import pytest

from bot.content.library import Library
from bot.i18n import LANGS
from bot.slack.ids import FIELD_DAYS, FIELD_TOPICS, FIELD_TZ
from bot.slack.payloads import Reply
from bot.subscriptions import form as forms
from bot.subscriptions import replies
from bot.subscriptions.model import Draft, Problem, Request, read_request, validate
from bot.subscriptions.replies import Invocation
from bot.subscriptions.stored import Kinds, Receives

MON_THU = frozenset({0, 3})
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))

# the same settings, typed and chosen in the form
SAME = [
    (
        "mon thu 08:30 Europe/Paris lang:fr topics:bletchley",
        forms.Submission("C1", MON_THU, time(8, 30), "Europe/Paris", "fr", "all", {"bletchley"}),
    ),
    (
        "daily 07:00 Asia/Shanghai lang:zh always",
        forms.Submission("C1", EVERY_DAY, time(7), "Asia/Shanghai", "zh", "all", always=True),
    ),
    (
        "weekdays 17:30 America/New_York digests-only topics:bletchley,france-china-ai",
        forms.Submission(
            "C1",
            WEEKDAYS,
            time(17, 30),
            "America/New_York",
            "en",
            "digests",
            frozenset({"bletchley", "france-china-ai"}),
        ),
    ),
    (
        "sun 09:00 UTC reminders-only always lang:en",
        forms.Submission("C1", frozenset({6}), time(9), "UTC", "en", "reminders", always=True),
    ),
    (
        "fri 12:15 Asia/Calcutta topics:france-china-middle-east",
        forms.Submission(
            "C1",
            frozenset({4}),
            time(12, 15),
            "Asia/Calcutta",
            "en",
            "all",
            frozenset({"france-china-middle-east"}),
        ),
    ),
]


@pytest.mark.parametrize(("words", "chosen"), SAME, ids=[w for w, _ in SAME])
def test_the_words_and_the_form_make_the_same_draft(
    library: Library, words: str, chosen: forms.Submission
) -> None:
    typed = read_request(words.split(), default_tz="Asia/Tokyo", default_lang="en")
    assert isinstance(typed, Draft), typed
    assert typed == chosen.draft()
    checked = validate(typed, library)
    assert isinstance(checked, Request), checked
    assert checked == validate(chosen.draft(), library)
    assert checked.schedule.days == chosen.days and checked.schedule.tz == chosen.tz
    assert (checked.lang, checked.receives, checked.topics, checked.always) == (
        chosen.lang,
        chosen.receives,
        chosen.topics,
        chosen.always,
    )


def test_the_draft_is_typed(library: Library) -> None:
    typed = read_request(["reminders-only"], default_tz="UTC", default_lang="en")
    assert isinstance(typed, Draft) and typed.receives is Receives.REMINDERS
    assert typed.receives == "reminders"  # as stored: no migration
    assert [r.value for r in Receives] == ["all", "digests", "reminders"]
    assert Kinds.read("digest+reminder") == Kinds.DIGEST | Kinds.REMINDER
    assert [Kinds.read(w).word for w in ("", "digest", "reminder", "digest+reminder")] == [
        "",
        "digest",
        "reminder",
        "digest+reminder",
    ]


def test_one_validation_for_what_only_the_form_can_leave_out(library: Library) -> None:
    """No day: the words always give one (Monday by default); the form may not, and the same
    validation refuses it unless the channel receives only reminders."""
    chosen = forms.Submission("C1", frozenset(), time(9), "UTC", "en", "all")
    assert validate(chosen.draft(), library) == Problem(FIELD_DAYS, "no_day")
    reminders = forms.Submission("C1", frozenset(), time(9), "UTC", "en", "reminders")
    checked = validate(reminders.draft(), library)
    assert isinstance(checked, Request) and checked.schedule.days == frozenset({0})


def command_refusal(library: Library, words: str, lang: str = "en") -> str:
    refused = replies.plan_subscribe(
        library, Invocation("T1", "C1", "U1", lang=lang), words.split()
    )
    assert isinstance(refused, Reply)
    return refused.text


@pytest.mark.parametrize("lang", LANGS)
def test_an_unknown_topic_is_worded_by_the_command_and_by_the_form(
    library: Library, lang: str
) -> None:
    chosen = forms.Submission("C1", MON_THU, time(8, 30), "UTC", lang, "all", {"bletchly"})
    problem = validate(chosen.draft(), library)
    assert isinstance(problem, Problem)
    assert (problem.field, problem.code, problem.values) == (
        FIELD_TOPICS,
        "topic_unknown",
        ("bletchly",),
    )
    assert problem.suggestions == ("bletchley",)
    # the command: mrkdwn, the topic ids to type in backticks
    said = command_refusal(library, "mon thu 08:30 UTC topics:bletchly", lang)
    assert problem.say(lang) in said and "`bletchley`" in said and "“bletchly”" in said
    # the form: plain text under the topics, the same sentence without markup
    errors = forms.errors(problem, lang)
    assert list(errors) == [FIELD_TOPICS]
    assert "“bletchly”" in errors[FIELD_TOPICS] and "bletchley" in errors[FIELD_TOPICS]
    assert "`" not in errors[FIELD_TOPICS]


def test_an_unknown_zone_is_worded_with_an_example(library: Library) -> None:
    chosen = forms.Submission("C1", MON_THU, time(8, 30), "Mars/Olympus", "en", "all")
    problem = validate(chosen.draft(), library)
    assert problem == Problem(FIELD_TZ, "zone", ("Mars/Olympus",))
    said = command_refusal(library, "daily Mars/Olympus")
    assert problem.say("en") in said
    assert "“Mars/Olympus” is not a time zone I know" in said
    assert "`subscribe weekly fri 16:30 Asia/Shanghai`" in said
    errors = forms.errors(problem, "en")
    assert errors == {
        FIELD_TZ: "“Mars/Olympus” is not a time zone I know: use an IANA name such as "
        "Europe/Paris, Asia/Shanghai, America/New_York or UTC, "
        "e.g. subscribe weekly fri 16:30 Asia/Shanghai."
    }


def test_the_users_words_are_escaped_for_mrkdwn_and_left_alone_in_plain_text() -> None:
    problem = Problem(FIELD_TOPICS, "topic_unknown", ("<b&c>",), ("bletchley",))
    assert "“&lt;b&amp;c&gt;”" in problem.say("en") and "`bletchley`" in problem.say("en")
    plain = problem.say_plain("en")
    assert plain == "I don't know the topic “<b&c>”. Topics: bletchley."
    schedule = Problem("days", "daily_weekday", ("daily", "fri&"))
    assert "“fri&amp;”" in schedule.say("fr") and "“fri&”" in schedule.say_plain("fr")
    assert "`subscribe daily 09:00 UTC`" in schedule.say("en")
    assert "e.g. subscribe daily 09:00 UTC or subscribe weekly" in schedule.say_plain("en")
