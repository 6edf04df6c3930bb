"""Events: the App Home tab, and losing access to a workspace."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from bot.services import Services
from bot.subscriptions import home

log = logging.getLogger("declaration_bot.event")


def register(app: AsyncApp, deps: Services) -> None:
    @app.event("app_home_opened")
    async def on_home(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        # the workspace Bolt authorized; bot.gate has checked the user's id is one
        team = context.team_id or ""
        user = str(event.get("user") or "")
        profile = deps.locales.profile(client, team, user)
        lang = await deps.locales.lang_of(profile)
        await home.publish(deps, client, team, profile, lang)

    async def forget(context: AsyncBoltContext, why: str) -> None:
        team, enterprise = context.team_id, context.enterprise_id
        if deps.installations is not None:
            await asyncio.to_thread(deps.installations.forget_sync, enterprise, team)
        elif deps.store is not None and team:
            # single-workspace mode: no tokens of ours to delete, but the subscriptions stop
            await asyncio.to_thread(deps.store.delete_team, team)
        if deps.tokens is not None:
            deps.tokens.forget(team, enterprise)
        log.warning("workspace forgotten (%s) team=%s enterprise=%s", why, team, enterprise)

    @app.event("app_uninstalled")
    async def on_uninstalled(context: AsyncBoltContext) -> None:
        await forget(context, "app_uninstalled")

    @app.event("tokens_revoked")
    async def on_tokens_revoked(event: dict[str, Any], context: AsyncBoltContext) -> None:
        tokens = event.get("tokens")
        bots = tokens.get("bot") if isinstance(tokens, dict) else None
        if bots:
            await forget(context, "bot token revoked")
        else:
            log.info("user tokens revoked team=%s (we keep none)", context.team_id)
