"""Replies as a Slack user sees them: content, escaping, summits from today, Slack's limits."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.answers import core
from bot.answers.replies import summits_reply
from bot.content.library import Library
from bot.content.loading import load_library
from bot.i18n import date_range, human_date
from bot.slack import payloads
from bot.slack.mrkdwn import escape
from tests.contenthelp import add_summit
from tests.replyhelp import TODAY, texts, within_limits

DANGEROUS = ("<!channel", "<!here", "<!everyone", "<@", "<#", "<!subteam", "<https://evil")


def test_help_lists_every_subcommand(library: Library) -> None:
    body = "\n".join(texts(core.reply_to("", library, TODAY)))
    for sub in ("topics", "search", "summits", "share", "help", "bletchley"):
        assert f"/declaration {sub}" in body
    assert core.reply_to("help", library, TODAY) == core.reply_to("", library, TODAY)


def test_topic_reply_has_summary_points_and_linked_sources(library: Library) -> None:
    reply = core.reply_to("bletchley", library, TODAY)
    body = "\n".join(texts(reply))
    assert reply.response_type == "ephemeral"
    assert "28 countries" in body
    assert "<https://www.gov.uk/government/publications/ai-safety-summit-2023" in body
    assert "*Key points*" in body and "*Sources*" in body
    actions = [b for b in reply.blocks_json() if b["type"] == "actions"]
    assert actions and actions[0]["elements"][0]["action_id"] == "share_topic"


def test_share_posts_in_channel_with_only_the_read_button(library: Library) -> None:
    reply = core.reply_to("share middle east", library, TODAY)
    assert reply.response_type == "in_channel"
    assert "Gaza" in "\n".join(texts(reply))
    actions = [b for b in reply.blocks_json() if b["type"] == "actions"]
    assert [e["action_id"] for b in actions for e in b["elements"]] == ["read_topic"]


def test_unknown_topic_is_ephemeral_did_you_mean(library: Library) -> None:
    reply = core.reply_to("bletchly", library, TODAY)
    body = "\n".join(texts(reply))
    assert reply.response_type == "ephemeral"
    assert "Did you mean *Bletchley Declaration*?" in body
    reply = core.reply_to("share bletchly", library, TODAY)
    assert reply.response_type == "ephemeral"


def test_user_text_is_escaped_everywhere(library: Library) -> None:
    for text in (
        "<!channel> ping",
        "search <!here> <@U123> <https://evil.example|click>",
        "share <!everyone>",
        "<#C123> & stuff",
    ):
        for t in texts(core.reply_to(text, library, TODAY)):
            for bad in DANGEROUS:
                assert bad not in t, (text, t)
    reply = core.reply_to("<!channel>", library, TODAY)
    assert "&lt;!channel&gt;" in reply.blocks_json()[0]["text"]["text"]


def test_search_reply_highlights_and_says_when_nothing_matches(library: Library) -> None:
    body = "\n".join(texts(core.reply_to("search ceasefire", library, TODAY)))
    assert "*ceasefire*" in body and "Middle East" in body
    body = "\n".join(texts(core.reply_to("search xylophone", library, TODAY)))
    assert "Nothing in the summaries mentions “xylophone”" in body
    body = "\n".join(texts(core.reply_to("search", library, TODAY)))
    assert "What should I search for?" in body


def _with_summits(content: Path, *summits: tuple[str, date, date | None]) -> Library:
    for sid, starts, ends in summits:
        add_summit(content, sid, starts, ends)
    return load_library(content)


def test_summits_are_computed_from_today(content_copy: Path) -> None:
    lib = _with_summits(
        content_copy,
        ("soon", TODAY + timedelta(days=10), TODAY + timedelta(days=12)),
        ("tomorrow", TODAY + timedelta(days=1), None),
        ("now", TODAY - timedelta(days=1), TODAY + timedelta(days=1)),
    )
    body = "\n".join(texts(summits_reply(lib, TODAY)))
    upcoming = body.split("*Upcoming*")[1].split("*Dates not announced*")[0]
    assert (
        upcoming.index("Summit now")
        < upcoming.index("Summit tomorrow")
        < upcoming.index("Summit soon")
    )
    assert (
        "*in 10 days*" in upcoming
        and "*tomorrow*" in upcoming
        and "on now (day 2 of 3)" in upcoming
    )
    assert "WAIC" in body.split("*Dates not announced*")[1]  # WAIC 2027: no dates yet
    assert "*Recently past*" in body
    # eleven days later the first is on, and later still it is past
    later = "\n".join(texts(summits_reply(lib, TODAY + timedelta(days=13))))
    assert "Summit soon" in later.split("*Recently past*")[1]


def test_summits_with_nothing_upcoming_say_so(library: Library) -> None:
    body = "\n".join(texts(summits_reply(library, date(2026, 11, 26))))
    assert "No upcoming summit has announced dates yet" in body
    early = "\n".join(texts(summits_reply(library, date(2025, 1, 1))))
    assert "AI Action Summit" in early.split("*Upcoming*")[1].split("*Dates not announced*")[0]
    assert "in 40 days" in early


def test_calendar_days_are_plain_text_in_the_readers_language(library: Library) -> None:
    """A day is the same day for every reader: never a <!date> token, which Slack shows in the
    reader's zone (a day late from UTC+12, a day early at UTC-12)."""
    d = date(2025, 2, 10)
    assert human_date(d) == "10 February 2025"
    for lang, first_key_date in (("en", "1 November 2023"), ("fr", "1er novembre 2023")):
        card = "\n".join(texts(core.reply_to(f"bletchley lang:{lang}", library, TODAY)))
        assert "<!date" not in card and first_key_date in card, card
    for lang in ("en", "fr", "zh"):
        summits = "\n".join(texts(summits_reply(library.for_lang(lang), date(2025, 1, 1))))
        assert "<!date" not in summits


def test_summit_ranges_are_compact_in_each_language() -> None:
    july = (date(2026, 7, 6), date(2026, 7, 7))
    assert date_range(*july, "en") == "6–7 July 2026"
    assert date_range(*july, "fr") == "6–7 juillet 2026"
    assert date_range(*july, "zh") == "2026年7月6日至7日"
    assert date_range(date(2026, 6, 30), date(2026, 7, 2), "en") == "30 June – 2 July 2026"
    assert date_range(date(2026, 6, 1), date(2026, 6, 2), "fr") == "1er–2 juin 2026"
    assert date_range(date(2026, 6, 30), date(2026, 7, 1), "fr") == "30 juin – 1er juillet 2026"
    assert date_range(date(2026, 6, 30), date(2026, 7, 2), "zh") == "2026年6月30日至7月2日"
    assert date_range(date(2026, 12, 31), date(2027, 1, 1), "en") == (
        "31 December 2026 – 1 January 2027"
    )
    assert date_range(date(2026, 7, 6), None, "en") == "6 July 2026"


def test_escape() -> None:
    assert escape("<!here> & <@U1>") == "&lt;!here&gt; &amp; &lt;@U1&gt;"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_any_text_gets_a_reply_within_limits(text: str) -> None:
    from tests.conftest import CONTENT

    lib = _LIB.get("lib") or _LIB.setdefault("lib", load_library(CONTENT))
    reply = core.reply_to(text, lib, TODAY)
    within_limits(reply)
    for t in texts(reply):
        for bad in DANGEROUS:
            assert bad not in t


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["search", "share", "<!channel>", "bletchley", "&", ">", "*", "_", "`"])
        | st.text(max_size=20),
        max_size=30,
    )
)
def test_any_words_get_a_reply_within_limits(words: list[str]) -> None:
    from tests.conftest import CONTENT

    lib = _LIB.get("lib") or _LIB.setdefault("lib", load_library(CONTENT))
    reply = core.reply_to(" ".join(words), lib, TODAY)
    within_limits(reply)
    for t in texts(reply):
        for bad in DANGEROUS:
            assert bad not in t


_LIB: dict[str, Library] = {}


def test_one_helper_turns_a_reply_into_what_slack_takes(library: Library) -> None:
    reply = core.reply_to("topics lang:zh", library, TODAY)
    blocks = reply.blocks_json()
    assert payloads.payload(reply) == {"text": reply.text, "blocks": blocks}  # chat.post* kwargs
    assert payloads.payload(reply, response_type="in_channel", replace_original=False) == {
        "text": reply.text,
        "blocks": blocks,
        "response_type": "in_channel",
        "replace_original": False,
    }
    body = payloads.response_body(reply, response_type="ephemeral")
    assert json.loads(body) == payloads.payload(reply, response_type="ephemeral")
    assert "\\u" not in body and any(ord(ch) > 0x3000 for ch in body)  # UTF-8, not escapes
    assert json.loads(payloads.response_body(reply)) == payloads.payload(reply)
