"""The library in force in a running bot: an edited content file is reloaded, and the reload
never runs on the event loop that answers Slack."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.source import ContentSource

SHORT = "Edited, the one-line summary of the topic as an editor rewrote it"


def edit(content: Path, short: str = SHORT) -> None:
    """Rewrite the Bletchley topic's one-line summary, as an editor would."""
    path = content / "topics" / "bletchley.yml"
    lines = path.read_text().splitlines()
    lines = [f"short: {short}" if line.startswith("short:") else line for line in lines]
    path.write_text("\n".join(lines) + "\n")
    later = time.time() + 5  # file times can be coarse
    os.utime(path, (later, later))


def short_of(library: Library) -> str:
    topic = library.topic("bletchley")
    assert topic is not None
    return topic.short


def reloads_in(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The threads that reloaded the content."""
    done = [r for r in caplog.records if r.getMessage().startswith("content reloaded")]
    return [str(r.threadName) for r in done]


@pytest.mark.parametrize("first", ["current", "refresh"])
async def test_on_the_event_loop_the_files_are_read_in_another_thread(
    content_copy: Path, caplog: pytest.LogCaptureFixture, first: str
) -> None:
    source = ContentSource(load_library(content_copy), check_every=0)
    edit(content_copy)
    with caplog.at_level(logging.INFO, logger="declaration_bot.content"):
        if first == "current":
            source.current()  # due: starts a look in the background
        latest = await source.refresh()
    assert short_of(latest) == SHORT
    assert short_of(source.current()) == SHORT
    threads = reloads_in(caplog)
    assert len(threads) == 1 and threads[0] != threading.current_thread().name


async def test_a_pass_sees_the_files_as_they_are_when_it_starts(content_copy: Path) -> None:
    source = ContentSource(load_library(content_copy), check_every=3600)
    edit(content_copy)
    assert short_of(await source.refresh()) != SHORT  # not due yet: the library in force
    assert short_of(await source.refresh(now=True)) == SHORT


def test_off_an_event_loop_the_files_are_looked_at_on_the_spot(content_copy: Path) -> None:
    source = ContentSource(load_library(content_copy), check_every=0)
    edit(content_copy)
    assert short_of(source.current()) == SHORT


async def test_an_invalid_edit_keeps_the_library_in_force(
    content_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = ContentSource(load_library(content_copy), check_every=0)
    before = short_of(source.current())
    edit(content_copy, short="")
    with caplog.at_level(logging.ERROR, logger="declaration_bot.content"):
        assert short_of(await source.refresh()) == before
    assert "content changed but is invalid; keeping the previous version" in caplog.text
    assert "topics/bletchley.yml" in caplog.text
