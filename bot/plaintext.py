"""Showing a reply as terminal text, for the local shell."""

from __future__ import annotations

import html
import re
from typing import Any

from bot.render import Reply

_LINK = re.compile(r"<(https?://[^|>]+)\|([^>]*)>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")


def mrkdwn_to_text(text: str) -> str:
    text = _DATE.sub(r"\1", text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})", text)
    return html.unescape(text) if "&" in text else text


def _text_of(obj: Any) -> str:
    if isinstance(obj, dict):
        return mrkdwn_to_text(str(obj.get("text", "")))
    return ""


def reply_to_text(reply: Reply) -> str:
    out: list[str] = []
    if reply.response_type == "in_channel":
        out.append("[posted to the channel for everyone]")
    for block in reply.blocks_json():
        kind = block.get("type")
        if kind == "header":
            title = _text_of(block["text"])
            out += ["", title, "=" * min(len(title), 80)]
        elif kind == "section":
            out.append(_text_of(block.get("text")))
            accessory = block.get("accessory")
            if accessory and accessory.get("type") == "button":
                out.append(f"  [{_text_of(accessory['text'])}]")
        elif kind == "context":
            out.append("  " + " ".join(_text_of(e) for e in block.get("elements", [])))
        elif kind == "actions":
            buttons = [f"[{_text_of(e.get('text'))}]" for e in block.get("elements", [])]
            out.append("  " + " ".join(buttons))
        elif kind == "divider":
            out.append("-" * 40)
    if not reply.blocks:
        out.append(mrkdwn_to_text(reply.text))
    return "\n".join(out).strip("\n") + "\n"
