"""Events are things you can ask for (issue 18, items 1 and 3): every event answers to its id,
its names and short names in English, French and Chinese; a series name gives the series; the
event card's parts; search finds events; the shell shows the same card."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime

import pytest

from bot import commands
from bot.answers import buttons, core, lookup
from bot.clock import FixedClock
from bot.config import Settings
from bot.content.library import Library
from bot.local.shell import Shell
from bot.slack import ids
from tests.replyhelp import within_limits
from tests.slackrules import block_errors

REVIEWED = date(2026, 12, 5)  # the content's review day
CALENDAR = "https://bot.example.org/summits.ics"
LANGS = ("en", "fr", "zh")


def body(reply: object) -> str:
    return json.dumps(reply.blocks_json(), ensure_ascii=False)  # type: ignore[attr-defined]


def ask(library: Library, text: str, lang: str = "en") -> str:
    reply = core.reply_to(text, library, REVIEWED, lang, calendar_url=CALENDAR)
    within_limits(reply)
    assert block_errors(reply.blocks_json()) == []
    return body(reply)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("name", "event_id"),
    [
        ("waic-2026", "waic-2026"),
        ("waic 2026", "waic-2026"),
        ("WAIC 2024", "waic-2024"),
        ("geneva", "ai-summit-geneva-2027"),
        ("Geneva Summit", "ai-summit-geneva-2027"),
        ("sommet de genève", "ai-summit-geneva-2027"),
        ("日内瓦峰会", "ai-summit-geneva-2027"),
        ("new delhi summit", "ai-impact-summit-2026"),
        ("sommet de new delhi", "ai-impact-summit-2026"),
        ("新德里峰会", "ai-impact-summit-2026"),
        ("ai for good", "ai-for-good-2026"),  # a series of one edition is that edition
        ("Sommet mondial AI for Good 2026", "ai-for-good-2026"),
        ("AI Seoul Summit 2024", "ai-seoul-summit-2024"),
        ("2024年首尔人工智能峰会", "ai-seoul-summit-2024"),
        ("seoul summ", "ai-seoul-summit-2024"),
        ("paris summit", "ai-action-summit-2025"),
        ("ai-safety-summit-2023", "ai-safety-summit-2023"),
        ("global dialogue 2026", "un-global-dialogue-geneva-2026"),
        ("dialogue mondial 2027", "un-global-dialogue-new-york-2027"),
        ("2026世界人工智能大会", "waic-2026"),
    ],
)
def test_a_name_in_any_language_finds_its_event(
    library: Library, lang: str, name: str, event_id: str
) -> None:
    found = lookup.find(library.for_lang(lang), name)
    assert found.event is not None and found.event.id == event_id
    assert found.event == library.for_lang(lang).summit(event_id)  # in the reader's language


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize(
    ("name", "series"),
    [
        ("waic", "waic"),
        ("World AI Conference", "waic"),
        ("世界人工智能大会", "waic"),
        ("conférence mondiale sur l'ia", "waic"),
        ("ai summit", "ai-summit"),
        ("sommets sur l'ia", "ai-summit"),
        ("人工智能峰会", "ai-summit"),
        ("global dialogue", "un-global-dialogue"),
        ("全球对话", "un-global-dialogue"),
    ],
)
def test_a_series_name_finds_the_series(
    library: Library, lang: str, name: str, series: str
) -> None:
    found = lookup.find(library.for_lang(lang), name)
    assert found.series == series and found.event is None and found.topic is None
    assert {s.series for s in found.editions} == {series} and len(found.editions) > 1


@pytest.mark.parametrize("lang", LANGS)
def test_topic_names_still_find_their_topics(library: Library, lang: str) -> None:
    for name, topic_id in (("bletchley", "bletchley"), ("middle east", "france-china-middle-east")):
        found = lookup.find(library.for_lang(lang), name)
        assert found.topic is not None and found.topic.id == topic_id
    assert lookup.find(library, "bletchly").suggestions[0].id == "bletchley"


@pytest.mark.parametrize(
    ("text", "lang", "header", "when", "held"),
    [
        ("geneva", "en", "AI Summit 2027, Geneva", "first half of 2027", None),
        ("sommet de genève", "fr", "Sommet sur l'IA 2027, Genève", "premier semestre 2027", None),
        ("日内瓦峰会", "zh", "2027年人工智能峰会（日内瓦）", "2027年上半年", None),
        (
            "new delhi summit",
            "en",
            "India AI Impact Summit 2026",
            "16–21 February 2026",
            "*Held:* confirmed",
        ),
        (
            "ai for good",
            "fr",
            "Sommet mondial AI for Good 2026",
            "7–10 juillet 2026",
            "*Tenue :* non confirmée",
        ),
        (
            "ai for good",
            "zh",
            "2026年“人工智能向善”全球峰会（AI for Good）",
            "2026年7月7日至10日",
            "*是否已举行：*\u200b未经证实",
        ),
    ],
)
def test_the_event_card(
    library: Library, text: str, lang: str, header: str, when: str, held: str | None
) -> None:
    reply = core.reply_to(text, library, REVIEWED, lang, calendar_url=CALENDAR)
    blocks = reply.blocks_json()
    assert blocks[0]["type"] == "header" and blocks[0]["text"]["text"] == header
    card = body(reply)
    assert when in card
    if held:
        assert held in card
    else:
        assert "*Held:*" not in card and "*Tenue :*" not in card and "已举行" not in card
    assert block_errors(blocks) == []


def test_the_card_has_its_place_sources_graded_developments_topics_and_buttons(
    library: Library,
) -> None:
    reply = core.reply_to("geneva", library, REVIEWED, calendar_url=CALENDAR)
    card = body(reply)
    assert "*Where:* Geneva, Switzerland" in card
    assert "*Sources*" in card and "· _confirmed_" in card  # graded
    assert "*Latest developments*" in card
    assert "Switzerland will host the next AI summit in Geneva" in card  # names it (events:)
    assert "*Related topics:* *Bletchley Declaration*" in card
    assert "`/declaration ai-summit`" in card  # the series
    actions = next(b for b in reply.blocks_json() if b["type"] == "actions")["elements"]
    assert [e["action_id"] for e in actions] == [
        "show_topic:bletchley",
        f"{ids.EVENT_NEWS_ACTION}:ai-summit-geneva-2027",
    ]
    # known only by a period: no calendar file
    assert "summits/ai-summit-geneva-2027.ics" not in card


def test_the_card_links_its_calendar_file_only_with_dates_and_an_address(
    library: Library,
) -> None:
    link = "https://bot.example.org/summits/ai-impact-summit-2026.ics"
    assert link in ask(library, "new delhi summit")
    no_url = core.reply_to("new delhi summit", library, REVIEWED, calendar_url=None)
    assert "summits/ai-impact-summit-2026.ics" not in body(no_url)
    # tentative dates are in the feed, so they have a file too
    assert "https://bot.example.org/summits/waic-2026.ics" in ask(library, "waic 2026")


def test_a_countdown_for_an_event_ahead(library: Library) -> None:
    card = body(core.reply_to("ai for good", library, date(2026, 6, 27)))
    assert "7–10 July 2026 · *in 10 days*" in card


@pytest.mark.parametrize("lang", LANGS)
def test_the_event_news_button_shows_the_developments_that_name_it(
    library: Library, lang: str
) -> None:
    value = f"ai-summit-geneva-2027|{lang}"
    button = buttons.button_for(f"{ids.EVENT_NEWS_ACTION}:ai-summit-geneva-2027")
    assert button is not None and button.lang(value) == lang
    reply = button.answer(library, value)
    within_limits(reply)
    news = body(reply)
    assert "Switzerland" in news or "瑞士" in news or "Suisse" in news
    gone = button.answer(library, f"no-such-event|{lang}")
    assert "summits" in gone.text


@pytest.mark.parametrize(
    ("text", "lang", "header", "next_line"),
    [
        ("waic", "en", "World Artificial Intelligence Conference (WAIC)", "waic-2027"),
        ("waic", "fr", "Conférence mondiale sur l'intelligence artificielle (WAIC)", "waic-2027"),
        ("世界人工智能大会", "zh", "世界人工智能大会（WAIC）", "waic-2027"),
        ("ai summit", "en", "The AI summits", "ai-summit-geneva-2027"),
        ("global dialogue", "zh", "联合国人工智能治理全球对话", "un-global-dialogue-new-york-2027"),
    ],
)
def test_a_series_gives_the_next_edition_first_then_the_past_ones(
    library: Library, text: str, lang: str, header: str, next_line: str
) -> None:
    reply = core.reply_to(text, library, REVIEWED, lang)
    within_limits(reply)
    blocks = reply.blocks_json()
    assert blocks[0]["text"]["text"].startswith(header)
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    first = sections[0].splitlines()
    assert len(first) == 2 and first[1].endswith(f"`{next_line}`")  # the next edition, first
    past = sections[-1].splitlines()[1:]
    ends = [line.rsplit("`", 2)[1] for line in past]
    assert ends and all(line.startswith("• ") for line in past)
    editions = {s.id: s for s in library.editions(blocks and library.summit(ends[0]).series)}  # type: ignore[union-attr]
    firsts = [editions[e].window[0] for e in ends]  # type: ignore[index]
    assert firsts == sorted(firsts, reverse=True)  # most recent first
    assert all(editions[e].window[1] < REVIEWED for e in ends)  # type: ignore[index]


def test_the_waic_series_in_order(library: Library) -> None:
    text = body(core.reply_to("waic", library, REVIEWED))
    order = [text.index(f"`waic-{y}`") for y in (2027, 2026, 2025, 2024, 2023)]
    assert order == sorted(order)


def test_a_name_typed_by_a_user_never_pings(library: Library) -> None:
    reply = core.reply_to("<!channel> waic", library, REVIEWED)
    assert "<!channel>" not in body(reply) and "<!channel>" not in reply.text


@pytest.mark.parametrize(
    ("lang", "word"), [("en", "palexpo"), ("fr", "palexpo"), ("zh", "palexpo会展中心")]
)
def test_search_finds_events(library: Library, lang: str, word: str) -> None:
    hits = lookup.search_all(library.for_lang(lang), word)
    assert {h.event.id for h in hits if isinstance(h, lookup.EventHit)} == {
        "un-global-dialogue-geneva-2026",
        "ai-for-good-2026",
    }
    reply = core.reply_to(f"search {word}", library, REVIEWED, lang)
    within_limits(reply)
    text = body(reply)
    assert "`/declaration ai-for-good-2026`" in text and "Palexpo" in text


def test_search_ranks_an_event_by_its_name_like_a_topic(library: Library) -> None:
    hits = lookup.search_all(library, "seoul")
    assert isinstance(hits[0], lookup.EventHit) and hits[0].event.id == "ai-seoul-summit-2024"
    assert isinstance(hits[1], lookup.Hit) and hits[1].topic.id == "bletchley"
    text = body(core.reply_to("search seoul", library, REVIEWED))
    assert "Topics matching “seoul”, and events (2)" in text and "*Seoul*" in text


def test_search_in_another_language_finds_an_event_in_the_readers(library: Library) -> None:
    reply = core.reply_to("search Palexpo会展中心", library, REVIEWED, "zh")
    assert "瑞士日内瓦Palexpo会展中心" in body(reply)


def test_the_shell_shows_the_same_card(library: Library, db: str) -> None:
    shell = Shell(
        library,
        FixedClock(datetime(2026, 12, 5, 10, 0, tzinfo=UTC)),
        Settings(database_url=db),
        {"TZ": "Europe/Paris", "LANG": "C", "USER": "ada"},
        io.StringIO(),
    )
    for text, needles in (
        ("geneva", ("AI Summit 2027, Geneva", "Where:", "first half of 2027", "Sources")),
        (
            "waic lang:fr",
            ("Conférence mondiale sur l'intelligence artificielle (WAIC)", "waic-2027"),
        ),
        ("世界人工智能大会 lang:zh", ("世界人工智能大会（WAIC）", "往届")),
    ):
        answer = shell.answer(text)
        assert answer is not None
        for needle in needles:
            assert needle in answer.text, (text, needle, answer.text)
    assert commands.read("geneva").kind == "ShowTopic"
