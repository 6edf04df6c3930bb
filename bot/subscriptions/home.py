"""The App Home tab: what the bot is, this workspace's subscriptions (with buttons to manage
them), the topics and the summits ahead.

:func:`home_blocks` decides and draws the tab from plain values (pure: no store, no clock, no
Slack); :func:`publish` is the I/O around it: it loads the subscriptions, which of them the reader
can see (looking up only as many as the tab has room for) and whether they may change them, and
publishes the tab. :func:`access` is the same rule for one channel, asked again at every press of
the tab's buttons and every submission of the form."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ConfirmObject,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers.replies import summits_reply
from bot.clock import today
from bot.delivery import digest
from bot.delivery.planner import next_post
from bot.i18n import pause_reason, t
from bot.slack.blocks import button, context, section, sections
from bot.slack.ids import (
    COMMAND,
    HOME_EDIT,
    HOME_ME_OFF,
    HOME_ME_ON,
    HOME_ME_PAUSE,
    HOME_ME_RESUME,
    HOME_ME_SKIP,
    HOME_PAUSE,
    HOME_PREVIEW,
    HOME_RESUME,
    HOME_ROW,
    HOME_SUBSCRIBE,
    HOME_UNSUBSCRIBE,
)
from bot.slack.mrkdwn import escape, truncate
from bot.slack.reach import Access
from bot.subscriptions.model import describe_receives, describe_when
from bot.subscriptions.replies import Facts, describe, holding_lines, last_result, place
from bot.subscriptions.stored import Receives, SubscriptionView

if TYPE_CHECKING:
    from bot.services import Services
    from bot.subscriptions.profiles import UserProfile

log = logging.getLogger("declaration_bot.home")

HOME_LIMIT = 100
# the lines that may follow the subscriptions: more not shown, hidden, not checked
_TRAILING = 3
# at most this many times the rows the tab has room for are looked up at each opening (a reader
# who sees few of a large workspace's subscriptions is shown those found, and "more not shown")
LOOKUP_ROWS = 2


def _subscription_line(facts: Facts, sub: SubscriptionView, lang: str) -> str:
    when = (
        describe_when(sub, lang)
        if sub.receives == Receives.REMINDERS
        else describe(sub.schedule, lang)
    )
    head = f"• {place(sub.channel_id, lang)} — {when}"
    if sub.receives != Receives.ALL or sub.topics:
        head += " · " + describe_receives(sub.receives, sub.topics, facts.library, lang)
    for line in holding_lines(facts, sub, lang):  # paused until a day, a digest skipped
        head += " · " + line
    if sub.paused:
        return f"{head} · " + t(lang, "home.paused", reason=pause_reason(sub.paused_reason, lang))
    found = next_post(facts.library, sub, facts.now, facts.lead_days)
    nxt = " · " + t(lang, "home.next", when=digest.describe_next(*found, lang)) if found else ""
    result = last_result(sub.last_result, lang)
    last = " · " + t(lang, "home.last", result=result) if sub.last_result else ""
    return f"{head}{nxt}{last}"


def _buttons(sub: SubscriptionView, lang: str, name: str | None, manage: bool) -> ActionsBlock:
    channel = sub.channel_id
    preview = button(t(lang, "home.preview"), HOME_PREVIEW, channel)
    if not manage:
        return ActionsBlock(block_id=f"{HOME_ROW}{channel}", elements=[preview])
    shown = f"#{name}" if name else t(lang, "home.this_channel")
    confirm = ConfirmObject(
        title=PlainTextObject(text=truncate(t(lang, "home.confirm_title"), 100)),
        text=PlainTextObject(text=truncate(t(lang, "home.confirm_text", channel=shown), 300)),
        confirm=PlainTextObject(text=truncate(t(lang, "home.unsubscribe"), 30)),
        deny=PlainTextObject(text=truncate(t(lang, "home.cancel"), 30)),
        style="danger",
    )
    toggle = (
        button(t(lang, "home.resume"), HOME_RESUME, channel)
        if sub.paused
        else button(t(lang, "home.pause"), HOME_PAUSE, channel)
    )
    unsubscribe = ButtonElement(
        text=truncate(t(lang, "home.unsubscribe"), 75),
        action_id=HOME_UNSUBSCRIBE,
        value=channel,
        style="danger",
        confirm=confirm,
    )
    return ActionsBlock(
        block_id=f"{HOME_ROW}{channel}",
        elements=[button(t(lang, "home.edit"), HOME_EDIT, channel), toggle, preview, unsubscribe],
    )


def own_block(facts: Facts, mine: SubscriptionView | None, lang: str) -> list[Block]:
    """The reader's own digest (``subscribe me``): what it is, with a button that turns it on
    (to their direct messages, in their language and zone) or off; when on, buttons to pause or
    resume it and to skip its next digest, as ``pause me``, ``resume me`` and ``skip next me``."""
    if mine is None:
        text = t(lang, "home.me_none")
        accessory = button(t(lang, "home.me_on"), HOME_ME_ON, "", primary=True)
    else:
        text = _subscription_line(facts, mine, lang)
        accessory = button(t(lang, "home.me_off"), HOME_ME_OFF, "")
    block = SectionBlock(text=MarkdownTextObject(text=f"{t(lang, 'home.me_heading')}\n{text}"))
    block.accessory = accessory
    if mine is None:
        return [block]
    held = mine.paused or mine.paused_until is not None
    buttons = [
        button(t(lang, "home.resume"), HOME_ME_RESUME, "")
        if held
        else button(t(lang, "home.pause"), HOME_ME_PAUSE, "")
    ]
    if not held and mine.receives != Receives.REMINDERS and mine.skip_digest_at is None:
        buttons.append(button(t(lang, "home.me_skip"), HOME_ME_SKIP, ""))
    return [block, ActionsBlock(elements=buttons)]


def _lead(lang: str, *, manage: bool, notice: str | None) -> list[Block]:
    """What comes before the subscriptions: their heading, a notice, the admins-only line."""
    heading = SectionBlock(text=MarkdownTextObject(text=t(lang, "home.subscriptions")))
    if manage:
        heading.accessory = button(
            t(lang, "home.subscribe_button"), HOME_SUBSCRIBE, "", primary=True
        )
    blocks: list[Block] = [heading]
    if notice:
        blocks.append(section(notice))
    if not manage:
        blocks.append(context(t(lang, "home.admins_only")))
    return blocks


def _subscription_blocks(
    facts: Facts,
    subs: Sequence[SubscriptionView],
    lang: str,
    *,
    manage: bool,
    hidden: int,
    unchecked: int,
    more: bool,
    notice: str | None,
    room: int,
    names: Mapping[str, str],
    user: str = "",
) -> list[Block]:
    blocks = _lead(lang, manage=manage, notice=notice)
    if not subs and not more:
        blocks.append(section(t(lang, "home.none", command=COMMAND)))
    shown = 0
    for sub in subs:
        if len(blocks) + 2 > room - _TRAILING:
            break
        name = names.get(sub.channel_id)
        # its creator may change it, whoever else may not (SUBSCRIPTION_MANAGERS=admins)
        mine = manage or (bool(user) and sub.created_by == user)
        blocks += [section(_subscription_line(facts, sub, lang)), _buttons(sub, lang, name, mine)]
        shown += 1
    if shown < len(subs) or more:
        blocks.append(context(t(lang, "home.more")))
    if hidden:
        blocks.append(context(t(lang, "home.hidden", n=hidden)))
    if unchecked:
        blocks.append(context(t(lang, "home.unchecked", n=unchecked)))
    return blocks


def _frame(
    facts: Facts, today: date, lang: str, calendar_url: str | None, own: Sequence[Block] = ()
) -> tuple[list[Block], list[Block], int]:
    """The blocks above the subscriptions, those below them (topics, summits), and the room
    left for the subscriptions' part."""
    library = facts.library.for_lang(lang)
    topics = [
        f"• *{escape(tp.title)}* — `{COMMAND} {tp.aliases[0] if tp.aliases else tp.id}`"
        for tp in library.topics
    ]
    reference: list[Block] = [
        DividerBlock(),
        *sections(f"*{t(lang, 'topics.header')}*", topics),
        DividerBlock(),
        *summits_reply(library, today, calendar_url=calendar_url).blocks,
    ]
    head: list[Block] = [
        HeaderBlock(text="declaration-bot"),
        section(t(lang, "home.intro", command=COMMAND)),
        *own,
    ]
    room = max(HOME_LIMIT - len(head) - len(reference), 8)
    return head, reference, room


def rows_that_fit(
    facts: Facts,
    today: date,
    lang: str = "en",
    *,
    calendar_url: str | None = None,
    manage: bool = True,
    notice: str | None = None,
    own: int = 0,
) -> int:
    """How many subscriptions the tab has room for (two blocks each; ``own``: below the blocks of
    the reader's own digest). Pure."""
    _, _, room = _frame(facts, today, lang, calendar_url, [section("")] * own)
    lead = len(_lead(lang, manage=manage, notice=notice))
    return max(0, (room - _TRAILING - lead) // 2)


def home_blocks(
    facts: Facts,
    today: date,
    subs: Sequence[SubscriptionView],
    lang: str = "en",
    *,
    calendar_url: str | None = None,
    manage: bool = True,
    hidden: int = 0,
    unchecked: int = 0,
    more: bool = False,
    notice: str | None = None,
    names: Mapping[str, str] | None = None,
    own: Sequence[Block] = (),
    user: str = "",
) -> list[Block]:
    """The Home tab: the subscriptions first (``manage``: with the buttons that change them;
    ``hidden``: how many are in channels the reader cannot see; ``unchecked``: how many Slack did
    not say whether they can; ``more``: others were not looked at; ``names``: channel names
    known, by id, for the unsubscribe confirmation; ``own``: the reader's own digest, first;
    ``user``: the reader, whose own channels' subscriptions they may change), then the topics and
    summits. Pure."""
    head, reference, room = _frame(facts, today, lang, calendar_url, own)
    managed = _subscription_blocks(
        facts,
        subs,
        lang,
        manage=manage,
        hidden=hidden,
        unchecked=unchecked,
        more=more,
        notice=notice,
        room=room,
        names=names or {},
        user=user,
    )
    blocks = [*head, *managed, *reference]
    if len(blocks) > HOME_LIMIT:
        blocks = [*blocks[: HOME_LIMIT - 1], context(t(lang, "home.more"))]
    return blocks


async def access(
    services: Services, client: AsyncWebClient, team: str, user: str, channel: str
) -> Access:
    """Whether ``user`` may see, so act on, the subscription of ``channel`` (whether there is one
    or not: a refusal says nothing of that), as the Home tab decides it."""
    sub = (
        await asyncio.to_thread(services.store.get, team, channel)
        if services.store is not None
        else None
    )
    return await services.reach.access(
        client, team, user, channel, sub.created_by if sub is not None else None
    )


def refusal(verdict: Access, lang: str) -> str:
    """What a user is told when a press or a form is refused for the channel's visibility."""
    return t(lang, "home.not_checked" if verdict == "unknown" else "home.not_visible")


async def _visible(
    services: Services,
    client: AsyncWebClient,
    team: str,
    user: str,
    subs: Sequence[SubscriptionView],
    fit: int,
) -> tuple[list[SubscriptionView], int, int, int]:
    """The first ``fit`` subscriptions ``user`` may see, looking up no more rows than needed (in
    batches of the rows still missing, at most ``LOOKUP_ROWS * fit`` rows): (them, how many
    looked up were hidden, how many Slack did not answer for, how many were looked at)."""
    shown: list[SubscriptionView] = []
    hidden = unchecked = looked = 0
    budget = LOOKUP_ROWS * fit
    while looked < len(subs) and len(shown) < fit and budget > 0:
        batch = subs[looked : looked + min(fit - len(shown), budget)]
        verdicts = await asyncio.gather(
            *(services.reach.access(client, team, user, s.channel_id, s.created_by) for s in batch)
        )
        looked += len(batch)
        budget -= len(batch)
        for sub, verdict in zip(batch, verdicts, strict=True):
            if verdict == "yes":
                shown.append(sub)
            elif verdict == "no":
                hidden += 1
            else:
                unchecked += 1
    return shown, hidden, unchecked, looked


async def publish(
    services: Services,
    client: AsyncWebClient,
    team_id: str,
    profile: UserProfile,
    lang: str,
    *,
    notice: str | None = None,
) -> None:
    """Build this user's Home tab and publish it (``views.publish``): load, draw, publish."""
    user = profile.user_id
    subs: list[SubscriptionView] = []
    if services.store is not None and team_id:
        subs = await asyncio.to_thread(services.store.list_team, team_id)
    # people's own subscriptions are theirs alone: the reader's is shown apart, the others never
    mine = next((s for s in subs if s.owner_id == user), None)
    subs = [s for s in subs if s.owner_id is None]
    manage = services.channels is None or await services.channels.is_manager(profile.get)
    facts = Facts(
        services.library,
        services.clock.now(),
        tuple(services.settings.lead_days),
        services.calendar_url,
    )
    own = own_block(facts, mine, lang) if services.channels is not None else []
    day = today(services.clock)
    fit = rows_that_fit(
        facts,
        day,
        lang,
        calendar_url=services.calendar_url,
        manage=manage,
        notice=notice,
        own=len(own),
    )
    seen, hidden, unchecked, looked = await _visible(services, client, team_id, user, subs, fit)
    names = {s.channel_id: services.reach.name(team_id, s.channel_id) for s in seen}
    blocks = home_blocks(
        facts,
        day,
        seen,
        lang,
        calendar_url=services.calendar_url,
        manage=manage,
        hidden=hidden,
        unchecked=unchecked,
        more=looked < len(subs),
        notice=notice,
        names={channel: name for channel, name in names.items() if name},
        own=own,
        user=user,
    )
    view = View(type="home", blocks=blocks)
    await client.views_publish(user_id=user, view=view.to_dict())
    log.info(
        "home published team=%s user=%s subscriptions=%d looked=%d shown=%d",
        team_id,
        user,
        len(subs),
        looked,
        len(seen),
    )
