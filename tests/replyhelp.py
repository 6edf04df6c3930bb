"""A reply as Slack would render it, in tests: every string it shows, and Slack's limits."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from bot.slack.payloads import Reply

TODAY = date(2026, 11, 26)


def texts(reply: Reply) -> list[str]:
    """Every string Slack would render from a reply (fallback text and all block texts)."""
    out = [reply.text]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(reply.blocks_json())
    return out


def within_limits(reply: Reply) -> None:
    blocks = reply.blocks_json()  # raises on any element over Slack's limits
    assert 1 <= len(blocks) <= 50
    assert len(reply.text) <= 4000
    for block in blocks:
        if block["type"] == "section" and "text" in block:
            assert 1 <= len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
    assert len(json.dumps(blocks)) < 50_000


_LINK = re.compile(r"<[^<>|]*\|([^<>]*)>")


def characters_shown(blocks: Any) -> int:
    """How many characters a reader sees in a message's blocks: every text (sections, fields,
    context lines, headers, button labels), each link counted by its label only."""
    seen: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    seen.append(_LINK.sub(r"\1", value))
                elif key not in ("url", "value", "action_id", "block_id"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(blocks) if isinstance(blocks, str) else blocks)
    return sum(len(text) for text in seen)
