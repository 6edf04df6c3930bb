"""The answer cache: keyed on the question read once, so what it serves is what the core says."""

from __future__ import annotations

import json
from datetime import date

from bot import commands as c
from bot import core
from bot.answers import Answers
from bot.content import Library

TODAY = date(2026, 11, 27)


def body(answers: Answers, text: str, library: Library, lang: str = "en") -> dict[str, object]:
    parsed = c.read(text)
    found = json.loads(answers.body(parsed, library, TODAY, parsed.lang or lang, None))
    assert isinstance(found, dict)
    return found


def test_the_same_question_however_typed_is_answered_once(library: Library) -> None:
    answers = Answers()
    first = body(answers, "bletchley lang:fr", library)
    assert body(answers, "lang:fr   bletchley", library) == first
    assert len(answers._cache) == 1
    assert first["text"] == core.reply_to("bletchley lang:fr", library, TODAY).text


def test_what_changes_the_answer_changes_the_key(library: Library) -> None:
    answers = Answers()
    plain = body(answers, "topics", library)
    unknown = body(answers, "topics lang:xx", library)  # the same command, with a note
    french = body(answers, "topics", library, lang="fr")  # the caller's locale
    assert plain != unknown and plain != french and unknown != french
    assert "“xx”" in json.dumps(unknown, ensure_ascii=False)
    assert "“xx”" not in json.dumps(plain, ensure_ascii=False)
    for text, lang, expected in (
        ("topics", "en", plain),
        ("topics lang:xx", "en", unknown),
        ("topics", "fr", french),
    ):
        assert expected["text"] == core.reply_to(text, library, TODAY, lang).text
