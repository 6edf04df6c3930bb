"""Where load_library points: each problem at the file and line that has it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content.loading import load_library
from bot.content.problems import ContentError


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
