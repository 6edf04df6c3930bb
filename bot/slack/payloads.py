"""A reply and the one place that turns it into what Slack takes: a message's keyword arguments,
or a command's HTTP response body. Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from slack_sdk.models.blocks import Block

ResponseType = Literal["ephemeral", "in_channel"]


@dataclass(frozen=True)
class Reply:
    """What the bot answers: Block Kit blocks plus the plain-text fallback."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)
    response_type: ResponseType = "ephemeral"

    def blocks_json(self) -> list[dict[str, Any]]:
        """The blocks as Slack JSON; validates every element's limits on the way."""
        return [b.to_dict() for b in self.blocks]


def payload(
    reply: Reply,
    *,
    response_type: ResponseType | None = None,
    replace_original: bool | None = None,
) -> dict[str, Any]:
    """A reply as Slack takes it, the one place that turns one into a message: ``text`` and
    ``blocks`` (the keyword arguments of ``chat.postMessage`` and ``chat.postEphemeral``), with
    ``response_type`` (a command's response body, a ``response_url`` message) and
    ``replace_original`` (a ``response_url`` answer to a button) when they are given."""
    message: dict[str, Any] = {"text": reply.text, "blocks": reply.blocks_json()}
    if response_type is not None:
        message["response_type"] = response_type
    if replace_original is not None:
        message["replace_original"] = replace_original
    return message


# characters outside ASCII are written as themselves only if that makes a body this much smaller
WRITTEN_IF_SMALLER = 0.9


def response_body(reply: Reply, *, response_type: ResponseType | None = None) -> str:
    """:func:`payload` as a command's HTTP response body: compact JSON (no spaces after
    separators). Characters outside ASCII are written as themselves when that makes the body at
    least a tenth smaller (Chinese: a third), else as \\u escapes (English, French: 2 to 5 %
    larger). A text that is all ASCII goes on the wire as it is stored; any other is encoded to
    UTF-8 again for every request (5 µs for an English answer, more than its few bytes cost)."""
    message = payload(reply, response_type=response_type)
    escaped = json.dumps(message, separators=(",", ":"))
    # each \\uXXXX written as itself saves 3 or 4 bytes (UTF-8 takes 2 or 3 for it)
    if 3 * escaped.count("\\u") < (1 - WRITTEN_IF_SMALLER) * len(escaped):
        return escaped
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))
