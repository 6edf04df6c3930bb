"""The App Home tab: what the bot is, the summits ahead, this workspace's subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot import digest
from bot.channels import describe, last_result
from bot.i18n import pause_reason, t
from bot.render import COMMAND, context, section, sections, summits_reply
from bot.store import SubscriptionView
from bot.text import escape

if TYPE_CHECKING:
    from bot.app import Runtime

HOME_LIMIT = 100


def _subscription_line(rt: Runtime, sub: SubscriptionView, lang: str) -> str:
    head = f"• <#{sub.channel_id}> — {describe(sub.schedule, lang)}"
    if sub.paused:
        return f"{head} · " + t(lang, "home.paused", reason=pause_reason(sub.paused_reason, lang))
    found = digest.next_post(rt.library, sub.schedule, rt.clock.now(), rt.settings.lead_days)
    nxt = " · " + t(lang, "home.next", when=digest.describe_next(*found, lang)) if found else ""
    result = last_result(sub.last_result, lang)
    last = " · " + t(lang, "home.last", result=result) if sub.last_result else ""
    return f"{head}{nxt}{last}"


def home_blocks(
    rt: Runtime, today: date, subs: Sequence[SubscriptionView], lang: str = "en"
) -> list[Block]:
    library = rt.library.for_lang(lang)
    topics = [
        f"• *{escape(tp.title)}* — `{COMMAND} {tp.aliases[0] if tp.aliases else tp.id}`"
        for tp in library.topics
    ]
    blocks: list[Block] = [
        HeaderBlock(text="declaration-bot"),
        section(t(lang, "home.intro", command=COMMAND)),
        *sections(t(lang, "topics.header"), topics),
        DividerBlock(),
        *summits_reply(library, today, calendar_url=rt.calendar_url).blocks,
        DividerBlock(),
    ]
    if subs:
        blocks += sections(
            t(lang, "home.subscriptions"), (_subscription_line(rt, s, lang) for s in subs)
        )
    else:
        blocks.append(
            section(t(lang, "home.subscriptions") + "\n" + t(lang, "home.none", command=COMMAND))
        )
    if len(blocks) > HOME_LIMIT:
        blocks = [*blocks[: HOME_LIMIT - 1], context(t(lang, "home.more"))]
    return blocks
