"""Editing a copy of the content in tests, as a content editor would (English + translations)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

REVIEWED = date(2026, 12, 5)  # the day the shipped calendar was last checked


def add_summit(
    content: Path,
    sid: str,
    starts: date | str | None,
    ends: date | str | None = None,
    *,
    name: str | None = None,
    location: str = "Shanghai, China",
    series: str = "waic",
    extra: dict[str, str] | None = None,
    translate: bool = True,
    source_url: str = "https://example.org/news/announcement",
) -> None:
    """Append a summit to summits.yml and (unless ``translate`` is False) its French and Chinese
    text to the translations. ``extra`` adds fields, e.g. {"period": "2027-H1"}."""
    name = name or f"Summit {sid}"
    lines = [
        f"  - id: {sid}",
        f"    name: {name}",
        f"    series: {series}",
        f"    location: {location}",
    ]
    if starts:
        lines.append(f"    starts: {starts}")
    if ends:
        lines.append(f"    ends: {ends}")
    for key, value in (extra or {}).items():
        lines.append(f"    {key}: {value}")
    lines += [
        "    sources:",
        "      - title: Announcement",
        f"        url: {source_url}",
        "        publisher: Example",
        "        date: 2026-11-01",
        "        grade: C",
    ]
    _append(content / "summits.yml", lines)
    if not translate:
        return
    for lang, prefix in (("fr", "Sommet"), ("zh", "峰会")):
        tr = [f"  - id: {sid}", f"    name: {prefix} {name}", f"    location: {location}"]
        for key, value in (extra or {}).items():
            if key in ("note", "summary"):
                tr.append(f"    {key}: {value}")
        _append(content / "translations" / lang / "summits.yml", tr)


def _append(path: Path, lines: list[str]) -> None:
    path.write_text(path.read_text().rstrip("\n") + "\n" + "\n".join(lines) + "\n")
