"""Developments as a reader meets them: `news [topic]`, search, topic cards and digests; and the
decision behind quiet digests (what is new since a channel's last posted digest). Pure: no
network, no database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import commands as c
from bot.answers import core
from bot.content.library import Library
from bot.content.loading import load_library
from bot.delivery import digest, planner
from bot.slack.ids import NEWS_ACTION
from bot.subscriptions.schedule import EVERY_DAY, Schedule
from tests import planhelp
from tests.contenthelp import add_summit
from tests.newshelp import add_development, no_developments
from tests.planhelp import split_always
from tests.replyhelp import TODAY, texts, within_limits

# the content subcommands, by kind (their words are phrases)
News = c.content("News")

DAILY = Schedule(EVERY_DAY, time(9, 0), "UTC")


def body(reply: object) -> str:
    return "\n".join(texts(reply))  # type: ignore[arg-type]


def at9(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=UTC)


@pytest.fixture
def timeline(content_copy: Path) -> Library:
    """Seven developments over three topics, each with its own grades, oldest added first."""
    no_developments(content_copy)
    grades = ("C", "C-", "P", "?")
    for n in range(1, 8):
        add_development(
            content_copy,
            f"dev-{n}",
            happened=date(2026, 1, n),
            added=date(2026, 11, 20),
            title=f"Development number {n} on AI governance",
            summary=f"Countries agreed on point {n}. The ceasefire clause {n} was noted.",
            topics=("bletchley",) if n % 2 else ("bletchley", "france-china-ai"),
            grades=(grades[n % 4], "C"),
        )
    return load_library(content_copy)


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("news", News("")),
        ("NEWS bletchley", News("bletchley")),
        ("latest middle east", News("middle east")),
        ("news   france  china", News("france china")),
    ],
)
def test_news_is_parsed(text: str, expected: c.Command) -> None:
    assert c.parse(text) == expected


@given(st.lists(st.sampled_from(["always", "ALWAYS", "Always", "daily", "09:00", "fri", "x"])))
def test_always_is_taken_out_of_the_subscribe_words(words: list[str]) -> None:
    rest, always = split_always(tuple(words))
    assert always == any(w.casefold() == "always" for w in words)
    assert list(rest) == [w for w in words if w.casefold() != "always"]


# --- news -----------------------------------------------------------------------------------


def test_news_lists_the_five_latest_newest_first_with_graded_sources(timeline: Library) -> None:
    reply = core.reply_to("news", timeline, TODAY)
    within_limits(reply)
    text = body(reply)
    shown = [n for n in range(1, 8) if f"Development number {n} on" in text]
    assert shown == [3, 4, 5, 6, 7]
    assert text.index("number 7") < text.index("number 6") < text.index("number 3")
    assert "*7 January 2026*" in text
    assert "<https://example.org/news/dev-7/1|Report 1 on dev-7>" in text
    for word in ("_confirmed_", "_via reports_", "_single source_", "_unconfirmed_"):
        assert word in text
    assert (
        "Newest first: 5 of 7" in text and "/declaration news &lt;topic&gt;" in text
    )  # shown as written in Slack
    assert reply.response_type == "ephemeral"


def test_news_for_one_topic_by_any_of_its_names(timeline: Library) -> None:
    for name in ("france china", "france-china-ai", "France–China"):
        text = body(core.reply_to(f"news {name}", timeline, TODAY))
        shown = [n for n in range(1, 8) if f"Development number {n} on" in text]
        assert shown == [2, 4, 6], name
        assert "Newest first: 3 of 3 for this topic" in text


def test_news_with_a_typo_asks_did_you_mean_with_news_buttons(timeline: Library) -> None:
    reply = core.reply_to("news bletchly", timeline, TODAY)
    assert "Did you mean *Bletchley Declaration*?" in body(reply)
    (actions,) = [b for b in reply.blocks_json() if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == f"{NEWS_ACTION}:bletchley"
    pressed = core.news_by_id(timeline, actions["elements"][0]["value"])
    assert "Latest developments: Bletchley" in body(pressed)


def test_news_in_french_and_chinese(timeline: Library) -> None:
    fr = body(core.reply_to("news lang:fr", timeline, TODAY))
    assert "Derniers développements" in fr and "*7 janvier 2026*" in fr
    assert "_confirmé_" in fr and "_selon des comptes rendus_" in fr
    zh = body(core.reply_to("news bletchley", timeline, TODAY, "zh"))
    assert "最新进展" in zh and "*2026年1月7日*" in zh and "_已证实_" in zh


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "Timeline last reviewed 27 November 2026; nothing newer is on record."),
        ("fr", "Chronologie vérifiée pour la dernière fois le 27 novembre 2026"),
        ("zh", "时间线最近核查于2026年11月27日"),
    ],
)
def test_news_and_digests_say_when_the_timeline_was_last_reviewed(
    timeline: Library, lang: str, line: str
) -> None:
    """A gap after the newest development is not "nothing happened": the reader is told how
    recently the timeline was checked (its `reviewed:` date)."""
    for query in ("news", "news bletchley"):
        assert line in body(core.reply_to(query, timeline, TODAY, lang)), query
    for sent in (0, 3):  # the first digest, and a later one: said in its thread
        sub = planner.Channel(
            DAILY,
            lang=lang,
            always=True,
            last_digest_for=at9(date(2026, 11, 27)) if sent else None,
            digests_sent=sent,
        )
        inputs = planner.digest_inputs(timeline, sub, at9(date(2026, 11, 28)), "digest")
        assert line in body(digest.thread(timeline, inputs)), sent


def test_a_timeline_without_a_review_date_says_nothing_of_one(
    content_copy: Path, timeline: Library
) -> None:
    path = content_copy / "developments.yml"
    path.write_text(path.read_text().replace("reviewed: 2026-11-27\n", "", 1))
    lib = load_library(content_copy)
    assert lib.timeline_reviewed is None
    assert "last reviewed" not in body(core.reply_to("news", lib, TODAY))
    assert timeline.timeline_reviewed == date(2026, 11, 27)


def test_no_developments_is_said_plainly(content_copy: Path) -> None:
    no_developments(content_copy)
    lib = load_library(content_copy)
    text = body(core.reply_to("news", lib, TODAY))
    assert "No developments have been recorded yet" in text
    text = body(core.reply_to("news middle east", lib, TODAY, "fr"))
    assert (
        "Aucun développement enregistré" in text and "/declaration france-china-middle-east" in text
    )


def test_a_long_timeline_stays_within_slack_limits(content_copy: Path) -> None:
    no_developments(content_copy)
    for n in range(40):
        add_development(
            content_copy,
            f"long-{n}",
            happened=date(2025, 1, 1) + timedelta(days=n),
            added=date(2026, 11, 1),
            title="T" * 150,
            summary="<!channel> " + "S" * 580,
            grades=("C", "C-", "P", "?") * 2 + ("C", "C"),
        )
    lib = load_library(content_copy)
    for text in ("news", "news bletchley", "bletchley", "share bletchley", "search sss"):
        reply = core.reply_to(text, lib, TODAY)
        within_limits(reply)
        assert all("<!channel>" not in t for t in texts(reply))


# --- search ---------------------------------------------------------------------------------


def test_search_finds_a_development_ranked_with_the_topics(timeline: Library) -> None:
    reply = core.reply_to("search development number 7", timeline, TODAY)
    within_limits(reply)
    text = body(reply)
    assert "Topics and developments matching" in text
    first = reply.blocks_json()[1]["text"]["text"]
    assert "*Development* *number* *7*" in first and "7 January 2026" in first
    assert "<https://example.org/news/dev-7/1|Publisher 1>" in first
    # a word only developments use, and one only a topic uses, in one search
    text = body(core.reply_to("search ceasefire clause", timeline, TODAY))
    assert "*ceasefire* *clause*" in text and "Middle East" in text


def test_search_in_another_language_still_finds_developments(timeline: Library) -> None:
    text = body(core.reply_to("search clause", timeline, TODAY, "zh"))
    assert "与 “clause” 匹配的主题和进展" in text and "*clause*" in text


def test_a_search_matching_no_development_reads_as_before(timeline: Library) -> None:
    text = body(core.reply_to("search seoul", timeline, TODAY))
    assert "Topics matching “seoul”" in text


# --- topic cards ----------------------------------------------------------------------------


def test_topic_card_shows_its_three_latest_developments_and_graded_sources(
    timeline: Library,
) -> None:
    for text in ("bletchley",):  # shared, a topic is a short card (test_posts_are_short…)
        reply = core.reply_to(text, timeline, TODAY)
        within_limits(reply)
        card = body(reply)
        news = card.split("*Latest developments*")[1].split("*Sources*")[0]
        assert [n for n in range(1, 8) if f"number {n} on" in news] == [5, 6, 7]
        assert "*7 January 2026*" in news and "_(confirmed)_" in news
        assert "7 in all, with summaries: `/declaration news bletchley`" in news
        sources = card.split("*Sources*")[1]
        assert "· _confirmed_" in sources
    fr = body(core.reply_to("france china", timeline, TODAY, "fr"))
    assert "*Derniers développements*" in fr and "3 au total" in fr and "· _confirmé_" in fr


def test_a_topic_without_developments_has_no_such_section(timeline: Library) -> None:
    card = body(core.reply_to("middle east", timeline, TODAY))
    assert "Latest developments" not in card and "_confirmed_" in card


def test_help_mentions_news(library: Library) -> None:
    assert "/declaration news" in body(core.reply_to("help", library, TODAY))
    assert "/declaration news" in body(core.reply_to("help", library, TODAY, "zh"))


# --- what is new ----------------------------------------------------------------------------


def _lib(content: Path, *devs: tuple[str, date]) -> Library:
    no_developments(content)
    for did, added in devs:
        add_development(content, did, happened=date(2026, 11, 1), added=added)
    return load_library(content)


D = date(2026, 12, 10)


@pytest.mark.parametrize(
    ("added", "since", "seen", "new"),
    [
        (D, None, frozenset(), False),  # the first digest welcomes; nothing is "new"
        (D - timedelta(days=1), D - timedelta(days=2), frozenset(), True),
        (D, D - timedelta(days=1), frozenset(), True),  # added on the digest's own day
        (D + timedelta(days=1), D - timedelta(days=1), frozenset(), False),  # not yet
        # dated on or a few days before the last digest's day: new only if it did not know it
        (D - timedelta(days=2), D - timedelta(days=2), frozenset({"d:x"}), False),
        (D - timedelta(days=2), D - timedelta(days=2), frozenset({"d:other"}), True),
        (D - timedelta(days=5), D - timedelta(days=2), frozenset({"d:x"}), False),
        (D - timedelta(days=5), D - timedelta(days=2), frozenset(), True),  # deployed late
        (D - timedelta(days=10), D - timedelta(days=2), frozenset(), False),  # over a week late
        (D - timedelta(days=2), D - timedelta(days=2), None, False),  # not recorded: as before
    ],
)
def test_whats_new(
    content_copy: Path, added: date, since: date | None, seen: frozenset[str] | None, new: bool
) -> None:
    lib = _lib(content_copy, ("x", added))
    found = planner.whats_new(lib, D, since, seen)
    assert [d.id for d in found.developments] == (["x"] if new else [])
    assert bool(found) == new or found.topics or found.summits


def test_revised_topics_and_changed_summits_are_news_too(content_copy: Path) -> None:
    add_summit(content_copy, "changed", "2027-03-01", extra={"updated": "2026-12-09"})
    lib = _lib(content_copy)
    before = date(2026, 12, 8)
    found = planner.whats_new(lib, D, before, planner.seen_on(lib, before))
    assert [s.id for s in found.summits] == ["changed"] and not found.developments
    after = D - timedelta(days=1)
    assert "s:changed" in planner.seen_on(lib, after)
    assert not planner.whats_new(lib, D, after, planner.seen_on(lib, after))
    revised = max(tp.updated for tp in lib.topics)
    found = planner.whats_new(lib, D, revised - timedelta(days=1), frozenset())
    assert found.topics and all(tp.updated == revised for tp in found.topics)


@pytest.mark.parametrize(
    ("kinds", "last", "always", "quiet"),
    [
        ("digest", at9(D - timedelta(days=1)), False, True),
        ("digest", at9(D - timedelta(days=1)), True, False),  # always
        ("digest", None, False, False),  # the first digest is always posted
        ("digest+reminder", at9(D - timedelta(days=1)), False, False),  # a reminder is due
        ("reminder", at9(D - timedelta(days=1)), False, False),
    ],
)
def test_is_quiet(
    content_copy: Path, kinds: str, last: datetime | None, always: bool, quiet: bool
) -> None:
    lib = _lib(content_copy)
    seen = planner.seen_on(lib, D - timedelta(days=1))
    got = planhelp.is_quiet(
        lib, DAILY, at9(D), kinds, last_digest_for=last, news_seen=seen, always=always
    )
    assert got == quiet


def test_the_comparison_is_with_the_last_posted_digest(content_copy: Path) -> None:
    """Posted on the 7th, quiet on the 8th and 9th; a development dated the 8th but only put
    in the content after the 9th's slot is still news on the 10th."""
    lib = _lib(content_copy, ("late", date(2026, 12, 8)))
    posted = at9(date(2026, 12, 7))
    quiet = planhelp.is_quiet(
        lib, DAILY, at9(D), "digest", last_digest_for=posted, news_seen=frozenset(), always=False
    )
    assert not quiet
    news = planhelp.news_for(lib, DAILY, at9(D), posted, frozenset())
    assert [d.id for d in news.developments] == ["late"]


@settings(max_examples=200, deadline=None)
@given(
    arrivals=st.lists(st.tuples(st.integers(0, 12), st.booleans(), st.integers(0, 7)), max_size=12),
    slots=st.lists(st.booleans(), min_size=13, max_size=13),
)
def test_every_development_is_reported_once_and_none_is_lost(
    arrivals: list[tuple[int, bool, int]], slots: list[bool]
) -> None:
    """Days 0..12, a digest slot each day at 09:00 (or none, when the clock was down). A
    development arrives before or after a day's slot, dated that day or up to a week earlier (an
    editor's late deploy). Every one that arrives after the first posted digest is reported
    exactly once, by the first slot after it; none is reported twice."""
    base = date(2026, 12, 1)
    devs = [
        (f"d{i}", base + timedelta(days=day), day * 2 + (1 if after else 0), late)
        for i, (day, after, late) in enumerate(arrivals)
    ]
    reported: dict[str, int] = {}
    since: date | None = None
    seen: frozenset[str] | None = None
    first_post: int | None = None
    for day, runs in enumerate(slots):
        if not runs:
            continue
        now = day * 2 + 0.5  # the slot: between "before" (2·day) and "after" (2·day + 1)
        lib = Library(
            (),
            (),
            Path("."),
            developments=tuple(
                _dev(did, added) for did, added, t, late in devs if t + 2 * late < now
            ),
        )
        today = base + timedelta(days=day)
        news = planner.whats_new(lib, today, since, seen)
        if since is not None and not news:
            continue  # quiet: nothing posted, nothing remembered
        for dev in news.developments:
            reported[dev.id] = reported.get(dev.id, 0) + 1
        if first_post is None:
            first_post = day
        since, seen = today, planner.seen_on(lib, today)
    assert all(n == 1 for n in reported.values())
    if first_post is None:
        return
    last_slot = max(d for d, runs in enumerate(slots) if runs)
    for did, added, t, late in devs:
        arrived = t + 2 * late
        if first_post * 2 + 0.5 < arrived < last_slot * 2 + 0.5:
            assert reported.get(did) == 1, (did, added, arrived, late)


def _dev(did: str, added: date):  # type: ignore[no-untyped-def]
    from bot.content.schema import Development, Source

    return Development(
        id=did,
        date=added,
        title=did,
        summary=did,
        topics=["bletchley"],
        sources=[
            Source(title="t", url="https://example.org/a", publisher="p", date=added, grade="C")
        ],
        added=added,
    )


# --- digests --------------------------------------------------------------------------------


def test_a_digest_leads_with_the_new_developments_linked_to_their_sources(
    content_copy: Path,
) -> None:
    add_summit(content_copy, "soon", D + timedelta(days=7))  # a reminder due the same day
    lib = _lib(content_copy, ("fresh", D - timedelta(days=1)), ("old", D - timedelta(days=30)))
    since = D - timedelta(days=2)
    reply = digest.compose(
        lib,
        DAILY,
        at9(D),
        "digest+reminder",
        last_digest_for=at9(since),
        digests_sent=4,
        news_seen=planner.seen_on(lib, since),
    )
    within_limits(reply)
    text = "\n".join(texts(reply)[1:])  # the blocks, in order
    assert "Development fresh" in text and "Development old" not in text
    assert text.index("New since the last digest") < text.index("Development fresh")
    # the news first, then the reminder due; the summits ahead are in the thread
    assert text.index("Development fresh") < text.index("starts in 7 days")
    assert "Upcoming" not in text
    assert "<https://example.org/news/fresh/1|Publisher 1> _(confirmed)_" in text
    assert "Development fresh" in reply.text  # the notification names it too
    zh = body(
        digest.compose(
            lib,
            DAILY,
            at9(D),
            "digest",
            last_digest_for=at9(since),
            digests_sent=4,
            news_seen=planner.seen_on(lib, since),
            lang="zh",
        )
    )
    assert "自上期摘要以来的更新" in zh and "_(已证实)_" in zh


def test_the_first_digest_welcomes_with_the_latest_developments(timeline: Library) -> None:
    first = body(
        digest.compose(timeline, DAILY, at9(D), "digest", last_digest_for=None, digests_sent=0)
    )
    assert "*Latest developments*" in first and "Development number 7" in first
    assert "Development number 4" not in first  # the three latest

    def thread(always: bool) -> str:
        sub = planner.Channel(DAILY, always=always)
        return body(digest.thread(timeline, planner.digest_inputs(timeline, sub, at9(D), "digest")))

    # what a quiet channel is told goes in the welcome's thread
    assert "only when there is something new" in thread(always=False)
    assert "only when there is something new" not in thread(always=True)


def test_a_digest_with_many_new_developments_stays_within_slack_limits(
    content_copy: Path,
) -> None:
    no_developments(content_copy)
    for n in range(30):
        add_development(
            content_copy,
            f"many-{n}",
            happened=date(2026, 11, 1),
            added=D,
            title="T" * 150,
            summary="S" * 600,
            grades=("C",) * 10,
        )
    lib = load_library(content_copy)
    for lang in ("en", "fr", "zh"):
        reply = digest.compose(
            lib,
            DAILY,
            at9(D),
            "digest",
            last_digest_for=at9(D - timedelta(days=1)),
            digests_sent=0,
            news_seen=frozenset(),
            lang=lang,
        )
        within_limits(reply)
        assert "/declaration news" in body(reply)  # the 24 not listed are pointed to
