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
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from slack_bolt.adapter.starlette.async_handler import (
    to_async_bolt_request,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.content.library import Library

if TYPE_CHECKING:
    import uvicorn

    from bot.app import Runtime

log = logging.getLogger("declaration_bot.web")
T = TypeVar("T")

EVENTS_PATH = "/slack/events"
CALENDAR_PATH = "/summits.ics"
EVENT_CALENDAR_PATH = "/summits/{event_id}.ics"  # one event's own file
READY_TIMEOUT = 2.0  # seconds the database has to answer a readiness probe
# The largest request body read: Slack's payloads are a few KB (a modal's state, a message's
# blocks); a body over it gets 413 and is not read further
MAX_BODY_BYTES = 1024 * 1024
# The database's gauges in /metrics are read at most once in this many seconds, however often
# (and by however many) /metrics is scraped
GAUGES_SECONDS = 5.0


def refused(text: str, status: int) -> Response:
    """A refusal sent before the request's body was read (or all of it): the connection is closed
    after it, so the rest of the body is neither read nor waited for."""
    return PlainTextResponse(text, status_code=status, headers={"Connection": "close"})


class RequestSigning:
    """Slack's request signature, checked over the raw bytes (``v0=`` HMAC-SHA256 of
    ``v0:{timestamp}:{body}``) with a timestamp at most five minutes from now. slack_sdk's
    verifier decodes the body as UTF-8 first, which fails on bodies that are not: those must be
    refused for their signature like any other.

    The headers are checked first (``fresh``), before a byte of the body is read: a timestamp
    must be ASCII digits, at most ``MAX_TIMESTAMP_DIGITS`` of them (``int()`` of a long one
    overflows, or refuses beyond 4,300 digits), and recent."""

    MAX_AGE = 60 * 5
    # Slack's timestamps have 10 digits until the year 2286; anything much longer is refused
    # before it is turned into a number
    MAX_TIMESTAMP_DIGITS = 12

    def __init__(self, secret: str, now: Callable[[], float] = time.time) -> None:
        self.secret = secret.encode()
        self.now = now

    def fresh(self, headers: Mapping[str, str]) -> bool:
        """Both headers are there, the timestamp is a plain number and within ``MAX_AGE``."""
        timestamp = headers.get("x-slack-request-timestamp") or ""
        signature = headers.get("x-slack-signature") or ""
        if not signature or not 0 < len(timestamp) <= self.MAX_TIMESTAMP_DIGITS:
            return False
        if not (timestamp.isascii() and timestamp.isdigit()):
            return False
        return abs(self.now() - int(timestamp)) <= self.MAX_AGE

    def valid(self, body: bytes, headers: Mapping[str, str]) -> bool:
        if not self.fresh(headers):
            return False
        timestamp = headers["x-slack-request-timestamp"]
        signature = headers["x-slack-signature"]
        base = b"v0:" + timestamp.encode() + b":" + body
        expected = "v0=" + hmac.new(self.secret, base, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None as soon as it is known to be longer than ``limit`` bytes: a
    ``Content-Length`` over it is refused before anything is read, and a body sent without one
    (chunked) is read only until it passes it. Nothing past ``limit`` is ever kept."""
    declared = request.headers.get("content-length")
    if declared is not None and not (
        declared.isascii() and declared.isdigit() and len(declared) <= 20 and int(declared) <= limit
    ):
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def create_web_app(
    bolt: AsyncApp,
    *,
    signing_secret: str,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], object] | None = None,
    extra_routes: list[Route] | None = None,
) -> Starlette:
    """The HTTP app. A request to the events URL is checked before Bolt sees it (Bolt's own check
    is off): without fresh, well-formed signature headers it gets 401 before its body is read;
    a body over ``MAX_BODY_BYTES`` gets 413 without being read further; a body whose signature
    does not match gets 401; signed bodies that do not parse get 400; nothing ends in a 5xx.
    No route reads a body but this one, and only up to the cap."""
    return Starlette(
        routes=[
            Route(EVENTS_PATH, _events(bolt, RequestSigning(signing_secret)), methods=["POST"]),
            Route("/healthz", _healthz, methods=["GET", "HEAD"]),
            *_oauth_routes(bolt),
            *(extra_routes or []),
        ],
        lifespan=_lifespan(on_startup, on_shutdown),
    )


def _events(bolt: AsyncApp, signing: RequestSigning) -> Callable[[Request], Awaitable[Response]]:
    """The events URL's endpoint: the checks before Bolt, then Bolt (see :func:`create_web_app`)."""

    async def events(request: Request) -> Response:
        if not signing.fresh(request.headers):
            log.info("refused request without a valid signature status=401")
            return refused("invalid request signature\n", 401)
        try:
            body = await read_body(request, MAX_BODY_BYTES)
        except ClientDisconnect:
            log.info("client left before its request body was read status=400")
            return refused("request body incomplete\n", 400)
        if body is None:
            log.info("refused request body over the limit status=413 limit=%d", MAX_BODY_BYTES)
            return refused("request body too large\n", 413)
        if not signing.valid(body, request.headers):
            log.info("refused request without a valid signature status=401")
            return PlainTextResponse("invalid request signature\n", status_code=401)
        return await _dispatch(bolt, request, body)

    return events


async def _dispatch(bolt: AsyncApp, request: Request, body: bytes) -> Response:
    """A signed body, handed to Bolt; what Bolt cannot handle is the request's fault (400)."""
    try:
        # Bolt gets the bytes read and checked here (its Starlette adapter would read the
        # request's body a second time)
        answer = await bolt.async_dispatch(to_async_bolt_request(request, body))
    except Exception as exc:  # the body does not parse (not UTF-8, not JSON, not an object)
        log.warning("refused malformed request status=400 error=%s", type(exc).__name__)
        return PlainTextResponse("malformed request body\n", status_code=400)
    if answer.status >= 500:
        # Bolt answers 500 when a listener fails on a payload it cannot use (a required field
        # missing): a malformed request, not a reason for Slack to send it again
        log.error("request could not be handled status=%s", answer.status)
        return PlainTextResponse("could not handle this request\n", status_code=400)
    return to_starlette_response(answer)


async def _healthz(_: Request) -> Response:
    return PlainTextResponse("ok\n")


def _oauth_routes(bolt: AsyncApp) -> list[Route]:
    """The install page and OAuth's redirect, when the app is distributed (GET only, and a body
    a client sends is never read)."""
    flow = bolt.oauth_flow
    if flow is None:
        return []

    async def oauth(request: Request) -> Response:
        bolt_request = to_async_bolt_request(request, b"")
        if request.url.path == flow.install_path:
            return to_starlette_response(await flow.handle_installation(bolt_request))
        return to_starlette_response(await flow.handle_callback(bolt_request))

    return [
        Route(flow.install_path, oauth, methods=["GET"]),
        Route(flow.redirect_uri_path, oauth, methods=["GET"]),
    ]


def _lifespan(
    on_startup: Callable[[], None] | None, on_shutdown: Callable[[], object] | None
) -> Callable[[Starlette], contextlib.AbstractAsyncContextManager[None]]:
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

    return lifespan


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
            *calendar_routes(lambda: rt.library),
            *ops_routes(
                ping_database=store.ping if store else None,
                gauges=(
                    Cached(lambda: store.gauges(rt.clock.now()), GAUGES_SECONDS) if store else None
                ),
                library=lambda: rt.library,
                metrics_on=rt.settings.metrics,
            ),
        ],
    )


class CalendarFeed:
    """The bytes of ``/summits.ics`` and of each event's own file (``/summits/<id>.ics``), each
    built once per content version and day, in a worker thread.

    Building a calendar takes milliseconds of CPU (icalendar): built at every request on the
    event loop, a flood of them held up everything else. The content can be reloaded while the
    bot runs (a new ``Library``), and the files depend on the day too (an event past and not
    marked held says so): either change builds them again, once each, however many requests are
    waiting. Only the feed and the files of events the content has are kept: an unknown id is
    answered None without a build, so what is kept is bounded by the content."""

    def __init__(
        self,
        library: Callable[[], Library],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.library = library
        self.now = now
        # the content version and day they were built for, and the files built ("": the feed)
        self._built: tuple[Library, date, dict[str, bytes | None]] | None = None
        self._building = asyncio.Lock()

    def _kept(self, library: Library, day: date) -> dict[str, bytes | None]:
        built = self._built
        if built is None or built[0] is not library or built[1] != day:
            built = self._built = (library, day, {})
        return built[2]

    async def body(self, event_id: str | None = None) -> bytes | None:
        """The feed (``event_id`` None), or an event's own file: None for an id the content does
        not have, or an event known only by a period."""
        library, now = self.library(), self.now()
        if event_id is not None and library.summit(event_id) is None:
            return None
        key = event_id or ""
        kept = self._kept(library, now.date())
        if key in kept:
            return kept[key]
        async with self._building:  # one build; the requests that come meanwhile wait for it
            kept = self._kept(library, now.date())
            if key not in kept:
                # imported at the first request: icalendar is memory every process would carry
                # for a feed that calendar apps fetch a few times a day
                from bot.answers import calendar

                if event_id is None:
                    kept[key] = await asyncio.to_thread(calendar.summits_ics, library, now)
                else:
                    kept[key] = await asyncio.to_thread(calendar.summit_ics, library, event_id, now)
            return kept[key]


def calendar_routes(library: Callable[[], Library]) -> list[Route]:
    """``GET /summits.ics``: the summits as an iCalendar feed people subscribe to; and
    ``GET /summits/<id>.ics``: one event's own file (404 for an unknown id, or an event known
    only by a period)."""
    summits = CalendarFeed(library)

    def ics(body: bytes, name: str) -> Response:
        return Response(
            body,
            media_type="text/calendar; charset=utf-8",
            headers={
                "Content-Disposition": f'inline; filename="{name}"',
                "Cache-Control": "public, max-age=3600",
            },
        )

    async def feed(_: Request) -> Response:
        body = await summits.body()
        assert body is not None  # the feed is always built
        return ics(body, "summits.ics")

    async def one(request: Request) -> Response:
        event_id = str(request.path_params["event_id"])
        body = await summits.body(event_id)
        if body is None:
            return PlainTextResponse("no calendar file for this event\n", status_code=404)
        return ics(body, f"{event_id}.ics")

    return [
        Route(CALENDAR_PATH, feed, methods=["GET", "HEAD"]),
        Route(EVENT_CALENDAR_PATH, one, methods=["GET", "HEAD"]),
    ]


class Cached(Generic[T]):
    """What ``read()`` returned (or raised) in the last ``seconds``, read again once it is older.
    Thread-safe: callers that come while it is read wait for that one read."""

    def __init__(
        self, read: Callable[[], T], seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.read = read
        self.seconds = seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._at: float | None = None
        self._value: T | None = None
        self._error: Exception | None = None

    def __call__(self) -> T:
        with self._lock:
            now = self.clock()
            if self._at is None or now - self._at >= self.seconds:
                try:
                    self._value, self._error = self.read(), None
                except Exception as exc:
                    self._value, self._error = None, exc
                self._at = now
            if self._error is not None:
                raise self._error.with_traceback(None)
            return cast(T, self._value)


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


# uvicorn's limits (docs/operations.md). `serve` belongs behind a proxy that enforces header and
# body deadlines; these bound what is left when it is not, or when the proxy lets a flood through.
# Connections plus requests at work at once: past it, a new request is answered 503 at once, with
# the connection closed. Well above the 2,000 idle connections the issue measured with, so that a
# few thousand idle connections do not turn /healthz into 503s (cutting those is the proxy's job).
LIMIT_CONCURRENCY = 4096
# How long an idle keep-alive connection is kept: longer than the proxies' own idle timeouts
# (Heroku's Router 2.0 90 s, an AWS ALB and nginx 60 s by default), so that the proxy, not the
# bot, closes an idle connection and never sends a request on one being closed. (A connection that
# never sends a request is not timed out by uvicorn at all: that deadline is the proxy's.)
KEEP_ALIVE_SECONDS = 100


def raise_open_file_limit() -> int:
    """Raise the soft limit on open files to the hard limit, as most servers do: a soft 1024 is
    a common default, and a few hundred idle connections used to exhaust it. The soft limit in
    force afterwards (unchanged when it cannot be raised)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft == hard:
        return soft
    # an unlimited hard limit is not accepted as a soft one for open files: take a large number
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 16)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


def uvicorn_config(web: Starlette, port: int, log_level: str, host: str) -> uvicorn.Config:
    import uvicorn

    return uvicorn.Config(
        web,
        host=host,
        port=port,
        log_level=log_level.lower(),
        access_log=False,
        log_config=None,  # keep our one-line format
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        limit_concurrency=LIMIT_CONCURRENCY,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


def serve(
    web: Starlette,
    port: int,
    log_level: str,
    host: str = "0.0.0.0",
    sock: socket.socket | None = None,
) -> None:
    """Serve ``web`` with uvicorn, on ``sock`` when given (see ``listen``), else ``host:port``."""
    import uvicorn

    config = uvicorn_config(web, port, log_level, host)
    # uvicorn shuts down gracefully on SIGTERM (the clock's shutdown included), then raises the
    # signal again for the handler that was there before it: let that one end the process with
    # exit status 0 (a SIGTERM before uvicorn is up ends it the same way)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_cleanly)
    uvicorn.Server(config).run(sockets=[sock] if sock is not None else None)


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)
