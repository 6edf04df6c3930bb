"""A reply as Slack would render it, in tests: every string it shows, and Slack's limits."""

from __future__ import annotations

import json
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
