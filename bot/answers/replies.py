"""The replies to content questions (help, topics, a topic card, search with its highlighting, news,
summits), plain data in, Block Kit out. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from urllib.parse import urlsplit

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    DividerBlock,
    HeaderBlock,
    SectionBlock,
)

from bot.answers.lookup import CJK, AnyHit, DevelopmentHit, EventHit, Hit, needle, spaced
from bot.content.library import Library
from bot.content.schema import Development, Source, Summit, Topic
from bot.i18n import date_range as day_range
from bot.i18n import human_date, t
from bot.periods import describe_period
from bot.slack.blocks import (
    SECTION_LIMIT,
    button,
    cap,
    context,
    fallback,
    link,
    link_button,
    section,
    sections,
    shown_length,
)
from bot.slack.ids import (
    CALENDAR_ACTION,
    COMMAND,
    EVENT_NEWS_ACTION,
    FORM_ACTION,
    LIST_ACTION,
    NEWS_ACTION,
    READ_TOPIC_ACTION,
    SHARE_ACTION,
    SHOW_ACTION,
)
from bot.slack.mrkdwn import ZWSP, escape, md, quote_user_text, truncate
from bot.slack.payloads import Reply

NEWS_LIMIT = 5  # developments in `news`
CARD_NEWS = 3  # developments on a topic card


def topic_value(topic_id: str, lang: str) -> str:
    """The value of every button that names a topic: the topic and the reader's language, so the
    reply to a press is in the language of the message (read back by core.parse_button_value)."""
    return f"{topic_id}|{lang}"


def show_button(
    topic: Topic, lang: str, text: str | None = None, action: str = SHOW_ACTION
) -> ButtonElement:
    """A button for ``topic`` (*Show* unless ``action`` says otherwise), labelled ``text``."""
    return button(text or topic.label, f"{action}:{topic.id}", topic_value(topic.id, lang))


def topic_buttons(
    topics: Iterable[Topic], lang: str = "en", action: str = SHOW_ACTION
) -> ActionsBlock:
    return ActionsBlock(elements=[show_button(tp, lang, action=action) for tp in list(topics)[:25]])


# --- replies -----------------------------------------------------------------------------------

HELP_LINES = (
    ("topics", "help.topics"),
    ("bletchley", "help.show"),
    ("search ceasefire", "help.search"),
    ("summits", "help.summits"),
    ("when is the next summit?", "help.ask"),
    ("news", "help.news"),
    ("share bletchley", "help.share"),
    ("help", "help.help"),
)

CHANNEL_HELP_LINES = (
    ("subscribe mon thu 08:30 Europe/Paris", "help.subscribe"),
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
        ActionsBlock(
            block_id=FORM_ACTION,
            elements=[button(t(lang, "channels.form_button"), FORM_ACTION, "")],
        ),
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
                text=md(
                    f"*{escape(topic.title)}*\n{escape(topic.short)}\n"
                    f"`{COMMAND} {topic.aliases[0] if topic.aliases else topic.id}`"
                ),
                accessory=show_button(topic, lang, t(lang, "topics.show")),
            )
        )
    blocks.append(context(t(lang, "topics.search_all", command=COMMAND)))
    listing = "; ".join(f"{tp.title} ({tp.id})" for tp in library.topics)
    return Reply(text=fallback(t(lang, "topics.fallback"), listing), blocks=cap(blocks, lang))


GRADES = {
    "C": "grade.confirmed",
    "C-": "grade.reported",
    "P": "grade.single",
    "?": "grade.unconfirmed",
}


def grade(source: Source, lang: str = "en") -> str:
    """How sure a source's facts are, in words a reader understands: "confirmed", …"""
    return t(lang, GRADES.get(source.grade, "grade.unconfirmed"))


def source_line(source: Source, lang: str = "en") -> str:
    """• <url|title> — publisher, date · _grade_."""
    return (
        f"• {link(source.url, source.title)} — {escape(source.publisher)}, "
        f"{human_date(source.date, lang)} · _{grade(source, lang)}_"
    )


def source_links(sources: Sequence[Source], lang: str = "en", limit: int = 4) -> str:
    """Publisher links with their grades, on one line: for lists where space is short."""
    return ", ".join(
        f"{link(s.url, s.publisher)} _({grade(s, lang)})_" for s in list(sources)[:limit]
    )


def development_line(dev: Development, lang: str = "en") -> str:
    """One line for a list of developments: date, title, sources with grades."""
    return (
        f"• *{human_date(dev.date, lang)}* — {escape(dev.title)} — "
        f"{source_links(dev.sources, lang, limit=2)}"
    )


def topic_reply(
    topic: Topic,
    *,
    shared: bool = False,
    lang: str = "en",
    developments: Sequence[Development] = (),
) -> Reply:
    """A topic card; ``developments`` are the topic's, newest first (the latest few are shown)."""
    blocks: list[Block] = [HeaderBlock(text=truncate(topic.title, 150))]
    if topic.untranslated and lang != "en":
        blocks.append(context(t(lang, "content.untranslated")))
    # the summary, key points and caveats are what the card is for: never behind "See more"
    blocks.append(section(escape(topic.summary), expand=True))
    blocks += sections(
        t(lang, "topic.key_points"), (f"• {escape(p)}" for p in topic.key_points), expand=True
    )
    if topic.key_dates:
        blocks += sections(
            t(lang, "topic.key_dates"),
            (f"• {human_date(d.date, lang)} — {escape(d.event)}" for d in topic.key_dates),
        )
    if developments:
        more = t(
            lang,
            "topic.news_more",
            count=len(developments),
            command=f"{COMMAND} news {topic.id}",
        )
        blocks += sections(
            t(lang, "topic.news"),
            [*(development_line(d, lang) for d in developments[:CARD_NEWS]), more],
        )
    if topic.caveats:
        blocks += sections(
            t(lang, "topic.caveats"), (f"• {escape(c)}" for c in topic.caveats), expand=True
        )
    blocks += sections(t(lang, "topic.sources"), (source_line(s, lang) for s in topic.sources))
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
                    button(t(lang, "topic.all"), LIST_ACTION, lang),
                ]
            )
        )
    return Reply(
        text=fallback(f"{topic.title}: {topic.summary}"),
        blocks=cap(blocks, lang),
        response_type="in_channel" if shared else "ephemeral",
    )


SHARE_CHARS = 1500  # at most, shown, in a shared topic's card


def share_reply(topic: Topic, lang: str = "en") -> Reply:
    """A topic shared with the channel: a card, not the whole topic. Its title, one-line
    summary, three key points and graded sources (as many as fit in ``SHARE_CHARS`` shown),
    and a *Read the full summary* button that shows the whole card to whoever presses it."""

    def build(sources: int) -> list[Block]:
        points = [f"• {escape(truncate(p, 220))}" for p in topic.key_points[:3]]
        blocks: list[Block] = [
            HeaderBlock(text=truncate(topic.title, 150)),
            section(escape(topic.short)),
            section("\n".join([t(lang, "topic.key_points"), *points])),
            section(
                "\n".join(
                    [t(lang, "topic.sources"), *(source_line(s, lang) for s in topic.sources)][
                        : sources + 1
                    ]
                )
            ),
            ActionsBlock(
                elements=[
                    button(
                        t(lang, "share.read"),
                        READ_TOPIC_ACTION,
                        topic_value(topic.id, lang),
                        primary=True,
                    )
                ]
            ),
        ]
        if topic.untranslated and lang != "en":
            blocks.insert(1, context(t(lang, "content.untranslated")))
        return blocks

    blocks = build(1)
    for n in range(len(topic.sources), 1, -1):
        if shown_length(build(n)) <= SHARE_CHARS:
            blocks = build(n)
            break
    return Reply(
        text=fallback(f"{topic.title}: {topic.short}"), blocks=blocks, response_type="in_channel"
    )


def not_found_reply(
    query: str, suggestions: Sequence[Topic], library: Library, action: str = SHOW_ACTION
) -> Reply:
    """No topic by that name: suggestions as buttons (``action`` says what a button shows)."""
    lang = library.lang
    shown = quote_user_text(query)
    if suggestions:
        names = t(lang, "notfound.or").join(f"*{escape(tp.label)}*" for tp in suggestions)
        body = t(lang, "notfound.suggest", query=shown, names=names)
        buttons = topic_buttons(suggestions, lang, action)
    else:
        body = t(lang, "notfound.none", query=shown, command=COMMAND)
        buttons = topic_buttons(library.topics, lang, action)
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
    others = [needle(term) for term in terms if not CJK.search(term)]
    out: list[str] = []
    for m in _UNIT.finditer(text):
        piece = m.group(0)
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if m.group("word"):
            words = spaced(piece)
            if any(found_as in words for found_as in others):
                out.append(_bold(piece, before, after))
                continue
        elif m.group("cjk") and cjk_terms:
            out.append(_highlight_cjk(piece, cjk_terms, before, after))
            continue
        out.append(escape(piece))
    return "".join(out)


def _development_hit(
    hit: DevelopmentHit, terms: Sequence[str], lang: str, library: Library | None
) -> SectionBlock:
    dev = hit.development
    title = highlight(dev.title, terms)
    snippet = highlight(truncate(hit.snippet, 400), terms)
    text = f":newspaper: {title} · _{human_date(dev.date, lang)}_\n> {snippet}\n" + t(
        lang, "digest.sources", list=source_links(dev.sources, lang, limit=2)
    )
    # the button shows the news the hit is (a topic's name would promise that topic's card)
    topic = library.topic(dev.topics[0]) if library is not None and dev.topics else None
    accessory = (
        button(
            t(lang, "search.news_button"), f"{NEWS_ACTION}:{topic.id}", topic_value(topic.id, lang)
        )
        if topic
        else None
    )
    return SectionBlock(text=md(text, SECTION_LIMIT), accessory=accessory)


def _event_hit(hit: EventHit, terms: Sequence[str]) -> SectionBlock:
    """An event found: its name and place, the sentence that matched, and how to ask for it."""
    ev = hit.event
    text = (
        f":calendar: {highlight(ev.name, terms)} · {highlight(ev.location, terms)}\n"
        f"> {highlight(truncate(hit.snippet, 400), terms)}\n`{COMMAND} {ev.id}`"
    )
    return SectionBlock(text=md(text, SECTION_LIMIT))


def _hit_title(hit: AnyHit) -> str:
    if isinstance(hit, Hit):
        return hit.topic.title
    if isinstance(hit, EventHit):
        return hit.event.name
    return hit.development.title


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
    hits: Sequence[AnyHit],
    terms: Sequence[str],
    lang: str = "en",
    library: Library | None = None,
    common: Sequence[str] = (),
) -> Reply:
    """Topics and developments ranked together; the words that matched are in bold; ``common``
    are the query's words left out as too common ("the")."""
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
    mixed = any(isinstance(h, DevelopmentHit) for h in hits)
    head = "search.results_all" if mixed else "search.results"
    if any(isinstance(h, EventHit) for h in hits):
        head = "search.results_every" if mixed else "search.results_events"
    blocks: list[Block] = [section(t(lang, head, query=shown, count=len(hits)))]
    blocks += left_out
    for hit in hits:
        if isinstance(hit, DevelopmentHit):
            blocks.append(_development_hit(hit, terms, lang, library))
            continue
        if isinstance(hit, EventHit):
            blocks.append(_event_hit(hit, terms))
            continue
        snippet = highlight(truncate(hit.snippet, 400), terms)
        blocks.append(
            SectionBlock(
                text=md(f"*{escape(hit.topic.title)}*\n> {snippet}", SECTION_LIMIT),
                accessory=show_button(hit.topic, lang, t(lang, "topics.show")),
            )
        )
    titles = [_hit_title(h) for h in hits]
    text = fallback(t(lang, "search.fallback", query=shown), "; ".join(map(escape, titles)))
    return Reply(text=text, blocks=cap(blocks, lang))


# --- developments ------------------------------------------------------------------------------


def _development_blocks(dev: Development, library: Library) -> list[Block]:
    """One development in full: date, title, summary, what it concerns, graded sources."""
    lang = library.lang
    about = [tp.label for tid in dev.topics if (tp := library.topic(tid)) is not None]
    about += [s.name for sid in dev.events for s in library.summits if s.id == sid]
    head = (
        f"*{human_date(dev.date, lang)}* · *{escape(dev.title)}*\n"
        f"{escape(' '.join(dev.summary.split()))}"
    )
    if about:
        head += "\n_" + escape(" · ".join(about)) + "_"
    return [*sections(head, (source_line(s, lang) for s in dev.sources), expand=True)]


def timeline_reviewed(library: Library) -> str:
    """ "Timeline last reviewed 5 December 2026; nothing newer is on record.", so that a gap
    after the newest development is not taken for "nothing happened"; "" without a review date."""
    day = library.timeline_reviewed
    return t(library.lang, "news.reviewed", date=human_date(day, library.lang)) if day else ""


def event_news_reply(library: Library, event: Summit, limit: int = NEWS_LIMIT) -> Reply:
    """The developments that name an event, newest first."""
    lang = library.lang
    devs = developments_of_event(library, event.id)
    header = t(lang, "news.header_topic", title=event.name)
    blocks: list[Block] = [HeaderBlock(text=truncate(header, 150))]
    reviewed = timeline_reviewed(library)
    if not devs:
        body = t(lang, "news.none_event", title=escape(event.name), command=COMMAND, event=event.id)
        blocks += [section(body), *([context(reviewed)] if reviewed else [])]
        return Reply(text=fallback(header + ":", body.replace("*", "")), blocks=blocks)
    for i, dev in enumerate(devs[:limit]):
        if i:
            blocks.append(DividerBlock())
        blocks += _development_blocks(dev, library)
    if reviewed:
        blocks.append(context(reviewed))
    foot = t(
        lang,
        "news.footer_event",
        shown=min(limit, len(devs)),
        count=len(devs),
        command=COMMAND,
        event=event.id,
    )
    blocks.append(context(foot + " " + t(lang, "news.grades")))
    listing = "; ".join(f"{human_date(d.date, lang)}: {d.title}" for d in devs[:limit])
    return Reply(text=fallback(header + ":", listing), blocks=cap(blocks, lang))


def developments_of_event(library: Library, event_id: str) -> list[Development]:
    """The developments that name an event (``events:``), newest first."""
    return [d for d in library.developments if event_id in d.events]


def news_reply(library: Library, topic: Topic | None = None, limit: int = NEWS_LIMIT) -> Reply:
    """The latest developments, newest first: every topic's, or one topic's."""
    lang = library.lang
    devs = [d for d in library.developments if topic is None or topic.id in d.topics]
    if topic is None:
        header = t(lang, "news.header")
    else:
        header = t(lang, "news.header_topic", title=topic.label)
    blocks: list[Block] = [HeaderBlock(text=truncate(header, 150))]
    reviewed = timeline_reviewed(library)
    if not devs:
        if topic is None:
            body = t(lang, "news.none", command=COMMAND)
        else:
            body = t(
                lang,
                "news.none_topic",
                title=escape(topic.title),
                command=COMMAND,
                topic=topic.id,
            )
        blocks.append(section(body))
        if reviewed:
            blocks.append(context(reviewed))
        return Reply(text=fallback(header + ":", body.replace("*", "")), blocks=blocks)
    for i, dev in enumerate(devs[:limit]):
        if i:
            blocks.append(DividerBlock())
        blocks += _development_blocks(dev, library)
    if reviewed:
        blocks.append(context(reviewed))
    shown = min(limit, len(devs))
    if topic is None:
        foot = t(lang, "news.footer", shown=shown, count=len(devs), command=COMMAND)
    else:
        foot = t(
            lang,
            "news.footer_topic",
            shown=shown,
            count=len(devs),
            command=COMMAND,
            topic=topic.id,
        )
    blocks.append(context(foot + " " + t(lang, "news.grades")))
    listing = "; ".join(f"{human_date(d.date, lang)}: {d.title}" for d in devs[:limit])
    return Reply(text=fallback(header + ":", listing), blocks=cap(blocks, lang))


# --- summits -----------------------------------------------------------------------------------


def date_range(summit: Summit, lang: str = "en") -> str:
    """The days an event takes, as plain text in ``lang``: 6–7 July 2026, 2026年7月6日至7日."""
    assert summit.starts is not None
    return day_range(summit.starts, summit.ends, lang)


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
        blocks.append(section(t(lang, "summits.calendar", link=link(calendar_url, "summits.ics"))))
    as_of = (
        t(lang, "summits.as_of_zone", date=human_date(today, lang), zone=escape(zone))
        if zone
        else t(lang, "summits.as_of", date=human_date(today, lang))
    )
    blocks.append(context(as_of))
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


# --- one event, one series ---------------------------------------------------------------------


def _held(event: Summit, today: date, lang: str) -> str | None:
    """Whether it is confirmed held: said once it is held, or once it is past."""
    if event.held:
        return t(lang, "event.held")
    window = event.window
    if window is not None and window[1] < today:
        return t(lang, "event.held_unconfirmed")
    return None


def event_reply(
    library: Library, event: Summit, today: date, calendar_file: str | None = None
) -> Reply:
    """An event's card: name, place, what is known of its dates (with the countdown or the
    period, as ``summits`` says it), whether it is confirmed held, its summary and note, the
    developments that name it, its topics, its graded sources; its calendar file when it has
    exact dates (``calendar_file``: its address, None without one). Buttons: its topics, its
    calendar file (a link), and its news when it has any."""
    lang = library.lang
    blocks: list[Block] = [HeaderBlock(text=truncate(event.name, 150))]
    if event.untranslated and lang != "en":
        blocks.append(context(t(lang, "content.untranslated")))
    facts = [
        t(lang, "event.where", place=escape(event.location)),
        t(lang, "event.when", when=summit_when(event, today, lang)),
    ]
    held = _held(event, today, lang)
    if held:
        facts.append(held)
    if event.url:
        facts.append(link(event.url, urlsplit(event.url).netloc or event.url))
    blocks.append(section("\n".join(facts)))
    about = [escape(x) for x in (event.summary, event.note) if x]
    if about:
        blocks.append(section("\n\n".join(about), expand=True))
    devs = developments_of_event(library, event.id)
    if devs:
        blocks += sections(
            t(lang, "topic.news"), (development_line(d, lang) for d in devs[:CARD_NEWS])
        )
    topics = [tp for tid in event.topics if (tp := library.topic(tid)) is not None]
    if topics:
        labels = " · ".join(f"*{escape(tp.label)}*" for tp in topics)
        blocks.append(section(t(lang, "event.topics", topics=labels)))
    blocks += sections(t(lang, "topic.sources"), (source_line(s, lang) for s in event.sources))
    series = t(lang, "event.series", command=f"{COMMAND} {event.series}")
    as_of = t(lang, "summits.as_of", date=human_date(today, lang))
    blocks.append(context(f"{as_of} · {series} · `{event.id}`"))
    buttons = [show_button(tp, lang) for tp in topics[:3]]
    if calendar_file:
        buttons.append(
            link_button(t(lang, "event.calendar"), f"{CALENDAR_ACTION}:{event.id}", calendar_file)
        )
    if devs:
        buttons.append(
            button(
                t(lang, "search.news_button"),
                f"{EVENT_NEWS_ACTION}:{event.id}",
                topic_value(event.id, lang),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(elements=buttons))
    plain = f"{_plain_when(event, today, lang)} — {event.location}"
    return Reply(text=fallback(plain), blocks=cap(blocks, lang))


def series_reply(library: Library, series_id: str, today: date) -> Reply:
    """A series: the next edition first (then any later ones), then the past ones, most recent
    first; one line each, ending with the id that asks for it."""
    lang = library.lang
    named = library.series_named(series_id)
    title = named.name if named is not None else series_id
    upcoming, undated, past = summit_groups(library.editions(series_id), today)
    ahead = upcoming + undated

    def line(s: Summit) -> str:
        return f"{summit_line(s, today, lang, note=False)} · `{s.id}`"

    blocks: list[Block] = [HeaderBlock(text=truncate(title, 150))]
    if named is not None and named.untranslated and lang != "en":
        blocks.append(context(t(lang, "content.untranslated")))
    if ahead:
        blocks += sections(t(lang, "event.next"), [line(ahead[0])])
    else:
        blocks.append(section(t(lang, "event.next") + "\n" + t(lang, "event.none_ahead")))
    if ahead[1:]:
        blocks += sections(t(lang, "event.later"), (line(s) for s in ahead[1:]))
    if past:
        blocks += sections(t(lang, "event.past"), (line(s) for s in past))
    as_of = t(lang, "summits.as_of", date=human_date(today, lang))
    blocks.append(context(f"{as_of} · {t(lang, 'event.one', command=COMMAND)}"))
    listing = "; ".join(_plain_when(s, today, lang) for s in [*ahead, *past])
    plain = t(lang, "event.fallback_series", name=title, list=listing)
    return Reply(text=fallback(plain), blocks=cap(blocks, lang))


NEXT_LIMIT = 5  # events in the answer to "what's next"


def ahead_of(summits: Iterable[Summit], today: date) -> list[Summit]:
    """The events not yet over, the soonest first: by the first day they may fall on (their
    dates, else their period), then the last; events with neither last."""
    upcoming, undated, _past = summit_groups(summits, today)
    far = (date.max, date.max)
    return sorted(upcoming + undated, key=lambda s: (*(s.window or far), s.name))


def next_reply(library: Library, today: date, limit: int = NEXT_LIMIT) -> Reply:
    """The answer to "when is the next summit?": the next event, then the few after it, each
    with what is known of its dates (the countdown, or the period) and its id."""
    lang = library.lang
    ahead = ahead_of(library.summits, today)[:limit]

    def line(s: Summit) -> str:
        return f"{summit_line(s, today, lang, note=False)} · `{s.id}`"

    blocks: list[Block] = [HeaderBlock(text=t(lang, "ask.next_header"))]
    if ahead:
        blocks += sections(t(lang, "ask.first"), [line(ahead[0])])
    else:
        blocks.append(section(t(lang, "ask.first") + "\n" + t(lang, "summits.none_upcoming")))
    if ahead[1:]:
        blocks += sections(t(lang, "ask.then"), (line(s) for s in ahead[1:]))
    as_of = t(lang, "summits.as_of", date=human_date(today, lang))
    blocks.append(context(f"{as_of} · {t(lang, 'ask.more', command=COMMAND)}"))
    listing = "; ".join(_plain_when(s, today, lang) for s in ahead)
    plain = t(lang, "ask.fallback", list=listing or t(lang, "summits.fallback_none"))
    return Reply(text=fallback(plain), blocks=cap(blocks, lang))


def remind_reply(library: Library) -> Reply:
    """The answer to "remind me …": what the bot can do (a channel's summit reminders)."""
    text = t(library.lang, "ask.remind", command=COMMAND)
    return Reply(text=text, blocks=[section(f":alarm_clock: {text}")])


def error_reply(message: str) -> Reply:
    return Reply(text=message, blocks=[section(f":warning: {message}")])
