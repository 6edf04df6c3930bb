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


def no_revisions_after(content: Path, after: date) -> None:
    """Date every topic and event revised after ``after`` to that day, so that only what a test
    adds is new in the digests of the days it looks at."""
    for path in [content / "summits.yml", *sorted((content / "topics").glob("*.yml"))]:
        out = []
        for line in path.read_text().splitlines():
            key, _, value = line.strip().partition(":")
            if key == "updated" and date.fromisoformat(value.strip()) > after:
                line = line.replace(value.strip(), after.isoformat())
            out.append(line)
        path.write_text("\n".join(out) + "\n")


def no_upcoming_dates(content: Path, after: date) -> None:
    """Leave out the dates of every summit starting after ``after`` (as for one whose dates are
    not announced), so that no reminder falls on the days a test looks at."""
    path = content / "summits.yml"
    out: list[str] = []
    dropping = False
    for line in path.read_text().splitlines():
        key, _, value = line.strip().partition(":")
        if key == "starts":
            dropping = date.fromisoformat(value.strip()) > after
        elif key == "ends" and dropping:
            continue
        elif key == "id" or line.lstrip().startswith("- id:"):
            dropping = False
        if key == "starts" and dropping:
            continue
        out.append(line)
    path.write_text("\n".join(out) + "\n")
