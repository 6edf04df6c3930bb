"""The whole product in the shell: one local channel against the local database, the real
delivery pass printing its posts; replies that say what they understood."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.clock import FixedClock
from bot.config import Settings
from bot.content.library import Library
from bot.i18n import read_lang
from bot.local.shell import LOCAL_CHANNEL, LOCAL_TEAM, Shell
from bot.store.store import Store
from bot.store.tables import deliveries as Delivery
from bot.subscriptions.schedule import parse_schedule

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # a Friday


def make_shell(
    library: Library, db: str, *, tz: str = "Europe/Paris", at: datetime = NOW, lang: str = "C"
) -> Shell:
    settings = Settings(database_url=db)
    env = {"TZ": tz, "LANG": lang, "USER": "ada"}
    return Shell(library, FixedClock(at), settings, env, io.StringIO())


def say(shell: Shell, line: str) -> str:
    answer = shell.answer(line)
    assert answer is not None
    return answer.text


def test_the_local_channel_subscribes_pauses_resumes_and_unsubscribes(
    library: Library, db: str
) -> None:
    shell = make_shell(library, db)
    assert "This channel has no subscription" in say(shell, "status")
    assert "in this terminal's time zone" in say(shell, "/declaration status")
    out = say(shell, "subscribe daily 09:00")
    assert "Subscribed #local: digests every day at 09:00 (Europe/Paris, this terminal's" in out
    assert out.count("Europe/Paris") == 1
    assert "Next post: 28 Nov 2026 at 09:00 CET (digest)." in out
    assert "tick <date> <time>" in out and "/invite" not in out
    status = say(shell, "status")
    assert "Subscription of #local" in status and "Last delivery: none yet" in status
    assert "Paused #local" in say(shell, "pause")
    assert "Paused: paused by @ada." in say(shell, "status")
    assert "Resumed. Next post: 28 Nov 2026 at 09:00 CET" in say(shell, "resume")
    preview = say(shell, "digest")
    assert "Preview, only for you" in preview and "Daily AI-governance digest" in preview
    assert "Unsubscribed #local" in say(shell, "unsubscribe")
    assert "no subscription" in say(shell, "status")
    store = Store.open(shell.settings.database_url)
    assert store.get(LOCAL_TEAM, LOCAL_CHANNEL) is None
    store.close()


def test_tick_prints_the_digest_and_the_reminder_and_posts_them_once(
    soon: Library, db: str
) -> None:
    shell = make_shell(soon, db)
    say(shell, "subscribe weekly tue 09:00 lang:fr")
    out = say(shell, "tick 2026-12-01 09:00")
    assert "Delivery pass at 1 Dec 2026 at 09:00 CET:" in out
    assert "Posted in #local (digest and reminder):" in out
    assert "Résumé hebdomadaire sur la gouvernance de l'IA · 1er décembre 2026" in out
    assert "Summit Soon" in out and "commence dans 30 jours" in out
    assert "*" not in out and "<!date" not in out
    assert "Next post: 8 Dec 2026 at 09:00 CET (digest)." in out
    assert shell.prompt() == "declaration 2026-12-01 09:00> "  # the shell's clock moved there
    again = say(shell, "tick 2026-12-01 09:00")
    assert "Nothing was due for #local." in again and "Posted" not in again
    status = say(shell, "status")
    assert "Last delivery: 1 Dec 2026 at 09:00 CET — sent" in status
    store = Store.open(shell.settings.database_url)
    with store.engine.connect() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 1
    store.close()
    # a reminder day that is not a digest day: the reminder alone, 7 days before
    reminder = say(shell, "tick 2026-12-24")  # a date alone: the channel's delivery time
    assert "Posted in #local (summit reminder):" in reminder and "dans 7 jours" in reminder
    assert "Delivery pass at 24 Dec 2026 at 09:00 CET" in reminder
    assert "tick now" in say(shell, "help") and say(shell, "tick now")
    assert shell.prompt() == "declaration> "


def test_tick_skips_what_is_too_late_and_says_so(library: Library, db: str) -> None:
    shell = make_shell(library, db)
    say(shell, "subscribe daily 09:00 UTC")
    out = say(shell, "tick 2026-11-30T12:00Z")
    assert "Skipped the digest due 29 Nov 2026 at 10:00 CET: more than 6 hours late." in out
    assert "Posted in #local (digest):" in out  # the one that is not late


def test_the_buttons_of_a_ticked_post_can_be_pressed(library: Library, db: str) -> None:
    """A reminder's *Details* and *News*, pressed in the shell as in Slack (the same table)."""
    shell = make_shell(library, db, at=datetime(2026, 6, 27, 12, 0, tzinfo=UTC), tz="UTC")
    say(shell, "subscribe daily 09:00 reminders-only")
    out = say(shell, "tick 2026-06-29 09:00")
    assert "starts in 7 days" in out and "[1] Details" in out and "[2] News" in out
    card = say(shell, "1")
    assert "Where: Palexpo, Geneva, Switzerland" in card and "There is no button" not in card
    shell = make_shell(library, db, at=datetime(2026, 6, 27, 12, 0, tzinfo=UTC), tz="UTC")
    say(shell, "tick 2026-07-02 09:00")  # nothing due: no button left to press
    assert "There is no button 1" in say(shell, "1")


@pytest.mark.parametrize("when", ["tomorrow", "2026-13-01", "9am"])
def test_tick_explains_a_bad_instant(library: Library, db: str, when: str) -> None:
    out = say(make_shell(library, db), f"tick {when}")
    assert f"“{when}” is not a date and time" in out and "tick 2026-06-17 09:00" in out


def test_tick_refuses_a_database_with_slack_workspaces(library: Library, db: str) -> None:
    store = Store.open(db)
    schedule = parse_schedule(["daily", "09:00", "UTC"])
    assert not isinstance(schedule, Exception)
    store.subscribe(team_id="T1", channel_id="C1", schedule=schedule, now=NOW - timedelta(days=3))
    store.close()
    shell = make_shell(library, db)
    out = say(shell, "tick 2026-11-30 09:00")
    assert "also holds Slack workspaces' subscriptions" in out
    store = Store.open(db)
    with store.engine.connect() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0  # nothing taken
    store.close()


def test_a_database_that_cannot_be_opened_is_one_line_and_marks_the_session(
    library: Library, tmp_path: Path
) -> None:
    shell = make_shell(library, f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.sqlite3'}")
    answer = shell.answer("subscribe")
    assert answer is not None and answer.error
    assert answer.text.startswith("declaration-bot: ") and "DATABASE_URL" in answer.text
    assert "\n" not in answer.text and shell.store_failed
    assert "Bletchley" in say(shell, "bletchley")  # the rest of the shell still works


def test_numbered_buttons_run_their_action(library: Library, db: str) -> None:
    shell = make_shell(library, db)
    out = say(shell, "topics lang:fr")
    assert "[2] Afficher" in out and "Tapez un numéro" in out
    topic = say(shell, "2")
    assert "Déclaration conjointe entre la France et la Chine" in topic  # in French, as asked
    assert "[1] Partager dans le canal   [2] Tous les sujets" in topic
    shared = say(shell, "1")
    assert shared.startswith("Partagé dans #local : tout le canal le voit.")
    assert "There is no button 7 in the last reply." in say(shell, "7")
    say(shell, "summits")  # a reply without buttons: the old numbers are gone
    assert "There is no button 1 in the last reply." in say(shell, "1")


def test_today_and_dates_are_the_terminals(soon: Library, db: str) -> None:
    # 23:30 UTC on 29 December is already 30 December in Shanghai: the summit is "tomorrow"
    late = datetime(2026, 12, 29, 23, 30, tzinfo=UTC)
    there = say(make_shell(soon, db, tz="Asia/Shanghai", at=late), "summits")
    assert "Summit Soon" in there and "tomorrow" in there
    assert "As of 30 December 2026, in Asia/Shanghai (this terminal's time zone)." in there
    assert "your own time zone" not in there
    here = say(make_shell(soon, db, tz="America/New_York", at=late), "summits")
    assert "in 2 days" in here and "As of 29 December 2026, in America/New_York" in here


def test_the_terminals_language_is_the_default(library: Library, db: str) -> None:
    shell = make_shell(library, db, lang="fr_FR.UTF-8")
    assert "Sujets" in say(shell, "topics")
    assert "Topics" in say(shell, "topics lang:en")


def test_unknown_commands_and_slack_only_words(library: Library, db: str) -> None:
    shell = make_shell(library, db)
    assert "This shell knows one command, /declaration" in say(shell, "/remind me")
    out = say(shell, "/declaration <!channel>")
    assert "I don't know a topic or command called “<!channel>”" in out


# --- replies say what they understood ----------------------------------------------------------


def test_stop_words_alone_ask_for_a_specific_word(library: Library, db: str) -> None:
    shell = make_shell(library, db)
    for query in ("the", "The OF and", "de la", "le"):
        out = say(shell, f"search {query}")
        assert "is too common a word to search for" in out and "search ceasefire" in out
        assert "Nothing in the summaries" not in out
    out = say(shell, "search the ceasefire")
    assert "Searched for ceasefire; left out the common words the." in out
    assert "France–China joint statement on the situation in the Middle East" in out
    assert "trop courant" in say(shell, "search les lang:fr")
    assert "太常见" in say(shell, "search 的 lang:zh")


@pytest.mark.parametrize(
    ("line", "needle", "language_of_reply"),
    [
        ("topics lang:xx", "I don't speak the language “xx”", "Topics"),
        ("topics lang:", "`lang:` needs a language".replace("`", ""), "Topics"),
        ("topics LANG:FR", None, "Sujets"),
        ("LANG:Fr topics", None, "Sujets"),
        ("topics lang:french", None, "Sujets"),
        ("topics lang:zh-CN", None, "主题"),
        ("status lang:klingon", "I don't speak the language “klingon”", "no subscription"),
        ("lang:FR status", None, "Ce canal n'a pas d'abonnement"),
    ],
)
def test_lang_words_any_case_and_unknown_ones_named(
    library: Library, db: str, line: str, needle: str | None, language_of_reply: str
) -> None:
    out = say(make_shell(library, db), line)
    assert language_of_reply in out
    if needle:
        assert needle in out
        for named in ("English", "French", "Chinese", "lang:en", "lang:fr", "lang:zh"):
            assert named in out
        assert "This answer is in English." in out
    else:
        assert "don't speak" not in out and "needs a language" not in out


def test_subscribe_refuses_an_unknown_digest_language(library: Library, db: str) -> None:
    shell = make_shell(library, db)
    out = say(shell, "subscribe daily 09:00 lang:de")
    assert "Digests can be in English (lang:en), French (lang:fr) or Chinese (lang:zh)" in out
    assert "“de”" in out and "Nothing was changed." in out
    assert "no subscription" in say(shell, "status")
    assert "en français" in say(shell, "subscribe daily 09:00 LANG:FR")


_WORDS = st.sampled_from(["lang:fr", "LANG:ZH", "lang:", "lang:xx", "search", "ceasefire", "停火"])


@given(st.lists(_WORDS, max_size=6))
def test_read_lang_takes_every_lang_word_out(words: list[str]) -> None:
    rest, found, unknown = read_lang(" ".join(words))
    assert "lang:" not in rest.casefold()
    known = [w for w in words if w.casefold() in ("lang:fr", "lang:zh")]
    assert found == (known[-1].casefold().removeprefix("lang:") if known else None)
    odd = [w for w in words if w.casefold() in ("lang:", "lang:xx")]
    assert unknown == (None if known or not odd else odd[0].removeprefix("lang:"))


def test_the_next_post_after_a_tick_is_within_what_the_channel_receives(
    soon: Library, db: str
) -> None:
    """A channel that receives only reminders is told its next reminder, not a digest it will
    never get (as `status` says it)."""
    shell = make_shell(soon, db)
    say(shell, "subscribe 09:00 reminders-only")
    out = say(shell, "tick 2026-12-02 09:00")
    assert "Next post: 24 Dec 2026 at 09:00 CET (summit reminder)." in out
    assert "(digest)" not in out


def test_a_line_of_digits_that_is_no_button_number_is_read_as_text(
    library: Library, db: str
) -> None:
    shell = make_shell(library, db)
    assert "I don't know a topic or command" in say(shell, "²")
    assert "I don't know a topic or command" in say(shell, "9" * 5000)
    assert "There is no button 42 in the last reply" in say(shell, "42")


@pytest.mark.parametrize(
    ("line", "same_as"),
    [
        ("@declaration-bot when is waic?", "when is waic?"),
        ("@declaration when is the next summit", "/declaration when is the next summit"),
        ("<@UBOT> prochain sommet", "prochain sommet"),
        ("@declaration-bot summits", "summits"),
    ],
)
def test_questions_and_mentions_are_answered_as_in_slack(
    library: Library, db: str, line: str, same_as: str
) -> None:
    """Issue 18, item 6: the shell reads a question the way Slack's listeners do (an @mention is
    the text after it), through the same core."""
    shell = make_shell(library, db)
    shown = say(shell, line)
    assert shown == say(shell, same_as)
    assert "don't know" not in shown and "Did you mean" not in shown


def test_the_shell_answers_what_is_next_and_what_it_cannot_do(library: Library, db: str) -> None:
    shell = make_shell(library, db)
    nxt = say(shell, "what's next?")
    assert "What's next" in nxt and "ai-summit-geneva-2027" in nxt
    assert nxt.index("AI Summit 2027, Geneva") < nxt.index("AI Summit 2028")
    assert "ai-summit-geneva-2027" in say(shell, "下一次峰会")
    waic = say(shell, "@declaration-bot when is the next waic")
    assert "WAIC) 2027" in waic and "Shanghai" in waic
    remind = say(shell, "remind me tomorrow")
    assert "/declaration subscribe" in remind and "Did you mean" not in remind
