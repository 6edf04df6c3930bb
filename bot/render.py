"""Composing replies: plain data in, Block Kit (``slack_sdk.models.blocks``) out. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.content import Library, Summit, Topic, normalize
from bot.lookup import Hit
from bot.text import escape, human_date, plural, quote_user_text, slack_date, truncate

COMMAND = "/declaration"
MAX_BLOCKS = 50
SECTION_LIMIT = 3000
FALLBACK_LIMIT = 3000

ResponseType = Literal["ephemeral", "in_channel"]

SHOW_ACTION = "show_topic"
SHARE_ACTION = "share_topic"


@dataclass(frozen=True)
class Reply:
    """What the bot answers: Block Kit blocks plus the plain-text fallback."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)
    response_type: ResponseType = "ephemeral"

    def blocks_json(self) -> list[dict[str, Any]]:
        """The blocks as Slack JSON; validates every element's limits on the way."""
        return [b.to_dict() for b in self.blocks]


# --- small builders ----------------------------------------------------------------------------


def section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate(text, SECTION_LIMIT)))


def sections(heading: str, lines: Iterable[str]) -> list[SectionBlock]:
    """A heading and bullet lines, split over as many sections as Slack's 3000 chars need."""
    blocks: list[SectionBlock] = []
    current = heading
    for line in lines:
        line = truncate(line, SECTION_LIMIT - 10)
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            blocks.append(section(current))
            current = line
        else:
            current = candidate
    if current:
        blocks.append(section(current))
    return blocks


def context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=truncate(text, SECTION_LIMIT))])


def button(text: str, action_id: str, value: str, primary: bool = False) -> ButtonElement:
    return ButtonElement(
        text=truncate(text, 75),
        action_id=action_id[:255],
        value=value[:2000],
        style="primary" if primary else None,
    )


def topic_buttons(topics: Iterable[Topic]) -> ActionsBlock:
    return ActionsBlock(
        elements=[button(t.label, f"{SHOW_ACTION}:{t.id}", t.id) for t in list(topics)[:25]]
    )


def link(url: str, label: str) -> str:
    # the label is escaped; "|" and ">" cannot end the link early once escaped or replaced
    return f"<{escape(url)}|{escape(label).replace('|', '¦')}>"


def fallback(*parts: str) -> str:
    return truncate(" ".join(p for p in parts if p), FALLBACK_LIMIT)


def cap(blocks: list[Block]) -> list[Block]:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], context("_(shortened: Slack shows at most 50 blocks)_")]


# --- replies -----------------------------------------------------------------------------------

HELP_LINES = (
    (f"{COMMAND} topics", "list the topics"),
    (f"{COMMAND} bletchley", "show a topic by name, e.g. `middle east` or `france china`"),
    (f"{COMMAND} search ceasefire", "search every summary, key point and date"),
    (f"{COMMAND} summits", "upcoming and recent AI summits, with countdowns"),
    (f"{COMMAND} share bletchley", "post a topic to this channel for everyone"),
    (f"{COMMAND} help", "this message"),
)

CHANNEL_HELP_LINES = (
    (
        f"{COMMAND} subscribe weekly fri 16:30 Asia/Shanghai",
        "digests for this channel (`daily` or `weekly <day>`, time, time zone; default weekly, "
        "Monday 09:00, your time zone) plus summit reminders",
    ),
    (f"{COMMAND} status", "this channel's schedule, next post and last delivery"),
    (f"{COMMAND} digest", "preview this channel's next digest (only you see it)"),
    (f"{COMMAND} pause", "stop posting until `resume`"),
    (f"{COMMAND} unsubscribe", "stop digests and reminders here"),
)


def help_reply(library: Library) -> Reply:
    titles = ", ".join(f"*{escape(t.label)}*" for t in library.topics)
    intro = (
        "Short, sourced summaries of the declarations in the news of 8 May 2024, "
        f"and the AI summits around them. Topics: {titles}."
    )
    lines = [f"• `{cmd}` — {what}" for cmd, what in HELP_LINES]
    channel_lines = [f"• `{cmd}` — {what}" for cmd, what in CHANNEL_HELP_LINES]
    blocks: list[Block] = [
        HeaderBlock(text="declaration-bot"),
        section(intro),
        *sections("*Commands*", lines),
        *sections("*Channel digests*", channel_lines),
        context("Only you see these replies, except what you `share`."),
    ]
    text = fallback(
        "declaration-bot: sourced summaries of AI-governance declarations.",
        "Try: " + "; ".join(cmd for cmd, _ in HELP_LINES),
    )
    return Reply(text=text, blocks=cap(blocks))


def topics_reply(library: Library) -> Reply:
    blocks: list[Block] = [HeaderBlock(text="Topics")]
    for topic in library.topics:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(topic.title)}*\n{escape(topic.short)}\n"
                    f"`{COMMAND} {topic.aliases[0] if topic.aliases else topic.id}`"
                ),
                accessory=button("Show", f"{SHOW_ACTION}:{topic.id}", topic.id),
            )
        )
    blocks.append(context(f"Search them all: `{COMMAND} search <words>`"))
    text = fallback("Topics:", "; ".join(f"{t.title} ({t.id})" for t in library.topics))
    return Reply(text=text, blocks=cap(blocks))


def topic_reply(topic: Topic, *, shared: bool = False) -> Reply:
    blocks: list[Block] = [HeaderBlock(text=truncate(topic.title, 150))]
    blocks.append(section(escape(topic.summary)))
    blocks += sections("*Key points*", (f"• {escape(p)}" for p in topic.key_points))
    if topic.key_dates:
        blocks += sections(
            "*Key dates*",
            (f"• {slack_date(d.date)} — {escape(d.event)}" for d in topic.key_dates),
        )
    if topic.caveats:
        blocks += sections(
            ":warning: *Unconfirmed or attributed*", (f"• {escape(c)}" for c in topic.caveats)
        )
    blocks += sections(
        "*Sources*",
        (
            f"• {link(s.url, s.title)} — {escape(s.publisher)}, {human_date(s.date)}"
            for s in topic.sources
        ),
    )
    blocks.append(context(f"Last revised {human_date(topic.updated)} · `{topic.id}`"))
    if not shared:
        blocks.append(
            ActionsBlock(
                elements=[
                    button("Share in channel", SHARE_ACTION, topic.id, primary=True),
                    button("All topics", "list_topics", "topics"),
                ]
            )
        )
    text = fallback(f"{topic.title}: {topic.summary}")
    return Reply(
        text=text, blocks=cap(blocks), response_type="in_channel" if shared else "ephemeral"
    )


def not_found_reply(query: str, suggestions: Sequence[Topic], library: Library) -> Reply:
    shown = quote_user_text(query)
    if suggestions:
        names = " or ".join(f"*{escape(t.label)}*" for t in suggestions)
        body = f"I don't know a topic called {shown}. Did you mean {names}?"
        buttons = topic_buttons(suggestions)
    else:
        body = (
            f"I don't know a topic or command called {shown}. "
            f"Try `{COMMAND} topics` for the list, `{COMMAND} search <words>`, "
            f"or `{COMMAND} help`."
        )
        buttons = topic_buttons(library.topics)
    blocks: list[Block] = [section(body), buttons]
    plain = "Did you mean: " + ", ".join(t.title for t in suggestions) if suggestions else ""
    text = fallback(f"No topic called {query[:100]!r}.", plain, f"Try {COMMAND} help.")
    return Reply(text=escape(text), blocks=blocks)


def share_what_reply(library: Library) -> Reply:
    body = (
        f"Which topic should I share? For example `{COMMAND} share bletchley`, "
        "or pick one and press *Share in channel*:"
    )
    text = f"Which topic? e.g. {COMMAND} share bletchley"
    return Reply(text=text, blocks=[section(body), topic_buttons(library.topics)])


_TOKEN = re.compile(r"\w+|\W+", re.UNICODE)


def highlight(text: str, terms: Sequence[str]) -> str:
    """Escape content text and put the words that match the search terms in bold."""
    out: list[str] = []
    for piece in _TOKEN.findall(text):
        key = normalize(piece)
        if key and any(key == t or (len(t) >= 3 and key.startswith(t)) for t in terms):
            out.append(f"*{escape(piece)}*")
        else:
            out.append(escape(piece))
    return "".join(out)


def search_reply(query: str, hits: Sequence[Hit], terms: Sequence[str]) -> Reply:
    if not query.strip():
        body = f"What should I search for? For example `{COMMAND} search ceasefire`."
        return Reply(
            text=f"What should I search for? e.g. {COMMAND} search ceasefire",
            blocks=[section(body)],
        )
    shown = quote_user_text(query)
    if not hits:
        body = (
            f"Nothing in the summaries mentions {shown}. Try fewer or other words "
            f"(e.g. `{COMMAND} search safety`), or see `{COMMAND} topics`."
        )
        return Reply(text=escape(f"No results for {query[:100]!r}."), blocks=[section(body)])
    blocks: list[Block] = [section(f"{plural(len(hits), 'topic')} matching {shown}:")]
    for hit in hits:
        snippet = highlight(truncate(hit.snippet, 400), terms)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(f"*{escape(hit.topic.title)}*\n> {snippet}", SECTION_LIMIT)
                ),
                accessory=button("Show", f"{SHOW_ACTION}:{hit.topic.id}", hit.topic.id),
            )
        )
    text = fallback(f"Results for {query[:100]!r}:", "; ".join(h.topic.title for h in hits))
    return Reply(text=escape(text), blocks=cap(blocks))


# --- summits -----------------------------------------------------------------------------------


def date_range(summit: Summit) -> str:
    assert summit.starts is not None
    if summit.ends is None or summit.ends == summit.starts:
        return slack_date(summit.starts)
    return f"{slack_date(summit.starts)} – {slack_date(summit.ends)}"


def countdown(summit: Summit, today: date) -> str:
    """'in 12 days', 'tomorrow', 'today', 'on now (day 2 of 3)', 'ended 3 days ago'."""
    assert summit.starts is not None
    last = summit.last_day or summit.starts
    days = (summit.starts - today).days
    if days > 1:
        return f"in {days} days"
    if days == 1:
        return "tomorrow"
    if days == 0:
        return "starts today"
    if today <= last:
        total = (last - summit.starts).days + 1
        return f"on now (day {(today - summit.starts).days + 1} of {total})"
    ago = (today - last).days
    return "ended yesterday" if ago == 1 else f"ended {ago} days ago"


def summit_name(summit: Summit) -> str:
    return link(summit.url, summit.name) if summit.url else f"*{escape(summit.name)}*"


def summit_groups(
    summits: Iterable[Summit], today: date
) -> tuple[list[Summit], list[Summit], list[Summit]]:
    """(upcoming or on now, soonest first; no announced dates; past, most recent first)."""
    upcoming, undated, past = [], [], []
    for s in summits:
        if s.starts is None:
            undated.append(s)
        elif (s.last_day or s.starts) >= today:
            upcoming.append(s)
        else:
            past.append(s)
    upcoming.sort(key=lambda s: (s.starts, s.name))
    past.sort(key=lambda s: (s.last_day, s.name), reverse=True)
    return upcoming, undated, past


def summits_reply(library: Library, today: date, recent: int = 4) -> Reply:
    upcoming, undated, past = summit_groups(library.summits, today)
    blocks: list[Block] = [HeaderBlock(text="AI summits")]

    def line(s: Summit, when: str) -> str:
        extra = " _(dates tentative)_" if s.tentative else ""
        note = f"\n    {escape(s.note)}" if s.note else ""
        return f"• {summit_name(s)} — {escape(s.location)} · {when}{extra}{note}"

    if upcoming:
        blocks += sections(
            "*Upcoming*", (line(s, f"{date_range(s)} · *{countdown(s, today)}*") for s in upcoming)
        )
    else:
        blocks.append(section("*Upcoming*\n_No upcoming summit has announced dates yet._"))
    if undated:
        blocks += sections(
            "*Dates not announced*",
            (
                line(s, f"expected {escape(s.expected)}" if s.expected else "dates to come")
                for s in undated
            ),
        )
    if past and recent > 0:
        blocks += sections(
            "*Recently past*",
            (line(s, f"{date_range(s)} · {countdown(s, today)}") for s in past[:recent]),
        )
    blocks.append(
        context(f"As of {human_date(today)}. Dates show in your own time zone and locale.")
    )
    plain = [
        "Upcoming: "
        + (
            "; ".join(f"{s.name} ({s.starts}, {countdown(s, today)})" for s in upcoming)
            if upcoming
            else "none with announced dates"
        )
    ]
    if undated:
        plain.append("Dates not announced: " + "; ".join(s.name for s in undated))
    return Reply(text=fallback("AI summits.", *plain), blocks=cap(blocks))


def error_reply(message: str) -> Reply:
    return Reply(text=message, blocks=[section(f":warning: {message}")])
