"""A local shell: type ``/declaration …`` lines and read the replies, no Slack needed."""

from __future__ import annotations

import sys
from typing import TextIO

from bot import core
from bot.clock import Clock, today
from bot.content import Library
from bot.plaintext import reply_to_text
from bot.render import COMMAND

BANNER = (
    "declaration-bot shell: no Slack needed. Type `/declaration help` (or just `help`), "
    "Ctrl-D to quit.\n"
)


def answer(line: str, library: Library, clock: Clock) -> str | None:
    """The printed answer to one line of input; None for a blank line."""
    line = line.strip()
    if not line:
        return None
    if line.startswith("/"):
        command, _, text = line.partition(" ")
        if command.lower() != COMMAND:
            return f"This shell knows one command, {COMMAND}: try `{COMMAND} help`.\n"
    else:
        text = line
    return reply_to_text(core.reply_to(text, library, today(clock)))


def run(library: Library, clock: Clock, stdin: TextIO, stdout: TextIO) -> int:
    interactive = stdin.isatty()
    if interactive:
        stdout.write(BANNER)
    while True:
        if interactive:
            stdout.write("declaration> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            if interactive:
                stdout.write("\n")
            return 0
        if line.strip() in {"exit", "quit"}:
            return 0
        out = answer(line, library, clock)
        if out is not None:
            stdout.write(out + "\n")
            stdout.flush()


def main(library: Library, clock: Clock) -> int:
    return run(library, clock, sys.stdin, sys.stdout)
