"""Events: the App Home tab, and losing access to a workspace."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.subscriptions import home
from handlers.context import reader, services

log = logging.getLogger("declaration_bot.event")


def register(app: AsyncApp) -> None:
    app.event("app_home_opened")(on_home)
    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


async def on_home(event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext) -> None:
    if event.get("tab") not in (None, "home"):
        return
    # the workspace Bolt authorized, the user of the event (bot.gate has checked its shape)
    asker = reader(context)
    lang = await asker.lang()
    await home.publish(services(context), client, asker.team_id, asker.profile, lang)


async def _forget(context: AsyncBoltContext, why: str) -> None:
    deps = services(context)
    team, enterprise = context.team_id, context.enterprise_id
    if deps.installations is not None:
        await asyncio.to_thread(deps.installations.forget_sync, enterprise, team)
    elif deps.store is not None and team:
        # single-workspace mode: no tokens of ours to delete, but the subscriptions stop
        await asyncio.to_thread(deps.store.delete_team, team)
    if deps.tokens is not None:
        deps.tokens.forget(team, enterprise)
    log.warning("workspace forgotten (%s) team=%s enterprise=%s", why, team, enterprise)


async def on_uninstalled(context: AsyncBoltContext) -> None:
    await _forget(context, "app_uninstalled")


async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
    tokens = event.get("tokens")
    bots = tokens.get("bot") if isinstance(tokens, dict) else None
    if bots:
        await _forget(context, "bot token revoked")
    else:
        log.info("user tokens revoked team=%s (we keep none)", context.team_id)
