"""Block Kit primitives (``slack_sdk.models.blocks``) within Slack's limits: sections, context
lines, buttons, links, the plain-text fallback and the cap on a message's blocks. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    SectionBlock,
)

from bot.i18n import t
from bot.slack.mrkdwn import escape, md, truncate

MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000


def section(text: str, expand: bool = False) -> SectionBlock:
    """A section of mrkdwn; ``expand``: shown whole, never behind Slack's "See more"."""
    return SectionBlock(text=md(text, SECTION_LIMIT), expand=True if expand else None)


def sections(heading: str, lines: Iterable[str], expand: bool = False) -> list[SectionBlock]:
    """A heading and bullet lines, split over as many sections as Slack's 3000 chars need;
    ``expand``: each shown whole."""
    blocks: list[SectionBlock] = []
    current = heading
    for line in lines:
        line = truncate(line, SECTION_LIMIT - 10)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            blocks.append(section(current, expand))
            current = line
        else:
            current = candidate
    if current:
        blocks.append(section(current, expand))
    return blocks


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[md(text, SECTION_LIMIT)])


def button(text: str, action_id: str, value: str, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=truncate(text, 75),
        action_id=action_id[:255],
        value=value[:2000],
        style="primary" if primary else None,
    )


def link_button(text: str, action_id: str, url: str) -> ButtonElement:
    """A button that opens ``url`` (at most 3000 characters); Slack still sends the app a press,
    which is acknowledged (handlers/actions.py)."""
    return ButtonElement(text=truncate(text, 75), action_id=action_id[:255], url=url[:3000])


def link(url: str, label: str) -> str:
    # the label is escaped; "|" and ">" cannot end the link early once escaped or replaced
    return f"<{escape(url)}|{escape(label).replace('|', '¦')}>"


def fallback(*parts: str) -> str:
    return truncate(" ".join(p for p in parts if p), FALLBACK_LIMIT)


_LINK = re.compile(r"<([^<>|]*)\|([^<>]*)>")


def shown_text(blocks: Sequence[Block | dict[str, Any]]) -> str:
    """Every text a reader sees in ``blocks`` (sections, context lines, headers, button labels),
    one per line, a link counted by its label: what the lengths of posts are measured on."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    found.append(_LINK.sub(r"\2", value))
                elif key not in ("url", "value", "action_id", "block_id"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk([b.to_dict() if isinstance(b, Block) else b for b in blocks])
    return "\n".join(found)


def shown_length(blocks: Sequence[Block | dict[str, Any]]) -> int:
    """How many characters a reader sees in ``blocks`` (:func:`shown_text`)."""
    return len(shown_text(blocks))


def cap(blocks: list[Block], lang: str = "en") -> list[Block]:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], context(t(lang, "blocks.shortened"))]
