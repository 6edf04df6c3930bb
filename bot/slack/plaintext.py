"""Slack's mrkdwn as terminal text: no markup left, dates written in the terminal's zone.

``*bold*`` and ``_italic_`` become ANSI styles on a terminal and nothing when piped; backticks go;
``:emoji:`` codes become a symbol or nothing; ``> `` quotes are indented; ``<url|label>`` reads
"label (url)", the label an OSC-8 hyperlink on a terminal; ``<!date^…>`` is written for the
reply's language in the terminal's zone; ``<#C…>`` and ``<@U…>`` become names. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.i18n import human_date, human_instant

ESC = "\x1b"
BOLD, NO_BOLD = f"{ESC}[1m", f"{ESC}[22m"
ITALIC, NO_ITALIC = f"{ESC}[3m", f"{ESC}[23m"
CODE, NO_CODE = f"{ESC}[36m", f"{ESC}[39m"
STRIKE, NO_STRIKE = f"{ESC}[9m", f"{ESC}[29m"

# symbols for the emoji codes the bot writes; any other code is dropped
EMOJI = {
    "warning": "⚠",
    "white_check_mark": "✔",
    "heavy_check_mark": "✔",
    "lock": "🔒",
    "double_vertical_bar": "⏸",
    "alarm_clock": "⏰",
    "calendar": "📅",
    "date": "📅",
    "x": "✘",
    "information_source": "ℹ",
}

_ANGLE = re.compile(r"<([^<>\n]*)>")
# control characters (C0 but tab and newline, DEL, C1): never sent to the terminal from content
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CODE = re.compile(r"(?<![^\W_]|`)`([^`\n]+)`(?![^\W_]|`)")  # may sit inside _italic_
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]+?)(?<=\S)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?=\S)([^~\n]+?)(?<=\S)~(?![\w~])")
_EMOJI = re.compile(r":([a-z][a-z0-9_+-]*):( ?)")  # a dropped code takes its space with it
_HOLE = re.compile("\ue000(\\d+)\ue001")  # where a rendered <…> token goes back in
_ZWSP = "\u200b"


@dataclass(frozen=True)
class Look:
    """How to write text for this terminal."""

    ansi: bool = False  # SGR styles: bold, italic, colour (off when piped or NO_COLOR is set)
    links: bool = False  # OSC-8 hyperlinks (on a terminal)
    zone: ZoneInfo = field(default_factory=lambda: ZoneInfo("UTC"))
    lang: str = "en"
    names: Mapping[str, str] = field(default_factory=dict)  # channel and user ids to names

    def style(self, text: str, on: str, off: str) -> str:
        return f"{on}{text}{off}" if self.ansi and text else text


def clean(text: str) -> str:
    """Text that cannot move the cursor or restyle the terminal: control characters removed."""
    return _CONTROL.sub("", text)


def unescape(text: str) -> str:
    """Slack's three escapes undone (``&amp;`` last, so ``&amp;lt;`` stays ``&lt;``)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def instant(ts: int, look: Look) -> str:
    """An instant written for the language in the terminal's zone: 1 Dec 2026 at 09:00 CET."""
    return unescape(human_instant(datetime.fromtimestamp(ts, UTC), look.lang, look.zone))


def _date_token(body: str, look: Look) -> str:
    # !date^<unix>^<format>[^<link>]|<fallback>
    head, _, fallback = body.partition("|")
    parts = head.split("^")
    try:
        ts = int(parts[1])
    except (IndexError, ValueError):
        return unescape(fallback)
    fmt = parts[2] if len(parts) > 2 else ""
    if "{time" in fmt:
        return instant(ts, look)
    # a calendar day: the bot sends noon UTC of that day, the same day in every zone
    return human_date(datetime.fromtimestamp(ts, UTC).date(), look.lang)


def _link(url: str, label: str, look: Look) -> str:
    url, label = unescape(url), unescape(label)
    if label in ("", url) or label == url.removeprefix("mailto:"):
        shown = url
        return f"{ESC}]8;;{url}{ESC}\\{shown}{ESC}]8;;{ESC}\\" if look.links else shown
    if look.links:
        return f"{ESC}]8;;{url}{ESC}\\{label}{ESC}]8;;{ESC}\\ ({url})"
    return f"{label} ({url})"


def _token(body: str, look: Look) -> str:
    """One ``<…>`` of Slack's: a date, channel, user, special mention or link."""
    if body.startswith("!date^"):
        return _date_token(body, look)
    target, _, label = body.partition("|")
    if target.startswith("#"):
        return "#" + unescape(label or look.names.get(target[1:], target[1:]))
    if target.startswith("@"):
        return "@" + unescape(label or look.names.get(target[1:], target[1:]))
    if target.startswith("!"):
        return unescape(label) or "@" + target[1:].split("^")[0]
    if "://" not in target and not target.startswith("mailto:"):
        return f"<{body}>"  # a placeholder such as `search <words>`, shown as written
    return _link(target, label, look)


def _inline(text: str, look: Look) -> str:
    """Bold, italic, strike and code spans to styles (or to nothing), emoji codes to symbols."""
    codes: list[str] = []

    def keep_code(m: re.Match[str]) -> str:
        codes.append(look.style(m.group(1), CODE, NO_CODE))
        return f"\ue002{len(codes) - 1}\ue003"

    text = _CODE.sub(keep_code, text)
    text = _BOLD.sub(lambda m: look.style(m.group(1), BOLD, NO_BOLD), text)
    text = _ITALIC.sub(lambda m: look.style(m.group(1), ITALIC, NO_ITALIC), text)
    text = _STRIKE.sub(lambda m: look.style(m.group(1), STRIKE, NO_STRIKE), text)
    text = _EMOJI.sub(lambda m: EMOJI[m.group(1)] + m.group(2) if m.group(1) in EMOJI else "", text)
    return re.sub("\ue002(\\d+)\ue003", lambda m: codes[int(m.group(1))], text)


def mrkdwn(text: str, look: Look | None = None) -> str:
    """A mrkdwn string as terminal text."""
    look = look or Look()
    text = clean(text)
    tokens: list[str] = []

    def hole(m: re.Match[str]) -> str:
        tokens.append(_token(m.group(1), look))
        return f"\ue000{len(tokens) - 1}\ue001"

    text = _ANGLE.sub(hole, text)
    lines = []
    for line in text.split("\n"):
        quoted = line.startswith(">")
        if quoted:
            line = line[1:].removeprefix(" ")
        line = _inline(line, look)
        lines.append(("    " + line) if quoted else line)
    out = "\n".join(lines)
    out = _HOLE.sub(lambda m: tokens[int(m.group(1))], out)
    return unescape(out).replace(_ZWSP, "")


def plain(text: str) -> str:
    """Plain text (a header, a button label): control characters out, no invisible marks."""
    return clean(text).replace(_ZWSP, "")
