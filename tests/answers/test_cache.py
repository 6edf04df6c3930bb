"""The answer cache: keyed on the question read once, so what it serves is what the core says."""

from __future__ import annotations

import json
from datetime import date

from bot import commands as c
from bot.answers import core
from bot.answers.cache import Answers
from bot.content.library import Library
from bot.slack import payloads

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


def test_the_cache_keeps_to_its_byte_budget_dropping_the_least_recently_used(
    library: Library,
) -> None:
    """Searches are free text: however many different questions come, the cache holds at most
    its budget, and what it serves is still what the core says."""
    one = len(json.dumps(body(Answers(), "search ceasefire", library), ensure_ascii=False))
    answers = Answers(budget=3 * one)
    for word in ("ceasefire", "summit", "safety", "france", "china", "bletchley", "governance"):
        body(answers, f"search {word}", library)
        assert answers.held <= answers.budget or len(answers._cache) == 1
        assert answers.held == sum(len(b) for _, b in answers._cache.values())
    assert 1 <= len(answers._cache) < 7
    kept = [k[0].command for k in answers._cache]
    assert c.read("search governance").command in kept  # the latest stays
    assert c.read("search ceasefire").command not in kept  # the oldest went first
    again = body(answers, "search ceasefire", library)
    assert again["text"] == core.reply_to("search ceasefire", library, TODAY).text


def test_an_answer_is_the_reply_itself_in_the_lighter_form_on_the_wire(library: Library) -> None:
    """Nothing is lost whichever form a body takes; Chinese goes as its own characters (a third
    lighter than \\u escapes), English as ASCII (escapes cost it a few bytes, and no re-encoding)."""
    answers = Answers()
    parsed = c.read("bletchley")
    sizes = {}
    for lang in ("en", "fr", "zh"):
        raw = answers.body(parsed, library, TODAY, lang, None)
        reply = core.reply_to(parsed, library, TODAY, lang)
        assert json.loads(raw) == payloads.payload(reply, response_type=reply.response_type)
        written = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")).encode()
        escaped = json.dumps(json.loads(raw), separators=(",", ":")).encode()
        sizes[lang] = (len(raw.encode()), len(written), len(escaped))
    assert sizes["zh"][0] == sizes["zh"][1] < 0.7 * sizes["zh"][2]
    assert sizes["en"][0] == sizes["en"][2] < 1.05 * sizes["en"][1]
