"""Where load_library points: each problem at the file and line that has it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.content import ContentError, load_library


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
