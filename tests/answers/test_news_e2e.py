"""Developments and quiet digests end to end: the app `declaration-bot serve` serves, sent signed
requests, and the `tick` command (both in-process), the fake Slack on loopback, a real database
(SQLite and PostgreSQL), and a content folder an editor changes while the bot runs."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store.store import Store
from tests import e2e
from tests.conftest import CONTENT
from tests.e2e import InProcessBot, bot_env, button_press, in_process
from tests.fakeslack import FakeSlack
from tests.newshelp import add_development, no_developments, no_upcoming_dates

TODAY = datetime.now(UTC).date()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("UEN", tz="UTC", locale="en-US")
        fake.add_user("UFR", tz="Europe/Paris", locale="fr-FR")
        fake.add_user("UZH", tz="Asia/Shanghai", locale="zh-CN")
        yield fake


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """Four developments: three Bletchley ones, one for France–China on AI."""
    dest = tmp_path / "content"
    shutil.copytree(CONTENT, dest)
    no_developments(dest)
    no_upcoming_dates(dest, TODAY)  # no reminder may fall on a day the tests look at
    for n, (topics, grades) in enumerate(
        [
            (("bletchley",), ("C",)),
            (("bletchley",), ("C-", "P")),
            (("france-china-ai",), ("?",)),
            (("bletchley", "france-china-ai"), ("C",)),
        ],
        start=1,
    ):
        add_development(
            dest,
            f"seed-{n}",
            happened=date(2026, 1, n),
            added=TODAY - timedelta(days=30),
            title=f"Seed development {n}: the quorum of the Geneva talks",
            summary=f"Negotiators reached a quorum {n}. Observers called it a first.",
            topics=topics,
            grades=grades,
        )
    return dest


@pytest.fixture
def db(db_url: str) -> str:
    """This module's tests run on SQLite and on PostgreSQL."""
    return db_url


def start(slack: FakeSlack, content: Path, tmp: Path, db: str | None = None) -> Any:
    env = bot_env(slack.base_url, CONTENT_DIR=str(content))
    if db:
        env["DATABASE_URL"] = db
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'unused.sqlite3'}"
    return in_process(env, tmp)


def ask(bot: InProcessBot, text: str, user: str = "UEN") -> str:
    """A question answered in the acknowledgement itself."""
    r = bot.command(text, user_id=user)
    assert r.status == 200
    return json.dumps(r.json(), ensure_ascii=False)


def say(
    bot: InProcessBot, slack: FakeSlack, text: str, user: str = "UEN", channel: str = "C1"
) -> str:
    """A channel command: answered through response_url."""
    return e2e.say(bot, slack, text, user_id=user, channel_id=channel)


def tick(slack: FakeSlack, db: str, content: Path, tmp: Path, at: datetime) -> str:
    env = bot_env(slack.base_url, DATABASE_URL=db, CONTENT_DIR=str(content))
    return e2e.run_tick(env, tmp, at)


def posts(slack: FakeSlack, channel: str) -> list[str]:
    return [
        json.dumps(c.params, ensure_ascii=False)
        for c in slack.posts()
        if c.params.get("channel") == channel
    ]


def edited(content: Path) -> None:
    later = time.time() + 5
    for path in content.rglob("*.yml"):
        os.utime(path, (later, later))


def test_news_over_http_in_three_languages(slack: FakeSlack, content: Path, tmp_path: Path) -> None:
    with start(slack, content, tmp_path) as bot:
        en = ask(bot, "news")
        assert "Latest developments" in en and "Newest first: 4 of 4" in en
        assert en.index("Seed development 4") < en.index("Seed development 1")
        assert "_confirmed_" in en and "_via reports_" in en and "_single source_" in en
        assert (
            "_unconfirmed_" in en and "<https://example.org/news/seed-2/1|Report 1 on seed-2>" in en
        )
        one = ask(bot, "news bletchley")
        assert "Seed development 3" not in one and "Newest first: 3 of 3 for this topic" in one
        fr = ask(bot, "news bletchley", "UFR")
        assert "Derniers développements" in fr and "4 janvier 2026" in fr and "_confirmé_" in fr
        zh = ask(bot, "news", "UZH")
        assert "最新进展" in zh and "2026年1月4日" in zh and "_未经证实_" in zh
        # a typo: "did you mean", and its button shows that topic's news
        typo = ask(bot, "news bletchly")
        assert "Did you mean *Bletchley Declaration*?" in typo and "show_news:bletchley" in typo
        press = button_press("show_news:bletchley", "bletchley|fr", slack.response_url("news"))
        assert bot.interactive(press).status == 200
        slack.wait_for(lambda: bool(slack.responses.get("news")))
        shown = json.dumps(slack.responses["news"][0], ensure_ascii=False)
        assert "Derniers développements : Déclaration de Bletchley" in shown
        assert "Seed development 4" in shown


def test_search_and_topic_cards_show_developments(
    slack: FakeSlack, content: Path, tmp_path: Path
) -> None:
    with start(slack, content, tmp_path) as bot:
        found = ask(bot, "search quorum")
        assert "Topics and developments matching “quorum”" in found
        assert "*quorum*" in found and "Seed development" in found
        assert ask(bot, "search quorum", "UFR").count("*quorum*") >= 3
        card = ask(bot, "bletchley")
        latest = card.split("*Latest developments*")[1].split("*Sources*")[0]
        assert latest.index("Seed development 4") < latest.index("Seed development 1")
        assert "Seed development 3" not in latest  # France–China's only
        assert "3 in all, with summaries: `/declaration news bletchley`" in latest
        assert "· _confirmed_" in card.split("*Sources*")[1]
        shared = ask(bot, "share bletchley")
        assert '"in_channel"' in shared and "Read the full summary" in shared
        fr = ask(bot, "france china", "UFR")
        assert "*Derniers développements*" in fr and "`/declaration news france-china-ai`" in fr
        assert "*Latest developments*" not in ask(bot, "middle east")
        assert "/declaration news" in ask(bot, "help")


def test_quiet_digests_end_to_end(slack: FakeSlack, content: Path, tmp_path: Path, db: str) -> None:
    with start(slack, content, tmp_path, db) as bot:
        seen = say(bot, slack, "subscribe daily 09:00 UTC")
        assert "posted only when there is something new (the first one always)" in seen
        seen = say(bot, slack, "subscribe daily 09:00 UTC", "UFR", "CFR")
        assert "publiés seulement s'il y a du nouveau" in seen
        store = Store.open(db)
        sub = store.get("T1", "C1")
        store.close()
        assert sub is not None and sub.next_wake_at is not None
        due = sub.next_wake_at + timedelta(seconds=30)

        # the first digest is always posted
        out = tick(slack, db, content, tmp_path, due)
        assert "2 delivered" in out
        (first,) = posts(slack, "C1")
        assert (
            "Welcome" in first and "Latest developments" in first and "Seed development 4" in first
        )
        status = say(bot, slack, "status")
        assert "Last news: <!date^" in status and "Next check for news: <!date^" in status
        assert "Digests: posted only when there is something new" in status
        assert "Last delivery: <!date^" in status and "— sent" in status
        preview = say(bot, slack, "digest")
        assert "Nothing new since the last digest" in preview
        assert "Preview, only for you" in preview and "Upcoming summits" in preview

        # nothing new the next day: recorded, not posted
        out = tick(slack, db, content, tmp_path, due + timedelta(days=1))
        assert "0 delivered" in out and "2 with nothing new" in out
        assert len(posts(slack, "C1")) == 1 and len(posts(slack, "CFR")) == 1
        status = say(bot, slack, "status")
        assert "nothing new, not posted" in status
        status = say(bot, slack, "status", "UFR", "CFR")
        assert "rien de nouveau, non publié" in status and "Prochaine vérification" in status
        assert "Dernières nouvelles : <!date^" in status

        # an editor adds a development, dated the day of the digest already posted: the
        # preview and the next digest lead with it
        add_development(
            content,
            "fresh",
            happened=TODAY - timedelta(days=3),
            added=due.date(),
            title="Fresh development: the Geneva summit gets its dates",
        )
        edited(content)
        time.sleep(2.2)  # the web process looks at the content files every 2 seconds
        preview = say(bot, slack, "digest")
        assert "Nothing new since" not in preview and "Fresh development" in preview
        out = tick(slack, db, content, tmp_path, due + timedelta(days=2))
        assert "2 delivered" in out
        news = posts(slack, "C1")[-1]
        assert "New since the last digest" in news and "Upcoming summits" not in news
        (thread,) = [c for c in slack.thread_posts()[-2:] if c.params["channel"] == "C1"]
        assert "Upcoming summits" in str(thread.params["blocks"])  # in the digest's thread
        assert "Fresh development: the Geneva summit gets its dates" in news
        assert "<https://example.org/news/fresh/1|Publisher 1>" in news
        assert "Nouveau depuis le dernier résumé" in posts(slack, "CFR")[-1]

        # `always`: posted every time, the old way; subscribing afresh without it turns it off
        # (issue 20: a change keeps what it does not name, so `fresh` starts from the defaults)
        seen = say(bot, slack, "subscribe daily 09:00 UTC always")
        assert "Digests: posted every time, even with nothing new (`always`)" in seen
        assert "posted every time" in say(bot, slack, "status")
        out = tick(slack, db, content, tmp_path, due + timedelta(days=3))
        assert "1 delivered" in out and "1 with nothing new" in out
        assert "No news since" in posts(slack, "C1")[-1]
        say(bot, slack, "subscribe daily 09:00 UTC fresh")
        assert "posted only when there is something new" in say(bot, slack, "status")
        out = tick(slack, db, content, tmp_path, due + timedelta(days=4))
        assert "0 delivered" in out and "2 with nothing new" in out
        assert len(posts(slack, "C1")) == 3
