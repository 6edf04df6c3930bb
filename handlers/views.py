"""The subscription form: opening it (from the Home tab, a `/declaration subscribe` reply or
`help`) and its submission, read into the same draft as the command's words and checked by the
same validation."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import LANGS, t
from bot.services import Services
from bot.slack.ids import FIELD_CHANNEL, FORM_ACTION, FORM_CALLBACK
from bot.slack.reach import ChannelInfo
from bot.subscriptions import form as forms
from bot.subscriptions import home
from bot.subscriptions.model import Problem, Request
from bot.subscriptions.replies import Invocation
from handlers.context import Reader, reader, services

if TYPE_CHECKING:
    from bot.subscriptions.service import Channels

log = logging.getLogger("declaration_bot.form")

CHECK_SECONDS = 1.0  # the channel check may take this long; Slack wants an answer within 3 s


async def open_form(
    deps: Services,
    client: AsyncWebClient,
    body: dict[str, Any],
    asker: Reader,
    lang: str,
    channel: str | None,
) -> None:
    """Open the form for ``channel``: its subscription to edit, or a new one (``None``: the form
    asks which channel). Someone who may not change subscriptions, or may not see that channel's,
    is told so instead."""
    team, user, enterprise = asker.team_id, asker.user_id, asker.enterprise_id
    profile = asker.profile
    trigger = str(body.get("trigger_id") or "")
    if deps.channels is None or deps.store is None:
        view = forms.message_view(t(lang, "form.title_new"), t(lang, "error.no_store"), lang)
        await client.views_open(trigger_id=trigger, view=view.to_dict())
        return
    inv = Invocation(team, channel or "", user, enterprise, lang=lang)
    refused = await deps.channels.refused(inv, profile.get)
    if refused is not None:
        view = forms.message_view(t(lang, "form.admins_title"), refused.text, lang)
        await client.views_open(trigger_id=trigger, view=view.to_dict())
        return
    if channel:
        verdict = await home.access(deps, client, team, user, channel)
        if verdict != "yes":
            log.info("form refused team=%s channel=%s user=%s: %s", team, channel, user, verdict)
            text = home.refusal(verdict, lang)
            view = forms.message_view(t(lang, "form.hidden_title"), text, lang)
            await client.views_open(trigger_id=trigger, view=view.to_dict())
            return
    sub = await asyncio.to_thread(deps.store.get, team, channel) if channel else None
    info = await profile.get() or {}
    form = forms.form_for(sub, channel, str(info.get("tz") or ""), lang)
    view = forms.form_view(form, deps.library, lang)
    await client.views_open(trigger_id=trigger, view=view.to_dict())
    log.info("form opened team=%s channel=%s user=%s edit=%s", team, channel, user, form.fixed)


async def _reach_problem(
    deps: Services, client: AsyncWebClient, team: str, channel: str
) -> Problem | None:
    """Whether the bot can post to the chosen channel (asked again: it may just have been
    invited). Slack not answering in time is not a reason to refuse here; the check that the
    presser may see the channel, which comes next, refuses then (it fails closed)."""
    found = await deps.reach.info(client, team, channel, fresh=True, timeout=CHECK_SECONDS)
    if found is None:
        return Problem(FIELD_CHANNEL, "channel_hidden")
    if isinstance(found, ChannelInfo) and found.is_archived:
        return Problem(FIELD_CHANNEL, "channel_archived")
    return None


def register(app: AsyncApp) -> None:
    app.action(FORM_ACTION)(on_form_button)
    app.view(FORM_CALLBACK)(on_submit)


async def on_form_button(
    ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    await ack()
    asker = reader(context)
    value = str(((body.get("actions") or [{}])[0]).get("value") or "")
    channel = value or context.channel_id or None
    lang = await asker.lang()
    await open_form(services(context), client, body, asker, lang, channel)


async def on_submit(
    ack: AsyncAck, view: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
) -> None:
    """A submitted form: refused under the field it is about (the same validation as the
    command's words), or saved, the modal saying so and the Home tab refreshed."""
    deps, asker = services(context), reader(context)
    lang = forms.metadata(view).get("lang")
    if lang not in LANGS:
        lang = await asker.lang()
    chosen = forms.read_submission(view)
    fixed = bool(forms.metadata(view).get("channel"))
    checked = await _check(deps, client, asker, chosen, lang)
    if isinstance(checked, Problem):
        log.info("form refused team=%s channel=%s: %s", asker.team_id, chosen.channel, checked.code)
        await ack(response_action="errors", errors=forms.errors(checked, lang, channel_fixed=fixed))
        return
    if isinstance(checked, str):
        await ack(response_action="errors", errors=forms.error_at(checked, channel_fixed=fixed))
        return
    channels, req = checked
    inv = Invocation(
        asker.team_id, chosen.channel or "", asker.user_id, asker.enterprise_id, lang=lang
    )
    try:
        reply = await channels.apply(req, inv)
    except Exception:
        log.exception("form failed team=%s channel=%s", asker.team_id, chosen.channel)
        failed = forms.error_at(t(lang, "error.failed"), channel_fixed=fixed)
        await ack(response_action="errors", errors=failed)
        return
    done = forms.message_view(t(lang, "form.saved_title"), reply.text, lang)
    await ack(response_action="update", view=done.to_dict())
    try:
        await home.publish(deps, client, asker.team_id, asker.profile, lang)
    except SlackApiError as exc:
        log.warning("home not refreshed team=%s: %s", asker.team_id, exc.response.get("error"))


async def _check(
    deps: Services,
    client: AsyncWebClient,
    asker: Reader,
    chosen: forms.Submission,
    lang: str,
) -> tuple[Channels, Request] | Problem | str:
    """A submission checked, in order: a store to save to, a presser who may change
    subscriptions, a channel and a day (:meth:`forms.Submission.problem`), a channel the bot can
    post to and the presser may see, then the subscription itself (one validation with the
    command's words). A refusal that is no :class:`Problem` is a message of ours (mrkdwn)."""
    team, user = asker.team_id, asker.user_id
    if deps.channels is None:
        return t(lang, "error.no_store")
    inv = Invocation(team, chosen.channel or "", user, asker.enterprise_id, lang=lang)
    refused = await deps.channels.refused(inv, asker.profile.get)
    if refused is not None:
        return refused.text
    problem = chosen.problem()
    if problem is None and chosen.channel:
        problem = await _reach_problem(deps, client, team, chosen.channel)
    if problem is not None:
        return problem
    if chosen.channel:
        # the presser may see that channel's subscription (or would, once it exists)
        verdict = await home.access(deps, client, team, user, chosen.channel)
        if verdict != "yes":
            log.info(
                "form refused team=%s channel=%s user=%s: %s", team, chosen.channel, user, verdict
            )
            return home.refusal(verdict, lang)
    checked = deps.channels.check(chosen.draft())
    return checked if isinstance(checked, Problem) else (deps.channels, checked)
