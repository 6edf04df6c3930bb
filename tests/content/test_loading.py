"""Where load_library points: each problem at the file and line that has it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from bot.content.library import Library
from bot.content.loading import load_library
from bot.content.problems import ContentError, Problem
from tests.contenthelp import add_summit


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


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_an_id_given_twice_is_named_at_its_second_line(content_copy: Path) -> None:
    """A series, an event or a development copied without changing its id: each second one is
    named at its own line and field, and nothing else is reported."""
    summits, devs = content_copy / "summits.yml", content_copy / "developments.yml"
    n = len(yaml.safe_load(summits.read_text())["summits"])
    _edit(summits, "  - id: ai-summit\n", "  - id: waic\n")
    add_summit(content_copy, "waic-2023", None)
    _edit(devs, "  - id: waic-2026-announced\n", "  - id: un-global-dialogue-geneva-session\n")
    dup = "  - id: un-global-dialogue-geneva-session"

    def second(path: Path, text: str) -> int:
        return [i for i, ln in enumerate(path.read_text().splitlines(), 1) if ln == text][1]

    assert [str(p) for p in _report(content_copy)] == [
        f"{summits}:{second(summits, '  - id: waic')}: series[1].id: duplicate series id 'waic'",
        f"{summits}:{second(summits, '  - id: waic-2023')}: summits[{n}].id: "
        "duplicate summit id 'waic-2023'",
        f"{devs}:{second(devs, dup)}: developments[1].id: duplicate development id '{dup[8:]}'",
    ]


def test_a_reference_to_an_unknown_id_lists_the_ids_that_exist(content_copy: Path) -> None:
    """A summit or a development naming a topic or an event that does not exist: the field, and
    every id it could have meant."""
    summits, devs = content_copy / "summits.yml", content_copy / "developments.yml"
    data = yaml.safe_load(summits.read_text())
    at = next(i for i, s in enumerate(data["summits"]) if s.get("topics"))
    _edit(summits, f"topics: [{data['summits'][at]['topics'][0]}", "topics: [france-china-a1")
    _edit(devs, "topics: [bletchley]", "topics: [bletchly]")
    _edit(devs, "events: [waic-2026]", "events: [waic-2062]")
    topics = "bletchley, france-china-ai, france-china-middle-east"
    events = ", ".join(sorted(s["id"] for s in data["summits"]))
    problems = _report(content_copy)
    assert [(Path(p.file).name, p.field, p.message) for p in problems] == [
        (
            "summits.yml",
            f"summits[{at}].topics[0]",
            f"no topic with id 'france-china-a1' (known: {topics})",
        ),
        (
            "developments.yml",
            "developments[1].events[0]",
            f"no summit with id 'waic-2062' (known: {events})",
        ),
        (
            "developments.yml",
            "developments[2].topics[0]",
            f"no topic with id 'bletchly' (known: {topics})",
        ),
    ]
    assert [p.line for p in problems] == [
        _line(summits, "    topics: [france-china-a1]"),
        _line(devs, "    events: [waic-2062]"),
        _line(devs, "    topics: [bletchly]"),
    ]


def test_without_summits_yml_the_editor_is_told_that_file_is_missing(content_copy: Path) -> None:
    """summits.yml is required: its absence is one problem, and what names events is not blamed."""
    summits = content_copy / "summits.yml"
    summits.unlink()
    problems = _report(content_copy)
    assert problems == [Problem(str(summits), None, "", "file not found")]
    assert str(problems[0]) == f"{summits}: file not found"


def test_without_developments_the_library_has_no_timeline(content_copy: Path) -> None:
    """developments.yml is optional: without it (and its translations) the content loads, with an
    empty timeline in every language and no date of review for it."""
    for lang in ("", "translations/fr/", "translations/zh/"):
        (content_copy / f"{lang}developments.yml").unlink()
    lib = load_library(content_copy)
    assert lib.developments == () and lib.for_lang("fr").developments == ()
    assert lib.timeline_reviewed is None
    assert not [w for w in lib.warnings if Path(w.file).name == "developments.yml"]


def test_a_name_repeated_empty_or_taken_is_named_at_its_field(content_copy: Path) -> None:
    """Aliases as an editor may get them wrong, in English or in a translation: the same alias
    twice (in any case), one with no letters, one that is another event's name."""
    summits = content_copy / "summits.yml"
    _edit(summits, "aliases: [waic 2023]", "aliases: [Waic 2023, WAIC 2023, '--', paris summit]")
    line = _line(summits, "    aliases: [Waic 2023, WAIC 2023, '--', paris summit]")
    paris = _line(summits, "    aliases: [paris summit, paris ai summit, ai action summit]")
    i = [s["id"] for s in yaml.safe_load(summits.read_text())["summits"]].index(
        "ai-action-summit-2025"
    )
    assert [str(p) for p in _report(content_copy)] == [
        f"{summits}:{line}: summits[0].aliases[1]: duplicate alias 'WAIC 2023'",
        f"{summits}:{line}: summits[0].aliases[2]: is empty",
        f"{summits}:{paris}: summits[{i}].aliases[0]: 'paris summit' is already a name of event "
        "'waic-2023': names must be unique across topics, events and series",
    ]
    _edit(summits, "aliases: [Waic 2023, WAIC 2023, '--', paris summit]", "aliases: [waic 2023]")
    french = content_copy / "translations" / "fr" / "summits.yml"
    _edit(french, "  - id: waic-2023\n", "  - id: waic-2023\n    aliases: [paris summit, '?!']\n")
    line = _line(french, "    aliases: [paris summit, '?!']")
    assert [str(p) for p in _report(content_copy)] == [
        f"{french}:{line}: summits[0].aliases[0]: 'paris summit' is already a name of event "
        "'ai-action-summit-2025': names must be unique across topics, events and series",
        f"{french}:{line}: summits[0].aliases[1]: is empty",
    ]


def _drop_series(path: Path, series: str) -> None:
    """Remove the entry of ``series`` from the `series:` list of a summits.yml."""
    text = path.read_text()
    start = text.index(f"  - id: {series}\n")
    end = min(text.index("\n  - id: ", start), text.index("\n\n", start)) + 1
    path.write_text(text[:start] + text[end:].removeprefix("\n"))


def test_a_series_without_an_entry_still_owns_its_id_as_a_name(content_copy: Path) -> None:
    """A series named by events but not listed under `series:` answers to its id: a topic that
    takes that name is refused once, at the first event of that series (not at every one)."""
    summits = content_copy / "summits.yml"
    for f in (summits, *(content_copy / "translations").glob("*/summits.yml")):
        _drop_series(f, "waic")
    _edit(content_copy / "topics" / "bletchley.yml", "aliases:\n", "aliases:\n  - WAIC\n")
    data = yaml.safe_load(summits.read_text())
    assert "waic" not in [x["id"] for x in data["series"]]
    waic = [k for k, s in enumerate(data["summits"]) if s["series"] == "waic"]
    assert len(waic) > 1
    i = waic[0]
    line = _line_after(summits, f"  - id: {data['summits'][i]['id']}", "    series: waic")
    assert [str(p) for p in _report(content_copy)] == [
        f"{summits}:{line}: summits[{i}].series: 'waic' is already a name of topic "
        "'bletchley': names must be unique across topics, events and series"
    ]


def _line_after(path: Path, first: str, text: str) -> int:
    lines = path.read_text().splitlines()
    return lines.index(text, lines.index(first)) + 1


def test_every_broken_topic_file_is_reported_not_only_the_first(content_copy: Path) -> None:
    """Two topic files broken at once: both are named, so the editor fixes them in one go."""
    topics = content_copy / "topics"
    _edit(topics / "bletchley.yml", "title:", "title: [unclosed")
    _edit(topics / "france-china-middle-east.yml", "id: france-china-middle-east", "id: Gaza!")
    problems = _report(content_copy)
    assert [(Path(p.file).name, p.field) for p in problems] == [
        ("bletchley.yml", ""),
        ("france-china-middle-east.yml", "id"),
    ]
    assert "not valid YAML" in problems[0].message
    assert problems[1] == Problem(
        str(topics / "france-china-middle-east.yml"),
        _line(topics / "france-china-middle-east.yml", "id: Gaza!"),
        "id",
        "must be lowercase letters, digits and single hyphens (e.g. waic-2027)",
    )


_CLASH = "names must be unique across topics, events and series"


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        pytest.param(
            [("topics/bletchley.yml", "aliases:\n", "aliases:\n  - ai summit\n")],
            [
                (f, "  - id: ai-summit", "series[1].id", "'ai-summit'", "topic 'bletchley'")
                for f in (
                    "summits.yml",
                    "translations/fr/summits.yml",
                    "translations/zh/summits.yml",
                )
            ],
            id="a series id, in every language, stays the first owner's",
        ),
        pytest.param(
            [("topics/bletchley.yml", "aliases:\n", "aliases:\n  - ai-summit-uae-2028\n")],
            [
                (
                    "summits.yml",
                    "  - id: ai-summit-uae-2028",
                    "summits[10].id",
                    "'ai-summit-uae-2028'",
                    "topic 'bletchley'",
                )
            ],
            id="an event id, given in English only",
        ),
        pytest.param(
            [
                (
                    "summits.yml",
                    "aliases: [waic 2023]",
                    "aliases: [france china joint statement on the situation in the middle east 6 may 2024]",
                )
            ],
            [
                (
                    "summits.yml",
                    "    aliases: [france china joint statement on the situation in the middle east 6 may 2024]",
                    "summits[0].aliases[0]",
                    "'france china joint statement on the situation in the middle east 6 may 2024'",
                    "topic 'france-china-middle-east'",
                )
            ],
            id="a topic title",
        ),
        pytest.param(
            [
                (
                    "translations/fr/topics/bletchley.yml",
                    "aliases:\n",
                    "aliases:\n  - paris summit\n",
                )
            ],
            [
                (
                    "summits.yml",
                    "    aliases: [paris summit, paris ai summit, ai action summit]",
                    "summits[7].aliases[0]",
                    "'paris summit'",
                    "topic 'bletchley'",
                )
            ],
            id="a translated topic alias",
        ),
        pytest.param(
            [
                (
                    "topics/bletchley.yml",
                    "aliases:\n",
                    "aliases:\n  - world artificial intelligence conference waic\n"
                    "  - india ai impact summit 2026\n",
                )
            ],
            [
                (
                    "summits.yml",
                    "    name: World Artificial Intelligence Conference (WAIC)",
                    "series[0].name",
                    "'World Artificial Intelligence Conference (WAIC)'",
                    "topic 'bletchley'",
                ),
                (
                    "summits.yml",
                    "    name: India AI Impact Summit 2026",
                    "summits[8].name",
                    "'India AI Impact Summit 2026'",
                    "topic 'bletchley'",
                ),
            ],
            id="a series name and an event name",
        ),
    ],
)
def test_every_name_in_every_file_leads_to_one_thing_only(
    content_copy: Path,
    edits: list[tuple[str, str, str]],
    expected: list[tuple[str, str, str, str, str]],
) -> None:
    """What a user can type (ids of series and events, topic titles, aliases in any language)
    must lead to one thing: a name given twice is named where it is given again, saying what
    it already leads to."""
    for rel, old, new in edits:
        _edit(content_copy / rel, old, new)
    assert _report(content_copy) == [
        Problem(
            str(content_copy / rel),
            _line(content_copy / rel, where),
            field,
            f"{name} is already a name of {owner}: {_CLASH}",
        )
        for rel, where, field, name, owner in expected
    ]


def test_every_version_of_a_topic_answers_to_its_aliases_in_every_language(
    library: Library,
) -> None:
    """A reader may type a topic's alias in any language, whatever their own: the English topic
    and each translation answer to every language's aliases."""
    for topic in library.topics:
        every = [*topic.aliases]
        for lang in ("fr", "zh"):
            path = library.directory / "translations" / lang / "topics" / f"{topic.id}.yml"
            own = yaml.safe_load(path.read_text())["aliases"]
            assert own and set(own) <= set(every), (lang, topic.id)
            translated = library.for_lang(lang).topic(topic.id)
            assert translated is not None and translated.aliases == every
        english = yaml.safe_load((library.directory / "topics" / f"{topic.id}.yml").read_text())
        assert every[: len(english["aliases"])] == english["aliases"]


def test_developments_of_the_same_day_keep_one_order_whatever_the_file_order(
    content_copy: Path, library: Library
) -> None:
    """The timeline is newest first, and one day's developments in a fixed order (by id), so
    moving an entry within the file does not reorder what readers see."""
    f = content_copy / "developments.yml"
    text = f.read_text()
    first, second = "  - id: uae-to-host-2028\n", "  - id: new-delhi-declaration\n"
    a, b = text.index(first), text.index(second)
    end = text.index("\n  - id: ", b) + 1
    assert a < b and yaml.safe_load(text[a:b])[0]["date"] == yaml.safe_load(text[b:end])[0]["date"]
    f.write_text(text[:a] + text[b:end] + text[a:b] + text[end:])
    moved = load_library(content_copy)
    assert [d.id for d in moved.developments] == [d.id for d in library.developments]


def test_a_new_topic_taking_an_existing_topic_s_names_is_told_at_each_field(
    content_copy: Path,
) -> None:
    """A topic added with an id, a title and an alias that another topic already answers to:
    each is named at its own line and field in the new file."""
    topics = content_copy / "topics"
    text = (topics / "france-china-middle-east.yml").read_text()
    text = text.replace("id: france-china-middle-east\n", "id: sino-french-ai\n")
    text = re.sub(r"\ntitle: .*\n", "\ntitle: France–China\n", text)
    text = re.sub(r"\naliases:\n(  - .*\n)+", "\naliases:\n  - Franco-Chinese AI\n", text)
    new = topics / "sino-french-ai.yml"
    new.write_text(text)
    owner = "topic 'france-china-ai'"
    assert _report(content_copy) == [
        Problem(str(new), _line(new, line), field, f"{name} is already a name of {owner}: {_CLASH}")
        for line, field, name in [
            ("id: sino-french-ai", "id", "'sino-french-ai'"),
            ("title: France–China", "title", "'France–China'"),
            ("  - Franco-Chinese AI", "aliases[0]", "'Franco-Chinese AI'"),
        ]
    ]


def test_a_broken_developments_file_is_reported_like_any_other(content_copy: Path) -> None:
    """A mistake in developments.yml is named at its line and field, like in any other file."""
    f = content_copy / "developments.yml"
    _edit(f, "  - id: waic-2026-announced\n", "  - id: waic-2026-announced\n    tilte: x\n")
    problems = _report(content_copy)
    assert [(p.file, p.line, p.field) for p in problems] == [
        (str(f), _line(f, "    tilte: x"), "developments[1].tilte")
    ]
    assert problems[0].message.startswith("unknown field")


def test_a_series_entry_left_out_of_english_but_kept_in_translations_still_loads(
    content_copy: Path,
) -> None:
    """Series entries are optional: removing one from summits.yml while the translations keep
    theirs is not a name clash (the id still leads to the same series); the content loads."""
    summits = content_copy / "summits.yml"
    text = summits.read_text()
    _drop_series(summits, "ai-for-good")
    lib = load_library(content_copy)
    assert [x.id for x in lib.series] == ["waic", "ai-summit", "un-global-dialogue"]
    assert [s.id for s in lib.editions("ai-for-good")] == [
        s["id"] for s in yaml.safe_load(text)["summits"] if s["series"] == "ai-for-good"
    ]
