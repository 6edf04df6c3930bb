"""A reply's Block Kit blocks as terminal text, with its buttons as numbered choices; and what
the terminal tells us about itself: colours, time zone, language, where history goes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.answers.lookup import CJK
from bot.i18n import DEFAULT, from_locale
from bot.slack.plaintext import BOLD, NO_BOLD, Look, mrkdwn, plain

RULE = "─" * 40
_ANSI = re.compile(r"\x1b\][^\x1b]*\x1b\\|\x1b\[[0-9;]*m")


@dataclass(frozen=True)
class Choice:
    """A button, pressed by typing its number."""

    number: int
    label: str
    action_id: str
    value: str


@dataclass(frozen=True)
class Rendered:
    text: str
    choices: tuple[Choice, ...] = ()


def width(text: str) -> int:
    """Columns a string takes in a terminal: Chinese characters take two."""
    return sum(
        0
        if unicodedata.combining(ch)
        else 2
        if unicodedata.east_asian_width(ch) in ("W", "F")
        else 1
        for ch in text
    )


def _text(obj: Any, look: Look) -> str:
    if not isinstance(obj, dict):
        return ""
    value = str(obj.get("text", ""))
    return mrkdwn(value, look) if obj.get("type") == "mrkdwn" else plain(value)


def render_blocks(
    blocks: Sequence[Mapping[str, Any]], fallback: str, look: Look, first: int = 1
) -> Rendered:
    """Blocks as lines of terminal text; every button gets a number, counting from ``first``."""
    out: list[str] = []
    choices: list[Choice] = []

    def press(element: Mapping[str, Any]) -> str | None:
        if element.get("type") != "button":
            return None
        label = _text(element.get("text"), look)
        if element.get("url"):
            return mrkdwn(f"<{element['url']}|{label}>", look)
        number = first + len(choices)
        choices.append(
            Choice(number, label, str(element.get("action_id", "")), str(element.get("value", "")))
        )
        return f"{look.style(f'[{number}]', BOLD, NO_BOLD)} {label}"

    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            title = _text(block.get("text"), look)
            out += ["", look.style(title, BOLD, NO_BOLD), "=" * min(width(title), 80)]
        elif kind == "section":
            text = _text(block.get("text"), look)
            if text:
                out.append(text)
            fields = [_text(f, look) for f in block.get("fields") or []]
            out += [f"  {f}" for f in fields if f]
            accessory = block.get("accessory")
            if isinstance(accessory, dict):
                shown = press(accessory)
                if shown:
                    out.append(f"  {shown}")
        elif kind == "context":
            parts = [_text(e, look) for e in block.get("elements", [])]
            out.append("  " + " ".join(p for p in parts if p).replace("\n", "\n  "))
        elif kind == "actions":
            pressed = [s for s in (press(e) for e in block.get("elements", [])) if s]
            if pressed:
                out.append("  " + "   ".join(pressed))
        elif kind == "divider":
            out.append(RULE)
    if not blocks:
        out.append(mrkdwn(fallback, look))
    return Rendered("\n".join(out).strip("\n"), tuple(choices))


# --- what the terminal says about itself -------------------------------------------------------


def look_for(
    stream: TextIO,
    env: Mapping[str, str],
    zone: ZoneInfo,
    lang: str,
    names: Mapping[str, str] | None = None,
) -> Look:
    """Styles and hyperlinks only on a terminal; no styles with NO_COLOR (https://no-color.org)
    or TERM=dumb."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    dumb = env.get("TERM") == "dumb"
    return Look(
        ansi=tty and not dumb and not env.get("NO_COLOR"),
        links=tty and not dumb,
        zone=zone,
        lang=lang,
        names=dict(names or {}),
    )


def _zone(name: str) -> ZoneInfo | None:
    name = name.strip().removeprefix(":")
    if not name or name.startswith("/") or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_name(env: Mapping[str, str], etc: Path = Path("/etc")) -> str:
    """The terminal's IANA time zone: $TZ if it names one, else the system's, else UTC."""
    if env.get("TZ") and _zone(env["TZ"]):
        return env["TZ"].strip().removeprefix(":")
    try:
        name = (etc / "timezone").read_text(encoding="utf-8").strip()
        if _zone(name):
            return name
    except OSError:
        pass
    try:
        target = str((etc / "localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if _zone(name):
            return name
    return "UTC"


def terminal_lang(env: Mapping[str, str]) -> str:
    """The language of the terminal's locale (LC_ALL, LC_MESSAGES, LANG), English otherwise."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return from_locale(value.split(".")[0]) or DEFAULT
    return DEFAULT


def history_file(env: Mapping[str, str]) -> Path:
    """Where the shell keeps its line history (XDG base directories)."""
    state = env.get("XDG_STATE_HOME")
    base = Path(state) if state and Path(state).is_absolute() else None
    if base is None:
        base = Path(env.get("HOME") or Path.home()) / ".local" / "state"
    return base / "declaration-bot" / "history"


# --- fitting lines to the terminal's width -----------------------------------------------------

_PIECE = re.compile(
    r"(?P<esc>\x1b\][^\x1b]*\x1b\\|\x1b\[[0-9;]*m)"  # an OSC-8 link or an SGR style: no width
    r"|(?P<space> +)"
    rf"|(?P<cjk>[{CJK.pattern[1:-1]}\u3000-\u303f\uff00-\uffef])"  # one Chinese character
    rf"|(?P<word>(?:(?!\x1b| |[{CJK.pattern[1:-1]}\u3000-\u303f\uff00-\uffef]).)+)"
)


def wrap(text: str, columns: int) -> str:
    """Lines broken between words (or between Chinese characters) to fit ``columns``, with the
    continuation indented under the text of a bullet or quote. A word wider than the terminal
    (a long URL) keeps its own line whole."""
    if columns < 20:
        return text
    return "\n".join(_wrap_line(line, columns) for line in text.split("\n"))


def _wrap_line(line: str, columns: int) -> str:
    if width(_ANSI.sub("", line)) <= columns:
        return line
    bare = _ANSI.sub("", line)
    lead = len(bare) - len(bare.lstrip(" "))
    hang = lead + (2 if bare[lead:].startswith(("• ", "- ")) else 0)
    rows: list[str] = []
    row, used = "", 0
    pending, held = "", ""  # spaces and styles kept until the next word shows where it goes
    for m in _PIECE.finditer(line):
        piece = m.group(0)
        if m.group("esc"):
            held += piece
        elif m.group("space"):
            pending += piece
        else:
            w = width(piece)
            if used and used + len(pending) + w > columns:
                rows.append(row)
                row, used, pending = " " * hang, hang, ""
            row += pending + held + piece
            used += len(pending) + w
            pending = held = ""
    rows.append(row + held)
    return "\n".join(rows)
