"""How long `pause` lasts, read from its words in English, French and Chinese (issue 20, item 5):
a table of phrasings and the last paused day each gives, the ones refused and how, and
properties: the grammar never raises, and every day it accepts reads back through what `status`
says as the same day (and the day after as when posting resumes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.loading import load_library
from bot.i18n import human_date
from bot.subscriptions.pauses import MAX_DAYS, HoldError, read_until, reads_skip
from bot.subscriptions.replies import Facts, Invocation, status
from tests.conftest import CONTENT
from tests.subscriptionhelp import sub_of

SATURDAY = date(2026, 12, 5)
LIBRARY = load_library(CONTENT)


@pytest.mark.parametrize(
    ("words", "last"),
    [
        ("until 2027-03-10", date(2027, 3, 10)),
        ("till 2027/03/10", date(2027, 3, 10)),
        ("until monday", date(2026, 12, 7)),
        ("until next Monday", date(2026, 12, 7)),
        ("until saturday", date(2026, 12, 12)),  # said on a Saturday: the next one
        ("until tomorrow", date(2026, 12, 6)),
        ("until today", SATURDAY),  # nothing more today, posts again tomorrow
        ("jusqu'à aujourd'hui", SATURDAY),
        ("until someday", None),  # not a day this grammar knows: refused
        ("for 2 weeks", date(2026, 12, 18)),  # fourteen days, today the first
        ("for a week", date(2026, 12, 11)),
        ("for 1 day", SATURDAY),
        ("3 days", date(2026, 12, 7)),
        ("jusqu'au 2027-03-10", date(2027, 3, 10)),
        ("jusqu’à lundi", date(2026, 12, 7)),
        ("pendant 2 semaines", date(2026, 12, 18)),
        ("pour une semaine", date(2026, 12, 11)),
        ("到2027-03-10", date(2027, 3, 10)),
        ("到2027年3月10日", date(2027, 3, 10)),
        ("直到周一", date(2026, 12, 7)),
        ("到下周三", date(2026, 12, 9)),
        ("两周", date(2026, 12, 18)),
        ("3天", date(2026, 12, 7)),
    ],
)
def test_phrasings(words: str, last: date | None) -> None:
    found = read_until(words.split(), SATURDAY)
    if last is None:
        assert isinstance(found, HoldError) and found.code == "unknown"
    else:
        assert found == last


@pytest.mark.parametrize(
    ("words", "code", "said"),
    [
        ("until 2026-12-04", "past", "“2026-12-04” has passed already"),
        ("until 2027-02-30", "unknown", "I don't understand “2027-02-30”"),
        ("until 9999-12-31", "too_far", f"more than {MAX_DAYS} days away"),
        ("for 0 days", "unknown", "`pause for 2 weeks`"),
        ("for ages", "unknown", "I don't understand “for ages”"),
        ("until", "unknown", "`pause until 2027-03-10`"),
    ],
)
def test_refusals_say_what_was_wrong_with_an_example(words: str, code: str, said: str) -> None:
    found = read_until(words.split(), SATURDAY)
    assert isinstance(found, HoldError) and found.code == code
    assert said in found.say("en")
    assert found.say("fr") != found.say("en") and found.say("zh") != found.say("en")


def test_no_words_is_a_pause_with_no_end() -> None:
    assert read_until([], SATURDAY) is None


def test_skip_words() -> None:
    assert reads_skip([]) is None and reads_skip(["next"]) is None
    assert reads_skip(["prochain"]) is None and reads_skip(["下次"]) is None
    refused = reads_skip(["everything"])
    assert refused is not None and "`skip next`" in refused.say("en")


# --- properties ---------------------------------------------------------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2200, 12, 31))
words = st.lists(
    st.one_of(
        st.text(max_size=12),
        st.sampled_from(
            [
                "until",
                "for",
                "jusqu'au",
                "pendant",
                "到",
                "直到",
                "monday",
                "lundi",
                "周一",
                "2",
                "weeks",
                "semaines",
                "周",
                "天",
                "两",
                "十",
                "2027-03-10",
                "9999-99-99",
                "a",
                "'",
            ]
        ),
    ),
    max_size=6,
)


@given(words, days)
def test_the_grammar_never_raises(said: list[str], today: date) -> None:
    found = read_until(said, today)
    assert found is None or isinstance(found, date | HoldError)
    if isinstance(found, date):
        assert today <= found <= today + timedelta(days=MAX_DAYS)
    assert reads_skip(said) is None or isinstance(reads_skip(said), HoldError)


def said_by_status(last: date, lang: str) -> str:
    """What `status` says of a subscription paused through ``last``, asked on SATURDAY."""
    sub = sub_of(paused_until=last)
    now = datetime.combine(SATURDAY, time(12), UTC)
    inv = Invocation("T1", "C1", "U1", lang=lang)
    return status(Facts(LIBRARY, now), inv, sub).text


phrasings = st.one_of(
    st.integers(0, MAX_DAYS).map(lambda n: f"until {(SATURDAY + timedelta(n)).isoformat()}"),
    st.integers(0, MAX_DAYS).map(lambda n: f"jusqu'au {(SATURDAY + timedelta(n)).isoformat()}"),
    st.integers(0, MAX_DAYS).map(lambda n: "到" + (SATURDAY + timedelta(n)).isoformat()),
    st.integers(1, 52).map(lambda n: f"for {n} weeks"),
    st.integers(1, 300).map(lambda n: f"pendant {n} jours"),
    st.integers(1, 9).map(lambda n: f"{n}周"),
    st.sampled_from(["until monday", "jusqu'à mardi", "直到周三", "until sunday", "到下周五"]),
)


@given(phrasings, st.sampled_from(["en", "fr", "zh"]))
def test_every_day_accepted_reads_back_through_status(phrase: str, lang: str) -> None:
    last = read_until(phrase.split(), SATURDAY)
    assert isinstance(last, date)
    said = said_by_status(last, lang)
    assert human_date(last, lang) in said
    assert human_date(last + timedelta(days=1), lang) in said  # when posting resumes


@given(st.integers(-400, -1))
def test_a_day_past_is_refused(n: int) -> None:
    day = SATURDAY + timedelta(days=n)
    found = read_until(["until", day.isoformat()], SATURDAY)
    assert isinstance(found, HoldError) and found.code == "past"
