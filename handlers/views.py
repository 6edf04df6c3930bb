"""The subscription form: opening it (from the Home tab, a `/declaration subscribe` reply or
`help`) and its submission, checked by the same parser as the command."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.i18n import LANGS, t
from bot.services import Services
from bot.slack.ids import COMMAND, FIELD_CHANNEL, FIELD_DAYS, FORM_ACTION, FORM_CALLBACK
from bot.slack.reach import ChannelInfo
from bot.subscriptions import form as forms
from bot.subscriptions import home
from bot.subscriptions.model import Problem
from bot.subscriptions.replies import Invocation
from handlers.context import Reader, reader, services

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
    if not await deps.channels.may_change(inv, profile.get):
        text = t(lang, "channels.admins_only", command=COMMAND)
        view = forms.message_view(t(lang, "form.admins_title"), text, lang)
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
    deps, asker = services(context), reader(context)
    team, user, enterprise = asker.team_id, asker.user_id, asker.enterprise_id
    profile = asker.profile
    lang = forms.metadata(view).get("lang")
    if lang not in LANGS:
        lang = await asker.lang()
    chosen = forms.read_submission(view)
    fixed = bool(forms.metadata(view).get("channel"))
    inv = Invocation(team, chosen.channel or "", user, enterprise, lang=lang)

    async def refuse(problem: Problem) -> None:
        log.info("form refused team=%s channel=%s: %s", team, chosen.channel, problem.code)
        errors = forms.errors(problem, lang, channel_fixed=fixed)
        await ack(response_action="errors", errors=errors)

    if deps.channels is None:
        await ack(response_action="errors", errors={FIELD_DAYS: t(lang, "error.no_store")})
        return
    if not await deps.channels.may_change(inv, profile.get):
        text = t(lang, "channels.admins_only", command=COMMAND)
        await ack(response_action="errors", errors=forms.error_at(text, channel_fixed=fixed))
        return
    problem = chosen.problem()
    if problem is None and chosen.channel:
        problem = await _reach_problem(deps, client, team, chosen.channel)
    if problem is not None:
        await refuse(problem)
        return
    if chosen.channel:
        # the presser may see that channel's subscription (or would, once it exists)
        verdict = await home.access(deps, client, team, user, chosen.channel)
        if verdict != "yes":
            log.info(
                "form refused team=%s channel=%s user=%s: %s",
                team,
                chosen.channel,
                user,
                verdict,
            )
            text = home.refusal(verdict, lang)
            await ack(response_action="errors", errors=forms.error_at(text, channel_fixed=fixed))
            return
    parsed = deps.channels.parse(tuple(chosen.words()), chosen.tz, lang)
    if isinstance(parsed, Problem):
        await refuse(parsed)
        return
    try:
        reply = await deps.channels.apply(parsed, inv)
    except Exception:
        log.exception("form failed team=%s channel=%s", team, chosen.channel)
        failed = forms.error_at(t(lang, "error.failed"), channel_fixed=fixed)
        await ack(response_action="errors", errors=failed)
        return
    done = forms.message_view(t(lang, "form.saved_title"), reply.text, lang)
    await ack(response_action="update", view=done.to_dict())
    try:
        await home.publish(deps, client, team, profile, lang)
    except SlackApiError as exc:
        log.warning("home not refreshed team=%s: %s", team, exc.response.get("error"))
