"""The shell commands README.md and the guides in docs/ tell a reader to type, read from the pages
themselves.

Commands are, on each page: every line of a ```sh block, every `$ ` line of a ```text block, the
Procfile lines, the rows of the table under "The command line" (docs/configuration.md), and a piped
example in the text. `make run` is
what the Makefile's `run` target runs. Placeholders (`…`, `$(…)`, `N`, `DIR`, `[optional]`) are
left as written; the tests fill them in.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"  # every guide the README links to: their commands too
_ASSIGN = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")
_PROGRAM = re.compile(r"(^|/)declaration-bot$")


@dataclass(frozen=True)
class Command:
    text: str  # as the README writes it (continuation lines joined)
    env: tuple[tuple[str, str], ...]  # NAME=value before the command, in order
    args: tuple[str, ...]  # the declaration-bot arguments, placeholders kept
    stdin: str | None = None  # what is piped in, if anything


def make_run_args(makefile: Path = ROOT / "Makefile") -> tuple[str, ...]:
    """The arguments `make run` gives declaration-bot, from the Makefile's `run` recipe."""
    lines = makefile.read_text().splitlines()
    start = lines.index(next(line for line in lines if line.startswith("run:")))
    recipe = lines[start + 1].strip()
    words = shlex.split(recipe)
    assert _PROGRAM.search(words[0]), recipe
    return tuple(words[1:])


def _substitutions(line: str) -> str:
    """Replace each `$(…)` (nested parentheses included) with one word, `$(…)`."""
    out, i = [], 0
    while i < len(line):
        if line.startswith("$(", i):
            depth, j = 0, i + 1
            while j < len(line):
                depth += {"(": 1, ")": -1}.get(line[j], 0)
                if depth == 0:
                    break
                j += 1
            out.append("$(…)")
            i = j + 1
        else:
            out.append(line[i])
            i += 1
    return "".join(out)


def parse(line: str, stdin: str | None = None) -> Command | None:
    """The command on one (joined) line, or None if it runs neither make run nor the bot."""
    text = re.split(r"\s+#\s", line.strip())[0]  # without a trailing comment
    words = shlex.split(_substitutions(text), comments=True)
    env: list[tuple[str, str]] = []
    while words and (m := _ASSIGN.match(words[0])):
        env.append((m.group(1), m.group(2)))
        words.pop(0)
    if words[:2] == ["make", "run"] and len(words) == 2:
        return Command(text, tuple(env), make_run_args(), stdin)
    if words and _PROGRAM.search(words[0]):
        return Command(text, tuple(env), tuple(words[1:]), stdin)
    return None


def commands(readme: Path | None = None) -> list[Command]:
    """The commands of ``readme``; by default of README.md and every guide in docs/."""
    pages = [readme] if readme is not None else [README, *sorted(DOCS.glob("*.md"))]
    found = [command for page in pages for command in _page_commands(page)]
    unique: dict[tuple[object, ...], Command] = {}
    for command in found:
        unique.setdefault((command.env, command.args, command.stdin), command)
    return list(unique.values())


def _page_commands(readme: Path) -> list[Command]:
    found: list[Command] = []
    heading = ""
    block: str | None = None
    pending = ""
    for raw in readme.read_text().splitlines():
        stripped = raw.strip()
        if block is None:
            if stripped.startswith("#"):
                heading = stripped.lstrip("#").strip()
            elif stripped.startswith("```"):
                block = stripped[3:].strip()
            else:
                for echo, program in re.findall(r'`echo "([^"`]*)" \| ([^`]+)`', raw):
                    command = parse(program, stdin=echo + "\n")
                    if command is not None:
                        found.append(command)
            continue
        if stripped.startswith("```"):
            block = None
            continue
        line = pending + stripped
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        pending = ""
        candidate: str | None = None
        if block == "sh":
            candidate = line
        elif line.startswith("$ "):
            candidate = line[2:]
        elif re.match(r"^[a-z]+: declaration-bot ", line):  # a Procfile line
            candidate = line.split(": ", 1)[1]
        elif heading == "The command line" and line.startswith("declaration-bot "):
            candidate = re.split(r"\s{2,}", line)[0]  # the table's first column
        command = parse(candidate) if candidate else None
        if command is not None:
            found.append(command)
    return found
