"""What Slack refuses and what it renders wrongly, checked on a payload: the rules the fake Slack
(tests/fakeslack.py) applies to every message, view and response it receives, and that tests can
apply to a reply directly.

Two kinds of rule, each citing where it comes from:

- ``block_errors``: what Slack refuses (``invalid_blocks``, ``msg_too_long``): block and element
  types, required fields and length limits. Sources: Slack's Block Kit reference
  (https://api.slack.com/reference/block-kit/blocks, .../block-elements,
  .../composition-objects), its published type definitions (slack_sdk.models.blocks checks the
  same limits in ``to_dict()``), and SLACK.md "Block Kit limits" (shared with the project).
- ``mrkdwn_problems``: what Slack accepts but shows wrongly (a lint). Sources: "Formatting text
  for app surfaces" (https://api.slack.com/reference/surfaces/formatting): escaping ``&<>``,
  emphasis needs a space or punctuation around it, ``<!date>`` shows each reader's own zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# --- what Slack refuses ------------------------------------------------------------------------

# https://api.slack.com/reference/block-kit/blocks: "You can include up to 50 blocks in each
# message, and 100 blocks in modals or Home tabs" (SLACK.md "Block Kit limits")
MESSAGE_BLOCKS = 50
VIEW_BLOCKS = 100
# https://api.slack.com/methods/chat.postMessage#truncating: text over 40,000 characters is
# refused with msg_too_long (SLACK.md asks us to keep the fallback under 4000)
MESSAGE_TEXT = 40_000

# https://api.slack.com/reference/block-kit/blocks: the block types, and where each may appear
MESSAGE_BLOCK_TYPES = frozenset(
    {"section", "divider", "header", "context", "actions", "image", "rich_text", "markdown",
     "video", "file", "input"}
)  # fmt: skip
VIEW_BLOCK_TYPES = MESSAGE_BLOCK_TYPES - {"file", "markdown"}
# https://api.slack.com/reference/block-kit/block-elements: interactive elements
ELEMENT_TYPES = frozenset(
    {"button", "checkboxes", "datepicker", "datetimepicker", "email_text_input", "image",
     "multi_static_select", "multi_external_select", "multi_users_select",
     "multi_conversations_select", "multi_channels_select", "number_input", "overflow",
     "plain_text_input", "radio_buttons", "static_select", "external_select", "users_select",
     "conversations_select", "channels_select", "timepicker", "url_text_input",
     "rich_text_input", "file_input"}
)  # fmt: skip
SELECTS = frozenset({"static_select", "multi_static_select"})


def _text_errors(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> list[str]:
    """A composition text object: https://api.slack.com/reference/block-kit/composition-objects#text
    (``type`` plain_text or mrkdwn, ``text`` at least 1 character; limits set by the field)."""
    if not isinstance(obj, dict):
        return [f"{where}: not a text object"]
    kind, text = obj.get("type"), obj.get("text")
    if kind not in ("plain_text", "mrkdwn") or (plain_only and kind != "plain_text"):
        return [f"{where}: text type {kind!r}"]
    if not isinstance(text, str) or not text:
        return [f"{where}: empty text"]
    if len(text) > limit:
        return [f"{where}: text longer than {limit} ({len(text)})"]
    return []


def _id_errors(node: dict[str, Any], where: str) -> list[str]:
    # block_id and action_id: at most 255 characters (Block Kit reference, SLACK.md)
    return [
        f"{where}: {key} longer than 255"
        for key in ("block_id", "action_id")
        if isinstance(node.get(key), str) and len(node[key]) > 255
    ]


def _option_errors(option: Any, where: str) -> list[str]:
    # composition-objects#option: text (plain_text in selects, 75 chars), value (150 chars)
    if not isinstance(option, dict):
        return [f"{where}: not an option"]
    errors = _text_errors(option.get("text"), f"{where}.text", 75)
    value = option.get("value")
    if not isinstance(value, str) or not value or len(value) > 150:
        errors.append(f"{where}: value missing or longer than 150")
    return errors


def _element_errors(el: Any, where: str) -> list[str]:
    """block-elements: each element's type and required fields, and its limits."""
    if not isinstance(el, dict):
        return [f"{where}: not an element"]
    kind = el.get("type")
    if kind not in ELEMENT_TYPES:
        return [f"{where}: unknown element type {kind!r}"]
    errors = _id_errors(el, where)
    if kind == "button":  # text plain_text 75 chars, value 2000 chars
        errors += _text_errors(el.get("text"), f"{where}.text", 75, plain_only=True)
        if len(str(el.get("value", ""))) > 2000:
            errors.append(f"{where}: value longer than 2000")
        if el.get("style") not in (None, "primary", "danger"):
            errors.append(f"{where}: style {el.get('style')!r}")
    elif kind == "image":
        if (not el.get("image_url") and not el.get("slack_file")) or not el.get("alt_text"):
            errors.append(f"{where}: image needs image_url and alt_text")
    elif kind in SELECTS or kind in ("checkboxes", "radio_buttons", "overflow"):
        groups = el.get("option_groups")
        options = el.get("options")
        if kind in SELECTS and groups is not None:
            if options is not None or not isinstance(groups, list) or len(groups) > 100:
                errors.append(f"{where}: option_groups (at most 100, not with options)")
            for i, g in enumerate(groups or []):
                errors += _text_errors(g.get("label"), f"{where}.group[{i}].label", 75)
                errors += [
                    e
                    for j, o in enumerate(g.get("options") or [])
                    for e in _option_errors(o, f"{where}.group[{i}].option[{j}]")
                ]
        else:
            most = {"overflow": 5, "checkboxes": 10, "radio_buttons": 10}.get(str(kind), 100)
            if not isinstance(options, list) or not options or len(options) > most:
                errors.append(f"{where}: {kind} needs 1 to {most} options")
            for j, o in enumerate(options or []):
                errors += _option_errors(o, f"{where}.option[{j}]")
    if "placeholder" in el:
        errors += _text_errors(el["placeholder"], f"{where}.placeholder", 150, plain_only=True)
    return errors


def _block_errors(block: Any, where: str, allowed: frozenset[str]) -> list[str]:
    """One block: https://api.slack.com/reference/block-kit/blocks (per type)."""
    if not isinstance(block, dict):
        return [f"{where}: not a block"]
    kind = block.get("type")
    if kind not in allowed:
        return [f"{where}: block type {kind!r} not allowed here"]
    errors = _id_errors(block, where)
    if kind == "section":  # text (1-3000) or fields (at most 10, 2000 each); one accessory
        text, fields = block.get("text"), block.get("fields")
        if text is None and not fields:
            errors.append(f"{where}: section needs text or fields")
        if text is not None:
            errors += _text_errors(text, f"{where}.text", 3000)
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                errors.append(f"{where}: at most 10 fields")
            for i, f in enumerate(fields or []):
                errors += _text_errors(f, f"{where}.fields[{i}]", 2000)
        if "accessory" in block:
            errors += _element_errors(block["accessory"], f"{where}.accessory")
        if "expand" in block and not isinstance(block["expand"], bool):
            errors.append(f"{where}: expand is a boolean")
    elif kind == "header":  # plain_text, at most 150 characters
        errors += _text_errors(block.get("text"), f"{where}.text", 150, plain_only=True)
    elif kind == "context":  # 1 to 10 elements: text objects or images
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            errors.append(f"{where}: context needs 1 to 10 elements")
        for i, el in enumerate(elements or []):
            if isinstance(el, dict) and el.get("type") == "image":
                errors += _element_errors(el, f"{where}.elements[{i}]")
            else:
                errors += _text_errors(el, f"{where}.elements[{i}]", 3000)
    elif kind == "actions":  # 1 to 25 interactive elements
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
            errors.append(f"{where}: actions needs 1 to 25 elements")
        for i, el in enumerate(elements or []):
            errors += _element_errors(el, f"{where}.elements[{i}]")
    elif kind == "input":  # label (plain_text, 2000) and one element; hint 2000
        errors += _text_errors(block.get("label"), f"{where}.label", 2000, plain_only=True)
        errors += _element_errors(block.get("element"), f"{where}.element")
        if "hint" in block:
            errors += _text_errors(block["hint"], f"{where}.hint", 2000, plain_only=True)
    elif kind == "image":
        errors += _element_errors({**block, "type": "image"}, where)
    return errors


def block_errors(blocks: Any, *, view: bool = False) -> list[str]:
    """Why Slack would answer ``invalid_blocks`` (a message) or ``invalid_arguments`` (a view)."""
    if blocks is None:
        return []
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    most = VIEW_BLOCKS if view else MESSAGE_BLOCKS
    errors = [f"blocks: {len(blocks)} blocks, at most {most}"] if len(blocks) > most else []
    allowed = VIEW_BLOCK_TYPES if view else MESSAGE_BLOCK_TYPES
    for i, block in enumerate(blocks):
        errors += _block_errors(block, f"blocks[{i}]", allowed)
    return errors


def view_errors(view: Any) -> list[str]:
    """https://api.slack.com/reference/surfaces/views: type modal or home; a modal's title (24
    chars), submit and close (24 chars, plain_text); private_metadata at most 3000 chars."""
    if not isinstance(view, dict):
        return ["view: not an object"]
    errors: list[str] = []
    if view.get("type") not in ("modal", "home"):
        errors.append(f"view: type {view.get('type')!r}")
    if view.get("type") == "modal":
        errors += _text_errors(view.get("title"), "view.title", 24, plain_only=True)
    for key in ("submit", "close"):
        if key in view:
            errors += _text_errors(view[key], f"view.{key}", 24, plain_only=True)
    if len(str(view.get("private_metadata", ""))) > 3000:
        errors.append("view: private_metadata longer than 3000")
    return errors + block_errors(view.get("blocks"), view=True)


# --- what Slack shows wrongly: the mrkdwn lint -------------------------------------------------

# formatting#escaping and #advanced: what may follow "<" as a control sequence
_CONTROL = re.compile(
    r"<(?:[#@][A-Z0-9][^<>\s|]*|![a-z][^<>]*|(?:https?://|mailto:)[^<>\s|]+)(?:\|[^<>]*)?>"
)
_OPAQUE = re.compile(r"`[^`\n]*`|<[^<>\n]*>|:[a-z0-9][a-z0-9_+-]*:")
_PAIRS = (
    re.compile(r"\*([^*\s](?:[^*\n]*[^*\s])?)\*"),
    re.compile(r"_([^_\s](?:[^_\n]*[^_\s])?)_"),
)
# Chinese, Japanese and Korean characters, and full-width and CJK punctuation (：，。、）
_CJK = re.compile(
    "[\u2e80-\u2fff\u3000-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)
_DATE = re.compile(r"<!date\^(\d+)\^([^|^>]*)(?:\^[^|>]*)?\|([^>]*)>")
_ENGLISH = re.compile(r"\b(?:at|on|from|to|the|of|and)\b")
_FRENCH = re.compile(r"(?:\bà\b|\b(?:janv|févr|mars|avr|mai|juin|juil|août|déc)\.?(?!\w))")
_ENTITY = re.compile(r"&(?:amp|lt|gt);")


def _cjk_emphasis(text: str) -> Iterator[str]:
    masked = _OPAQUE.sub("\ue000", text)
    for pair in _PAIRS:
        for m in pair.finditer(masked):
            before = masked[m.start() - 1] if m.start() else ""
            after = masked[m.end()] if m.end() < len(masked) else ""
            if _CJK.match(before) or _CJK.match(after):
                yield f"emphasis against a CJK character: {masked[max(0, m.start() - 3) : m.end() + 3]!r}"
            # a span that starts or ends with a CJK character or full-width punctuation has no
            # word edge inside it either: a letter, a digit or another marker outside it then
            # leaves its markers as they are (*时间：*2027, *主题：**布莱切利宣言*)
            inner = m.group(1)
            glued = re.compile(r"[A-Za-z0-9*_]")
            if (_CJK.match(inner[0]) and glued.match(before)) or (
                _CJK.match(inner[-1]) and glued.match(after)
            ):
                yield f"emphasis glued to a word: {masked[max(0, m.start() - 3) : m.end() + 3]!r}"


def mrkdwn_problems(text: str) -> list[str]:
    """Why a mrkdwn string would not read in Slack as the bot means it."""
    problems: list[str] = []
    bare = _CONTROL.sub("", text)
    # formatting#escaping: "<" is a control character; a placeholder such as <words> vanishes
    for m in re.finditer(r"<[^\n]{0,30}", bare):
        problems.append(f"unescaped '<': {m.group(0)!r}")
    # formatting#basic-formatting: "*bold*" needs a space or punctuation around it (not CJK)
    problems += _cjk_emphasis(text)
    for m in _DATE.finditer(text):
        ts, fmt, fallback = int(m.group(1)), m.group(2), m.group(3)
        # formatting#date-formatting shows a date in the reader's zone: a calendar day (sent as
        # noon UTC with no time) reads a day off from UTC+12 or UTC-12; write it as text
        if ts % 86400 == 12 * 3600 and "{time" not in fmt:
            problems.append(f"a calendar day as a <!date> token: {m.group(0)!r}")
        words = re.sub(r"\{[a-z_]+\}", " ", fmt)
        if _ENGLISH.search(words) and (_CJK.search(fallback) or _FRENCH.search(fallback)):
            problems.append(f"English in a French or Chinese date format: {m.group(0)!r}")
    return problems


def plain_problems(text: str) -> list[str]:
    """plain_text is shown as it is written (formatting#escaping applies to mrkdwn only): an
    escape in it would show as ``&lt;``."""
    return [f"an escape in plain text: {text!r}"] if _ENTITY.search(text) else []


def texts(node: Any, kind: str = "mrkdwn") -> Iterator[str]:
    """Every text object's text of one ``kind`` in a payload (blocks, a view, a message)."""
    if isinstance(node, dict):
        if node.get("type") == kind and isinstance(node.get("text"), str):
            yield node["text"]
        for value in node.values():
            yield from texts(value, kind)
    elif isinstance(node, list):
        for item in node:
            yield from texts(item, kind)


def lint(payload: dict[str, Any]) -> list[str]:
    """The mrkdwn lint of a message or a view: its ``text`` (mrkdwn unless ``mrkdwn`` is false),
    every mrkdwn object, and every plain_text object."""
    problems: list[str] = []
    top = payload.get("text")
    if isinstance(top, str) and payload.get("mrkdwn") is not False:
        problems += mrkdwn_problems(top)
    for key in ("blocks", "view", "attachments"):
        part = payload.get(key)
        problems += [p for text in texts(part) for p in mrkdwn_problems(text)]
        problems += [p for text in texts(part, "plain_text") for p in plain_problems(text)]
    return problems
