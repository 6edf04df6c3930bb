"""The content subcommands are one table: their words (phrases), their answers (core.SUBCOMMANDS)."""

from __future__ import annotations

from datetime import date

from bot import commands as c
from bot.answers import core
from bot.content.library import Library


def test_every_content_subcommand_has_words_and_an_answer() -> None:
    kinds = set(c.content_words().values())
    assert kinds == set(core.SUBCOMMANDS) - {"ShowTopic"}
    assert not set(c.content_words()) & {"subscribe", "status", "pause", "digest", "stop"}


def test_a_subcommand_is_read_by_its_kind_and_answered() -> None:
    for word, kind in c.content_words().items():
        command = c.parse(f"{word.upper()} bletchley")
        assert type(command).__name__ == kind and command == c.content(kind)("bletchley")
        assert c.read(word).kind == kind


def test_each_subcommand_answers(library: Library) -> None:
    for kind in core.SUBCOMMANDS:
        reply = core.reply_to(c.Parsed(c.content(kind)("bletchley")), library, date(2026, 1, 5))
        assert reply.text
