"""Content validation: the real content loads; each mistake is named by file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError
from bot.content.schema import Development, normalize
from tests.e2e import run_cli


def test_real_content_is_valid(library: Library) -> None:
    assert {t.id for t in library.topics} == {
        "bletchley",
        "france-china-ai",
        "france-china-middle-east",
    }
    for topic in library.topics:
        assert topic.sources, topic.id
        # the scheme follows the document: https, or http where only that serves it
        assert all(s.url.startswith(("https://", "http://")) for s in topic.sources)
    names = {s.id for s in library.summits}
    for expected in ("waic-2024", "waic-2025", "ai-action-summit-2025", "ai-impact-summit-2026"):
        assert expected in names


def test_summit_facts_match_the_checked_facts(library: Library) -> None:
    by_id = {s.id: s for s in library.summits}
    paris = by_id["ai-action-summit-2025"]
    assert (str(paris.starts), str(paris.ends)) == ("2025-02-10", "2025-02-11")
    assert "Paris" in paris.location
    assert by_id["waic-2026"].tentative
    undated = [s for s in library.summits if s.starts is None]
    assert {s.id for s in undated} >= {"ai-summit-geneva-2027", "waic-2027"}


def test_unconfirmed_claims_are_flagged(library: Library) -> None:
    ai = library.topic("france-china-ai")
    assert ai is not None
    assert any("article" in c.lower() for c in ai.caveats)


def _problems(directory: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_library(directory)
    return [str(p) for p in info.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


def test_broken_yaml_names_file_and_line(content_copy: Path) -> None:
    f = content_copy / "topics" / "bletchley.yml"
    _edit(f, "id: bletchley", "id: [bletchley")
    (problem,) = _problems(content_copy)
    assert "bletchley.yml:" in problem and "not valid YAML" in problem


def test_unknown_key_named_with_line(content_copy: Path) -> None:
    f = content_copy / "topics" / "bletchley.yml"
    _edit(f, "id: bletchley", "id: bletchley\nsumary: typo")
    (problem,) = _problems(content_copy)
    line = _line_of(f, "sumary:")
    assert f"bletchley.yml:{line}: sumary: unknown field" in problem


def test_missing_field(content_copy: Path) -> None:
    f = content_copy / "topics" / "bletchley.yml"
    text = f.read_text()
    f.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("updated:")) + "\n")
    (problem,) = _problems(content_copy)
    assert "bletchley.yml" in problem and "updated: this field is required" in problem


def test_bad_date_names_the_field_and_line(content_copy: Path) -> None:
    f = content_copy / "summits.yml"
    _edit(f, "starts: 2025-02-10", "starts: 2025-02-30")
    (problem,) = _problems(content_copy)
    line = _line_of(f, "starts: 2025-02-30")
    assert f"summits.yml:{line}: summits[" in problem and ".starts:" in problem
    assert "YYYY-MM-DD" in problem


def test_ends_before_starts(content_copy: Path) -> None:
    f = content_copy / "summits.yml"
    _edit(f, "ends: 2025-02-11", "ends: 2025-02-01")
    (problem,) = _problems(content_copy)
    assert "before 'starts'" in problem


def test_duplicate_summit_id(content_copy: Path) -> None:
    f = content_copy / "summits.yml"
    _edit(f, "id: waic-2024", "id: waic-2023")
    problems = _problems(content_copy)
    assert any("duplicate summit id 'waic-2023'" in p for p in problems)


def test_alias_shared_by_two_topics(content_copy: Path) -> None:
    f = content_copy / "topics" / "france-china-middle-east.yml"
    _edit(f, "  - gaza", "  - bletchley")
    problems = _problems(content_copy)
    assert any("'bletchley' is already a name of topic 'bletchley'" in p for p in problems)


def test_duplicate_key_in_a_file(content_copy: Path) -> None:
    f = content_copy / "topics" / "bletchley.yml"
    _edit(f, "id: bletchley", "id: bletchley\nid: other")
    (problem,) = _problems(content_copy)
    assert "duplicate key 'id'" in problem


def test_id_must_match_the_file_name(content_copy: Path) -> None:
    (content_copy / "topics" / "bletchley.yml").rename(content_copy / "topics" / "safety.yml")
    problems = _problems(content_copy)
    assert any("must match the file name 'safety'" in p for p in problems)


def test_every_problem_is_reported_at_once(content_copy: Path) -> None:
    _edit(content_copy / "topics" / "bletchley.yml", "id: bletchley", "id: bletchley\nx: 1")
    _edit(content_copy / "summits.yml", "starts: 2025-02-10", "starts: someday")
    assert len(_problems(content_copy)) == 2


def test_check_content_cli(content_copy: Path) -> None:
    ok = run_cli(["check-content", str(content_copy)], {}, content_copy.parent)
    assert ok.returncode == 0 and "Content OK: 3 topics" in ok.stdout
    _edit(content_copy / "summits.yml", "starts: 2025-02-10", "starts: 2025-13-10")
    bad = run_cli(["check-content", str(content_copy)], {}, content_copy.parent)
    assert bad.returncode == 1
    assert "summits.yml:" in bad.stderr and "starts" in bad.stderr
    assert "Traceback" not in bad.stderr


@pytest.mark.parametrize("mode", ["shell", "serve", "socket"])
def test_modes_refuse_invalid_content(content_copy: Path, mode: str) -> None:
    _edit(content_copy / "summits.yml", "starts: 2025-02-10", "starts: 2025-13-10")
    env = {
        "PATH": "/usr/bin:/bin",
        "CONTENT_DIR": str(content_copy),
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s3cret",
        "SLACK_APP_TOKEN": "xapp-1",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
    }
    r = run_cli([mode], env, content_copy.parent)
    assert r.returncode == 1
    assert "Content is invalid" in r.stderr and "summits.yml:" in r.stderr
    assert "Traceback" not in r.stderr


def test_empty_topic_file(content_copy: Path) -> None:
    (content_copy / "topics" / "bletchley.yml").write_text("# nothing yet\n")
    (problem,) = _problems(content_copy)
    assert "bletchley.yml: the file is empty" in problem


def test_developments_are_loaded_newest_first_with_their_sources(library: Library) -> None:
    assert library.developments, "the timeline ships with at least one development"
    dates = [d.date for d in library.developments]
    assert dates == sorted(dates, reverse=True)
    topic_ids = {t.id for t in library.topics}
    for dev in library.developments:
        assert dev.sources and set(dev.topics) <= topic_ids, dev.id
        assert all(s.grade in ("C", "C-", "P", "?") for s in dev.sources)
    french = library.for_lang("fr").developments
    assert [d.id for d in french] == [d.id for d in library.developments]

    # links, titles, dates and grades come from English; a publisher may have its French name
    def cited(devs: tuple[Development, ...]) -> list[list[tuple[str, str, str, str]]]:
        return [[(s.url, s.title, str(s.date), s.grade) for s in d.sources] for d in devs]

    assert cited(french) == cited(library.developments)
    assert all(f.title != e.title for f, e in zip(french, library.developments, strict=True))


def test_development_naming_an_unknown_topic_or_event_is_refused(content_copy: Path) -> None:
    f = content_copy / "developments.yml"
    _edit(f, "topics: [bletchley, france-china-ai]", "topics: [bletchley, france-china]")
    _edit(f, "events: [ai-action-summit-2025]", "events: [paris-2025]")
    problems = _problems(content_copy)
    assert len(problems) == 2
    assert any("topics[1]: no topic with id 'france-china'" in p for p in problems)
    assert any("events[0]: no summit with id 'paris-2025'" in p for p in problems)
    assert all("developments.yml:" in p for p in problems)


def test_a_source_without_a_grade_is_refused(content_copy: Path) -> None:
    f = content_copy / "topics" / "bletchley.yml"
    text = f.read_text()
    f.write_text(text.replace("    grade: C\n", "", 1))
    (problem,) = _problems(content_copy)
    assert "grade" in str(problem) and "required" in str(problem)


def test_a_summit_naming_an_unknown_topic_is_refused(content_copy: Path) -> None:
    f = content_copy / "summits.yml"
    _edit(f, "topics: [france-china-ai]", "topics: [france-china-a1]")
    (problem,) = _problems(content_copy)
    assert "summits.yml:" in problem and ".topics[0]" in problem
    assert "no topic with id 'france-china-a1'" in problem and "france-china-ai" in problem


def test_a_publisher_name_no_source_uses_is_a_warning(content_copy: Path) -> None:
    f = content_copy / "translations" / "fr" / "publishers.yml"
    f.write_text(f.read_text() + "  - en: UK Goverment\n    name: Gouvernement britannique\n")
    library = load_library(content_copy)
    (warning,) = [str(w) for w in library.warnings]
    assert (
        "fr/publishers.yml:" in warning and "no source has the publisher 'UK Goverment'" in warning
    )
    # the names that match still apply, to every kind of item
    fr = library.for_lang("fr")
    bletchley = fr.topic("bletchley")
    assert bletchley is not None
    assert "Gouvernement britannique (GOV.UK)" in {s.publisher for s in bletchley.sources}
    geneva = fr.summit("ai-summit-geneva-2027")
    assert geneva is not None
    assert "Conseil fédéral suisse (communiqué de presse)" in {s.publisher for s in geneva.sources}
    english = library.topic("bletchley")
    assert english is not None and "UK Government (GOV.UK)" in {
        s.publisher for s in english.sources
    }


def test_a_publisher_named_twice_is_an_error(content_copy: Path) -> None:
    f = content_copy / "translations" / "zh" / "publishers.yml"
    f.write_text(f.read_text() + "  - en: UK Government (GOV.UK)\n    name: 英国政府\n")
    (problem,) = _problems(content_copy)
    assert (
        "zh/publishers.yml:" in problem
        and "'UK Government (GOV.UK)' is already named above" in problem
    )


def test_without_a_publishers_file_publishers_are_shown_as_in_english(content_copy: Path) -> None:
    (content_copy / "translations" / "zh" / "publishers.yml").unlink()
    library = load_library(content_copy)
    assert not library.warnings
    zh = library.for_lang("zh").topic("bletchley")
    assert zh is not None and "UK Government (GOV.UK)" in {s.publisher for s in zh.sources}


def _set_title(content: Path, title: str) -> Path:
    f = content / "topics" / "bletchley.yml"
    lines = f.read_text().splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.startswith("title:"))
    lines[at] = f"title: {title!r}" if title.strip() == "" else f"title: {title}"
    f.write_text("\n".join(lines) + "\n")
    return f


def test_a_title_left_blank_is_refused(content_copy: Path) -> None:
    """An editor who empties a title (spaces only) is told so; readers never get a blank heading."""
    _set_title(content_copy, "   ")
    (problem,) = _problems(content_copy)
    assert "bletchley.yml" in problem and "title" in problem and "at least 1 character" in problem


def test_a_title_is_held_to_its_limit_and_no_tighter(content_copy: Path) -> None:
    """A one-line title may have 150 characters (trimmed), not 151: the editor is told which."""
    _set_title(content_copy, "T" * 150 + "   ")
    assert load_library(content_copy).topic("bletchley") is not None
    _set_title(content_copy, "T" * 151)
    (problem,) = _problems(content_copy)
    assert "title" in problem and "at most 150 characters" in problem


@pytest.mark.parametrize(
    ("typed", "name"),
    [("France–China", "france china"), ("Bletchley—Park!", "bletchley park"), ("« WAIC »", "waic")],
)
def test_names_match_whatever_the_punctuation(typed: str, name: str) -> None:
    """A name is matched without its case, dashes, quotes or punctuation (how aliases are read)."""
    assert normalize(typed) == name
