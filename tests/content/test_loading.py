"""Where load_library points: each problem at the file and line that has it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError, Problem


def test_a_name_is_blamed_on_its_own_file_when_another_file_claims_the_same_id(
    content_copy: Path,
) -> None:
    topics = content_copy / "topics"
    shutil.copy(topics / "france-china-ai.yml", topics / "zzz.yml")  # says id: france-china-ai
    path = topics / "france-china-ai.yml"
    text = path.read_text()
    path.write_text(text.replace("aliases:\n", "aliases:\n  - bletchley park\n", 1))
    id_line = text.splitlines().index("id: france-china-ai") + 1
    alias_line = text.splitlines().index("aliases:") + 2
    with pytest.raises(ContentError) as info:
        load_library(content_copy)
    problems = [(Path(p.file).name, p.line, p.field) for p in info.value.problems]
    assert problems == [
        ("zzz.yml", id_line, "id"),
        ("france-china-ai.yml", alias_line, "aliases[0]"),
    ]


@pytest.mark.parametrize(
    "mutation",
    [
        None,
        ("summits.yml", "starts: 2025-02-10", "starts: 2025-02-30"),
        ("summits.yml", "  - id: waic-2023", "  - id: waic-2023\n    id: again"),
        ("topics/bletchley.yml", "title:", "title: [unclosed"),
        ("topics/bletchley.yml", "label:", "\tlabel:"),
        ("translations/fr/topics/bletchley.yml", "title:", "title: : :"),
        ("summits.yml", "summits:", "summits: {"),
    ],
)
def test_libyaml_and_pyyaml_give_the_same_library_and_the_same_report(
    content_copy: Path, mutation: tuple[str, str, str] | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are parsed with libyaml when it is there (fast start-up); what an editor reads in a
    report, and what the bot serves, must not depend on which parser ran."""
    from bot.content import yaml_lines

    if yaml_lines._FastLoader is None:
        pytest.skip("PyYAML built without libyaml")
    if mutation is not None:
        f = content_copy / mutation[0]
        f.write_text(f.read_text().replace(mutation[1], mutation[2], 1))

    def outcome() -> str:
        try:
            lib = load_library(content_copy)
        except ContentError as exc:
            return exc.report()
        return repr((lib.topics, lib.summits, lib.developments, lib.for_lang("zh").topics))

    fast = outcome()
    monkeypatch.setattr(yaml_lines, "_FastLoader", None)
    assert outcome() == fast


def _report(directory: Path) -> list[Problem]:
    with pytest.raises(ContentError) as info:
        load_library(directory)
    return info.value.problems


def _line(path: Path, text: str) -> int:
    """The line (from 1) that is exactly ``text``."""
    return path.read_text().splitlines().index(text) + 1


def test_a_content_folder_that_does_not_exist_is_named_in_the_report(tmp_path: Path) -> None:
    """An operator who mistypes the folder is told which folder was not found, and nothing else."""
    missing = tmp_path / "contnet"
    with pytest.raises(ContentError) as info:
        load_library(str(missing))
    assert info.value.problems == [Problem(str(missing), None, "", "content folder not found")]
    assert info.value.report() == (
        f"Content is invalid (1 problem):\n  {missing}: content folder not found"
    )


def test_a_topics_folder_without_topic_files_is_named_first(content_copy: Path) -> None:
    """With every topic file gone (or misnamed, e.g. *.txt), the editor is told which folder has
    none, before what depends on the topics."""
    topics = content_copy / "topics"
    for f in topics.glob("*.yml"):
        f.rename(f.with_suffix(".txt"))
    problems = _report(content_copy)
    assert problems[0] == Problem(str(topics), None, "", "no topic files (*.yml) found")
    assert str(problems[0]) == f"{topics}: no topic files (*.yml) found"
    # the summits that name topics are then told that no topic has their ids
    assert all("no topic with id" in p.message for p in problems[1:]), problems


def test_a_topic_file_named_yaml_loads_like_a_yml_one(content_copy: Path, library: Library) -> None:
    """An editor who saves a topic as `.yaml` gets the same topic, in English and translated."""
    topics = content_copy / "topics"
    (topics / "bletchley.yml").rename(topics / "bletchley.yaml")
    loaded = load_library(content_copy)
    assert loaded.topic("bletchley") == library.topic("bletchley")
    assert loaded.for_lang("fr").topic("bletchley") == library.for_lang("fr").topic("bletchley")
    (day,) = [d for f, d in library.reviewed.items() if f.endswith("bletchley.yml")]
    assert loaded.reviewed[str(topics / "bletchley.yaml")] == day
    assert not loaded.warnings


def test_a_topic_whose_id_is_not_its_file_name_is_told_which_line_to_change(
    content_copy: Path,
) -> None:
    """A topic file renamed without its id: the file, the id's line, and both names."""
    topics = content_copy / "topics"
    (topics / "bletchley.yml").rename(topics / "safety.yml")
    path = topics / "safety.yml"
    assert _report(content_copy) == [
        Problem(
            str(path),
            _line(path, "id: bletchley"),
            "id",
            "id 'bletchley' must match the file name 'safety'",
        )
    ]


def test_a_broken_translation_is_reported_once_the_english_files_are_right(
    content_copy: Path,
) -> None:
    """Translations are read against English: while an English file is wrong only English is
    reported (no cascade through the translation files); once it is right, the translation is."""
    summits = content_copy / "summits.yml"
    english = summits.read_text()
    summits.write_text(english.replace("  - id: waic-2023\n", "  - id: waic-2023\n    sarts: x\n"))
    french = content_copy / "translations" / "fr" / "topics" / "bletchley.yml"
    french.write_text(french.read_text().replace("title:", "title: [unclosed", 1))
    problems = _report(content_copy)
    assert [(p.file, p.field, p.message.split(" (")[0]) for p in problems] == [
        (str(summits), "summits[0].sarts", "unknown field")
    ]
    summits.write_text(english)
    (problem,) = _report(content_copy)
    assert problem.file == str(french) and "not valid YAML" in problem.message


def test_the_library_carries_everything_the_files_say(content_copy: Path) -> None:
    """Series, summits, developments, review dates and where each summit is written reach the
    library as the files give them; the English version is the one named "en", which a reader
    with no language, or one the content is not translated into, gets."""
    summits_path = content_copy / "summits.yml"
    summits = yaml.safe_load(summits_path.read_text())
    developments = yaml.safe_load((content_copy / "developments.yml").read_text())
    lib = load_library(content_copy)

    assert [(x.id, x.name, x.aliases) for x in lib.series] == [
        (x["id"], x["name"], x["aliases"]) for x in summits["series"]
    ]
    assert [s.id for s in lib.summits] == [s["id"] for s in summits["summits"]]
    assert lib.summit_places == {
        s["id"]: (str(summits_path), _line(summits_path, f"  - id: {s['id']}"))
        for s in summits["summits"]
    }
    newest_first = sorted(developments["developments"], key=lambda d: (d["date"], d["id"]))[::-1]
    assert [d.id for d in lib.developments] == [d["id"] for d in newest_first]
    files = [*sorted((content_copy / "topics").glob("*.yml")), summits_path]
    files.append(content_copy / "developments.yml")
    assert list(lib.reviewed.items()) == [
        (str(f), yaml.safe_load(f.read_text())["reviewed"]) for f in files
    ]

    assert lib.lang == "en" and lib.languages == ("en", "fr", "zh")
    assert lib.for_lang("en") is lib and lib.for_lang("de") is lib
    french = lib.for_lang("fr")
    assert french.lang == "fr" and french.for_lang("en") is lib and french.for_lang("de") is lib
    fr_summits = yaml.safe_load((content_copy / "translations/fr/summits.yml").read_text())
    assert [x.name for x in french.series] == [x["name"] for x in fr_summits["series"]]
    for version in (lib, french, lib.for_lang("zh")):
        assert version.reviewed == lib.reviewed and version.summit_places == lib.summit_places
        assert [s.id for s in version.summits] == [s.id for s in lib.summits]
        assert [d.id for d in version.developments] == [d.id for d in lib.developments]
