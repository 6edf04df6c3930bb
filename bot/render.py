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
from bot.lookup import CJK, Hit
from bot.periods import describe_period
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


def topic_value(topic_id: str, lang: str) -> str:
    """The value of every button that names a topic: the topic and the reader's language, so the
    reply to a press is in the language of the message (read back by core.parse_button_value)."""
    return f"{topic_id}|{lang}"


def show_button(topic: Topic, lang: str, text: str | None = None) -> ButtonElement:
    """A *Show* button for ``topic``, labelled ``text`` (default: the topic's label)."""
    return button(text or topic.label, f"{SHOW_ACTION}:{topic.id}", topic_value(topic.id, lang))


def topic_buttons(topics: Iterable[Topic], lang: str = "en") -> ActionsBlock:
    return ActionsBlock(elements=[show_button(tp, lang) for tp in list(topics)[:25]])


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
                accessory=show_button(topic, lang, t(lang, "topics.show")),
            )
        )
    blocks.append(context(t(lang, "topics.search_all", command=COMMAND)))
    listing = "; ".join(f"{tp.title} ({tp.id})" for tp in library.topics)
    return Reply(text=fallback(t(lang, "topics.fallback"), listing), blocks=cap(blocks, lang))


def topic_reply(topic: Topic, *, shared: bool = False, lang: str = "en") -> Reply:
    blocks: list[Block] = [HeaderBlock(text=truncate(topic.title, 150))]
    if topic.untranslated and lang != "en":
        blocks.append(context(t(lang, "content.untranslated")))
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
                        t(lang, "topic.share"),
                        SHARE_ACTION,
                        topic_value(topic.id, lang),
                        primary=True,
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


_TOKEN = re.compile(r"\w+|\W+", re.UNICODE)


def highlight(text: str, terms: Sequence[str]) -> str:
    """Escape content text and put the words that match the search terms in bold."""
    out: list[str] = []
    for piece in _TOKEN.findall(text):
        key = normalize(piece)
        if key and any(key == term or (len(term) >= 3 and key.startswith(term)) for term in terms):
            out.append(f"*{escape(piece)}*")
        elif key and any(CJK.search(term) and term in piece for term in terms):
            for term in terms:
                piece = piece.replace(term, f"\x00{term}\x01")
            out.append(escape(piece).replace("\x00", " *").replace("\x01", "* "))
        else:
            out.append(escape(piece))
    return "".join(out)


def search_reply(query: str, hits: Sequence[Hit], terms: Sequence[str], lang: str = "en") -> Reply:
    if not query.strip():
        body = t(lang, "search.what", command=COMMAND)
        return Reply(text=body, blocks=[section(body)])
    shown = quote_user_text(query)
    if not hits:
        body = t(lang, "search.none", query=shown, command=COMMAND)
        return Reply(text=t(lang, "search.fallback_none", query=shown), blocks=[section(body)])
    blocks: list[Block] = [section(t(lang, "search.results", query=shown, count=len(hits)))]
    for hit in hits:
        snippet = highlight(truncate(hit.snippet, 400), terms)
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=truncate(f"*{escape(hit.topic.title)}*\n> {snippet}", SECTION_LIMIT)
                ),
                accessory=show_button(hit.topic, lang, t(lang, "topics.show")),
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


def summit_when(summit: Summit, today: date, lang: str = "en") -> str:
    """What is known of an event's dates, at the precision it is known, in ``lang``.

    Confirmed dates get a countdown. Dates from a single source never do: they are shown inside
    their announced period ("July 2026, dates unconfirmed (17–20 July per one source)"). Without
    dates: the announced period, the expected one, or "dates to come".
    """
    if summit.starts is not None and not summit.tentative:
        left = countdown(summit, today, lang)
        ahead = (summit.last_day or summit.starts) >= today
        return f"{date_range(summit, lang)} · {f'*{left}*' if ahead else left}"
    if summit.starts is not None:
        if summit.period is not None:
            return t(
                lang,
                "summits.unconfirmed_days",
                period=describe_period(summit.period, lang),
                dates=date_range(summit, lang),
            )
        return f"{date_range(summit, lang)} {t(lang, 'summits.tentative')}"
    if summit.period is not None:
        return t(lang, "summits.period_only", period=describe_period(summit.period, lang))
    if summit.expected is not None:
        return t(
            lang, "summits.not_announced_expected", when=describe_period(summit.expected, lang)
        )
    return t(lang, "summits.to_come")


def summit_line(summit: Summit, today: date, lang: str = "en", *, note: bool = True) -> str:
    """One event as a bullet line: the ``summits`` reply, the Home tab and digests all use it."""
    line = (
        f"• {summit_name(summit)} — {escape(summit.location)} · {summit_when(summit, today, lang)}"
    )
    window = summit.window
    if window is not None and window[1] < today and not summit.held:
        line += " · " + t(lang, "summits.held_unconfirmed")
    if note and summit.note:
        line += f"\n    {escape(summit.note)}"
    if summit.untranslated and lang != "en":
        line += f"\n    _{t(lang, 'content.untranslated')}_"
    return line


def summit_groups(
    summits: Iterable[Summit], today: date
) -> tuple[list[Summit], list[Summit], list[Summit]]:
    """(with dates, upcoming or on now, soonest first; no dates yet, by announced or expected
    period; past, most recent first). An event whose period has passed without dates is past."""
    upcoming, undated, past = [], [], []
    for s in summits:
        window = s.window
        if window is not None and window[1] < today:
            past.append(s)
        elif s.starts is not None:
            upcoming.append(s)
        else:
            undated.append(s)
    upcoming.sort(key=lambda s: (s.starts or date.max, s.name))
    undated.sort(key=lambda s: (*(s.window or (date.max, date.max)), s.name))
    past.sort(key=lambda s: ((s.window or (date.min, date.min))[1], s.name), reverse=True)
    return upcoming, undated, past


def _plain_when(summit: Summit, today: date, lang: str) -> str:
    if summit.starts is not None and not summit.tentative:
        return f"{summit.name} ({summit.starts}, {countdown(summit, today, lang)})"
    if summit.starts is not None:
        return t(lang, "summits.fallback_unconfirmed", name=summit.name)
    known = summit.period or summit.expected
    if known is None:
        return summit.name
    return t(lang, "summits.fallback_period", name=summit.name, period=describe_period(known, lang))


def summits_reply(
    library: Library, today: date, recent: int = 4, calendar_url: str | None = None
) -> Reply:
    lang = library.lang
    upcoming, undated, past = summit_groups(library.summits, today)
    blocks: list[Block] = [HeaderBlock(text=t(lang, "summits.header"))]
    if upcoming:
        blocks += sections(
            t(lang, "summits.upcoming"), (summit_line(s, today, lang) for s in upcoming)
        )
    else:
        blocks.append(
            section(t(lang, "summits.upcoming") + "\n" + t(lang, "summits.none_upcoming"))
        )
    if undated:
        blocks += sections(
            t(lang, "summits.undated"), (summit_line(s, today, lang) for s in undated)
        )
    if past and recent > 0:
        blocks += sections(
            t(lang, "summits.past"), (summit_line(s, today, lang) for s in past[:recent])
        )
    if calendar_url:
        blocks.append(section(t(lang, "summits.calendar", url=escape(calendar_url))))
    blocks.append(context(t(lang, "summits.as_of", date=human_date(today, lang))))
    listing = (
        "; ".join(_plain_when(s, today, lang) for s in upcoming)
        if upcoming
        else t(lang, "summits.fallback_none")
    )
    plain = [t(lang, "summits.fallback_upcoming", list=listing)]
    if undated:
        plain.append(
            t(
                lang,
                "summits.fallback_undated",
                list="; ".join(_plain_when(s, today, lang) for s in undated),
            )
        )
    return Reply(text=fallback(t(lang, "summits.header") + ".", *plain), blocks=cap(blocks, lang))


def error_reply(message: str) -> Reply:
    return Reply(text=message, blocks=[section(f":warning: {message}")])
