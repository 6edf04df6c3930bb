"""What every listener finds on Bolt's ``context``, put there once per request by
:class:`Listening` (a middleware the composition root registers before the listeners): the
running bot's services, and who is asking and in which language (:class:`Reader`).

The reader's Slack profile (``users.info``) and language are asked for at most once per
request, and only when a listener awaits them: a question about the content in ``lang:fr``, or
a request that needs no reader at all, never pays for them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import cast

from slack_bolt import BoltResponse
from slack_bolt.async_app import AsyncBoltContext
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.services import Services
from bot.subscriptions.profiles import Locales, UserProfile

SERVICES = "services"
READER = "reader"


class Reader:
    """Who is asking: the workspace and organization Bolt authorized the request for (bot.gate
    has checked the body names no other), the user, their profile (lazy) and their language."""

    def __init__(
        self,
        locales: Locales,
        profile: UserProfile,
        team_id: str,
        user_id: str,
        enterprise_id: str | None,
    ) -> None:
        self.locales = locales
        self.profile = profile
        self.team_id = team_id
        self.user_id = user_id
        self.enterprise_id = enterprise_id

    async def lang(self, asked: str | None = None) -> str:
        """``asked`` (a ``lang:`` typed in the command), else the reader's Slack locale (cached
        across requests; asked of Slack at most once in this one)."""
        return await self.locales.lang_of(self.profile, asked)


class Listening(AsyncMiddleware):
    """Puts the services and the reader on each request's context. A middleware class rather than
    a decorated function: Bolt calls it without building keyword arguments for it."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],
    ) -> BoltResponse:
        context = req.context
        deps = self.services
        team, user = context.team_id or "", context.user_id or ""
        # a command's users.info goes on the shared pool of connections (as its reply does);
        # the other requests' on Bolt's client, which their further calls use too
        pool = deps.http if "command" in req.body else None
        profile = deps.locales.profile(context.client, team, user, pool)
        context[SERVICES] = deps
        context[READER] = Reader(deps.locales, profile, team, user, context.enterprise_id or None)
        return await next()


def services(context: AsyncBoltContext) -> Services:
    """The running bot's services (see :class:`Listening`)."""
    return cast(Services, context[SERVICES])


def reader(context: AsyncBoltContext) -> Reader:
    """Who is asking (see :class:`Listening`)."""
    return cast(Reader, context[READER])
