"""One table of button actions, used by Bolt and by the shell: a button the shell shows answers
there as it does in Slack (the press through the in-process bot and the fake Slack)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.config import Settings
from bot.content.library import Library
from bot.local.shell import Shell
from bot.local.terminal import render_blocks
from tests.e2e import InProcessBot, bot_env, button_press, in_process
from tests.fakeslack import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        fake.add_user("U1", tz="UTC", locale="en-US")
        yield fake


@pytest.fixture
def bot(slack: FakeSlack, tmp_path: Path) -> Iterator[InProcessBot]:
    db = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    with in_process(bot_env(slack.base_url, DATABASE_URL=db), tmp_path) as b:
        yield b


def shell_for(library: Library, tmp_path: Path) -> Shell:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'local.sqlite3'}")
    env = {"TZ": "UTC", "LANG": "C", "USER": "ada", "NO_COLOR": "1"}
    now = datetime.now(UTC)
    return Shell(library, FixedClock(now), settings, env, io.StringIO())


def pressed_in_slack(bot: InProcessBot, slack: FakeSlack, action_id: str, value: str) -> dict:
    key = f"press-{action_id}"
    r = bot.interactive(button_press(action_id, value, slack.response_url(key)))
    assert r.status == 200, r.body
    slack.wait_for(lambda: bool(slack.responses.get(key)))
    (reply,) = slack.responses[key]
    return reply


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("news blechley", 1),  # "did you mean": the topic's news
        ("bletchley", 1),  # the topic card: share it
        ("bletchley", 2),  # the topic card: all topics
        ("topics", 1),  # the list: a topic
        ("bletchley lang:fr", 2),
    ],
)
def test_a_button_pressed_in_the_shell_answers_as_in_slack(
    library: Library,
    tmp_path: Path,
    bot: InProcessBot,
    slack: FakeSlack,
    line: str,
    number: int,
) -> None:
    shell = shell_for(library, tmp_path)
    first = shell.answer(line)
    assert first is not None and first.choices
    choice = next(c for c in first.choices if c.number == number)
    answer = shell.answer(str(number))
    assert answer is not None
    assert "There is no button" not in answer.text

    reply = pressed_in_slack(bot, slack, choice.action_id, choice.value)
    seen = render_blocks(reply.get("blocks") or [], str(reply.get("text") or ""), shell.look)
    assert seen.text.strip() and seen.text in answer.text
