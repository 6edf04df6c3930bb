"""The App Home tab: what the bot is, the summits ahead, this workspace's subscriptions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import Block, DividerBlock, HeaderBlock

from bot import digest
from bot.render import COMMAND, context, section, sections, summits_reply
from bot.store import SubscriptionView
from bot.text import escape

if TYPE_CHECKING:
    from bot.app import Runtime

HOME_LIMIT = 100


def _subscription_line(rt: Runtime, sub: SubscriptionView) -> str:
    head = f"• <#{sub.channel_id}> — {sub.schedule.describe()}"
    if sub.paused:
        return f"{head} · :double_vertical_bar: paused: {escape(sub.paused_reason or '')}"
    found = digest.next_post(rt.library, sub.schedule, rt.clock.now(), rt.settings.lead_days)
    nxt = f" · next: {digest.describe_next(*found)}" if found else ""
    last = f" · last: {escape(sub.last_result)}" if sub.last_result else ""
    return f"{head}{nxt}{last}"


def home_blocks(rt: Runtime, today: date, subs: Sequence[SubscriptionView]) -> list[Block]:
    library = rt.library
    topics = [
        f"• *{escape(t.title)}* — `{COMMAND} {t.aliases[0] if t.aliases else t.id}`"
        for t in library.topics
    ]
    blocks: list[Block] = [
        HeaderBlock(text="declaration-bot"),
        section(
            "Short, sourced summaries of the France–China joint declaration on AI and global "
            "governance, the Bletchley Declaration and the France–China joint statement on the "
            f"Middle East. Type `{COMMAND} help` in any channel."
        ),
        *sections("*Topics*", topics),
        DividerBlock(),
        *summits_reply(library, today).blocks,
        DividerBlock(),
    ]
    if subs:
        blocks += sections(
            "*Subscriptions in this workspace*", (_subscription_line(rt, s) for s in subs)
        )
    else:
        blocks.append(
            section(
                "*Subscriptions in this workspace*\nNone yet. In a channel, type "
                f"`{COMMAND} subscribe` for a weekly digest and summit reminders."
            )
        )
    blocks.append(context(f"`{COMMAND} subscribe daily 09:00 Europe/Paris` · `{COMMAND} status`"))
    if len(blocks) > HOME_LIMIT:
        blocks = [*blocks[: HOME_LIMIT - 1], context("_(more subscriptions not shown)_")]
    return blocks
