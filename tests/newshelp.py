"""Editing the developments of a copy of the content in tests, as a content editor would."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

HEAD = "reviewed: 2026-11-27\ndevelopments:\n"


def no_developments(content: Path) -> None:
    """An empty timeline: tests say exactly which developments exist."""
    (content / "developments.yml").write_text(HEAD.replace("developments:\n", "developments: []\n"))


def add_development(
    content: Path,
    did: str,
    *,
    happened: date | str,
    added: date | str,
    title: str | None = None,
    summary: str | None = None,
    topics: Sequence[str] = ("bletchley",),
    events: Sequence[str] = (),
    grades: Sequence[str] = ("C",),
) -> None:
    """Append one development (one source per grade) to content/developments.yml."""
    path = content / "developments.yml"
    text = path.read_text() if path.exists() else HEAD
    if "developments: []" in text:
        text = text.replace("developments: []", "developments:")
    lines = [
        f"  - id: {did}",
        f"    date: {happened}",
        f'    title: "{title or f"Development {did}"}"',
        f'    summary: "{summary or f"What happened in {did}. A second sentence."}"',
        f"    topics: [{', '.join(topics)}]",
    ]
    if events:
        lines.append(f"    events: [{', '.join(events)}]")
    lines.append("    sources:")
    for i, grade in enumerate(grades):
        lines += [
            f'      - title: "Report {i + 1} on {did}"',
            f"        url: https://example.org/news/{did}/{i + 1}",
            f"        publisher: Publisher {i + 1}",
            f"        date: {happened}",
            f'        grade: "{grade}"',
        ]
    lines.append(f"    added: {added}")
    path.write_text(text.rstrip("\n") + "\n" + "\n".join(lines) + "\n")
