"""The mrkdwn writer: every string the bot sends as Slack mrkdwn is finished here.

- ``escape`` makes text inert: ``&``, ``<`` and ``>`` become ``&amp;``, ``&lt;``, ``&gt;``. Phrases
  from the catalogue are escaped once, in :func:`bot.i18n.t`; content and user text by whoever
  inserts them. Control sequences (``<#C1>``, ``<@U1>``, ``<!date^…>``, ``<url|label>``) are made
  only by the builders here, ``blocks.link`` and ``bot.i18n.slack_datetime``, after escaping, and
  inserted as values.
- ``emphasis`` pads every ``*bold*`` and ``_italic_`` against a character Slack does not take as
  a word boundary (Chinese, full-width punctuation): ``*30天后*开幕`` would print its asterisks.
- ``md`` is the one way a mrkdwn text object is made, so both apply to every section and context.
- Calendar days are plain text in the reader's language (``bot.i18n.human_date``); ``<!date>`` is
  only for instants (``bot.i18n.slack_datetime``), whose format and fallback are written per
  language. Those two live with the languages, so that this module imports nothing of the bot's.
"""

from __future__ import annotations

import re

from slack_sdk.models.blocks import MarkdownTextObject

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_ESCAPE_RE = re.compile(r"[&<>]")
ZWSP = "\u200b"  # an invisible boundary: Slack only reads *bold* next to a space or punctuation


def escape(text: str) -> str:
    """Escape text for mrkdwn so that nothing in it becomes a mention, a link or a command.

    ``<!channel>``, ``<!here>``, ``<@U123>`` and ``<url|label>`` are all made inert by escaping
    ``&``, ``<`` and ``>``, which is what Slack asks of any text that is not a control sequence.
    """
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)


# what emphasis never reaches into: code spans, <…> control sequences, :emoji: codes
_OPAQUE = re.compile(r"`[^`\n]*`|<[^<>\n]*>|:[a-z0-9][a-z0-9_+-]*:")
_HOLE = re.compile("\ue000(\\d+)\ue001")
# a span's edges are neither a space nor the boundary itself: "_\u200b_" is no span (padding it
# again would add a boundary each time)
_PAIRS = (
    re.compile(r"\*([^*\s\u200b](?:[^*\n]*[^*\s\u200b])?)\*"),
    re.compile(r"_([^_\s\u200b](?:[^_\n]*[^_\s\u200b])?)_"),
)


def _against(neighbour: str) -> bool:
    """Whether Slack would not take ``neighbour`` as the edge of a word: a character outside
    ASCII that is not a space (Chinese, ``：``, ``。``, curly quotes). An ASCII letter is left as it
    is: ``snake_case_words`` are not meant to be italic."""
    return (
        bool(neighbour)
        and ord(neighbour) > 127
        and not neighbour.isspace()
        and (neighbour not in (ZWSP, "\ue000", "\ue001"))
    )


def _glued(neighbour: str, edge: str) -> bool:
    """Whether a span whose own edge is not ASCII (``*时间：*``) touches a letter, a digit or
    another marker outside (``*时间：*2027``, ``*主题：**宣言*``): with no word edge on either side,
    Slack prints the markers. ASCII spans are left alone (``snake_case_words``)."""
    return (
        bool(neighbour)
        and ord(edge) > 127
        and not edge.isspace()
        and (neighbour.isascii() and (neighbour.isalnum() or neighbour in "*_"))
    )


def emphasis(text: str) -> str:
    """``*bold*`` and ``_italic_`` padded with an invisible boundary where Slack needs one.

    Idempotent: a boundary already there is kept, never doubled."""
    if "*" not in text and "_" not in text:
        return text
    held: list[str] = []

    def hold(m: re.Match[str]) -> str:
        held.append(m.group(0))
        return f"\ue000{len(held) - 1}\ue001"

    masked = _OPAQUE.sub(hold, text)
    for pair in _PAIRS:
        out: list[str] = []
        pos = 0
        for m in pair.finditer(masked):
            before = masked[m.start() - 1] if m.start() else ""
            after = masked[m.end()] if m.end() < len(masked) else ""
            out.append(masked[pos : m.start()])
            inner = m.group(1)
            out.append(ZWSP if _against(before) or _glued(before, inner[0]) else "")
            out.append(m.group(0))
            out.append(ZWSP if _against(after) or _glued(after, inner[-1]) else "")
            pos = m.end()
        out.append(masked[pos:])
        masked = "".join(out)
    return _HOLE.sub(lambda m: held[int(m.group(1))], masked)


def md(text: str, limit: int = 3000) -> MarkdownTextObject:
    """A mrkdwn text object: emphasis padded, at most ``limit`` characters."""
    return MarkdownTextObject(text=truncate(emphasis(text), limit))


def quote_user_text(text: str, limit: int = 100) -> str:
    """User text shown back to them: escaped, on one line, shortened, in quotes."""
    one_line = " ".join(text.split())
    return f"“{escape(truncate(one_line, limit))}”"


def truncate(text: str, limit: int) -> str:
    """Cut text to at most ``limit`` characters, ending with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)].rstrip()
    return cut + "…"
