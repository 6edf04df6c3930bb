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
from bot.i18n import t
from bot.lookup import CJK, Hit, word_matches
from bot.text import escape, human_date, quote_user_text, slack_date, truncate

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


def topic_buttons(topics: Iterable[Topic], lang: str = "en") -> ActionsBlock:
    return ActionsBlock(
        elements=[
            button(tp.label, f"{SHOW_ACTION}:{tp.id}", f"{tp.id}|{lang}")
            for tp in list(topics)[:25]
        ]
    )


def link(url: str, label: str) -> str:
    # the label is escaped; "|" and ">" cannot end the link early once escaped or replaced
    return f"<{escape(url)}|{escape(label).replace('|', '¦')}>"


def fallback(*parts: str) -> str:
    return truncate(" ".join(p for p in parts if p), FALLBACK_LIMIT)


def cap(blocks: list[Block], lang: str = "en") -> list[Block]:
    if len(blocks) <= MAX_BLOCKS:
        return blocks
    return [*blocks[: MAX_BLOCKS - 1], context(t(lang, "blocks.shortened"))]


# --- replies -----------------------------------------------------------------------------------

HELP_LINES = (
    ("topics", "help.topics"),
    ("bletchley", "help.show"),
    ("search ceasefire", "help.search"),
    ("summits", "help.summits"),
    ("share bletchley", "help.share"),
    ("help", "help.help"),
)

CHANNEL_HELP_LINES = (
    ("subscribe weekly fri 16:30 Asia/Shanghai", "help.subscribe"),
    ("status", "help.status"),
    ("digest", "help.digest"),
    ("pause", "help.pause"),
    ("unsubscribe", "help.unsubscribe"),
)


def help_reply(library: Library) -> Reply:
    lang = library.lang
    titles = ", ".join(f"*{escape(tp.label)}*" for tp in library.topics)
    lines = [f"• `{COMMAND} {cmd}` — {t(lang, key)}" for cmd, key in HELP_LINES]
    channel_lines = [f"• `{COMMAND} {cmd}` — {t(lang, key)}" for cmd, key in CHANNEL_HELP_LINES]
    blocks: list[Block] = [
        HeaderBlock(text="declaration-bot"),
        section(t(lang, "help.intro", titles=titles)),
        *sections(t(lang, "help.commands"), lines),
        *sections(t(lang, "help.channel"), channel_lines),
        context(t(lang, "help.only_you")),
    ]
    examples = "; ".join(f"{COMMAND} {cmd}" for cmd, _ in HELP_LINES)
    return Reply(text=fallback(t(lang, "help.fallback", examples=examples)), blocks=cap(blocks))


def topics_reply(library: Library) -> Reply:
    lang = library.lang
    blocks: list[Block] = [HeaderBlock(text=t(lang, "topics.header"))]
    for topic in library.topics:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"*{escape(topic.title)}*\n{escape(topic.short)}\n"
                    f"`{COMMAND} {topic.aliases[0] if topic.aliases else topic.id}`"
                ),
                accessory=button(
                    t(lang, "topics.show"), f"{SHOW_ACTION}:{topic.id}", f"{topic.id}|{lang}"
                ),
            )
        )
    blocks.append(context(t(lang, "topics.search_all", command=COMMAND)))
    listing = "; ".join(f"{tp.title} ({tp.id})" for tp in library.topics)
    return Reply(text=fallback(t(lang, "topics.fallback"), listing), blocks=cap(blocks, lang))


def topic_reply(topic: Topic, *, shared: bool = False, lang: str = "en") -> Reply:
    blocks: list[Block] = [HeaderBlock(text=truncate(topic.title, 150))]
    blocks.append(section(escape(topic.summary)))
    blocks += sections(t(lang, "topic.key_points"), (f"• {escape(p)}" for p in topic.key_points))
    if topic.key_dates:
        blocks += sections(
            t(lang, "topic.key_dates"),
            (f"• {slack_date(d.date, lang=lang)} — {escape(d.event)}" for d in topic.key_dates),
        )
    if topic.caveats:
        blocks += sections(t(lang, "topic.caveats"), (f"• {escape(c)}" for c in topic.caveats))
    blocks += sections(
        t(lang, "topic.sources"),
        (
            f"• {link(s.url, s.title)} — {escape(s.publisher)}, {human_date(s.date, lang)}"
            for s in topic.sources
        ),
    )
    revised = t(lang, "topic.revised", date=human_date(topic.updated, lang))
    blocks.append(context(f"{revised} · `{topic.id}`"))
    if not shared:
        blocks.append(
            ActionsBlock(
                elements=[
                    button(
                        t(lang, "topic.share"), SHARE_ACTION, f"{topic.id}|{lang}", primary=True
                    ),
                    button(t(lang, "topic.all"), "list_topics", lang),
                ]
            )
        )
    return Reply(
        text=fallback(f"{topic.title}: {topic.summary}"),
        blocks=cap(blocks, lang),
        response_type="in_channel" if shared else "ephemeral",
    )


def not_found_reply(query: str, suggestions: Sequence[Topic], library: Library) -> Reply:
    lang = library.lang
    shown = quote_user_text(query)
    if suggestions:
        names = t(lang, "notfound.or").join(f"*{escape(tp.label)}*" for tp in suggestions)
        body = t(lang, "notfound.suggest", query=shown, names=names)
        buttons = topic_buttons(suggestions, lang)
    else:
        body = t(lang, "notfound.none", query=shown, command=COMMAND)
        buttons = topic_buttons(library.topics, lang)
    plain = t(lang, "notfound.fallback", query=quote_user_text(query), command=COMMAND)
    return Reply(text=plain, blocks=[section(body), buttons])


def share_what_reply(library: Library) -> Reply:
    lang = library.lang
    return Reply(
        text=t(lang, "share.fallback", command=COMMAND),
        blocks=[
            section(t(lang, "share.which", command=COMMAND)),
            topic_buttons(library.topics, lang),
        ],
    )


ZWSP = "\u200b"  # an invisible boundary: Slack only makes *bold* of whole words
_CJK_CLASS = CJK.pattern[1:-1]
# a highlight unit: a word with its hyphens and apostrophes (cessez-le-feu, l'accès), a run of
# Chinese or Japanese, or any other single character
_UNIT = re.compile(
    rf"(?P<word>(?:(?![{_CJK_CLASS}])\w)+(?:[-'’](?:(?![{_CJK_CLASS}])\w)+)*)"
    rf"|(?P<cjk>[{_CJK_CLASS}]+)|(?P<other>.)",
    re.DOTALL,
)


def _needs_boundary(neighbour: str) -> bool:
    # Slack reads "*" as bold only next to a space or ASCII punctuation: "可持续*停火*、" stays
    # literal, so anything else (a letter, Chinese punctuation, curly quotes) gets a ZWSP between
    return bool(neighbour) and not neighbour.isspace() and neighbour not in _ASCII_PUNCT


_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~") - {"*", "_", "~", "`"}


def _bold(piece: str, before: str, after: str) -> str:
    """``*piece*``, with invisible boundaries where needed (Chinese has no spaces)."""
    left = ZWSP if _needs_boundary(before) else ""
    right = ZWSP if _needs_boundary(after) else ""
    return f"{left}*{escape(piece)}*{right}"


def highlight(text: str, terms: Sequence[str]) -> str:
    """Escape content text and put the words that match the search terms in bold.

    A matching word is bold whole, hyphens and apostrophes included (``*cessez-le-feu*``, never
    ``*cessez*-le-*feu*``); a Chinese term is bold where it occurs, without adding spaces.
    """
    cjk_terms = sorted((term for term in terms if CJK.search(term)), key=len, reverse=True)
    out: list[str] = []
    for m in _UNIT.finditer(text):
        piece = m.group(0)
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if m.group("word"):
            words = normalize(piece).split()
            if any(word_matches(term, words) for term in terms if not CJK.search(term)):
                out.append(_bold(piece, before, after))
                continue
        elif m.group("cjk") and cjk_terms:
            out.append(_highlight_cjk(piece, cjk_terms, before, after))
            continue
        out.append(escape(piece))
    return "".join(out)


def _highlight_cjk(run: str, cjk_terms: Sequence[str], before: str, after: str) -> str:
    pattern = re.compile("|".join(re.escape(term) for term in cjk_terms))
    out: list[str] = []
    pos = 0
    for m in pattern.finditer(run):
        out.append(escape(run[pos : m.start()]))
        left = run[m.start() - 1] if m.start() else before
        right = run[m.end()] if m.end() < len(run) else after
        out.append(_bold(m.group(0), left, right))
        pos = m.end()
    out.append(escape(run[pos:]))
    return "".join(out)


def search_reply(
    query: str,
    hits: Sequence[Hit],
    terms: Sequence[str],
    lang: str = "en",
    common: Sequence[str] = (),
) -> Reply:
    """Search results; ``common`` are the query's words left out as too common ("the")."""
    if not query.strip():
        body = t(lang, "search.what", command=COMMAND)
        return Reply(text=body, blocks=[section(body)])
    shown = quote_user_text(query)
    if not terms and common:
        body = t(lang, "search.too_common", query=shown, command=COMMAND)
        return Reply(text=body, blocks=[section(body)])
    left_out: list[Block] = []
    if common:
        left_out.append(
            context(
                t(
                    lang,
                    "search.left_out",
                    terms=", ".join(escape(w) for w in terms),
                    words=", ".join(escape(w) for w in common),
                )
            )
        )
    if not hits:
        body = t(lang, "search.none", query=shown, command=COMMAND)
        return Reply(
            text=t(lang, "search.fallback_none", query=shown), blocks=[section(body), *left_out]
        )
    blocks: list[Block] = [section(t(lang, "search.results", query=shown, count=len(hits)))]
    blocks += left_out
    for hit in hits:
        snippet = highlight(truncate(hit.snippet, 400), terms)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(f"*{escape(hit.topic.title)}*\n> {snippet}", SECTION_LIMIT)
                ),
                accessory=button(
                    t(lang, "topics.show"),
                    f"{SHOW_ACTION}:{hit.topic.id}",
                    f"{hit.topic.id}|{lang}",
                ),
            )
        )
    text = fallback(
        t(lang, "search.fallback", query=shown), "; ".join(escape(h.topic.title) for h in hits)
    )
    return Reply(text=text, blocks=cap(blocks, lang))


# --- summits -----------------------------------------------------------------------------------


def date_range(summit: Summit, lang: str = "en") -> str:
    assert summit.starts is not None
    if summit.ends is None or summit.ends == summit.starts:
        return slack_date(summit.starts, lang=lang)
    return f"{slack_date(summit.starts, lang=lang)} – {slack_date(summit.ends, lang=lang)}"


def countdown(summit: Summit, today: date, lang: str = "en") -> str:
    """'in 12 days', 'tomorrow', 'starts today', 'on now (day 2 of 3)', 'ended 3 days ago'."""
    assert summit.starts is not None
    last = summit.last_day or summit.starts
    days = (summit.starts - today).days
    if days > 1:
        return t(lang, "countdown.in_days", n=days)
    if days == 1:
        return t(lang, "countdown.tomorrow")
    if days == 0:
        return t(lang, "countdown.today")
    if today <= last:
        total = (last - summit.starts).days + 1
        return t(lang, "countdown.on_now", day=(today - summit.starts).days + 1, total=total)
    ago = (today - last).days
    if ago == 1:
        return t(lang, "countdown.ended_yesterday")
    return t(lang, "countdown.ended_ago", n=ago)


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


def summits_reply(
    library: Library,
    today: date,
    recent: int = 4,
    calendar_url: str | None = None,
    zone: str | None = None,
) -> Reply:
    """The summits as of ``today``; ``zone`` names the one zone every reader shares (a terminal),
    else each Slack reader sees dates in their own."""
    lang = library.lang
    upcoming, undated, past = summit_groups(library.summits, today)
    blocks: list[Block] = [HeaderBlock(text=t(lang, "summits.header"))]
    tentative = " " + t(lang, "summits.tentative")

    def line(s: Summit, when: str) -> str:
        extra = tentative if s.tentative else ""
        note = f"\n    {escape(s.note)}" if s.note else ""
        return f"• {summit_name(s)} — {escape(s.location)} · {when}{extra}{note}"

    if upcoming:
        blocks += sections(
            t(lang, "summits.upcoming"),
            (line(s, f"{date_range(s, lang)} · *{countdown(s, today, lang)}*") for s in upcoming),
        )
    else:
        blocks.append(
            section(t(lang, "summits.upcoming") + "\n" + t(lang, "summits.none_upcoming"))
        )
    if undated:
        blocks += sections(
            t(lang, "summits.undated"),
            (
                line(
                    s,
                    t(lang, "summits.expected", when=escape(s.expected))
                    if s.expected
                    else t(lang, "summits.to_come"),
                )
                for s in undated
            ),
        )
    if past and recent > 0:
        blocks += sections(
            t(lang, "summits.past"),
            (
                line(s, f"{date_range(s, lang)} · {countdown(s, today, lang)}")
                for s in past[:recent]
            ),
        )
    if calendar_url:
        blocks.append(section(t(lang, "summits.calendar", url=escape(calendar_url))))
    as_of = (
        t(lang, "summits.as_of_zone", date=human_date(today, lang), zone=escape(zone))
        if zone
        else t(lang, "summits.as_of", date=human_date(today, lang))
    )
    blocks.append(context(as_of))
    listing = (
        "; ".join(f"{s.name} ({s.starts}, {countdown(s, today, lang)})" for s in upcoming)
        if upcoming
        else t(lang, "summits.fallback_none")
    )
    plain = [t(lang, "summits.fallback_upcoming", list=listing)]
    if undated:
        plain.append(t(lang, "summits.fallback_undated", list="; ".join(s.name for s in undated)))
    return Reply(text=fallback(t(lang, "summits.header") + ".", *plain), blocks=cap(blocks, lang))


def error_reply(message: str) -> Reply:
    return Reply(text=message, blocks=[section(f":warning: {message}")])
