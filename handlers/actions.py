"""Button presses: on our messages (the content buttons of :mod:`bot.answers.buttons`, one table
the local shell presses too) and in the Home tab (manage the workspace's subscriptions)."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands
from bot.answers.buttons import BUTTONS, button_for
from bot.clock import today
from bot.i18n import DEFAULT, t
from bot.services import Services
from bot.slack import ids, payloads
from bot.slack.reach import Access
from bot.subscriptions import form as forms
from bot.subscriptions import home
from bot.subscriptions.replies import Invocation
from handlers import views
from handlers.context import Reader, reader, services

log = logging.getLogger("declaration_bot.action")

# a preview found within this long of the press is shown without a loading modal (the trigger_id
# a modal needs is good for 3 s after the click)
PREVIEW_INLINE_SECONDS = 1.0


def register(app: AsyncApp) -> None:
    for button in BUTTONS:
        app.action(button.pattern)(on_content_button)
    app.action(re.compile(rf"^{re.escape(ids.CALENDAR_ACTION)}(:.*)?$"))(on_link_button)
    app.action(ids.HOME_SUBSCRIBE)(on_subscribe)
    app.action(ids.HOME_EDIT)(on_edit)
    app.action(ids.HOME_PAUSE)(on_pause)
    app.action(ids.HOME_RESUME)(on_resume)
    app.action(ids.HOME_UNSUBSCRIBE)(on_unsubscribe)
    app.action(ids.HOME_PREVIEW)(on_preview)
    app.action(ids.HOME_ME_ON)(on_me_on)
    app.action(ids.HOME_ME_OFF)(on_me_off)
    app.action(ids.HOME_ME_PAUSE)(on_me_pause)
    app.action(ids.HOME_ME_RESUME)(on_me_resume)
    app.action(ids.HOME_ME_SKIP)(on_me_skip)


def _action(body: dict[str, Any]) -> tuple[str, str]:
    """The pressed button's action id and value."""
    action = (body.get("actions") or [{}])[0]
    return str(action.get("action_id") or ""), str(action.get("value") or "")


async def on_content_button(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
) -> None:
    """A content button (show a topic, its news, share it, list the topics): its answer from the
    table, in the message's place (or, shared, below it); one log line."""
    await ack()
    action_id, value = _action(body)
    button = button_for(action_id)
    if button is None:  # registered from the table: not reached
        return
    deps = services(context)
    reply = button.reply(deps.library, value, lambda: today(deps.clock), lambda: deps.calendar_url)
    await respond(
        **payloads.payload(
            reply,
            response_type=reply.response_type if button.keep else "ephemeral",
            replace_original=button.replaces,
        )
    )
    log.info(
        "action %s value=%s team=%s channel=%s",
        button.name,
        value,
        context.team_id,
        context.channel_id,
    )


async def on_link_button(ack: AsyncAck) -> None:
    """A button that opens a link (*Add to calendar*): Slack still sends the press, which is
    acknowledged (else the reader sees a warning on it); the link does the rest."""
    await ack()


# --- the Home tab -------------------------------------------------------------------------------
# Its buttons: subscribe a channel, and edit, pause, resume, preview or unsubscribe one. Each acts
# as the command would in that channel, once the presser is found to see that channel's
# subscription (as the tab decides it, asked again at every press: a tab may be stale, a press
# crafted); then the Home tab is published again with what happened at the top of the
# subscriptions.


async def _invocation(body: dict[str, Any], asker: Reader) -> Invocation:
    lang = await asker.lang()
    channel = _action(body)[1]
    return Invocation(asker.team_id, channel, asker.user_id, asker.enterprise_id, lang=lang)


async def _republish(
    deps: Services, client: AsyncWebClient, asker: Reader, lang: str, notice: str | None
) -> None:
    try:
        await home.publish(deps, client, asker.team_id, asker.profile, lang, notice=notice)
    except SlackApiError as exc:
        log.warning("home not refreshed team=%s: %s", asker.team_id, exc.response.get("error"))


async def _visible(
    what: str, deps: Services, client: AsyncWebClient, asker: Reader, inv: Invocation
) -> bool:
    """Whether the presser may see the channel's subscription; if not, they are told so in the
    tab and nothing is done."""
    verdict = await home.access(deps, client, inv.team_id, inv.user_id, inv.channel_id)
    if verdict == "yes":
        return True
    await _refused(what, deps, client, asker, inv, verdict)
    return False


async def _refused(
    what: str,
    deps: Services,
    client: AsyncWebClient,
    asker: Reader,
    inv: Invocation,
    verdict: Access,
) -> None:
    log.info(
        "home %s refused team=%s channel=%s user=%s: %s",
        what,
        inv.team_id,
        inv.channel_id,
        inv.user_id,
        verdict,
    )
    await _republish(deps, client, asker, inv.lang, home.refusal(verdict, inv.lang))


async def on_subscribe(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    asker = reader(context)
    lang = await asker.lang()
    await views.open_form(services(context), client, body, asker, lang, None)


async def on_edit(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    asker = reader(context)
    inv = await _invocation(body, asker)
    # open_form checks that the presser may see the channel's subscription
    await views.open_form(services(context), client, body, asker, inv.lang, inv.channel_id)


async def _change(
    body: dict[str, Any],
    context: AsyncBoltContext,
    client: AsyncWebClient,
    command: commands.ChannelCommand,
) -> None:
    deps, asker = services(context), reader(context)
    inv = await _invocation(body, asker)
    what = type(command).__name__.lower()
    if deps.channels is None or not inv.channel_id:
        return
    if not await _visible(what, deps, client, asker, inv):
        return
    reply = await deps.channels.handle(command, inv, asker.profile.get)
    log.info(
        "home %s team=%s channel=%s user=%s",
        what,
        inv.team_id,
        inv.channel_id,
        inv.user_id,
    )
    await _republish(deps, client, asker, inv.lang, reply.text)


async def on_pause(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    await _change(body, context, client, commands.Pause())


async def on_resume(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    await _change(body, context, client, commands.Resume())


async def on_unsubscribe(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    await _change(body, context, client, commands.Unsubscribe())


async def _mine(
    context: AsyncBoltContext, client: AsyncWebClient, command: commands.ChannelCommand
) -> None:
    """A command on the reader's own digest, from its buttons on the Home tab (``subscribe me``
    with its defaults: their language and zone; ``unsubscribe me``, ``pause me``, ``resume me``,
    ``skip next me``), then the tab again with what happened. A ``… me`` command finds the
    presser's own subscription: no button value to trust."""
    deps, asker = services(context), reader(context)
    if deps.channels is None:
        return
    lang = await asker.lang()
    inv = Invocation(asker.team_id, "", asker.user_id, asker.enterprise_id, lang=lang)
    reply = await deps.channels.handle(command, inv, asker.profile.get)
    what = type(command).__name__.lower()
    log.info("home me %s team=%s user=%s", what, inv.team_id, inv.user_id)
    await _republish(deps, client, asker, lang, reply.text)


async def on_me_on(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    await _mine(context, client, commands.Subscribe((), me=True))


async def on_me_off(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    await _mine(context, client, commands.Unsubscribe(me=True))


async def on_me_pause(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    await _mine(context, client, commands.Pause(me=True))


async def on_me_resume(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    await _mine(context, client, commands.Resume(me=True))


async def on_me_skip(ack: AsyncAck, client: AsyncWebClient, context: AsyncBoltContext) -> None:
    await ack()
    await _mine(context, client, commands.Skip(("next",), me=True))


async def on_preview(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """The channel's next post, to the user alone: an ephemeral message in the channel, or,
    where Slack refuses one (the user or the bot is not in it), in a modal.

    A modal needs the press's trigger_id, good for 3 s from the click; finding the preview may
    take longer (users.info, the database, a refused chat.postEphemeral). So when it is not done
    within PREVIEW_INLINE_SECONDS, a modal is opened at once in a loading state and updated with
    what came of it (the preview, or what the Home tab says)."""
    await ack()
    deps, asker = services(context), reader(context)
    trigger = str(body.get("trigger_id") or "")
    lang = asyncio.ensure_future(asker.lang())
    work = asyncio.ensure_future(_preview(deps, client, asker, body))
    await asyncio.wait((work,), timeout=PREVIEW_INLINE_SECONDS)
    if work.done():
        view, _ = work.result()
        if view is not None:
            await client.views_open(trigger_id=trigger, view=view.to_dict())
        return
    loading = forms.preview_view([], lang.result() if lang.done() else DEFAULT)
    try:
        opened = await client.views_open(trigger_id=trigger, view=loading.to_dict())
    except SlackApiError as exc:  # the work goes on: the ephemeral message, the Home tab
        log.warning("preview modal not opened: %s", exc.response.get("error"))
        await work
        return
    view, notice = await work
    if view is None:
        reader_lang = await lang
        view = forms.message_view(t(reader_lang, "form.preview_title"), notice or "", reader_lang)
    view_id = str((opened.get("view") or {}).get("id") or "")
    await client.views_update(view_id=view_id, view=view.to_dict())


async def _preview(
    deps: Services, client: AsyncWebClient, asker: Reader, body: dict[str, Any]
) -> tuple[View | None, str | None]:
    """Preview the channel's next post: the modal to show it in, where it could not be posted
    to the user in the channel (else None), and what the Home tab was told (else None)."""
    inv = await _invocation(body, asker)
    if deps.channels is None or not inv.channel_id:
        return None, None
    verdict = await home.access(deps, client, inv.team_id, inv.user_id, inv.channel_id)
    if verdict != "yes":
        await _refused("preview", deps, client, asker, inv, verdict)
        return None, home.refusal(verdict, inv.lang)
    reply = await deps.channels.preview(inv)
    try:
        await client.chat_postEphemeral(
            channel=inv.channel_id, user=inv.user_id, **payloads.payload(reply)
        )
    except SlackApiError as exc:
        log.info(
            "preview in a modal team=%s channel=%s: %s",
            inv.team_id,
            inv.channel_id,
            exc.response.get("error"),
        )
        return forms.preview_view(list(reply.blocks), inv.lang), None
    notice = t(inv.lang, "home.preview_sent", channel=f"<#{inv.channel_id}>")
    await _republish(deps, client, asker, inv.lang, notice)
    return None, notice
