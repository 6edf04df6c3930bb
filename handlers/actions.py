"""Button presses: on our messages (show a topic, its news, share it, list the topics) and in the
Home tab (manage the workspace's subscriptions)."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import commands
from bot.answers import core, replies
from bot.i18n import t
from bot.services import Services
from bot.slack import ids, payloads
from bot.subscriptions import form as forms
from bot.subscriptions import home
from bot.subscriptions.profiles import UserProfile
from bot.subscriptions.replies import Invocation
from handlers import views

log = logging.getLogger("declaration_bot.action")


def _value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


async def _answer(
    respond: AsyncRespond,
    body: dict[str, Any],
    context: AsyncBoltContext,
    reply: payloads.Reply,
    event: str,
    *,
    keep: bool,
) -> None:
    """Answer a button press in the message's place (or below it with ``keep``); one log line."""
    await respond(
        **payloads.payload(
            reply,
            response_type=reply.response_type if keep else "ephemeral",
            replace_original=not keep,
        )
    )
    log.info(
        "action %s value=%s team=%s channel=%s",
        event,
        _value(body),
        context.team_id,
        context.channel_id,
    )


def register(app: AsyncApp, deps: Services) -> None:
    @app.action(re.compile(rf"^{ids.SHOW_ACTION}(:.*)?$"))
    async def on_show(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        reply = core.topic_by_id(deps.library, _value(body))
        await _answer(respond, body, context, reply, "show", keep=False)

    @app.action(re.compile(rf"^{ids.NEWS_ACTION}(:.*)?$"))
    async def on_news(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        reply = core.news_by_id(deps.library, _value(body))
        await _answer(respond, body, context, reply, "news", keep=False)

    @app.action(ids.SHARE_ACTION)
    async def on_share(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        reply = core.topic_by_id(deps.library, _value(body), shared=True)
        await _answer(respond, body, context, reply, "share", keep=True)

    @app.action("list_topics")
    async def on_list(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        reply = replies.topics_reply(deps.library.for_lang(_value(body) or "en"))
        await _answer(respond, body, context, reply, "topics", keep=False)


def register_home(app: AsyncApp, deps: Services) -> None:
    """The Home tab's buttons: subscribe a channel, and edit, pause, resume, preview or
    unsubscribe one. Each acts as the command would in that channel, once the presser is found to
    see that channel's subscription (as the tab decides it, asked again at every press: a tab
    may be stale, a press crafted); then the Home tab is published again with what happened at
    the top of the subscriptions."""

    async def context_of(
        body: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient
    ) -> tuple[Invocation, UserProfile]:
        team, user, enterprise = views.who(context)
        profile = deps.locales.profile(client, team, user)
        lang = await deps.locales.lang_of(profile)
        inv = Invocation(team, _value(body), user, enterprise, lang=lang)
        return inv, profile

    async def republish(
        client: AsyncWebClient, inv: Invocation, profile: UserProfile, notice: str | None
    ) -> None:
        try:
            await home.publish(deps, client, inv.team_id, profile, inv.lang, notice=notice)
        except SlackApiError as exc:
            log.warning("home not refreshed team=%s: %s", inv.team_id, exc.response.get("error"))

    async def visible(
        what: str, client: AsyncWebClient, inv: Invocation, profile: UserProfile
    ) -> bool:
        """Whether the presser may see the channel's subscription; if not, they are told so in
        the tab and nothing is done."""
        verdict = await home.access(deps, client, inv.team_id, inv.user_id, inv.channel_id)
        if verdict == "yes":
            return True
        log.info(
            "home %s refused team=%s channel=%s user=%s: %s",
            what,
            inv.team_id,
            inv.channel_id,
            inv.user_id,
            verdict,
        )
        await republish(client, inv, profile, home.refusal(verdict, inv.lang))
        return False

    @app.action(home.SUBSCRIBE)
    async def on_subscribe(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        inv, profile = await context_of(body, context, client)
        await views.open_form(deps, client, body, context, profile, inv.lang, None)

    @app.action(home.EDIT)
    async def on_edit(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        inv, profile = await context_of(body, context, client)
        # open_form checks that the presser may see the channel's subscription
        await views.open_form(deps, client, body, context, profile, inv.lang, inv.channel_id)

    async def change(
        body: dict[str, Any],
        context: AsyncBoltContext,
        client: AsyncWebClient,
        command: commands.ChannelCommand,
    ) -> None:
        inv, profile = await context_of(body, context, client)
        what = type(command).__name__.lower()
        if deps.channels is None or not inv.channel_id:
            return
        if not await visible(what, client, inv, profile):
            return
        reply = await deps.channels.handle(command, inv, profile.get)
        log.info(
            "home %s team=%s channel=%s user=%s",
            what,
            inv.team_id,
            inv.channel_id,
            inv.user_id,
        )
        await republish(client, inv, profile, reply.text)

    @app.action(home.PAUSE)
    async def on_pause(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        await change(body, context, client, commands.Pause())

    @app.action(home.RESUME)
    async def on_resume(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        await change(body, context, client, commands.Resume())

    @app.action(home.UNSUBSCRIBE)
    async def on_unsubscribe(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        await change(body, context, client, commands.Unsubscribe())

    @app.action(home.PREVIEW)
    async def on_preview(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """The channel's next post, to the user alone: an ephemeral message in the channel, or,
        where Slack refuses one (the user or the bot is not in it), in a modal."""
        await ack()
        inv, profile = await context_of(body, context, client)
        if deps.channels is None or not inv.channel_id:
            return
        if not await visible("preview", client, inv, profile):
            return
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
            shown = forms.preview_view(list(reply.blocks), inv.lang)
            trigger = str(body.get("trigger_id") or "")
            await client.views_open(trigger_id=trigger, view=shown.to_dict())
            return
        notice = t(inv.lang, "home.preview_sent", channel=f"<#{inv.channel_id}>")
        await republish(client, inv, profile, notice)
