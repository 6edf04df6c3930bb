"""Events: the App Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from bot import render
from bot.app import Deps
from bot.clock import today

log = logging.getLogger("declaration_bot.event")


def register(app: AsyncApp, deps: Deps) -> None:
    @app.event("app_home_opened")
    async def on_home(event: dict[str, Any], client: AsyncWebClient, context: Any) -> None:
        if event.get("tab") not in (None, "home"):
            return
        view = View(type="home", blocks=render.home_blocks(deps.library, today(deps.clock)))
        await client.views_publish(user_id=event["user"], view=view.to_dict())
        log.info("home published team=%s user=%s", context.get("team_id"), event.get("user"))
