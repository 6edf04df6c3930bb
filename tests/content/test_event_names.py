"""The names of events and series (issue 18): an alias, in any language, leads to one topic, event
or series only. A clash is an error on load and in check-content, naming the file, the line and
the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.content.loading import load_library
from bot.content.problems import ContentError
from tests.e2e import run_cli


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _problems(content: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_library(content)
    return [str(p) for p in info.value.problems]


def test_an_event_alias_that_is_a_topic_alias_is_an_error(content_copy: Path) -> None:
    summits = content_copy / "summits.yml"
    _edit(summits, "aliases: [waic 2023]", "aliases: [waic 2023, Gaza]")
    (problem,) = _problems(content_copy)
    line = _line_of(summits, "aliases: [waic 2023, Gaza]")
    assert f"summits.yml:{line}: summits[0].aliases[1]: " in problem
    assert "'Gaza' is already a name of topic 'france-china-middle-east'" in problem
    result = run_cli(["check-content", str(content_copy)], {}, content_copy.parent)
    assert result.returncode == 1
    assert f"summits.yml:{line}: summits[0].aliases[1]:" in result.stdout + result.stderr


def test_two_events_with_one_name_is_an_error(content_copy: Path) -> None:
    summits = content_copy / "summits.yml"
    _edit(summits, "aliases: [waic 2024]", "aliases: [waic 2024, WAIC 2023]")
    (problem,) = _problems(content_copy)
    assert "summits[1].aliases[1]: 'WAIC 2023' is already a name of event 'waic-2023'" in problem


def test_an_event_alias_that_is_a_series_name_is_an_error(content_copy: Path) -> None:
    _edit(content_copy / "summits.yml", "aliases: [waic 2027]", "aliases: [waic 2027, waic]")
    (problem,) = _problems(content_copy)
    assert "summits[4].aliases[1]: 'waic' is already a name of series 'waic'" in problem


def test_a_translated_alias_that_clashes_names_the_translation_file(content_copy: Path) -> None:
    fr = content_copy / "translations" / "fr" / "summits.yml"
    _edit(fr, "aliases: [sommet de séoul]", "aliases: [sommet de séoul, déclaration de bletchley]")
    (problem,) = _problems(content_copy)
    line = _line_of(fr, "sommet de séoul, déclaration de bletchley")
    assert re.search(rf"translations/fr/summits.yml:{line}: summits\[6\]\.aliases\[1\]:", problem)
    assert "is already a name of topic 'bletchley'" in problem


def test_a_topic_alias_that_names_an_event_is_an_error(content_copy: Path) -> None:
    topic = content_copy / "topics" / "bletchley.yml"
    _edit(topic, "  - bletchley park\n", "  - bletchley park\n  - ai safety summit 2023\n")
    problems = _problems(content_copy)
    assert any(
        "'ai-safety-summit-2023' is already a name of topic 'bletchley'" in p for p in problems
    )


def test_a_duplicate_event_alias_is_an_error(content_copy: Path) -> None:
    _edit(content_copy / "summits.yml", "aliases: [waic 2026]", "aliases: [waic 2026, WAIC 2026]")
    # the same name twice is one item's: a duplicate, not a clash
    (problem,) = _problems(content_copy)
    assert "summits[3].aliases[1]: duplicate alias 'WAIC 2026'" in problem


def test_the_shipped_names_lead_to_one_thing_each(content_copy: Path) -> None:
    library = load_library(content_copy)
    assert {x.id for x in library.series} == {
        "waic",
        "ai-summit",
        "un-global-dialogue",
        "ai-for-good",
    }
    assert library.for_lang("zh").series_named("waic").name == "世界人工智能大会（WAIC）"  # type: ignore[union-attr]
