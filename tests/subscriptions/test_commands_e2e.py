"""Subscriptions as a user and an operator meet them: `/declaration subscribe` signed to the app
`serve` serves and `declaration-bot tick --at …` (both in-process), then `tick`, `clock`, `serve`
and `socket` as real processes where processes are the point, against the fake Slack on loopback
and a real database (SQLite, and PostgreSQL where marked)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store.store import Store
from tests import e2e
from tests.conftest import CONTENT, fresh_database
from tests.contenthelp import add_summit
from tests.e2e import InProcessBot, bot_env, in_process, run_cli, running, start_tick
from tests.fakeslack import FakeSlack
from tests.subscriptionhelp import (
    overdue_subscription,
    say,
    tick_env,
)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="Europe/Paris")
        yield fake


def run_tick(slack: FakeSlack, db: str, tmp: Path, at: datetime, **env: str) -> str:
    """`declaration-bot tick --at <at>`, in-process; what it printed."""
    return e2e.run_tick(tick_env(slack, db, **env), tmp, at)


def next_wake(db: str, channel: str = "C1") -> datetime:
    store = Store.open(db)
    sub = store.get("T1", channel)
    store.close()
    assert sub is not None and sub.next_wake_at is not None
    return sub.next_wake_at


def posts(slack: FakeSlack, channel: str = "C1") -> list[str]:
    return [c.params.get("text", "") for c in slack.posts() if c.params.get("channel") == channel]


def test_subscribe_tick_status(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    seen = say(bot, slack, "subscribe daily 09:00 UTC")
    assert "Subscribed <#C1>: digests every day at 09:00 (UTC)" in seen
    assert "Next post: <!date^" in seen
    due = next_wake(db)
    assert (due.hour, due.minute) == (9, 0)
    out = run_tick(slack, db, tmp_path, due - timedelta(minutes=1))
    assert "0 delivered" in out and posts(slack) == []
    out = run_tick(slack, db, tmp_path, due + timedelta(seconds=30))
    assert "1 delivered" in out
    (text,) = posts(slack)
    assert "AI-governance digest" in text
    out = run_tick(slack, db, tmp_path, due + timedelta(seconds=60))
    assert "0 delivered" in out and len(posts(slack)) == 1  # never twice
    status = say(bot, slack, "status")
    assert "every day at 09:00 (UTC)" in status and "Last delivery" in status and "sent" in status


def test_default_schedule_uses_the_callers_time_zone(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    seen = say(bot, slack, "subscribe")
    assert "every Monday at 09:00 (Europe/Paris, your Slack time zone)" in seen
    assert slack.calls_to("users.info")[-1].params["user"] == "U1"
    due = next_wake(db)
    assert due.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris")).hour == 9
    seen = say(bot, slack, "subscribe weekly fri 16:30 Asia/Shanghai")
    assert (
        "Updated the subscription of <#C1>: digests every Friday at 16:30 (Asia/Shanghai)" in seen
    )
    store = Store.open(db)
    assert store.count() == 1  # one subscription per channel
    store.close()


def test_subscribe_asks_slack_for_the_callers_profile_once(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    """Language and zone come from one users.info call (a Tier 4 method), not one call each."""
    slack.add_user("U1", tz="Europe/Paris", locale="fr-FR")
    seen = say(bot, slack, "subscribe")
    assert "(Europe/Paris, votre fuseau Slack)" in seen and "lundi" in seen  # zone and language
    assert len(slack.calls_to("users.info")) == 1


def test_a_channel_command_is_answered_in_its_acknowledgement(
    bot: InProcessBot, slack: FakeSlack
) -> None:
    """A quick answer comes back with the acknowledgement itself (one round trip), and only
    there: nothing is posted to the response_url as well."""
    r = bot.command("subscribe daily 09:00 UTC", response_url=slack.response_url("inline"))
    assert r.status == 200
    assert "Subscribed <#C1>: digests every day at 09:00 (UTC)" in r.json()["text"]
    assert r.json()["response_type"] == "ephemeral"
    e2e.wait_logged(bot, "command sub=Subscribe")  # logged after the reply would be posted
    assert "inline" not in slack.responses


@contextmanager
def write_lock(db: str) -> Iterator[sqlite3.Connection]:
    """SQLite's write lock, held by another connection as a long transaction would hold it."""
    holder = sqlite3.connect(db.removeprefix("sqlite:///"), timeout=1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield holder
    finally:
        holder.rollback()
        holder.close()


def test_a_slow_answer_is_acknowledged_first_and_sent_once_when_ready(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    """The database is busy: Slack gets its acknowledgement within its 3 s all the same, and the
    answer follows at the response_url once the database answers. The reply goes on a
    kept-alive connection; if Slack had closed it, the user still gets the reply, once, and the
    subscription is made once."""
    with write_lock(db):  # (readers are not held up by a writer: a change is)
        r = bot.command("unsubscribe", response_url=slack.response_url("warm"))
        assert r.status == 200 and r.body == b""  # acknowledged before the answer
    slack.wait_for(lambda: bool(slack.responses.get("warm")))  # a connection is now kept alive
    slack.drop_responses(1)
    with write_lock(db):
        r = bot.command("subscribe daily 09:00 UTC", response_url=slack.response_url("slow"))
        assert r.status == 200 and r.body == b""
    slack.wait_for(lambda: bool(slack.responses.get("slow")))
    e2e.wait_logged(bot, "command sub=Subscribe")
    (reply,) = slack.responses["slow"]  # exactly one reply
    assert "Subscribed <#C1>: digests every day at 09:00 (UTC), in English." in reply["text"]
    assert Store.open(db).count() == 1


def test_the_confirmation_states_the_zone_once(bot: InProcessBot, slack: FakeSlack) -> None:
    slack.add_user("U2", tz="UTC")
    seen = e2e.say(bot, slack, "subscribe 5pm", channel_id="C7", user_id="U2")
    assert "Subscribed <#C7>: digests every Monday at 17:00 (UTC, by default), in English." in seen
    assert "(UTC) (UTC by default)" not in seen


def test_lang_words_over_slack_any_case_and_unknown(bot: InProcessBot, slack: FakeSlack) -> None:
    assert "Ce canal n'a pas d'abonnement" in say(bot, slack, "LANG:FR status")
    seen = say(bot, slack, "status lang:xx")
    assert "I don't speak the language “xx”" in seen and "no subscription" in seen
    seen = say(bot, slack, "subscribe daily 09:00 lang:")
    assert "Digests can be in English" in seen and "Nothing was changed" in seen


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("subscribe daily 25:99", "“25:99” is not a time of day"),
        ("subscribe daily 09:00 Mars/Olympus", "“Mars/Olympus” is not a time zone"),
        ("subscribe every blue moon", "“every”"),
        ("subscribe daily <!channel>", "&lt;!channel&gt;"),
    ],
)
def test_bad_schedules_store_nothing(
    bot: InProcessBot, slack: FakeSlack, db: str, text: str, needle: str
) -> None:
    seen = say(bot, slack, text)
    assert needle in seen and "Nothing was changed" in seen and "e.g. `subscribe " in seen
    assert "<!channel>" not in seen
    store = Store.open(db)
    assert store.get("T1", "C1") is None
    store.close()


def test_pause_resume_unsubscribe_over_slack(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    assert "no subscription" in say(bot, slack, "status")
    assert "no subscription" in say(bot, slack, "pause")
    say(bot, slack, "subscribe daily 09:00 UTC")
    due = next_wake(db)
    assert "Paused <#C1>" in say(bot, slack, "pause")
    assert "Paused: paused by <@U1>" in say(bot, slack, "status")
    run_tick(slack, db, tmp_path, due + timedelta(seconds=30))
    assert posts(slack) == []
    assert "Resumed" in say(bot, slack, "resume")
    run_tick(slack, db, tmp_path, next_wake(db) + timedelta(seconds=30))
    assert len(posts(slack)) == 1
    assert "Unsubscribed <#C1>" in say(bot, slack, "unsubscribe")
    run_tick(slack, db, tmp_path, due + timedelta(days=3, seconds=30))
    assert len(posts(slack)) == 1


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "is_archived"])
def test_channel_errors_pause_with_reason_until_resume(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path, error: str
) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC")
    due = next_wake(db)
    slack.fail("chat.postMessage", error, channel="C1")
    out = run_tick(slack, db, tmp_path, due + timedelta(seconds=30))
    assert "1 failed" in out
    status = say(bot, slack, "status")
    assert "Paused" in status and error in status
    assert "Resumed" in say(bot, slack, "resume")
    # the failed post stays failed (never posted twice); the next day's goes out
    run_tick(slack, db, tmp_path, due + timedelta(days=1, seconds=30))
    assert len(posts(slack)) == 1


def test_rate_limit_and_server_error_then_delivered(
    bot: InProcessBot, slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC")
    slack.fail("chat.postMessage", "ratelimited", status=429, retry_after=1)
    slack.fail("chat.postMessage", "service_unavailable", status=503)
    out = run_tick(slack, db, tmp_path, next_wake(db) + timedelta(seconds=30))
    assert "1 delivered" in out and len(posts(slack)) == 1
    tops = [c for c in slack.calls_to("chat.postMessage") if not c.params.get("thread_ts")]
    assert len(tops) == 3 and len(slack.thread_posts()) == 1  # then its reply, once


def test_preview_is_only_for_the_caller(bot: InProcessBot, slack: FakeSlack) -> None:
    say(bot, slack, "subscribe weekly fri 16:30 Asia/Shanghai")
    seen = say(bot, slack, "digest")
    assert "Preview, only for you" in seen and "Upcoming summits" in seen
    assert '"response_type": "ephemeral"' in seen
    assert slack.posts() == []


def test_restart_loses_no_subscription(slack: FakeSlack, db: str, tmp_path: Path) -> None:
    env = bot_env(slack.base_url, DATABASE_URL=db)
    with in_process(env, tmp_path) as first:
        say(first, slack, "subscribe daily 10:15 UTC", channel="CR")
    with in_process(env, tmp_path) as second:
        assert "every day at 10:15 (UTC)" in say(second, slack, "status", channel="CR")
    run_tick(slack, db, tmp_path, next_wake(db, "CR") + timedelta(seconds=5))
    assert len(posts(slack, "CR")) == 1


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_two_clock_processes_never_double_post(
    slack: FakeSlack, tmp_path: Path, engine: str, request: pytest.FixtureRequest
) -> None:
    if engine == "sqlite":
        db = f"sqlite:///{tmp_path / 'two.sqlite3'}"
    else:
        db = fresh_database(request.getfixturevalue("postgres_url"))
    store = Store.open(db)
    from bot.subscriptions.schedule import parse_schedule

    now = datetime.now(UTC)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    for i in range(60):
        store.subscribe(team_id="T1", channel_id=f"C{i:02d}", schedule=schedule, now=now)  # type: ignore[arg-type]
    due = next_wake(db, "C00")
    store.close()
    slack.delay = 0.02  # posts overlap between the processes
    at = due + timedelta(seconds=30)
    procs = [start_tick(tick_env(slack, db), tmp_path, at) for _ in range(3)]
    for p in procs:
        p.communicate(timeout=120)
        assert p.returncode == 0
    channels = sorted(c.params["channel"] for c in slack.posts())
    assert channels == [f"C{i:02d}" for i in range(60)]


def test_clock_process_delivers_due_work_and_resumes_after_restart(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    # the clock was down when this was due 10 minutes ago: the next pass must still send it
    overdue_subscription(db, "CCLOCK", minutes=10)
    env = bot_env(slack.base_url, DATABASE_URL=db, TICK_SECONDS="0.5")
    with running(["clock"], env, tmp_path, wait_http=False) as clock:
        try:
            slack.wait_for(lambda: bool(posts(slack, "CCLOCK")), timeout=20)
        except AssertionError:
            raise AssertionError(clock.logs()) from None
        time.sleep(1.5)  # a few more passes: still one post
    assert len(posts(slack, "CCLOCK")) == 1


def test_summit_added_to_content_later_gets_its_reminder(
    slack: FakeSlack, db: str, tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    env = {"CONTENT_DIR": str(content)}
    with in_process(bot_env(slack.base_url, DATABASE_URL=db, **env), tmp_path) as b:
        say(b, slack, "subscribe weekly mon 09:00 UTC")
    due = next_wake(db)  # tomorrow (or today) 09:00 UTC: the clock wakes daily
    starts = (due + timedelta(days=7)).date()
    add_summit(content, "late-addition", starts, name="Late Addition Summit")
    run_tick(slack, db, tmp_path, due + timedelta(seconds=30), **env)
    texts = posts(slack)
    assert len(texts) == 1 and "Late Addition Summit" in texts[0] and "in 7 days" in texts[0]


def test_home_tab_lists_subscriptions(bot: InProcessBot, slack: FakeSlack) -> None:
    say(bot, slack, "subscribe daily 09:00 UTC", channel="CHOME")
    bot.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"})
    slack.wait_for(lambda: bool(slack.calls_to("views.publish")))
    view = slack.calls_to("views.publish")[-1].params["view"]
    text = view if isinstance(view, str) else json.dumps(view)
    assert "<#CHOME>" in text and "every day at 09:00 (UTC)" in text and "next:" in text


def test_tick_rejects_a_bad_instant(slack: FakeSlack, db: str, tmp_path: Path) -> None:
    r = run_cli(["tick", "--at", "tomorrow"], bot_env(slack.base_url, DATABASE_URL=db), tmp_path)
    assert (
        r.returncode == 2 and "not an ISO-8601 instant" in r.stderr and "Traceback" not in r.stderr
    )


@pytest.mark.parametrize("mode", ["serve", "socket"])
def test_serve_and_socket_run_the_clock_in_process(
    slack: FakeSlack, db: str, tmp_path: Path, mode: str
) -> None:
    overdue_subscription(db, "CIN", minutes=1)
    env = bot_env(slack.base_url, DATABASE_URL=db, TICK_SECONDS="0.5")
    if mode == "socket":
        env["SLACK_APP_TOKEN"] = "xapp-1-clock"
    with running([mode], env, tmp_path, wait_http=(mode == "serve")) as proc:
        try:
            slack.wait_for(lambda: bool(posts(slack, "CIN")), timeout=20)
        except AssertionError:
            raise AssertionError(proc.logs()) from None
    assert len(posts(slack, "CIN")) == 1


def test_a_database_that_does_not_answer_in_time_is_said_not_waited_for(
    bot: InProcessBot, slack: FakeSlack, db: str
) -> None:
    """Another writer holds the database: the user hears within seconds that it did not answer and
    how to check, rather than nothing at all; the change is whole or absent afterwards."""
    with write_lock(db):
        r = bot.command("subscribe daily 09:00 UTC", response_url=slack.response_url("late"))
        assert r.status == 200 and r.body == b""  # acknowledged before the answer
        slack.wait_for(lambda: bool(slack.responses.get("late")))
    seen = json.dumps(slack.responses["late"], ensure_ascii=False)
    assert "the database did not answer in time" in seen and "/declaration status" in seen
    status = say(bot, slack, "status")
    assert "every day at 09:00 (UTC)" in status or "no subscription" in status
