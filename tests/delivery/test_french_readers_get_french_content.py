"""A French channel's digest and a French ``news`` reply carry the French text of the content, not
only French headings: every development's title and summary, and the featured topic's summary and
key points, come from content/translations/fr, and no English summary slips in under them.

The expected texts are read straight from the YAML files, not through the code under test. The
digest goes through the real delivery pass, a real database (SQLite and PostgreSQL) and the fake
Slack on loopback."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from bot.answers import core
from bot.content.library import Library
from bot.subscriptions.schedule import Schedule, parse_schedule
from tests.conftest import CONTENT
from tests.deliveryhelp import T0, World
from tests.fakeslack import FakeSlack

FR = CONTENT / "translations" / "fr"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def opening(text: str) -> str:
    """The first words of a text as a post shows it: on one line, mrkdwn-escaped."""
    one_line = " ".join(str(text).split())[:60]
    return one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def developments(root: Path) -> dict[str, dict[str, str]]:
    return {d["id"]: d for d in load(root / "developments.yml")["developments"]}


def topics(root: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: load(p) for p in sorted((root / "topics").glob("*.yml"))}


def texts_of(payload: Any) -> str:
    """Every string in a post (its text and its blocks), joined."""
    if isinstance(payload, str):
        return payload
    if isinstance(payload, dict):
        return "\n".join(texts_of(v) for v in payload.values())
    if isinstance(payload, list):
        return "\n".join(texts_of(v) for v in payload)
    return ""


def shown_developments(post: str) -> tuple[set[str], set[str]]:
    """The developments whose French summary a post shows, and those whose English one it does."""
    fr, en = developments(FR), developments(CONTENT)
    french = {i for i, d in fr.items() if opening(d["summary"]) in post}
    english = {i for i, d in en.items() if opening(d["summary"]) in post}
    return french, english


async def test_a_french_digest_carries_french_summaries(db_url: str, slack: FakeSlack) -> None:
    w = World(db_url, slack)
    schedule = parse_schedule("daily 09:00 UTC".split())
    assert isinstance(schedule, Schedule)
    w.store.subscribe(
        team_id="T1", channel_id="CFR", schedule=schedule, now=w.clock.now(), lang="fr"
    )
    report = await w.tick(T0.replace(hour=9) + timedelta(seconds=30))
    assert len(report.sent) == 1
    (call,) = slack.posts()
    (reply,) = slack.thread_posts()  # the featured topic is in the digest's thread
    post = "\n".join(
        texts_of({"text": c.params["text"], "blocks": c.params["blocks"]}) for c in (call, reply)
    )
    assert "Résumé" in post or "résumé" in post  # the French headings, as before
    # the latest developments of a first digest: French titles and summaries, no English one
    french, english = shown_developments(post)
    assert len(french) >= 3 and english == set()
    for i in french:
        assert opening(developments(FR)[i]["title"]) in post
    # the featured topic: its French summary and key points, not the English ones
    featured = [i for i, tp in topics(FR).items() if opening(tp["summary"]) in post]
    assert len(featured) == 1
    (topic_id,) = featured
    assert opening(topics(FR)[topic_id]["key_points"][0]) in post
    for tp in topics(CONTENT).values():
        assert opening(tp["summary"]) not in post
        assert opening(tp["key_points"][0]) not in post
    await w.close()


def test_a_french_news_reply_carries_french_summaries(library: Library) -> None:
    reply = core.reply_to("news lang:fr", library, date(2026, 12, 1))
    post = texts_of({"text": reply.text, "blocks": reply.blocks_json()})
    assert "Derniers développements" in post
    french, english = shown_developments(post)
    assert len(french) >= 3 and english == set()
    for i in french:
        assert opening(developments(FR)[i]["title"]) in post


def test_a_french_news_reply_for_one_topic_carries_french_summaries(library: Library) -> None:
    reply = core.reply_to("news bletchley", library, date(2026, 12, 1), "fr")
    post = texts_of({"text": reply.text, "blocks": reply.blocks_json()})
    french, english = shown_developments(post)
    assert french and english == set()


def test_english_news_is_still_english(library: Library) -> None:
    """The checks above are not vacuous: English readers get the English summaries."""
    reply = core.reply_to("news", library, date(2026, 12, 1))
    post = texts_of({"text": reply.text, "blocks": reply.blocks_json()})
    french, english = shown_developments(post)
    assert english and french == set()
