"""Questions in plain words (issue 18, item 2): "when is the next summit?", "prochain sommet",
"waic什么时候" and the like get the next event or events with their dates or periods; a question
about an event gets its card; "remind me" says what the bot can do; anything else is searched
before "did you mean". Each phrasing is answered in the three languages the bot speaks, and any
text gets a reply within Slack's limits."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bot import commands
from bot.answers import core, questions
from bot.content.library import Library
from bot.content.schema import normalize
from bot.i18n import t
from bot.slack.payloads import Reply
from tests.replyhelp import within_limits
from tests.slackrules import block_errors, lint

REVIEWED = date(2026, 12, 5)  # the content's review day: every event of 2026 is past
CALENDAR = "https://bot.example.org/summits.ics"
LANGS = ("en", "fr", "zh")
GENEVA = "ai-summit-geneva-2027"  # the next event on 5 December 2026 (first half of 2027)


def answer(library: Library, text: str, lang: str) -> Reply:
    reply = core.reply_to(text, library, REVIEWED, lang, calendar_url=CALENDAR)
    within_limits(reply)
    assert block_errors(reply.blocks_json()) == []
    return reply


def events_named(library: Library, reply: Reply) -> list[str]:
    """The events a reply names by id (`id`, as cards, series and "what's next" end a line
    with), in the order it names them."""
    body = json.dumps(reply.blocks_json(), ensure_ascii=False)
    found = {s.id: body.find(f"`{s.id}`") for s in library.summits}
    return [i for i, at in sorted(found.items(), key=lambda x: x[1]) if at >= 0]


# (typed, the event the reply names first)
PHRASINGS = [
    # the next event, in general
    ("when is the next summit?", GENEVA),
    ("next summit", GENEVA),
    ("what's next", GENEVA),
    ("What's next?", GENEVA),
    ("when's the next summit", GENEVA),
    ("next event", GENEVA),
    ("the next conference", GENEVA),
    ("any summit coming up?", GENEVA),
    ("when is the next one", GENEVA),
    ("where is the next summit?", GENEVA),
    ("how many days until the next summit", GENEVA),
    ("prochain sommet", GENEVA),
    ("quand est le prochain sommet ?", GENEVA),
    ("c'est quand le prochain sommet ?", GENEVA),
    ("le prochain événement", GENEVA),
    ("quel est le prochain sommet", GENEVA),
    ("quels sont les prochains sommets ?", GENEVA),
    ("sommets à venir", GENEVA),
    ("下一次峰会", GENEVA),
    ("下一届峰会是什么时候？", GENEVA),
    ("下次会议在哪里", GENEVA),
    ("接下来有什么峰会", GENEVA),
    ("即将举行的活动", GENEVA),
    # the next edition of a series: its card
    ("when is the next waic?", "waic-2027"),
    ("next waic", "waic-2027"),
    ("prochaine WAIC", "waic-2027"),
    ("下一届世界人工智能大会", "waic-2027"),
    ("下一届waic", "waic-2027"),
    ("when is the next ai summit", GENEVA),
    ("next global dialogue", "un-global-dialogue-new-york-2027"),
    # a series: the next edition first
    ("when is waic", "waic-2027"),
    ("waic什么时候", "waic-2027"),
    ("世界人工智能大会什么时候", "waic-2027"),
    ("quand a lieu la WAIC ?", "waic-2027"),
    ("when is the global dialogue", "un-global-dialogue-new-york-2027"),
    # an event: its card
    ("when is the geneva summit?", GENEVA),
    ("where is the bletchley summit", "ai-safety-summit-2023"),
    ("quand a lieu le sommet de genève", GENEVA),
    ("日内瓦峰会什么时候", GENEVA),
    ("when was the paris summit", "ai-action-summit-2025"),
    ("when is ai for good?", "ai-for-good-2026"),
    ("where is waic 2026", "waic-2026"),
    ("新德里峰会在哪里", "ai-impact-summit-2026"),
    ("c'est quand le sommet de séoul ?", "ai-seoul-summit-2024"),
    ("首尔峰会是什么时候", "ai-seoul-summit-2024"),
    ("how many days until the uae summit", "ai-summit-uae-2028"),
    ("when is waic 2027", "waic-2027"),
]


def test_the_table_has_forty_phrasings_in_three_languages() -> None:
    assert len(PHRASINGS) >= 40
    assert len({typed for typed, _ in PHRASINGS}) == len(PHRASINGS)
    assert any(re.search(r"[\u4e00-\u9fff]", typed) for typed, _ in PHRASINGS)
    assert sum("sommet" in typed for typed, _ in PHRASINGS) >= 8


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(("typed", "event_id"), PHRASINGS)
def test_a_question_gets_the_event_it_asks_for(
    library: Library, lang: str, typed: str, event_id: str
) -> None:
    named = events_named(library, answer(library, typed, lang))
    assert named and named[0] == event_id, named


@pytest.mark.parametrize("lang", LANGS)
def test_the_next_events_come_soonest_first_with_their_periods(library: Library, lang: str) -> None:
    reply = answer(library, "when is the next summit?", lang)
    lib = library.for_lang(lang)
    assert events_named(library, reply) == [
        GENEVA,
        "un-global-dialogue-new-york-2027",
        "waic-2027",
        "ai-summit-uae-2028",
    ]
    body = json.dumps(reply.blocks_json(), ensure_ascii=False)
    assert t(lang, "ask.next_header") in body
    assert "2027" in body and lib.summit(GENEVA).name in body  # type: ignore[union-attr]
    for past in ("waic-2026", "ai-impact-summit-2026", "un-global-dialogue-geneva-2026"):
        assert f"`{past}`" not in body
    assert reply.text.startswith(t(lang, "ask.fallback", list="")[:3])


def test_an_event_with_dates_ahead_comes_first_with_its_countdown(soon: Library) -> None:
    # the fixture's summit has days (31 December 2026), before Geneva's half-year
    reply = core.reply_to("what's next", soon, date(2026, 12, 1), "en")
    assert events_named(soon, reply)[:2] == ["soon", GENEVA]
    assert "in 30 days" in json.dumps(reply.blocks_json())


# The table at the top of issue 18: each row gets the event(s) it asks for, in every language
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("typed", "event_id"),
    [
        ("waic", "waic-2027"),
        ("geneva", GENEVA),
        ("when is the next summit?", GENEVA),
        ("世界人工智能大会 lang:zh", "waic-2027"),
        ("ai for good", "ai-for-good-2026"),
        # the same rows typed in French and Chinese
        ("conférence mondiale sur l'IA", "waic-2027"),
        ("genève", GENEVA),
        ("日内瓦", GENEVA),
        ("quand est le prochain sommet ?", GENEVA),
        ("下一次峰会是什么时候？", GENEVA),
        ("sommet AI for Good", "ai-for-good-2026"),
        ("人工智能向善", "ai-for-good-2026"),
    ],
)
def test_each_row_of_the_issue_gets_its_event(
    library: Library, lang: str, typed: str, event_id: str
) -> None:
    named = events_named(library, answer(library, typed, lang))
    assert named and named[0] == event_id


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    "typed", ["remind me tomorrow", "rappelle-moi demain", "明天提醒我", "remind me about waic"]
)
def test_remind_me_says_what_the_bot_can_do(library: Library, lang: str, typed: str) -> None:
    reply = answer(library, typed, lang)
    body = json.dumps(reply.blocks_json(), ensure_ascii=False)
    assert "/declaration subscribe" in body
    assert reply.text == t(lang, "ask.remind", command="/declaration")
    lib = library.for_lang(lang)
    assert not any(tp.label in body for tp in lib.topics)  # no "did you mean France–China"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("typed", ["summits", "summit", "sommets", "峰会", "events"])
def test_the_words_for_events_alone_list_every_summit(
    library: Library, lang: str, typed: str
) -> None:
    reply = answer(library, typed, lang)
    assert reply == core.reply_to("summits", library, REVIEWED, lang, calendar_url=CALENDAR)


def test_summits_is_still_the_subcommand_and_next_summit_a_question() -> None:
    assert commands.read("summits").kind == "Summits"
    assert commands.read("summit").kind == "Summits"
    assert commands.read("next summit").kind == "ShowTopic"


@pytest.mark.parametrize("lang", LANGS)
def test_what_names_nothing_is_searched_before_did_you_mean(library: Library, lang: str) -> None:
    searched = answer(library, "shanghai declaration on global governance", lang)
    assert searched == core.reply_to(
        "search shanghai declaration on global governance", library, REVIEWED, lang
    )
    assert t(lang, "search.none", query="x", command="y")[:6] not in searched.text
    # a question about something the content does not name is searched by its subject
    asked = answer(library, "when is the new delhi declaration?", lang)
    assert asked == core.reply_to("search the new delhi declaration", library, REVIEWED, lang)
    # a typo of a name is neither: "did you mean"
    typo = answer(library, "bletchly", lang)
    lib = library.for_lang(lang)
    bletchley = lib.topic("bletchley")
    assert bletchley is not None and bletchley.label in json.dumps(
        typo.blocks_json(), ensure_ascii=False
    )


def test_reading_takes_the_question_words_out() -> None:
    asked = questions.read("Quand est le prochain sommet de Genève ?")
    assert asked.intents == {"next", "when"}
    assert asked.subject == "le sommet de genève" and asked.bare == "genève"
    assert questions.read("waic什么时候").subject == "waic"
    assert questions.read("下一次峰会").about_events and questions.read("下一次峰会").events
    assert not questions.read("the").events  # a common word alone is not the summits
    # a name is never cut inside a word: "whenever" and "nextgen" are not "when" and "next"
    assert questions.read("whenever nextgen").intents == frozenset()


def test_the_words_file_is_checked_when_loaded(tmp_path: Path) -> None:
    words = questions.load()
    assert "prochain" in words.next.fr and "下一次" in words.next.zh
    good = questions.WORDS.read_text(encoding="utf-8")
    clash = tmp_path / "clash.yml"
    clash.write_text(good.replace("[峰会,", "[下一次, 峰会,"), encoding="utf-8")
    with pytest.raises(ValidationError, match="下一次"):
        questions.load(clash)
    missing = tmp_path / "missing.yml"
    missing.write_text(good.replace("remind:", "rappel:"), encoding="utf-8")
    with pytest.raises(ValidationError):
        questions.load(missing)
    empty = tmp_path / "empty.yml"
    empty.write_text(good.replace("[next,", "['?!', next,"), encoding="utf-8")
    with pytest.raises(ValidationError, match="no words"):
        questions.load(empty)


def _question_words() -> list[str]:
    words = questions.load()
    return sorted(
        {
            w
            for group in (words.next, words.when, words.remind, words.events, words.filler)
            for w in group.all()
        }
    )


TEXT = st.one_of(
    st.text(max_size=600),
    st.lists(
        st.one_of(
            st.sampled_from(_question_words()),
            st.sampled_from(["waic", "genève", "日内瓦", "bletchley", "<!channel>", "&", "*_~`"]),
            st.text(min_size=1, max_size=12),
        ),
        max_size=30,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(text=TEXT, lang=st.sampled_from(LANGS))
def test_any_text_gets_a_reply_within_slack_limits(library: Library, text: str, lang: str) -> None:
    reply = core.reply_to(text, library, REVIEWED, lang, calendar_url=CALENDAR)
    within_limits(reply)
    assert block_errors(reply.blocks_json()) == []
    assert lint({"text": reply.text, "blocks": reply.blocks_json()}) == []
    assert "<!channel>" not in json.dumps(reply.blocks_json()) + reply.text


@settings(max_examples=300, deadline=None)
@given(text=TEXT)
def test_reading_never_raises_and_only_shortens(text: str) -> None:
    asked = questions.read(text)
    assert len(asked.bare) <= len(asked.subject) <= len(normalize(text[:500]))
    assert set(asked.intents) <= {"next", "when", "remind"}


@pytest.mark.parametrize("lang", LANGS)
def test_help_says_a_question_may_be_asked_in_plain_words(library: Library, lang: str) -> None:
    shown = json.dumps(answer(library, "help", lang).blocks_json(), ensure_ascii=False)
    assert "/declaration when is the next summit?" in shown and "下一次峰会" in shown
