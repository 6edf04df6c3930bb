"""Events: the App Home tab, and losing access to a workspace."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import Deps
from bot.clock import today
from bot.home import home_blocks

log = logging.getLogger("declaration_bot.event")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient, context: Any) -> None:
        if event.get("tab") not in (None, "home"):
            return
        team = context.get("team_id")
        subs = []
        if deps.store is not None and team:
            subs = await asyncio.to_thread(deps.store.list_team, team)
        user = str(event.get("user") or "")
        profile = deps.locales.profile(client, {"team_id": team, "user_id": user})
        lang = await deps.locales.lang_of(profile, "")
        blocks = home_blocks(deps, today(deps.clock), subs, lang)
        view = View(type="home", blocks=blocks)
        await client.views_publish(user_id=event["user"], view=view.to_dict())
        log.info(
            "home published team=%s user=%s subscriptions=%d", team, event.get("user"), len(subs)
        )

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
