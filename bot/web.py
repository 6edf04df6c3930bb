"""HTTP mode: an ASGI app (Starlette) served by uvicorn."""

from __future__ import annotations

import contextlib
import errno
import socket
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


class ListenError(Exception):
    """The address cannot be listened on; the message says why and what to do."""


def listen(host: str, port: int) -> socket.socket:
    """Bind ``host:port`` before anything starts, so a port in use is one clear line."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as exc:
        raise ListenError(
            f"cannot listen on {host}:{port}: {getattr(exc, 'strerror', None) or exc}; give "
            "--host an address of this machine, e.g. 0.0.0.0 or 127.0.0.1"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            what = (
                "the port is already in use; stop the program using it or set PORT "
                "(or --port) to a free port"
            )
        elif exc.errno == errno.EACCES:
            what = "permission denied; use a port above 1023, e.g. PORT=3000"
        else:
            what = f"{exc.strerror or exc}; check --host and PORT"
        raise ListenError(f"cannot listen on {host}:{port}: {what}") from None
    return sock


def serve(
    web: Starlette,
    port: int,
    log_level: str,
    host: str = "0.0.0.0",
    sock: socket.socket | None = None,
) -> None:
    """Serve ``web`` with uvicorn, on ``sock`` when given (see ``listen``), else ``host:port``."""
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
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)
