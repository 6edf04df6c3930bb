"""HTTP mode: an ASGI app (Starlette) served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.calendar import summits_ics
from bot.content import Library

EVENTS_PATH = "/slack/events"
CALENDAR_PATH = "/summits.ics"
READY_TIMEOUT = 2.0  # seconds the database has to answer a readiness probe


def create_web_app(
    bolt: AsyncApp,
    *,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], object] | None = None,
    extra_routes: list[Route] | None = None,
) -> Starlette:
    handler = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def oauth(request: Request) -> Response:
        return await handler.handle(request)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if on_startup is not None:
            on_startup()
        try:
            yield
        finally:
            if on_shutdown is not None:
                result = on_shutdown()
                if hasattr(result, "__await__"):
                    await result

    return Starlette(
        routes=[
            Route(EVENTS_PATH, events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET", "HEAD"]),
            *(
                [
                    Route(bolt.oauth_flow.install_path, oauth, methods=["GET"]),
                    Route(bolt.oauth_flow.redirect_uri_path, oauth, methods=["GET"]),
                ]
                if bolt.oauth_flow is not None
                else []
            ),
            *(extra_routes or []),
        ],
        lifespan=lifespan,
    )


def calendar_route(library: Callable[[], Library]) -> Route:
    """``GET /summits.ics``: the summits as an iCalendar feed people subscribe to."""

    async def feed(_: Request) -> Response:
        return Response(
            summits_ics(library()),
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": 'inline; filename="summits.ics"',
                "Cache-Control": "public, max-age=3600",
            },
        )

    return Route(CALENDAR_PATH, feed, methods=["GET", "HEAD"])


def ops_routes(
    *,
    ping_database: Callable[[], object] | None,
    gauges: Callable[[], dict[str, int]] | None,
    library: Callable[[], Library],
    metrics_on: bool,
) -> list[Route]:
    """``GET /readyz`` (ready to take traffic) and, unless turned off, ``GET /metrics``."""

    async def readyz(_: Request) -> Response:
        problems = []
        try:
            if not library().topics:
                problems.append("content: no topics loaded")
        except Exception as exc:
            problems.append(f"content: {type(exc).__name__}")
        if ping_database is not None:
            try:
                await asyncio.wait_for(asyncio.to_thread(ping_database), READY_TIMEOUT)
            except Exception as exc:  # down, locked, or too slow to count as ready
                problems.append(f"database: {type(exc).__name__}")
        if problems:
            return PlainTextResponse("not ready: " + "; ".join(problems) + "\n", status_code=503)
        return PlainTextResponse("ready\n")

    async def metrics_page(_: Request) -> Response:
        from bot import metrics

        body = await asyncio.to_thread(metrics.exposition, gauges)
        return Response(body, media_type=metrics.CONTENT_TYPE)

    routes = [Route("/readyz", readyz, methods=["GET", "HEAD"])]
    if metrics_on:
        routes.append(Route("/metrics", metrics_page, methods=["GET"]))
    return routes


def serve(web: Starlette, port: int, log_level: str, host: str = "0.0.0.0") -> None:
    import uvicorn

    config = uvicorn.Config(
        web,
        host=host,
        port=port,
        log_level=log_level.lower(),
        access_log=False,
        log_config=None,  # keep our one-line format
        proxy_headers=True,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
