"""A change to a stored subscription, pure (issue 20, item 1): the words name some fields
(:attr:`Draft.given`), :meth:`Draft.over` keeps the others, and :func:`replies.changes` says what
changed as before → after. A table of stored settings × words, and properties: a draft naming
everything is itself over anything; one naming nothing leaves the stored settings as they were."""

from __future__ import annotations

import dataclasses
from datetime import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.content.library import Library
from bot.subscriptions import replies
from bot.subscriptions.model import EVERYTHING, Draft, Problem, Request, read_change, validate
from bot.subscriptions.replies import Invocation, Subscribe
from bot.subscriptions.stored import Receives
from tests.subscriptionhelp import sub_of


def inv_of(lang: str = "en") -> Invocation:
    return Invocation("T1", "C1", "U7", lang=lang)


PARIS_FR = Draft(
    days=frozenset({0, 3}),
    at=time(9, 0),
    tz="Europe/Paris",
    lang="fr",
    topics=frozenset({"bletchley"}),
    zone_given=True,
)


def change(words: str, stored: Draft = PARIS_FR) -> Draft:
    draft = read_change(words.split(), default_tz="America/New_York", default_lang="en")
    assert isinstance(draft, Draft), draft
    return draft.over(stored)


@pytest.mark.parametrize(
    ("words", "given", "expected"),
    [
        ("8am", {"time"}, dataclasses.replace(PARIS_FR, at=time(8, 0))),
        ("daily", {"days"}, dataclasses.replace(PARIS_FR, days=frozenset(range(7)))),
        ("weekly", {"days"}, dataclasses.replace(PARIS_FR, days=frozenset({0}))),
        ("fri 17:30", {"days", "time"}, dataclasses.replace(PARIS_FR, days=frozenset({4}), at=time(17, 30))),
        ("Asia/Tokyo", {"zone"}, dataclasses.replace(PARIS_FR, tz="Asia/Tokyo")),
        ("reminders-only", {"receives"}, dataclasses.replace(PARIS_FR, receives=Receives.REMINDERS)),
        ("topics:france-china-ai", {"topics"}, dataclasses.replace(PARIS_FR, topics=frozenset({"france-china-ai"}))),
        ("always", {"always"}, dataclasses.replace(PARIS_FR, always=True)),
        ("", set(), PARIS_FR),
    ],
)  # fmt: skip
def test_the_words_change_only_what_they_name(words: str, given: set[str], expected: Draft) -> None:
    draft = read_change(words.split(), default_tz="America/New_York", default_lang="en")
    assert isinstance(draft, Draft) and draft.given == given
    assert draft.over(PARIS_FR) == expected


@pytest.mark.parametrize(
    ("stored", "words", "lang", "said"),
    [
        (PARIS_FR, "8am", "en", "Time: 09:00 → 08:00; days, zone, language and topics unchanged"),
        (PARIS_FR, "8am", "fr", "Heure : 09:00 → 08:00 ; jours, fuseau, langue et sujets inchangés"),
        (PARIS_FR, "8am", "zh", "时间：09:00 → 08:00；日期、时区、语言、主题不变"),
        (PARIS_FR, "daily 10:00 UTC", "en", "Days: Mondays and Thursdays → every day; Time: 09:00 → 10:00; Zone: Europe/Paris → UTC; language and topics unchanged"),
        (PARIS_FR, "topics:france-china-ai", "en", "Topics: Bletchley Declaration → "),
        (dataclasses.replace(PARIS_FR, topics=frozenset()), "topics:bletchley", "en", "Topics: every topic → Bletchley Declaration"),
        (PARIS_FR, "reminders-only", "en", "Receives: digests and summit reminders → summit reminders only (no digests); days, time, zone, language and topics unchanged"),
        (PARIS_FR, "always", "fr", "Résumés : seulement s'il y a du nouveau → publiés à chaque fois"),
        (PARIS_FR, "9am", "en", "Nothing changed: days, time, zone, language and topics as they were."),
    ],
)  # fmt: skip
def test_what_changed_is_said_as_before_and_after(
    library: Library, stored: Draft, words: str, lang: str, said: str
) -> None:
    after = validate(change(words, stored), library)
    assert isinstance(after, Request)
    assert said in replies.changes(stored, after, library, lang)


def test_a_stored_subscription_is_a_draft_of_everything(library: Library) -> None:
    sub = sub_of(lang="fr", topics=frozenset({"bletchley"}), receives="digests", always=True)
    draft = Draft.of(sub)
    assert draft.given == EVERYTHING and draft.zone_given
    checked = validate(draft, library)
    assert isinstance(checked, Request)
    assert (checked.schedule, checked.lang, checked.receives) == (sub.schedule, "fr", "digests")
    assert checked.topics == sub.topics and checked.always


def test_plan_subscribe_changes_the_stored_one_and_reset_does_not(library: Library) -> None:
    stored = sub_of(lang="fr", topics=frozenset({"bletchley"}))
    plan = replies.plan_subscribe(library, inv_of(), ("8am",), stored=stored)
    assert isinstance(plan, Subscribe) and plan.before == Draft.of(stored)
    req = plan.request
    assert (req.lang, req.topics, req.schedule.tz) == ("fr", {"bletchley"}, "Europe/Paris")
    assert req.schedule.at == time(8, 0) and plan.zone_said is None
    fresh = replies.plan_subscribe(library, inv_of(), ("8am", "fresh"), stored=stored)
    assert isinstance(fresh, Subscribe) and fresh.before is None
    assert fresh.request.lang == "en" and not fresh.request.topics
    languages = replies.plan_subscribe(library, inv_of("zh"), (), stored=stored, lang_given=True)
    assert isinstance(languages, Subscribe) and languages.request.lang == "zh"
    assert languages.request.topics == {"bletchley"}


def test_user_words_in_a_change_are_escaped(library: Library) -> None:
    stored = sub_of()
    for words in (("8am", "topics:<!channel>"), ("<!here>",), ("8am", "<@U0EVIL>")):
        refused = replies.plan_subscribe(library, inv_of(), words, stored=stored)
        assert not isinstance(refused, Subscribe)
        text = refused.text + str(refused.blocks_json())
        assert "<!channel>" not in text and "<!here>" not in text and "<@U0EVIL>" not in text


# --- properties ----------------------------------------------------------------------------------

_drafts = st.builds(
    Draft,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    tz=st.sampled_from(["UTC", "Europe/Paris", "Asia/Shanghai", "America/New_York"]),
    lang=st.sampled_from(["en", "fr", "zh"]),
    receives=st.sampled_from(list(Receives)),
    topics=st.frozensets(st.sampled_from(["bletchley", "france-china-ai", "seoul"]), max_size=2),
    always=st.booleans(),
    zone_given=st.booleans(),
)


@given(change=_drafts, stored=_drafts)
def test_a_draft_naming_everything_is_itself_over_anything(change: Draft, stored: Draft) -> None:
    assert change.over(stored) == change


@given(change=_drafts, stored=_drafts)
def test_a_draft_naming_nothing_changes_nothing(change: Draft, stored: Draft) -> None:
    assert dataclasses.replace(change, given=frozenset()).over(stored) == stored


@given(stored=_drafts, names=st.sets(st.sampled_from(sorted(EVERYTHING))))
def test_a_change_takes_exactly_what_it_names(stored: Draft, names: set[str]) -> None:
    other = Draft(
        days=frozenset({6}),
        at=time(23, 59),
        tz="Pacific/Auckland",
        lang="xx",
        receives=Receives.DIGESTS if stored.receives != Receives.DIGESTS else Receives.ALL,
        topics=frozenset({"other"}),
        always=not stored.always,
        zone_given=True,
        given=frozenset(names),
    )
    merged = other.over(stored)
    fields = {
        "days": "days", "time": "at", "zone": "tz", "lang": "lang",
        "receives": "receives", "topics": "topics", "always": "always",
    }  # fmt: skip
    for name, attr in fields.items():
        source = other if name in names else stored
        assert getattr(merged, attr) == getattr(source, attr), name


@given(st.lists(st.sampled_from(["8am", "daily", "mon", "UTC", "always", "reset", "lang:fr"])))
def test_reading_a_change_never_raises(words: list[str]) -> None:
    read = read_change(words, default_tz="UTC", default_lang="en")
    assert isinstance(read, Draft | Problem)


@pytest.mark.parametrize(
    ("words", "named"),
    [
        ("8am", {"time"}),
        ("every monday at 9am", {"days", "time"}),
        ("daily", {"days"}),
        ("weekly", {"days"}),
        ("Europe/Paris", {"zone"}),
        ("tous les lundis à 9h Europe/Paris", {"days", "time", "zone"}),
        ("每天9点", {"days", "time"}),
        ("", set()),
    ],
)
def test_the_grammar_says_which_parts_the_words_named(words: str, named: set[str]) -> None:
    from bot.subscriptions.schedule import ScheduleError, read_schedule

    read = read_schedule(words.split(), "UTC")
    assert not isinstance(read, ScheduleError)
    assert read[1] == frozenset(named)
