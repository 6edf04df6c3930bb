"""Events: the App Home tab, and losing access to a workspace."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot import home
from bot.app import Deps

log = logging.getLogger("declaration_bot.event")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient, context: Any) -> None:
        if event.get("tab") not in (None, "home"):
            return
        team = str(context.get("team_id") or "")
        user = str(event["user"])
        profile = deps.locales.profile(client, {"team_id": team, "user_id": user})
        lang = await deps.locales.lang_of(profile)
        await home.publish(deps, client, team, profile, lang)

    async def forget(body: dict[str, Any], why: str) -> None:
        team = body.get("team_id")
        enterprise = body.get("enterprise_id")
        if deps.installations is not None:
            await asyncio.to_thread(deps.installations.forget_sync, enterprise, team)
        elif deps.store is not None and team:
            # single-workspace mode: no tokens of ours to delete, but the subscriptions stop
            await asyncio.to_thread(deps.store.delete_team, team)
        if deps.tokens is not None:
            deps.tokens.forget(team, enterprise)
        log.warning("workspace forgotten (%s) team=%s enterprise=%s", why, team, enterprise)

    @app.event("app_uninstalled")
    async def on_uninstalled(body: dict[str, Any]) -> None:
        await forget(body, "app_uninstalled")

    @app.event("tokens_revoked")
    async def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any]) -> None:
        bots = (event.get("tokens") or {}).get("bot") or []
        if bots:
            await forget(body, "bot token revoked")
        else:
            log.info("user tokens revoked team=%s (we keep none)", body.get("team_id"))
