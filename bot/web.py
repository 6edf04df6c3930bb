"""HTTP mode: an ASGI app (Starlette) served by uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import hmac
import logging
import signal
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING

from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.content import Library

if TYPE_CHECKING:
    from bot.app import Runtime

log = logging.getLogger("declaration_bot.web")

EVENTS_PATH = "/slack/events"
CALENDAR_PATH = "/summits.ics"
READY_TIMEOUT = 2.0  # seconds the database has to answer a readiness probe


class RequestSigning:
    """Slack's request signature, checked over the raw bytes (``v0=`` HMAC-SHA256 of
    ``v0:{timestamp}:{body}``) with a numeric timestamp at most five minutes from now. slack_sdk's
    verifier decodes the body as UTF-8 first, which fails on bodies that are not: those must be
    refused for their signature like any other."""

    MAX_AGE = 60 * 5

    def __init__(self, secret: str, now: Callable[[], float] = time.time) -> None:
        self.secret = secret.encode()
        self.now = now

    def valid(self, body: bytes, headers: Mapping[str, str]) -> bool:
        timestamp = headers.get("x-slack-request-timestamp") or ""
        signature = headers.get("x-slack-signature") or ""
        if not (timestamp.isascii() and timestamp.isdigit() and signature):
            return False
        if abs(self.now() - int(timestamp)) > self.MAX_AGE:
            return False
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def create_web_app(
    bolt: AsyncApp,
    *,
    signing_secret: str,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], object] | None = None,
    extra_routes: list[Route] | None = None,
) -> Starlette:
    """The HTTP app. Every request to the events URL is checked on its raw bytes before anything
    reads it (so Bolt's own check is off): unsigned, stale or wrongly signed requests get 401
    whatever their body; signed bodies that do not parse get 400; nothing ends in a 5xx."""
    handler = AsyncSlackRequestHandler(bolt)
    signing = RequestSigning(signing_secret)

    async def events(request: Request) -> Response:
        body = await request.body()  # Starlette keeps it for the handler
        if not signing.valid(body, request.headers):
            log.info("refused request without a valid signature status=401")
            return PlainTextResponse("invalid request signature\n", status_code=401)
        try:
            response = await handler.handle(request)
        except Exception as exc:  # the body does not parse (not UTF-8, not JSON, not an object)
            log.warning("refused malformed request status=400 error=%s", type(exc).__name__)
            return PlainTextResponse("malformed request body\n", status_code=400)
        if response.status_code >= 500:
            # Bolt answers 500 when a listener fails on a payload it cannot use (a required field
            # missing): a malformed request, not a reason for Slack to send it again
            log.error("request could not be handled status=%s", response.status_code)
            return PlainTextResponse("could not handle this request\n", status_code=400)
        return response

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


def bot_web_app(
    rt: Runtime,
    bolt: AsyncApp,
    *,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], object] | None = None,
) -> Starlette:
    """The web app ``serve`` serves: the Slack events URL, the calendar feed, the probes and
    (unless turned off) the metrics."""
    secret = rt.settings.slack_signing_secret
    assert secret is not None  # required for serve (config.require)
    store = rt.store
    return create_web_app(
        bolt,
        signing_secret=secret.get_secret_value(),
        on_startup=on_startup,
        on_shutdown=on_shutdown,
        extra_routes=[
            calendar_route(lambda: rt.library),
            *ops_routes(
                ping_database=store.ping if store else None,
                gauges=(lambda: store.gauges(rt.clock.now())) if store else None,
                library=lambda: rt.library,
                metrics_on=rt.settings.metrics,
            ),
        ],
    )


def calendar_route(library: Callable[[], Library]) -> Route:
    """``GET /summits.ics``: the summits as an iCalendar feed people subscribe to."""

    async def feed(_: Request) -> Response:
        # imported at the first request: icalendar is memory every process would carry for a
        # feed that calendar apps fetch a few times a day
        from bot.calendar import summits_ics

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
    # uvicorn shuts down gracefully on SIGTERM (the clock's shutdown included), then raises the
    # signal again for the handler that was there before it: let that one end the process with
    # exit status 0 (a SIGTERM before uvicorn is up ends it the same way)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
