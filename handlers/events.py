"""Events: the App Home tab."""

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
        blocks = home_blocks(deps, today(deps.clock), subs)
        view = View(type="home", blocks=blocks)
        await client.views_publish(user_id=event["user"], view=view.to_dict())
        log.info(
            "home published team=%s user=%s subscriptions=%d", team, event.get("user"), len(subs)
        )
